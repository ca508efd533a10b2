"""Two tabs (or two devices) acting on one sheet at the same moment, on PostgreSQL's row locks."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from scoring import sheets
from scoring.models import CriterionScore, ScoreSheet, SheetAudit
from tests.conftest import need, postgres_available
from tests.scenarios import judged_venue, raw, total_of, values_for_total

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def race(action, arguments):
    """Run action(**a) for each a in arguments at once; returns "ok" or the error code of each, in order."""
    barrier = threading.Barrier(len(arguments))
    outcomes = [None] * len(arguments)

    def run(index, kwargs):
        try:
            barrier.wait(timeout=10)
            action(**kwargs)
            outcomes[index] = "ok"
        except ValidationError as error:
            outcomes[index] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(arguments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.parametrize("round_", range(3))
def test_two_simultaneous_submits_leave_one_submitted_sheet_with_the_winners_values(round_):
    need("PostgreSQL", postgres_available(), "row locks (select_for_update) are what this test is about")
    setup = judged_venue(judges=1, entries=1)
    judge, entry = setup.judges[0], setup.entries[0]
    sheet = sheets.open_sheet(entry=entry, judge=judge)
    totals = ["80", "91.5"]
    outcomes = race(
        sheets.submit_sheet,
        [{"sheet": sheet, "by": judge, "raw": raw(setup.criteria, values_for_total(t)), "version": 1} for t in totals],
    )
    assert sorted(outcomes) == ["locked", "ok"]
    winner = totals[outcomes.index("ok")]
    stored = ScoreSheet.objects.get()
    assert (stored.status, stored.version) == (ScoreSheet.Status.SUBMITTED, 2)
    assert total_of(stored) == Decimal(winner)
    assert CriterionScore.objects.count() == 6
    assert SheetAudit.objects.filter(action="submit").count() == 1


def test_two_simultaneous_drafts_from_one_version_keep_one_and_refuse_the_other():
    need("PostgreSQL", postgres_available(), "row locks (select_for_update) are what this test is about")
    setup = judged_venue(judges=1, entries=1)
    judge, entry = setup.judges[0], setup.entries[0]
    sheet = sheets.open_sheet(entry=entry, judge=judge)
    first = setup.criteria[0]
    outcomes = race(
        sheets.save_draft,
        [{"sheet": sheet, "by": judge, "raw": {first.pk: p}, "version": 1} for p in ("10", "11")],
    )
    assert sorted(outcomes) == ["ok", "stale"]
    stored = ScoreSheet.objects.get()
    assert stored.version == 2
    assert stored.scores.get().points == Decimal(("10", "11")[outcomes.index("ok")])
