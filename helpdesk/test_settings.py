"""Settings for the test suite: the real settings with development defaults.

Tests use the database and Redis named in the environment (``.ci/run`` points them at
PostgreSQL and Redis); transport security is off because the test client speaks plain HTTP.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SECURE_TRANSPORT", "0")
os.environ.setdefault("HELPDESK_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var"))

from .settings import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Tasks enqueued by code under test go to an in-process queue; tests that need a real broker
# (a real worker on Redis) point the Celery app at Redis themselves.
CELERY_BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "memory://")
# A real Redis broker gets the production transport options (visibility timeout, timeouts).
CELERY_BROKER_TRANSPORT_OPTIONS = (
    REDIS_BROKER_TRANSPORT_OPTIONS  # noqa: F405
    if CELERY_BROKER_URL.startswith("redis")
    else {}
)
MEDIA_ROOT = os.path.join(VAR_DIR, "test-media")  # noqa: F405
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405 - whitenoise warns when it is missing
