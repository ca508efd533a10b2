"""The results engine of DOMAIN.md section 5: pure computation on Decimal, no database.

The database side (loading sheets, storing results) lives in results/computation.py; this module takes plain
inputs and returns plain outputs so that every rule can be checked by hand in a test.

Exactness: points have one decimal place, so sums are exact in Decimal; averages go through Fraction and are
rounded once, half-up, to 2 places (84.125 -> 84.13). No float is ever involved.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

TRIMMED_MEAN = "trimmed_mean"
MEAN = "mean"
MEDIAN = "median"
AGGREGATIONS = (TRIMMED_MEAN, MEAN, MEDIAN)
TRIM_FROM = 5  # trimmed_mean drops one highest and one lowest from this many sheets on

SHARE = "share"
TOP_N = "top_n"
THRESHOLD = "threshold"

BELOW_MIN_SHEETS = "below_min_sheets"  # the protocol's flag (results.models.ProtocolFlag)

SCOPE_VENUE = "venue"
SCOPE_CATEGORY = "category"

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


# --- inputs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One counted score sheet: its judge, its total and its points on the tie-break criteria (in order)."""

    judge_id: int
    total: Decimal
    tie_points: tuple[Decimal, ...] = ()


@dataclass(frozen=True)
class EntryInput:
    entry_id: int
    venue_id: int | None
    sheets: tuple[Sheet, ...]
    tie_maxima: tuple[Decimal, ...] = ()  # the maximum of each tie-break criterion of the entry's rubric
    tie_names: tuple[str, ...] = ()  # their names, for the protocol
    recused: tuple[int, ...] = ()  # judge ids recused from the entry (for the protocol only)


@dataclass(frozen=True)
class Grade:
    name: str
    position: int
    rule: str
    value: Decimal
    floor: Decimal | None = None


@dataclass(frozen=True)
class CategoryRules:
    aggregation: str = TRIMMED_MEAN
    min_sheets: int = 3
    scope: str = SCOPE_VENUE
    grades: tuple[Grade, ...] = ()


# --- outputs ------------------------------------------------------------------------------------------


@dataclass
class EntryResult:
    entry_id: int
    venue_id: int | None
    counted_sheets: int
    final_score: Decimal | None
    tie_values: tuple[Decimal, ...]
    ranked: bool
    rank: int | None = None
    grade: str = ""
    grade_position: int | None = None
    protocol: dict = field(default_factory=dict)


# --- arithmetic ---------------------------------------------------------------------------------------


def as_fraction(value: Decimal) -> Fraction:
    """A Decimal as an exact Fraction (the fast way: integer ratio, no abstract type checks)."""
    return Fraction(*Decimal(value).as_integer_ratio())


def round_half_up(value, places: int = 2) -> Decimal:
    """Round a Decimal, int or Fraction half-up (away from zero for halves) to `places` decimals, exactly."""
    if type(value) is Fraction:
        return _half_up_ratio(value.numerator, value.denominator, places)
    quantum = Decimal(1).scaleb(-places)
    return Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def _half_up_ratio(numerator: int, denominator: int, places: int = 2) -> Decimal:
    """numerator / denominator (denominator > 0) rounded half-up to `places` decimals, in integers only."""
    scale = 10**places
    whole = (abs(numerator) * scale * 2 + denominator) // (2 * denominator)
    result = Decimal(whole).scaleb(-places)
    return -result if numerator < 0 else result


def averaged(ordered: list, method: str) -> list:
    """The values (sorted ascending) whose mean is the aggregate: all of them for `mean`; for `trimmed_mean`,
    from 5 values on, all but exactly one lowest and one highest; for `median`, the middle one or the two middle
    ones. Every aggregation rule of DOMAIN.md section 5 is here, once, for Decimals and whole tenths alike."""
    if method == MEDIAN:
        middle = len(ordered) // 2
        return ordered[middle : middle + 1] if len(ordered) % 2 else ordered[middle - 1 : middle + 1]
    if method == TRIMMED_MEAN and len(ordered) >= TRIM_FROM:
        return ordered[1:-1]
    return ordered


def aggregate(values: list[Decimal], method: str) -> Fraction:
    """The exact aggregate of some values (sheet totals or one criterion's points) by a category's method."""
    if not values:
        raise ValueError("nothing to aggregate")
    chosen = averaged(sorted(values), method)
    numerator, denominator = sum(chosen, Decimal(0)).as_integer_ratio()
    return Fraction(numerator, denominator * len(chosen))


def aggregate_tenths(ordered_tenths: list[int], method: str) -> tuple[int, int]:
    """The exact aggregate of values given in whole tenths (84.5 -> 845), sorted ascending, as (numerator,
    denominator) in points: the results computation's fast path, the same rule as `aggregate`."""
    if not ordered_tenths:
        raise ValueError("nothing to aggregate")
    chosen = averaged(ordered_tenths, method)
    return sum(chosen), 10 * len(chosen)


def _percentage(numerator: int, denominator: int, maximum: Decimal) -> Decimal:
    """(numerator / denominator) as a percentage of `maximum`, rounded half-up to 2 places:
    (p / q) * 100 / (m / d) = 100 p d / (q m)."""
    max_numerator, max_denominator = Decimal(maximum).as_integer_ratio()
    return _half_up_ratio(numerator * 100 * max_denominator, denominator * max_numerator)


def tie_value(points: list[Decimal], maximum: Decimal, method: str) -> tuple[Fraction, Decimal]:
    """One tie-break criterion of one entry: its points over the counted sheets aggregated by the category's
    method, and that aggregate as a percentage of the criterion's maximum, rounded half-up to 2 places."""
    criterion_aggregate = aggregate(points, method)
    return criterion_aggregate, _percentage(criterion_aggregate.numerator, criterion_aggregate.denominator, maximum)


def tie_value_from_tenths(ordered_tenths: list[int], maximum: Decimal | None, *, sheets: int, method: str) -> Decimal:
    """One tie-break value (as tie_value gives it) from a criterion's points over an entry's `sheets` counted
    sheets in whole tenths, sorted ascending: a counted sheet without a score on it counts 0; a criterion the
    entry's rubric lacks (`maximum` None) gives 0.00."""
    if maximum is None:
        return Decimal("0.00")
    if len(ordered_tenths) < sheets:
        ordered_tenths = [0] * (sheets - len(ordered_tenths)) + list(ordered_tenths)
    return _percentage(*aggregate_tenths(ordered_tenths, method), maximum)


def _fraction_str(value: Fraction) -> str:
    """An exact aggregate for the protocol: a finite decimal when it is one, else 6 places and an ellipsis."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator == 1:
        return str(Decimal(value.numerator) / Decimal(value.denominator))
    return f"{round_half_up(value, 6)}…"


# --- one entry ----------------------------------------------------------------------------------------


def entry_tie_values(entry: EntryInput, rules: CategoryRules, tie_count: int) -> tuple[tuple[Decimal, ...], list]:
    """An entry's `tie_count` tie-break values (0 for criteria its rubric lacks), and their protocol lines."""
    values = []
    lines = []
    for index in range(tie_count):
        if index < len(entry.tie_maxima):
            maximum = Decimal(entry.tie_maxima[index])
            points = [s.tie_points[index] if index < len(s.tie_points) else Decimal(0) for s in entry.sheets]
            criterion_aggregate, value = tie_value(points, maximum, rules.aggregation)
            name = entry.tie_names[index] if index < len(entry.tie_names) else ""
            lines.append(
                {
                    "criterion": name,
                    "aggregate": _fraction_str(criterion_aggregate),
                    "max": str(maximum),
                    "value": str(value),
                }
            )
        else:
            value = Decimal("0.00")
            lines.append({"criterion": "", "aggregate": None, "max": None, "value": str(value)})
        values.append(value)
    return tuple(values), lines


def score_entry(entry: EntryInput, rules: CategoryRules, tie_count: int) -> EntryResult:
    """Final score, tie-break values and protocol of one entry (its rank and grade come later)."""
    sheets = sorted(entry.sheets, key=lambda s: (s.total, s.judge_id))
    count = len(sheets)
    dropped: dict[int, str] = {}
    if rules.aggregation == TRIMMED_MEAN and count >= TRIM_FROM:
        dropped[sheets[0].judge_id] = "low"
        dropped[sheets[-1].judge_id] = "high"
    ranked = count >= rules.min_sheets and count > 0
    final = None
    exact = None
    tie_values: tuple[Decimal, ...] = ()
    tie_protocol = []
    if count:
        exact = aggregate([s.total for s in sheets], rules.aggregation)
    if ranked:
        final = round_half_up(exact)
        tie_values, tie_protocol = entry_tie_values(entry, rules, tie_count)
    kept = [s for s in sheets if s.judge_id not in dropped]
    protocol = {
        "aggregation": rules.aggregation,
        "min_sheets": rules.min_sheets,
        "counted_sheets": count,
        "sheets": [
            {
                "judge": s.judge_id,
                "total": str(s.total),
                "tie_points": [str(p) for p in s.tie_points],
                "dropped": dropped.get(s.judge_id, ""),
            }
            for s in sorted(entry.sheets, key=lambda s: s.judge_id)
        ],
        "recused": sorted(entry.recused),
        "kept_sum": str(sum((s.total for s in kept), Decimal(0))) if rules.aggregation != MEDIAN else None,
        "kept_count": len(kept) if rules.aggregation != MEDIAN else None,
        "exact": _fraction_str(exact) if exact is not None else None,
        "final_score": str(final) if final is not None else None,
        "tie_breaks": tie_protocol,
        "flags": [] if ranked else [BELOW_MIN_SHEETS],
    }
    return EntryResult(
        entry_id=entry.entry_id,
        venue_id=entry.venue_id,
        counted_sheets=count,
        final_score=final,
        tie_values=tie_values,
        ranked=ranked,
        protocol=protocol,
    )


def score_totals(entry_id: int, venue_id: int | None, ordered_tenths: list[int], rules: CategoryRules) -> EntryResult:
    """An entry's final score from its counted sheets' totals in whole tenths, sorted ascending: the results
    computation's fast path (no protocol; tie-break values come from break_ties). Same rules as score_entry."""
    count = len(ordered_tenths)
    ranked = count >= rules.min_sheets and count > 0
    final = _half_up_ratio(*aggregate_tenths(ordered_tenths, rules.aggregation)) if ranked else None
    return EntryResult(
        entry_id=entry_id, venue_id=venue_id, counted_sheets=count, final_score=final, tie_values=(), ranked=ranked
    )


# --- ranking and grades -------------------------------------------------------------------------------


def _sort_key(result: EntryResult):
    return (result.final_score, *result.tie_values)


def rank_scope(results: list[EntryResult]) -> list[EntryResult]:
    """Competition ranking (1, 2, 2, 4) of the ranked results of one scope; returns them best first."""
    ordered = sorted((r for r in results if r.ranked), key=lambda r: (_sort_key(r), -r.entry_id), reverse=True)
    previous_key = None
    rank = 0
    for position, result in enumerate(ordered, start=1):
        key = _sort_key(result)
        if key != previous_key:
            rank = position
            previous_key = key
        result.rank = rank
    return ordered


def cut_rank(ordered: list[EntryResult], k: int) -> int | None:
    """The worst rank admitted when the best k are: the k-th entry's rank, so a tie at the cut is never split."""
    if k <= 0 or not ordered:
        return None
    return ordered[min(k, len(ordered)) - 1].rank


def worst_admitted_rank(grade: Grade, ordered: list[EntryResult]) -> int | None:
    """For a `share` or `top_n` grade, the worst rank it admits in one scope (None: none); for `threshold`, None."""
    n = len(ordered)
    if grade.rule == THRESHOLD:
        return None
    if grade.rule == SHARE:
        k = int(round_half_up(Decimal(grade.value) * n, 0))
    elif grade.rule == TOP_N:
        k = min(n, int(grade.value))
    else:
        raise ValueError(f"unknown grade rule {grade.rule!r}")
    return cut_rank(ordered, k)


def grade_admits(grade: Grade, result: EntryResult, worst_rank: int | None) -> bool:
    """Whether a grade admits a ranked result, given worst_admitted_rank(grade, the result's scope)."""
    if grade.floor is not None and result.final_score < grade.floor:
        return False
    if grade.rule == THRESHOLD:
        return result.final_score >= grade.value
    return worst_rank is not None and result.rank <= worst_rank


def grade_scope(ordered: list[EntryResult], grades: tuple[Grade, ...]) -> None:
    """Give each ranked result of one scope the best grade whose cumulative rule admits it."""
    by_position = [(grade, worst_admitted_rank(grade, ordered)) for grade in sorted(grades, key=lambda g: g.position)]
    for result in ordered:
        for grade, worst_rank in by_position:
            if grade_admits(grade, result, worst_rank):
                result.grade = grade.name
                result.grade_position = grade.position
                break


def _scope(result: EntryResult, rules: CategoryRules):
    return result.venue_id if rules.scope == SCOPE_VENUE else None


def tied_entries(rules: CategoryRules, results: list[EntryResult]) -> set[int]:
    """The ranked entries that another ranked entry of their scope equals on the final score and on every
    tie-break value found so far: only these need their next tie-break value to be ranked."""
    seen: dict[tuple, int] = {}
    tied: set[int] = set()
    for result in results:
        if not result.ranked:
            continue
        key = (_scope(result, rules), result.final_score, *result.tie_values)
        other = seen.setdefault(key, result.entry_id)
        if other != result.entry_id:
            tied.update((other, result.entry_id))
    return tied


def break_ties(rules: CategoryRules, results: list[EntryResult], tie_count: int, values_for) -> None:
    """Give the tied results the tie-break values that order them, one criterion at a time: the k-th value only
    to the entries still equal on the score and the first k - 1 values, from `values_for(k, entry_ids)` (entry
    id -> value). What rank_and_grade then decides is what it decides with every value of every entry
    (compute_category): an entry of a score of its own is ordered by its score alone."""
    candidates = results
    for index in range(tie_count):
        tied = tied_entries(rules, candidates)
        if not tied:
            return
        values = values_for(index, tied)
        candidates = [result for result in candidates if result.entry_id in tied]
        for result in candidates:
            result.tie_values = (*result.tie_values, values[result.entry_id])


def rank_and_grade(rules: CategoryRules, results: list[EntryResult]) -> dict[object, int]:
    """Rank the results within their scopes and give grades; returns each scope's number of ranked entries.

    Tie-break values are compared only between entries equal on everything before them, so an entry may have
    fewer than others (see break_ties)."""
    scopes: dict[object, list[EntryResult]] = defaultdict(list)
    for result in results:
        scopes[_scope(result, rules)].append(result)
    ranked_counts = {}
    for scope, scope_results in scopes.items():
        ordered = rank_scope(scope_results)
        grade_scope(ordered, rules.grades)
        ranked_counts[scope] = len(ordered)
    return ranked_counts


def category_tie_count(entries: list[EntryInput]) -> int:
    """How many tie-break values every entry of a category has: the most tie-break criteria of its rubrics."""
    return max((len(e.tie_maxima) for e in entries), default=0)


def compute_category(
    rules: CategoryRules, entries: list[EntryInput], tie_count: int | None = None
) -> dict[int, EntryResult]:
    """Every entry's result in one category, with its protocol: score, rank in its scope, grade.

    `tie_count` is the category's (category_tie_count of all its entries) when `entries` are only some of them."""
    if rules.aggregation not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {rules.aggregation!r}")
    if tie_count is None:
        tie_count = category_tie_count(entries)
    results = [score_entry(entry, rules, tie_count) for entry in entries]
    ranked_counts = rank_and_grade(rules, results)
    for result in results:
        result.protocol.update(
            {
                "tie_values": [str(v) for v in result.tie_values],
                "scope": rules.scope,
                "scope_ranked": ranked_counts[_scope(result, rules)],
                "rank": result.rank,
                "grade": result.grade,
            }
        )
    return {result.entry_id: result for result in results}


# --- panel statistics ---------------------------------------------------------------------------------


@dataclass
class JudgeLeniency:
    judge_id: int
    sheets: int
    mean_deviation: Decimal


@dataclass
class PanelStatistics:
    sheets: int
    mean: Decimal | None
    spread: Decimal | None  # population standard deviation of the sheet totals
    lowest: Decimal | None
    highest: Decimal | None
    judges: list[JudgeLeniency]


def panel_statistics(entries: list[EntryInput]) -> PanelStatistics:
    """Mean and spread of a venue's sheet totals, and each judge's average deviation from the entry's median.

    A positive deviation is a lenient judge, a negative one a harsh judge.
    """
    totals = [s.total for e in entries for s in e.sheets]
    deviations: dict[int, list[Fraction]] = defaultdict(list)
    for entry in entries:
        if not entry.sheets:
            continue
        median = aggregate([s.total for s in entry.sheets], MEDIAN)
        for sheet in entry.sheets:
            deviations[sheet.judge_id].append(as_fraction(sheet.total) - median)
    judges = [
        JudgeLeniency(judge_id=judge, sheets=len(values), mean_deviation=round_half_up(sum(values) / len(values)))
        for judge, values in sorted(deviations.items())
    ]
    if not totals:
        return PanelStatistics(sheets=0, mean=None, spread=None, lowest=None, highest=None, judges=judges)
    mean = as_fraction(sum(totals, Decimal(0))) / len(totals)
    variance = sum((as_fraction(t) - mean) ** 2 for t in totals) / len(totals)
    spread = (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()
    return PanelStatistics(
        sheets=len(totals),
        mean=round_half_up(mean),
        spread=round_half_up(spread),
        lowest=min(totals),
        highest=max(totals),
        judges=judges,
    )
