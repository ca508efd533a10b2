"""What the public sees, and nothing else.

Every public page and the open-data API read published results only through `published_rows()`: the rows of
the newest publication of each edition whose status is "published", for entries that are still accepted.
Judges never appear: a publication freezes a copy of each protocol without them
(results.publication.public_protocol_copy), and `public_protocol()` reads only totals, drops, counts and
tie-break values from it. Caching is in public.cache, the filter form in public.forms.

Scopes: each association's pages (/a/<slug>/...) read only its editions' rows (`association=`); the pages at the top
level read every association's, except the cross-association search (/results/), which reads only the rows of
associations in the portal-wide search (`Association.searchable`, `searchable_only=True`). `scope_key()` names a
scope in every cache key, so two scopes never share a cached answer.
"""

from collections import OrderedDict
from decimal import Decimal

from django.db.models import Case, Count, F, Q, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import Association, Category, Edition
from public.cache import cache_key, remembered
from results.models import Publication, PublishedResult
from submissions.models import Entry, EntryFile, Province

PAGE_SIZE = 25
API_PAGE_SIZE = 50
API_MAX_PAGE_SIZE = 200
SEARCH_MAX_TERMS = 5

SORTS = OrderedDict(
    [
        ("rank", gettext_lazy("Category and rank")),
        ("score", gettext_lazy("Final score, highest first")),
        ("title", gettext_lazy("Title")),
        ("enterprise", gettext_lazy("Enterprise")),
        ("code", gettext_lazy("Entry code")),
        ("newest", gettext_lazy("Newest edition first")),
    ]
)
_ORDERINGS = {
    "rank": [
        "-edition__year",
        "-edition__number",
        "category__position",
        "category_id",
        # Ranks are per venue where the category ranks within each venue.
        Case(When(category__ranking_scope=Category.Scope.VENUE, then=F("venue_name")), default=Value("")),
        F("rank").asc(nulls_last=True),
        "code",
    ],
    "score": [F("final_score").desc(nulls_last=True), "code", "id"],
    "title": ["title", "id"],
    "enterprise": ["enterprise_name", "code", "id"],
    "code": ["code", "id"],
    "newest": ["-edition__year", "-edition__number", "code", "id"],
}


# --- rows --------------------------------------------------------------------------------------------


def scope_key(association=None, *, searchable_only: bool = False) -> str:
    """The scope's name in cache keys: one association's (by its public address), the portal-wide search's (the
    searchable associations) or every association's."""
    if association is not None:
        return f"a:{association.slug}"
    return "searchable" if searchable_only else "all"


def published_rows(association=None, *, searchable_only: bool = False):
    """Rows the public may see: newest publication of each published edition, entries still accepted, and of each
    category what its publication policy shows (Category.published_entries): only the graded entries, unless it
    publishes every scored one. Only the association's when one is given; only the searchable associations' with
    searchable_only (the portal-wide search)."""
    rows = PublishedResult.objects.current().filter(
        Q(category__published_entries=Category.Published.SCORED) | ~Q(grade=""),
        edition__status=Edition.Status.PUBLISHED,
        entry__status=Entry.Status.ACCEPTED,
    )
    if association is not None:
        return rows.filter(edition__association=association)
    return rows.filter(edition__association__searchable=True) if searchable_only else rows


def published_editions(association=None, *, searchable_only: bool = False):
    """Published editions with at least one publication, newest first (the association's only, when given; only the
    searchable associations' with searchable_only), each with its association."""
    editions = Edition.objects.published().filter(pk__in=Publication.objects.values("edition_id"))
    if association is not None:
        editions = editions.of_association(association)
    elif searchable_only:
        editions = editions.filter(association__searchable=True)
    return editions.select_related("association").order_by("-year", "-number", "-pk")


def publishing_associations():
    """The associations with at least one published edition, by name, each with `published` (its published
    editions, newest first): the portal's home page and the API's list of associations (two queries)."""
    associations = list(
        Association.objects.filter(editions__in=published_editions().values("pk")).distinct().order_by("name")
    )
    by_association = {a.pk: a for a in associations}
    for association in associations:
        association.published = []
    for edition in published_editions().filter(association__in=associations):
        by_association[edition.association_id].published.append(edition)
    return associations


def plenary_rows(edition):
    """The published rows of the entries chosen for the edition's closing session (大会交流), in running order."""
    return (
        published_rows()
        .filter(edition=edition, entry__plenary__edition=edition)
        .select_related("category")
        .order_by("entry__plenary__position")
    )


def search(rows, text: str):
    """Each whitespace-separated term must occur in the title, the group, the enterprise or the code."""
    for term in text.split()[:SEARCH_MAX_TERMS]:
        rows = rows.filter(
            Q(title__icontains=term)
            | Q(group_name__icontains=term)
            | Q(enterprise_name__icontains=term)
            | Q(code__icontains=term)
        )
    return rows


def filter_rows(rows, filters: dict):
    """Apply the cleaned filters of a results search (web page or API) to published rows."""
    if filters.get("q"):
        rows = search(rows, filters["q"])
    if filters.get("edition"):
        rows = rows.filter(edition_id=filters["edition"])
    if filters.get("kind"):
        rows = rows.filter(category__kind=filters["kind"])
    if filters.get("category"):
        rows = rows.filter(category_id=filters["category"])
    if filters.get("venue"):
        rows = rows.filter(venue_id=filters["venue"])
    if filters.get("grade"):
        rows = rows.filter(grade=filters["grade"])
    if filters.get("province"):
        rows = rows.filter(province=filters["province"])
    if filters.get("topic_type"):
        rows = rows.filter(topic_type=filters["topic_type"])
    return rows.order_by(*_ORDERINGS[filters.get("sort") or "rank"])


def facets(edition_id: int | None, association=None, *, searchable_only: bool = False) -> dict:
    """The choices of the filter form that depend on what is published in the scope (a fixed number of queries); an
    edition outside the scope chooses nothing."""
    rows = published_rows(association, searchable_only=searchable_only)
    in_scope = list(published_editions(association, searchable_only=searchable_only))
    if edition_id not in {e.pk for e in in_scope}:
        edition_id = None
    scoped = rows.filter(edition_id=edition_id) if edition_id else rows
    # Across associations an edition is named with its association's short name (two may have a 第四十次).
    named = (lambda e: e.name) if association is not None else (lambda e: f"{e.association.short_name} · {e.name}")
    editions = [(e.pk, f"{e.year} · {named(e)}") for e in in_scope]
    categories, venues = [], []
    if edition_id:
        categories = list(
            Category.objects.filter(edition_id=edition_id, edition__status=Edition.Status.PUBLISHED)
            .order_by("position", "pk")
            .values_list("pk", "name")
        )
        venues = list(
            scoped.exclude(venue_id=None).values_list("venue_id", "venue_name").distinct().order_by("venue_name")
        )
    grades = []
    for name, _position in (
        scoped.exclude(grade="").values_list("grade", "grade_position").distinct().order_by("grade_position", "grade")
    ):
        if name not in grades:
            grades.append(name)
    present = set(scoped.exclude(province="").values_list("province", flat=True).distinct())
    provinces = [(value, str(label)) for value, label in Province.choices if value in present]
    return {
        "editions": editions,
        "categories": categories,
        "venues": venues,
        "grades": grades,
        "provinces": provinces,
    }


# --- presentation helpers ------------------------------------------------------------------------------


def province_label(value: str) -> str:
    return str(Province(value).label) if value in Province.values else value


def topic_type_label(value: str) -> str:
    return str(Entry.TopicType(value).label) if value in Entry.TopicType.values else value


def shown_protocol(row) -> dict | None:
    """The row's public protocol (public_protocol), or None when its category hides protocols
    (Category.publish_protocol). The row's category must be loaded with it (select_related)."""
    return public_protocol(row.protocol) if row.category.publish_protocol else None


def public_protocol(protocol: dict | None) -> dict:
    """The protocol as a publication froze it (results.publication.public_protocol_copy), ready for a page:
    sheet totals highest first with their drops, counts, the aggregation and the tie-break values."""
    protocol = protocol or {}
    sheets = [
        {"total": Decimal(sheet["total"]), "dropped": bool(sheet.get("dropped")), "which": sheet.get("dropped") or ""}
        for sheet in protocol.get("sheets") or []
    ]
    sheets.sort(key=lambda s: (-s["total"], s["which"] != "high", s["dropped"]))
    tie_breaks = [
        {"position": position, "criterion": str(item.get("criterion") or "")[:100], "value": Decimal(item["value"])}
        for position, item in enumerate(protocol.get("tie_breaks") or [], start=1)
    ]
    aggregation = protocol.get("aggregation") or ""
    known = aggregation in Category.Aggregation.values
    counted = protocol.get("counted_sheets")
    return {
        "sheets": sheets,
        "counted_sheets": counted if counted is not None else len(sheets),
        "dropped_count": sum(1 for s in sheets if s["dropped"]),
        "recused_count": protocol.get("recused") or 0,
        "aggregation": aggregation if known else "",
        "aggregation_label": str(Category.Aggregation(aggregation).label) if known else "",
        "tie_breaks": tie_breaks,
    }


def public_members(row) -> list[dict]:
    """The members as frozen in the publication (results.publication), never the live entry's."""
    return [
        {
            "name": item["name"],
            "role": item.get("group_role", ""),
            "post": item.get("post", ""),
            "is_leader": bool(item.get("is_leader")),
        }
        for item in row.members or []
        if item.get("name")
    ]


def published_report(row):
    """The entry's report file when its enterprise agreed to publish it, else None."""
    if not row.entry.publish_report:
        return None
    return EntryFile.objects.filter(entry_id=row.entry_id, kind=EntryFile.Kind.REPORT).first()


def current_row_for_entry(entry_id: int, association=None):
    """The entry's published row (None when it has none, or none in the association's editions when one is given)."""
    return (
        published_rows(association)
        .select_related("edition__association", "category", "entry")
        .filter(entry_id=entry_id)
        .order_by("-publication__version")
        .first()
    )


# --- summaries -----------------------------------------------------------------------------------------


def grade_columns(rows) -> list[str]:
    """Grade names in their order (best first), across the given rows."""
    names = []
    for name, _position in (
        rows.exclude(grade="").values_list("grade", "grade_position").distinct().order_by("grade_position", "grade")
    ):
        if name not in names:
            names.append(name)
    return names


def edition_summary(edition) -> dict:
    """Headline numbers of a published edition, like DOMAIN.md section 1: entries and grades per category,
    enterprises, venues."""
    rows = published_rows().filter(edition=edition)
    grades = grade_columns(rows)
    categories = OrderedDict(
        (c.pk, {"category": c, "entries": 0, "graded": 0, "grades": dict.fromkeys(grades, 0)})
        for c in Category.objects.filter(edition=edition).order_by("position", "pk")
    )
    for category_id, grade, count in rows.values_list("category_id", "grade").annotate(n=Count("id")).order_by():
        line = categories.get(category_id)
        if line is None:
            continue
        line["entries"] += count
        if grade:
            line["graded"] += count
            line["grades"][grade] = line["grades"].get(grade, 0) + count
    lines = [line for line in categories.values() if line["entries"]]
    for line in lines:
        line["grade_counts"] = [line["grades"].get(g, 0) for g in grades]
        line["graded_share"] = round(Decimal(100 * line["graded"]) / line["entries"]) if line["entries"] else 0
    totals = rows.aggregate(
        entries=Count("id"),
        graded=Count("id", filter=~Q(grade="")),
        enterprises=Count("enterprise_id", distinct=True),
        venues=Count("venue_name", distinct=True, filter=~Q(venue_name="")),
    )
    return {"edition": edition, "grades": grades, "categories": lines, **totals}


def _crosstab(rows, field: str, label, grades: list[str]) -> list[dict]:
    table = OrderedDict()
    for key, grade, count in rows.values_list(field, "grade").annotate(n=Count("id")).order_by(field):
        line = table.setdefault(key, {"key": key, "label": label(key), "total": 0, "counts": dict.fromkeys(grades, 0)})
        line["total"] += count
        if grade:
            line["counts"][grade] = line["counts"].get(grade, 0) + count
    lines = list(table.values())
    for line in lines:
        line["grade_counts"] = [line["counts"][g] for g in grades]
        line["ungraded"] = line["total"] - sum(line["grade_counts"])
    return lines


def edition_statistics(edition) -> dict:
    """Grades per category, per province and per topic type of one published edition."""
    rows = published_rows().filter(edition=edition)
    grades = grade_columns(rows)
    names = dict(Category.objects.filter(edition=edition).values_list("pk", "name"))
    by_category = _crosstab(rows, "category_id", lambda pk: names.get(pk, ""), grades)
    order = list(names)
    by_category.sort(key=lambda line: order.index(line["key"]) if line["key"] in order else len(order))
    by_province = _crosstab(rows, "province", lambda v: province_label(v) if v else _("Not given"), grades)
    by_province.sort(key=lambda line: (-line["total"], line["key"]))
    by_topic = _crosstab(
        rows, "topic_type", lambda v: topic_type_label(v) if v else _("No topic type (teams and stories)"), grades
    )
    by_topic.sort(key=lambda line: (line["key"] == "", line["key"]))
    return {
        "edition": edition,
        "grades": grades,
        "tables": [
            {"id": "by-category", "title": _("Grades per category"), "lines": by_category},
            {"id": "by-province", "title": _("Grades per province"), "lines": by_province},
            {"id": "by-topic-type", "title": _("Grades per topic type"), "lines": by_topic},
        ],
    }


def chart_data(table: dict, grades: list[str]) -> dict:
    """What static/public/charts.js draws for one table: a stacked bar per line."""
    return {
        "labels": [str(line["label"]) for line in table["lines"]],
        "datasets": [
            {"label": grade, "data": [line["grade_counts"][i] for line in table["lines"]]}
            for i, grade in enumerate(grades)
        ]
        + [{"label": str(_("No grade")), "data": [line["ungraded"] for line in table["lines"]]}],
    }


def enterprise_rows(enterprise_id: int, association=None) -> list:
    """The enterprise's published rows, newest edition first (its public page and its API answer): within the
    association's editions when one is given."""
    return list(
        published_rows(association)
        .filter(enterprise_id=enterprise_id)
        .select_related("edition__association", "category")
        .order_by("-edition__year", "-edition__number", "category__position", "rank", "code")
    )


def honours(rows) -> list[tuple[str, int]]:
    """(grade, how many) over the rows, most frequent first."""
    counts = {}
    for row in rows:
        if row.grade:
            counts[row.grade] = counts.get(row.grade, 0) + 1
    return sorted(counts.items(), key=lambda item: -item[1])


def by_edition(rows) -> list[dict]:
    """The rows (ordered by edition) grouped: [{"edition": edition, "rows": [...]}, ...]."""
    editions = []
    for row in rows:
        if not editions or editions[-1]["edition"].pk != row.edition_id:
            editions.append({"edition": row.edition, "rows": []})
        editions[-1]["rows"].append(row)
    return editions


def edition_counts(association=None) -> dict[int, dict]:
    """Per published edition (of the association, when given): its published entries, graded entries and
    enterprises (the archive, the statistics and the API)."""
    return {
        line["edition_id"]: line
        for line in published_rows(association)
        .values("edition_id")
        .annotate(
            entries=Count("id"),
            graded=Count("id", filter=~Q(grade="")),
            enterprises=Count("enterprise_id", distinct=True),
        )
        .order_by()
    }


def newest_publication_of(edition):
    return Publication.objects.filter(edition=edition).order_by("-version").first()


def cached_facets(edition_id: int | None, association=None, *, searchable_only: bool = False) -> dict:
    scope = scope_key(association, searchable_only=searchable_only)
    return remembered(
        cache_key("facets", f"{scope}:{edition_id or ''}"),
        lambda: facets(edition_id, association, searchable_only=searchable_only),
    )


def cached_headline(association=None) -> dict | None:
    """Headline numbers of the newest published edition (of the association, when given), for the home pages
    (cached like the pages)."""

    def build():
        edition = published_editions(association).first()
        return {"summary": edition_summary(edition) if edition else None}

    return remembered(cache_key("headline", scope_key(association)), build)["summary"]


def cached_publishing_associations() -> list:
    """publishing_associations(), cached like the pages (the portal's home page)."""
    return remembered(cache_key("associations", scope_key()), publishing_associations)


def association_totals(association=None) -> list[dict]:
    """The statistics' overview: per association (portal-wide) or per edition (of one association), the published
    editions, results, graded results and enterprises (a fixed number of queries)."""
    rows = published_rows(association)
    if association is None:
        field, names = "edition__association_id", {a.pk: a for a in publishing_associations()}
    else:
        field, names = "edition_id", {e.pk: e for e in published_editions(association)}
    counts = {
        line[field]: line
        for line in rows.values(field)
        .annotate(
            editions=Count("edition_id", distinct=True),
            entries=Count("id"),
            graded=Count("id", filter=~Q(grade="")),
            enterprises=Count("enterprise_id", distinct=True),
        )
        .order_by()
    }
    empty = {"editions": 0, "entries": 0, "graded": 0, "enterprises": 0}
    return [{"object": item, **{k: counts.get(pk, empty)[k] for k in empty}} for pk, item in names.items()]
