"""The results computation's speed measures (bench/README.md): they change how, never what, is computed."""

import gc
from decimal import Decimal as D

import pytest

from scoring import results
from scoring.models import Result
from tests.scoring import results_data as data

pytestmark = pytest.mark.django_db


def test_compute_results_pauses_the_collector_and_turns_it_back_on():
    category = data.category()
    venue, judges = data.venue(category)
    item = data.scored_entry(venue, judges, [90, 86, 84, 80, 60])
    seen = []
    real = results.engine.compute_category

    def spy(rules, entries):
        seen.append(gc.isenabled())
        return real(rules, entries)

    results.engine.compute_category = spy
    try:
        results.compute_results(category=category)
    finally:
        results.engine.compute_category = real

    assert seen == [False]
    assert gc.isenabled() is True
    assert Result.objects.get(entry=item).final_score == D("83.33")


def test_collector_is_turned_back_on_after_a_failed_computation(monkeypatch):
    category = data.category()
    venue, judges = data.venue(category)
    data.scored_entry(venue, judges, [90, 86, 84])

    def broken(rules, entries):
        raise RuntimeError("engine down")

    monkeypatch.setattr(results.engine, "compute_category", broken)
    with pytest.raises(RuntimeError):
        results.compute_results(category=category)

    assert gc.isenabled() is True


def test_collector_left_off_when_it_was_off_before():
    category = data.category()
    gc.disable()
    try:
        results.compute_results(category=category)
        assert gc.isenabled() is False
    finally:
        gc.enable()
