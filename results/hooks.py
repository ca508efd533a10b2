"""The results' answers to what events asks (events.hooks): whether a category has results, the dashboard's
results section with the way to the publication (the only route to "results published"), and a venue's
provisional ranking for its panel leader."""

from events import hooks
from results import computation
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


@hooks.register(hooks.VENUE_RANKING)
def venue_ranking(*, venue) -> list:
    return [
        hooks.RankedEntry(
            entry_id=result.entry_id,
            counted_sheets=result.counted_sheets,
            final_score=result.final_score,
            ranked=result.ranked,
            rank=result.rank,
            grade=result.grade,
        )
        for result in computation.venue_ranking(venue)
    ]
