"""Publication: frozen rows without judges, versions with reasons, and what a publication refuses."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from events.models import Edition
from public.cache import cache_version
from results import publication as publishing
from results import runs
from results.models import AwardList, Publication, PublishedResult, ResultRun
from submissions.models import Entry
from tests import factories, scenarios

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
