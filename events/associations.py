"""Associations: which one a page of an organiser acts for, and the changes to an association's team and settings.

An association's organisers see and change only its data. Pages that are not about one edition (the judges' pool,
the recommending units, the association's settings) act for the association chosen with `?association=<id>` among
those the user works for, the first of them by default (most organisers work for one)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from events import audit
from events.models import Association, AssociationMember


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


@transaction.atomic
def set_member(*, association: Association, user, role: str) -> AssociationMember:
    """Put an organiser on the association's team with the role, or change the role; the last administrator keeps
    the role."""
    if not user.is_organiser:
        raise ValidationError(_("Only users with the organiser role can work for an association."))
    member, created = AssociationMember.objects.select_for_update().get_or_create(
        association=association, user=user, defaults={"role": role}
    )
    if not created and member.role != role:
        _keep_an_administrator(association, leaving=member)
        member.role = role
        member.save(update_fields=["role"])
    return member


@transaction.atomic
def remove_member(*, association: Association, user) -> None:
    """Take an organiser off the association's team and off the teams of its editions."""
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
        audit.record(
            edition=edition,
            user=None,
            action=audit.Action.ORGANISER_REMOVED,
            target=user.get_full_name(),
            new={"user": user.pk, "email": user.email},
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
