"""Checks made when the portal starts serving: the web application (wsgi/asgi) and the Celery worker."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_secret_key() -> None:
    """Never serve without a secret key: sessions, CSRF tokens and password-reset links are signed with it.
    (Django itself refuses an empty key only when something reads it, i.e. at the first request.)"""
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:
        key = ""
    if not key:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: set SECRET_KEY to a long random value (or DEBUG=true for the embedded "
            "development mode)"
        )
