"""The results engine of DOMAIN.md section 5: pure computation on Decimal, no database.

The database side (loading sheets, storing results) lives in scoring/results.py; this module takes plain
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


def _median(values: list) -> Fraction:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return as_fraction(ordered[middle])
    numerator, denominator = (ordered[middle - 1] + ordered[middle]).as_integer_ratio()
    return Fraction(numerator, denominator * 2)


def aggregate(values: list[Decimal], method: str) -> Fraction:
    """The exact aggregate of some values (sheet totals or one criterion's points) by a category's method."""
    if not values:
        raise ValueError("nothing to aggregate")
    if method == MEDIAN:
        return _median(values)
    kept = trimmed(values) if method == TRIMMED_MEAN else list(values)
    numerator, denominator = sum(kept, Decimal(0)).as_integer_ratio()
    return Fraction(numerator, denominator * len(kept))


def trimmed(values: list[Decimal]) -> list[Decimal]:
    """Values kept by trimmed_mean: with at least 5, drop exactly one highest and one lowest."""
    if len(values) < TRIM_FROM:
        return list(values)
    ordered = sorted(values)
    return ordered[1:-1]


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
        values = []
        for index in range(tie_count):
            if index < len(entry.tie_maxima):
                maximum = Decimal(entry.tie_maxima[index])
                points = [s.tie_points[index] if index < len(s.tie_points) else Decimal(0) for s in sheets]
                criterion_aggregate = aggregate(points, rules.aggregation)
                # aggregate / maximum as a percentage: (p / q) * 100 / (m / d) = 100 p d / (q m)
                max_numerator, max_denominator = maximum.as_integer_ratio()
                value = _half_up_ratio(
                    criterion_aggregate.numerator * 100 * max_denominator,
                    criterion_aggregate.denominator * max_numerator,
                )
                name = entry.tie_names[index] if index < len(entry.tie_names) else ""
                tie_protocol.append(
                    {
                        "criterion": name,
                        "aggregate": _fraction_str(criterion_aggregate),
                        "max": str(maximum),
                        "value": str(value),
                    }
                )
            else:
                value = Decimal("0.00")
                tie_protocol.append({"criterion": "", "aggregate": None, "max": None, "value": str(value)})
            values.append(value)
        tie_values = tuple(values)
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
        "flags": [] if ranked else ["below_min_sheets"],
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


def grade_admits(grade: Grade, result: EntryResult, ordered: list[EntryResult]) -> bool:
    if grade.floor is not None and result.final_score < grade.floor:
        return False
    if grade.rule == THRESHOLD:
        return result.final_score >= grade.value
    n = len(ordered)
    if grade.rule == SHARE:
        k = int(round_half_up(Decimal(grade.value) * n, 0))
    elif grade.rule == TOP_N:
        k = min(n, int(grade.value))
    else:
        raise ValueError(f"unknown grade rule {grade.rule!r}")
    worst = cut_rank(ordered, k)
    return worst is not None and result.rank <= worst


def grade_scope(ordered: list[EntryResult], grades: tuple[Grade, ...]) -> None:
    """Give each ranked result of one scope the best grade whose cumulative rule admits it."""
    by_position = sorted(grades, key=lambda g: g.position)
    for result in ordered:
        for grade in by_position:
            if grade_admits(grade, result, ordered):
                result.grade = grade.name
                result.grade_position = grade.position
                break


def compute_category(rules: CategoryRules, entries: list[EntryInput]) -> dict[int, EntryResult]:
    """Every entry's result in one category: score, rank in its scope, grade, protocol."""
    if rules.aggregation not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {rules.aggregation!r}")
    tie_count = max((len(e.tie_maxima) for e in entries), default=0)
    results = [score_entry(entry, rules, tie_count) for entry in entries]
    scopes: dict[object, list[EntryResult]] = defaultdict(list)
    for result in results:
        scopes[result.venue_id if rules.scope == SCOPE_VENUE else None].append(result)
    for scope_results in scopes.values():
        ordered = rank_scope(scope_results)
        grade_scope(ordered, rules.grades)
        ranked_count = len(ordered)
        for result in scope_results:
            result.protocol.update(
                {
                    "tie_values": [str(v) for v in result.tie_values],
                    "scope": rules.scope,
                    "scope_ranked": ranked_count,
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
        median = _median([s.total for s in entry.sheets])
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
