"""The plenary (大会交流): the entries the organisers choose from the results to present again at the closing
session. The public edition page lists them once the results are published (public.queries.plenary_rows)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from results.models import PlenaryEntry, Result


def candidates(edition):
    """The results an organiser may choose from: every computed result of the edition, by category and rank."""
    return (
        Result.objects.filter(category__edition=edition)
        .select_related("entry__enterprise", "category", "venue")
        .order_by("category__position", "category_id", "venue__name", "rank", "entry__code")
    )


@transaction.atomic
def choose_plenary(*, edition, entry_ids, by) -> list[PlenaryEntry]:
    """Make `entry_ids` (in the order of the results) the edition's plenary entries, replacing the earlier choice.
    Every entry must have a computed result in this edition."""
    chosen = {int(pk) for pk in entry_ids}
    ordered = [result.entry_id for result in candidates(edition) if result.entry_id in chosen]
    if len(ordered) != len(chosen):
        raise ValidationError(_("Only entries with a computed result of this edition can be chosen for the plenary."))
    PlenaryEntry.objects.filter(edition=edition).delete()
    # One by one (a handful of rows): each save tells the public pages' cache (public.cache) to move on.
    return [
        PlenaryEntry.objects.create(edition=edition, entry_id=entry_id, position=position, chosen_by=by)
        for position, entry_id in enumerate(ordered, start=1)
    ]
