"""Log-in throttling, in the database so it holds while Redis is down.

Every password check first reserves an attempt: it counts the rows of the account's key and of the client's
address key inside the lockout window and, under both limits, writes one row for each (portal.models.LoginAttempt).
At a limit nothing is written and the password is not checked. The count and the write are one step: on
PostgreSQL a transaction holds an advisory lock per key meanwhile, so of any number of parallel attempts exactly
LOGIN_MAX_FAILURES passwords are checked per account and window (counting after an unlocked write could let all
of sixteen parallel attempts see sixteen rows and refuse every one).

- The account key is the resolved user (found the way authentication finds it, UserManager.get_by_natural_key),
  so every spelling that logs in as one user (upper case, `ſ` for `s` on PostgreSQL) counts against one user.
  An e-mail that matches no user is keyed on its NFKC-normalised, case-folded text: limited the same way,
  without telling whether the account exists.
- The address key is the client's address, limited at LOGIN_MAX_FAILURES_PER_ADDRESS: high enough that a hall
  of judges on one Wi-Fi never reaches it by mistake, low enough to slow one address guessing many accounts.
- A successful log-in clears its account's count and takes back its own address row.

Sign-up and password reset (ACTIONS) are counted by the same rows, each under its own keys (`signup:ip:…`,
`reset:email:…`): every request that would create an account or send an e-mail counts, per client address and per
target e-mail (its normalised text, whether or not an account uses it), within its own window. Over either limit,
allow() takes its rows back and says no: the caller then creates nothing and sends nothing.
"""

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import ngettext

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


def address_key(address: str, scope: str = "") -> str:
    return f"{scope}ip:" + address[:90]


def email_key(email: str, scope: str) -> str:
    return f"{scope}email:" + hashlib.sha256(normalise(email).encode()).hexdigest()


@dataclass(frozen=True)
class Limits:
    per_address: int
    per_email: int
    seconds: int


def action_limits(action: str) -> Limits:
    """The limits of a throttled action other than the log-in, read from the settings when asked."""
    if action == "signup":
        return Limits(
            settings.SIGNUP_MAX_PER_ADDRESS, settings.SIGNUP_MAX_PER_EMAIL, settings.SIGNUP_RESET_WINDOW_SECONDS
        )
    if action == "reset":
        return Limits(
            settings.PASSWORD_RESET_MAX_PER_ADDRESS,
            settings.PASSWORD_RESET_MAX_PER_EMAIL,
            settings.SIGNUP_RESET_WINDOW_SECONDS,
        )
    raise ValueError(f"unknown throttled action {action!r}")


ACTIONS = ("signup", "reset")


def _forget_old(now) -> None:
    """Delete the rows no window counts any more (the longest window decides)."""
    longest = max([settings.LOGIN_LOCKOUT_SECONDS] + [action_limits(action).seconds for action in ACTIONS])
    LoginAttempt.objects.filter(at__lte=now - timedelta(seconds=longest)).delete()


# The first key of the PostgreSQL advisory locks that serialise the counting of one throttle key ("THRT").
LOCK_NAMESPACE = 0x54485254


def _count(limits: dict[str, int], *, now, since) -> list[int] | None:
    """Count each key's rows since `since` and, when every key is under its limit, write one row per key: the rows
    written, or None (and nothing written) when a key is at its limit. On PostgreSQL the keys are locked for the
    transaction first (advisory locks, in a fixed order), so parallel requests are counted one after the other and
    exactly `limit` of them pass, never more and never none."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for key in sorted(limits):
                    cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_NAMESPACE, key])
        for key, limit in limits.items():
            if LoginAttempt.objects.filter(key=key, at__gt=since).count() >= limit:
                return None
        return [LoginAttempt.objects.create(key=key, at=now).pk for key in limits]


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
    _forget_old(now)
    limits = {account_key(email): settings.LOGIN_MAX_FAILURES}
    if address:
        limits[address_key(address)] = settings.LOGIN_MAX_FAILURES_PER_ADDRESS
    rows = _count(limits, now=now, since=now - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS))
    if rows is None:
        return None
    return Reservation(account=next(iter(limits)), rows=rows)


def allow(*, action: str, email: str, address: str) -> bool:
    """Count one sign-up or password-reset request (`action`: "signup" or "reset") for the target e-mail and the
    client's address; False, with nothing counted, when either is over its limit."""
    limit = action_limits(action)
    now = timezone.now()
    _forget_old(now)
    scope = f"{action}:"
    limits = {email_key(email, scope): limit.per_email}
    if address:
        limits[address_key(address, scope)] = limit.per_address
    return _count(limits, now=now, since=now - timedelta(seconds=limit.seconds)) is not None


def window_minutes(action: str) -> int:
    return max(1, -(-action_limits(action).seconds // 60))


def refusal_message(action: str) -> str:
    """What a sign-up or password reset over its limit is told (with status 429): the same for every address."""
    minutes = window_minutes(action)
    return ngettext(
        "Too many requests from here or for this e-mail address. Please try again in %(minutes)d minute.",
        "Too many requests from here or for this e-mail address. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


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
