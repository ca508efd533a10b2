"""The audit trail: who changed a score, a result, a grade rule or a publication, when and why; the organiser's
page and its export."""

import csv
import io
import re
from collections import Counter
from decimal import Decimal as D

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from events import audit
from events import services as event_services
from events.models import AuditEvent
from results import computation, runs
from results import publication as publishing
from results.audit import describe, trail
from results.models import Result, ResultRun
from scoring import progress, sheets
from scoring.models import ScoreSheet, SheetAudit
from tests import factories, scenarios

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def change_a_score(computed_edition, organiser, *, reason="评委录入错误", total=95):
    """The organiser reopens the second judge's sheet of the first entry; the judge submits it again."""
    sheet = ScoreSheet.objects.get(entry=computed_edition["entries"][0], judge=computed_edition["judges"][1])
    sheets.reopen_sheet(sheet=sheet, by=organiser, reason=reason)
    sheet.refresh_from_db()
    criteria = list(sheet.rubric.criteria.order_by("position"))
    points = {c.pk: str(c.max_points) for c in criteria}
    points[criteria[-1].pk] = str(criteria[-1].max_points - (100 - total))
    sheets.submit_sheet(sheet=sheet, by=computed_edition["judges"][1], raw=points, version=sheet.version)
    return sheet


def test_the_trail_tells_who_changed_a_score_the_results_a_grade_rule_and_a_publication(
    computed_edition, organiser, django_capture_on_commit_callbacks
):
    edition, venue, leader = computed_edition["edition"], computed_edition["venue"], computed_edition["judges"][0]
    change_a_score(computed_edition, organiser)
    with django_capture_on_commit_callbacks(execute=True):
        progress.sign_off_venue(venue=venue, by=leader)
    event_services.save_category(
        category=computed_edition["category"],
        grades=[{"position": 1, "name": "标杆", "rule": "share", "value": D("0.4"), "floor": D("80")}],
        by=organiser,
        reason="组委会决定",
    )
    runs.execute_run(run=runs.start_run(edition=edition, by=organiser))
    publishing.publish_results(edition=edition, by=organiser)

    rows = trail(edition)

    code = (
        computed_edition["entries"][0].code or f"#{computed_edition['entries'][0].pk}"
    )  # test entries may have no code yet
    assert [(row.kind, row.action, row.target) for row in rows if row.kind != "score"] == [
        ("publication", "Results published", "Version 1"),
        ("status", "edition status changed", edition.name),
        ("results", "Results computed", f"Computation run {ResultRun.objects.order_by('-pk')[0].pk}"),
        (
            "results",
            "Computation of the results requested",
            f"Computation run {ResultRun.objects.order_by('-pk')[0].pk}",
        ),
        ("rules", "Grade rules or scoring rules changed", computed_edition["category"].name),
        ("results", "Results computed", f"Computation run {ResultRun.objects.order_by('-pk')[1].pk}"),
        (
            "results",
            "Computation of the results requested",
            f"Computation run {ResultRun.objects.order_by('-pk')[1].pk}",
        ),
    ]
    by_action = {row.action: row for row in rows}  # newest first, so each action's oldest row stays
    requested = by_action["Computation of the results requested"]  # the sign-off's
    assert (requested.user, requested.reason) == (
        f"{leader.full_name} <{leader.email}>",
        f"{venue.name} signed off by {leader.full_name}",
    )
    # 90/95/80 -> 88.33 instead of 85.00; the first entry stays first and 标杆.
    assert (
        by_action["Results computed"].change.splitlines()[0]
        == f"{code} changed from 85.00 / 1 / 标杆 to 88.33 / 1 / 标杆."
    )
    rules = by_action["Grade rules or scoring rules changed"]
    assert (rules.user, rules.reason) == (f"{organiser.full_name} <{organiser.email}>", "组委会决定")
    assert (
        "Grade 标杆 changed from 1. Share of ranked entries 50% to 1. Share of ranked entries 40%, "
        "final score at least 80.00." in rules.change.splitlines()
    )
    published = by_action["Results published"]
    assert (published.user, published.reason) == (f"{organiser.full_name} <{organiser.email}>", "")
    assert "Entries: 2." in published.change.splitlines()
    scores = [row for row in rows if row.kind == "score"]
    assert scores[0].action == "submitted"
    # reopening a sheet of a signed-off venue reopens the venue: noted on each of its 6 sheets
    assert Counter(row.action for row in scores) == {"submitted": 1, "reopened": 1, "venue reopened": 6}
    reopened = next(row for row in scores if row.action == "reopened")
    assert (reopened.reason, reopened.user) == ("评委录入错误", f"{organiser.full_name} <{organiser.email}>")
    submitted = scores[0]
    assert "Status changed from Draft to Submitted." in submitted.change.splitlines()


def test_a_failed_computation_is_in_the_trail_with_its_error(computed_edition, organiser, monkeypatch):
    def broken(categories):
        raise RuntimeError("disk full")

    monkeypatch.setattr(computation, "score_categories", broken)
    run = factories.ResultRunFactory(edition=computed_edition["edition"], started_by=organiser)
    with pytest.raises(RuntimeError):
        runs.execute_run(run=run)

    event = AuditEvent.objects.get()
    assert (event.action, event.user, event.new_values) == (
        AuditEvent.Action.RESULTS_FAILED,
        organiser,
        {"error": "RuntimeError: disk full"},
    )


# --- the page and its export ------------------------------------------------------------------------------


def test_the_audit_page_shows_the_trail_to_an_organiser_of_the_edition(client_for, computed_edition, organiser):
    change_a_score(computed_edition, organiser, reason="复核更正")

    response = client_for(organiser).get(reverse("results:audit", args=[computed_edition["edition"].pk]))

    assert response.status_code == 200
    html = response.content.decode()
    # submit, reopen, the venue reopened on its 6 sheets; and the filter's link
    assert html.count('data-kind="score"') == 1 + 1 + 6 + 1
    assert "复核更正" in html
    assert reverse("results:audit_export", args=[computed_edition["edition"].pk, "xlsx"]) in html

    only = client_for(organiser).get(reverse("results:audit", args=[computed_edition["edition"].pk]), {"kind": "rules"})
    assert [row.kind for row in only.context["rows"]] == []


@pytest.mark.parametrize("who", ["anonymous", "other_organiser", "judge", "user_a", "recommender", "panel_leader"])
@pytest.mark.parametrize("url", ["results:audit", "results:audit_export"])
def test_the_audit_page_and_export_refuse_everyone_else(client_for, computed_edition, who, url, request):
    users = {
        "anonymous": None,
        "other_organiser": factories.OrganiserFactory(),
        "panel_leader": computed_edition["judges"][0],
    }
    user = users[who] if who in users else request.getfixturevalue(who)
    args = [computed_edition["edition"].pk] + (["csv"] if url == "results:audit_export" else [])

    response = client_for(user).get(reverse(url, args=args))

    if user is None:
        assert (response.status_code, response.url.split("?")[0]) == (302, reverse("portal:login"))
    else:
        assert response.status_code == 403


def test_an_unknown_export_format_is_not_found(client_for, computed_edition, organiser):
    response = client_for(organiser).get(reverse("results:audit_export", args=[computed_edition["edition"].pk, "pdf"]))
    assert response.status_code == 404


def test_the_export_has_the_same_rows_as_the_page_and_never_a_formula(client_for, computed_edition, organiser):
    change_a_score(computed_edition, organiser, reason='=HYPERLINK("http://evil.example","点击")')
    edition = computed_edition["edition"]
    client = client_for(organiser)

    csv_response = client.get(reverse("results:audit_export", args=[edition.pk, "csv"]))
    xlsx_response = client.get(reverse("results:audit_export", args=[edition.pk, "xlsx"]))

    assert csv_response["Content-Disposition"] == f'attachment; filename="audit-{edition.year}-{edition.pk}.csv"'
    text = csv_response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[0] == ["When", "Kind", "Action", "What", "Who", "Change", "Reason"]
    assert Counter(tuple(line[1:3]) for line in lines[1:]) == {
        ("Scores", "submitted"): 1,
        ("Scores", "reopened"): 1,
        ("Scores", "venue reopened"): 6,
    }
    reasons = [line[6] for line in lines[1:]]
    assert '\'=HYPERLINK("http://evil.example","点击")' in reasons
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_response.content))
    cells = [[cell.value or "" for cell in row] for row in workbook.active.iter_rows()]
    # The same text, but for the CSV's apostrophe: the workbook stores it as a text cell instead.
    assert cells == [[cell.removeprefix("'") for cell in line] for line in lines]
    assert '=HYPERLINK("http://evil.example","点击")' in [row[6] for row in cells]
    assert all(cell.data_type != "f" for row in workbook.active.iter_rows() for cell in row)


def test_the_audit_page_costs_the_same_queries_for_3_and_30_changes(client_for, organiser):
    def edition_with_changes(count):
        category = scenarios.category()
        category.edition.organisers.add(organiser)
        venue, judges = scenarios.venue(category, judges=1)
        for _ in range(count):
            sheet = scenarios.score(scenarios.entry(venue), judges[0], 80)
            factories.SheetAuditFactory(sheet=sheet, user=judges[0], action="submit")
            audit.record(edition=category.edition, user=organiser, action=AuditEvent.Action.RESULTS_REQUESTED)
        return category.edition

    client = client_for(organiser)
    counts = []
    for size in (3, 30):
        edition = edition_with_changes(size)
        client.get(reverse("results:audit", args=[edition.pk]))  # warm the session and translations
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("results:audit", args=[edition.pk]))
        assert len(response.context["rows"]) == 2 * size
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- no silent change through the admin ------------------------------------------------------------------


def test_the_admin_shows_results_and_publications_but_cannot_change_them(client_for, computed_edition, organiser):
    superuser = factories.UserFactory(is_superuser=True, is_staff=True, role="organiser")
    result = Result.objects.filter(category=computed_edition["category"]).first()
    client = client_for(superuser)

    page = client.get(reverse("admin:results_result_change", args=[result.pk]))
    changed = client.post(reverse("admin:results_result_change", args=[result.pk]), {"final_score": "99.99"})
    deleted = client.post(reverse("admin:results_result_delete", args=[result.pk]), {"post": "yes"})

    assert (page.status_code, changed.status_code, deleted.status_code) == (200, 403, 403)
    result.refresh_from_db()
    assert result.final_score == D("85.00")
    for name in ("resultrun", "publication", "publishedresult"):
        assert client.get(reverse(f"admin:results_{name}_add")).status_code == 403


def test_a_first_computation_counts_the_new_results_instead_of_listing_them(organiser):
    category = scenarios.category(grades=[("标杆", "share", "0.5")])
    venue, judges = scenarios.venue(category, judges=3, signed_off=True)
    for n in range(3):
        scenarios.scored_entry(venue, judges, [90 - n, 85, 80])

    runs.execute_run(run=factories.ResultRunFactory(edition=category.edition, started_by=organiser))

    event = AuditEvent.objects.get(action=AuditEvent.Action.RESULTS_COMPUTED)
    assert event.old_values == {}
    assert event.new_values["new results"] == "3"
    assert sorted(event.new_values) == ["fingerprint", "new results"]


# --- in words, and printed like a document ----------------------------------------------------------------


def test_describe_says_a_sheet_change_in_words():
    old = {"points": {"选题": "10", "现状调查": "8"}, "comment": "", "status": "draft"}
    new = {"points": {"选题": "12", "现状调查": "8"}, "comment": "数据清楚", "status": "submitted"}

    change = factories.SheetAuditFactory(old_values=old, new_values=new)

    assert change.change_text.splitlines() == [
        "选题 points changed from 10 to 12.",
        "Comment changed from (none) to 数据清楚.",
        "Status changed from Draft to Submitted.",
    ]


def test_describe_leaves_the_fingerprint_out_and_labels_the_results_keys():
    assert describe({}, {"new results": "3", "fingerprint": "0123456789ab"}) == "New results: 3."
    assert describe({"version": 1}, {"version": 2, "run": 7, "entries": 12}).splitlines() == [
        "Version changed from 1 to 2.",
        "Computation run: 7.",
        "Entries: 12.",
    ]
    assert describe({"aggregation": "mean"}, {"aggregation": "median"}) == "Aggregation changed from Mean to Median."
    assert describe({"QC-001": "85.00 / 1 / 一等奖"}, {}) == "QC-001 removed (was 85.00 / 1 / 一等奖)."


def test_the_xlsx_export_wraps_its_cells_and_prints_landscape_with_the_header_on_every_page(
    client_for, computed_edition, organiser
):
    change_a_score(computed_edition, organiser)
    edition = computed_edition["edition"]

    response = client_for(organiser).get(reverse("results:audit_export", args=[edition.pk, "xlsx"]))

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert (sheet.page_setup.orientation, sheet.page_setup.paperSize) == ("landscape", 9)
    assert (
        sheet.page_setup.fitToWidth,
        sheet.page_setup.fitToHeight,
        sheet.sheet_properties.pageSetUpPr.fitToPage,
    ) == (
        1,
        0,
        True,
    )
    assert sheet.print_title_rows == "$1:$1"
    assert (sheet.oddHeader.center.text, sheet.oddFooter.center.text) == (edition.name, "Page &P of &N")
    assert [sheet.column_dimensions[c].width for c in "ABCDEFG"] == [19, 12, 20, 26, 28, 48, 30]
    change = next(row[5] for row in sheet.iter_rows(min_row=2) if "\n" in (row[5].value or ""))
    assert change.alignment.wrap_text is True
    assert "Status changed from Draft to Submitted." in change.value.splitlines()


# --- no raw key in the Chinese trail --------------------------------------------------------------------------------

# The values each producer stores (events.services, scoring, results.runs, results.publication), one per action.
STORED = {
    AuditEvent.Action.RESULTS_REQUESTED: ({}, {"run": 7}),
    AuditEvent.Action.RESULTS_COMPUTED: (
        {"QC001": "85.00 / 1 / 一等奖"},
        {"QC001": "88.33 / 1 / 一等奖", "new results": "3", "…": "2", "fingerprint": "0123456789ab"},
    ),
    AuditEvent.Action.RESULTS_FAILED: ({"status": "running"}, {"error": "评分数据不完整"}),
    AuditEvent.Action.RESULTS_CANCELLED: ({"status": "queued"}, {"status": "cancelled"}),
    AuditEvent.Action.RULES_CHANGED: (
        {
            "aggregation": "trimmed_mean",
            "min_sheets": "3",
            "ranking_scope": "venue",
            "grades": {"一等奖": "1. share 0.15", "二等奖": "2. top_n 10"},
        },
        {
            "aggregation": "median",
            "min_sheets": "5",
            "ranking_scope": "category",
            "grades": {"一等奖": "1. threshold 90 ≥ 85", "二等奖": "2. top_n 12"},
        },
    ),
    AuditEvent.Action.PUBLISHED: ({"version": 1}, {"version": 2, "run": 8, "entries": 12, "QC小组成果": {"一等奖": 3}}),
    AuditEvent.Action.RUBRIC_SWITCHED: (
        {"rubric": "问题解决型评审表", "innovation_rubric": ""},
        {"rubric": "新评审表", "innovation_rubric": "创新型评审表", "excluded_sheets": 4},
    ),
    AuditEvent.Action.RECUSAL_DECLARED: ({}, {"source": "组织者登记", "recusal_reason": "同一单位"}),
    AuditEvent.Action.RECUSAL_LIFTED: ({"source": "组织者登记", "recusal_reason": "同一单位"}, {}),
    AuditEvent.Action.DEADLINE_EXTENDED: (
        {"until": "2021-08-31T23:59:00+08:00"},
        {"until": "2021-09-07T23:59:00+08:00", "enterprise": 12},
    ),
    AuditEvent.Action.DOCUMENT_SET: (
        {"document_number": "", "document_date": ""},
        {"document_number": "中机质协〔2021〕25号", "document_date": "2021-10-08"},
    ),
    AuditEvent.Action.ORGANISER_ADDED: ({}, {"user": 31, "email": "colleague@example.com"}),
    AuditEvent.Action.ORGANISER_REMOVED: ({}, {"user": 31, "email": "colleague@example.com"}),
    AuditEvent.Action.CERTIFICATE_TEMPLATE_CHANGED: (
        {"heading": "荣誉证书", "issuing_body": "", "per_member": False, "seal": False},
        {"heading": "获奖证书", "issuing_body": "中国机械工业质量管理协会", "per_member": True, "seal": True},
    ),
    AuditEvent.Action.CERTIFICATES_REQUESTED: ({}, {"run": 3, "version": 2}),
}
SHEET_STORED = {
    SheetAudit.Action.DRAFT: (
        {"points": {"选题": "8"}, "comment": "", "status": "draft"},
        {"points": {"选题": "10"}, "comment": "数据清楚", "status": "draft"},
    ),
    SheetAudit.Action.SUBMIT: (
        {"points": {"选题": "10"}, "status": "draft"},
        {"points": {"选题": "10"}, "status": "submitted"},
    ),
    SheetAudit.Action.REOPEN: ({"status": "submitted"}, {"status": "draft"}),
    SheetAudit.Action.RECUSED: ({}, {}),
    SheetAudit.Action.VENUE_REOPENED: ({"signed_off_at": "2021-09-24T16:30:00+00:00", "signed_off_by": "吴超"}, {}),
    SheetAudit.Action.IMPORT: (
        {"points": {"选题": ""}, "status": "draft"},
        {"points": {"选题": "9"}, "status": "submitted"},
    ),
}


def raw_words() -> set[str]:
    """Every stored key and code a reader must not see: the keys and code values of the stored values, the actions
    and statuses as stored."""
    words = set(AuditEvent.Action.values) | set(SheetAudit.Action.values) | set(ScoreSheet.Status.values)
    words |= set(ResultRun.Status.values) | {"points", "grades", "fingerprint"}

    def walk(values):
        for key, value in values.items():
            words.add(key)
            if isinstance(value, dict):
                walk(value)
            elif isinstance(value, str) and key != "email":  # an address is what a reader should see
                words.update(re.findall(r"[a-z_]{2,}", value))

    for old, new in [*STORED.values(), *SHEET_STORED.values()]:
        walk(old)
        walk(new)
    return {word for word in words if re.fullmatch(r"[a-z_ ]+", word)}


def raw_in(text: str) -> list[str]:
    return sorted(word for word in raw_words() if re.search(rf"(?<![A-Za-z_]){re.escape(word)}(?![A-Za-z_])", text))


def test_the_stored_values_cover_every_action():
    assert set(STORED) == set(AuditEvent.Action.values)
    assert set(SHEET_STORED) == set(SheetAudit.Action.values)


def test_no_raw_key_in_the_chinese_trail_of_every_action(computed_edition, organiser):
    edition = computed_edition["edition"]
    sheet = ScoreSheet.objects.filter(entry__edition=edition).first()
    SheetAudit.objects.all().delete()
    AuditEvent.objects.all().delete()
    for action, (old, new) in STORED.items():
        audit.record(edition=edition, user=organiser, action=action, target="#7", old=old, new=new, reason="组委会决定")
    for action, (old, new) in SHEET_STORED.items():
        SheetAudit.objects.create(sheet=sheet, user=organiser, action=action, old_values=old, new_values=new)

    with translation.override("zh-hans"):
        rows = [row for row in trail(edition) if row.kind != "status"]
        said = {(row.action, row.target, row.change) for row in rows}

    assert len(rows) == len(STORED) + len(SHEET_STORED)
    assert {text: raw_in(text) for row in said for text in row if raw_in(text)} == {}


def test_no_raw_key_in_the_chinese_sheet_history(client_for, computed_edition, organiser):
    sheet = ScoreSheet.objects.filter(entry__edition=computed_edition["edition"]).first()
    SheetAudit.objects.all().delete()
    for action, (old, new) in SHEET_STORED.items():
        SheetAudit.objects.create(sheet=sheet, user=organiser, action=action, old_values=old, new_values=new)
    client = client_for(organiser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"

    with translation.override("zh-hans"):
        response = client.get(reverse("scoring:sheet_detail", args=[sheet.pk]))

    rows = response.context["audit"]
    assert len(rows) == len(SHEET_STORED)
    html = response.content.decode()
    table = html[html.index('id="audit-table"') : html.index("</table>", html.index('id="audit-table"'))]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", re.sub(r"<(?!/?td)[^>]+>", "", table), re.S)
    assert len(cells) == 5 * len(SHEET_STORED)
    assert {cell: raw_in(cell) for cell in cells if raw_in(cell)} == {}
