"""Protocols built from the sheets when a result is shown or published (results.protocols)."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from results import computation
from results.models import Result
from results.protocols import protocols
from tests import factories, scenarios

pytestmark = pytest.mark.django_db


def test_protocol_shows_each_sheet_the_drops_and_the_stored_rank_and_grade():
    category = scenarios.category(grades=[("标杆", "share", "0.5")])
    venue, judges = scenarios.venue(category)
    item = scenarios.scored_entry(venue, judges, [90, 86, 84, 80, 60])
    scenarios.scored_entry(venue, judges, [70, 70, 70, 70, 70])
    computation.compute_results(category=category)
    result = Result.objects.get(entry=item)

    protocol = protocols([result], fingerprint="abc")[item.pk]

    assert [(s["judge"], s["total"], s["dropped"]) for s in protocol["sheets"]] == [
        (judges[0].pk, "90.0", "high"),
        (judges[1].pk, "86.0", ""),
        (judges[2].pk, "84.0", ""),
        (judges[3].pk, "80.0", ""),
        (judges[4].pk, "60.0", "low"),
    ]
    assert (protocol["kept_sum"], protocol["kept_count"], protocol["final_score"]) == ("250.0", 3, "83.33")
    assert (protocol["rank"], protocol["grade"], protocol["scope_ranked"]) == (1, "标杆", 2)
    assert (protocol["flags"], protocol["fingerprint"]) == ([], "abc")


def test_protocol_is_flagged_when_the_sheets_changed_after_the_computation():
    category = scenarios.category()
    venue, judges = scenarios.venue(category, judges=3)
    item = scenarios.scored_entry(venue, judges, [80, 80, 80])
    computation.compute_results(category=category)
    scenarios.change_points(item.sheets.first().scores.get(criterion__position=1), -3)

    protocol = protocols([Result.objects.get(entry=item)])[item.pk]

    # 77 + 80 + 80 = 79.00 now, against the 80.00 stored: the stored score is no longer what the sheets say.
    assert protocol["final_score"] == "79.00"
    assert Result.objects.get(entry=item).final_score == D("80.00")
    assert protocol["flags"] == ["changed"]


def test_protocols_of_no_result_are_none():
    assert protocols([]) == {}


def _page(size):
    category = scenarios.category()
    venue, judges = scenarios.venue(category, judges=3)
    for n in range(size):
        scenarios.scored_entry(venue, judges, [80 + n, 81, 82])
    factories.RecusalFactory(entry=venue.entries.first(), judge=judges[0])
    computation.compute_results(category=category)
    return list(Result.objects.filter(category=category))


def test_protocols_take_the_same_number_of_queries_for_few_and_many_results():
    few, many = _page(2), _page(12)

    with CaptureQueriesContext(connection) as small:
        protocols(few)
    with CaptureQueriesContext(connection) as large:
        protocols(many)

    assert len(large) == len(small)
