"""The entries' answers to what events asks (events.hooks): the edition dashboard's entry counts and warnings."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import ngettext

from events import hooks
from events.models import Announcement
from portal.models import User
from submissions.models import Enterprise, Entry, Membership, Recommendation, RecommendingUnit
from submissions.services import REVIEWABLE


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


@hooks.register(hooks.DASHBOARD_SECTIONS)
def entries_section(*, edition) -> list:
    return [
        hooks.Section(
            order=10, template="submissions/_dashboard_entries.html", context={"counts": entry_counts(edition)}
        )
    ]


@hooks.register(hooks.TODO)
def entries_todo(*, edition) -> list:
    """Enterprises of the edition awaiting approval, and its entries awaiting the format review."""
    enterprises = (
        Enterprise.objects.filter(status=Enterprise.Status.PENDING)
        .filter(
            Q(editions=edition)
            | Q(pk__in=Entry.objects.filter(edition=edition).values("enterprise"))
            | Q(pk__in=Recommendation.objects.filter(edition=edition).values("enterprise"))
        )
        .distinct()
        .count()
    )
    to_review = Entry.objects.filter(edition=edition, status__in=REVIEWABLE).count()
    return [
        hooks.Todo(
            order=10,
            label=ngettext("%(count)s enterprise awaits approval", "%(count)s enterprises await approval", enterprises)
            % {"count": enterprises},
            count=enterprises,
            url=reverse("submissions:enterprise_list"),
        ),
        hooks.Todo(
            order=12,
            label=ngettext(
                "%(count)s entry awaits the format review", "%(count)s entries await the format review", to_review
            )
            % {"count": to_review},
            count=to_review,
            url=f"{reverse('submissions:review_list')}?edition={edition.pk}",
        ),
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
