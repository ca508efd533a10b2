"""Who may configure an edition. `organises` is THE organiser rule of the portal: every app composes it."""

import rules

from events.models import Edition
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
    return user.is_superuser or user.organised_editions.filter(pk=edition_id).exists()


rules.add_perm("events.add_edition", is_organiser)
rules.add_perm("events.view_edition_list", is_organiser)
rules.add_perm("events.change_edition", organises)
