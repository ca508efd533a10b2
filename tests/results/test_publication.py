"""Publication: frozen rows without judges, versions with reasons, and what a publication refuses."""

import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from events.models import Edition
from public.cache import cache_version
from results import computation, runs
from results import publication as publishing
from results.models import AwardList, Publication, PublishedResult, Result, ResultRun
from scoring.models import ScoreSheet
from submissions.models import Entry
from tests import factories, scenarios
from tests.conftest import need, postgres_available

pytestmark = pytest.mark.django_db


def published_setup(organiser, *, signed_off=True):
    category = scenarios.category(grades=[("标杆", "share", "0.5")])
    venue, judges = scenarios.venue(category, judges=5, signed_off=signed_off)
    entries = [scenarios.scored_entry(venue, judges, [90 - n, 88 - n, 86 - n, 84 - n, 80 - n]) for n in range(4)]
    factories.MemberFactory(entry=entries[0], name="张三", is_leader=True)
    edition = category.edition
    edition.organisers.add(organiser)
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))
    return edition, category, venue, judges, entries


def test_publishing_freezes_rows_without_judge_identities(organiser, django_capture_on_commit_callbacks):
    edition, category, venue, judges, entries = published_setup(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        publication = publishing.publish_results(edition=edition, by=organiser)

    edition.refresh_from_db()
    assert edition.status == Edition.Status.PUBLISHED
    assert publication.version == 1
    rows = list(PublishedResult.objects.filter(publication=publication).order_by("rank"))
    assert [r.entry_id for r in rows] == [e.pk for e in entries]
    assert [r.grade for r in rows] == ["标杆", "标杆", "", ""]
    # (88 + 86 + 84) / 3 = 86.00 for the first entry
    assert rows[0].final_score == D("86.00")
    assert rows[0].members == [{"name": "张三", "group_role": "", "post": "", "is_leader": True}]
    assert rows[0].venue_name == venue.name
    protocol = rows[0].protocol
    assert all(set(sheet) == {"total", "dropped", "tie_points"} for sheet in protocol["sheets"])
    assert "excluded" not in protocol and protocol["recused"] == 0
    assert [s["total"] for s in rows[0].protocol["sheets"]] == ["90.0", "88.0", "86.0", "84.0", "80.0"]
    assert publication.snapshot["categories"][0]["grades"] == {"标杆": 2}
    assert set(AwardList.objects.filter(publication=publication).values_list("format", "status", "awarded_only")) == {
        ("xlsx", "done", False),
        ("csv", "done", False),
        ("xlsx", "done", True),
        ("pdf", "done", True),
        ("csv", "done", True),
    }


def test_republication_needs_a_reason_and_keeps_both_versions(organiser):
    edition, category, venue, judges, entries = published_setup(organiser)
    first = publishing.publish_results(edition=edition, by=organiser)

    with pytest.raises(ValidationError):
        publishing.publish_results(edition=edition, by=organiser, reason="  ")

    Entry.objects.filter(pk=entries[0].pk).update(title="更正后的课题名称")
    second = publishing.publish_results(edition=edition, by=organiser, reason="课题名称更正")

    assert (first.version, second.version, second.reason) == (1, 2, "课题名称更正")
    assert Publication.objects.filter(edition=edition).count() == 2
    assert PublishedResult.objects.filter(publication=first, entry=entries[0]).get().title != "更正后的课题名称"
    current = PublishedResult.objects.current().filter(edition=edition)
    assert set(current.values_list("publication_id", flat=True)) == {second.pk}
    assert current.get(entry=entries[0]).title == "更正后的课题名称"


def test_publishing_refuses_results_older_than_the_scores(organiser):
    edition, category, venue, judges, entries = published_setup(organiser)
    scenarios.change_points(entries[0].sheets.first().scores.get(criterion__position=1), -1)

    with pytest.raises(ValidationError):
        publishing.publish_results(edition=edition, by=organiser)
    assert not Publication.objects.exists()


def test_publishing_puts_right_a_sheet_total_out_of_step_with_its_points_and_refuses(organiser):
    edition, category, venue, judges, entries = published_setup(organiser)
    sheet = entries[0].sheets.first()
    score = sheet.scores.get(criterion__position=1)
    score.points -= 1  # written behind the services' back: the stored total no longer matches
    score.save()

    with pytest.raises(ValidationError, match="重新计算"):
        publishing.publish_results(edition=edition, by=organiser)

    assert not Publication.objects.exists()
    sheet.refresh_from_db()
    assert sheet.total == sum(sheet.scores.values_list("points", flat=True))
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))
    assert publishing.publish_results(edition=edition, by=organiser).version == 1


def test_publishing_refuses_venues_not_signed_off(organiser):
    edition, *_ = published_setup(organiser, signed_off=False)

    with pytest.raises(ValidationError) as error:
        publishing.publish_results(edition=edition, by=organiser)
    assert not Publication.objects.exists()
    assert "分会场" in str(error.value)


def test_publishing_refuses_before_any_computation(organiser):
    category = scenarios.category()
    with pytest.raises(ValidationError):
        publishing.publish_results(edition=category.edition, by=organiser)


def test_publishing_refuses_while_a_run_is_queued(organiser):
    edition, *_ = published_setup(organiser)
    factories.ResultRunFactory(edition=edition, status=ResultRun.Status.QUEUED)

    with pytest.raises(ValidationError):
        publishing.publish_results(edition=edition, by=organiser)


def test_publishing_moves_the_public_cache_version(organiser, django_capture_on_commit_callbacks):
    edition, *_ = published_setup(organiser)
    before = cache_version()

    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish_results(edition=edition, by=organiser)

    assert cache_version() != before


# --- runs newer and older than the newest done one --------------------------------------------------------


def test_publishing_ignores_a_run_left_running_before_the_newest_done_run(organiser):
    lost = factories.ResultRunFactory(status=ResultRun.Status.RUNNING)  # its worker was killed
    edition, *_ = published_setup(organiser)
    ResultRun.objects.filter(pk=lost.pk).update(edition=edition)
    assert lost.pk < runs.latest_done_run(edition).pk

    assert publishing.publish_results(edition=edition, by=organiser).version == 1


def test_publishing_refuses_while_a_run_newer_than_the_done_one_is_running(organiser):
    edition, *_ = published_setup(organiser)
    factories.ResultRunFactory(edition=edition, status=ResultRun.Status.RUNNING)

    with pytest.raises(ValidationError, match="正在计算|under way|wait"):
        publishing.publish_results(edition=edition, by=organiser)
    assert not Publication.objects.exists()


@pytest.mark.parametrize("status", [ResultRun.Status.FAILED, ResultRun.Status.CANCELLED])
def test_publishing_ignores_a_newer_run_that_failed_or_was_cancelled_before_storing_anything(organiser, status):
    edition, *_ = published_setup(organiser)
    factories.ResultRunFactory(edition=edition, status=status)

    assert publishing.publish_results(edition=edition, by=organiser).version == 1


def test_publishing_refuses_what_a_run_cancelled_in_the_middle_stored(organiser, monkeypatch):
    """The run stored the first category from changed sheets and was cancelled before the second: the stored
    results are neither the done run's nor a complete computation's."""
    edition, category, venue, judges, entries = published_setup(organiser)
    second = scenarios.category(edition, grades=[("标杆", "share", "0.5")], code="XD")
    second_venue, second_judges = scenarios.venue(second, judges=3, signed_off=True)
    scenarios.scored_entry(second_venue, second_judges, [80, 81, 82])
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))
    published = publishing.publish_results(edition=edition, by=organiser)
    scenarios.change_points(entries[3].sheets.get(judge=judges[1]).scores.get(criterion__position=5), 3)
    second_points = second.entries.get().sheets.get(judge=second_judges[0]).scores.get(criterion__position=1)
    scenarios.change_points(second_points, -5)
    run = factories.ResultRunFactory(edition=edition)
    real_store = computation.store_category

    def store_then_cancel(item):
        stored = real_store(item)
        runs.cancel_run(run=run, by=organiser)
        return stored

    monkeypatch.setattr(computation, "store_category", store_then_cancel)
    runs.execute_run(run=run)
    monkeypatch.setattr(computation, "store_category", real_store)
    assert ResultRun.objects.get(pk=run.pk).status == ResultRun.Status.CANCELLED
    assert Result.objects.get(entry=entries[3]).final_score == D("83.67")  # stored from the changed sheets
    # The judges put their points back: the inputs are again those of the done run, not the stored results.
    second_points.refresh_from_db()
    scenarios.change_points(second_points, 5)
    scenarios.change_points(entries[3].sheets.get(judge=judges[1]).scores.get(criterion__position=5), -3)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        publishing.publish_results(edition=edition, by=organiser, reason="again")
    assert refused.value.messages == [
        "The stored results are not those of one complete computation: compute them again and review them."
    ]

    assert list(Publication.objects.values_list("pk", flat=True)) == [published.pk]
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))
    with pytest.raises(ValidationError, match="1"):  # the same content as version 1: nothing to publish
        publishing.publish_results(edition=edition, by=organiser, reason="again")


# --- one version per change ------------------------------------------------------------------------------


def test_publishing_the_same_content_again_says_nothing_changed_since_that_version(organiser):
    edition, category, venue, judges, entries = published_setup(organiser)
    publishing.publish_results(edition=edition, by=organiser)
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))  # computed again, on the same sheets

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        publishing.publish_results(edition=edition, by=organiser, reason="clicked again")

    assert refused.value.messages == ["Nothing changed since version 1: it is not published again."]
    assert list(Publication.objects.values_list("version", flat=True)) == [1]
    scenarios.change_points(entries[3].sheets.get(judge=judges[1]).scores.get(criterion__position=5), 1)
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))
    assert publishing.publish_results(edition=edition, by=organiser, reason="分数更正").version == 2


@pytest.mark.django_db(transaction=True)
def test_five_publish_clicks_at_once_make_one_new_version(organiser):
    need("PostgreSQL", postgres_available(), "concurrent transactions need a database with row locks")
    edition, *_ = published_setup(organiser)
    publishing.publish_results(edition=edition, by=organiser)
    Entry.objects.filter(edition=edition).update(title="更正后的课题名称")
    barrier = threading.Barrier(5)
    outcomes = []

    def click():
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):
                outcomes.append(publishing.publish_results(edition=edition, by=organiser, reason="更正").version)
        except ValidationError as error:
            outcomes.append(error.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes, key=str) == [2] + [["Nothing changed since version 2: it is not published again."]] * 4
    assert list(Publication.objects.filter(edition=edition).values_list("version", flat=True)) == [2, 1]


# --- exact totals ------------------------------------------------------------------------------------------

# Points of a sheet totalling 93 whose sum in binary floats (SQLite's SUM) is 92.99999999999999.
NINETY_THREE = ["14.3", "29.9", "18.0", "19.4", "3.8", "7.6"]


def test_a_total_of_93_stays_exactly_93_through_a_publication(organiser, caplog):
    category = scenarios.category(grades=[("标杆", "share", "0.5")])
    venue, judges = scenarios.venue(category, judges=3, signed_off=True)
    entry = scenarios.entry(venue)
    sheets = [scenarios.score(entry, judge, 93, NINETY_THREE[:-1]) for judge in judges]
    assert [str(p) for p in sheets[0].scores.order_by("criterion__position").values_list("points", flat=True)] == [
        "14.3",
        "29.9",
        "18.0",
        "19.4",
        "3.8",
        "7.6",
    ]
    category.edition.organisers.add(organiser)
    runs.execute_run(run=factories.ResultRunFactory(edition=category.edition))

    publication = publishing.publish_results(edition=category.edition, by=organiser)

    assert not [r for r in caplog.records if "totals differed" in r.getMessage()]  # nothing was "corrected"
    assert ScoreSheet.objects.filter(entry=entry).refresh_totals() == 0
    assert list(ScoreSheet.objects.filter(entry=entry).values_list("total", flat=True)) == [D("93.0")] * 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT total FROM scoring_scoresheet WHERE entry_id = %s", [entry.pk])
        assert {str(row[0]) for row in cursor.fetchall()} <= {"93", "93.0"}  # as stored: no 92.99999999999999
    row = PublishedResult.objects.get(publication=publication)
    assert row.final_score == D("93.00")
    assert [s["total"] for s in row.protocol["sheets"]] == ["93.0", "93.0", "93.0"]
    assert row.protocol["final_score"] == "93.00"
