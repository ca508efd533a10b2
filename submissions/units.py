"""Recommending units (推荐单位) and their users, managed by organisers in the portal: a user added to a unit (the unit
created by its name when new) gets an account without a password and an invitation to set one
(portal.invitations); the organisers see who has accepted."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from portal import invitations
from submissions import memberships
from submissions.models import Membership, RecommendingUnit

User = get_user_model()


def units_with_users():
    """Every unit with its members' accounts, in a fixed number of queries."""
    members = Membership.objects.select_related("user").order_by("user__full_name", "user__email")
    return RecommendingUnit.objects.prefetch_related(Prefetch("memberships", queryset=members)).order_by("name")


@transaction.atomic
def add_unit_user(*, unit_name: str, full_name: str, email: str, phone: str = "") -> User:
    """A user of the unit (the unit created when no unit has that name): a new account with the recommending-unit
    role and no password, or an existing recommending-unit account moved to this unit."""
    unit_name, full_name, email = unit_name.strip(), full_name.strip(), email.strip().lower()
    if not unit_name or not full_name:
        raise ValidationError(_("Give the unit's name and the person's name."))
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError(_("“%(email)s” is not an e-mail address.") % {"email": email}) from error
    unit, _created = RecommendingUnit.objects.get_or_create(name=unit_name)
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and user.role != User.Role.RECOMMENDER:
        raise ValidationError(
            _("%(email)s belongs to an account of another role; use another address.") % {"email": email}
        )
    if user is None:
        user = memberships.create_user(
            email=email, full_name=full_name, phone=phone.strip(), role=User.Role.RECOMMENDER, recommending_unit=unit
        )
    else:
        memberships.set_membership(user, recommending_unit=unit)
    return user


def invite(*, users, by) -> int:
    """E-mail each unit user who has not accepted yet the link to set the password; returns how many."""
    return sum(1 for user in users if invitations.send(user=user, by=by, template="submissions/email/unit_invitation"))
