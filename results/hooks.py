"""The results' answers to what events asks (events.hooks): whether a category has results, and the dashboard's
results section with the way to the publication (the only route to "results published")."""

from django.urls import reverse
from django.utils.translation import gettext as _

from events import hooks
from events.models import Edition
from results.models import Publication, Result
from results.runs import latest_run


@hooks.register(hooks.CATEGORY_HAS_RESULTS)
def category_has_results(*, category) -> bool:
    return Result.objects.filter(category=category).exists()


@hooks.register(hooks.DASHBOARD_SECTIONS)
def results_section(*, edition) -> list:
    context = {
        "run": latest_run(edition),
        "publication": Publication.objects.filter(edition=edition).order_by("-version").first(),
    }
    return [hooks.Section(order=30, template="results/_dashboard_results.html", context=context)]


@hooks.register(hooks.TODO)
def results_todo(*, edition) -> list:
    """An edition being judged whose venues are all signed off waits for its results to be published."""
    if edition.status != Edition.Status.JUDGING:
        return []
    venues = edition.venues.all()
    if not venues.exists() or venues.filter(signed_off_at__isnull=True).exists():
        return []
    return [
        hooks.Todo(
            order=30,
            label=_("Every venue is signed off: the results are not published yet"),
            count=1,
            url=reverse("results:dashboard", args=[edition.pk]),
        )
    ]
