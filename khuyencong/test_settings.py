"""Settings for the test suite: the real settings, with a test key and a fast password hasher."""

import os
import tempfile

os.environ.setdefault("KHUYENCONG_TESTING", "1")

from khuyencong.settings import *  # noqa: E402,F403

# One connection per test as before; the production default (CONN_MAX_AGE=60) would keep the
# live-server threads' connections open past the test database's teardown.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_COOKIES = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False

# Each test rolls its transaction back, and SQLite then hands out the same history ids again:
# a cache keyed by them would carry one test's figures into the next. The test of that cache
# turns a real one on for itself.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    "jobs": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "jobs"},
}

# Jobs run at enqueue, inside the request, so that a test sees their result at once; the test of
# the worker switches to the database backend for itself.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# What the tests store (the import log keeps every workbook imported, web or command) goes to a
# folder of this run, not to the checkout's media/.
MEDIA_ROOT = tempfile.mkdtemp(prefix="khuyencong-test-media-")
