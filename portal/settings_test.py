"""Test settings: the real settings with fast hashing, plain HTTP and eager tasks.

DATABASE_URL, CELERY_BROKER_URL and REDIS_URL still come from the environment, so CI runs the suite on
PostgreSQL and Redis (the cache included); tests that need a real worker switch eager mode off themselves.
Without REDIS_URL the cache is local memory.
"""

import os

# The settings refuse to start without SECRET_KEY when DEBUG is off: the suite (and the processes it starts, which
# inherit this environment) use a test key.
os.environ.setdefault("SECRET_KEY", "test-only-key-never-used-in-production-0123456789abcdefghij")

from portal.settings import *  # noqa: E402, F403
from portal.settings import BASE_DIR, REDIS_URL  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".test-media"
if not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The per-process tier in front of Redis (public.cache) is off, so that a test sees what the shared cache holds;
# its own tests (tests/public/test_cache.py) turn it on.
PUBLIC_LOCAL_CACHE_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
