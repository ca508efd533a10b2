"""The protocol of a result (DOMAIN.md section 5): how its score was reached, built when it is shown or published.

The computation (results.computation) stores scores, ranks and grades only; the protocol (each sheet's total and
judge, which were dropped, the tie-break values, the sheets not counted and why) is built here with the same
engine from the sheets as they are, for the results pages and for each publication, which freezes it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, IntegerField, Q, Sum
from django.db.models.functions import Cast, Round

from events.models import POINTS_STEP, Category
from results import engine
from results.computation import (
    CategoryScores,
    category_rules,
    category_tie_counts,
    collector_paused,
    considered_entries,
    considered_rows,
    exclusion_reason,
    rubric_tie_criteria,
    score_category,
    submitted_sheets,
)
from results.models import ProtocolFlag, Result
from scoring.models import Recusal, ScoreSheet

ZERO = Decimal(0)


def _tenths(condition: Q | None = None):
    """A sheet's sum of points on some criteria in whole tenths: points have one decimal place, so the sum times
    10 is a whole number (rounded, for SQLite, which sums decimals as binary floats)."""
    return Cast(Round(Sum(F("scores__points") * 10, filter=condition)), IntegerField())


class _Tenths(dict):
    """Whole tenths -> the Decimal with one place (845 -> 84.5, None -> 0.0), each made once."""

    def __missing__(self, tenths):
        value = self[tenths] = ZERO.quantize(POINTS_STEP) if tenths is None else Decimal(tenths).scaleb(-1)
        return value


@dataclass
class CategoryInputs:
    """Some entries of one category as the engine's full computation takes them (every counted sheet with its
    judge and tie-break points), and the sheets not counted with the reason, for the protocol."""

    category: Category
    rules: engine.CategoryRules
    tie_count: int  # the category's, whichever of its entries are loaded
    entries: list[engine.EntryInput]
    excluded: dict[int, list[dict]] = field(default_factory=dict)  # entry id -> sheets not counted, and why
    # What the computation's fast path reads (results.computation.score_category), so that a publication checks
    # the stored results against the very inputs it freezes without reading the sheets twice:
    rows: list[tuple] = field(default_factory=list)  # considered_rows of the category
    totals: dict[int, list[int]] = field(default_factory=dict)  # entry id -> counted totals in tenths, ascending
    tie_tenths: dict[int, list[list]] = field(default_factory=dict)  # entry id -> per counted sheet, tie points
    tie_criteria: dict[int, list[tuple]] = field(default_factory=dict)  # rubric_tie_criteria of the entries


class TotalsOutOfStep(Exception):
    """Submitted sheets whose stored total is not the sum of their points (load_inputs with check_totals)."""

    def __init__(self, sheet_ids: list[int]):
        super().__init__(f"{len(sheet_ids)} sheet totals differ from their points")
        self.sheet_ids = sheet_ids


def load_inputs(categories: list[Category], entry_ids=None, *, check_totals: bool = False) -> list[CategoryInputs]:
    """The engine's full inputs for some categories (or some of their entries), in a fixed number of queries.
    `check_totals`: the query that sums each sheet's tie-break points sums all its points too, and TotalsOutOfStep
    is raised when a submitted sheet's stored total differs (ScoreSheet.total, which the computation reads)."""
    if not categories:
        return []
    entries = considered_rows(categories, entry_ids)
    # The entries asked for: a list of ids, or all those of the categories (a subquery, not 20,000 parameters).
    wanted = (
        [row[0] for row in entries]
        if entry_ids is not None
        else considered_entries().filter(category__in=categories).values("pk")
    )
    tie_criteria = rubric_tie_criteria({rubric for *_, rubric in entries})
    tie_counts = category_tie_counts(categories)

    recused: dict[int, set[int]] = defaultdict(set)
    for entry_id, judge_id in Recusal.objects.filter(lifted_at__isnull=True, entry_id__in=wanted).values_list(
        "entry_id", "judge_id"
    ):
        recused[entry_id].add(judge_id)

    # Each sheet's points on the k-th tie-break criterion of its rubric (the k-th criteria of all rubrics share
    # one conditional sum), in whole tenths.
    sums = {
        f"tie{k}": _tenths(Q(scores__criterion_id__in=[c[k][0] for c in tie_criteria.values() if len(c) > k]))
        for k in range(max((len(c) for c in tie_criteria.values()), default=0))
    }
    if check_totals:
        sums["points"] = _tenths()
    tie_points = {}
    if sums:
        for pk, *ties in (
            ScoreSheet.objects.filter(status=ScoreSheet.Status.SUBMITTED, entry_id__in=wanted)
            .order_by()
            .values("pk")
            .annotate(**sums)
            .values_list("pk", *sums)
        ):
            tie_points[pk] = ties
    tenths = _Tenths()
    out_of_step = []
    counted_tenths: dict[int, list[int]] = defaultdict(list)
    tie_tenths: dict[int, list[list]] = defaultdict(list)

    counted: dict[int, list[engine.Sheet]] = defaultdict(list)
    excluded: dict[int, list[dict]] = defaultdict(list)
    for pk, entry_id, judge_id, rubric_id, total, on_panel, is_recused, judged_on in submitted_sheets(
        categories, None if entry_ids is None else [row[0] for row in entries]
    ).values_list("pk", "entry_id", "judge_id", "rubric_id", "total", "on_panel", "recused", "entry_rubric"):
        total_tenths = int(total.scaleb(1).to_integral_value(ROUND_HALF_UP))
        if check_totals:
            points = tie_points[pk].pop()  # the last sum: all the sheet's points
            if total_tenths != (points or 0):
                out_of_step.append(pk)
        reason = exclusion_reason(on_panel, is_recused, rubric_id == judged_on)
        if reason:
            excluded[entry_id].append({"judge": judge_id, "reason": reason})
            continue
        ties = tie_points.get(pk, ())[: len(tie_criteria.get(rubric_id, ()))]
        counted[entry_id].append(
            engine.Sheet(judge_id=judge_id, total=total, tie_points=tuple(map(tenths.__getitem__, ties)))
        )
        counted_tenths[entry_id].append(total_tenths)
        tie_tenths[entry_id].append(ties)
    if out_of_step:
        raise TotalsOutOfStep(out_of_step)

    inputs = {
        c.pk: CategoryInputs(
            category=c, rules=category_rules(c), tie_count=tie_counts[c.pk], entries=[], tie_criteria=tie_criteria
        )
        for c in categories
    }
    for row in entries:
        entry_id, category_id, venue_id, rubric_id = row
        criteria = tie_criteria.get(rubric_id, ())
        item = inputs[category_id]
        item.rows.append(row)
        if entry_id in counted_tenths:
            item.totals[entry_id] = sorted(counted_tenths[entry_id])
            item.tie_tenths[entry_id] = tie_tenths[entry_id]
        item.entries.append(
            engine.EntryInput(
                entry_id=entry_id,
                venue_id=venue_id,
                sheets=tuple(counted[entry_id]),
                tie_maxima=tuple(m for _c, _n, m in criteria),
                tie_names=tuple(n for _c, n, _m in criteria),
                recused=tuple(sorted(recused[entry_id])),
            )
        )
        if excluded.get(entry_id):
            inputs[category_id].excluded[entry_id] = sorted(excluded[entry_id], key=lambda x: x["judge"])
    return [inputs[c.pk] for c in categories]


def scores_of(item: CategoryInputs) -> CategoryScores:
    """The category's results as the computation gives them (results.computation.score_categories), from the
    inputs loaded here: the same totals, and the tie-break values from the loaded points instead of a query."""
    return score_category(item.category, item.rules, item.rows, item.totals, item.tie_criteria, _LoadedTieValues(item))


class _LoadedTieValues:
    """engine.break_ties' source of tie-break values from loaded inputs: what results.computation._TieValues reads
    from the database (the index-th tie-break criterion's points on the entry's counted sheets; a sheet without a
    score on it adds no value, tie_value_from_tenths counts it 0)."""

    def __init__(self, item: CategoryInputs):
        self.item = item
        self.rubric = {entry_id: rubric for entry_id, _category, _venue, rubric in item.rows}

    def __call__(self, index: int, entry_ids: set[int]) -> dict[int, Decimal]:
        values = {}
        for entry_id in entry_ids:
            criteria = self.item.tie_criteria.get(self.rubric[entry_id], ())
            maximum = criteria[index][2] if index < len(criteria) else None
            sheets = self.item.tie_tenths.get(entry_id, ())
            points = sorted(t[index] for t in sheets if index < len(t) and t[index] is not None)
            values[entry_id] = engine.tie_value_from_tenths(
                points, maximum, sheets=len(sheets), method=self.item.rules.aggregation
            )
        return values


def protocols(results, *, fingerprint: str = "", every_result: bool = False, inputs=None) -> dict[int, dict]:
    """The protocol of each of some stored results (entry id -> protocol): how its score was reached, built with
    the engine from the sheets as they are now, with the stored rank and grade. Where the sheets changed since
    the computation so that the score or the counted sheets differ, the protocol is flagged "changed".
    `every_result`: the results are all those of their categories (a publication): loaded without a list of ids.
    `inputs`: load_inputs' answer for the results' categories, when the caller has loaded it already. The results
    are Result rows or anything with their attributes (entry_id, category_id, venue_id, final_score,
    counted_sheets, rank, grade)."""
    results = list(results)
    if not results:
        return {}
    stored = {r.entry_id: r for r in results}
    if inputs is not None:
        categories = [item.category for item in inputs]
    else:
        categories = list(
            Category.objects.filter(pk__in={r.category_id for r in results})
            .prefetch_related("grade_rules")
            .order_by("position", "pk")
        )
    ranked_in_scope: dict[tuple, int] = defaultdict(int)
    for category_id, venue_id, count in (
        Result.objects.filter(category__in=categories, ranked=True)
        .order_by()
        .values("category_id", "venue_id")
        .annotate(n=Count("pk"))
        .values_list("category_id", "venue_id", "n")
    ):
        ranked_in_scope[(category_id, venue_id)] += count
        ranked_in_scope[(category_id, None)] += count
    built = {}
    with collector_paused():
        if inputs is None:
            inputs = load_inputs(categories, entry_ids=None if every_result else list(stored))
        for item in inputs:
            venue_scope = item.rules.scope == engine.SCOPE_VENUE
            for entry in item.entries:
                result = stored.get(entry.entry_id)
                if result is None:  # an entry considered now, not when the results were computed
                    continue
                computed = engine.score_entry(entry, item.rules, item.tie_count)
                protocol = computed.protocol
                protocol.update(
                    {
                        "excluded": item.excluded.get(entry.entry_id, []),
                        "tie_values": [str(v) for v in computed.tie_values],
                        "scope": item.rules.scope,
                        "scope_ranked": ranked_in_scope[(item.category.pk, result.venue_id if venue_scope else None)],
                        "rank": result.rank,
                        "grade": result.grade,
                        "fingerprint": fingerprint,
                    }
                )
                if (computed.final_score, computed.counted_sheets) != (result.final_score, result.counted_sheets):
                    protocol["flags"] = [*protocol["flags"], ProtocolFlag.CHANGED.value]
                built[entry.entry_id] = protocol
    return built
