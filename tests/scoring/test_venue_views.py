"""The paper score sheets' import page: a preview that writes nothing, then the confirmation that writes."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from scoring import sheets
from scoring.models import CriterionScore, ScoreSheet, SheetAudit
from tests import factories
from tests.scenarios import judged_venue

pytestmark = pytest.mark.django_db

CRITERIA = ["选题", "原因分析", "对策与实施", "效果", "成果报告", "特点"]


def upload_file(setup, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["分会场", "成果编号", "评委", *CRITERIA, "备注"])
    for judge, entry, points in rows:
        sheet.append([setup.venue.name, entry.code, judge.email, *points, "纸质"])
    out = BytesIO()
    book.save(out)
    return SimpleUploadedFile("纸质评分表.xlsx", out.getvalue())


GOOD = (12.5, 25, 17, 16, 4, 8)


def counts():
    return (ScoreSheet.objects.count(), CriterionScore.objects.count(), SheetAudit.objects.count())


@pytest.fixture(autouse=True)
def _english(client):
    """Messages are asserted on their English source text."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def setup():
    return judged_venue(judges=2, entries=1)


@pytest.fixture
def url(setup):
    return reverse("scoring:import_sheets", args=[setup.edition.pk])


def token_of(response):
    return response.context["confirm"]["token"].value()


def test_upload_shows_the_preview_and_writes_nothing(client_for, setup, url):
    judge, entry = setup.judges[0], setup.entries[0]
    draft = sheets.open_sheet(entry=entry, judge=setup.judges[1])
    sheets.save_draft(sheet=draft, by=setup.judges[1], raw={setup.criteria[0].pk: "3"}, version=1)
    before = counts()
    response = client_for(setup.organiser).post(
        url, {"file": upload_file(setup, [(judge, entry, GOOD), (setup.judges[1], entry, GOOD)])}
    )
    assert response.status_code == 200
    assert counts() == before
    assert ScoreSheet.objects.get().status == "draft"
    page = response.content.decode()
    assert 'id="import-preview" data-create="1" data-update="1" data-errors="0"' in page
    assert '<tr data-row="2" data-draft="0">' in page
    assert '<tr data-row="3" data-draft="1">' in page
    assert "82.5" in page
    assert 'id="confirm"' in page


def test_confirm_writes_the_previewed_sheets(client_for, setup, url):
    client = client_for(setup.organiser)
    preview = client.post(url, {"file": upload_file(setup, [(setup.judges[0], setup.entries[0], GOOD)])})
    response = client.post(url, {"token": token_of(preview)})
    assert response.status_code == 302
    assert counts() == (1, 6, 1)
    sheet = ScoreSheet.objects.get()
    assert (sheet.status, sheet.source, sheet.total) == ("submitted", "paper", 82.5)
    messages = [str(m) for m in client.get(url).context["messages"]]
    assert messages == ["1 paper sheet(s) imported, 0 draft(s) completed."]


def test_upload_lists_a_refused_row_with_its_reason_and_offers_no_confirmation(client_for, setup, url):
    response = client_for(setup.organiser).post(
        url,
        {
            "file": upload_file(
                setup, [(setup.judges[0], setup.entries[0], GOOD), (setup.judges[0], setup.entries[0], GOOD)]
            )
        },
    )
    assert response.status_code == 400
    assert response.context["report"].errors == [(3, ["A second sheet of the same judge for the same entry."])]
    page = response.content.decode()
    assert '<li data-row="3">Row 3: A second sheet of the same judge for the same entry.</li>' in page
    assert 'id="confirm"' not in page
    assert counts() == (0, 0, 0)


def test_a_second_confirm_writes_nothing_more(client_for, setup, url):
    client = client_for(setup.organiser)
    preview = client.post(url, {"file": upload_file(setup, [(setup.judges[0], setup.entries[0], GOOD)])})
    client.post(url, {"token": token_of(preview)})
    response = client.post(url, {"token": token_of(preview)})
    assert response.status_code == 400
    assert counts() == (1, 6, 1)
    assert response.context["confirm"].non_field_errors() == [
        "This file has already been imported, so nothing was written again. To import it again, upload it again."
    ]


def test_confirm_refuses_another_organisers_token(client_for, setup, url):
    preview = client_for(setup.organiser).post(
        url, {"file": upload_file(setup, [(setup.judges[0], setup.entries[0], GOOD)])}
    )
    other = factories.OrganiserFactory()
    setup.edition.organisers.add(other)
    response = client_for(other).post(url, {"token": token_of(preview)})
    assert response.status_code == 400
    assert counts() == (0, 0, 0)
    assert response.context["confirm"].non_field_errors() == [
        "This file was checked for another user or another import. Upload it again."
    ]


def test_confirm_refuses_a_tampered_token(client_for, setup, url):
    client = client_for(setup.organiser)
    preview = client.post(url, {"file": upload_file(setup, [(setup.judges[0], setup.entries[0], GOOD)])})
    response = client.post(url, {"token": token_of(preview)[:-3] + "xyz"})
    assert response.status_code == 400
    assert counts() == (0, 0, 0)
    assert response.context["confirm"].non_field_errors() == ["This confirmation is not valid. Upload the file again."]


def test_confirm_refuses_a_judge_and_an_organiser_of_another_edition(client_for, setup, url):
    preview = client_for(setup.organiser).post(
        url, {"file": upload_file(setup, [(setup.judges[0], setup.entries[0], GOOD)])}
    )
    token = token_of(preview)
    assert client_for(setup.judges[0]).post(url, {"token": token}).status_code == 403
    assert client_for(factories.OrganiserFactory()).post(url, {"token": token}).status_code == 403
    assert counts() == (0, 0, 0)


def test_confirm_checks_the_file_again(client_for, setup, url):
    client = client_for(setup.organiser)
    preview = client.post(url, {"file": upload_file(setup, [(setup.judges[0], setup.entries[0], GOOD)])})
    sheet = sheets.open_sheet(entry=setup.entries[0], judge=setup.judges[0])
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="submitted")
    response = client.post(url, {"token": token_of(preview)})
    assert response.status_code == 400
    assert [number for number, _message in response.context["report"].messages] == [2]
    assert SheetAudit.objects.count() == 0
