"""scoring.progress: signing a venue off and the grid of sheets with its flags."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from scoring import progress, recusals, sheets
from tests.scenarios import judged_venue, submitted_sheet, values_for_total

pytestmark = pytest.mark.django_db


# --- sign-off and flags ---------------------------------------------------------------------------


def test_sign_off_refuses_while_sheets_are_missing():
    setup = judged_venue(judges=2, entries=1)
    submitted_sheet(setup, setup.judges[0], setup.entries[0])
    sheets.open_sheet(entry=setup.entries[0], judge=setup.judges[1])  # a draft is still missing
    with translation.override("en"), pytest.raises(ValidationError) as error:
        progress.sign_off_venue(venue=setup.venue, by=setup.leader)
    assert error.value.messages == [
        "1 score sheet(s) are still missing; the venue can be signed off when every sheet is in."
    ]
    setup.venue.refresh_from_db()
    assert setup.venue.signed_off_at is None


def test_sign_off_counts_recused_judges_out_and_locks_the_venue():
    setup = judged_venue(judges=3, entries=1)
    entry = setup.entries[0]
    submitted_sheet(setup, setup.judges[0], entry)
    submitted_sheet(setup, setup.judges[1], entry)
    recusals.declare_recusal(entry=entry, judge=setup.judges[2], reason="曾指导该小组")
    venue = progress.sign_off_venue(venue=setup.venue, by=setup.leader)
    assert venue.signed_off_by == setup.leader
    with pytest.raises(ValidationError):
        recusals.declare_recusal(entry=entry, judge=setup.judges[1], reason="x")
    with pytest.raises(ValidationError):
        progress.sign_off_venue(venue=setup.venue, by=setup.leader)


def test_sign_off_refuses_a_plain_judge():
    setup = judged_venue(judges=2, entries=1)
    for judge in setup.judges:
        submitted_sheet(setup, judge, setup.entries[0])
    with pytest.raises(ValidationError):
        progress.sign_off_venue(venue=setup.venue, by=setup.judges[1])
    assert progress.sign_off_venue(venue=setup.venue, by=setup.organiser).signed_off_by == setup.organiser


def test_progress_flags_totals_more_than_ten_points_from_the_median():
    setup = judged_venue(judges=3, entries=1)
    entry = setup.entries[0]
    for judge, total in zip(setup.judges, ["80", "82", "92.5"], strict=True):
        submitted_sheet(setup, judge, entry, values=values_for_total(total))
    grid = progress.venue_progress(setup.venue)
    row = grid.rows[0]
    assert row.median == Decimal("82.00")
    assert [(c.total, c.flagged) for c in row.cells] == [
        (Decimal("80.0"), False),
        (Decimal("82.0"), False),
        (Decimal("92.5"), True),
    ]
    assert [(e.code, c.judge_id) for e, c in grid.flags] == [(entry.code, setup.judges[2].pk)]
    assert grid.complete is True


def test_progress_flag_limit_is_a_setting(settings):
    settings.SCORE_DEVIATION_FLAG = 15
    setup = judged_venue(judges=3, entries=1)
    for judge, total in zip(setup.judges, ["80", "82", "92.5"], strict=True):
        submitted_sheet(setup, judge, setup.entries[0], values=values_for_total(total))
    assert progress.venue_progress(setup.venue).flags == []


def test_progress_exactly_ten_points_off_is_not_flagged():
    setup = judged_venue(judges=3, entries=1)
    for judge, total in zip(setup.judges, ["70", "80", "90"], strict=True):
        submitted_sheet(setup, judge, setup.entries[0], values=values_for_total(total))
    assert progress.venue_progress(setup.venue).flags == []


def test_progress_lists_missing_drafts_and_recused():
    setup = judged_venue(judges=3, entries=2)
    first, second = setup.entries
    submitted_sheet(setup, setup.judges[0], first)
    sheets.open_sheet(entry=first, judge=setup.judges[1])
    recusals.declare_recusal(entry=first, judge=setup.judges[2], reason="同一集团")
    grid = progress.venue_progress(setup.venue)
    assert [c.status for c in grid.rows[0].cells] == ["submitted", "draft", "recused"]
    assert [c.status for c in grid.rows[1].cells] == ["missing", "missing", "missing"]
    assert (grid.expected, grid.submitted, len(grid.missing)) == (5, 1, 4)
    assert grid.percent == 20
