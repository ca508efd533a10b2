"""Which enterprise or recommending unit a user belongs to, read and written in one place.

The user model (portal) knows nothing of enterprises: the link is a Membership row here. Read it through these
functions; a user without a membership (an organiser, most judges, an anonymous visitor) belongs to nothing.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from submissions.models import Membership

# The user's side of Membership.user, whose cache holds the membership once read (or None when there is none).
_USER_SIDE = Membership._meta.get_field("user").remote_field


def membership_of(user) -> Membership | None:
    """The user's membership with its enterprise and unit, read once per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    if not _USER_SIDE.is_cached(user):
        membership = (
            Membership.objects.select_related("enterprise", "recommending_unit").filter(user_id=user.pk).first()
        )
        if membership is not None:
            Membership._meta.get_field("user").set_cached_value(membership, user)
        _USER_SIDE.set_cached_value(user, membership)
    return _USER_SIDE.get_cached_value(user)


def enterprise_of(user):
    """The user's enterprise: an enterprise user's own, or the one a judge works for; None otherwise."""
    membership = membership_of(user)
    return membership.enterprise if membership else None


def enterprise_id_of(user) -> int | None:
    membership = membership_of(user)
    return membership.enterprise_id if membership else None


def recommending_unit_of(user):
    membership = membership_of(user)
    return membership.recommending_unit if membership else None


def recommending_unit_id_of(user) -> int | None:
    membership = membership_of(user)
    return membership.recommending_unit_id if membership else None


def forget(user) -> None:
    """Drop the membership read earlier, so the next read sees the database."""
    if user is not None and _USER_SIDE.is_cached(user):
        _USER_SIDE.delete_cached_value(user)


@transaction.atomic
def create_user(
    *,
    email: str,
    password: str | None = None,
    enterprise=None,
    recommending_unit=None,
    is_administrator: bool = False,
    **fields,
):
    """A user and, when an enterprise or a unit is given, its membership: for sign-up, demo data and tests."""
    user = get_user_model().objects.create_user(email=email, password=password, **fields)
    set_membership(user, enterprise=enterprise, recommending_unit=recommending_unit, is_administrator=is_administrator)
    return user


def set_membership(user, *, enterprise=None, recommending_unit=None, is_administrator: bool = False):
    """Make the user a member of the enterprise or the unit (replacing what it belonged to); with neither, of
    nothing. Returns the membership, or None."""
    forget(user)
    if enterprise is None and recommending_unit is None:
        Membership.objects.filter(user=user).delete()
        return None
    membership, _created = Membership.objects.update_or_create(
        user=user,
        defaults={
            "enterprise": enterprise,
            "recommending_unit": recommending_unit,
            "is_administrator": is_administrator,
        },
    )
    return membership
