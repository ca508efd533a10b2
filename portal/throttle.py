"""Log-in throttling: count failed log-ins per e-mail and per client address in the cache."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(email: str, address: str) -> list[str]:
    keys = []
    if email:
        keys.append("login-fail:email:" + hashlib.sha256(email.strip().lower().encode()).hexdigest())
    if address:
        keys.append("login-fail:ip:" + address)
    return keys


def is_locked(*, email: str, address: str) -> bool:
    limit = settings.LOGIN_MAX_FAILURES
    # An address may try a few more e-mails than one e-mail may be tried, so a shared office
    # network is not locked out by one person's typos.
    for key in _keys(email, address):
        count = cache.get(key, 0)
        if count >= (limit * 4 if ":ip:" in key else limit):
            return True
    return False


def record_failure(*, email: str, address: str) -> None:
    for key in _keys(email, address):
        if not cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def clear(*, email: str) -> None:
    keys = _keys(email, "")
    if keys:
        cache.delete_many(keys)


def client_address(request) -> str:
    """The client's address. Behind the proxy every request comes from the proxy itself, so the address is
    the last entry of X-Forwarded-For: the one the proxy appended (the entries before it are the client's
    own word). Without a proxy the header is ignored: anyone can send it."""
    if settings.BEHIND_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")
