"""Property-based tests of the results engine: the order of the inputs never changes the results."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from results import engine
from results.engine import CategoryRules, EntryInput, Grade, Sheet

MAXIMA = (Decimal(15), Decimal(30))
points = st.integers(min_value=0, max_value=150).map(lambda tenths: Decimal(tenths).scaleb(-1))


@st.composite
def an_entry(draw, entry_id):
    count = draw(st.integers(min_value=0, max_value=7))
    sheets = []
    for judge in range(1, count + 1):
        first = draw(points)
        second = draw(points) * 2
        rest = draw(st.integers(min_value=0, max_value=550))
        total = first + second + Decimal(rest).scaleb(-1)
        sheets.append(Sheet(judge_id=judge, total=total, tie_points=(first, second)))
    # Some entries are judged on a rubric with one tie-break criterion only (as innovation results are).
    maxima = draw(st.sampled_from([MAXIMA, MAXIMA[:1]]))
    return EntryInput(
        entry_id=entry_id, venue_id=draw(st.sampled_from([1, 2])), sheets=tuple(sheets), tie_maxima=maxima
    )


@st.composite
def a_category(draw):
    size = draw(st.integers(min_value=1, max_value=12))
    entries = [draw(an_entry(entry_id)) for entry_id in range(1, size + 1)]
    rules = CategoryRules(
        aggregation=draw(st.sampled_from(engine.AGGREGATIONS)),
        min_sheets=draw(st.integers(min_value=1, max_value=4)),
        scope=draw(st.sampled_from([engine.SCOPE_VENUE, engine.SCOPE_CATEGORY])),
        grades=(
            Grade("一等奖", 1, engine.SHARE, draw(st.sampled_from([Decimal("0.1"), Decimal("0.25"), Decimal("0.5")]))),
            Grade("二等奖", 2, engine.TOP_N, Decimal(draw(st.integers(min_value=0, max_value=8)))),
            Grade("三等奖", 3, engine.THRESHOLD, Decimal("60"), floor=Decimal("50")),
        ),
    )
    return rules, entries


def as_comparable(results):
    return {
        entry_id: (r.final_score, r.tie_values, r.ranked, r.rank, r.grade, r.grade_position, r.protocol)
        for entry_id, r in results.items()
    }


@settings(max_examples=150, deadline=None)
@given(category=a_category(), data=st.data())
def test_results_do_not_depend_on_the_order_of_sheets_or_entries(category, data):
    rules, entries = category
    expected = as_comparable(engine.compute_category(rules, entries))

    shuffled = [
        EntryInput(
            entry_id=e.entry_id,
            venue_id=e.venue_id,
            sheets=tuple(data.draw(st.permutations(e.sheets))),
            tie_maxima=e.tie_maxima,
        )
        for e in data.draw(st.permutations(entries))
    ]

    assert as_comparable(engine.compute_category(rules, shuffled)) == expected


@settings(max_examples=100, deadline=None)
@given(category=a_category())
def test_ranks_follow_scores_and_grades_follow_ranks(category):
    rules, entries = category
    results = engine.compute_category(rules, entries)
    scopes = {}
    for r in results.values():
        if r.ranked:
            scopes.setdefault(r.venue_id if rules.scope == engine.SCOPE_VENUE else None, []).append(r)
    for ranked in scopes.values():
        ranked.sort(key=lambda r: r.rank)
        assert ranked[0].rank == 1
        for better, worse in zip(ranked, ranked[1:], strict=False):
            assert (better.final_score, *better.tie_values) >= (worse.final_score, *worse.tie_values)
            # equal keys share a rank; a better key never has a worse rank
            if (better.final_score, *better.tie_values) == (worse.final_score, *worse.tie_values):
                assert better.rank == worse.rank
            # an entry never has a better grade than one ranked above it
            assert (better.grade_position or 99) <= (worse.grade_position or 99)
    for r in results.values():
        if not r.ranked:
            assert (r.rank, r.grade, r.final_score) == (None, "", None)


def fast_path(rules, entries):
    """What results.computation does: final scores from the totals in whole tenths, tie-break values one criterion at
    a time for the entries still equal, then ranks and grades."""
    by_id = {e.entry_id: e for e in entries}

    def values_for(index, entry_ids):
        values = {}
        for entry_id in entry_ids:
            entry = by_id[entry_id]
            known = index < len(entry.tie_maxima)
            values[entry_id] = engine.tie_value_from_tenths(
                sorted(int(s.tie_points[index].scaleb(1)) for s in entry.sheets) if known else [],
                entry.tie_maxima[index] if known else None,
                sheets=len(entry.sheets),
                method=rules.aggregation,
            )
        return values

    results = [
        engine.score_totals(e.entry_id, e.venue_id, sorted(int(s.total.scaleb(1)) for s in e.sheets), rules)
        for e in entries
    ]
    engine.break_ties(rules, results, engine.category_tie_count(entries), values_for)
    engine.rank_and_grade(rules, results)
    return {r.entry_id: r for r in results}


@settings(max_examples=300, deadline=None)
@given(category=a_category())
def test_the_fast_path_ranks_and_grades_like_the_full_computation(category):
    rules, entries = category
    full = engine.compute_category(rules, entries)
    fast = fast_path(rules, entries)

    def outcome(r):
        return (r.counted_sheets, r.final_score, r.ranked, r.rank, r.grade, r.grade_position)

    assert {i: outcome(r) for i, r in fast.items()} == {i: outcome(r) for i, r in full.items()}
    assert all(full[i].tie_values[: len(fast[i].tie_values)] == fast[i].tie_values for i in full)


@settings(max_examples=300, deadline=None)
@given(
    numerator=st.integers(min_value=-(10**7), max_value=10**7), denominator=st.integers(min_value=1, max_value=10**4)
)
def test_integer_half_up_rounding_matches_decimal_half_up(numerator, denominator):
    from decimal import ROUND_HALF_UP, localcontext

    with localcontext() as context:
        context.prec = 60
        expected = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    assert engine._half_up_ratio(numerator, denominator) == expected
