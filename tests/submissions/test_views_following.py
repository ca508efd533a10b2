"""What an enterprise follows of its entries (dashboard, entry page, its data as a zip), what a recommending unit
sees of what it recommended, withdrawing, and the organiser's per-enterprise deadline extension (views)."""

import io
import json
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from results.publication import publish_results
from scoring.models import ScoreSheet
from submissions import services
from submissions.models import DeadlineExtension, Entry
from tests import factories
from tests.submissions.conftest import upload


def messages_of(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


@pytest.fixture
def judged(computed_edition, organiser):
    """The computed edition's two entries, of two enterprises, each with a user; not published yet."""
    first, second = computed_edition["entries"]
    Entry.objects.filter(pk=first.pk).update(running_order=1)
    Entry.objects.filter(pk=second.pk).update(running_order=2)
    first.running_order, second.running_order = 1, 2
    return {
        **computed_edition,
        "user_first": factories.EnterpriseUserFactory(enterprise=first.enterprise),
        "user_second": factories.EnterpriseUserFactory(enterprise=second.enterprise),
    }


def _outcome_rows(response):
    return {
        entry.pk: entry.outcome for block in response.context["blocks"] for entry in block["entries"] if entry.outcome
    }


def test_before_publication_the_dashboard_shows_the_venue_but_no_result(client_for, judged):
    first = judged["entries"][0]
    response = client_for(judged["user_first"]).get(reverse("submissions:dashboard"))
    html = response.content.decode()
    assert _outcome_rows(response) == {}
    assert "data-final-score" not in html
    assert f'data-slot="{judged["venue"].pk}"' in html
    assert f'data-position="{first.running_order}"' in html


def test_after_publication_the_dashboard_shows_score_rank_scope_and_grade(client_for, judged, organiser):
    publish_results(edition=judged["edition"], by=organiser)
    first, second = judged["entries"]
    response = client_for(judged["user_first"]).get(reverse("submissions:dashboard"))
    outcomes = _outcome_rows(response)
    assert list(outcomes) == [first.pk]
    outcome = outcomes[first.pk]
    assert (str(outcome["final_score"]), outcome["rank"], outcome["rank_scope"], outcome["grade"]) == (
        "85.00",
        1,
        "venue",
        "标杆",
    )
    assert outcome["scope_name"] == judged["venue"].name
    html = response.content.decode()
    assert "<span data-final-score>85.00</span>" in html
    assert 'data-grade="标杆"' in html
    assert second.title not in html


def test_the_entry_page_shows_the_published_protocol_to_its_enterprise(client_for, judged, organiser):
    publish_results(edition=judged["edition"], by=organiser)
    first = judged["entries"][0]
    response = client_for(judged["user_first"]).get(reverse("submissions:entry_detail", args=[first.pk]))
    html = response.content.decode()
    assert response.context["entry"].outcome["sheets"] == [
        {"total": "90.0", "dropped": False},
        {"total": "85.0", "dropped": False},
        {"total": "80.0", "dropped": False},
    ]
    assert "data-protocol" in html


def test_the_entry_page_hides_the_protocol_when_the_category_does_not_publish_it(client_for, judged, organiser):
    first = judged["entries"][0]
    first.category.publish_protocol = False
    first.category.save(update_fields=["publish_protocol"])
    publish_results(edition=judged["edition"], by=organiser)
    response = client_for(judged["user_first"]).get(reverse("submissions:entry_detail", args=[first.pk]))
    assert response.context["entry"].outcome["sheets"] == []
    assert "data-protocol" not in response.content.decode()


def test_the_judges_comments_reach_their_enterprise_only_where_the_category_shares_them(client_for, judged, organiser):
    first, second = judged["entries"]
    ScoreSheet.objects.filter(entry=first).update(comment="")
    sheets = list(ScoreSheet.objects.filter(entry=first).order_by("pk"))
    ScoreSheet.objects.filter(pk=sheets[0].pk).update(comment="数据详实\n建议推广")
    ScoreSheet.objects.filter(pk=sheets[2].pk).update(comment="对策表不完整")
    ScoreSheet.objects.filter(entry=second).update(comment="别家的评语")
    publish_results(edition=judged["edition"], by=organiser)
    url = reverse("submissions:entry_detail", args=[first.pk])
    client = client_for(judged["user_first"])

    hidden = client.get(url)
    assert (hidden.context["entry"].outcome["comments"], "data-comments" in hidden.content.decode()) == ([], False)

    first.category.share_comments = True
    first.category.save(update_fields=["share_comments"])
    shown = client.get(url)
    html = shown.content.decode()
    assert shown.context["entry"].outcome["comments"] == ["数据详实\n建议推广", "对策表不完整"]
    assert '<li class="text-break">数据详实<br>建议推广</li>' in html
    assert "别家的评语" not in html
    assert sheets[0].judge.get_full_name() not in html.split("data-comments")[1]  # without the judges' names
    public = client_for(factories.UserFactory()).get(reverse("public:entry", args=[first.pk])).content.decode()
    assert "数据详实" not in public


def test_another_enterprise_sees_nothing_of_an_entry_or_its_result(client_for, judged, organiser):
    publish_results(edition=judged["edition"], by=organiser)
    first = judged["entries"][0]
    client = client_for(judged["user_second"])
    assert client.get(reverse("submissions:entry_detail", args=[first.pk])).status_code == 404
    response = client.get(reverse("submissions:dashboard"))
    assert first.pk not in _outcome_rows(response)
    assert first.title not in response.content.decode()


def test_publication_sends_each_enterprise_one_e_mail_with_its_own_outcomes(
    judged, organiser, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish_results(edition=judged["edition"], by=organiser)
    first, second = judged["entries"]
    outcomes = [m for m in mail.outbox if judged["edition"].name in m.subject and "/verify/" not in m.body]
    told = {tuple(message.to): message.body for message in outcomes}  # the certificates' e-mail comes on its own
    assert set(told) == {(judged["user_first"].email,), (judged["user_second"].email,)}
    assert first.title in told[(judged["user_first"].email,)]
    assert "85.00" in told[(judged["user_first"].email,)]
    assert second.title not in told[(judged["user_first"].email,)]


def test_a_unit_sees_the_state_venue_and_result_of_what_it_recommended(client_for, judged, organiser):
    first = judged["entries"][0]
    unit = factories.RecommendingUnitFactory()
    Entry.objects.filter(pk=first.pk).update(recommending_unit=unit)
    recommender = factories.RecommenderFactory(recommending_unit=unit)
    publish_results(edition=judged["edition"], by=organiser)
    response = client_for(recommender).get(reverse("submissions:recommendation_upload"))
    rows = list(response.context["page"].object_list)
    assert [(entry.pk, entry.status, entry.slot["venue"].pk, entry.outcome["grade"]) for entry in rows] == [
        (first.pk, "accepted", judged["venue"].pk, "标杆")
    ]
    other = factories.RecommenderFactory()
    assert list(client_for(other).get(reverse("submissions:recommendation_upload")).context["page"]) == []


# --- withdrawing ---------------------------------------------------------------------------------


@pytest.fixture
def submitted(draft):
    Entry.objects.filter(pk=draft.pk).update(status=Entry.Status.SUBMITTED, submitted_at=timezone.now())
    draft.refresh_from_db()
    return draft


def test_an_enterprise_withdraws_its_entry_with_a_reason(client_for, user_a, submitted):
    response = client_for(user_a).post(
        reverse("submissions:entry_withdraw", args=[submitted.pk]), {"reason": "小组解散"}, follow=True
    )
    assert messages_of(response) == ["The entry “降低焊缝气孔率” is withdrawn."]
    submitted.refresh_from_db()
    assert submitted.status == Entry.Status.WITHDRAWN


def test_a_withdrawal_without_a_reason_changes_nothing(client_for, user_a, submitted):
    response = client_for(user_a).post(reverse("submissions:entry_withdraw", args=[submitted.pk]), {}, follow=True)
    assert messages_of(response) == ["Please give the reason for withdrawing the entry."]
    submitted.refresh_from_db()
    assert submitted.status == Entry.Status.SUBMITTED


def test_another_enterprise_cannot_withdraw_an_entry(client_for, user_b, submitted):
    response = client_for(user_b).post(reverse("submissions:entry_withdraw", args=[submitted.pk]), {"reason": "x"})
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Entry.Status.SUBMITTED


def test_the_edit_page_of_a_submitted_entry_is_refused_after_the_deadline(client_for, user_a, submitted):
    submitted.edition.submission_deadline = timezone.now() - timedelta(minutes=1)
    submitted.edition.save()
    response = client_for(user_a).get(reverse("submissions:entry_edit", args=[submitted.pk]), follow=True)
    assert messages_of(response)[0].startswith("The submission deadline (")
    assert response.context["can_withdraw"] is False


# --- the organiser's extension -------------------------------------------------------------------


def _extend_post(edition, *, days=3, reason="系统故障"):
    until = timezone.localtime(edition.submission_deadline + timedelta(days=days))
    return {"edition": edition.pk, "until": until.strftime("%Y-%m-%dT%H:%M"), "reason": reason}


def test_an_organiser_extends_the_deadline_of_one_enterprise(client_for, organiser, draft, enterprise_a):
    response = client_for(organiser).post(
        reverse("submissions:enterprise_extend", args=[enterprise_a.pk]), _extend_post(draft.edition), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("submissions:enterprise_review", args=[enterprise_a.pk])
    assert list(DeadlineExtension.objects.values_list("enterprise", "reason")) == [(enterprise_a.pk, "系统故障")]


def test_an_extension_without_a_reason_is_refused_on_the_form(client_for, organiser, draft, enterprise_a):
    response = client_for(organiser).post(
        reverse("submissions:enterprise_extend", args=[enterprise_a.pk]), _extend_post(draft.edition, reason="")
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert not DeadlineExtension.objects.exists()


def test_an_enterprise_user_cannot_extend_its_own_deadline(client_for, user_a, draft, enterprise_a):
    response = client_for(user_a).post(
        reverse("submissions:enterprise_extend", args=[enterprise_a.pk]), _extend_post(draft.edition)
    )
    assert response.status_code == 403
    assert not DeadlineExtension.objects.exists()


def test_an_organiser_of_another_edition_cannot_extend(client_for, draft, enterprise_a):
    other = factories.OrganiserFactory()
    factories.EditionFactory().organisers.add(other)
    response = client_for(other).post(
        reverse("submissions:enterprise_extend", args=[enterprise_a.pk]), _extend_post(draft.edition)
    )
    assert response.status_code == 404
    assert not DeadlineExtension.objects.exists()


def test_the_dashboard_shows_the_extended_deadline(client_for, user_a, user_b, draft, enterprise_a, organiser):
    until = draft.edition.submission_deadline + timedelta(days=3)
    factories.DeadlineExtensionFactory(edition=draft.edition, enterprise=enterprise_a, until=until)
    own = client_for(user_a).get(reverse("submissions:dashboard"))
    assert own.context["blocks"][0]["deadline"] == until
    assert "data-extended" in own.content.decode()
    other = client_for(user_b).get(reverse("submissions:dashboard"))
    assert other.context["blocks"][0]["deadline"] == draft.edition.submission_deadline


# --- the enterprise's data -----------------------------------------------------------------------


def test_the_zip_holds_the_enterprise_s_entries_members_files_and_results_only(client_for, judged, organiser):
    publish_results(edition=judged["edition"], by=organiser)
    first, second = judged["entries"]
    factories.MemberFactory(entry=first, name="张三", is_leader=True)
    stored = factories.EntryFileFactory(entry=first, kind="report", original_name="报告.pdf")
    response = client_for(judged["user_first"]).get(reverse("submissions:enterprise_export"))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    assert [entry["title"] for entry in data["entries"]] == [first.title]
    assert data["entries"][0]["members"][0]["name"] == "张三"
    assert data["entries"][0]["result"]["grade"] == "标杆"
    assert data["entries"][0]["result"]["final_score"] == "85.00"
    assert [user["email"] for user in data["users"]] == [judged["user_first"].email]
    file_names = [name for name in archive.namelist() if name.startswith("files/")]
    assert file_names == [f"files/{first.pk}/report-报告.pdf"]
    assert archive.read(file_names[0]) == stored.file.open("rb").read()
    workbook = openpyxl.load_workbook(io.BytesIO(archive.read("data.xlsx")))
    assert [row[1].value for row in workbook["Entries"].iter_rows(min_row=2)] == [judged["edition"].name]
    assert [row[5].value for row in workbook["Results"].iter_rows(min_row=2)] == ["标杆"]
    assert second.title not in archive.read("data.json").decode()


@pytest.mark.parametrize("who", [None, "organiser", "judge", "recommender"])
def test_only_an_enterprise_user_downloads_its_data(db, client_for, request, who):
    user = request.getfixturevalue(who) if who else None
    response = client_for(user).get(reverse("submissions:enterprise_export"))
    assert response.status_code == (302 if who is None else 403)


def test_the_review_page_says_the_entry_changed_during_its_review(client_for, user_a, organiser, submitted):
    services.start_review(entry=submitted, by=organiser)
    client_for(user_a).post(
        reverse("submissions:file_upload", args=[submitted.pk]),
        {"kind": "report_form", "file": upload()},
    )
    response = client_for(organiser).get(reverse("submissions:review_entry", args=[submitted.pk]))
    assert response.context["changed_during_review"].by == user_a
    assert 'id="changed-during-review"' in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Entry.Status.SUBMITTED
