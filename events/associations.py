"""Associations: which one a page of an organiser acts for, and the changes to an association's team and settings.

An association's organisers see and change only its data. Pages that are not about one edition (the judges' pool,
the recommending units, the association's settings) act for the association chosen with `?association=<id>` among
those the user works for, the first of them by default (most organisers work for one)."""

import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from events import audit, services
from events.models import Association, AssociationEvent, AssociationMember
from portal import images, invitations

User = get_user_model()
INVITATION = "events/email/organiser_invitation"
# The settings kept in the association's trail when they change (the logo as "changed or not").
SETTINGS = ("name", "short_name", "slug", "contact_name", "contact_phone", "contact_email", "address", "searchable")


def chosen(request) -> Association:
    """The association the page acts for: one the user works for (a 403 when there is none). Sets
    request.associations to the ones to switch between (empty unless there are several), for `choices`."""
    associations = list(Association.objects.of(request.user).order_by("name"))
    if not associations:
        raise PermissionDenied
    wanted = str(request.POST.get("association") or request.GET.get("association") or "")
    request.associations = associations if len(associations) > 1 else []
    return next((a for a in associations if str(a.pk) == wanted), associations[0])


def choices(request) -> list[Association]:
    """The associations the user may switch between on such a page (shown only when there are several)."""
    if not hasattr(request, "associations"):
        chosen(request)
    return request.associations


def record(*, association: Association, by, action: str, target: str = "", old=None, new=None) -> AssociationEvent:
    """One line of the association's trail (AssociationEvent); `by` None for the system or a command."""
    if by is not None and not getattr(by, "is_authenticated", False):
        by = None
    return AssociationEvent.objects.create(
        association=association, user=by, action=action, target=target[:200], old_values=old or {}, new_values=new or {}
    )


def _person(user) -> str:
    return f"{user.get_full_name()} <{user.email}>"


@transaction.atomic
def set_member(*, association: Association, user, role: str, by=None) -> AssociationMember:
    """Put an organiser on the association's team with the role, or change the role; the last administrator keeps
    the role. Kept in the association's trail."""
    if not user.is_organiser:
        raise ValidationError(_("Only users with the organiser role can work for an association."))
    if role not in AssociationMember.Role.values:
        raise ValidationError(_("Choose a role."))
    member, created = AssociationMember.objects.select_for_update().get_or_create(
        association=association, user=user, defaults={"role": role}
    )
    if created:
        record(
            association=association,
            by=by,
            action=AssociationEvent.Action.MEMBER_ADDED,
            target=_person(user),
            new={"role": role},
        )
    elif member.role != role:
        _keep_an_administrator(association, leaving=member)
        record(
            association=association,
            by=by,
            action=AssociationEvent.Action.ROLE_CHANGED,
            target=_person(user),
            old={"role": member.role},
            new={"role": role},
        )
        member.role = role
        member.save(update_fields=["role"])
    return member


@transaction.atomic
def remove_member(*, association: Association, user, by=None) -> None:
    """Take an organiser off the association's team and off the teams of its editions (kept in the association's
    trail, and each edition's in its audit trail)."""
    member = AssociationMember.objects.select_for_update().filter(association=association, user=user).first()
    if member is None:
        raise ValidationError(_("%(name)s is not on the team.") % {"name": user.get_full_name()})
    _keep_an_administrator(association, leaving=member)
    for edition in association.editions.filter(organisers=user):
        if edition.organisers.count() == 1:
            raise ValidationError(
                _("%(name)s is the only organiser of %(edition)s: give the edition another organiser first.")
                % {"name": user.get_full_name(), "edition": edition.name}
            )
        edition.organisers.remove(user)
        services.audit_team(edition=edition, user=user, by=by, action=audit.Action.ORGANISER_REMOVED)
    record(
        association=association,
        by=by,
        action=AssociationEvent.Action.MEMBER_REMOVED,
        target=_person(user),
        old={"role": member.role},
    )
    member.delete()


def _keep_an_administrator(association: Association, *, leaving: AssociationMember) -> None:
    if leaving.role != AssociationMember.Role.ADMINISTRATOR:
        return
    others = association.members.filter(role=AssociationMember.Role.ADMINISTRATOR).exclude(pk=leaving.pk)
    if not others.exists():
        raise ValidationError(_("An association needs at least one administrator."))


def back_to(request, view_name: str, association: Association):
    """A redirect to the page of `view_name` for the association: named in the address only for someone who works
    for several."""
    url = reverse(view_name)
    return redirect(f"{url}?association={association.pk}" if choices(request) else url)


# --- accounts, new associations and settings --------------------------------------------------------------------


def organiser_account(*, email: str, full_name: str = "") -> tuple[User, bool]:
    """The organiser account with that e-mail address, or a new one without a password (the invitation's link sets
    it); True when it is new. An address of an account with another role is refused: one person, one role."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("“%(email)s” is not an e-mail address") % {"email": email})
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        if not user.is_organiser:
            raise ValidationError(
                _("%(email)s belongs to an account that is not an organiser's: an account has one role.")
                % {"email": email}
            )
        return user, False
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationError(_("There is no account with that e-mail address yet: give the person's name too."))
    user = User(email=email, full_name=full_name[:100], role=User.Role.ORGANISER)
    user.set_unusable_password()
    user.save()
    return user, True


def invite(*, user, by, association: Association) -> bool:
    """E-mail an organiser who has no password yet the link that sets it (portal.invitations); False when the
    account has one already."""
    return invitations.send(user=user, by=by, template=INVITATION, association=association)


@transaction.atomic
def add_member(*, association: Association, email: str, full_name: str = "", role: str, by) -> tuple[User, bool]:
    """Put the organiser with that e-mail address on the team (an account is made and invited when there is none);
    returns the user and whether an invitation was sent. Someone on the team already keeps the role they have."""
    user, _created = organiser_account(email=email, full_name=full_name)
    if association.members.filter(user=user).exists():
        raise ValidationError(_("%(name)s is on the team already.") % {"name": user.get_full_name()})
    set_member(association=association, user=user, role=role, by=by)
    return user, invite(user=user, by=by, association=association)


def _put_logo(association: Association, logo) -> None:
    """The uploaded logo, checked to be a PNG or JPEG picture, under a name of the association's and random."""
    extension = images.check_image(logo)
    association.logo.save(f"{association.slug}-{secrets.token_hex(4)}.{extension}", File(logo), save=False)


@transaction.atomic
def create_association(
    *, association: Association, email: str, full_name: str = "", logo=None, by
) -> tuple[Association, bool]:
    """Save a new association (checked by its form) with its first administrator, found or made by e-mail address
    and invited when the account has no password; returns it and whether an invitation was sent."""
    administrator, _created = organiser_account(email=email, full_name=full_name)
    association.full_clean()
    if logo:
        _put_logo(association, logo)
    association.save()
    record(
        association=association,
        by=by,
        action=AssociationEvent.Action.CREATED,
        target=association.name,
        new={name: getattr(association, name) for name in SETTINGS},
    )
    set_member(association=association, user=administrator, role=AssociationMember.Role.ADMINISTRATOR, by=by)
    return association, invite(user=administrator, by=by, association=association)


def settings_of(association: Association) -> dict:
    return {name: getattr(association, name) for name in SETTINGS} | {"logo": association.logo.name or ""}


@transaction.atomic
def save_settings(*, association: Association, old: dict, logo=None, remove_logo: bool = False, by) -> Association:
    """Save the association's settings as its form changed them (`old`: settings_of() before), with a new logo
    (checked: a PNG or JPEG picture) or without one; the changes go into the association's trail."""
    if logo:
        _put_logo(association, logo)
    elif remove_logo:
        association.logo = ""
    association.full_clean()
    association.save()
    new = settings_of(association)
    changed = sorted(name for name in new if old.get(name) != new[name])
    if changed:
        record(
            association=association,
            by=by,
            action=AssociationEvent.Action.SETTINGS_CHANGED,
            target=association.name,
            old={n: old.get(n) for n in changed},
            new={n: new[n] for n in changed},
        )
    return association
