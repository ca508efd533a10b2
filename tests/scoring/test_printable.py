import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from scoring import printable
from tests import factories, scenarios
from tests.portal.test_pdf import text_of

pytestmark = pytest.mark.django_db


def printed(judged, seats=None):
    seats = printable.panel_of(judged.venue) if seats is None else seats
    with translation.override("en"):
        return printable.score_sheets_pdf(venue=judged.venue, seats=seats)


def test_a_judges_sheet_names_the_judge_and_lists_the_entries_in_running_order_with_the_criteria():
    judged = scenarios.judged_venue(judges=2, entries=0, name="第一分会场", room="牡丹厅")
    # Entered in another order than they run.
    late = scenarios.entry(judged.venue, code="QC-0002", title="降低焊接缺陷率", running_order=2)
    early = scenarios.entry(judged.venue, code="QC-0001", title="提高装配一次合格率", running_order=1)
    criterion = judged.criteria[0]
    criterion.description = "课题来自实际问题"
    criterion.save()
    judge = judged.judges[1]

    data = printed(judged, printable.panel_of(judged.venue, judge_id=judge.pk))

    text = text_of(data)
    assert f"Venue:第一分会场Room:牡丹厅Date:2021-09-24Judge:{judge.full_name}(judge)" in text
    assert text.index(early.code) < text.index(late.code)
    assert text.index(early.title) < text.index(late.title)
    # The rubric with maxima and guidance, then the boxes' headings: each criterion with its maximum.
    assert "选题15课题来自实际问题原因分析30对策与实施20效果20成果报告5特点10" in text
    assert "选题(15)原因分析(30)对策与实施(20)效果(20)成果报告(5)特点(10)Total(100)" in text
    assert "Judge'ssignature:" in text


def test_the_whole_venue_has_a_page_per_judge_the_leader_first():
    judged = scenarios.judged_venue(judges=3, entries=2)

    data = printed(judged)

    assert len(PdfReader(io.BytesIO(data)).pages) == 3
    assert f"Judge:{judged.leader.full_name}(panelleader)" in text_of(data, 0)
    others = {text_of(data, 1).split("Judge:")[1].split("(")[0], text_of(data, 2).split("Judge:")[1].split("(")[0]}
    assert others == {judged.judges[1].full_name, judged.judges[2].full_name}


def test_a_recused_judge_gets_no_boxes_for_that_entry():
    judged = scenarios.judged_venue(judges=2, entries=2)
    factories.RecusalFactory(entry=judged.entries[1], judge=judged.judges[1], reason="同单位")

    text = text_of(printed(judged, printable.panel_of(judged.venue, judge_id=judged.judges[1].pk)))

    assert text.count("Recused:notscoredbythisjudge") == 1
    assert text.index(judged.entries[1].code) < text.index("Recused:notscoredbythisjudge")


def test_a_venue_mixing_two_rubrics_prints_each_with_its_entries():
    judged = scenarios.judged_venue(judges=1, entries=0)
    innovation = factories.rubric_with_criteria(
        judged.edition, criteria=[("选题", 20), ("提出方案并确定最佳方案", 30), ("对策与实施", 50)], name="创新型评审表"
    )
    judged.category.innovation_rubric = innovation
    judged.category.save()
    solving = scenarios.entry(judged.venue, code="QC-0001", running_order=1)
    new = scenarios.entry(judged.venue, code="QC-0002", running_order=2, topic_type="innovation")

    text = text_of(printed(judged))

    assert text.index(solving.code) < text.index("创新型评审表") < text.index(new.code)
    assert "选题(20)提出方案并确定最佳方案(30)对策与实施(50)Total(100)" in text


def test_the_leader_and_the_organiser_download_the_sheets_and_a_judge_is_refused(client_for):
    judged = scenarios.judged_venue(judges=2, entries=1)
    venue_url = reverse("scoring:score_sheets", args=[judged.venue.pk])
    judge_url = reverse("scoring:judge_score_sheets", args=[judged.venue.pk, judged.judges[1].pk])

    for user in (judged.leader, judged.organiser):
        response = client_for(user).get(venue_url)
        assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
        assert len(PdfReader(io.BytesIO(response.content)).pages) == 2
        one = client_for(user).get(judge_url)
        assert judged.judges[1].full_name in text_of(one.content)
        assert len(PdfReader(io.BytesIO(one.content)).pages) == 1
    for user in (judged.judges[1], factories.JudgeFactory(), factories.OrganiserFactory()):
        assert client_for(user).get(venue_url).status_code == 403
        assert client_for(user).get(judge_url).status_code == 403


def test_sheets_of_a_judge_off_the_panel_are_not_found(client_for):
    judged = scenarios.judged_venue(judges=1, entries=1)
    stranger = factories.JudgeFactory()

    url = reverse("scoring:judge_score_sheets", args=[judged.venue.pk, stranger.pk])

    assert client_for(judged.organiser).get(url).status_code == 404


def test_the_panel_page_links_the_sheets_of_every_judge(client_for):
    judged = scenarios.judged_venue(judges=2, entries=1)

    body = client_for(judged.leader).get(reverse("scoring:panel", args=[judged.venue.pk])).content.decode()

    assert reverse("scoring:score_sheets", args=[judged.venue.pk]) in body
    for judge in judged.judges:
        assert reverse("scoring:judge_score_sheets", args=[judged.venue.pk, judge.pk]) in body


def test_the_organisers_venue_page_links_each_venues_sheets(client_for):
    judged = scenarios.judged_venue(judges=1, entries=1)

    body = client_for(judged.organiser).get(reverse("scoring:category_venues", args=[judged.category.pk])).content

    assert f'href="{reverse("scoring:score_sheets", args=[judged.venue.pk])}"'.encode() in body
