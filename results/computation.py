"""The results engine's database side: load the inputs, compute (results.engine), store.

`compute_results(*, edition=... or category=...)` reads the counted sheets' totals of the accepted entries in a
few queries, computes with the pure engine, and writes one Result per entry (overwriting, never duplicating).
The runs of the worker (queued, locked per edition, audited) are results.runs; the protocols are built in
results.protocols from the same inputs (the helpers below without a leading underscore), the publication is
results.publication.
"""

from __future__ import annotations

import gc
import hashlib
import io
import logging
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Round
from django.utils import timezone

from events.models import Category, Criterion, PanelMember
from results import engine
from results.models import ExclusionReason, Result, ResultRun
from scoring.models import CriterionScore, Recusal, ScoreSheet
from submissions.models import Entry

logger = logging.getLogger(__name__)

WRITE_BATCH = 2000


# --- which sheets count --------------------------------------------------------------------------------


def considered_entries():
    """Entries that take part in the results: accepted, with a venue."""
    return Entry.objects.filter(status=Entry.Status.ACCEPTED, venue__isnull=False)


def entry_rubric(prefix: str = ""):
    """An expression: the rubric an entry is judged on (Category.rubric_for in SQL); `prefix` leads from the
    queried model to the entry ("entry__" from a sheet)."""
    return Case(
        When(
            Q(**{f"{prefix}topic_type": Entry.TopicType.INNOVATION})
            & Q(**{f"{prefix}category__innovation_rubric__isnull": False}),
            then=F(f"{prefix}category__innovation_rubric_id"),
        ),
        default=F(f"{prefix}category__rubric_id"),
    )


def submitted_sheets(categories, entry_ids=None):
    """The submitted sheets of the considered entries of some categories (or of some of their entries), each with
    what decides whether it counts (DOMAIN.md section 5): `on_panel` (its judge sits on the panel of the entry's
    venue), `recused` (a recusal of the judge from the entry stands) and `entry_rubric` (the rubric the entry is
    judged on, which must be the sheet's)."""
    sheets = ScoreSheet.objects.filter(
        status=ScoreSheet.Status.SUBMITTED,
        entry__category__in=categories,
        entry__status=Entry.Status.ACCEPTED,
        entry__venue__isnull=False,
    )
    if entry_ids is not None:
        sheets = sheets.filter(entry_id__in=entry_ids)
    return sheets.order_by().annotate(
        on_panel=Exists(
            PanelMember.objects.filter(venue_id=OuterRef("entry__venue_id"), judge_id=OuterRef("judge_id"))
        ),
        recused=Exists(
            Recusal.objects.filter(entry_id=OuterRef("entry_id"), judge_id=OuterRef("judge_id"), lifted_at__isnull=True)
        ),
        entry_rubric=entry_rubric("entry__"),
    )


def exclusion_reason(on_panel: bool, recused: bool, right_rubric: bool) -> str:
    """Why a submitted sheet is not counted ("" when it is), as the protocol says it. The rule that counts a sheet
    (DOMAIN.md section 5); _counted_totals applies the same rule in SQL, where the protocol needs the reason of
    each sheet left out and the computation only the sheets counted."""
    if not on_panel:
        return ExclusionReason.NOT_ON_PANEL.value
    if recused:
        return ExclusionReason.RECUSED.value
    if not right_rubric:
        return ExclusionReason.OTHER_RUBRIC.value
    return ""


def _in_tenths(field: str):
    """An expression: points (one decimal place) in whole tenths, 84.5 -> 845 (rounded, for SQLite, which does
    decimal arithmetic in binary floats)."""
    return Cast(Round(F(field) * 10), IntegerField())


def _counted_totals(categories, entry_ids=None) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Per entry, its counted sheets' totals in whole tenths, sorted ascending, and those sheets' ids.
    PostgreSQL groups them into arrays, SQLite's rows are grouped here; either way they are sorted here (20,000
    short lists cost less to sort here than in the query)."""
    tenths = _in_tenths("total")
    # The rubric check filters the aggregate rather than the rows: PostgreSQL cannot estimate how many rows
    # its CASE keeps, and planned the whole query for a handful (bench/README.md).
    on_rubric = Q(rubric_id=F("entry_rubric"))
    sheets = submitted_sheets(categories, entry_ids).filter(on_panel=True, recused=False)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import ArrayAgg

        rows = (
            sheets.values("entry_id")
            .annotate(
                tenths=ArrayAgg(tenths, filter=on_rubric, default=Value([])),
                ids=ArrayAgg("pk", filter=on_rubric, default=Value([])),
            )
            .values_list("entry_id", "tenths", "ids")
        )
    else:
        grouped = defaultdict(list)
        for entry_id, pk, value in (
            sheets.filter(on_rubric).annotate(tenths=tenths).values_list("entry_id", "pk", "tenths")
        ):
            grouped[entry_id].append((value, pk))
        rows = [(entry_id, [v for v, _pk in items], [pk for _v, pk in items]) for entry_id, items in grouped.items()]
    totals, ids = {}, {}
    for entry_id, values, pks in rows:
        values.sort()
        totals[entry_id] = values
        ids[entry_id] = pks
    return totals, ids


def category_rules(category: Category) -> engine.CategoryRules:
    return engine.CategoryRules(
        aggregation=category.aggregation,
        min_sheets=category.min_sheets,
        scope=category.ranking_scope,
        grades=tuple(
            engine.Grade(name=g.name, position=g.position, rule=g.rule, value=g.value, floor=g.floor)
            for g in category.grade_rules.all()
        ),
    )


def rubric_tie_criteria(rubric_ids) -> dict[int, list[tuple[int, str, Decimal]]]:
    """Each rubric's tie-break criteria in order: (criterion id, name, maximum)."""
    criteria: dict[int, list[tuple[int, str, Decimal]]] = defaultdict(list)
    for rubric_id, criterion_id, name, maximum in (
        Criterion.objects.filter(rubric_id__in={r for r in rubric_ids if r}, breaks_ties=True)
        .order_by("rubric_id", "position")
        .values_list("rubric_id", "pk", "name", "max_points")
    ):
        criteria[rubric_id].append((criterion_id, name, maximum))
    return criteria


def considered_rows(categories, entry_ids=None) -> list[tuple[int, int, int, int | None]]:
    """The considered entries of some categories: (id, category id, venue id, rubric id), by id."""
    entries = considered_entries().filter(category__in=categories)
    if entry_ids is not None:
        entries = entries.filter(pk__in=entry_ids)
    return list(
        entries.annotate(judged_on=entry_rubric())
        .order_by("pk")
        .values_list("pk", "category_id", "venue_id", "judged_on")
    )


def category_tie_counts(categories) -> dict[int, int]:
    """Per category, how many tie-break values its entries have: the most tie-break criteria of the rubrics its
    considered entries are judged on (engine.category_tie_count)."""
    pairs = set(
        considered_entries()
        .filter(category__in=categories)
        .annotate(judged_on=entry_rubric())
        .order_by()
        .values_list("category_id", "judged_on")
        .distinct()
    )
    tie_criteria = rubric_tie_criteria({rubric for _category, rubric in pairs})
    counts = {c.pk: 0 for c in categories}
    for category_id, rubric_id in pairs:
        counts[category_id] = max(counts[category_id], len(tie_criteria.get(rubric_id, ())))
    return counts


# --- the computation ----------------------------------------------------------------------------------


@dataclass
class CategoryScores:
    """One category's results as computed (no protocol), and the fingerprint of everything they depend on."""

    category: Category
    rules: engine.CategoryRules
    results: list[engine.EntryResult]
    fingerprint: str


def score_categories(categories: list[Category]) -> list[CategoryScores]:
    """Compute the results of some categories in a fixed number of queries whatever their size.

    Each entry's final score comes from its counted sheets' totals (ScoreSheet.total, kept with the points);
    tie-break values are read only for the entries still equal, one criterion at a time (engine.break_ties). The
    protocol is not built here: `protocols` builds it from the same sheets when it is shown or published."""
    if not categories:
        return []
    entries = considered_rows(categories)
    by_category = defaultdict(list)
    for row in entries:
        by_category[row[1]].append(row)
    tie_criteria = rubric_tie_criteria({rubric for *_, rubric in entries})
    totals, sheet_ids = _counted_totals(categories)
    scored = []
    for category in categories:
        rules = category_rules(category)
        rows = by_category[category.pk]
        scored.append(
            score_category(
                category, rules, rows, totals, tie_criteria, _TieValues(rules, rows, sheet_ids, tie_criteria)
            )
        )
    return scored


def score_category(category, rules, rows, totals, tie_criteria, values_for) -> CategoryScores:
    """One category's results from its considered rows (considered_rows), its entries' counted totals in whole
    tenths sorted ascending (_counted_totals) and a source of tie-break values (engine.break_ties' `values_for`):
    score_categories reads the values from the database, the publication from the inputs it has loaded."""
    results = [
        engine.score_totals(entry_id, venue_id, totals.get(entry_id, []), rules)
        for entry_id, _category, venue_id, _rubric in rows
    ]
    engine.break_ties(
        rules, results, max((len(tie_criteria.get(rubric, ())) for *_, rubric in rows), default=0), values_for
    )
    engine.rank_and_grade(rules, results)
    return CategoryScores(
        category=category,
        rules=rules,
        results=results,
        fingerprint=_fingerprint(category, rules, rows, totals, results),
    )


def venue_ranking(venue) -> list[engine.EntryResult]:
    """A venue's provisional ranking from the sheets submitted so far, for its panel leader before the sign-off
    (合议): the engine's aggregation, tie-breaks and ranking as score_categories does, within the venue. Grades
    only where the venue is the category's ranking scope (elsewhere they depend on the other venues). Stores
    nothing. Ranked entries by rank, then the unranked."""
    category = venue.category
    rules = category_rules(category)
    if rules.scope != engine.SCOPE_VENUE:
        rules = replace(rules, scope=engine.SCOPE_VENUE, grades=())
    category_rows = considered_rows([category])
    rows = [row for row in category_rows if row[2] == venue.pk]
    tie_criteria = rubric_tie_criteria({rubric for *_, rubric in category_rows})
    totals, sheet_ids = _counted_totals([category], [row[0] for row in rows])
    results = [
        engine.score_totals(entry_id, venue_id, totals.get(entry_id, []), rules) for entry_id, _c, venue_id, _r in rows
    ]
    engine.break_ties(
        rules,
        results,
        max((len(tie_criteria.get(rubric, ())) for *_, rubric in category_rows), default=0),
        _TieValues(rules, rows, sheet_ids, tie_criteria),
    )
    engine.rank_and_grade(rules, results)
    return sorted(results, key=lambda r: (not r.ranked, r.rank or 0, r.entry_id))


class _TieValues:
    """engine.break_ties' source of tie-break values for one category: the index-th value of some entries, from
    their counted sheets' points on the index-th tie-break criterion of their rubric. The first criterion is read
    for the entries tied on the score; the few still tied after it have all their other criteria read at once."""

    def __init__(self, rules, rows, sheet_ids, tie_criteria):
        self.rules = rules
        self.rubric = {entry_id: rubric for entry_id, _category, _venue, rubric in rows}
        self.sheet_ids = sheet_ids
        self.tie_criteria = tie_criteria
        self.points: dict[tuple[int, int], list[int]] = {}  # (entry id, criterion id) -> points in tenths
        self.all_read: set[int] = set()  # entries whose every tie-break criterion is read

    def __call__(self, index: int, entry_ids: set[int]) -> dict[int, Decimal]:
        if index == 0:
            self._read(list(entry_ids), first=0, last=0)
        else:
            unread = [entry_id for entry_id in entry_ids if entry_id not in self.all_read]
            if unread:
                self._read(unread, first=index, last=None)
                self.all_read.update(unread)
        values = {}
        for entry_id in entry_ids:
            criteria = self.tie_criteria.get(self.rubric[entry_id], ())
            criterion_id, _name, maximum = criteria[index] if index < len(criteria) else (None, "", None)
            values[entry_id] = engine.tie_value_from_tenths(
                sorted(self.points.get((entry_id, criterion_id), ())),
                maximum,
                sheets=len(self.sheet_ids.get(entry_id, ())),
                method=self.rules.aggregation,
            )
        return values

    def _read(self, entry_ids: list[int], *, first: int, last: int | None) -> None:
        criteria = [
            criterion_id
            for criteria in self.tie_criteria.values()
            for criterion_id, _name, _max in criteria[first : None if last is None else last + 1]
        ]
        counted = {pk for entry_id in entry_ids for pk in self.sheet_ids.get(entry_id, ())}
        limit = connection.features.max_query_params  # None on PostgreSQL: one query
        batch = max(1, limit - len(criteria) - 10) if limit else len(entry_ids)
        for start in range(0, len(entry_ids), batch):
            for entry_id, sheet_id, criterion_id, value in (
                CriterionScore.objects.filter(
                    sheet__entry_id__in=entry_ids[start : start + batch], criterion_id__in=criteria
                )
                .order_by()
                .values_list("sheet__entry_id", "sheet_id", "criterion_id", _in_tenths("points"))
            ):
                if sheet_id in counted:  # the sheets the entry's total counted, not the others
                    self.points.setdefault((entry_id, criterion_id), []).append(value)


def _fingerprint(category, rules, rows, totals, results) -> str:
    """A digest of everything one category's results depend on: its rules and grades; per entry (by id) its venue
    and its counted sheets' totals; the tie-break values that ordered tied entries. One repr of plain numbers and
    strings, hashed once. A change that cannot move a score, rank or grade (a judge's points moved between two
    criteria of an entry whose score is its own) leaves it as it is."""
    header = (
        category.pk,
        rules.aggregation,
        rules.min_sheets,
        rules.scope,
        [(g.position, g.name, g.rule, str(g.value), str(g.floor)) for g in rules.grades],
    )
    body = [(entry_id, venue_id, totals.get(entry_id, ())) for entry_id, _category, venue_id, _rubric in rows]
    ties = sorted((r.entry_id, [str(v) for v in r.tie_values]) for r in results if r.tie_values)
    return hashlib.sha256(repr((header, body, ties)).encode()).hexdigest()


def _categories(*, edition=None, category=None) -> list[Category]:
    if (edition is None) == (category is None):
        raise TypeError("compute_results takes an edition or a category")
    queryset = Category.objects.prefetch_related("grade_rules").order_by("position", "pk")
    if category is not None:
        return list(queryset.filter(pk=category.pk))
    return list(queryset.filter(edition=edition))


def result_categories(edition) -> list[Category]:
    """The categories a computation of the edition computes, in its order, with their grade rules."""
    return _categories(edition=edition)


def edition_fingerprint(scored: list[CategoryScores]) -> str:
    digest = hashlib.sha256()
    for item in scored:
        digest.update(f"{item.category.pk}:{item.fingerprint};".encode())
    return digest.hexdigest()


def current_fingerprint(*, edition) -> str:
    """The fingerprint of the edition's inputs as they are now (compare with the last computation's)."""
    return current_outcomes(edition=edition)[0]


def current_outcomes(*, edition) -> tuple[str, dict[int, tuple]]:
    """The fingerprint of the edition's inputs as they are now, and each considered entry's result as a computation
    now stores it, by entry id: (venue id, counted sheets, final score, ranked, rank, grade, grade position), the
    columns of RESULT_COLUMNS the publication compares with the stored results."""
    with collector_paused():
        return outcomes_of(score_categories(_categories(edition=edition)))


def outcomes_of(scored: list[CategoryScores]) -> tuple[str, dict[int, tuple]]:
    """current_outcomes' answer from computed categories."""
    outcomes = {
        r.entry_id: (r.venue_id, r.counted_sheets, r.final_score, r.ranked, r.rank, r.grade, r.grade_position)
        for item in scored
        for r in item.results
    }
    return edition_fingerprint(scored), outcomes


class RunStopped(Exception):
    """The run is no longer running: an organiser cancelled it, or the sweep failed it as stale (results.runs)."""


def _set_progress(run, percent: int) -> None:
    """Record a run's progress and its sign of life (heartbeat_at), between two steps of the computation; raise
    RunStopped when the run was cancelled or failed meanwhile, so that it stops before the next category."""
    if run is None:
        return
    run.progress = max(0, min(100, percent))
    run.heartbeat_at = timezone.now()
    if not ResultRun.objects.filter(pk=run.pk, status=ResultRun.Status.RUNNING).update(
        progress=run.progress, heartbeat_at=run.heartbeat_at
    ):
        raise RunStopped(run.pk)


def store_category(item: CategoryScores) -> int:
    """Write one category's results: each entry's Result where it is new or differs, and delete those of
    entries no longer in; returns how many rows were written."""
    category = item.category
    now = timezone.now()
    # One transaction per category: a computation stores its categories one after the other; results.runs holds
    # the edition's lock across the whole computation, so two runs never interleave.
    with transaction.atomic():
        stored = set(Result.objects.filter(category=category).order_by().values_list(*RESULT_COLUMNS[:-1]))
        if stored:
            Result.objects.filter(category=category).exclude(
                entry__in=considered_entries().filter(category=category)
            ).delete()
        rows = [
            row + (now,)
            for row in (
                (
                    result.entry_id,
                    category.pk,
                    result.venue_id,
                    result.counted_sheets,
                    result.final_score,
                    result.ranked,
                    result.rank,
                    result.grade,
                    result.grade_position,
                )
                for result in item.results
            )
            if row not in stored  # unchanged: not rewritten, so computed_at tells when a result last changed
        ]
        if rows:
            # None of the entries has a result yet (the first computation): nothing to overwrite.
            fresh = not stored and not Result.objects.filter(entry__category=category).exists()
            _upsert_results(rows, fresh=fresh)
    return len(rows)


RESULT_COLUMNS = (
    "entry_id",
    "category_id",
    "venue_id",
    "counted_sheets",
    "final_score",
    "ranked",
    "rank",
    "grade",
    "grade_position",
    "computed_at",
)


def _upsert_results(rows: list[tuple], *, fresh: bool = False) -> None:
    """Insert or overwrite Result rows (tuples in RESULT_COLUMNS order); `fresh`: none of them exists yet.

    PostgreSQL: the rows are streamed with COPY, straight into the table when fresh, else into a temporary table
    and moved in with one INSERT ... ON CONFLICT. Elsewhere (SQLite): one multi-row INSERT ... ON CONFLICT per
    batch. Building 20,000 model instances through the ORM took longer than the database's own work, and so did
    parsing one huge INSERT statement.
    """
    if connection.vendor == "postgresql":
        _copy_results(rows, fresh=fresh)
    else:
        _insert_results(rows)


def _conflict_clause() -> str:
    """Overwrite an entry's stored result only where the new one differs (computed_at aside): a computation on
    unchanged inputs writes nothing, so computed_at tells when the result last changed."""
    quote = connection.ops.quote_name
    table = quote(Result._meta.db_table)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in RESULT_COLUMNS[1:])
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    changed = " OR ".join(f"{table}.{quote(c)} {distinct} EXCLUDED.{quote(c)}" for c in RESULT_COLUMNS[1:-1])
    return f'ON CONFLICT ("entry_id") DO UPDATE SET {updates} WHERE {changed}'


def _insert_results(rows: list[tuple]) -> None:
    table = connection.ops.quote_name(Result._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in RESULT_COLUMNS)
    placeholder = "(" + ", ".join(["%s"] * len(RESULT_COLUMNS)) + ")"
    batch = min(
        WRITE_BATCH,
        connection.features.max_query_params // len(RESULT_COLUMNS)
        if connection.features.max_query_params
        else WRITE_BATCH,
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(chunk))} {_conflict_clause()}",
                [value for row in chunk for value in row],
            )


_COPY_CONTROLS = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text_field(value) -> str:
    """One value in PostgreSQL's COPY text format: NULL is \\N, booleans t/f, backslash and controls escaped."""
    kind = type(value)
    if kind is int or kind is Decimal:  # most of a results row: checked first
        return str(value)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, str):
        if "\\" in value:
            value = value.replace("\\", "\\\\")
        if "\t" in value or "\n" in value or "\r" in value:
            value = value.translate(_COPY_CONTROLS)
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _copy_text(rows: list[tuple]) -> str:
    """Result rows (RESULT_COLUMNS order) in COPY text format, a line each: written out column by column, since
    passing 200,000 values through copy_text_field one by one cost more than the COPY itself."""
    null = "\\N"
    stamps = {}
    return "".join(
        f"{entry}\t{category}\t{null if venue is None else venue}\t{counted}\t{null if score is None else score}\t"
        f"{'t' if ranked else 'f'}\t{null if rank is None else rank}\t{copy_text_field(grade)}\t"
        f"{null if position is None else position}\t{stamps.get(at) or stamps.setdefault(at, copy_text_field(at))}\n"
        for entry, category, venue, counted, score, ranked, rank, grade, position, at in rows
    )


def _copy_results(rows: list[tuple], *, fresh: bool) -> None:
    quote = connection.ops.quote_name
    table = quote(Result._meta.db_table)
    columns = ", ".join(quote(c) for c in RESULT_COLUMNS)
    text = io.StringIO(_copy_text(rows))
    with connection.cursor() as cursor:
        if fresh:
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", text)
            return
        # Called inside store_category's transaction: the table goes with it, whether it commits or rolls back.
        cursor.execute("DROP TABLE IF EXISTS incoming_result")
        cursor.execute(
            f"CREATE TEMPORARY TABLE incoming_result ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.copy_expert(f"COPY incoming_result ({columns}) FROM STDIN", text)
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming_result {_conflict_clause()}")
        cursor.execute("DROP TABLE incoming_result")


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector for a computation: it allocates hundreds of thousands of small
    objects (sheets, protocols) that reference counting frees anyway, and each of them moved the collector on, so
    it kept walking the growing heap (about a third of the computation's time on the 20,000-entry edition)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compute_results(*, edition=None, category=None, run: ResultRun | None = None) -> str:
    """Compute and store the results of an edition (or of one category); returns the inputs' fingerprint.

    Idempotent: identical inputs give identical results, stored over the previous ones.
    """
    with collector_paused():
        # The results are dropped before the collector resumes, or it would walk them all at once.
        return edition_fingerprint(compute_and_store(edition=edition, category=category, run=run))


def compute_and_store(*, edition=None, category=None, run=None) -> list[CategoryScores]:
    categories = _categories(edition=edition, category=category)
    # All categories in one load: each grouped query walks the sheets of the whole edition.
    scored = score_categories(categories)
    _set_progress(run, 50)
    for index, item in enumerate(scored):
        store_category(item)
        _set_progress(run, 50 + int(50 * (index + 1) / len(scored)))
    return scored
