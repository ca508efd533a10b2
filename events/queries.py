"""Read-only views of an edition for the organiser's pages; a fixed number of queries whatever the size."""

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _

from events import hooks
from events.models import Category, Edition, PanelMember
from events.services import missing_for, next_statuses
from portal import outbox


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
    # The outbox is the portal's, not the edition's: e-mails and computations waiting for the task queue.
    return found + hooks.collect(hooks.DASHBOARD_WARNINGS, edition=edition) + outbox.late_warnings()


def readiness(edition) -> list[dict]:
    """For each status the edition may move to next: what is still missing."""
    return [
        {"status": to, "label": Edition.Status(to).label, "missing": missing_for(edition=edition, to=to)}
        for to in next_statuses(edition)
    ]


def sections(edition) -> list:
    """The parts of the edition dashboard that the apps above contribute (entries, judging, results), in order."""
    return sorted(hooks.collect(hooks.DASHBOARD_SECTIONS, edition=edition), key=lambda section: section.order)


def todo(edition) -> list:
    """The work waiting in the edition (events.hooks.TODO), in the course of an edition; nothing waiting, no item."""
    items = [item for item in hooks.collect(hooks.TODO, edition=edition) if item.count]
    return sorted(items, key=lambda item: item.order)
