"""What the public sees, and nothing else.

Every public page and the open-data API read published results only through `published_rows()`: the rows of
the newest publication of each edition whose status is "published", for entries that are still accepted.
Judges never appear: `public_protocol()` keeps sheet totals, drops and tie-break values and throws the rest away.

Public pages are cached per URL and language under a version number; `bump_public_cache()` moves to a new
version, so a (re)publication, or an edition or publication changing, makes every cached page stale at once.
"""

import csv
import hashlib
import io
import time
from collections import OrderedDict
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, Count, F, Max, Q, Value, When
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import Category, Edition
from results.award_lists import safe_text
from results.models import Publication, PublishedResult
from submissions.models import Entry, EntryFile, Province

VERSION_KEY = "public:version"
# A safety net for changes that do not bump the version (an entry withdrawn after publication, a consent
# to publish the report given later): cached pages live at most this long.
CACHE_SECONDS = getattr(settings, "PUBLIC_CACHE_SECONDS", 300)
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


# --- cache -----------------------------------------------------------------------------------------


# A tier in this process in front of a shared cache (Redis): the version is re-read at most every few seconds and
# the pages last served stay in memory under their versioned key, so a cached page costs no round trip. Under
# load those two round trips cost a worker more than rendering the page did (bench/README.md). A publication made
# in another process is seen here within LOCAL_SECONDS. With the local-memory cache (embedded mode, tests) the tier
# is off: that cache is already in this process.
LOCAL_PAGES = 512
_local = {"version": None, "version_until": 0.0, "pages": OrderedDict()}


def local_seconds() -> float:
    configured = getattr(settings, "PUBLIC_LOCAL_CACHE_SECONDS", None)
    if configured is not None:
        return configured
    return 0 if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache") else 2


def cache_version() -> int:
    seconds = local_seconds()
    now = time.monotonic()
    if seconds and _local["version"] is not None and now < _local["version_until"]:
        return _local["version"]
    version = cache.get(VERSION_KEY)
    if version is None:
        # Never restart at 1: pages cached under an earlier, evicted version number must stay unreachable.
        cache.add(VERSION_KEY, time.time_ns() // 1000, None)
        version = cache.get(VERSION_KEY, time.time_ns() // 1000)
    if seconds:
        _local.update(version=version, version_until=now + seconds)
    return version


def bump_public_cache() -> None:
    """Make every cached public page and API answer stale. Called on every publication change."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, time.time_ns() // 1000, None)
    _local.update(version=None, version_until=0.0)
    _local["pages"].clear()


# The newest publication the periodic check has seen. A publication made while the cache was unreachable could not
# move the version on: catch_up_with_publications (celery beat, every minute) does it once the cache is back.
PUBLISHED_KEY = "public:published"


def newest_publication() -> int:
    return Publication.objects.aggregate(newest=Max("pk"))["newest"] or 0


def catch_up_with_publications() -> bool:
    """Move the version on when a publication appeared since the last check (its own move may have been lost to
    an unreachable cache, leaving pages cached before it in place); returns whether it did. After a publication
    whose move was not lost this costs the pages one more rendering, at most a minute later."""
    newest = newest_publication()
    seen = cache.get(PUBLISHED_KEY)
    if seen == newest:
        return False
    if seen is not None:  # None: a cache without the mark (new, or emptied) holds no page from before either
        bump_public_cache()
    cache.set(PUBLISHED_KEY, newest, None)
    return seen is not None


def cached(key: str):
    """A cached page or answer: this process's copy while it is fresh, else the shared cache's (None if none)."""
    seconds = local_seconds()
    now = time.monotonic()
    pages = _local["pages"]
    if seconds:
        hit = pages.get(key)
        if hit is not None and now < hit[1]:
            return hit[0]
    value = cache.get(key)
    if seconds and value is not None:
        _keep(key, value, now + seconds)
    return value


def cache_store(key: str, value, timeout: int) -> None:
    cache.set(key, value, timeout)
    if local_seconds():
        _keep(key, value, time.monotonic() + local_seconds())


def cached_local(key: str):
    """A value kept only in this process (see keep_local), while it is fresh; None otherwise or when off."""
    hit = _local["pages"].get(key) if local_seconds() else None
    return hit[0] if hit is not None and time.monotonic() < hit[1] else None


def keep_local(key: str, value) -> None:
    if local_seconds():
        _keep(key, value, time.monotonic() + local_seconds())


def _keep(key, value, until) -> None:
    pages = _local["pages"]
    pages[key] = (value, until)
    pages.move_to_end(key)
    while len(pages) > LOCAL_PAGES:
        pages.popitem(last=False)


QUERY_PARAMETERS = frozenset(
    {"q", "edition", "kind", "category", "venue", "grade", "province", "topic_type", "sort", "page", "page_size"}
)


def request_path(request) -> str:
    """The path and the parameters the public views read, in a fixed order: the cache key of a page.

    Unknown parameters change nothing on the page, so they must not multiply its cached copies."""
    params = sorted(
        (name, value) for name in request.GET if name in QUERY_PARAMETERS for value in request.GET.getlist(name)
    )
    return request.path + ("?" + "&".join(f"{name}={value}" for name, value in params) if params else "")


def cache_key(kind: str, path: str) -> str:
    digest = hashlib.sha256(path.encode()).hexdigest()[:32]
    return f"public:{cache_version()}:{kind}:{translation.get_language()}:{digest}"


@receiver(post_save, sender=Publication, dispatch_uid="public_cache_publication_saved")
@receiver(post_delete, sender=Publication, dispatch_uid="public_cache_publication_deleted")
@receiver(post_save, sender=Edition, dispatch_uid="public_cache_edition_saved")
@receiver(post_delete, sender=Edition, dispatch_uid="public_cache_edition_deleted")
def _bump_on_change(sender, **kwargs):
    # After the commit: a page rendered between the bump and the commit would otherwise cache the old rows
    # under the new version.
    transaction.on_commit(bump_public_cache)


# --- rows --------------------------------------------------------------------------------------------


def published_rows():
    """Rows the public may see: newest publication of each published edition, entries still accepted."""
    return PublishedResult.objects.current().filter(
        edition__status=Edition.Status.PUBLISHED, entry__status=Entry.Status.ACCEPTED
    )


def published_editions():
    """Published editions with at least one publication, newest first."""
    return (
        Edition.objects.published()
        .filter(pk__in=Publication.objects.values("edition_id"))
        .order_by("-year", "-number", "-pk")
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


def facets(edition_id: int | None) -> dict:
    """The choices of the filter form that depend on what is published (a fixed number of queries)."""
    rows = published_rows()
    scoped = rows.filter(edition_id=edition_id) if edition_id else rows
    editions = [(e.pk, f"{e.year} · {e.name}") for e in published_editions()]
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


def _decimal(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def public_protocol(protocol: dict | None) -> dict:
    """The part of a result's protocol the public may see: totals, drops, counts, tie-break values.

    Only whitelisted facts are copied; anything naming or identifying a judge is left behind. Sheet totals
    are listed highest first, not in the panel's order, so a total cannot be matched to a seat.
    """
    protocol = protocol if isinstance(protocol, dict) else {}
    dropped_ids = {str(x) for x in protocol.get("dropped", []) or [] if not isinstance(x, dict)}
    sheets = []
    for item in protocol.get("sheets") or []:
        which = ""
        if isinstance(item, dict):
            total = _decimal(item.get("total"))
            marker = str(item.get("id", item.get("sheet", "")))
            dropped = bool(item.get("dropped")) or (marker != "" and marker in dropped_ids)
            which = item.get("dropped") if item.get("dropped") in ("high", "low") else ""
        else:
            total, dropped = _decimal(item), False
        if total is not None:
            sheets.append({"total": total, "dropped": dropped, "which": which})
    sheets.sort(key=lambda s: (-s["total"], s["which"] != "high", s["dropped"]))
    tie_breaks = []
    raw_ties = protocol.get("tie_breaks", protocol.get("tie_break")) or []
    if isinstance(raw_ties, dict):
        raw_ties = [{"criterion": key, "value": value} for key, value in raw_ties.items()]
    for position, item in enumerate(raw_ties, start=1):
        if isinstance(item, dict):
            name = item.get("criterion") or item.get("name") or ""
            value = _decimal(item.get("value", item.get("percent")))
        else:
            name, value = "", _decimal(item)
        if value is not None:
            tie_breaks.append({"position": position, "criterion": str(name)[:100], "value": value})
    recusals = protocol.get("recusals", protocol.get("recused"))
    recused = len(recusals) if isinstance(recusals, list | tuple) else (recusals if isinstance(recusals, int) else 0)
    counted = protocol.get("counted_sheets")
    aggregation = protocol.get("aggregation") or ""
    return {
        "sheets": sheets,
        "counted_sheets": counted if isinstance(counted, int) else len(sheets),
        "dropped_count": sum(1 for s in sheets if s["dropped"]),
        "recused_count": recused,
        "aggregation": aggregation if aggregation in Category.Aggregation.values else "",
        "aggregation_label": str(Category.Aggregation(aggregation).label)
        if aggregation in Category.Aggregation.values
        else "",
        "tie_breaks": tie_breaks,
    }


def public_members(row) -> list[dict]:
    """Members as frozen in the publication; the live entry's members when the publication kept none."""
    members = []
    for item in row.members or []:
        if isinstance(item, dict):
            members.append(
                {
                    "name": str(item.get("name", "")),
                    "role": str(item.get("group_role", item.get("role", ""))),
                    "post": str(item.get("post", "")),
                    "is_leader": bool(item.get("is_leader", False)),
                }
            )
        elif item:
            members.append({"name": str(item), "role": "", "post": "", "is_leader": False})
    if not members and not row.members:
        members = [
            {"name": m.name, "role": m.group_role, "post": m.post, "is_leader": m.is_leader}
            for m in row.entry.members.all()
        ]
    return [m for m in members if m["name"]]


def published_report(row):
    """The entry's report file when its enterprise agreed to publish it, else None."""
    if not row.entry.publish_report:
        return None
    return EntryFile.objects.filter(entry_id=row.entry_id, kind=EntryFile.Kind.REPORT).first()


def current_row_for_entry(entry_id: int):
    return (
        published_rows()
        .select_related("edition", "category", "entry")
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


# --- award list ----------------------------------------------------------------------------------------


def award_rows(edition):
    """The award list: graded entries of the edition's current publication, per category in rank order."""
    return (
        published_rows()
        .filter(edition=edition)
        .exclude(grade="")
        .select_related("category")
        .order_by("category__position", "category_id", "grade_position", F("rank").asc(nulls_last=True), "code")
    )


def award_list_csv(edition) -> bytes:
    """The award list as CSV, UTF-8 with a byte-order mark so spreadsheet programs read the Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Category"),
            _("Rank"),
            _("Entry code"),
            _("Title"),
            _("Group or team name"),
            _("Applicant enterprise"),
            _("Venue"),
            _("Final score"),
            _("Grade"),
        ]
    )
    for row in award_rows(edition):
        writer.writerow(
            safe_text(value)  # a title such as "=HYPERLINK(...)" is never run as a formula
            for value in [
                row.category.name,
                row.rank if row.rank is not None else "",
                row.code,
                row.title,
                row.group_name,
                row.enterprise_name,
                row.venue_name,
                f"{row.final_score:.2f}" if row.final_score is not None else "",
                row.grade,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- the search form (web page and API) --------------------------------------------------------------


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ResultFilterForm(forms.Form):
    """Every filter of the results browser; all of them travel in the URL (GET)."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100, strip=True)
    edition = forms.TypedChoiceField(label=gettext_lazy("Edition"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of result"), required=False)
    category = forms.TypedChoiceField(label=gettext_lazy("Category"), required=False, coerce=int, empty_value=None)
    venue = forms.TypedChoiceField(label=gettext_lazy("Venue"), required=False, coerce=int, empty_value=None)
    grade = forms.ChoiceField(label=gettext_lazy("Grade"), required=False)
    province = forms.ChoiceField(label=gettext_lazy("Province"), required=False)
    topic_type = forms.ChoiceField(label=gettext_lazy("Topic type"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False)

    def __init__(self, data, *, facets: dict):
        super().__init__(data)
        everything = [("", _("All"))]
        self.fields["edition"].choices = everything + facets["editions"]
        self.fields["kind"].choices = everything + list(Category.Kind.choices)
        self.fields["category"].choices = everything + facets["categories"]
        self.fields["venue"].choices = everything + facets["venues"]
        self.fields["grade"].choices = everything + [(g, g) for g in facets["grades"]]
        self.fields["province"].choices = everything + facets["provinces"]
        self.fields["topic_type"].choices = everything + list(Entry.TopicType.choices)
        self.fields["sort"].choices = list(SORTS.items())
        self.fields["q"].widget.attrs.update({"class": "form-control", "type": "search", "id": "results-q"})
        for name, field in self.fields.items():
            if name != "q":
                field.widget.attrs.update({"class": "form-select"})

    @classmethod
    def for_request(cls, query):
        edition_id = _int_or_none(query.get("edition"))
        return cls(query, facets=cached_facets(edition_id))

    def filters(self) -> dict:
        """The valid filters; an invalid one is ignored (and reported by the form)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


def cached_facets(edition_id: int | None) -> dict:
    key = cache_key("facets", str(edition_id or ""))
    value = cache.get(key)
    if value is None:
        value = facets(edition_id)
        cache.set(key, value, CACHE_SECONDS)
    return value


def cached_headline() -> dict | None:
    """Headline numbers of the newest published edition, for the home page (cached like the pages)."""
    key = cache_key("headline", "")
    value = cache.get(key)
    if value is None:
        edition = published_editions().first()
        value = {"summary": edition_summary(edition) if edition else None}
        cache.set(key, value, CACHE_SECONDS)
    return value["summary"]
