"""The public pages against a real publication by the results engine (not factory-made rows)."""

import re

import pytest
from django.urls import reverse

from events.models import Edition
from results import publication as publishing
from results import runs
from tests import factories, scenarios

pytestmark = pytest.mark.django_db


def test_published_results_appear_with_protocol_and_without_judges(
    client, organiser, django_capture_on_commit_callbacks
):
    category = scenarios.category(grades=[("标杆", "share", "0.5")])
    venue, judges = scenarios.venue(category, judges=5, signed_off=True)
    for n, judge in enumerate(judges):
        judge.full_name = f"评审专家{n}号"
        judge.save()
    entries = [scenarios.scored_entry(venue, judges, [90 - n, 88 - n, 86 - n, 84 - n, 80 - n]) for n in range(4)]
    edition = category.edition
    edition.organisers.add(organiser)
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))

    # Before publication: nothing public, and the empty list is cached.
    assert re.findall(r'data-result-row="([^"]+)"', client.get(reverse("public:results")).content.decode()) == []
    assert client.get(reverse("public:entry", args=[entries[0].pk])).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish_results(edition=edition, by=organiser)
    assert Edition.objects.get(pk=edition.pk).status == Edition.Status.PUBLISHED

    listed = client.get(reverse("public:results")).content.decode()
    # The category publishes its graded entries only (the default policy): the best half, 标杆.
    assert re.findall(r'data-result-row="([^"]+)"', listed) == [entries[0].code, entries[1].code]
    html = client.get(reverse("public:entry", args=[entries[0].pk])).content.decode()
    # (88 + 86 + 84) / 3 = 86.00: 90 dropped as the highest, 80 as the lowest
    assert "data-final-score>86.00<" in html
    assert re.findall(r'data-sheet-total="([^"]+)"', html) == ["90.0", "88.0", "86.0", "84.0", "80.0"]
    assert re.findall(r'<tr class="text-muted" data-dropped data-sheet-total="([^"]+)"', html) == ["90.0", "80.0"]
    assert len(re.findall(r"data-tie-break=", html)) == 2
    for judge in judges:
        assert judge.full_name not in html and judge.email not in html
