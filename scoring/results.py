"""The results engine's database side: load the inputs, compute (scoring.engine), store, publish.

`compute_results(*, edition=... or category=...)` reads every counted sheet of the accepted entries in a few
queries, computes with the pure engine, and writes one Result per entry (overwriting, never duplicating).
`publish_results(*, edition, user, reason)` freezes the current results into a Publication with its rows.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import logging
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import kombu.exceptions
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, IntegerField, Q, Sum
from django.db.models.functions import Cast, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Category, Criterion, Edition, PanelMember, Venue
from portal import audit
from scoring import engine
from scoring.models import Publication, PublishedResult, Recusal, Result, ResultRun, ScoreSheet
from submissions.models import Entry, Member

logger = logging.getLogger(__name__)

WRITE_BATCH = 2000
ONE_PLACE = Decimal("0.1")
ZERO = Decimal(0)


# --- loading -----------------------------------------------------------------------------------------


@dataclass
class CategoryInputs:
    """Everything the engine needs for one category, plus what the protocol tells about excluded sheets."""

    category: Category
    rules: engine.CategoryRules
    entries: list[engine.EntryInput]
    excluded: dict[int, list[dict]] = field(default_factory=dict)  # entry id -> sheets not counted, and why

    # entry id -> its counted sheets as plain numbers, (judge id, total, tie-break points...) in whole tenths
    counted_tenths: dict[int, list[tuple]] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """A digest of everything the results depend on: the category's rules and grades, and per entry (by id)
        its venue, tie-break maxima, recusals and counted sheets. One repr of plain numbers and strings, hashed
        once: serialising every sheet's Decimals to JSON cost more than the engine (bench/README.md)."""
        rules = self.rules
        header = (
            self.category.pk,
            rules.aggregation,
            rules.min_sheets,
            rules.scope,
            [(g.position, g.name, g.rule, str(g.value), str(g.floor)) for g in rules.grades],
        )
        entries = [
            (
                e.entry_id,
                e.venue_id,
                [str(m) for m in e.tie_maxima],
                sorted(self.counted_tenths.get(e.entry_id, ())),
                sorted(e.recused),
            )
            for e in sorted(self.entries, key=lambda e: e.entry_id)
        ]
        return hashlib.sha256(repr((header, entries)).encode()).hexdigest()


def considered_entries():
    """Entries that take part in the results: accepted, with a venue."""
    return Entry.objects.filter(status=Entry.Status.ACCEPTED, venue__isnull=False)


def _category_rules(category: Category) -> engine.CategoryRules:
    return engine.CategoryRules(
        aggregation=category.aggregation,
        min_sheets=category.min_sheets,
        scope=category.ranking_scope,
        grades=tuple(
            engine.Grade(name=g.name, position=g.position, rule=g.rule, value=g.value, floor=g.floor)
            for g in category.grade_rules.all()
        ),
    )


def _rubric_id(category: Category, topic_type: str) -> int | None:
    if topic_type == Entry.TopicType.INNOVATION and category.innovation_rubric_id:
        return category.innovation_rubric_id
    return category.rubric_id


def _tenths(condition: Q | None = None):
    """A sheet's sum of points (optionally of some criteria) in whole tenths: points have one decimal place, so
    the sum times 10 is a whole number (rounded, for SQLite, which sums decimals as binary floats)."""
    return Cast(Round(Sum(F("scores__points") * 10, filter=condition)), IntegerField())


class _Tenths(dict):
    """Whole tenths -> the Decimal with one place (845 -> 84.5, None -> 0.0), each made once."""

    def __missing__(self, tenths):
        value = self[tenths] = ZERO.quantize(ONE_PLACE) if tenths is None else Decimal(tenths).scaleb(-1)
        return value


def load_inputs(categories: list[Category]) -> list[CategoryInputs]:
    """The engine's inputs for some categories, in a fixed number of queries whatever their size."""
    if not categories:
        return []
    by_id = {c.pk: c for c in categories}
    entries = list(
        considered_entries().filter(category__in=by_id).values_list("pk", "category_id", "venue_id", "topic_type")
    )
    entry_rubric = {pk: _rubric_id(by_id[cat], topic) for pk, cat, _venue, topic in entries}
    entry_venue = {pk: venue for pk, _cat, venue, _topic in entries}

    tie_criteria: dict[int, list[tuple[int, str, Decimal]]] = defaultdict(list)
    for rubric_id, criterion_id, name, maximum in (
        Criterion.objects.filter(rubric_id__in={r for r in entry_rubric.values() if r}, breaks_ties=True)
        .order_by("rubric_id", "position")
        .values_list("rubric_id", "pk", "name", "max_points")
    ):
        tie_criteria[rubric_id].append((criterion_id, name, maximum))

    panels: dict[int, set[int]] = defaultdict(set)
    for venue_id, judge_id in PanelMember.objects.filter(venue_id__in=set(entry_venue.values())).values_list(
        "venue_id", "judge_id"
    ):
        panels[venue_id].add(judge_id)

    entry_filter = {
        "entry__category__in": by_id,
        "entry__status": Entry.Status.ACCEPTED,
        "entry__venue__isnull": False,
    }
    recused: dict[int, set[int]] = defaultdict(set)
    for entry_id, judge_id in Recusal.objects.filter(lifted_at__isnull=True, **entry_filter).values_list(
        "entry_id", "judge_id"
    ):
        recused[entry_id].add(judge_id)

    # One pass over the criterion scores: each sheet's total and its points on the k-th tie-break criterion of
    # its rubric (the k-th criteria of all rubrics share one conditional sum).
    tie_count = max((len(c) for c in tie_criteria.values()), default=0)
    tie_sums = {
        f"tie{k}": _tenths(Q(scores__criterion_id__in=[c[k][0] for c in tie_criteria.values() if len(c) > k]))
        for k in range(tie_count)
    }
    query = (
        ScoreSheet.objects.filter(status=ScoreSheet.Status.SUBMITTED, **entry_filter)
        .order_by()
        .values_list("pk", "entry_id", "judge_id", "rubric_id")
        .annotate(total=_tenths(), **tie_sums)
    )
    # The sums come as whole tenths, read straight from the cursor, and each distinct value becomes a Decimal
    # once: converting 700,000 sums one by one through the ORM cost more than the query (bench/README.md).
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        sheets = cursor.fetchall()
    tenths = _Tenths()

    counted: dict[int, list[engine.Sheet]] = defaultdict(list)
    counted_tenths: dict[int, list[tuple]] = defaultdict(list)
    excluded: dict[int, list[dict]] = defaultdict(list)
    for _sheet_id, entry_id, judge_id, rubric_id, total, *ties in sheets:
        if entry_id not in entry_rubric:
            continue
        reason = ""
        if judge_id not in panels[entry_venue[entry_id]]:
            reason = "not_on_panel"
        elif judge_id in recused[entry_id]:
            reason = "recused"
        elif rubric_id != entry_rubric[entry_id]:
            reason = "other_rubric"
        if reason:
            excluded[entry_id].append({"judge": judge_id, "reason": reason})
            continue
        ties = ties[: len(tie_criteria[rubric_id])]
        counted_tenths[entry_id].append((judge_id, total, *ties))
        counted[entry_id].append(
            engine.Sheet(judge_id=judge_id, total=tenths[total], tie_points=tuple(map(tenths.__getitem__, ties)))
        )

    inputs = {c.pk: CategoryInputs(category=c, rules=_category_rules(c), entries=[]) for c in categories}
    for entry_id, category_id, venue_id, _topic in entries:
        criteria = tie_criteria[entry_rubric[entry_id]] if entry_rubric[entry_id] else []
        inputs[category_id].entries.append(
            engine.EntryInput(
                entry_id=entry_id,
                venue_id=venue_id,
                sheets=tuple(counted[entry_id]),
                tie_maxima=tuple(m for _c, _n, m in criteria),
                tie_names=tuple(n for _c, n, _m in criteria),
                recused=tuple(sorted(recused[entry_id])),
            )
        )
        if entry_id in counted_tenths:
            inputs[category_id].counted_tenths[entry_id] = counted_tenths[entry_id]
        if excluded.get(entry_id):
            inputs[category_id].excluded[entry_id] = sorted(excluded[entry_id], key=lambda x: x["judge"])
    return [inputs[c.pk] for c in categories]


def _categories(*, edition=None, category=None) -> list[Category]:
    if (edition is None) == (category is None):
        raise TypeError("compute_results takes an edition or a category")
    queryset = Category.objects.prefetch_related("grade_rules").order_by("position", "pk")
    if category is not None:
        return list(queryset.filter(pk=category.pk))
    return list(queryset.filter(edition=edition))


def edition_fingerprint(categories_inputs: list[CategoryInputs]) -> str:
    digest = hashlib.sha256()
    for item in categories_inputs:
        digest.update(f"{item.category.pk}:{item.fingerprint()};".encode())
    return digest.hexdigest()


def current_fingerprint(*, edition) -> str:
    """The fingerprint of the edition's inputs as they are now (compare with the last computation's)."""
    with _collector_paused():
        return edition_fingerprint(load_inputs(_categories(edition=edition)))


# --- computing and storing ---------------------------------------------------------------------------


def _set_progress(run, percent: int) -> None:
    if run is not None:
        run.progress = max(0, min(100, percent))
        ResultRun.objects.filter(pk=run.pk).update(progress=run.progress)


def store_category(item: CategoryInputs, computed: dict[int, engine.EntryResult], fingerprint: str) -> int:
    """Write one category's results: overwrite each entry's Result, delete those of entries no longer in."""
    category = item.category
    now = timezone.now()
    rows = []
    for entry in item.entries:
        result = computed[entry.entry_id]
        protocol = dict(result.protocol)
        protocol["excluded"] = item.excluded.get(entry.entry_id, [])
        protocol["fingerprint"] = fingerprint
        rows.append(
            (
                entry.entry_id,
                category.pk,
                entry.venue_id,
                result.counted_sheets,
                result.final_score,
                result.ranked,
                result.rank,
                result.grade,
                result.grade_position,
                json.dumps(protocol, ensure_ascii=False, separators=(",", ":")),
                now,
            )
        )
    with transaction.atomic():
        # One computation at a time per edition: the row lock serialises concurrent workers.
        Edition.objects.select_for_update().filter(pk=category.edition_id).first()
        Result.objects.filter(category=category).exclude(
            entry__in=considered_entries().filter(category=category)
        ).delete()
        _upsert_results(rows)
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
    "protocol",
    "computed_at",
)


def _upsert_results(rows: list[tuple]) -> None:
    """Insert or overwrite Result rows (tuples in RESULT_COLUMNS order, the protocol as JSON text).

    PostgreSQL: the rows are streamed with COPY into a temporary table, then one INSERT ... ON CONFLICT moves
    them in. Elsewhere (SQLite): one multi-row INSERT ... ON CONFLICT per batch. Building 20,000 model instances
    through the ORM took longer than the database's own work, and so did parsing one huge INSERT statement.
    """
    if connection.vendor == "postgresql":
        _copy_results(rows)
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
    if value is None:
        return "\\N"
    if value is True or value is False:
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


def _copy_results(rows: list[tuple]) -> None:
    quote = connection.ops.quote_name
    table = quote(Result._meta.db_table)
    columns = ", ".join(quote(c) for c in RESULT_COLUMNS)
    text = "".join("\t".join(map(copy_text_field, row)) + "\n" for row in rows)
    with connection.cursor() as cursor:
        # Called inside store_category's transaction: the table goes with it, whether it commits or rolls back.
        cursor.execute("DROP TABLE IF EXISTS incoming_result")
        cursor.execute(
            f"CREATE TEMPORARY TABLE incoming_result ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.copy_expert(f"COPY incoming_result ({columns}) FROM STDIN", io.StringIO(text))
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming_result {_conflict_clause()}")
        cursor.execute("DROP TABLE incoming_result")


@contextmanager
def _collector_paused():
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
    with _collector_paused():
        return _compute_results(edition=edition, category=category, run=run)


def _compute_results(*, edition, category, run) -> str:
    categories = _categories(edition=edition, category=category)
    fingerprints = []
    steps = max(1, len(categories) * 2)
    # All categories in one load: each of its grouped queries walks the criterion scores of the whole edition.
    for index, item in enumerate(load_inputs(categories)):
        fingerprint = item.fingerprint()
        computed = engine.compute_category(item.rules, item.entries)
        _set_progress(run, int(100 * (2 * index + 1) / steps))
        store_category(item, computed, fingerprint)
        _set_progress(run, int(100 * (2 * index + 2) / steps))
        fingerprints.append(f"{item.category.pk}:{fingerprint};")
    digest = hashlib.sha256()
    for part in fingerprints:
        digest.update(part.encode())
    return digest.hexdigest()


# A run still queued after this long was never sent (the broker was down) or its message was lost (Redis
# restarted empty): it is sent again. A run delivered twice is harmless (the task is idempotent).
REDISPATCH_AFTER = timedelta(minutes=2)


def dispatch_run(run_id: int) -> bool:
    """Send a queued run to the worker. With the broker unreachable the run stays queued with a note saying so;
    the next start_run or the periodic sweep (dispatch_waiting_runs) sends it again. Never raises for the broker."""
    from scoring.tasks import compute_results_task

    try:
        compute_results_task.delay(run_id)
    except (kombu.exceptions.OperationalError, OSError) as error:
        logger.error("Results run %s is not dispatched, the task queue is unreachable: %s", run_id, error)
        ResultRun.objects.filter(pk=run_id, status=ResultRun.Status.QUEUED).update(
            error=_("The task queue was unreachable; the computation starts as soon as it is back.")
        )
        return False
    return True


def dispatch_waiting_runs(*, older_than: timedelta = REDISPATCH_AFTER) -> int:
    """Send again every run still queued after `older_than`, or whose dispatch failed; returns how many were sent."""
    waiting = ResultRun.objects.filter(status=ResultRun.Status.QUEUED).filter(
        Q(created_at__lte=timezone.now() - older_than) | ~Q(error="")
    )
    return sum(dispatch_run(run_id) for run_id in waiting.values_list("pk", flat=True))


@transaction.atomic
def start_run(*, edition, user=None, by=None, reason: str = "") -> ResultRun:
    """Queue a computation of the edition's results (on commit). A run still waiting in the queue is reused,
    and sent again when its dispatch failed or it has waited too long. `by` is who caused it when not `user`
    (e.g. the panel leader whose sign-off queued it); the audit names them."""
    waiting = ResultRun.objects.filter(edition=edition, status=ResultRun.Status.QUEUED).first()
    if waiting is not None:
        if waiting.error or waiting.created_at <= timezone.now() - REDISPATCH_AFTER:
            transaction.on_commit(lambda: dispatch_run(waiting.pk))
        return waiting
    run = ResultRun.objects.create(edition=edition, started_by=user)
    audit.record(
        edition=edition,
        user=by or user,
        action=audit.Action.RESULTS_REQUESTED,
        target=f"#{run.pk}",
        new={"run": run.pk},
        reason=reason,
    )
    transaction.on_commit(lambda: dispatch_run(run.pk))
    return run


def execute_run(*, run: ResultRun) -> ResultRun:
    """Carry out a queued run: compute the edition's results, record progress, the fingerprint or the error."""
    ResultRun.objects.filter(pk=run.pk).update(status=ResultRun.Status.RUNNING, progress=0, error="")
    run.status = ResultRun.Status.RUNNING
    before = _outcomes(run.edition)
    try:
        fingerprint = compute_results(edition=run.edition, run=run)
    except Exception as error:
        run.status = ResultRun.Status.FAILED
        run.error = f"{type(error).__name__}: {error}"
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        audit.record(
            edition=run.edition,
            user=run.started_by,
            action=audit.Action.RESULTS_FAILED,
            target=f"#{run.pk}",
            new={"error": run.error},
        )
        raise
    run.status = ResultRun.Status.DONE
    run.progress = 100
    run.fingerprint = fingerprint
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "progress", "fingerprint", "finished_at"])
    old, new = _changed_outcomes(before, _outcomes(run.edition))
    audit.record(
        edition=run.edition,
        user=run.started_by,
        action=audit.Action.RESULTS_COMPUTED,
        target=f"#{run.pk}",
        old=old,
        new={**new, "fingerprint": fingerprint[:12]},
    )
    return run


AUDITED_CHANGES = 500


def _outcomes(edition) -> dict[str, str]:
    """Each entry's result as one line (score, rank, grade), keyed by entry code: what the audit compares."""
    with _collector_paused():
        return {
            code or f"#{pk}": f"{score if score is not None else '-'} / {rank or '-'} / {grade or '-'}"
            for pk, code, score, rank, grade in Result.objects.filter(category__edition=edition).values_list(
                "entry_id", "entry__code", "final_score", "rank", "grade"
            )
        }


def _changed_outcomes(before: dict, after: dict) -> tuple[dict, dict]:
    """The entries whose score, rank or grade changed or that left the results (at most AUDITED_CHANGES of
    them), before and after; entries computed for the first time are only counted."""
    changed = sorted(code for code in before if before[code] != after.get(code))
    old = {code: before[code] for code in changed[:AUDITED_CHANGES]}
    new = {code: after[code] for code in changed[:AUDITED_CHANGES] if code in after}
    if len(changed) > AUDITED_CHANGES:
        new["…"] = str(len(changed) - AUDITED_CHANGES)
    first_time = sum(1 for code in after if code not in before)
    if first_time:
        new["new results"] = str(first_time)
    return old, new


def latest_run(edition):
    return ResultRun.objects.filter(edition=edition).select_related("started_by").first()


def latest_done_run(edition):
    return ResultRun.objects.filter(edition=edition, status=ResultRun.Status.DONE).first()


# --- publication ---------------------------------------------------------------------------------------


def public_protocol_copy(protocol: dict) -> dict:
    """The protocol as frozen in a publication: totals, drops and tie-break values, no judge identity."""
    sheets = sorted(
        (
            {"total": s["total"], "dropped": s.get("dropped", ""), "tie_points": s.get("tie_points", [])}
            for s in protocol.get("sheets", [])
        ),
        key=lambda s: (-Decimal(s["total"]), s["dropped"]),
    )
    kept = {
        key: protocol.get(key)
        for key in (
            "aggregation",
            "min_sheets",
            "counted_sheets",
            "kept_sum",
            "kept_count",
            "exact",
            "final_score",
            "tie_breaks",
            "tie_values",
            "scope",
            "scope_ranked",
            "rank",
            "grade",
            "flags",
            "fingerprint",
        )
    }
    kept["sheets"] = sheets
    kept["recused"] = len(protocol.get("recused", []))
    return kept


def grade_counts(results: list[dict]) -> list[dict]:
    """Per category: entries, ranked entries and the number of each grade (best first), from result values."""
    lines = {}
    for category in Category.objects.filter(pk__in={r["category_id"] for r in results}).prefetch_related("grade_rules"):
        lines[category.pk] = {
            "category": category.pk,
            "name": category.name,
            "position": category.position,
            "entries": 0,
            "ranked": 0,
            "grades": {g.name: 0 for g in category.grade_rules.all()},
        }
    for result in results:
        line = lines[result["category_id"]]
        line["entries"] += 1
        line["ranked"] += int(result["ranked"])
        if result["grade"]:
            line["grades"][result["grade"]] = line["grades"].get(result["grade"], 0) + 1
    return sorted(lines.values(), key=lambda line: (line["position"], line["category"]))


def unsigned_venues(edition) -> list[str]:
    """Names of the venues with entries in the results that their panel leader has not signed off yet."""
    return list(
        Venue.objects.filter(
            edition=edition, signed_off_at__isnull=True, pk__in=considered_entries().values("venue_id")
        )
        .order_by("name")
        .values_list("name", flat=True)
    )


def set_edition_published(*, edition, user) -> None:
    if edition.status == Edition.Status.PUBLISHED:
        return
    try:
        from events.services import change_status
    except ImportError:
        change_status = None
    if change_status is not None:
        change_status(edition=edition, to=Edition.Status.PUBLISHED, user=user)
    else:
        edition.status = Edition.Status.PUBLISHED
        edition.save(update_fields=["status"])


@transaction.atomic
def publish_results(*, edition, user, reason: str = "") -> Publication:
    """Freeze the edition's current results into a new publication and make them public.

    The first publication needs no reason; a re-publication does, and every earlier version stays.
    """
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    reason = (reason or "").strip()
    previous = edition.publications.order_by("-version").first()
    if previous is not None and not reason:
        raise ValidationError(_("The results are already published: give the reason for publishing them again."))
    if ResultRun.objects.filter(
        edition=edition, status__in=[ResultRun.Status.QUEUED, ResultRun.Status.RUNNING]
    ).exists():
        raise ValidationError(_("A computation of the results is under way: wait for it to finish."))
    run = latest_done_run(edition)
    if run is None:
        raise ValidationError(_("Compute the results before publishing them."))
    unsigned = unsigned_venues(edition)
    if unsigned:
        raise ValidationError(_("These venues are not signed off yet: %(venues)s.") % {"venues": ", ".join(unsigned)})
    fingerprint = current_fingerprint(edition=edition)
    if fingerprint != run.fingerprint:
        raise ValidationError(
            _("Scores changed after the results were computed: compute them again and review them first.")
        )
    accepted = Result.objects.filter(category__edition=edition, entry__status=Entry.Status.ACCEPTED)
    results = list(
        accepted.order_by("category__position", "category_id", "rank", "entry__code").values(
            "category_id",
            "venue_id",
            "entry_id",
            "final_score",
            "ranked",
            "rank",
            "grade",
            "grade_position",
            "protocol",
            "venue__name",
            "entry__enterprise_id",
            "entry__code",
            "entry__title",
            "entry__group_name",
            "entry__topic_type",
            "entry__enterprise__name",
            "entry__enterprise__province",
        )
    )
    if not results:
        raise ValidationError(_("There are no results to publish."))
    members = defaultdict(list)
    for entry_id, name, group_role, post, is_leader in (
        Member.objects.filter(entry__in=accepted.values("entry_id"))
        .order_by("entry_id", "position", "pk")
        .values_list("entry_id", "name", "group_role", "post", "is_leader")
    ):
        members[entry_id].append({"name": name, "group_role": group_role, "post": post, "is_leader": is_leader})
    set_edition_published(edition=edition, user=user)
    publication = Publication.objects.create(
        edition=edition,
        version=(previous.version + 1) if previous else 1,
        published_by=user,
        reason=reason,
        fingerprint=fingerprint,
        snapshot={"run": run.pk, "computed_at": run.finished_at.isoformat(), "categories": grade_counts(results)},
    )
    audit.record(
        edition=edition,
        user=user,
        action=audit.Action.PUBLISHED,
        target=f"v{publication.version}",
        old={"version": previous.version} if previous else {},
        new={
            "version": publication.version,
            "run": run.pk,
            "entries": len(results),
            **{line["name"]: line["grades"] for line in publication.snapshot["categories"]},
        },
        reason=reason,
    )
    PublishedResult.objects.bulk_create(
        (
            PublishedResult(
                publication=publication,
                edition=edition,
                category_id=r["category_id"],
                venue_id=r["venue_id"],
                entry_id=r["entry_id"],
                enterprise_id=r["entry__enterprise_id"],
                code=r["entry__code"],
                title=r["entry__title"],
                group_name=r["entry__group_name"],
                enterprise_name=r["entry__enterprise__name"],
                province=r["entry__enterprise__province"],
                topic_type=r["entry__topic_type"],
                venue_name=r["venue__name"] or "",
                final_score=r["final_score"],
                rank=r["rank"],
                grade=r["grade"],
                grade_position=r["grade_position"],
                protocol=public_protocol_copy(r["protocol"]),
                members=members[r["entry_id"]],
            )
            for r in results
        ),
        batch_size=WRITE_BATCH,
    )
    transaction.on_commit(_after_publication)
    from scoring.exports import queue_award_lists

    queue_award_lists(edition=edition, publication=publication, user=user)
    return publication


def _after_publication():
    # Once the rows are committed, move the public pages' cache on (scoring.public owns the cache).
    from scoring.public import bump_public_cache

    bump_public_cache()


def public_cache_version() -> int:
    """The version under which public pages are cached; every (re)publication moves it on."""
    from scoring.public import cache_version

    return cache_version()
