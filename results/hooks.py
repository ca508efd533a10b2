"""The results' answers to what events asks (events.hooks): whether a category has results, and the dashboard's
results section with the way to the publication (the only route to "results published")."""

from events import hooks
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
