"""The publication policy of each category (public.queries.published_rows, shown_protocol) on every public surface:
the pages, the search, the open-data API and the public downloads."""

import csv
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from public import queries
from tests import factories, scenarios
from tests.portal.test_pdf import text_of
from tests.scenarios import published_edition, published_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy_world():
    """A published edition with two categories, each with a graded and an ungraded entry: QC keeps the default
    policy (only the graded entries, protocols shown), the teams publish every scored entry without protocols."""
    edition, publication = published_edition(name="第四十次交流活动", number=40, year=2021)
    qc = factories.CategoryFactory(edition=edition, name="QC小组成果", position=1)
    teams = factories.CategoryFactory(
        edition=edition, name="质量信得过班组成果", position=2, published_entries="scored", publish_protocol=False
    )
    enterprise = factories.EnterpriseFactory(name="华东重型机械有限公司")
    rows = {
        "qc_graded": published_row(publication, category=qc, enterprise=enterprise, title="降低焊接缺陷率", rank=1),
        "qc_ungraded": published_row(
            publication, category=qc, enterprise=enterprise, title="降低液压渗漏率", rank=2, grade=""
        ),
        "team_graded": published_row(publication, category=teams, enterprise=enterprise, title="装配班组", rank=1),
        "team_ungraded": published_row(
            publication, category=teams, enterprise=enterprise, title="焊接班组", rank=2, grade=""
        ),
    }
    return edition, enterprise, rows


def codes(response) -> list[str]:
    return re.findall(r'data-result-row="([^"]+)"', response.content.decode())


def test_published_rows_hold_the_graded_entries_and_every_entry_of_a_category_that_publishes_all(policy_world):
    _edition, _enterprise, rows = policy_world
    visible = set(queries.published_rows().values_list("code", flat=True))
    assert visible == {rows["qc_graded"].code, rows["team_graded"].code, rows["team_ungraded"].code}


def test_results_page_and_search_follow_the_policy(client, policy_world):
    edition, _enterprise, rows = policy_world
    url = reverse("public:results")
    assert codes(client.get(url, {"edition": edition.pk})) == [
        rows["qc_graded"].code,
        rows["team_graded"].code,
        rows["team_ungraded"].code,
    ]
    assert codes(client.get(url, {"q": "降低"})) == [rows["qc_graded"].code]  # not the ungraded 降低液压渗漏率
    assert codes(client.get(url, {"q": "班组"})) == [rows["team_graded"].code, rows["team_ungraded"].code]


def test_entry_page_is_not_found_for_a_hidden_entry_and_hides_a_hidden_protocol(client, policy_world):
    _edition, _enterprise, rows = policy_world
    assert client.get(reverse("public:entry", args=[rows["qc_ungraded"].entry_id])).status_code == 404
    shown = client.get(reverse("public:entry", args=[rows["qc_graded"].entry_id])).content.decode()
    assert re.findall(r'data-sheet-total="([^"]+)"', shown) == ["91.5", "88.5", "84.0", "80.0", "70.5"]
    hidden = client.get(reverse("public:entry", args=[rows["team_ungraded"].entry_id])).content.decode()
    assert "data-final-score>84.17<" in hidden
    assert "data-sheet-total" not in hidden and "data-protocol" not in hidden and "data-tie-break" not in hidden


def test_enterprise_edition_and_statistics_pages_count_what_the_policy_shows(client, policy_world):
    edition, enterprise, rows = policy_world
    page = client.get(reverse("public:enterprise", args=[enterprise.pk]))
    assert codes(page) == [rows["qc_graded"].code, rows["team_graded"].code, rows["team_ungraded"].code]
    html = client.get(reverse("public:edition", args=[edition.pk])).content.decode()
    assert re.search(r"data-headline-entries>(\d+)<", html).group(1) == "3"
    assert re.search(r"data-headline-graded>(\d+)<", html).group(1) == "2"


def test_api_follows_the_policy(client, policy_world):
    edition, enterprise, rows = policy_world
    listed = client.get(reverse("api:results"), {"edition": edition.pk}).json()
    assert [r["code"] for r in listed["results"]] == [
        rows["qc_graded"].code,
        rows["team_graded"].code,
        rows["team_ungraded"].code,
    ]
    searched = client.get(reverse("api:results"), {"q": "降低"}).json()
    assert [r["code"] for r in searched["results"]] == [rows["qc_graded"].code]
    assert client.get(reverse("api:result", args=[rows["qc_ungraded"].entry_id])).status_code == 404
    shown = client.get(reverse("api:result", args=[rows["qc_graded"].entry_id])).json()
    assert shown["protocol"]["counted_sheets"] == 5
    hidden = client.get(reverse("api:result", args=[rows["team_ungraded"].entry_id])).json()
    assert (hidden["final_score"], hidden["protocol"]) == ("84.17", None)
    assert [r["code"] for r in client.get(reverse("api:enterprise", args=[enterprise.pk])).json()["results"]] == [
        rows["qc_graded"].code,
        rows["team_graded"].code,
        rows["team_ungraded"].code,
    ]
    counts = client.get(reverse("api:edition", args=[edition.pk])).json()
    assert (counts["entries"], counts["graded"]) == (3, 2)


def test_public_downloads_hold_no_entry_the_policy_hides(client, policy_world):
    edition, _enterprise, rows = policy_world
    text = client.get(reverse("public:award_list_csv", args=[edition.pk])).content.decode("utf-8")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [line[2] for line in lines[1:]] == [rows["qc_graded"].code, rows["team_graded"].code]
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("public:award_list_xlsx", args=[edition.pk])).content))
    listed = [row[1] for sheet in book.worksheets[1:] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert [code for code in listed if code] == [rows["qc_graded"].code, rows["team_graded"].code]
    response = client.get(reverse("public:award_list_pdf", args=[edition.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content, 0) + text_of(response.content, 1)
    assert [code for code in (r.code for r in rows.values()) if code in text] == [
        rows["qc_graded"].code,
        rows["team_graded"].code,
    ]


def test_changing_the_policy_shows_at_once(client, policy_world, django_capture_on_commit_callbacks):
    edition, _enterprise, rows = policy_world
    url = reverse("public:results")
    assert rows["qc_ungraded"].code not in codes(client.get(url, {"edition": edition.pk}))
    with django_capture_on_commit_callbacks(execute=True):
        scenarios.publish_every_scored(rows["qc_ungraded"].category)
    assert rows["qc_ungraded"].code in codes(client.get(url, {"edition": edition.pk}))
