"""Settings for the khuyến công portal, read from the environment (see .env.example).

SQLite in a file beside the project when DATABASE_URL is unset; PostgreSQL when it names one.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A development key only when debugging (or testing); production must set its own.
if DEBUG or env.bool("KHUYENCONG_TESTING", default=False):
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-dev-only-khuyencong-not-for-production")
else:
    SECRET_KEY = env("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "import_export",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "django_filters",
    "khuyencong",
    "khuyencong.jobs",
    "khuyencong.office",
    "projects",
    "funding",
    "reporting",
    "khuyencong.documents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "khuyencong.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "khuyencong.context_processors.organisation",
            ],
        },
    },
]

WSGI_APPLICATION = "khuyencong.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Persistent connections: a worker keeps its connection for CONN_MAX_AGE seconds instead of
# opening one per request. At 50× the data a new PostgreSQL connection cost ~18 ms of the
# database's CPU per request (authentication, catalogue caches warmed again), as much as the
# request's own queries. CONN_HEALTH_CHECKS tests a kept connection before a request reuses it,
# so a restarted database costs one reconnect, not one error. 0 in development (runserver's
# threads would each keep one) unless set.
#
# Not psycopg's connection pool (OPTIONS "pool", Django 5.1+, which cannot be combined with
# CONN_MAX_AGE): gunicorn's sync workers serve one request at a time each, so a pool per worker
# would hold one busy connection like the kept one and add a checkout per request; it pays with
# threaded or async workers, which this deployment does not run (docs/deploy.md). A pooler in
# front of PostgreSQL (PgBouncer) is the answer when many machines' workers exceed
# max_connections.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The task worker writes a large import in one transaction while the web reads: in WAL mode
    # readers never wait for the writer, and writers wait (up to 20 s) instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20})

# The dashboard keeps the day's debt book here (khuyencong/dashboard). Local memory is one
# cache per worker; CACHE_URL=redis://127.0.0.1:6379/1 (with `pip install ".[redis]"`) shares
# one book among the workers and machines, so a repayment is worked out once, not once per
# worker. Production with more than one worker sets it (docs/deploy.md). What the cache holds is
# never the only truth: each entry is keyed by the versions it was computed from.
CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://"),
    # A running job's progress (khuyencong.core.jobs), written by the task worker and read by the
    # web: files, so that both processes see it; JOBS_CACHE_URL=redis://… when they run on
    # different machines.
    "jobs": env.cache_url("JOBS_CACHE_URL", default=f"filecache://{BASE_DIR / '.cache' / 'jobs'}"),
}

# Sessions: in the database by default, which every worker and machine shares. With a shared
# cache (CACHE_URL=redis://…), SESSION_ENGINE=django.contrib.sessions.backends.cached_db reads
# them from the cache and writes through to the database. Never the plain "cache" engine over
# local memory: a session would live in one worker.
SESSION_ENGINE = env("SESSION_ENGINE", default="django.contrib.sessions.backends.db")
_PER_WORKER_CACHE = CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))
if SESSION_ENGINE.endswith((".cache", ".cached_db")) and _PER_WORKER_CACHE and not DEBUG:
    raise ImproperlyConfigured(
        f"SESSION_ENGINE={SESSION_ENGINE} over a local-memory (or dummy) cache keeps each session in one worker "
        "(a sign-out would not reach the others): set CACHE_URL to a shared cache (Redis), or leave SESSION_ENGINE unset."
    )
# Signed-cookie sessions live in the browser: a sign-out (or a locked account) cannot revoke a
# copy of the cookie taken before it.
if SESSION_ENGINE.endswith(".signed_cookies") and not DEBUG:
    raise ImproperlyConfigured(
        f"SESSION_ENGINE={SESSION_ENGINE}: a sign-out cannot revoke a copied cookie; leave SESSION_ENGINE unset (the database)."
    )

# The task queue: django-tasks (Django's Tasks API, backported; django.tasks on Django 6) with
# its database backend, so no broker is needed, on SQLite or PostgreSQL alike. `manage.py
# db_worker` runs the jobs (`make run` starts it beside the web server). Large workbook imports
# and report issuing run there (khuyencong.core.jobs).
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (django-axes): five failures for one user name from one address lock that
# pair for a quarter of an hour; the axes backend must come first so that it sees every attempt.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# The client address, for the lockout above (khuyencong.security.client_ip). TRUSTED_PROXY_COUNT
# is the number of reverse proxies in front of the server, each appending to X-Forwarded-For:
# 0 (default) reads REMOTE_ADDR and ignores the header, which anyone can write; with N, the Nth
# entry from the right, and only for requests that come from TRUSTED_PROXY_ADDRESSES (the
# nearest proxy), so a client reaching the server directly cannot choose its address.
if "BEHIND_PROXY" in os.environ:
    raise ImproperlyConfigured("BEHIND_PROXY is replaced by TRUSTED_PROXY_COUNT (1 behind one reverse proxy); see .env.example.")
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_ADDRESSES = env.list("TRUSTED_PROXY_ADDRESSES", default=["127.0.0.1", "::1"])
AXES_CLIENT_IP_CALLABLE = "khuyencong.security.client_ip"
# The password-change form (khuyencong.security) takes AXES_FAILURE_LIMIT and AXES_COOLOFF_TIME too.

# Content-Security-Policy (django-csp 4): everything from this site, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
# Django's messages its Vietnamese catalogue leaves untranslated (locale/vi/LC_MESSAGES/django.po).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True
# Django's vi locale groups no thousands; money goes through khuyencong.core.formatting instead.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# MEDIA_URL is never served (no URL pattern, no web-server alias): attached documents are read
# only through khuyencong.documents.views.download, which checks the role first.
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not env.bool("KHUYENCONG_TESTING", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Production may keep documents in an S3-compatible store (django-storages with boto3, installed
# on that server only; see README "Tài liệu đính kèm"): private bucket, no public URL.
if env("DOCUMENTS_S3_BUCKET", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("DOCUMENTS_S3_BUCKET"),
            "endpoint_url": env("DOCUMENTS_S3_ENDPOINT_URL", default=None),
            "region_name": env("DOCUMENTS_S3_REGION", default=None),
            "access_key": env("DOCUMENTS_S3_ACCESS_KEY", default=None),
            "secret_key": env("DOCUMENTS_S3_SECRET_KEY", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Security: secure cookies and HSTS unless explicitly turned off for local HTTP.
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT > 0 else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The Centre's workbook (import-format.md; khuyencong.workbook.reader.Limits): refused above
# this size; its zip refused with more members, a sheet larger unpacked (another part: a third
# of it), more unpacked in all, or a member packed tighter than the ratio; rows beyond the
# limits (per sheet, in all; cells present, not the declared dimension) and columns past the
# limit are problems of the preview.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_MEMBERS = env.int("IMPORT_MAX_MEMBERS", default=500)
IMPORT_MAX_MEMBER_BYTES = env.int("IMPORT_MAX_MEMBER_BYTES", default=150 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=250 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = env.int("IMPORT_MAX_COMPRESSION_RATIO", default=100)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=200)
IMPORT_MAX_ROWS_PER_SHEET = env.int("IMPORT_MAX_ROWS_PER_SHEET", default=200_000)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=300_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Documents attached to records (khuyencong.documents): refused above this size with a Vietnamese
# message. DATA_UPLOAD_MAX_MEMORY_SIZE counts the form's fields, not its files, and a file above
# FILE_UPLOAD_MAX_MEMORY_SIZE goes to a temporary file, so neither stops a 20 MB document; the
# proxy in front (nginx client_max_body_size) must let a little more than this through.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
# django-import-export lets any staff user import unless told which permission it takes.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# The organisation that issues the reports; another province sets its own.
ORGANISATION = {
    "parent_body": env("ORG_PARENT_BODY", default="UBND TỈNH LÂM ĐỒNG"),
    "issuing_body": env("ORG_ISSUING_BODY", default="SỞ CÔNG THƯƠNG"),
    "place_name": env("ORG_PLACE_NAME", default="Lâm Đồng"),
    "province_code": env("ORG_PROVINCE_CODE", default="68"),
    # Who signs the report unless a report says otherwise: "KT. GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC" when
    # a deputy signs for the director (NĐ 30/2020, Điều 13), no authority when the director does.
    "signer_authority": env("ORG_SIGNER_AUTHORITY", default=""),
    "signer_title": env("ORG_SIGNER_TITLE", default="GIÁM ĐỐC"),
    "signer_name": env("ORG_SIGNER_NAME", default=""),
    # "Nơi nhận" of a new report, one a line.
    "recipients": env("ORG_RECIPIENTS", default="Như trên;\nGiám đốc Sở (b/c);\nLưu: VT."),
}

# The organisation's certificate that signs an issued report's PDF (reporting/signing.py): a
# PKCS#12 file and its passphrase. Unset: issued PDFs are not signed (see the README).
REPORT_SIGNING = {
    "pkcs12": env("REPORT_SIGNING_PKCS12", default=""),
    "passphrase": env("REPORT_SIGNING_PASSPHRASE", default=""),
}

# E-mail (the reminders of khuyencong.office): EMAIL_URL as django-environ reads it
# ("smtp+tls://user:password@mail.example.vn:587"); the console in development.
vars().update(env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="khuyencong@localhost")
# The portal's address as the e-mails link to it.
PORTAL_URL = env("PORTAL_URL", default="http://127.0.0.1:8000")

# The demo data set is built for this report date (report-figures.md).
DEMO_REPORT_DATE = "2025-03-15"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
