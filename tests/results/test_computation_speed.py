"""The results computation's speed measures (bench/README.md): they change how, never what, is computed."""

import gc
from decimal import Decimal as D

import pytest

from events.models import GradeRule
from results import computation
from results.models import Result
from tests import factories, scenarios

pytestmark = pytest.mark.django_db


def test_compute_results_pauses_the_collector_and_turns_it_back_on():
    category = scenarios.category()
    venue, judges = scenarios.venue(category)
    item = scenarios.scored_entry(venue, judges, [90, 86, 84, 80, 60])
    seen = []
    real = computation.engine.rank_and_grade

    def spy(rules, scored):
        seen.append(gc.isenabled())
        return real(rules, scored)

    computation.engine.rank_and_grade = spy
    try:
        computation.compute_results(category=category)
    finally:
        computation.engine.rank_and_grade = real

    assert seen == [False]
    assert gc.isenabled() is True
    assert Result.objects.get(entry=item).final_score == D("83.33")


def test_collector_is_turned_back_on_after_a_failed_computation(monkeypatch):
    category = scenarios.category()
    venue, judges = scenarios.venue(category)
    scenarios.scored_entry(venue, judges, [90, 86, 84])

    def broken(rules, scored):
        raise RuntimeError("engine down")

    monkeypatch.setattr(computation.engine, "rank_and_grade", broken)
    with pytest.raises(RuntimeError):
        computation.compute_results(category=category)

    assert gc.isenabled() is True


def test_collector_left_off_when_it_was_off_before():
    category = scenarios.category()
    gc.disable()
    try:
        computation.compute_results(category=category)
        assert gc.isenabled() is False
    finally:
        gc.enable()


def test_copy_text_field_escapes_what_copy_would_misread():
    assert computation.copy_text_field(None) == "\\N"
    assert (computation.copy_text_field(True), computation.copy_text_field(False)) == ("t", "f")
    assert computation.copy_text_field(D("84.13")) == "84.13"
    assert computation.copy_text_field(7) == "7"
    assert computation.copy_text_field('{"name":"a\\"b\\\\c"}') == '{"name":"a\\\\"b\\\\\\\\c"}'
    assert computation.copy_text_field("金\t奖\n\r") == "金\\t奖\\n\\r"
    assert computation.copy_text_field("") == ""


def test_copy_text_writes_a_results_row_as_copy_reads_it():
    from datetime import UTC, datetime

    at = datetime(2026, 11, 22, 1, 2, 3, tzinfo=UTC)
    rows = [(1, 2, None, 5, D("84.13"), True, None, "一等\\奖\t", None, at), (3, 2, 9, 2, None, False, 4, "", 1, at)]

    assert computation._copy_text(rows) == (
        "1\t2\t\\N\t5\t84.13\tt\t\\N\t一等\\\\奖\\t\t\\N\t2026-11-22T01:02:03+00:00\n"
        "3\t2\t9\t2\t\\N\tf\t4\t\t1\t2026-11-22T01:02:03+00:00\n"
    )


def test_results_written_twice_keep_one_row_each_with_every_value():
    category = scenarios.category(grades=[("一等奖", "share", D("0.5"))])
    # A backslash and a tab, which COPY must escape: input is cleaned of tabs in a name now, a row saved before was not
    GradeRule.objects.filter(category=category).update(name="一等\\奖\t")
    venue, judges = scenarios.venue(category)
    first = scenarios.scored_entry(venue, judges, [90, 86, 84, 80, 60])
    second = scenarios.scored_entry(venue, judges, [70, 70, 70])

    computation.compute_results(category=category)
    computation.compute_results(category=category)

    rows = {r.entry_id: r for r in Result.objects.filter(category=category)}
    assert sorted(rows) == sorted([first.pk, second.pk])
    assert (rows[first.pk].final_score, rows[first.pk].rank, rows[first.pk].grade) == (D("83.33"), 1, "一等\\奖\t")
    assert (rows[second.pk].final_score, rows[second.pk].rank, rows[second.pk].grade) == (D("70.00"), 2, "")
    assert rows[second.pk].grade_position is None
    assert scenarios.protocol_of(rows[first.pk])["sheets"][0]["total"] == "90.0"
    assert scenarios.protocol_of(rows[first.pk])["excluded"] == []


def _fingerprint(category):
    return computation.current_fingerprint(edition=category.edition)


def test_fingerprint_is_the_same_for_the_same_inputs_and_after_computing():
    category = scenarios.category(grades=[("一等奖", "share", D("0.5"))])
    venue, judges = scenarios.venue(category, judges=3)
    scenarios.scored_entry(venue, judges, [80, 81, 82])
    before = _fingerprint(category)

    fingerprint = computation.compute_results(category=category)

    assert _fingerprint(category) == before == fingerprint


def _move_half_a_point(sheet):
    """Half a point from the sheet's first criterion to its second: the same total, other tie-break points."""
    scenarios.change_points(sheet.scores.get(criterion__position=1), "-0.5")
    scenarios.change_points(sheet.scores.get(criterion__position=2), "0.5")


def test_fingerprint_changes_when_points_move_between_the_criteria_of_tied_entries():
    category = scenarios.category()
    venue, judges = scenarios.venue(category, judges=3)
    item = scenarios.scored_entry(venue, judges, [80, 80, 80])
    scenarios.scored_entry(venue, judges, [80, 80, 80])  # the same final score: tie-break values decide
    before = _fingerprint(category)

    _move_half_a_point(item.sheets.first())

    assert _fingerprint(category) != before


def test_fingerprint_stays_when_points_move_between_the_criteria_of_an_entry_with_its_own_score():
    # Nothing such a change can move: the score is the same and the tie-break values order no one.
    category = scenarios.category()
    venue, judges = scenarios.venue(category, judges=3)
    item = scenarios.scored_entry(venue, judges, [80, 80, 80])
    scenarios.scored_entry(venue, judges, [70, 70, 70])
    before = _fingerprint(category)

    _move_half_a_point(item.sheets.first())

    assert _fingerprint(category) == before


def test_fingerprint_changes_with_a_recusal_a_grade_rule_or_the_aggregation():
    category = scenarios.category()
    venue, judges = scenarios.venue(category)
    item = scenarios.scored_entry(venue, judges, [90, 86, 84, 80, 60])
    seen = {_fingerprint(category)}

    recusal = factories.RecusalFactory(entry=item, judge=judges[4])
    seen.add(_fingerprint(category))
    recusal.delete()
    assert _fingerprint(category) in seen
    GradeRule.objects.create(category=category, position=1, name="一等奖", rule="share", value=D("0.3"))
    seen.add(_fingerprint(category))
    category.aggregation = "median"
    category.save()
    seen.add(_fingerprint(category))

    assert len(seen) == 4


def test_recomputation_rewrites_only_the_results_that_changed():
    # A stored result is overwritten only where it differs: computed_at tells when it last changed.
    category = scenarios.category()
    other = scenarios.category(category.edition)
    venue, judges = scenarios.venue(category, judges=3)
    other_venue, other_judges = scenarios.venue(other, judges=3)
    same = scenarios.scored_entry(other_venue, other_judges, [80, 81, 82])
    moved = scenarios.scored_entry(venue, judges, [70, 71, 72])
    computation.compute_results(edition=category.edition)
    first = dict(Result.objects.values_list("entry_id", "computed_at"))
    scenarios.change_points(moved.sheets.first().scores.get(criterion__position=3), "-0.3")

    computation.compute_results(edition=category.edition)

    after = {r.entry_id: r for r in Result.objects.all()}
    assert after[same.pk].computed_at == first[same.pk]
    assert after[moved.pk].computed_at > first[moved.pk]
    # (69.7 + 71 + 72) / 3 = 70.90
    assert (after[moved.pk].final_score, after[same.pk].final_score) == (D("70.90"), D("81.00"))
