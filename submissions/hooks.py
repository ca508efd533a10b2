"""The entries' answers to what events asks (events.hooks): the edition dashboard's entry counts and warnings."""

from django.db.models import Count, Q
from django.utils.translation import ngettext

from events import hooks
from events.models import Announcement
from portal.models import User
from submissions.models import Enterprise, Entry, Membership, RecommendingUnit


def entry_counts(edition) -> dict:
    """Entries by category (rows) and status (columns), with totals."""
    statuses = list(Entry.Status.choices)
    counts = {}
    for category_id, status, n in (
        Entry.objects.filter(edition=edition).values_list("category", "status").annotate(n=Count("id")).order_by()
    ):
        counts[(category_id, status)] = n
    rows = []
    for category in edition.categories.order_by("position", "pk"):
        cells = [counts.get((category.pk, value), 0) for value, _label in statuses]
        rows.append({"category": category, "cells": cells, "total": sum(cells)})
    totals = [sum(row["cells"][i] for row in rows) for i in range(len(statuses))]
    return {"statuses": statuses, "rows": rows, "totals": totals, "total": sum(totals)}


def unassigned_accepted(edition) -> int:
    return Entry.objects.filter(edition=edition, status=Entry.Status.ACCEPTED, venue__isnull=True).count()


@hooks.register(hooks.DASHBOARD_SECTIONS)
def entries_section(*, edition) -> list:
    return [
        hooks.Section(
            order=10, template="submissions/_dashboard_entries.html", context={"counts": entry_counts(edition)}
        )
    ]


@hooks.register(hooks.DASHBOARD_WARNINGS)
def unassigned_warning(*, edition) -> list[str]:
    unassigned = unassigned_accepted(edition)
    if not unassigned:
        return []
    return [
        ngettext(
            "%(count)s accepted entry has no venue yet.",
            "%(count)s accepted entries have no venue yet.",
            unassigned,
        )
        % {"count": unassigned}
    ]


@hooks.register(hooks.ANNOUNCEMENT_RECIPIENTS)
def announcement_recipients(*, edition, audience) -> set[int]:
    """The users of the enterprises taking part in the edition (an entry in it, or registered for it), or of the
    recommending units taking part (an entry or a recommendation in it)."""
    if audience == Announcement.Audience.ENTERPRISES:
        enterprises = Enterprise.objects.filter(Q(entries__edition=edition) | Q(editions=edition))
        return set(
            Membership.objects.filter(
                enterprise__in=enterprises.values("pk"), user__role=User.Role.ENTERPRISE
            ).values_list("user_id", flat=True)
        )
    if audience == Announcement.Audience.UNITS:
        units = RecommendingUnit.objects.filter(Q(entries__edition=edition) | Q(recommendations__edition=edition))
        return set(
            Membership.objects.filter(
                recommending_unit__in=units.values("pk"), user__role=User.Role.RECOMMENDER
            ).values_list("user_id", flat=True)
        )
    return set()
