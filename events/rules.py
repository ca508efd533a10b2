"""Who may configure an edition. `organises` is THE organiser rule of the portal: every app composes it."""

import rules

from events.models import AssociationMember, Edition
from portal.rules import is_organiser


def edition_id_of(obj):
    """The edition an object belongs to: an edition, anything with an ``edition_id`` (a category, a venue, an
    entry...), or anything with an entry (a score sheet, a recusal, an entry's file). None for anything else."""
    if isinstance(obj, Edition):
        return obj.pk
    if hasattr(obj, "edition_id"):
        return obj.edition_id
    entry = getattr(obj, "entry", None)
    return getattr(entry, "edition_id", None)


@rules.predicate
def organises(user, obj):
    """An organiser of the object's edition (a superuser organises every edition). An object without an edition
    is refused. EditionQuerySet.organised_by is the same rule as a queryset."""
    if not is_organiser(user):
        return False
    edition_id = edition_id_of(obj)
    if edition_id is None:
        return False
    return user.is_superuser or Edition.objects.organised_by(user).filter(pk=edition_id).exists()


@rules.predicate
def works_for_an_association(user):
    """An organiser on the team of an association (or a platform administrator): who may create editions."""
    return is_organiser(user) and (user.is_superuser or AssociationMember.objects.filter(user=user).exists())


@rules.predicate
def administers_association(user, association):
    """An administrator of the association (or a platform administrator): its settings, team and judges' pool."""
    if not is_organiser(user) or association is None:
        return False
    return (
        user.is_superuser
        or AssociationMember.objects.filter(
            user=user, association=association, role=AssociationMember.Role.ADMINISTRATOR
        ).exists()
    )


@rules.predicate
def works_for_association(user, association):
    if not is_organiser(user) or association is None:
        return False
    return user.is_superuser or AssociationMember.objects.filter(user=user, association=association).exists()


rules.add_perm("events.add_edition", works_for_an_association)
rules.add_perm("events.change_association", administers_association)
rules.add_perm("events.view_association", works_for_association)
rules.add_perm("events.manage_associations", rules.is_superuser)
rules.add_perm("events.view_edition_list", is_organiser)
rules.add_perm("events.change_edition", organises)
