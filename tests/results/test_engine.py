"""The results engine against hand-computed expectations (DOMAIN.md section 5)."""

from decimal import Decimal as D
from fractions import Fraction

import pytest

from results import engine
from results.engine import CategoryRules, EntryInput, Grade, Sheet


def sheets(*totals, ties=None):
    """Sheets of judges 1, 2, 3... with the given totals (and tie-break points per sheet)."""
    return tuple(
        Sheet(judge_id=n, total=D(str(t)), tie_points=tuple(D(str(p)) for p in (ties[n - 1] if ties else ())))
        for n, t in enumerate(totals, start=1)
    )


def entry(entry_id, *totals, venue=1, ties=None, maxima=(), recused=()):
    return EntryInput(
        entry_id=entry_id,
        venue_id=venue,
        sheets=sheets(*totals, ties=ties),
        tie_maxima=tuple(D(str(m)) for m in maxima),
        recused=recused,
    )


def compute(entries, **rules):
    return engine.compute_category(CategoryRules(**rules), entries)


# --- rounding and aggregation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("84.125"), D("84.13")),
        (D("84.124"), D("84.12")),
        (D("84.135"), D("84.14")),
        (Fraction(841, 10), D("84.10")),
        (Fraction(25525, 300), D("85.08")),  # 85.083333...
        (Fraction(1, 8), D("0.13")),  # 0.125: half-up, not banker's 0.12
    ],
)
def test_round_half_up_rounds_halves_up(value, expected):
    assert engine.round_half_up(value) == expected


def test_trimmed_mean_with_tied_highest_drops_exactly_one_of_them():
    # 90.0, 90.0, 85.5, 80.0, 70.0: drop one 90.0 and the 70.0 -> (90 + 85.5 + 80) / 3 = 85.1666... -> 85.17
    result = compute([entry(1, "90.0", "90.0", "85.5", "80.0", "70.0")])[1]

    assert result.final_score == D("85.17")
    dropped = {s["judge"]: s["dropped"] for s in result.protocol["sheets"]}
    assert dropped == {1: "", 2: "high", 3: "", 4: "", 5: "low"}
    assert result.protocol["kept_sum"] == "255.5"
    assert result.protocol["kept_count"] == 3


def test_trimmed_mean_with_all_totals_equal_drops_one_each_and_keeps_three():
    result = compute([entry(1, 80, 80, 80, 80, 80)])[1]

    assert result.final_score == D("80.00")
    assert [s["dropped"] for s in result.protocol["sheets"]].count("") == 3


def test_trimmed_mean_with_fewer_than_five_sheets_averages_all():
    # (88 + 82 + 79 + 91) / 4 = 85.00
    result = compute([entry(1, 88, 82, 79, 91)])[1]

    assert result.final_score == D("85.00")
    assert all(s["dropped"] == "" for s in result.protocol["sheets"])
    assert result.protocol["kept_count"] == 4


def test_trimmed_mean_of_six_sheets_keeps_four():
    # drop 95 and 60: (88 + 84 + 80 + 79) / 4 = 82.75
    assert compute([entry(1, 95, 88, 84, 80, 79, 60)])[1].final_score == D("82.75")


def test_mean_of_a_half_cent_result_rounds_half_up():
    # (84.1 + 84.1 + 84.2 + 84.1) / 4 = 84.125 -> 84.13
    result = compute([entry(1, "84.1", "84.1", "84.2", "84.1")], aggregation="mean")[1]

    assert result.final_score == D("84.13")
    assert result.protocol["exact"] == "84.125"


def test_trimmed_mean_of_a_half_cent_result_rounds_half_up():
    # drop 99.0 and 10.0, keep 84.1 + 84.1 + 84.2 + 84.1 = 336.5 / 4 = 84.125 -> 84.13
    result = compute([entry(1, "99.0", "84.1", "84.1", "84.2", "84.1", "10.0")])[1]

    assert result.final_score == D("84.13")


def test_mean_uses_every_sheet_even_with_five():
    # (90 + 90 + 85.5 + 80 + 70) / 5 = 83.10
    assert compute([entry(1, 90, 90, "85.5", 80, 70)], aggregation="mean")[1].final_score == D("83.10")


def test_median_of_an_odd_count_is_the_middle_total():
    assert compute([entry(1, 70, 95, "83.5", 80, 90)], aggregation="median")[1].final_score == D("83.50")


def test_median_of_an_even_count_is_the_mean_of_the_two_middle_totals():
    # middle of 70, 80.5, 83.2, 95 is (80.5 + 83.2) / 2 = 81.85
    assert compute([entry(1, 70, "83.2", "80.5", 95)], aggregation="median")[1].final_score == D("81.85")


def test_repeating_average_is_rounded_once():
    # (85.1 + 85.0 + 85.2) / 3 = 85.1 exactly; (85.1 + 85.1 + 85.2) / 3 = 85.1333... -> 85.13
    assert compute([entry(1, "85.1", "85.1", "85.2")])[1].final_score == D("85.13")
    # (80.1 + 80.0 + 80.0) / 3 = 80.0333... -> 80.03
    assert compute([entry(1, "80.1", "80.0", "80.0")])[1].final_score == D("80.03")


# --- minimum sheets ---------------------------------------------------------------------------------


def test_entry_below_minimum_sheets_is_not_ranked_and_gets_no_grade():
    grades = (Grade("标杆", 1, engine.SHARE, D("1")),)
    results = compute([entry(1, 90, 80), entry(2, 70, 70, 70)], min_sheets=3, grades=grades)

    assert results[1].ranked is False
    assert results[1].final_score is None
    assert results[1].rank is None
    assert results[1].grade == ""
    assert results[1].protocol["flags"] == ["below_min_sheets"]
    assert results[1].protocol["exact"] == "85"  # what the two sheets would give, for the organiser
    assert results[2].rank == 1
    assert results[2].grade == "标杆"
    assert results[2].protocol["scope_ranked"] == 1


def test_entry_without_sheets_is_not_ranked():
    result = compute([entry(1)], min_sheets=1)[1]

    assert (result.ranked, result.final_score, result.counted_sheets) == (False, None, 0)


def test_minimum_sheets_is_configurable():
    result = compute([entry(1, 90, 80)], min_sheets=2)[1]

    assert (result.ranked, result.final_score, result.rank) == (True, D("85.00"), 1)


# --- ties -------------------------------------------------------------------------------------------

TIES = {"maxima": (15, 30)}


def test_tie_broken_by_the_first_tie_break_criterion():
    # Both 85.00. A: 选题 12/15 = 80.00%; B: 13/15 = 86.67% -> B first.
    a = entry(1, 85, 85, 85, ties=[(12, 25)] * 3, **TIES)
    b = entry(2, 85, 85, 85, ties=[(13, 20)] * 3, **TIES)
    results = compute([a, b])

    assert results[1].tie_values == (D("80.00"), D("83.33"))
    assert results[2].tie_values == (D("86.67"), D("66.67"))
    assert (results[2].rank, results[1].rank) == (1, 2)


def test_tie_broken_by_the_second_tie_break_criterion():
    # Both 85.00 and 选题 80.00%; 原因分析 25/30 = 83.33% against 26/30 = 86.67% -> C first.
    a = entry(1, 85, 85, 85, ties=[(12, 25)] * 3, **TIES)
    c = entry(3, 85, 85, 85, ties=[(12, 26)] * 3, **TIES)
    results = compute([a, c])

    assert results[3].tie_values == (D("80.00"), D("86.67"))
    assert (results[3].rank, results[1].rank) == (1, 2)


def test_tie_that_stays_shared_gives_competition_ranks():
    same = [(12, 25)] * 3
    results = compute(
        [
            entry(1, 90, 90, 90, ties=same, **TIES),
            entry(2, 85, 85, 85, ties=same, **TIES),
            entry(3, 85, 85, 85, ties=same, **TIES),
            entry(4, 80, 80, 80, ties=same, **TIES),
        ]
    )

    assert [results[n].rank for n in (1, 2, 3, 4)] == [1, 2, 2, 4]


def test_tie_break_value_is_aggregated_by_the_category_method_on_its_own():
    # Totals drop judges 5 (high) and 1 (low); 选题 points drop their own 15 and 3:
    # (10 + 12 + 12) / 3 = 11.333... of 15 = 75.555...% -> 75.56
    result = compute(
        [entry(1, 70, 80, 85, 86, 90, ties=[(15,), (3,), (10,), (12,), (12,)], maxima=(15,))],
    )[1]

    assert result.tie_values == (D("75.56"),)
    assert result.protocol["tie_breaks"][0]["aggregate"] == "11.333333…"


def test_tie_break_values_compare_rubrics_by_percentage_of_the_maximum():
    # Innovation 选题 16/20 = 80% equals problem-solving 12/15 = 80%; then 24/30 = 80% against 27/30 = 90%.
    innovation = entry(1, 85, 85, 85, ties=[(16, 24)] * 3, maxima=(20, 30))
    problem_solving = entry(2, 85, 85, 85, ties=[(12, 27)] * 3, maxima=(15, 30))
    results = compute([innovation, problem_solving])

    assert results[1].tie_values == (D("80.00"), D("80.00"))
    assert (results[2].rank, results[1].rank) == (1, 2)


def test_rubric_with_fewer_tie_break_criteria_counts_zero_for_the_missing_ones():
    short = entry(1, 85, 85, 85, ties=[(12,)] * 3, maxima=(15,))
    full = entry(2, 85, 85, 85, ties=[(12, 1)] * 3, maxima=(15, 30))
    results = compute([short, full])

    assert results[1].tie_values == (D("80.00"), D("0.00"))
    assert results[2].tie_values == (D("80.00"), D("3.33"))
    assert (results[2].rank, results[1].rank) == (1, 2)


def test_ranking_compares_rounded_scores():
    # 85.004 and 85.001 both round to 85.00: equal, and equal tie-break values -> shared rank
    a = entry(1, "85.0", "85.0", "85.0")
    b = entry(2, "85.1", "85.0", "84.9")
    results = compute([a, b])

    assert results[1].final_score == results[2].final_score == D("85.00")
    assert results[1].rank == results[2].rank == 1


# --- grades -----------------------------------------------------------------------------------------


def four_with_a_tie(**extra):
    # ranks 1, 2, 2, 4 with finals 90, 85, 85, 80
    return [entry(1, 90, 90, 90), entry(2, 85, 85, 85), entry(3, 85, 85, 85), entry(4, 80, 80, 80)]


def test_share_that_lands_inside_a_tie_admits_the_whole_tie():
    # 0.5 x 4 = 2: the 2nd entry has rank 2, so both entries ranked 2 get in -> 3 benchmarks
    grades = (Grade("标杆", 1, engine.SHARE, D("0.5")),)
    results = compute(four_with_a_tie(), grades=grades)

    assert [results[n].grade for n in (1, 2, 3, 4)] == ["标杆", "标杆", "标杆", ""]


def test_share_is_rounded_half_up():
    # 0.5 x 31 = 15.5 -> 16 entries
    grades = (Grade("标杆", 1, engine.SHARE, D("0.5")),)
    entries = [entry(n, 60 + n, 60 + n, 60 + n) for n in range(1, 32)]
    results = compute(entries, grades=grades)

    assert sum(1 for r in results.values() if r.grade) == 16
    assert results[16].grade == "标杆" and results[15].grade == ""


def test_floor_refuses_an_entry_its_share_admits():
    # 0.5 x 4 = 2 admits 90 and 85 (and its tie), but the floor 86.00 keeps only 90
    grades = (Grade("标杆", 1, engine.SHARE, D("0.5"), floor=D("86.00")),)
    results = compute(four_with_a_tie(), grades=grades)

    assert [results[n].grade for n in (1, 2, 3, 4)] == ["标杆", "", "", ""]


def test_floor_refused_entry_can_still_get_a_lower_grade():
    grades = (
        Grade("一等奖", 1, engine.SHARE, D("0.5"), floor=D("86.00")),
        Grade("二等奖", 2, engine.SHARE, D("0.75")),
    )
    results = compute(four_with_a_tie(), grades=grades)

    assert [results[n].grade for n in (1, 2, 3, 4)] == ["一等奖", "二等奖", "二等奖", ""]
    assert [results[n].grade_position for n in (1, 2, 3, 4)] == [1, 2, 2, None]


def test_cumulative_grades_give_each_entry_the_best_grade_admitting_it():
    # 10 entries; 一等奖 share 0.1 -> 1, 二等奖 share 0.4 -> the top 4 are 二等奖 or better, 三等奖 top_n 7
    grades = (
        Grade("一等奖", 1, engine.SHARE, D("0.1")),
        Grade("二等奖", 2, engine.SHARE, D("0.4")),
        Grade("三等奖", 3, engine.TOP_N, D("7")),
    )
    results = compute([entry(n, 100 - n, 100 - n, 100 - n) for n in range(1, 11)], grades=grades)

    assert [results[n].grade for n in range(1, 11)] == ["一等奖"] + ["二等奖"] * 3 + ["三等奖"] * 3 + [""] * 3


def test_top_n_never_splits_a_tie_and_caps_at_the_ranked_count():
    grades = (Grade("优秀", 1, engine.TOP_N, D("2")),)
    assert [compute(four_with_a_tie(), grades=grades)[n].grade for n in (1, 2, 3, 4)] == ["优秀"] * 3 + [""]
    grades = (Grade("优秀", 1, engine.TOP_N, D("10")),)
    assert all(r.grade == "优秀" for r in compute(four_with_a_tie(), grades=grades).values())


def test_threshold_admits_final_scores_at_or_above_the_value():
    grades = (Grade("优秀", 1, engine.THRESHOLD, D("85.00")),)
    results = compute(four_with_a_tie(), grades=grades)

    assert [results[n].grade for n in (1, 2, 3, 4)] == ["优秀", "优秀", "优秀", ""]


def test_share_of_zero_admits_nobody():
    grades = (Grade("特等奖", 1, engine.SHARE, D("0")),)
    assert all(r.grade == "" for r in compute(four_with_a_tie(), grades=grades).values())


def test_grades_count_only_ranked_entries():
    # 3 ranked + 1 below the minimum: N = 3, 0.5 x 3 = 1.5 -> 2
    grades = (Grade("标杆", 1, engine.SHARE, D("0.5")),)
    entries = [entry(1, 90, 90, 90), entry(2, 85, 85, 85), entry(3, 80, 80, 80), entry(4, 99)]
    results = compute(entries, grades=grades)

    assert [results[n].grade for n in (1, 2, 3, 4)] == ["标杆", "标杆", "", ""]


# --- scope ------------------------------------------------------------------------------------------


def two_venues():
    return [
        entry(1, 90, 90, 90, venue=10),
        entry(2, 80, 80, 80, venue=10),
        entry(3, 88, 88, 88, venue=20),
        entry(4, 70, 70, 70, venue=20),
    ]


def test_venue_scope_ranks_and_grades_within_each_venue():
    grades = (Grade("标杆", 1, engine.SHARE, D("0.5")),)
    results = compute(two_venues(), scope=engine.SCOPE_VENUE, grades=grades)

    assert [results[n].rank for n in (1, 2, 3, 4)] == [1, 2, 1, 2]
    assert [results[n].grade for n in (1, 2, 3, 4)] == ["标杆", "", "标杆", ""]


def test_category_scope_ranks_and_grades_across_venues():
    grades = (Grade("标杆", 1, engine.SHARE, D("0.5")),)
    results = compute(two_venues(), scope=engine.SCOPE_CATEGORY, grades=grades)

    assert [results[n].rank for n in (1, 2, 3, 4)] == [1, 3, 2, 4]
    assert [results[n].grade for n in (1, 2, 3, 4)] == ["标杆", "", "标杆", ""]
    assert results[1].protocol["scope_ranked"] == 4


# --- protocol and statistics ---------------------------------------------------------------------------


def test_protocol_lists_sheets_drops_recusals_and_tie_breaks():
    item = EntryInput(
        entry_id=7,
        venue_id=1,
        sheets=sheets(70, 80, 85, 86, 90, ties=[(3,), (10,), (12,), (12,), (15,)]),
        tie_maxima=(D("15"),),
        tie_names=("选题",),
        recused=(42,),
    )
    protocol = compute([item])[7].protocol

    assert protocol["counted_sheets"] == 5
    assert protocol["recused"] == [42]
    assert protocol["sheets"][0] == {"judge": 1, "total": "70", "tie_points": ["3"], "dropped": "low"}
    assert protocol["kept_sum"] == "251"
    assert protocol["final_score"] == "83.67"
    assert protocol["tie_breaks"] == [{"criterion": "选题", "aggregate": "11.333333…", "max": "15", "value": "75.56"}]
    assert protocol["rank"] == 1


def test_panel_statistics_give_mean_spread_and_each_judges_deviation_from_the_median():
    # entry 1: totals 80, 84, 90 (median 84): deviations -4, 0, +6
    # entry 2: totals 70, 76, 73 (median 73): deviations -3, +3, 0
    entries = [entry(1, 80, 84, 90), entry(2, 70, 76, 73)]
    stats = engine.panel_statistics(entries)

    assert stats.sheets == 6
    assert stats.mean == D("78.83")  # 473 / 6 = 78.8333...
    # population variance: squared deviations from 78.8333.. sum to 272.8333.., / 6 = 45.4722.. -> sd 6.7433..
    assert stats.spread == D("6.74")
    assert (stats.lowest, stats.highest) == (D("70"), D("90"))
    assert [(j.judge_id, j.sheets, j.mean_deviation) for j in stats.judges] == [
        (1, 2, D("-3.50")),
        (2, 2, D("1.50")),
        (3, 2, D("3.00")),
    ]


def test_panel_statistics_of_an_empty_venue():
    stats = engine.panel_statistics([entry(1)])

    assert (stats.sheets, stats.mean, stats.spread, stats.judges) == (0, None, None, [])


def test_unknown_aggregation_is_refused():
    with pytest.raises(ValueError):
        compute([entry(1, 80, 80, 80)], aggregation="max")
