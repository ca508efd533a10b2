"""The protocol of a result (DOMAIN.md section 5): how its score was reached, built when it is shown or published.

The computation (results.computation) stores scores, ranks and grades only; the protocol (each sheet's total and
judge, which were dropped, the tie-break values, the sheets not counted and why) is built here with the same
engine from the sheets as they are, for the results pages and for each publication, which freezes it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, IntegerField, Q, Sum
from django.db.models.functions import Cast, Round

from events.models import POINTS_STEP, Category
from results import engine
from results.computation import (
    category_rules,
    category_tie_counts,
    collector_paused,
    considered_entries,
    considered_rows,
    exclusion_reason,
    rubric_tie_criteria,
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


def load_inputs(categories: list[Category], entry_ids=None) -> list[CategoryInputs]:
    """The engine's full inputs for some categories (or some of their entries), in a fixed number of queries."""
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

    counted: dict[int, list[engine.Sheet]] = defaultdict(list)
    excluded: dict[int, list[dict]] = defaultdict(list)
    for pk, entry_id, judge_id, rubric_id, total, on_panel, is_recused, judged_on in submitted_sheets(
        categories, None if entry_ids is None else [row[0] for row in entries]
    ).values_list("pk", "entry_id", "judge_id", "rubric_id", "total", "on_panel", "recused", "entry_rubric"):
        reason = exclusion_reason(on_panel, is_recused, rubric_id == judged_on)
        if reason:
            excluded[entry_id].append({"judge": judge_id, "reason": reason})
            continue
        ties = tie_points.get(pk, ())[: len(tie_criteria.get(rubric_id, ()))]
        counted[entry_id].append(
            engine.Sheet(judge_id=judge_id, total=total, tie_points=tuple(map(tenths.__getitem__, ties)))
        )

    inputs = {
        c.pk: CategoryInputs(category=c, rules=category_rules(c), tie_count=tie_counts[c.pk], entries=[])
        for c in categories
    }
    for entry_id, category_id, venue_id, rubric_id in entries:
        criteria = tie_criteria.get(rubric_id, ())
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
        if excluded.get(entry_id):
            inputs[category_id].excluded[entry_id] = sorted(excluded[entry_id], key=lambda x: x["judge"])
    return [inputs[c.pk] for c in categories]


def protocols(results, *, fingerprint: str = "", every_result: bool = False) -> dict[int, dict]:
    """The protocol of each of some stored results (entry id -> protocol): how its score was reached, built with
    the engine from the sheets as they are now, with the stored rank and grade. Where the sheets changed since
    the computation so that the score or the counted sheets differ, the protocol is flagged "changed".
    `every_result`: the results are all those of their categories (a publication): loaded without a list of ids."""
    results = list(results)
    if not results:
        return {}
    stored = {r.entry_id: r for r in results}
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
        for item in load_inputs(categories, entry_ids=None if every_result else list(stored)):
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
