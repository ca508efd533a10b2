"""Read-only views of an edition for the organiser's pages; a fixed number of queries whatever the size."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events.models import Category, Edition, PanelMember
from events.services import missing_for, next_statuses
from scoring.models import Recusal, ScoreSheet
from submissions.models import Entry


def editions_for(user):
    return (
        Edition.objects.organised_by(user)
        .annotate(
            category_count=Count("categories", distinct=True),
            venue_count=Count("venues", distinct=True),
            entry_count=Count("entries", distinct=True),
        )
        .order_by("-year", "-number", "-pk")
    )


def venues_with_panels(edition):
    return (
        edition.venues.select_related("category")
        .prefetch_related(Prefetch("panel", queryset=PanelMember.objects.select_related("judge")))
        .order_by("category__position", "category_id", "date", "start_time", "name")
    )


def venue_progress(edition) -> list[dict]:
    """Each venue with its panel, its accepted entries and its sheets: submitted by panel judges who are not
    recused, out of those expected (entries x panel judges - recusals)."""
    accepted = Entry.Status.ACCEPTED
    entries = dict(
        Entry.objects.filter(venue__edition=edition, status=accepted)
        .values_list("venue")
        .annotate(n=Count("id"))
        .order_by()
    )
    on_panel = PanelMember.objects.filter(venue_id=OuterRef("entry__venue_id"), judge_id=OuterRef("judge_id"))
    active_recusal = Recusal.objects.filter(
        entry_id=OuterRef("entry_id"), judge_id=OuterRef("judge_id"), lifted_at__isnull=True
    )
    submitted = dict(
        ScoreSheet.objects.filter(
            entry__venue__edition=edition, entry__status=accepted, status=ScoreSheet.Status.SUBMITTED
        )
        .filter(Exists(on_panel), ~Exists(active_recusal))
        .values_list("entry__venue")
        .annotate(n=Count("id"))
        .order_by()
    )
    recused = dict(
        Recusal.objects.filter(entry__venue__edition=edition, entry__status=accepted, lifted_at__isnull=True)
        .filter(Exists(on_panel))
        .values_list("entry__venue")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = []
    for venue in venues_with_panels(edition):
        panel = list(venue.panel.all())
        expected = entries.get(venue.pk, 0) * len(panel) - recused.get(venue.pk, 0)
        done = submitted.get(venue.pk, 0)
        rows.append(
            {
                "venue": venue,
                "panel": panel,
                "leader": next((seat.judge for seat in panel if seat.is_leader), None),
                "entries": entries.get(venue.pk, 0),
                "submitted": done,
                "expected": expected,
                "percent": round(100 * done / expected) if expected else 0,
            }
        )
    return rows


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


def warnings(edition) -> list[str]:
    """Things that do not block a status change but that an organiser will want to look at."""
    found = []
    for category in edition.categories.annotate(grades=Count("grade_rules")).order_by("position", "pk"):
        if category.kind == Category.Kind.QC and category.rubric_id and not category.innovation_rubric_id:
            found.append(
                _("“%(name)s” has no rubric for innovation results: they are scored on the problem-solving rubric.")
                % {"name": category.name}
            )
        if not category.grades:
            found.append(_("“%(name)s” has no grades yet.") % {"name": category.name})
    unscheduled = list(
        edition.venues.filter(Q(date__isnull=True) | Q(start_time__isnull=True)).values_list("name", flat=True)
    )
    if unscheduled:
        found.append(
            _("No date or start time for %(venues)s: clashes of their judges cannot be checked.")
            % {"venues": ", ".join(unscheduled)}
        )
    unassigned = unassigned_accepted(edition)
    if unassigned:
        found.append(
            ngettext(
                "%(count)s accepted entry has no venue yet.",
                "%(count)s accepted entries have no venue yet.",
                unassigned,
            )
            % {"count": unassigned}
        )
    return found


def readiness(edition) -> list[dict]:
    """For each status the edition may move to next: what is still missing."""
    return [
        {"status": to, "label": Edition.Status(to).label, "missing": missing_for(edition=edition, to=to)}
        for to in next_statuses(edition)
    ]
