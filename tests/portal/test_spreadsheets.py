import csv
import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from portal import spreadsheets


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


BOMB_MESSAGE = ["This file unpacks to far more data than a document holds; it is refused."]


def xlsx(rows, *, title=None) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("list.xlsx", buffer.getvalue())


def zipped(members: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def check(buffer) -> None:
    with zipfile.ZipFile(buffer) as archive:
        spreadsheets.check_zip(archive, size=len(buffer.getvalue()))


# --- the zip-bomb guard ------------------------------------------------------------------------------------


def test_check_zip_accepts_an_ordinary_document():
    check(zipped({"a.xml": b"<a/>" * 100, "b.xml": b"<b/>"}))


def test_check_zip_refuses_a_member_over_the_member_limit(monkeypatch):
    monkeypatch.setattr(spreadsheets, "ZIP_MAX_MEMBER", 1000)
    with pytest.raises(ValidationError) as error:
        check(zipped({"small.xml": b"x" * 900, "big.xml": b"x" * 1001}))
    assert error.value.messages == BOMB_MESSAGE


def test_check_zip_refuses_members_over_the_total_limit(monkeypatch):
    monkeypatch.setattr(spreadsheets, "ZIP_MAX_UNCOMPRESSED", 1500)
    with pytest.raises(ValidationError) as error:
        check(zipped({"a.xml": b"x" * 800, "b.xml": b"x" * 800}))
    assert error.value.messages == BOMB_MESSAGE


def test_check_zip_refuses_a_ratio_past_the_free_allowance(monkeypatch):
    monkeypatch.setattr(spreadsheets, "ZIP_RATIO_FREE", 10_000)
    with pytest.raises(ValidationError) as error:
        check(zipped({"zeros.xml": b"\x00" * 200_000}))  # packs about a thousand to one
    assert error.value.messages == BOMB_MESSAGE


def test_check_zip_refuses_too_many_members(monkeypatch):
    monkeypatch.setattr(spreadsheets, "ZIP_MAX_ENTRIES", 2)
    with pytest.raises(ValidationError):
        check(zipped({"a": b"", "b": b"", "c": b""}))


# --- the reader ----------------------------------------------------------------------------------------------


def test_cell_text_reads_a_whole_float_as_an_integer_and_keeps_other_floats_as_typed():
    assert [spreadsheets.cell_text(v) for v in (None, 17.0, 17.5, 0.15, 12, "  a \n b ")] == [
        "",
        "17",
        "17.5",
        "0.15",
        "12",
        "a b",
    ]


def test_read_table_finds_the_header_below_a_title_and_skips_blank_rows():
    upload = xlsx([["名称", "分数*"], ["甲", 17.0], [None, None], ["乙", 17.5]], title="2026 名单")
    table = spreadsheets.read_table(upload, columns=["名称", "分数"], max_rows=10)
    assert (table.header_row, table.columns) == (2, ["名称", "分数"])
    assert table.rows == [(3, {"名称": "甲", "分数": "17"}), (5, {"名称": "乙", "分数": "17.5"})]


def test_read_table_refuses_a_missing_column():
    with pytest.raises(ValidationError) as error:
        spreadsheets.read_table(xlsx([["名称"], ["甲"]]), columns=["名称", "分数"], max_rows=10)
    assert error.value.messages == ["Columns missing in row 1: 分数. Use the template."]


def test_read_table_refuses_more_rows_than_allowed():
    with pytest.raises(ValidationError) as error:
        spreadsheets.read_table(xlsx([["名称"], ["甲"], ["乙"], ["丙"]]), columns=["名称"], max_rows=2)
    assert error.value.messages == ["The list has more than 2 rows. Split it into several files of at most 2 rows."]


def test_read_table_refuses_a_file_that_is_not_a_workbook():
    with pytest.raises(ValidationError) as error:
        spreadsheets.read_table(io.BytesIO(b"not excel"), columns=["名称"], max_rows=2)
    assert error.value.messages == [
        "This file is not an Excel workbook (.xlsx). Download the template, fill it in and upload it again."
    ]


def test_read_table_refuses_a_bomb_before_opening_it(monkeypatch):
    monkeypatch.setattr(spreadsheets, "ZIP_MAX_MEMBER", 100)
    with pytest.raises(ValidationError) as error:
        spreadsheets.read_table(xlsx([["名称"], ["甲"]]), columns=["名称"], max_rows=2)
    assert error.value.messages == BOMB_MESSAGE


def test_read_table_refuses_a_file_over_the_upload_limit(settings):
    settings.UPLOAD_MAX_MB = 0
    with pytest.raises(ValidationError) as error:
        spreadsheets.read_table(xlsx([["名称"], ["甲"]]), columns=["名称"], max_rows=2)
    assert error.value.messages[0].endswith("the limit is 0 MB.")


def test_import_report_keeps_every_reason_of_a_row_together():
    report = spreadsheets.ImportReport()
    report.add_error(3, "a")
    report.add_error(3, "b")
    report.add_error(5, "c")
    assert report.errors == [(3, ["a", "b"]), (5, ["c"])]
    assert report.messages == [(3, "a"), (3, "b"), (5, "c")]
    assert report.ok is False


# --- writing ---------------------------------------------------------------------------------------------------

FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]


def test_csv_bytes_start_with_a_byte_order_mark_and_prefix_formula_like_text():
    data = spreadsheets.csv_bytes(["名称", "分数"], [[text, 1] for text in [*FORMULAS, "平常"]])
    text = data.decode("utf-8")
    assert text.startswith("\ufeff名称,分数\r\n")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert [row[0] for row in rows[1:]] == ["'" + value for value in FORMULAS] + ["平常"]


def test_text_cell_keeps_formula_like_text_as_text_without_an_apostrophe():
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    sheet.append([spreadsheets.text_cell(sheet, value) for value in ["=1+1", 3]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = next(openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())
    assert [(cell.value, cell.data_type) for cell in cells] == [("=1+1", "s"), (3, "n")]
