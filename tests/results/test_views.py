"""Results pages: dashboard, computation, publication, award lists, provisional results per category and venue."""

import io
import re
import zipfile
from datetime import date
from decimal import Decimal as D
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook
from PIL import Image

from events.models import AuditEvent
from results import computation, runs
from results import publication as publishing
from results.models import DEFAULT_WORDING, AwardList, Publication, Result, ResultRun
from tests import factories, scenarios
from tests.portal.test_pdf import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition_with_results(organiser):
    category = scenarios.category(grades=[("标杆", "share", "0.5")])
    edition = category.edition
    edition.organisers.add(organiser)
    venue, judges = scenarios.venue(category, judges=5, signed_off=True)
    entries = [scenarios.scored_entry(venue, judges, [90 - n, 88 - n, 86 - n, 84 - n, 70 - n]) for n in range(3)]
    short = scenarios.scored_entry(venue, judges, [80, 80])
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))
    return {
        "edition": edition,
        "category": category,
        "venue": venue,
        "judges": judges,
        "entries": entries,
        "short": short,
    }


# --- dashboard ---------------------------------------------------------------------------------------------


def test_dashboard_shows_categories_and_unranked_entries(client_for, organiser, edition_with_results):
    edition = edition_with_results["edition"]

    response = client_for(organiser).get(reverse("results:dashboard", args=[edition.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    category = edition_with_results["category"]
    assert f'data-category="{category.pk}" data-entries="4" data-graded="2"' in html
    assert f'data-entry="{edition_with_results["short"].pk}"' in html
    assert 'data-status="done"' in html


@pytest.mark.parametrize("who", ["other_organiser", "judge", "user_a"])
def test_dashboard_refuses_people_who_do_not_organise_the_edition(client_for, edition_with_results, who, request):
    user = factories.OrganiserFactory() if who == "other_organiser" else request.getfixturevalue(who)

    response = client_for(user).get(reverse("results:dashboard", args=[edition_with_results["edition"].pk]))

    assert response.status_code == 403


def test_dashboard_sends_anonymous_visitors_to_log_in(client_for, edition_with_results):
    response = client_for(None).get(reverse("results:dashboard", args=[edition_with_results["edition"].pk]))

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_compute_queues_a_run_that_the_task_completes(
    client_for, organiser, edition_with_results, django_capture_on_commit_callbacks
):
    edition = edition_with_results["edition"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(organiser).post(reverse("results:compute", args=[edition.pk]))

    assert response.status_code == 302
    run = ResultRun.objects.filter(edition=edition).first()
    assert (run.status, run.started_by) == (ResultRun.Status.DONE, organiser)
    status = client_for(organiser).get(reverse("results:status", args=[edition.pk])).json()
    assert status["run"] == {"id": run.pk, "status": "done", "progress": 100, "error": ""}


def test_compute_refuses_get_and_other_users(client_for, judge, edition_with_results):
    edition = edition_with_results["edition"]
    assert client_for(judge).post(reverse("results:compute", args=[edition.pk])).status_code == 403
    assert client_for(judge).get(reverse("results:status", args=[edition.pk])).status_code == 403
    assert ResultRun.objects.filter(edition=edition).count() == 1


def test_publish_publishes_and_a_second_time_needs_a_reason(
    client_for, organiser, edition_with_results, django_capture_on_commit_callbacks
):
    edition = edition_with_results["edition"]
    client = client_for(organiser)
    url = reverse("results:publish", args=[edition.pk])

    seen = runs.latest_done_run(edition).fingerprint

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "", "fingerprint": seen})
        with translation.override("en"):
            response = client.post(url, {"reason": "", "fingerprint": seen}, follow=True)
            expected = gettext("The results are already published: give the reason for publishing them again.")

    assert list(Publication.objects.filter(edition=edition).values_list("version", flat=True)) == [1]
    assert expected in [str(m) for m in response.context["messages"]]
    edition.refresh_from_db()
    assert edition.status == "published"
    assert AwardList.objects.filter(publication__edition=edition, status="done", awarded_only=False).count() == 2


def test_publish_records_the_document_number_and_date_of_the_award_list(
    client_for, organiser, edition_with_results, django_capture_on_commit_callbacks
):
    edition = edition_with_results["edition"]
    with django_capture_on_commit_callbacks(execute=True):
        client_for(organiser).post(
            reverse("results:publish", args=[edition.pk]),
            {
                "reason": "",
                "document_number": " 中机质协〔2021〕25号 ",
                "document_date": "2021-10-08",
                "fingerprint": runs.latest_done_run(edition).fingerprint,
            },
        )

    publication = Publication.objects.get(edition=edition)
    assert (publication.document_number, publication.document_date) == ("中机质协〔2021〕25号", date(2021, 10, 8))
    awards = AwardList.objects.get(publication=publication, format="xlsx", awarded_only=True)
    with awards.file.open("rb") as handle:
        sheet = load_workbook(handle).worksheets[1]
    assert sheet["A2"].value == "中国机械工业质量管理协会　文号：中机质协〔2021〕25号　日期：2021年10月8日"


def test_document_number_set_after_publishing_makes_the_lists_again(
    client_for, organiser, edition_with_results, django_capture_on_commit_callbacks
):
    edition = edition_with_results["edition"]
    with django_capture_on_commit_callbacks(execute=True):
        publication = publishing.publish_results(edition=edition, by=organiser)
    client = client_for(organiser)
    assert (
        f'data-document-form="{publication.pk}"'
        in client.get(reverse("results:dashboard", args=[edition.pk])).content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("results:publication_document", args=[publication.pk]),
            {"document_number": "中机质协〔2021〕26号", "document_date": "2021-10-09"},
        )

    assert response.status_code == 302
    publication.refresh_from_db()
    assert (publication.document_number, publication.document_date) == ("中机质协〔2021〕26号", date(2021, 10, 9))
    newest = AwardList.objects.filter(publication=publication, format="xlsx", awarded_only=True).order_by("-pk")
    assert newest.count() == 2
    with newest.first().file.open("rb") as handle:
        line = load_workbook(handle).worksheets[1]["A2"].value
        assert line == "中国机械工业质量管理协会　文号：中机质协〔2021〕26号　日期：2021年10月9日"
    event = AuditEvent.objects.get(edition=edition, action=AuditEvent.Action.DOCUMENT_SET)
    assert (event.old_values, event.new_values) == (
        {"document_number": "", "document_date": ""},
        {"document_number": "中机质协〔2021〕26号", "document_date": "2021-10-09"},
    )


def test_document_number_refuses_other_organisers(
    client_for, organiser, edition_with_results, django_capture_on_commit_callbacks
):
    edition = edition_with_results["edition"]
    with django_capture_on_commit_callbacks(execute=True):
        publication = publishing.publish_results(edition=edition, by=organiser)

    response = client_for(factories.OrganiserFactory()).post(
        reverse("results:publication_document", args=[publication.pk]), {"document_number": "伪造〔2021〕1号"}
    )

    assert response.status_code == 403
    publication.refresh_from_db()
    assert publication.document_number == ""


def test_publish_before_computing_shows_the_reason(client_for, organiser):
    category = scenarios.category()
    category.edition.organisers.add(organiser)

    with translation.override("en"):
        response = client_for(organiser).post(
            reverse("results:publish", args=[category.edition.pk]), {"fingerprint": "0" * 64}, follow=True
        )
        expected = gettext("Compute the results before publishing them.")

    assert expected in [str(m) for m in response.context["messages"]]
    assert not Publication.objects.exists()


def test_publish_refuses_other_users(client_for, judge, edition_with_results):
    response = client_for(judge).post(reverse("results:publish", args=[edition_with_results["edition"].pk]))

    assert response.status_code == 403
    assert not Publication.objects.exists()
    assert (
        client_for(judge).get(reverse("results:publish", args=[edition_with_results["edition"].pk])).status_code == 403
    )


def test_publishing_shows_the_entries_and_grades_per_category_before_the_confirmation(
    client_for, organiser, edition_with_results
):
    edition = edition_with_results["edition"]
    category = edition.categories.get()

    body = client_for(organiser).get(reverse("results:publish", args=[edition.pk])).content.decode()

    # 4 entries, 3 ranked (one has 2 sheets), 标杆 for the best half of 3: round-half-up(1.5) = 2
    assert f'<tr data-category="{category.pk}" data-entries="4" data-ranked="3">' in body
    assert '<span class="me-3 text-nowrap" data-grade="标杆" data-count="2">标杆: 2</span>' in body
    fingerprint = runs.latest_done_run(edition).fingerprint
    assert f'<input type="hidden" name="fingerprint" value="{fingerprint}"' in body
    assert not Publication.objects.exists()  # looking publishes nothing


def test_publishing_without_the_summary_seen_publishes_nothing(client_for, organiser, edition_with_results):
    edition = edition_with_results["edition"]
    url = reverse("results:publish", args=[edition.pk])

    with translation.override("en"):
        response = client_for(organiser).post(url, {"reason": ""}, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert response.redirect_chain == [(url, 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Check the summary of the results, then confirm the publication."
    ]
    assert not Publication.objects.exists()


def test_publishing_refuses_a_summary_of_an_older_computation(client_for, organiser, edition_with_results):
    edition = edition_with_results["edition"]
    seen = runs.latest_done_run(edition).fingerprint
    scenarios.scored_entry(edition_with_results["venue"], edition_with_results["judges"], [60, 60, 60, 60, 60])
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))

    with translation.override("en"):
        response = client_for(organiser).post(
            reverse("results:publish", args=[edition.pk]),
            {"reason": "", "fingerprint": seen},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert [str(m) for m in response.context["messages"]] == [
        "The results were computed again after you saw their summary: check the new summary and confirm it."
    ]
    assert not Publication.objects.exists()


# --- cancelling a run ----------------------------------------------------------------------------------------


def test_the_dashboard_offers_to_cancel_a_running_run_only(client_for, organiser, edition_with_results):
    edition = edition_with_results["edition"]
    url = reverse("results:dashboard", args=[edition.pk])
    done_page = client_for(organiser).get(url).content.decode()
    running = factories.ResultRunFactory(edition=edition, status=ResultRun.Status.RUNNING)

    running_page = client_for(organiser).get(url).content.decode()

    assert 'id="cancel-run"' not in done_page
    assert f'action="{reverse("results:cancel_run", args=[running.pk])}"' in running_page
    assert 'id="cancel-run"' in running_page
    assert "data-confirm=" in running_page.split('id="cancel-run"')[0].rsplit("<form", 1)[1]


def test_an_organiser_cancels_a_running_run_and_the_audit_says_who(client_for, organiser, edition_with_results):
    edition = edition_with_results["edition"]
    running = factories.ResultRunFactory(edition=edition, status=ResultRun.Status.RUNNING)

    with translation.override("en"):
        response = client_for(organiser).post(reverse("results:cancel_run", args=[running.pk]), follow=True)
        expected = gettext("Run %(run)s is cancelled.") % {"run": running.pk}

    assert expected in [str(m) for m in response.context["messages"]]
    running.refresh_from_db()
    assert (running.status, running.finished_at is not None) == (ResultRun.Status.CANCELLED, True)
    event = AuditEvent.objects.get(edition=edition, target=f"#{running.pk}")
    assert (event.user, event.old_values, event.new_values) == (
        organiser,
        {"status": "running"},
        {"status": "cancelled"},
    )


def test_cancelling_a_finished_run_says_there_is_nothing_to_cancel(client_for, organiser, edition_with_results):
    done = ResultRun.objects.get(edition=edition_with_results["edition"])

    with translation.override("en"):
        response = client_for(organiser).post(reverse("results:cancel_run", args=[done.pk]), follow=True)
        expected = gettext("Run %(run)s is not queued or running (%(status)s): there is nothing to cancel.") % {
            "run": done.pk,
            "status": gettext("Done"),
        }

    assert expected in [str(m) for m in response.context["messages"]]
    done.refresh_from_db()
    assert done.status == ResultRun.Status.DONE


@pytest.mark.parametrize("who", ["other_organiser", "judge", "user_a"])
def test_cancel_refuses_people_who_do_not_organise_the_edition(client_for, edition_with_results, who, request):
    user = factories.OrganiserFactory() if who == "other_organiser" else request.getfixturevalue(who)
    running = factories.ResultRunFactory(edition=edition_with_results["edition"], status=ResultRun.Status.RUNNING)

    response = client_for(user).post(reverse("results:cancel_run", args=[running.pk]))

    assert response.status_code == 403
    running.refresh_from_db()
    assert running.status == ResultRun.Status.RUNNING
    assert not AuditEvent.objects.filter(target=f"#{running.pk}").exists()


def test_cancel_refuses_get(client_for, organiser, edition_with_results):
    running = factories.ResultRunFactory(edition=edition_with_results["edition"], status=ResultRun.Status.RUNNING)

    assert client_for(organiser).get(reverse("results:cancel_run", args=[running.pk])).status_code == 405
    running.refresh_from_db()
    assert running.status == ResultRun.Status.RUNNING


# --- award lists -----------------------------------------------------------------------------------------


def test_award_list_is_generated_and_downloaded_by_the_organiser(
    client_for, organiser, edition_with_results, django_capture_on_commit_callbacks
):
    edition = edition_with_results["edition"]
    client = client_for(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("results:award_list_request", args=[edition.pk]),
            {"kind": "ranking", "format": "csv", "source": "provisional"},
        )

    award_list = AwardList.objects.get()
    assert (award_list.status, award_list.rows, award_list.publication, award_list.awarded_only) == (
        "done",
        3,
        None,
        False,
    )
    response = client.get(reverse("results:award_list_download", args=[award_list.pk]))
    assert response.status_code == 200
    # named as what it is, the full ranking, in Chinese after an ASCII fallback
    assert response["Content-Disposition"] == (
        f'attachment; filename="award-list-{edition.year}-{edition.pk}-provisional-{award_list.pk}.csv"; '
        f"filename*=utf-8''{quote(edition.name + '全部成果排名(暂定)')}.csv"
    )
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff类别,排名,成果编号")
    assert edition_with_results["entries"][0].code in body
    # nobody else gets a provisional list
    assert client_for(None).get(reverse("results:award_list_download", args=[award_list.pk])).status_code == 404


def test_published_award_list_is_public_until_a_newer_publication(
    client_for, organiser, edition_with_results, django_capture_on_commit_callbacks
):
    edition = edition_with_results["edition"]
    with django_capture_on_commit_callbacks(execute=True):
        first = publishing.publish_results(edition=edition, by=organiser)
    xlsx = AwardList.objects.get(publication=first, format="xlsx", awarded_only=True)
    ranking = AwardList.objects.get(publication=first, format="xlsx", awarded_only=False)

    assert client_for(None).get(reverse("results:award_list_download", args=[xlsx.pk])).status_code == 200
    # the full ranking of every entry stays the organisers'
    assert client_for(None).get(reverse("results:award_list_download", args=[ranking.pk])).status_code == 404
    assert client_for(organiser).get(reverse("results:award_list_download", args=[ranking.pk])).status_code == 200

    edition_with_results["entries"][0].title = "更正后的课题名称"  # a publication again needs a change
    edition_with_results["entries"][0].save(update_fields=["title"])
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish_results(edition=edition, by=organiser, reason="更正")
    assert client_for(None).get(reverse("results:award_list_download", args=[xlsx.pk])).status_code == 404
    assert client_for(organiser).get(reverse("results:award_list_download", args=[xlsx.pk])).status_code == 200


def test_award_list_from_a_publication_needs_one(client_for, organiser, edition_with_results):
    edition = edition_with_results["edition"]

    client_for(organiser).post(
        reverse("results:award_list_request", args=[edition.pk]), {"format": "xlsx", "source": "published"}
    )

    assert not AwardList.objects.exists()


def test_award_list_request_refuses_other_users(client_for, judge, edition_with_results):
    edition = edition_with_results["edition"]
    response = client_for(judge).post(
        reverse("results:award_list_request", args=[edition.pk]), {"format": "xlsx", "source": "provisional"}
    )

    assert response.status_code == 403
    assert not AwardList.objects.exists()


# --- provisional results -----------------------------------------------------------------------------------


def test_category_page_lists_entries_in_rank_order_with_their_protocol(client_for, organiser, edition_with_results):
    category = edition_with_results["category"]
    first = edition_with_results["entries"][0]

    response = client_for(organiser).get(reverse("results:category", args=[category.pk]))

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r["result"].rank, r["result"].grade) for r in rows] == [(1, "标杆"), (2, "标杆"), (3, ""), (None, "")]
    # (88 + 86 + 84) / 3 = 86.00; judge 1 (90) dropped high, judge 5 (70) dropped low
    assert rows[0]["result"].final_score == D("86.00")
    judges = edition_with_results["judges"]
    assert [(s["judge"], s["dropped"]) for s in rows[0]["sheets"]] == [
        (judges[0].full_name, "high"),
        (judges[1].full_name, ""),
        (judges[2].full_name, ""),
        (judges[3].full_name, ""),
        (judges[4].full_name, "low"),
    ]
    html = response.content.decode()
    assert f'data-entry="{first.pk}" data-rank="1" data-score="86.00" data-grade="标杆"' in html
    assert 'data-flag="below_min_sheets"' in html


def test_category_page_refuses_panel_leaders_and_judges(client_for, edition_with_results):
    leader = edition_with_results["judges"][0]

    response = client_for(leader).get(reverse("results:category", args=[edition_with_results["category"].pk]))

    assert response.status_code == 403


def test_venue_page_shows_statistics_and_leniency_to_the_panel_leader(client_for, edition_with_results):
    venue = edition_with_results["venue"]
    leader = edition_with_results["judges"][0]

    response = client_for(leader).get(reverse("results:venue", args=[venue.pk]))

    assert response.status_code == 200
    stats = response.context["stats"]
    # counted totals: 90,88,86,84,70 / 89,87,85,83,69 / 88,86,84,82,68 / 80,80 -> 17 sheets, sum 1399
    assert stats.sheets == 17
    assert stats.mean == D("82.29")  # 1399 / 17 = 82.294...
    deviations = {j["name"]: j["deviation"] for j in response.context["judges"]}
    judges = edition_with_results["judges"]
    # judge 1: +4, +4, +4 against the medians 86, 85, 84 and 0 against 80 -> 12 / 4 = 3.00
    assert deviations[judges[0].full_name] == D("3.00")
    # judge 5: -16 three times -> -16.00
    assert deviations[judges[4].full_name] == D("-16.00")


def test_venue_page_refuses_other_judges_and_other_leaders(client_for, edition_with_results):
    venue = edition_with_results["venue"]
    member = edition_with_results["judges"][1]
    _other_venue, other_panel = scenarios.venue(edition_with_results["category"], judges=1)

    assert client_for(member).get(reverse("results:venue", args=[venue.pk])).status_code == 403
    assert client_for(other_panel[0]).get(reverse("results:venue", args=[venue.pk])).status_code == 403


def test_results_home_lists_organised_editions_and_led_venues(client_for, organiser, edition_with_results):
    edition = edition_with_results["edition"]
    leader = edition_with_results["judges"][0]

    organiser_page = client_for(organiser).get(reverse("results:home")).content.decode()
    leader_page = client_for(leader).get(reverse("results:home")).content.decode()

    assert f'data-edition="{edition.pk}"' in organiser_page
    assert f'data-venue="{edition_with_results["venue"].pk}"' in leader_page
    assert client_for(factories.EnterpriseUserFactory()).get(reverse("results:home")).status_code == 403


@pytest.mark.parametrize("page", ["category", "venue", "dashboard"])
def test_results_pages_make_the_same_number_of_queries_for_3_and_30_entries(client_for, organiser, page):
    counts = []
    for size in (3, 30):
        category = scenarios.category(grades=[("标杆", "share", "0.5")])
        category.edition.organisers.add(organiser)
        venue, judges = scenarios.venue(category, judges=3)
        for n in range(size):
            scenarios.scored_entry(venue, judges, [80 + n % 10, 81, 82])
        computation.compute_results(category=category)
        assert Result.objects.filter(category=category).count() == size
        url = {
            "category": reverse("results:category", args=[category.pk]),
            "venue": reverse("results:venue", args=[venue.pk]),
            "dashboard": reverse("results:dashboard", args=[category.edition.pk]),
        }[page]
        client = client_for(organiser)
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_category_page_is_paginated(client_for, organiser, monkeypatch):
    from results import views as results_views

    monkeypatch.setattr(results_views, "CATEGORY_PAGE_SIZE", 2)
    category = scenarios.category(scope="category")
    category.edition.organisers.add(organiser)
    venue, judges = scenarios.venue(category, judges=3)
    entries = [scenarios.scored_entry(venue, judges, [90 - n, 90 - n, 90 - n]) for n in range(5)]
    computation.compute_results(category=category)
    url = reverse("results:category", args=[category.pk])

    second = client_for(organiser).get(url, {"page": 2})

    assert [r["entry"].pk for r in second.context["rows"]] == [entries[2].pk, entries[3].pk]
    assert second.context["page"].paginator.num_pages == 3


# --- certificates --------------------------------------------------------------------------------------------


def png_upload(name="seal.png"):
    out = io.BytesIO()
    Image.new("RGB", (30, 30), (200, 0, 0)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


TEMPLATE_POST = {
    "heading": "荣誉证书",
    "wording": "{enterprise}{group}荣获{grade}",
    "member_wording": "",
    "issuing_body": "中国质量协会",
    "issued_on": "2021-11-20",
    "number_pattern": "〔{year}〕{category_code}-{n:04d}",
}


def test_an_organiser_saves_the_certificate_template_with_a_seal(client_for, organiser):
    edition = factories.EditionFactory()
    edition.organisers.add(organiser)
    url = reverse("results:certificates", args=[edition.pk])

    response = client_for(organiser).post(url, {**TEMPLATE_POST, "per_member": "on", "seal_file": png_upload()})

    assert (response.status_code, response["Location"]) == (302, url)
    template = edition.certificate_template
    assert (template.wording, template.issuing_body, str(template.issued_on), template.per_member) == (
        "{enterprise}{group}荣获{grade}",
        "中国质量协会",
        "2021-11-20",
        True,
    )
    assert template.seal.name.endswith(".png") and not template.background
    event = AuditEvent.objects.get(edition=edition)
    assert (event.action, event.user) == ("certificate_template", organiser)
    assert event.old_values == {  # the defaults
        "issued_on": "",
        "issuing_body": "",
        "per_member": False,
        "seal": False,
        "wording": DEFAULT_WORDING,
    }
    assert event.new_values == {
        "issued_on": "2021-11-20",
        "issuing_body": "中国质量协会",
        "per_member": True,
        "seal": True,
        "wording": "{enterprise}{group}荣获{grade}",
    }


def test_a_template_with_an_unknown_placeholder_or_a_pdf_as_seal_is_not_saved(client_for, organiser):
    edition = factories.EditionFactory()
    edition.organisers.add(organiser)
    with translation.override("en"):
        response = client_for(organiser).post(
            reverse("results:certificates", args=[edition.pk]),
            {
                **TEMPLATE_POST,
                "wording": "{group}{prize}",
                "seal_file": SimpleUploadedFile("seal.png", b"%PDF-1.7"),
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Unknown placeholders: {prize}." in body
    assert "This file is not a PNG or JPEG picture (its content was checked, not its name)." in body
    assert edition.__class__.objects.filter(pk=edition.pk, certificate_template__isnull=False).count() == 0


def test_another_organiser_is_refused_the_certificate_pages(client_for):
    edition = factories.EditionFactory()
    other = factories.OrganiserFactory()
    client = client_for(other)
    assert client.get(reverse("results:certificates", args=[edition.pk])).status_code == 403
    assert client.post(reverse("results:certificates_generate", args=[edition.pk])).status_code == 403


def test_generating_before_a_publication_is_refused_with_a_message(client_for, organiser):
    edition = factories.EditionFactory()
    edition.organisers.add(organiser)
    with translation.override("en"):
        response = client_for(organiser).post(
            reverse("results:certificates_generate", args=[edition.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert [str(m) for m in response.context["messages"]] == [
        "The results are not published yet: certificates follow the publication."
    ]


def test_the_organiser_generates_and_downloads_a_category_s_zip(
    client_for, organiser, django_capture_on_commit_callbacks
):
    edition, publication = scenarios.published_edition(year=2021)
    edition.organisers.add(organiser)
    row = scenarios.published_row(publication, grade="一等奖")
    client = client_for(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("results:certificates_generate", args=[edition.pk]))

    page = client.get(reverse("results:certificates", args=[edition.pk])).content.decode()
    run = edition.certificate_runs.get()
    event = AuditEvent.objects.get(edition=edition)
    assert (event.action, event.user, event.target, event.new_values) == (
        "certificates_requested",
        organiser,
        "v1",
        {"run": run.pk, "version": 1},
    )
    archive = run.archives.get()
    assert f'data-archive="{archive.pk}"' in page
    response = client.get(reverse("results:certificate_archive_download", args=[archive.pk]))
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert names == [f"荣誉证书-{row.category.name}.pdf", f"荣誉证书-{row.category.name}-清单.csv"]


def test_the_enterprise_downloads_its_certificate_and_another_enterprise_is_refused(client_for, user_a, user_b):
    entry = factories.EntryFactory(enterprise=user_a.membership.enterprise, status="accepted", group_name="精益QC小组")
    certificate = factories.CertificateFactory(entry=entry)
    url = reverse("results:certificate_download", args=[certificate.pk])

    response = client_for(user_a).get(url)

    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert "精益QC小组" in text_of(response.content)
    assert client_for(user_b).get(url).status_code == 404


def test_a_superseded_certificate_is_no_longer_downloaded_by_the_enterprise(client_for, user_a):
    entry = factories.EntryFactory(enterprise=user_a.membership.enterprise, status="accepted")
    certificate = factories.CertificateFactory(entry=entry, superseded_at=timezone.now())
    assert client_for(user_a).get(reverse("results:certificate_download", args=[certificate.pk])).status_code == 404


def test_the_entry_page_links_its_valid_certificates(client_for, user_a):
    entry = factories.EntryFactory(enterprise=user_a.membership.enterprise, status="accepted")
    valid = factories.CertificateFactory(entry=entry, code="VALID234")
    factories.CertificateFactory(entry=entry, code="QLD22222", superseded_at=timezone.now(), superseded_by=valid)

    body = client_for(user_a).get(reverse("submissions:entry_detail", args=[entry.pk])).content.decode()

    assert re.findall(r'data-certificate="([^"]+)"', body) == ["VALID234"]
    assert reverse("results:certificate_download", args=[valid.pk]) in body
