import re
import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from scoring import paper_sheets, recusals, sheets
from scoring.forms import PaperSheetImportForm
from scoring.models import ScoreSheet, SheetAudit
from tests import factories, spreadsheet_files
from tests.scenarios import FULL, judged_venue, raw, submitted_sheet, total_of

pytestmark = pytest.mark.django_db

CRITERIA = ["选题", "原因分析", "对策与实施", "效果", "成果报告", "特点"]
HEADER = ["分会场", "成果编号", "评委", *CRITERIA, "备注"]


def workbook(rows, header=HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return out


def rewrite_sheet(upload, replacements: dict) -> BytesIO:
    """The workbook with its first sheet's XML rewritten, to store values as a spreadsheet application does."""
    source, out = zipfile.ZipFile(upload), BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                for old, new in replacements.items():
                    data = data.replace(old, new)
            target.writestr(item, data)
    out.seek(0)
    return out


def row(setup, judge, entry, points=(12.5, 25, 17, 16, 4, 8), comment="纸质评分"):
    return [setup.venue.name, entry.code, judge.email, *points, comment]


def test_import_creates_submitted_paper_sheets():
    setup = judged_venue(judges=2, entries=1)
    entry = setup.entries[0]
    rows = [row(setup, setup.judges[0], entry), row(setup, setup.judges[1], entry, points=(15, 30, 20, 20, 5, 10))]
    report = paper_sheets.import_paper_sheets(edition=setup.edition, file=workbook(rows), by=setup.organiser)
    assert (report.ok, report.created, report.updated) == (True, 2, 0)
    sheets = ScoreSheet.objects.order_by("judge__email")
    assert [(s.status, s.source, s.comment) for s in sheets] == [("submitted", "paper", "纸质评分")] * 2
    assert sorted(total_of(s) for s in sheets) == [Decimal("82.5"), Decimal("100.0")]
    assert SheetAudit.objects.filter(action="import", user=setup.organiser).count() == 2


def test_import_completes_an_existing_draft():
    setup = judged_venue(judges=1, entries=1)
    entry, judge = setup.entries[0], setup.judges[0]
    sheet = sheets.open_sheet(entry=entry, judge=judge)
    sheets.save_draft(sheet=sheet, by=judge, raw={setup.criteria[0].pk: "3"}, version=1)
    report = paper_sheets.import_paper_sheets(
        edition=setup.edition, file=workbook([row(setup, judge, entry)]), by=setup.organiser
    )
    assert (report.created, report.updated) == (0, 1)
    assert total_of(ScoreSheet.objects.get()) == Decimal("82.5")


def test_import_audits_a_completed_draft_with_its_old_and_new_points():
    setup = judged_venue(judges=1, entries=1)
    entry, judge = setup.entries[0], setup.judges[0]
    sheet = sheets.open_sheet(entry=entry, judge=judge)
    sheets.save_draft(sheet=sheet, by=judge, raw={setup.criteria[0].pk: "3"}, comment="草稿", version=1)
    paper_sheets.import_paper_sheets(
        edition=setup.edition, file=workbook([row(setup, judge, entry, comment=" 纸质评分 ")]), by=setup.organiser
    )
    sheet = ScoreSheet.objects.get()
    assert (sheet.status, sheet.source, sheet.comment, sheet.version) == ("submitted", "paper", "纸质评分", 3)
    assert sheet.submitted_at is not None
    audit = SheetAudit.objects.get(action="import")
    assert (audit.sheet, audit.user) == (sheet, setup.organiser)
    assert audit.old_values == {"points": {"选题": "3.0"}, "comment": "草稿", "status": "draft"}
    assert audit.new_values == {
        "points": dict(zip(CRITERIA, ["12.5", "25.0", "17.0", "16.0", "4.0", "8.0"], strict=True)),
        "comment": "纸质评分",
        "status": "submitted",
    }
    assert audit.new_values == sheets.sheet_values(sheet)


def import_queries(judges, entries, rows):
    """The queries of importing rows sheets (the first judge's first sheet already a draft) into a new venue."""
    setup = judged_venue(judges=judges, entries=entries)
    draft = sheets.open_sheet(entry=setup.entries[0], judge=setup.judges[0])
    sheets.save_draft(sheet=draft, by=setup.judges[0], raw={setup.criteria[0].pk: "3"}, version=1)
    pairs = [(judge, entry) for entry in setup.entries for judge in setup.judges][:rows]
    file = workbook([row(setup, judge, entry) for judge, entry in pairs])
    with CaptureQueriesContext(connection) as queries:
        report = paper_sheets.import_paper_sheets(edition=setup.edition, file=file, by=setup.organiser)
    assert (report.ok, report.created, report.updated) == (True, rows - 1, 1)
    assert ScoreSheet.objects.filter(entry__venue=setup.venue, status="submitted").count() == rows
    assert all(total_of(sheet) == Decimal("82.5") for sheet in ScoreSheet.objects.filter(entry__venue=setup.venue))
    return len(queries)


def test_import_queries_do_not_grow_with_the_rows():
    assert import_queries(judges=2, entries=1, rows=2) == import_queries(judges=4, entries=5, rows=20) == 16


def test_import_reports_every_bad_row_and_saves_nothing():
    setup = judged_venue(judges=2, entries=2)
    other_edition = judged_venue(judges=1, entries=1)
    other_venue = judged_venue(category=setup.category, judges=1, entries=1)
    first, second = setup.entries
    rows = [
        row(setup, setup.judges[0], first),  # 2: fine
        row(setup, other_edition.judges[0], first),  # 3: a judge of another edition
        [setup.venue.name, other_venue.entries[0].code, setup.judges[0].email, 1, 1, 1, 1, 1, 1, ""],  # 4
        row(setup, setup.judges[1], first, points=(16, 25, 17, 16, 4, 8)),  # 5: above the maximum
        row(setup, setup.judges[1], second, points=(12.55, -1, "abc", 16, 4, 8)),  # 6: three bad values
        ["第99分会场", first.code, setup.judges[0].email, 1, 1, 1, 1, 1, 1, ""],  # 7: unknown venue
        row(setup, setup.judges[0], first),  # 8: the same sheet twice
        row(setup, other_venue.judges[0], second),  # 9: not on this venue's panel
        [setup.venue.name, "QC-0000-9999", setup.judges[0].email, 1, 1, 1, 1, 1, 1, ""],  # 10: unknown entry
        row(setup, setup.judges[0], second, points=(12, 25, None, 16, 4, 8)),  # 11: a blank criterion
    ]
    with translation.override("en"):
        report = paper_sheets.import_paper_sheets(edition=setup.edition, file=workbook(rows), by=setup.organiser)
    assert [number for number, _message in report.messages] == [3, 4, 5, 6, 6, 6, 7, 8, 9, 10, 11]
    messages = dict(report.messages)
    assert messages[3] == f"{other_edition.judges[0].email} is not a judge of this edition."
    assert messages[4] == f"Entry {other_venue.entries[0].code} is not heard in {setup.venue.name}."
    assert messages[5] == "选题: At most 15 points."
    assert [m for n, m in report.messages if n == 6] == [
        "选题: 12.55 has more than one decimal place; use at most one, e.g. 17.5.",
        "原因分析: Points cannot be negative.",
        "对策与实施: Enter a number, e.g. 17.5.",
    ]
    assert messages[7] == "Unknown venue “第99分会场”."
    assert messages[8] == "A second sheet of the same judge for the same entry."
    assert messages[9] == f"{other_venue.judges[0].email} is not on the panel of {setup.venue.name}."
    assert messages[11] == "对策与实施: Give points for 对策与实施."
    assert ScoreSheet.objects.count() == 0


def test_import_refuses_an_already_submitted_sheet_and_a_recused_judge():
    setup = judged_venue(judges=2, entries=1)
    entry = setup.entries[0]
    sheet = sheets.open_sheet(entry=entry, judge=setup.judges[0])
    sheets.submit_sheet(sheet=sheet, by=setup.judges[0], raw=raw(setup.criteria, FULL), version=1)
    recusals.declare_recusal(entry=entry, judge=setup.judges[1], reason="同单位")
    rows = [row(setup, setup.judges[0], entry), row(setup, setup.judges[1], entry)]
    report = paper_sheets.import_paper_sheets(edition=setup.edition, file=workbook(rows), by=setup.organiser)
    assert [n for n, _m in report.errors] == [2, 3]
    assert ScoreSheet.objects.count() == 1


def test_import_refuses_a_file_without_the_columns_or_not_a_workbook():
    setup = judged_venue(judges=1, entries=1)
    with pytest.raises(ValidationError):
        paper_sheets.import_paper_sheets(
            edition=setup.edition, file=workbook([], header=["成果编号", "评委"]), by=setup.organiser
        )
    with pytest.raises(ValidationError):
        paper_sheets.import_paper_sheets(edition=setup.edition, file=BytesIO(b"not excel"), by=setup.organiser)
    with pytest.raises(ValidationError):
        paper_sheets.import_paper_sheets(edition=setup.edition, file=workbook([]), by=setup.organiser)


def test_import_view_uploads_and_lists_bad_rows(client_for):
    setup = judged_venue(judges=1, entries=1)
    url = reverse("scoring:import_sheets", args=[setup.edition.pk])
    client = client_for(setup.organiser)
    bad = workbook([row(setup, setup.judges[0], setup.entries[0], points=(99, 1, 1, 1, 1, 1))])
    response = client.post(url, {"file": SimpleUploadedFile("sheets.xlsx", bad.read())})
    assert response.status_code == 400
    assert b'data-row="2"' in response.content
    good = workbook([row(setup, setup.judges[0], setup.entries[0])])
    response = client.post(url, {"file": SimpleUploadedFile("sheets.xlsx", good.read())})
    assert (response.status_code, ScoreSheet.objects.count()) == (200, 0)  # the preview
    response = client.post(url, {"token": response.context["confirm"]["token"].value()})
    assert response.status_code == 302
    assert ScoreSheet.objects.get().source == "paper"


def test_import_view_refuses_a_judge_and_another_editions_organiser(client_for):
    setup = judged_venue(judges=1, entries=1)
    url = reverse("scoring:import_sheets", args=[setup.edition.pk])
    good = workbook([row(setup, setup.judges[0], setup.entries[0])]).read()
    assert client_for(setup.judges[0]).get(url).status_code == 403
    response = client_for(factories.OrganiserFactory()).post(url, {"file": SimpleUploadedFile("s.xlsx", good)})
    assert response.status_code == 403
    assert ScoreSheet.objects.count() == 0


def test_import_view_refuses_another_file_type(client_for):
    setup = judged_venue(judges=1, entries=1)
    response = client_for(setup.organiser).post(
        reverse("scoring:import_sheets", args=[setup.edition.pk]), {"file": SimpleUploadedFile("s.csv", b"a,b")}
    )
    assert response.status_code == 400
    assert ScoreSheet.objects.count() == 0


# --- reading what the person typed -----------------------------------------------------------------------------


def test_import_says_which_value_was_read_when_it_has_two_decimals():
    setup = judged_venue(judges=2, entries=1)
    entry = setup.entries[0]
    # A cell formatted to one decimal shows 17.5 and holds 17.46; a formula leaves a 17-digit float.
    rows = [
        row(setup, setup.judges[0], entry, points=(12.5, 25, 17.46, 16, 4, 8)),
        row(setup, setup.judges[1], entry, points=(0.3, 25, 17, 16, 4, 8)),
    ]
    # openpyxl writes 0.3; Excel writes a formula's 0.1+0.2 with all 17 digits.
    upload = rewrite_sheet(workbook(rows), {b"<v>0.3</v>": b"<v>0.30000000000000004</v>"})
    with translation.override("en"):
        report = paper_sheets.import_paper_sheets(edition=setup.edition, file=upload, by=setup.organiser)
    # 17.46 is off the tenths by far more than a float's rounding; 0.30000000000000004 shows 0.3 and is read so.
    assert report.messages == [
        (2, "对策与实施: 17.46 has more than one decimal place; use at most one, e.g. 17.5."),
    ]
    assert ScoreSheet.objects.count() == 0


def points_of(sheet) -> list[Decimal]:
    return list(sheet.scores.order_by("criterion__position").values_list("points", flat=True))


@pytest.mark.parametrize("formula, cached", [("5.1+3.2", b"8.299999999999999"), ("4.15*2", b"8.300000000000001")])
def test_import_reads_a_formulas_float_as_the_points_it_shows(formula, cached):
    setup = judged_venue(judges=1, entries=1)
    entry, judge = setup.entries[0], setup.judges[0]
    typed = [setup.venue.name, entry.code, judge.email, f"={formula}", 25, 17, 16, 4, 8, ""]
    # openpyxl writes a formula without its result; Excel stores the result it computed beside it.
    upload = rewrite_sheet(
        workbook([typed]), {f"<f>{formula}</f><v />".encode(): f"<f>{formula}</f><v>".encode() + cached + b"</v>"}
    )
    report = paper_sheets.import_paper_sheets(edition=setup.edition, file=upload, by=setup.organiser)
    assert (report.ok, report.created) == (True, 1)
    sheet = ScoreSheet.objects.get()
    assert points_of(sheet)[0] == Decimal("8.3")
    assert str(points_of(sheet)[0]) == "8.3"
    assert sheet.total == Decimal("78.3")


def test_import_reads_8_300000000000001_typed_in_a_csv_as_exactly_8_3():
    setup = judged_venue(judges=1, entries=1)
    values = row(setup, setup.judges[0], setup.entries[0], points=("8.300000000000001", 25, 17, 16, 4, 8))
    text = "\r\n".join([",".join(HEADER), ",".join(str(value) for value in values)])
    report = paper_sheets.import_paper_sheets(
        edition=setup.edition, file=SimpleUploadedFile("s.csv", text.encode()), by=setup.organiser
    )
    assert (report.ok, report.created) == (True, 1)
    assert points_of(ScoreSheet.objects.get())[0] == Decimal("8.3")
    assert SheetAudit.objects.get().new_values["points"]["选题"] == "8.3"


def test_import_still_refuses_points_off_the_tenths():
    setup = judged_venue(judges=1, entries=1)
    typed = row(setup, setup.judges[0], setup.entries[0], points=(8.35, 25, 17, 16, 4, 8))
    with translation.override("en"):
        report = paper_sheets.import_paper_sheets(edition=setup.edition, file=workbook([typed]), by=setup.organiser)
    assert report.messages == [(2, "选题: 8.35 has more than one decimal place; use at most one, e.g. 17.5.")]
    assert ScoreSheet.objects.count() == 0


@pytest.mark.parametrize(
    "text, read",
    [
        ("8.300000000000001", "8.3"),
        ("8.299999999999999", "8.3"),
        ("0.30000000000000004", "0.3"),
        ("5.551115123125783e-17", "0.0"),
        ("-5.551115123125783e-17", "0.0"),
        ("8.3", "8.3"),
        ("17", "17"),
        ("8.35", "8.35"),
        ("8.300001", "8.300001"),
        ("abc", "abc"),
        ("nan", "nan"),
        ("1e400", "1e400"),
        ("", ""),
    ],
)
def test_cell_points_reads_only_a_floats_rounding_as_the_tenth_it_shows(text, read):
    assert paper_sheets.cell_points(text) == read


def test_import_refuses_an_entry_code_that_became_a_number():
    setup = judged_venue(judges=1, entries=1)
    bad = [setup.venue.name, 20260001, setup.judges[0].email, 12.5, 25, 17, 16, 4, 8, ""]
    with translation.override("en"):
        report = paper_sheets.import_paper_sheets(edition=setup.edition, file=workbook([bad]), by=setup.organiser)
    assert report.messages == [
        (
            2,
            "成果编号: the cell became a number (read as 20260001), so digits may be lost. Format the column as text "
            "(设置单元格格式为“文本”) and type the code again, or type an apostrophe (') before it.",
        )
    ]


def test_import_reads_a_full_width_entry_code():
    setup = judged_venue(judges=1, entries=1)
    entry = setup.entries[0]
    full_width = entry.code.translate({code: code + 0xFEE0 for code in range(0x21, 0x7F)})
    typed = [setup.venue.name, f" {full_width} ", setup.judges[0].email, 12.5, 25, 17, 16, 4, 8, ""]
    report = paper_sheets.import_paper_sheets(edition=setup.edition, file=workbook([typed]), by=setup.organiser)
    assert (report.ok, report.created) == (True, 1)


def test_import_reads_an_entry_code_typed_in_lower_case():
    setup = judged_venue(judges=1, entries=1)
    entry = setup.entries[0]
    full_width_lower = entry.code.lower().translate({code: code + 0xFEE0 for code in range(0x21, 0x7F)})
    rows = [
        [setup.venue.name, f" {entry.code.lower()} ", setup.judges[0].email, 12.5, 25, 17, 16, 4, 8, ""],
    ]
    report = paper_sheets.import_paper_sheets(edition=setup.edition, file=workbook(rows), by=setup.organiser)
    assert (report.ok, report.created) == (True, 1)
    assert ScoreSheet.objects.get().entry == entry
    assert paper_sheets.code_key(full_width_lower) == entry.code.upper()


def test_import_still_refuses_an_unknown_entry_code():
    setup = judged_venue(judges=1, entries=1)
    typed = [setup.venue.name, "qc-1999-0001", setup.judges[0].email, 12.5, 25, 17, 16, 4, 8, ""]
    with translation.override("en"):
        report = paper_sheets.import_paper_sheets(edition=setup.edition, file=workbook([typed]), by=setup.organiser)
    assert report.messages == [(2, "Unknown entry code “qc-1999-0001”.")]


def test_import_reads_a_gbk_csv():
    setup = judged_venue(judges=1, entries=1)
    values = row(setup, setup.judges[0], setup.entries[0])
    text = "\r\n".join([",".join(HEADER), ",".join(str(value) for value in values)])
    upload = SimpleUploadedFile("sheets.csv", text.encode("gb18030"))
    report = paper_sheets.import_paper_sheets(edition=setup.edition, file=upload, by=setup.organiser)
    assert (report.ok, report.created) == (True, 1)
    assert total_of(ScoreSheet.objects.get()) == Decimal("82.5")


def test_import_form_accepts_a_csv_and_tells_an_xls_what_it_is():
    csv_upload = SimpleUploadedFile("sheets.csv", "\ufeff分会场,成果编号\r\n".encode())
    assert PaperSheetImportForm(files={"file": csv_upload}).is_valid()
    xls = SimpleUploadedFile("sheets.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with translation.override("en"):
        form = PaperSheetImportForm(files={"file": xls})
        assert form.errors["file"] == [
            "This file is an Excel 97-2003 workbook (.xls), which the portal cannot read. Open it in Excel or WPS, "
            "save it with 文件 → 另存为 → Excel 工作簿 (*.xlsx), and upload the .xlsx file."
        ]


# --- the template to print and fill in -----------------------------------------------------------------------------


def template_of(client, edition, rubric=None):
    query = {"rubric": rubric.pk} if rubric else {}
    response = client.get(reverse("scoring:paper_sheet_template", args=[edition.pk]), query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(BytesIO(response.content))


def test_template_has_a_row_per_entry_and_judge_of_the_venue(client_for):
    setup = judged_venue(judges=2, entries=2)
    factories.EntryFactory(category=setup.category, edition=setup.edition, venue=None, status="accepted")
    book = template_of(client_for(setup.organiser), setup.edition)
    assert book.sheetnames == [setup.category.rubric.name[:31]]
    sheet = book.worksheets[0]
    judges = sorted(judge.email for judge in setup.judges)
    first, second = setup.entries
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADER
    assert sorted(values[1:]) == sorted(
        [setup.venue.name, entry.code, email, *([None] * len(CRITERIA)), None]
        for entry in (first, second)
        for email in judges
    )
    assert [sheet.cell(row=2, column=column).number_format for column in (2, 3)] == ["@", "@"]
    widths = [sheet.column_dimensions[column].width for column in ("A", "B", "C")]
    assert widths == [18, 16, 32]  # a code like QC-2021-0001 and an e-mail show whole
    assert [sheet.column_dimensions[column].width for column in ("D", "F", "J")] == [8, 12, 40]  # "对策与实施", 备注
    assert sheet.page_setup.orientation == "landscape"
    assert (sheet.page_setup.fitToWidth, sheet.print_title_rows) == (1, "$1:$1")
    assert [sheet.column_dimensions[column].number_format for column in ("B", "C")] == ["@", "@"]  # rows added
    assert setup.edition.name in sheet.oddHeader.center.text


def test_template_filled_in_imports_through_the_preview_and_confirmation(client_for):
    setup = judged_venue(judges=2, entries=1)
    client = client_for(setup.organiser)
    book = template_of(client, setup.edition)
    sheet = book.worksheets[0]
    for number in range(2, sheet.max_row + 1):
        for column, points in enumerate((12.5, 25, 17, 16, 4, 8), start=4):
            sheet.cell(row=number, column=column, value=points)
        sheet.cell(row=number, column=10, value="数据清楚\r\n建议推广 ")
    filled = BytesIO()
    book.save(filled)
    url = reverse("scoring:import_sheets", args=[setup.edition.pk])

    preview = client.post(url, {"file": SimpleUploadedFile("filled.xlsx", filled.getvalue())})
    assert (preview.status_code, preview.context["new_sheets"], ScoreSheet.objects.count()) == (200, 2, 0)
    response = client.post(url, {"token": preview.context["confirm"]["token"].value()})

    assert response.status_code == 302
    made = ScoreSheet.objects.order_by("judge__email")
    assert [(s.judge.email, s.status, s.source, s.comment) for s in made] == [
        (email, "submitted", "paper", "数据清楚\n建议推广") for email in sorted(j.email for j in setup.judges)
    ]
    assert [total_of(s) for s in made] == [Decimal("82.5")] * 2


def test_template_is_one_file_per_rubric_each_importable_as_it_is(client_for):
    setup = judged_venue(judges=1, entries=1)
    other = factories.CategoryFactory(edition=setup.edition)
    client = client_for(setup.organiser)
    books = [template_of(client, setup.edition, rubric) for rubric in (setup.category.rubric, other.rubric)]
    assert [book.sheetnames for book in books] == [[setup.category.rubric.name], [other.rubric.name]]
    assert [book.worksheets[0].max_row for book in books] == [2, 1]
    assert [cell.value for cell in books[1].worksheets[0][1]] == ["分会场", "成果编号", "评委", *CRITERIA, "备注"]
    page = client.get(reverse("scoring:import_sheets", args=[setup.edition.pk])).content.decode()
    assert sorted(int(pk) for pk in re.findall(r'data-paper-sheet-template="(\d+)"', page)) == sorted(
        [setup.category.rubric.pk, other.rubric.pk]
    )


def test_template_refuses_a_rubric_the_edition_does_not_use(client_for):
    setup = judged_venue(judges=1, entries=1)
    stranger = factories.RubricFactory()
    response = client_for(setup.organiser).get(
        reverse("scoring:paper_sheet_template", args=[setup.edition.pk]), {"rubric": stranger.pk}
    )
    assert response.status_code == 404


def test_template_sheet_names_are_ones_excel_accepts():
    used = set()
    names = [paper_sheets._sheet_name(name, used) for name in ("评审表[A]/B", "评审表 A B", "x" * 40, "x" * 40)]
    assert names == ["评审表 A  B", "评审表 A B", "x" * 31, "x" * 27 + " (2)"]


def template_queries(client, judges, entries):
    setup = judged_venue(judges=judges, entries=entries)
    setup.edition.organisers.add(client.user)
    with CaptureQueriesContext(connection) as queries:
        book = template_of(client, setup.edition)
    assert book.worksheets[0].max_row == judges * entries + 1
    return len(queries)


def test_template_queries_do_not_grow_with_the_entries_and_judges(client_for):
    organiser = factories.OrganiserFactory()
    client = client_for(organiser)
    client.user = organiser
    assert template_queries(client, judges=1, entries=1) == template_queries(client, judges=4, entries=6)


def test_template_refuses_a_judge_and_another_editions_organiser(client_for):
    setup = judged_venue(judges=1, entries=1)
    url = reverse("scoring:paper_sheet_template", args=[setup.edition.pk])
    assert client_for(setup.judges[0]).get(url).status_code == 403
    assert client_for(factories.OrganiserFactory()).get(url).status_code == 403


def test_import_keeps_the_line_breaks_of_a_comment():
    setup = judged_venue(judges=1, entries=1)
    comment = "  数据清楚\r\n\r\n建议   推广 \n"
    rows = [row(setup, setup.judges[0], setup.entries[0], comment=comment)]
    report = paper_sheets.import_paper_sheets(edition=setup.edition, file=workbook(rows), by=setup.organiser)
    assert report.created == 1
    assert ScoreSheet.objects.get().comment == "数据清楚\n\n建议 推广"


def test_import_refuses_a_comment_over_the_limit_of_the_judges_page():
    setup = judged_venue(judges=2, entries=1)
    entry = setup.entries[0]
    rows = [
        row(setup, setup.judges[0], entry, comment="评" * 2000),
        row(setup, setup.judges[1], entry, comment="评" * 2001),
    ]
    with translation.override("en"):
        report = paper_sheets.import_paper_sheets(edition=setup.edition, file=workbook(rows), by=setup.organiser)
    assert report.messages == [(3, "备注: The comment can have at most 2000 characters; this one has 2001.")]
    assert ScoreSheet.objects.count() == 0


BOMB_MESSAGE = ["This file unpacks to far more data than a document holds; it is refused."]
TOO_SLOW = [
    "The file takes too long to read. Save it again as .xlsx holding only the data sheet (in Excel or WPS: "
    "文件 → 另存为 → Excel 工作簿 (*.xlsx)), or split the list into several smaller files, and upload it again."
]


def test_import_view_refuses_a_shared_strings_bomb_with_its_message(client_for):
    setup = judged_venue(judges=1, entries=1)
    response = client_for(setup.organiser).post(
        reverse("scoring:import_sheets", args=[setup.edition.pk]),
        {"file": spreadsheet_files.shared_strings_bomb(HEADER)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == BOMB_MESSAGE
    assert ScoreSheet.objects.count() == 0


def test_import_view_refuses_a_file_that_takes_longer_to_read_than_allowed(client_for, settings):
    setup = judged_venue(judges=1, entries=1)
    upload = spreadsheet_files.workbook(HEADER, 20_000)
    settings.IMPORT_PARSE_SECONDS = 1
    response = client_for(setup.organiser).post(
        reverse("scoring:import_sheets", args=[setup.edition.pk]), {"file": upload}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == TOO_SLOW
    assert ScoreSheet.objects.count() == 0


def test_import_view_writes_a_file_over_the_background_limit_in_the_worker(
    client_for, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    setup = judged_venue(judges=2, entries=1)
    url = reverse("scoring:import_sheets", args=[setup.edition.pk])
    client = client_for(setup.organiser)
    rows = [row(setup, judge, setup.entries[0]) for judge in setup.judges]
    preview = client.post(url, {"file": SimpleUploadedFile("sheets.xlsx", workbook(rows).read())})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"token": preview.context["confirm"]["token"].value()}, HTTP_ACCEPT_LANGUAGE="en")
    job = response["Location"].split("?job=")[1]
    assert response["Location"] == f"{url}?job={job}"
    assert ScoreSheet.objects.filter(source="paper").count() == 2
    done = {
        "state": "done",
        "progress": 100,
        "level": "success",
        "messages": ["2 paper sheet(s) imported, 0 draft(s) completed."],
    }
    assert client.get(response["Location"], HTTP_ACCEPT="application/json").json() == done
    page = client.get(response["Location"])
    assert page.context["job"] == done
    assert client_for(factories.OrganiserFactory()).get(response["Location"]).status_code == 403
    setup.edition.organisers.add(other := factories.OrganiserFactory())
    assert client_for(other).get(response["Location"], HTTP_ACCEPT="application/json").status_code == 404


def test_import_view_writes_nothing_in_the_worker_when_a_row_went_bad_meanwhile(
    client_for, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    setup = judged_venue(judges=2, entries=1)
    url = reverse("scoring:import_sheets", args=[setup.edition.pk])
    client = client_for(setup.organiser)
    rows = [row(setup, judge, setup.entries[0]) for judge in setup.judges]
    preview = client.post(url, {"file": SimpleUploadedFile("sheets.xlsx", workbook(rows).read())})
    submitted_sheet(setup, setup.judges[0], setup.entries[0])  # the judge submitted in the portal meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"token": preview.context["confirm"]["token"].value()}, HTTP_ACCEPT_LANGUAGE="en")
    assert ScoreSheet.objects.filter(source="paper").count() == 0
    job = client.get(response["Location"], HTTP_ACCEPT="application/json").json()
    assert (job["state"], job["level"]) == ("failed", "error")
    assert job["messages"][0] == "Nothing was imported. Correct these rows and upload the file again:"
    assert job["messages"][1].startswith("Row 2: ")


def test_a_venue_mixing_both_qc_rubrics_round_trips_a_template_per_rubric(client_for):
    setup = judged_venue(judges=2, entries=1)
    innovation = factories.rubric_with_criteria(
        setup.edition, criteria=[("选题", 20), ("提出方案并确定最佳方案", 30), ("对策与实施", 50)], name="创新型"
    )
    setup.category.innovation_rubric = innovation
    setup.category.save()
    solving = setup.entries[0]
    new = factories.EntryFactory(
        category=setup.category,
        edition=setup.edition,
        venue=setup.venue,
        status="accepted",
        code="QC-2021-9999",
        topic_type="innovation",
        running_order=2,
    )
    client = client_for(setup.organiser)
    url = reverse("scoring:import_sheets", args=[setup.edition.pk])

    for rubric, entry, points in (
        (setup.category.rubric, solving, (12.5, 25, 17, 16, 4, 8)),
        (innovation, new, (18, 27, 45)),
    ):
        book = template_of(client, setup.edition, rubric)
        sheet = book.worksheets[0]
        header = [cell.value for cell in sheet[1]]
        assert header == ["分会场", "成果编号", "评委", *(c.name for c in rubric.criteria.order_by("position")), "备注"]
        assert {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)} == {entry.code}
        for number in range(2, sheet.max_row + 1):
            for column, value in enumerate(points, start=4):
                sheet.cell(row=number, column=column, value=value)
        filled = BytesIO()
        book.save(filled)
        preview = client.post(url, {"file": SimpleUploadedFile("filled.xlsx", filled.getvalue())})
        assert preview.context["new_sheets"] == 2
        assert client.post(url, {"token": preview.context["confirm"]["token"].value()}).status_code == 302

    stored = sorted(
        (s.entry.code, s.rubric_id, s.status, str(total_of(s))) for s in ScoreSheet.objects.select_related("entry")
    )
    assert stored == sorted(
        [(solving.code, setup.category.rubric_id, "submitted", "82.5")] * 2
        + [(new.code, innovation.pk, "submitted", "90.0")] * 2
    )
