import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from portal.models import User
from scoring.models import Declaration, ScoreSheet
from tests import factories
from tests.scenarios import judged_venue
from tests.scoring.test_people import LI, WANG, filled_list

pytestmark = pytest.mark.django_db


# --- the judges' list, adding, inviting ---------------------------------------------------------


def test_judges_lists_each_judge_with_the_invitation_state(client_for, organiser, django_assert_num_queries):
    factories.JudgeFactory(full_name="已接受")
    invited = factories.JudgeProfileFactory(judge=factories.JudgeFactory(full_name="已邀请"), invited_at=timezone.now())
    invited.judge.set_unusable_password()
    invited.judge.save()
    client = client_for(organiser)
    # the session, the user, whether the user works for an association, its associations, the judges with profiles
    with django_assert_num_queries(5):
        response = client.get(reverse("scoring:judges"))
    page = response.content.decode()
    assert response.context["accepted"] == 1
    assert f'data-judge="{invited.judge.pk}" data-accepted="0"' in page
    assert page.count('data-accepted="1"') == 1
    for _n in range(10):
        factories.JudgeProfileFactory()
    with django_assert_num_queries(5):
        client.get(reverse("scoring:judges"))


def test_judges_refuses_a_judge_and_an_enterprise_user(client_for, judge, user_a):
    assert client_for(judge).get(reverse("scoring:judges")).status_code == 403
    assert client_for(user_a).get(reverse("scoring:judges")).status_code == 403
    assert client_for(judge).post(reverse("scoring:invite_judges"), {"judges": [judge.pk]}).status_code == 403
    assert client_for(judge).get(reverse("scoring:judge_template")).status_code == 403
    assert client_for(user_a).get(reverse("scoring:import_judges")).status_code == 403


def test_an_organiser_adds_a_judge_one_by_one(client_for, organiser):
    response = client_for(organiser).post(
        reverse("scoring:judges"), {"full_name": "王建国", "email": "wang@judges.example", "speciality": "六西格玛"}
    )
    assert (response.status_code, response.url) == (302, reverse("scoring:judges"))
    judge = User.objects.get(email="wang@judges.example")
    assert (judge.role, judge.judge_profile.speciality, judge.has_usable_password()) == ("judge", "六西格玛", False)


def test_adding_an_organiser_s_address_as_a_judge_is_refused_with_the_reason(client_for, organiser):
    response = client_for(organiser).post(reverse("scoring:judges"), {"full_name": "组织者", "email": organiser.email})
    assert response.status_code == 400
    assert User.objects.get(pk=organiser.pk).role == "organiser"


def test_inviting_mails_the_ticked_judges_not_yet_accepted(
    client_for, organiser, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    waiting = factories.JudgeFactory(email="new@judges.example")
    waiting.set_unusable_password()
    waiting.save()
    accepted = factories.JudgeFactory(email="old@judges.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(organiser).post(reverse("scoring:invite_judges"), {"judges": [waiting.pk, accepted.pk]})
    assert (response.status_code, response.url) == (302, reverse("scoring:judges"))
    assert [message.to for message in mail.outbox] == [["new@judges.example"]]
    waiting.refresh_from_db()
    assert waiting.judge_profile.invited_by == organiser


# --- the list: template, filled, preview, confirm ------------------------------------------------


def test_judge_import_round_trip_template_filled_preview_confirm(client_for, organiser):
    client = client_for(organiser)
    template = client.get(reverse("scoring:judge_template"))
    assert template["Content-Disposition"] == 'attachment; filename="judges-template.xlsx"'
    upload = filled_list([WANG, LI])
    preview = client.post(reverse("scoring:import_judges"), {"file": upload})
    assert preview.status_code == 200
    assert preview.context["preview"] is True
    assert [row["email"] for row in preview.context["report"].valid] == ["wang@judges.example", "li@judges.example"]
    assert not User.objects.filter(role=User.Role.JUDGE).exists()  # the preview writes nothing
    token = preview.context["confirm"].initial["token"]
    done = client.post(reverse("scoring:import_judges"), {"token": token})
    assert (done.status_code, done.url) == (302, reverse("scoring:judges"))
    assert sorted(User.objects.filter(role=User.Role.JUDGE).values_list("email", flat=True)) == [
        "li@judges.example",
        "wang@judges.example",
    ]
    again = client.post(reverse("scoring:import_judges"), {"token": token})  # the kept file is spent
    assert again.status_code == 400
    assert User.objects.filter(role=User.Role.JUDGE).count() == 2


def test_a_list_with_a_bad_row_is_not_offered_for_confirmation(client_for, organiser):
    response = client_for(organiser).post(
        reverse("scoring:import_judges"), {"file": filled_list([WANG, ["", "nobody", "", "", "", "", ""]])}
    )
    assert response.status_code == 400
    assert response.context["preview"] is False
    assert 'data-row="3"' in response.content.decode()


def test_a_confirmation_by_another_organiser_is_refused(client_for, organiser):
    preview = client_for(organiser).post(reverse("scoring:import_judges"), {"file": filled_list([WANG])})
    token = preview.context["confirm"].initial["token"]
    response = client_for(factories.OrganiserFactory()).post(reverse("scoring:import_judges"), {"token": token})
    assert response.status_code == 400
    assert not User.objects.filter(email="wang@judges.example").exists()


# --- the declaration before the first sheet ------------------------------------------------------


def _undeclared():
    setup = judged_venue(judges=2, entries=1)
    judge = setup.judges[1]
    Declaration.objects.filter(judge=judge).delete()
    return setup, judge


def test_scoring_is_refused_until_the_judge_confirms_the_declaration(client_for):
    setup, judge = _undeclared()
    client = client_for(judge)
    entry = setup.entries[0]
    score = reverse("scoring:score_entry", args=[setup.venue.pk, entry.pk])
    declare = reverse("scoring:declare", args=[setup.venue.edition_id])
    response = client.get(score)
    assert (response.status_code, response.url) == (302, f"{declare}?{urlencode({'next': score})}")
    workspace = client.get(reverse("scoring:workspace", args=[setup.venue.pk]))
    assert workspace.url.startswith(declare)
    autosave = client.post(
        reverse("scoring:autosave_entry", args=[entry.pk]), {"version": 0}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    assert autosave.status_code == 409
    assert autosave.json()["redirect"].startswith(declare)
    assert not ScoreSheet.objects.filter(judge=judge).exists()


def test_confirming_the_declaration_records_it_and_goes_on_to_the_sheet(client_for):
    setup, judge = _undeclared()
    client = client_for(judge)
    score = reverse("scoring:score_entry", args=[setup.venue.pk, setup.entries[0].pk])
    declare = reverse("scoring:declare", args=[setup.venue.edition_id])
    unconfirmed = client.post(declare, {"next": score, "conflicts": "曾任甲企业顾问"})
    assert unconfirmed.status_code == 400
    assert not Declaration.objects.filter(judge=judge).exists()
    response = client.post(declare, {"next": score, "conflicts": "曾任甲企业顾问", "confirm": "on"})
    assert (response.status_code, response.url) == (302, score)
    declaration = Declaration.objects.get(judge=judge, edition=setup.venue.edition)
    assert declaration.conflicts == "曾任甲企业顾问"
    assert client.get(score).status_code == 200


def test_the_declaration_does_not_follow_an_outside_next(client_for):
    setup, judge = _undeclared()
    response = client_for(judge).post(
        reverse("scoring:declare", args=[setup.venue.edition_id]), {"next": "https://evil.example/", "confirm": "on"}
    )
    assert response.url == reverse("scoring:judge_home")


def test_the_declaration_refuses_a_judge_of_no_panel_of_the_edition(client_for):
    setup, _judge = _undeclared()
    outsider = factories.JudgeFactory()
    response = client_for(outsider).post(reverse("scoring:declare", args=[setup.venue.edition_id]), {"confirm": "on"})
    assert response.status_code == 403
    assert not Declaration.objects.filter(judge=outsider).exists()


def test_the_organiser_sees_who_confirmed_and_when(client_for):
    setup, judge = _undeclared()
    organiser = setup.venue.edition.organisers.first()
    response = client_for(organiser).get(reverse("scoring:declarations", args=[setup.venue.edition_id]))
    page = response.content.decode()
    assert response.context["confirmed"] == 1
    assert f'data-judge="{judge.pk}" data-confirmed="0"' in page
    confirmed = Declaration.objects.get(judge=setup.judges[0])
    assert timezone.localtime(confirmed.confirmed_at).strftime("%Y-%m-%d %H:%M") in page


def test_declarations_refuse_an_organiser_of_another_edition_and_a_judge(client_for):
    setup, judge = _undeclared()
    url = reverse("scoring:declarations", args=[setup.venue.edition_id])
    assert client_for(factories.OrganiserFactory()).get(url).status_code == 403
    assert client_for(judge).get(url).status_code == 403


# --- where a judge lands -------------------------------------------------------------------------


def test_a_judge_lands_on_the_venue_sitting_today(client_for):
    setup = judged_venue(judges=1, entries=1, date=timezone.localdate())
    response = client_for(setup.judges[0]).get(reverse("scoring:judge_today"))
    assert response.url == reverse("scoring:workspace", args=[setup.venue.pk])


def test_a_judge_with_no_venue_today_lands_on_the_list_of_venues(client_for):
    setup = judged_venue(judges=1, entries=1, date=timezone.localdate() + datetime.timedelta(days=1))
    response = client_for(setup.judges[0]).get(reverse("scoring:judge_today"))
    assert response.url == reverse("scoring:judge_home")


def test_judge_today_refuses_an_organiser(client_for, organiser):
    assert client_for(organiser).get(reverse("scoring:judge_today")).status_code == 403


def test_the_import_page_offers_the_template(client_for, organiser):
    response = client_for(organiser).get(reverse("scoring:import_judges"))
    assert response.status_code == 200
    assert f'href="{reverse("scoring:judge_template")}"' in response.content.decode()


def test_a_file_that_is_not_a_spreadsheet_is_refused_with_the_reason(client_for, organiser):
    upload = SimpleUploadedFile("名单.pdf", b"%PDF-1.7\n%%EOF\n")
    response = client_for(organiser).post(reverse("scoring:import_judges"), {"file": upload})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not User.objects.filter(role=User.Role.JUDGE).exists()
