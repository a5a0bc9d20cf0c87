"""Settings for the test suite: the real settings, with a test key and a fast password hasher."""

import os

os.environ.setdefault("KHUYENCONG_TESTING", "1")

from khuyencong.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_COOKIES = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
