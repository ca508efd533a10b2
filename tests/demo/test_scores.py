"""The scored demo corpus of `manage.py load_demo`: the 2021 exchange, judged, computed and published."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Q
from django.urls import reverse

from demo.management.commands.load_demo import EDITION_NAME
from events.models import Edition
from results.models import AwardList, Publication, Result
from scoring.models import Recusal, ScoreSheet

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_demo_edition_has_the_2021_shape_and_is_published(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=StringIO())
    edition = Edition.objects.get(name=EDITION_NAME, year=2021)

    assert edition.status == Edition.Status.PUBLISHED
    lines = {
        row["category__code"]: (row["entries"], row["ranked"], row["benchmarks"])
        for row in Result.objects.filter(category__edition=edition)
        .values("category__code")
        .annotate(
            entries=Count("id"),
            ranked=Count("id", filter=Q(ranked=True)),
            benchmarks=Count("id", filter=Q(grade="标杆")),
        )
    }
    # 2021: 155 of 309 QC results (50%), 71 of 115 trusted teams (62%); stories: 0.15 x 124 = 18.6 -> 19
    assert lines == {"QC": (309, 309, 155), "XD": (115, 115, 71), "PP": (124, 124, 19)}
    assert Result.objects.filter(category__edition=edition).values("venue").distinct().count() == 10
    recusals = Recusal.objects.filter(entry__edition=edition).count()
    assert recusals == 6
    assert ScoreSheet.objects.filter(entry__edition=edition, status="submitted").count() == 548 * 5 - recusals
    publication = Publication.objects.get(edition=edition)
    assert (publication.version, publication.rows.count()) == (1, 548)
    assert set(
        AwardList.objects.filter(publication=publication, awarded_only=False).values_list("format", "status", "rows")
    ) == {
        ("xlsx", "done", 548),
        ("csv", "done", 548),
    }


def test_demo_scores_load_once():
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())

    edition = Edition.objects.get(name=EDITION_NAME, year=2021)
    assert Result.objects.filter(category__edition=edition).count() == 548
    assert Publication.objects.filter(edition=edition).count() == 1
    assert Publication.objects.count() == 2  # and the provincial association's (demo.provincial)


def test_the_demo_enterprise_s_dashboard_shows_its_published_results(client):
    call_command("load_demo", stdout=StringIO())
    clerk = User.objects.get(email="clerk@demo.qc")
    client.force_login(clerk)
    response = client.get(reverse("submissions:dashboard"))
    outcomes = [
        (entry.code, entry.outcome["grade"] != "" or entry.outcome["rank"] is not None)
        for block in response.context["blocks"]
        for entry in block["entries"]
        if entry.outcome
    ]
    # Its entries of the national exchange, and the one of the provincial association's (demo.provincial)
    assert [code for code, _shown in outcomes] == ["QC-2021-0001", "QC-2021-0002", "XD-2021-0001", "ZJ-QC-2021-001"]
    assert all(shown for _code, shown in outcomes)
    assert response.content.decode().count("data-final-score") == 4
