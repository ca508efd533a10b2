"""The results' answers to what events asks (events.hooks): whether a category has results, the dashboard's
results section with the way to the publication (the only route to "results published"), and an entry's
certificates on its page."""

from events import hooks
from results.certificates import entry_certificates
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


@hooks.register(hooks.ENTRY_SECTIONS)
def certificates_section(*, entry, user) -> list:
    """The entry's valid certificates, to download from its page (the entry page checks who sees it)."""
    certificates = list(entry_certificates(entry))
    if not certificates:
        return []
    context = {"certificates": certificates}
    return [hooks.Section(order=10, template="results/_entry_certificates.html", context=context)]
