"""Log-in throttling, in the database so it holds while Redis is down.

Every password check first reserves an attempt: it writes one row for the account and one for the client's
address (portal.models.LoginAttempt), then counts the rows of each key inside the lockout window. Over either
limit, the reservation is taken back and the password is not checked. Counting after writing makes the check
and the count one step: of any number of parallel attempts, the last one to write sees every other, so at most
LOGIN_MAX_FAILURES passwords are checked per account and window, however many arrive at once.

- The account key is the resolved user (found the way authentication finds it, UserManager.get_by_natural_key),
  so every spelling that logs in as one user (upper case, `ſ` for `s` on PostgreSQL) counts against one user.
  An e-mail that matches no user is keyed on its NFKC-normalised, case-folded text: limited the same way,
  without telling whether the account exists.
- The address key is the client's address, limited at LOGIN_MAX_FAILURES_PER_ADDRESS: high enough that a hall
  of judges on one Wi-Fi never reaches it by mistake, low enough to slow one address guessing many accounts.
- A successful log-in clears its account's count and takes back its own address row.
"""

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.models import LoginAttempt


def normalise(email: str) -> str:
    """The e-mail as one text for every spelling of it: NFKC, case-folded, trimmed."""
    return unicodedata.normalize("NFKC", email or "").casefold().strip()


def account_key(email: str) -> str:
    """The throttle key of the account this e-mail logs in as: the user's pk when one user matches (resolved
    once, as authentication resolves it), else a hash of the normalised text."""
    model = get_user_model()
    try:
        user = model._default_manager.get_by_natural_key(email)
    except (model.DoesNotExist, model.MultipleObjectsReturned):
        return "email:" + hashlib.sha256(normalise(email).encode()).hexdigest()
    return f"user:{user.pk}"


def address_key(address: str) -> str:
    return "ip:" + address[:90]


@dataclass
class Reservation:
    account: str
    rows: list[int]

    def succeeded(self) -> None:
        """The password was right: the account starts afresh and this attempt counts against no address."""
        LoginAttempt.objects.filter(key=self.account).delete()
        LoginAttempt.objects.filter(pk__in=self.rows).delete()


def reserve(*, email: str, address: str) -> Reservation | None:
    """Count one attempt for the account and the address before the password is checked; None (nothing
    counted) when either is over its limit."""
    now = timezone.now()
    since = now - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    LoginAttempt.objects.filter(at__lte=since).delete()
    limits = {account_key(email): settings.LOGIN_MAX_FAILURES}
    if address:
        limits[address_key(address)] = settings.LOGIN_MAX_FAILURES_PER_ADDRESS
    rows = [LoginAttempt.objects.create(key=key, at=now).pk for key in limits]
    for key, limit in limits.items():
        if LoginAttempt.objects.filter(key=key, at__gt=since).count() > limit:
            LoginAttempt.objects.filter(pk__in=rows).delete()
            return None
    return Reservation(account=next(iter(limits)), rows=rows)


def lockout_minutes() -> int:
    return max(1, -(-settings.LOGIN_LOCKOUT_SECONDS // 60))


def client_address(request) -> str:
    """The client's address. Behind the proxy every request comes from the proxy itself, so the address is
    the last entry of X-Forwarded-For: the one the proxy appended (the entries before it are the client's
    own word). Without a proxy the header is ignored: anyone can send it."""
    if settings.BEHIND_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")
