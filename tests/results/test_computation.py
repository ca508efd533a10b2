"""The results service on the database: counted sheets, storing, fingerprints, runs and publication."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from results import computation, runs
from results.models import Result, ResultRun
from scoring.models import ScoreSheet
from submissions.models import Entry
from tests import factories, scenarios

pytestmark = pytest.mark.django_db


def test_recused_judge_is_not_counted():
    category = scenarios.category()
    venue, judges = scenarios.venue(category)
    item = scenarios.scored_entry(venue, judges, [90, 86, 84, 80, 60])
    factories.RecusalFactory(entry=item, judge=judges[4])

    computation.compute_results(category=category)

    result = Result.objects.get(entry=item)
    # judge 5 recused: 4 sheets, fewer than 5, so no trimming: (90 + 86 + 84 + 80) / 4 = 85.00
    assert result.counted_sheets == 4
    assert result.final_score == D("85.00")
    assert scenarios.protocol_of(result)["recused"] == [judges[4].pk]
    assert scenarios.protocol_of(result)["excluded"] == [{"judge": judges[4].pk, "reason": "recused"}]


def test_lifted_recusal_counts_the_judge_again():
    category = scenarios.category()
    venue, judges = scenarios.venue(category)
    item = scenarios.scored_entry(venue, judges, [90, 86, 84, 80, 60])
    factories.RecusalFactory(entry=item, judge=judges[4], lifted_at=timezone.now())

    computation.compute_results(category=category)

    result = Result.objects.get(entry=item)
    # 5 sheets: drop 90 and 60 -> (86 + 84 + 80) / 3 = 83.33
    assert (result.counted_sheets, result.final_score) == (5, D("83.33"))
    assert scenarios.protocol_of(result)["recused"] == []


def test_drafts_and_judges_off_the_panel_are_not_counted():
    category = scenarios.category()
    venue, judges = scenarios.venue(category, judges=4)
    item = scenarios.scored_entry(venue, judges[:3], [90, 80, 70])
    scenarios.score(item, judges[3], 10, status=ScoreSheet.Status.DRAFT)
    outsider = factories.JudgeFactory()
    scenarios.score(item, outsider, 5)

    computation.compute_results(category=category)

    result = Result.objects.get(entry=item)
    assert (result.counted_sheets, result.final_score) == (3, D("80.00"))
    assert scenarios.protocol_of(result)["excluded"] == [{"judge": outsider.pk, "reason": "not_on_panel"}]


def test_entry_below_minimum_is_stored_unranked_and_flagged():
    category = scenarios.category(min_sheets=3, grades=[("标杆", "share", "1")])
    venue, judges = scenarios.venue(category)
    short = scenarios.scored_entry(venue, judges, [90, 95])
    full = scenarios.scored_entry(venue, judges, [70, 70, 70])

    computation.compute_results(category=category)

    short_result = Result.objects.get(entry=short)
    assert (short_result.ranked, short_result.rank, short_result.final_score, short_result.grade) == (
        False,
        None,
        None,
        "",
    )
    assert scenarios.protocol_of(short_result)["flags"] == ["below_min_sheets"]
    assert Result.objects.get(entry=full).rank == 1


def test_only_accepted_entries_with_a_venue_get_results_and_stale_results_go():
    category = scenarios.category()
    venue, judges = scenarios.venue(category)
    item = scenarios.scored_entry(venue, judges, [80, 80, 80])
    scenarios.entry(venue, status=Entry.Status.SUBMITTED)
    computation.compute_results(category=category)
    assert list(Result.objects.values_list("entry_id", flat=True)) == [item.pk]

    Entry.objects.filter(pk=item.pk).update(status=Entry.Status.DEFERRED)
    computation.compute_results(category=category)

    assert Result.objects.count() == 0


def test_tie_break_through_the_database_uses_criteria_marked_breaks_ties():
    category = scenarios.category()
    venue, judges = scenarios.venue(category, judges=3)
    # Both 85.00; 选题 12/15 = 80.00% against 13/15 = 86.67%
    a = scenarios.scored_entry(venue, judges, [85, 85, 85], ties=(12, 25))
    b = scenarios.scored_entry(venue, judges, [85, 85, 85], ties=(13, 20))

    computation.compute_results(category=category)

    ra, rb = Result.objects.get(entry=a), Result.objects.get(entry=b)
    assert (rb.rank, ra.rank) == (1, 2)
    assert scenarios.protocol_of(ra)["tie_values"] == ["80.00", "83.33"]
    assert [t["criterion"] for t in scenarios.protocol_of(ra)["tie_breaks"]] == ["选题", "原因分析"]


def test_entries_equal_on_the_first_tie_break_criterion_are_ordered_by_the_second():
    category = scenarios.category()
    venue, judges = scenarios.venue(category, judges=3)
    # All 85.00. c: 选题 13/15; a and b: 12/15 both, then 原因分析 25/30 (a) against 28/30 (b).
    a = scenarios.scored_entry(venue, judges, [85, 85, 85], ties=(12, 25))
    b = scenarios.scored_entry(venue, judges, [85, 85, 85], ties=(12, 28))
    c = scenarios.scored_entry(venue, judges, [85, 85, 85], ties=(13, 20))
    # A sheet that does not count (its judge is not on the panel) would lift a above b if it were read.
    scenarios.score(a, factories.JudgeFactory(), 85, ties=(15, 30))

    computation.compute_results(category=category)

    ranks = {r.entry_id: r.rank for r in Result.objects.filter(category=category)}
    assert (ranks[c.pk], ranks[b.pk], ranks[a.pk]) == (1, 2, 3)
    assert scenarios.protocol_of(Result.objects.get(entry=a))["tie_values"] == ["80.00", "83.33"]


def test_innovation_entries_are_scored_on_the_innovation_rubric():
    edition = factories.EditionFactory(status="judging")
    innovation = factories.rubric_with_criteria(
        edition, criteria=[("选题", 20), ("提出方案并确定最佳方案", 30), ("其他", 50)], tie_breaks=(1,)
    )
    category = scenarios.category(edition, innovation_rubric=innovation)
    venue, judges = scenarios.venue(category, judges=3)
    item = scenarios.entry(venue, topic_type=Entry.TopicType.INNOVATION)
    for judge in judges:
        scenarios.score(item, judge, 90, ties=(16,))
    problem_solving = scenarios.scored_entry(venue, judges, [90, 90, 90], ties=(12, 30))

    computation.compute_results(category=category)

    result = Result.objects.get(entry=item)
    assert result.final_score == D("90.00")
    # 16/20 = 80%; the innovation rubric has one tie-break criterion, so 0 for the second
    assert scenarios.protocol_of(result)["tie_values"] == ["80.00", "0.00"]
    other = Result.objects.get(entry=problem_solving)
    assert scenarios.protocol_of(other)["tie_values"] == ["80.00", "100.00"]
    assert (other.rank, result.rank) == (1, 2)


def test_sheet_on_another_rubric_is_not_counted():
    category = scenarios.category()
    venue, judges = scenarios.venue(category, judges=3)
    item = scenarios.scored_entry(venue, judges[:2], [80, 80])
    other = factories.rubric_with_criteria(category.edition, criteria=[("其他", 100)])
    scenarios.score(item, judges[2], 99, rubric=other)

    computation.compute_results(category=category)

    assert scenarios.protocol_of(Result.objects.get(entry=item))["excluded"] == [
        {"judge": judges[2].pk, "reason": "other_rubric"}
    ]


def test_venue_scope_versus_category_scope_on_the_database():
    grades = [("标杆", "share", "0.5")]
    for scope, expected_ranks in (("venue", [1, 2, 1, 2]), ("category", [1, 3, 2, 4])):
        category = scenarios.category(scope=scope, grades=grades)
        first, panel1 = scenarios.venue(category, judges=3)
        second, panel2 = scenarios.venue(category, judges=3)
        entries = [
            scenarios.scored_entry(first, panel1, [90, 90, 90]),
            scenarios.scored_entry(first, panel1, [80, 80, 80]),
            scenarios.scored_entry(second, panel2, [88, 88, 88]),
            scenarios.scored_entry(second, panel2, [70, 70, 70]),
        ]
        computation.compute_results(category=category)
        stored = {r.entry_id: r for r in Result.objects.filter(category=category)}
        assert [stored[e.pk].rank for e in entries] == expected_ranks
        assert [stored[e.pk].grade for e in entries] == ["标杆", "", "标杆", ""]


def test_recomputing_overwrites_and_gives_identical_results():
    category = scenarios.category(grades=[("标杆", "share", "0.5")])
    venue, judges = scenarios.venue(category)
    for totals in ([90, 86, 84, 80, 60], [70, 75, 80, 85, 90], [88, 88, 88, 88, 88]):
        scenarios.scored_entry(venue, judges, totals)

    first = computation.compute_results(edition=category.edition)
    before = list(Result.objects.order_by("entry_id").values_list("entry_id", "final_score", "rank", "grade"))
    second = computation.compute_results(edition=category.edition)
    after = list(Result.objects.order_by("entry_id").values_list("entry_id", "final_score", "rank", "grade"))

    assert first == second
    assert before == after
    assert Result.objects.count() == 3


def test_fingerprint_changes_when_a_counted_point_changes():
    category = scenarios.category()
    venue, judges = scenarios.venue(category, judges=3)
    item = scenarios.scored_entry(venue, judges, [80, 80, 80])
    before = computation.current_fingerprint(edition=category.edition)

    scenarios.change_points(item.sheets.first().scores.get(criterion__position=1), -1)

    assert computation.current_fingerprint(edition=category.edition) != before


def test_compute_reads_with_the_same_number_of_queries_for_3_and_30_entries():
    counts = []
    for size in (3, 30):
        category = scenarios.category()
        venue, judges = scenarios.venue(category, judges=3)
        for _ in range(size):
            scenarios.scored_entry(venue, judges, [80, 81, 82])
        with CaptureQueriesContext(connection) as queries:
            computation.compute_results(category=category)
        counts.append(len(queries))
        assert Result.objects.filter(category=category).count() == size
    assert counts[0] == counts[1]


# --- runs ------------------------------------------------------------------------------------------------


def test_execute_run_records_progress_and_fingerprint():
    category = scenarios.category()
    venue, judges = scenarios.venue(category, judges=3)
    scenarios.scored_entry(venue, judges, [80, 80, 80])
    run = factories.ResultRunFactory(edition=category.edition)

    runs.execute_run(run=run)

    run.refresh_from_db()
    assert (run.status, run.progress, run.error) == (ResultRun.Status.DONE, 100, "")
    assert run.fingerprint == computation.current_fingerprint(edition=category.edition)
    assert run.finished_at is not None


def test_execute_run_records_the_error_when_it_fails(monkeypatch):
    category = scenarios.category()
    run = factories.ResultRunFactory(edition=category.edition)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(computation.engine, "rank_and_grade", broken)
    with pytest.raises(RuntimeError):
        runs.execute_run(run=run)

    run.refresh_from_db()
    assert (run.status, run.error) == (ResultRun.Status.FAILED, "RuntimeError: disk full")


def test_start_run_queues_once_and_the_task_computes(django_capture_on_commit_callbacks, organiser):
    category = scenarios.category()
    venue, judges = scenarios.venue(category, judges=3)
    item = scenarios.scored_entry(venue, judges, [80, 80, 80])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = runs.start_run(edition=category.edition, by=organiser)
        again = runs.start_run(edition=category.edition, by=organiser)
    assert again.pk == run.pk
    assert len(callbacks) == 1

    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()  # the commit: the outbox hands the task over, and (eager in the tests) it runs here

    run.refresh_from_db()
    assert run.status == ResultRun.Status.DONE
    assert Result.objects.get(entry=item).final_score == D("80.00")


# --- publication -----------------------------------------------------------------------------------------


# --- a venue's provisional ranking (the leader's, before the sign-off) -----------------------------------------


def test_venue_ranking_ranks_the_venues_entries_by_the_engines_rules_and_stores_nothing():
    category = scenarios.category(grades=[("标杆", "top_n", 1)])
    venue, judges = scenarios.venue(category, judges=5)
    # trimmed mean with 5 sheets: drop 95 and 60 -> (90 + 88 + 86) / 3 = 88.00
    best = scenarios.scored_entry(venue, judges, [95, 90, 88, 86, 60])
    second = scenarios.scored_entry(venue, judges, [80, 80, 80])
    short = scenarios.scored_entry(venue, judges, [99, 99])  # below the minimum of 3 sheets
    other_venue, other_judges = scenarios.venue(category, judges=3)
    scenarios.scored_entry(other_venue, other_judges, [100, 100, 100])

    ranking = computation.venue_ranking(venue)

    assert [(r.entry_id, r.counted_sheets, r.final_score, r.rank, r.grade) for r in ranking] == [
        (best.pk, 5, D("88.00"), 1, "标杆"),
        (second.pk, 3, D("80.00"), 2, ""),
        (short.pk, 2, None, None, ""),
    ]
    assert not Result.objects.exists()


def test_venue_ranking_ranks_within_the_venue_without_grades_where_the_category_ranks_across_venues():
    category = scenarios.category(scope="category", grades=[("标杆", "top_n", 1)])
    venue, judges = scenarios.venue(category, judges=3)
    item = scenarios.scored_entry(venue, judges, [80, 80, 80])
    other_venue, other_judges = scenarios.venue(category, judges=3)
    scenarios.scored_entry(other_venue, other_judges, [100, 100, 100])

    ranking = computation.venue_ranking(venue)

    assert [(r.entry_id, r.rank, r.grade) for r in ranking] == [(item.pk, 1, "")]
