"""The results' answers to what events asks (events.hooks): whether a category has results, the dashboard's
results section with the way to the publication (the only route to "results published"), a venue's
provisional ranking for its panel leader, and an entry's certificates on its page."""

from collections import defaultdict

from django.urls import reverse
from django.utils.translation import gettext as _

from events import hooks
from events.models import Edition
from results import computation
from results.certificates import entry_certificates
from results.engine import SCOPE_VENUE
from results.models import Publication, PublishedResult, Result
from results.runs import latest_run
from scoring.models import ScoreSheet


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


@hooks.register(hooks.ENTRY_OUTCOMES)
def published_outcomes(*, entry_ids) -> dict:
    """Each entry's row in its edition's newest publication, while the edition stands published (one query)."""
    rows = (
        PublishedResult.objects.current()
        .filter(entry_id__in=list(entry_ids), edition__status=Edition.Status.PUBLISHED)
        .select_related("publication", "category")
    )
    rows = list(rows)
    comments = defaultdict(list)
    shared = [row.entry_id for row in rows if row.category.share_comments]
    if shared:  # the judges' comments where the category shares them, without the judges' names, in sheet order
        for entry_id, comment in (
            ScoreSheet.objects.filter(entry_id__in=shared, status=ScoreSheet.Status.SUBMITTED)
            .exclude(comment="")
            .order_by("entry_id", "pk")
            .values_list("entry_id", "comment")
        ):
            comments[entry_id].append(comment)
    outcomes = {}
    for row in rows:
        protocol = row.protocol or {}
        scope = protocol.get("scope") or SCOPE_VENUE
        outcomes[row.entry_id] = {
            "final_score": row.final_score,
            "rank": row.rank,
            "rank_scope": scope,
            "scope_name": (row.venue_name or row.category.name) if scope == SCOPE_VENUE else row.category.name,
            "scope_ranked": protocol.get("scope_ranked"),
            "grade": row.grade,
            "counted_sheets": protocol.get("counted_sheets"),
            # the protocol and the comments as the category's publication policy allows
            "sheets": [
                {"total": sheet.get("total"), "dropped": bool(sheet.get("dropped"))}
                for sheet in (protocol.get("sheets") or [] if row.category.publish_protocol else [])
            ],
            "comments": comments.get(row.entry_id, []),
            "published_at": row.publication.published_at,
            "version": row.publication.version,
        }
    return outcomes


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
