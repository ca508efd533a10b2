import json
import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portal.models import OutboxMessage
from scoring import progress, recusals, sheets
from scoring.models import Recusal, ScoreSheet, SheetAudit
from tests import factories, scenarios
from tests.scenarios import FULL, judged_venue, raw, total_of, values_for_total

pytestmark = pytest.mark.django_db


def form_data(setup, values, *, version=1, action="submit", comment=""):
    data = {f"c{c.pk}": v for c, v in zip(setup.criteria, values, strict=True)}
    data.update({"version": version, "comment": comment})
    if action:
        data["action"] = action
    return data


def submit(setup, judge, entry, total="82.5"):
    sheet = sheets.open_sheet(entry=entry, judge=judge)
    return sheets.submit_sheet(
        sheet=sheet, by=judge, raw=raw(setup.criteria, values_for_total(total)), version=sheet.version
    )


# --- judge home -----------------------------------------------------------------------------------


def test_judge_home_lists_the_judges_venues(client_for, django_assert_num_queries):
    judge = factories.JudgeFactory()
    for _n in range(3):
        factories.PanelMemberFactory(judge=judge)
    client = client_for(judge)
    # session, user, seats, announcements
    with django_assert_num_queries(4):
        response = client.get(reverse("scoring:judge_home"))
    assert response.content.count(b"data-venue=") == 3
    for _n in range(27):
        factories.PanelMemberFactory(judge=judge)
    with django_assert_num_queries(4):
        response = client.get(reverse("scoring:judge_home"))
    assert response.content.count(b"data-venue=") == 30


def test_judge_home_counts_only_the_judges_own_submitted_sheets(client_for):
    setup = judged_venue(judges=2, entries=2)
    submit(setup, setup.judges[1], setup.entries[0])
    submit(setup, setup.judges[0], setup.entries[0])
    submit(setup, setup.judges[0], setup.entries[1])
    recusals.declare_recusal(entry=scenarios.entry(setup.venue), judge=setup.judges[1], reason="同单位")
    response = client_for(setup.judges[1]).get(reverse("scoring:judge_home"))
    assert b'data-submitted="1"' in response.content
    assert b'data-expected="2"' in response.content  # three entries, one recusal


def test_judge_home_refuses_an_enterprise_user(client_for, user_a):
    assert client_for(user_a).get(reverse("scoring:judge_home")).status_code == 403


# --- workspace ------------------------------------------------------------------------------------


def test_workspace_opens_the_first_entry_not_yet_scored(client_for):
    setup = judged_venue(judges=2, entries=3)
    judge = setup.judges[1]
    submit(setup, judge, setup.entries[0])
    response = client_for(judge).get(reverse("scoring:workspace", args=[setup.venue.pk]))
    assert response.status_code == 302
    assert response.url == reverse("scoring:score_entry", args=[setup.venue.pk, setup.entries[1].pk])


def test_workspace_refuses_a_judge_of_another_panel(client_for):
    setup = judged_venue(entries=1)
    client = client_for(factories.JudgeFactory())
    assert client.get(reverse("scoring:workspace", args=[setup.venue.pk])).status_code == 403
    url = reverse("scoring:score_entry", args=[setup.venue.pk, setup.entries[0].pk])
    assert client.get(url).status_code == 403
    assert ScoreSheet.objects.count() == 0


def test_score_page_shows_the_running_order_the_form_and_the_report(client_for):
    setup = judged_venue(judges=2, entries=3)
    entry = setup.entries[1]
    stored = factories.EntryFileFactory(entry=entry)
    response = client_for(setup.judges[1]).get(reverse("scoring:score_entry", args=[setup.venue.pk, entry.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-state="missing"') == 3
    assert body.count('data-state="draft"') == 0
    assert 'aria-current="true"' in body
    for criterion in setup.criteria:
        assert f'name="c{criterion.pk}"' in body
        assert f'data-max="{criterion.max_points}"' in body
    assert reverse("submissions:file_download", args=[stored.pk]) in body
    assert reverse("scoring:autosave_entry", args=[entry.pk]) in body
    assert ScoreSheet.objects.count() == 0  # looking at the page writes nothing


def test_score_entry_of_another_venue_is_not_found(client_for):
    setup = judged_venue(entries=1)
    other = judged_venue(category=setup.category, entries=1)
    url = reverse("scoring:score_entry", args=[setup.venue.pk, other.entries[0].pk])
    assert client_for(setup.judges[0]).get(url).status_code == 404


def test_posting_a_complete_sheet_submits_it(client_for):
    setup = judged_venue(judges=2, entries=2)
    entry = setup.entries[0]
    url = reverse("scoring:score_entry", args=[setup.venue.pk, entry.pk])
    client = client_for(setup.judges[1])
    client.get(url)
    response = client.post(url, form_data(setup, FULL, comment="好"))
    assert response.status_code == 302
    assert response.url == reverse("scoring:workspace", args=[setup.venue.pk])
    sheet = ScoreSheet.objects.get()
    assert (sheet.status, sheet.comment, str(total_of(sheet))) == ("submitted", "好", "82.5")
    page = client.get(url)
    assert b'id="sheet-locked"' in page.content
    assert b'name="action"' not in page.content


def test_posting_bad_points_shows_each_message_and_saves_nothing(client_for):
    setup = judged_venue(judges=2, entries=1)
    url = reverse("scoring:score_entry", args=[setup.venue.pk, setup.entries[0].pk])
    client = client_for(setup.judges[1])
    client.get(url)
    with translation.override("en"):
        response = client.post(
            url, form_data(setup, ["16", "-1", "17.55", "abc", "5", "10"]), HTTP_ACCEPT_LANGUAGE="en"
        )
        body = response.content.decode()
        assert response.status_code == 400
        for message in (
            _("At most %(max)s points.") % {"max": "15"},
            _("Points cannot be negative."),
            _("%(value)s has more than one decimal place; use at most one, e.g. 17.5.") % {"value": "17.55"},
            _("Enter a number, e.g. 17.5."),
        ):
            assert message in body
    assert ScoreSheet.objects.get().status == ScoreSheet.Status.DRAFT
    assert ScoreSheet.objects.get().scores.count() == 0


def test_posting_a_stale_form_is_refused(client_for):
    setup = judged_venue(judges=2, entries=1)
    url = reverse("scoring:score_entry", args=[setup.venue.pk, setup.entries[0].pk])
    client = client_for(setup.judges[1])
    client.get(url)
    assert client.post(url, form_data(setup, FULL, action="draft", version=1)).status_code == 302
    with translation.override("en"):
        response = client.post(url, form_data(setup, values_for_total("60"), version=1), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert b"changed elsewhere" in response.content
    sheet = ScoreSheet.objects.get()
    assert (sheet.status, str(total_of(sheet))) == ("draft", "82.5")


def test_autosave_keeps_the_draft_and_returns_the_new_version(client_for):
    setup = judged_venue(judges=2, entries=1)
    sheet = sheets.open_sheet(entry=setup.entries[0], judge=setup.judges[1])
    client = client_for(setup.judges[1])
    url = reverse("scoring:autosave", args=[sheet.pk])
    response = client.post(url, form_data(setup, ["12", "", "", "", "", ""], action=None))
    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["version"], body["total"]) == (True, 2, "12.0")
    stale = client.post(url, form_data(setup, ["13", "", "", "", "", ""], action=None, version=1))
    assert stale.status_code == 409
    assert stale.json()["ok"] is False
    bad = client.post(url, form_data(setup, ["16", "", "", "", "", ""], action=None, version=2))
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == [str(setup.criteria[0].pk)]
    assert str(total_of(ScoreSheet.objects.get())) == "12.0"
    assert SheetAudit.objects.filter(action="draft").count() == 1


def test_autosave_refuses_another_judges_sheet(client_for):
    setup = judged_venue(judges=2, entries=1)
    sheet = sheets.open_sheet(entry=setup.entries[0], judge=setup.judges[1])
    response = client_for(setup.judges[0]).post(
        reverse("scoring:autosave", args=[sheet.pk]), form_data(setup, FULL, action=None)
    )
    assert response.status_code == 404
    assert ScoreSheet.objects.get().scores.count() == 0


def test_autosave_entry_creates_the_sheet_with_the_first_draft(client_for):
    setup = judged_venue(judges=2, entries=1)
    entry = setup.entries[0]
    client = client_for(setup.judges[1])
    client.get(reverse("scoring:score_entry", args=[setup.venue.pk, entry.pk]))
    assert ScoreSheet.objects.count() == 0
    url = reverse("scoring:autosave_entry", args=[entry.pk])
    first = client.post(url, form_data(setup, ["12", "", "", "", "", ""], action=None))
    assert (first.status_code, first.json()["version"], first.json()["total"]) == (200, 2, "12.0")
    again = client.post(url, form_data(setup, ["13", "", "", "", "", ""], action=None, version=2))
    assert (again.status_code, again.json()["version"], again.json()["total"]) == (200, 3, "13.0")
    sheet = ScoreSheet.objects.get()
    assert (sheet.judge, sheet.entry, sheet.status, sheet.total) == (setup.judges[1], entry, "draft", 13)


def test_autosave_entry_refuses_a_judge_off_the_panel(client_for):
    setup = judged_venue(judges=2, entries=1)
    url = reverse("scoring:autosave_entry", args=[setup.entries[0].pk])
    response = client_for(factories.JudgeFactory()).post(url, form_data(setup, FULL, action=None))
    assert response.status_code == 403
    assert ScoreSheet.objects.count() == 0


def test_score_page_shows_an_unrecorded_tie_without_recording_it(client_for):
    setup = judged_venue(judges=2, entries=1)
    entry = setup.entries[0]
    late = factories.PanelMemberFactory(
        venue=setup.venue, judge=factories.JudgeFactory(organisation=entry.enterprise.name)
    ).judge
    response = client_for(late).get(reverse("scoring:score_entry", args=[setup.venue.pk, entry.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="recused" data-automatic="1"' in body
    assert entry.enterprise.name in body
    assert (Recusal.objects.count(), ScoreSheet.objects.count()) == (0, 0)


# --- panel, sheets, sign-off ----------------------------------------------------------------------


def test_panel_page_for_the_leader_shows_missing_and_flags(client_for, django_assert_num_queries):
    setup = judged_venue(judges=3, entries=3)
    for judge, total in zip(setup.judges, ["80", "82", "95"], strict=True):
        submit(setup, judge, setup.entries[0], total=total)
    client = client_for(setup.leader)
    url = reverse("scoring:panel", args=[setup.venue.pk])
    # 9 for the grid, 5 for the provisional ranking (results' engine)
    with django_assert_num_queries(14):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('data-status="missing"') == 6
    assert body.count('data-flagged="1"') == 1
    assert 'id="sign-off" disabled' in body
    for _n in range(27):
        scenarios.entry(setup.venue)
    with django_assert_num_queries(14):
        response = client.get(url)
    assert response.content.decode().count('data-status="missing"') == 6 + 27 * 3


def test_panel_page_is_refused_to_a_plain_judge_until_sign_off(client_for):
    setup = judged_venue(judges=2, entries=1)
    url = reverse("scoring:panel", args=[setup.venue.pk])
    assert client_for(setup.judges[1]).get(url).status_code == 403
    assert client_for(factories.JudgeFactory()).get(url).status_code == 403
    for judge in setup.judges:
        submit(setup, judge, setup.entries[0])
    progress.sign_off_venue(venue=setup.venue, by=setup.leader)
    assert client_for(setup.judges[1]).get(url).status_code == 200
    assert client_for(factories.JudgeFactory()).get(url).status_code == 403


def test_sheet_detail_is_private_to_its_judge_before_sign_off(client_for):
    setup = judged_venue(judges=3, entries=1)
    sheet = submit(setup, setup.judges[1], setup.entries[0])
    url = reverse("scoring:sheet_detail", args=[sheet.pk])
    assert client_for(setup.judges[2]).get(url).status_code == 403
    assert client_for(setup.judges[1]).get(url).status_code == 200
    assert client_for(setup.leader).get(url).status_code == 200
    organiser_page = client_for(setup.organiser).get(url)
    assert b'data-action="submit"' in organiser_page.content  # the audit trail
    assert b'data-action="submit"' not in client_for(setup.leader).get(url).content


def test_leader_reopens_a_sheet_through_the_panel(client_for):
    setup = judged_venue(judges=2, entries=1)
    sheet = submit(setup, setup.judges[1], setup.entries[0])
    url = reverse("scoring:reopen_sheet", args=[sheet.pk])
    assert client_for(setup.judges[1]).post(url, {"reopen-reason": "x"}).status_code == 403
    response = client_for(setup.leader).post(url, {"reopen-reason": "效果分填错"})
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == ScoreSheet.Status.DRAFT
    assert SheetAudit.objects.get(action="reopen").reason == "效果分填错"


def test_the_judge_reads_each_criterions_guidance_beside_its_score_box(client_for):
    setup = judged_venue(judges=1, entries=1)
    first = setup.criteria[0]
    first.description = "课题来自实际问题"
    first.save()

    body = (
        client_for(setup.judges[0])
        .get(reverse("scoring:score_entry", args=[setup.venue.pk, setup.entries[0].pk]))
        .content.decode()
    )

    assert f'<small class="text-muted fw-normal" data-guidance="{first.pk}">课题来自实际问题</small>' in body
    assert body.count("data-guidance=") == 1  # the others have none


def test_the_judge_reads_the_reopen_reason_on_the_sheet_until_it_is_submitted_again(client_for):
    setup = judged_venue(judges=2, entries=1)
    judge, entry = setup.judges[1], setup.entries[0]
    sheet = submit(setup, judge, entry)
    client_for(setup.leader).post(reverse("scoring:reopen_sheet", args=[sheet.pk]), {"reopen-reason": "效果分填错"})
    url = reverse("scoring:score_entry", args=[setup.venue.pk, entry.pk])

    with translation.override("en"):
        body = client_for(judge).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'id="sheet-reopened"' in body
    assert "<span data-reason>效果分填错</span>" in body
    assert f"{setup.leader.full_name} reopened this sheet at " in body
    sheet.refresh_from_db()
    sheets.submit_sheet(sheet=sheet, by=judge, raw=raw(setup.criteria, FULL), version=sheet.version)
    assert 'id="sheet-reopened"' not in client_for(judge).get(url).content.decode()


def test_the_judge_is_emailed_the_reopen_reason():
    setup = judged_venue(judges=2, entries=1)
    judge, entry = setup.judges[1], setup.entries[0]
    sheet = submit(setup, judge, entry)

    with translation.override("en"):
        sheets.reopen_sheet(sheet=sheet, by=setup.leader, reason="效果分填错")

    message = OutboxMessage.objects.get()
    assert message.payload["to"] == [judge.email]
    assert entry.code in message.payload["subject"]
    body = message.payload["body"]
    assert "效果分填错" in body
    assert setup.leader.full_name in body
    assert f"/judging/venues/{setup.venue.pk}/entries/{entry.pk}/" in body


def test_reopen_without_a_reason_changes_nothing(client_for):
    setup = judged_venue(judges=2, entries=1)
    sheet = submit(setup, setup.judges[1], setup.entries[0])
    client_for(setup.leader).post(reverse("scoring:reopen_sheet", args=[sheet.pk]), {"reopen-reason": "  "})
    sheet.refresh_from_db()
    assert sheet.status == ScoreSheet.Status.SUBMITTED


def test_the_leader_sees_the_provisional_ranking_from_the_submitted_sheets(client_for):
    category = scenarios.category(aggregation="mean", min_sheets=2, grades=[("标杆", "top_n", 1)])
    category.edition.organisers.add(organiser := factories.OrganiserFactory())
    venue, judges = scenarios.venue(category, judges=3)
    second = scenarios.scored_entry(venue, judges, [80, 82, 84], code="QC-B")
    first = scenarios.scored_entry(venue, judges, [90, 91], code="QC-A")
    alone = scenarios.scored_entry(venue, judges, [99], code="QC-C")  # below the minimum of 2 sheets
    scenarios.score(alone, judges[1], 50, status=ScoreSheet.Status.DRAFT)  # a draft does not count
    url = reverse("scoring:panel", args=[venue.pk])

    for user in (judges[0], organiser):
        body = client_for(user).get(url).content.decode()
        rows = re.findall(r'<tr data-entry="(\d+)" data-rank="(\d*)" data-score="([\d.]*)">', body)
        assert rows == [(str(first.pk), "1", "90.50"), (str(second.pk), "2", "82.00"), (str(alone.pk), "", "")]
        assert 'id="provisional-ranking"' in body
        assert body.count("<td>标杆</td>") == 1


def test_the_provisional_ranking_is_not_shown_to_the_other_judges(client_for):
    setup = judged_venue(judges=2, entries=1)
    for judge in setup.judges:
        submit(setup, judge, setup.entries[0])
    progress.sign_off_venue(venue=setup.venue, by=setup.leader)

    body = client_for(setup.judges[1]).get(reverse("scoring:panel", args=[setup.venue.pk])).content.decode()

    assert 'id="provisional-ranking"' not in body
    assert 'id="paper-score-sheets"' not in body


def test_sign_off_view(client_for):
    setup = judged_venue(judges=2, entries=1)
    url = reverse("scoring:sign_off", args=[setup.venue.pk])
    submit(setup, setup.judges[0], setup.entries[0])
    client_for(setup.leader).post(url)
    setup.venue.refresh_from_db()
    assert setup.venue.signed_off_at is None  # a sheet is missing
    submit(setup, setup.judges[1], setup.entries[0])
    assert client_for(setup.judges[1]).post(url).status_code == 403
    assert client_for(setup.leader).post(url).status_code == 302
    setup.venue.refresh_from_db()
    assert setup.venue.signed_off_by == setup.leader


def test_organiser_reopens_a_signed_off_venue(client_for):
    setup = judged_venue(judges=1, entries=1)
    submit(setup, setup.judges[0], setup.entries[0])
    progress.sign_off_venue(venue=setup.venue, by=setup.leader)
    url = reverse("scoring:reopen_venue", args=[setup.venue.pk])
    assert client_for(setup.leader).post(url, {"venue-reason": "x"}).status_code == 403
    assert client_for(setup.organiser).post(url, {"venue-reason": "组长签错"}).status_code == 302
    setup.venue.refresh_from_db()
    assert setup.venue.signed_off_at is None
    assert SheetAudit.objects.get(action="venue_reopened").reason == "组长签错"


def test_venue_audit_for_organisers_only(client_for):
    setup = judged_venue(judges=2, entries=1)
    sheet = submit(setup, setup.judges[1], setup.entries[0])
    sheets.reopen_sheet(sheet=sheet, by=setup.leader, reason="改")
    url = reverse("scoring:venue_audit", args=[setup.venue.pk])
    response = client_for(setup.organiser).get(url)
    assert response.status_code == 200
    assert b'data-action="submit"' in response.content
    assert b'data-action="reopen"' in response.content
    assert client_for(setup.leader).get(url).status_code == 403


# --- live board -----------------------------------------------------------------------------------


def test_live_board_shows_every_venue(client_for, django_assert_num_queries):
    setup = judged_venue(judges=2, entries=1)
    for _n in range(2):
        judged_venue(category=setup.category, judges=2, entries=1)
    client = client_for(setup.organiser)
    with django_assert_num_queries(10):
        response = client.get(reverse("scoring:live_board"))
    assert response.content.count(b"board-card") == 3
    for _n in range(27):
        judged_venue(category=setup.category, judges=2, entries=1)
    with django_assert_num_queries(10):
        response = client.get(reverse("scoring:live_board") + f"?edition={setup.edition.pk}")
    assert response.content.count(b"board-card") == 30


def test_live_board_data_reports_progress_missing_and_flags(client_for):
    setup = judged_venue(judges=3, entries=2)
    for judge, total in zip(setup.judges, ["70", "72", "90"], strict=True):
        submit(setup, judge, setup.entries[0], total=total)
    response = client_for(setup.organiser).get(reverse("scoring:live_board_data") + f"?edition={setup.edition.pk}")
    data = json.loads(response.content)
    [venue] = data["venues"]
    assert (venue["id"], venue["submitted"], venue["expected"], venue["percent"]) == (setup.venue.pk, 3, 6, 50)
    [missing] = venue["missing"]
    assert missing["entry"] == setup.entries[1].code
    assert sorted(missing["judges"]) == sorted(j.full_name for j in setup.judges)
    assert venue["missing_count"] == 3
    assert venue["flags"] == [{"entry": setup.entries[0].code, "judge": setup.judges[2].full_name, "total": "90.0"}]


def test_live_board_refuses_judges_and_other_editions(client_for):
    setup = judged_venue(judges=1, entries=1)
    assert client_for(setup.judges[0]).get(reverse("scoring:live_board")).status_code == 403
    assert client_for(setup.judges[0]).get(reverse("scoring:live_board_data")).status_code == 403
    stranger = factories.OrganiserFactory()
    url = reverse("scoring:live_board_data") + f"?edition={setup.edition.pk}"
    assert client_for(stranger).get(url).status_code == 404


def test_venue_audit_queries_do_not_grow_with_changes(client_for, django_assert_num_queries):
    setup = judged_venue(judges=3, entries=1)
    for judge in setup.judges:
        submit(setup, judge, setup.entries[0])
    client = client_for(setup.organiser)
    url = reverse("scoring:venue_audit", args=[setup.venue.pk])
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.content.count(b'data-action="submit"') == 3
    for _n in range(9):
        extra = scenarios.entry(setup.venue)
        for judge in setup.judges:
            submit(setup, judge, extra)
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.content.count(b'data-action="submit"') == 30


# --- a sheet that never loses what was typed ----------------------------------------------------------

SCRIPT = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def in_chinese(text, **params):
    with translation.override("zh-hans"):
        return _(text) % params if params else _(text)


def test_the_sheets_script_logged_out_is_answered_401_json_not_a_redirect(client):
    setup = judged_venue(judges=1, entries=1)
    entry = setup.entries[0]
    sheet = sheets.open_sheet(entry=entry, judge=setup.judges[0])
    urls = [
        reverse("scoring:autosave", args=[sheet.pk]),
        reverse("scoring:autosave_entry", args=[entry.pk]),
        reverse("scoring:score_entry", args=[setup.venue.pk, entry.pk]),
    ]
    for url in urls:
        response = client.post(url, form_data(setup, FULL), **SCRIPT)
        assert (response.status_code, response.json()) == (
            401,
            {"ok": False, "login": True, "errors": {"__all__": [in_chinese("Please log in again.")]}},
        )
    # The browser navigating is still sent to the log-in page.
    response = client.post(urls[2], form_data(setup, FULL))
    assert (response.status_code, response["Location"]) == (302, f"{reverse('portal:login')}?next={urls[2]}")
    assert ScoreSheet.objects.get().scores.count() == 0


def test_submitting_from_the_script_answers_json_and_submits(client_for):
    setup = judged_venue(judges=2, entries=1)
    entry = setup.entries[0]
    client = client_for(setup.judges[1])
    url = reverse("scoring:score_entry", args=[setup.venue.pk, entry.pk])
    incomplete = client.post(url, form_data(setup, ["12", "", "17", "16", "4", "8"]), **SCRIPT)
    assert incomplete.status_code == 400
    assert list(incomplete.json()["errors"]) == [str(setup.criteria[1].pk)]
    assert ScoreSheet.objects.get().status == "draft"
    response = client.post(url, form_data(setup, FULL, comment="数据翔实"), **SCRIPT)
    assert (response.status_code, response.json()) == (
        200,
        {"ok": True, "redirect": reverse("scoring:workspace", args=[setup.venue.pk])},
    )
    sheet = ScoreSheet.objects.get()
    assert (sheet.status, str(sheet.total), sheet.comment) == ("submitted", "82.5", "数据翔实")
    again = client.post(url, form_data(setup, FULL, version=sheet.version), **SCRIPT)
    assert again.status_code == 409


def test_submitting_from_the_script_is_refused_to_another_judge(client_for):
    setup = judged_venue(judges=2, entries=1)
    url = reverse("scoring:score_entry", args=[setup.venue.pk, setup.entries[0].pk])
    response = client_for(factories.JudgeFactory()).post(url, form_data(setup, FULL), **SCRIPT)
    assert response.status_code == 403
    assert ScoreSheet.objects.count() == 0


def test_a_comment_over_the_limit_is_refused_saying_the_limit(client_for):
    setup = judged_venue(judges=2, entries=1)
    entry = setup.entries[0]
    client = client_for(setup.judges[1])
    too_long = "评" * (sheets.COMMENT_MAX_LENGTH + 1)
    message = in_chinese(
        "The comment can have at most %(limit)d characters; this one has %(length)d.", limit=2000, length=2001
    )
    response = client.post(
        reverse("scoring:autosave_entry", args=[entry.pk]), form_data(setup, FULL, action=None, comment=too_long)
    )
    assert (response.status_code, response.json()) == (400, {"ok": False, "errors": {"comment": [message]}})
    page = client.post(
        reverse("scoring:score_entry", args=[setup.venue.pk, entry.pk]), form_data(setup, FULL, comment=too_long)
    )
    assert page.status_code == 400
    assert message in page.content.decode()
    assert ScoreSheet.objects.count() == 0
    # 2,000 characters are kept, a line break counting as one however the browser sends it.
    exact = "评" * 1998 + "\r\n优"
    response = client.post(
        reverse("scoring:autosave_entry", args=[entry.pk]), form_data(setup, FULL, action=None, comment=exact)
    )
    assert response.status_code == 200
    assert ScoreSheet.objects.get().comment == "评" * 1998 + "\n优"


def test_the_score_page_shows_the_comment_limit(client_for):
    setup = judged_venue(judges=1, entries=1)
    entry = setup.entries[0]
    body = client_for(setup.judges[0]).get(reverse("scoring:score_entry", args=[setup.venue.pk, entry.pk])).content
    assert b'maxlength="2000"' in body
    assert in_chinese("At most %(limit)s characters.", limit=2000).encode() in body
    assert f'data-store-key="qc-sheet:{setup.judges[0].pk}:{entry.pk}"'.encode() in body
    assert ScoreSheet.objects.count() == 0  # looking at the page writes nothing
