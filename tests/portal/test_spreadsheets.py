import csv
import io
import os
import time
import zipfile
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from portal import spreadsheets
from tests import spreadsheet_files


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


def test_cell_text_keeps_the_line_breaks_of_free_text_and_trims_each_line():
    value = "  数据清楚 \r\n\r\n建议   推广\r第三行 \n"
    assert spreadsheets.cell_text(value, multiline=True) == "数据清楚\n\n建议 推广\n第三行"
    assert spreadsheets.cell_text(value) == "数据清楚 建议 推广 第三行"
    assert spreadsheets.cell_text(17.5, multiline=True) == "17.5"


def test_read_table_keeps_line_breaks_only_in_multiline_columns():
    upload = xlsx([["名称", "备注"], ["甲\n公司", "第一行\r\n第二行"]])
    table = spreadsheets.read_table(upload, columns=["名称"], max_rows=10, multiline=["备注"])
    assert table.rows == [(2, {"名称": "甲 公司", "备注": "第一行\n第二行"})]


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


def test_read_table_reads_text_without_its_header_as_a_csv_with_no_header():
    with pytest.raises(ValidationError) as error:
        spreadsheets.read_table(io.BytesIO(b"not excel"), columns=["名称"], max_rows=2)
    assert error.value.messages == ["No header row found: the first rows must hold the column names (名称)."]


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
    # A leading tab or carriage return is trimmed (portal.text.clean_text) before the escape looks at the text.
    escaped = ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "x", "x"]
    assert [row[0] for row in rows[1:]] == [*escaped, "平常"]


def test_csv_cells_are_cleaned_before_they_are_escaped():
    data = spreadsheets.csv_bytes(["名称"], [["\u200b=1+1"], [" @A1"], ["甲\x07\u202e乙\r\n丙"]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"), newline="")))
    assert rows[1:] == [["'=1+1"], ["'@A1"], ["甲乙\n丙"]]


def test_text_cell_keeps_formula_like_text_as_text_without_an_apostrophe():
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    sheet.append([spreadsheets.text_cell(sheet, value) for value in ["=1+1", 3]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = next(openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())
    assert [(cell.value, cell.data_type) for cell in cells] == [("=1+1", "s"), (3, "n")]


# --- reading what the person typed -----------------------------------------------------------------------------

NUMBER_REASON = (
    "the cell became a number (read as {value}), so digits may be lost. Format the column as text "
    "(设置单元格格式为“文本”) and type the code again, or type an apostrophe (') before it."
)
RESAVE = "文件 → 另存为 → Excel 工作簿 (*.xlsx)"


def codes_table(*values, upload=None):
    upload = upload or xlsx([["名称", "代码"], *[["甲", value] for value in values]])
    return spreadsheets.read_table(upload, columns=["名称", "代码"], max_rows=10, identifiers=["代码"])


def test_read_table_refuses_an_identifier_stored_as_a_number():
    # What a spreadsheet stores for 913301000000000082 typed in a General cell (shown as 9.13301E+17),
    # a 17-digit float from a formula, and a phone number typed as an int.
    table = codes_table(9.13301e17, 913301000000000082.0, 13800138000, "91330100MA27XL0P4K")
    assert table.rows == [
        (2, {"名称": "甲", "代码": "913301000000000000"}),
        (3, {"名称": "甲", "代码": "913301000000000128"}),
        (4, {"名称": "甲", "代码": "13800138000"}),
        (5, {"名称": "甲", "代码": "91330100MA27XL0P4K"}),
    ]
    assert table.refused == {
        2: ["代码: " + NUMBER_REASON.format(value="913301000000000000")],
        3: ["代码: " + NUMBER_REASON.format(value="913301000000000128")],
        4: ["代码: " + NUMBER_REASON.format(value="13800138000")],
    }


def test_read_table_reads_other_columns_numbers_as_before():
    upload = xlsx([["名称", "代码"], [17.0, "A1"]])
    table = spreadsheets.read_table(upload, columns=["名称", "代码"], max_rows=10, identifiers=["代码"])
    assert (table.rows, table.refused) == ([(2, {"名称": "17", "代码": "A1"})], {})


def test_read_table_reads_a_full_width_identifier_as_half_width_and_trims_it():
    table = codes_table("\u3000９１３３０１００ＭＡ２７ＸＬ０Ｐ４Ｋ ", "'913301000000000082")
    assert [values["代码"] for _row, values in table.rows] == ["91330100MA27XL0P4K", "913301000000000082"]
    assert table.refused == {}


def test_identifier_text_refuses_scientific_notation_written_as_text():
    assert spreadsheets.identifier_text("9.13301E+17") == ("9.13301E+17", NUMBER_REASON.format(value="9.13301E+17"))
    assert spreadsheets.identifier_text("QC-2026-0001") == ("QC-2026-0001", None)


def test_read_table_refuses_a_legacy_xls_saying_what_it_is():
    xls = SimpleUploadedFile("list.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with pytest.raises(ValidationError) as error:
        spreadsheets.read_table(xls, columns=["名称"], max_rows=2)
    assert error.value.messages == [
        "This file is an Excel 97-2003 workbook (.xls), which the portal cannot read. Open it in Excel or WPS, "
        f"save it with {RESAVE}, and upload the .xlsx file."
    ]


def test_read_table_refuses_a_word_document_saying_what_it_is():
    docx = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    with pytest.raises(ValidationError) as error:
        spreadsheets.read_table(docx, columns=["名称"], max_rows=2)
    assert error.value.messages == [
        "This file is a Word document (.docx), not a spreadsheet. Upload an Excel workbook (.xlsx; in Excel or "
        f"WPS: {RESAVE}) or a CSV file."
    ]


def test_read_table_refuses_binary_bytes_that_are_no_text():
    with pytest.raises(ValidationError) as error:
        spreadsheets.read_table(io.BytesIO(b"\x00\x01\x02binary"), columns=["名称"], max_rows=2)
    assert error.value.messages == [
        "This file is neither a workbook nor a CSV text file, not a spreadsheet. Upload an Excel workbook (.xlsx; "
        f"in Excel or WPS: {RESAVE}) or a CSV file."
    ]


def test_read_table_reads_a_gbk_csv_as_saved_by_chinese_excel():
    data = '2026 名单\r\n名称,代码\r\n甲企业,913301000000000082\r\n,\r\n乙企业,"9.13301E+17"\r\n'.encode("gb18030")
    table = codes_table(upload=SimpleUploadedFile("list.csv", data))
    assert (table.header_row, table.columns) == (2, ["名称", "代码"])
    assert table.rows == [
        (3, {"名称": "甲企业", "代码": "913301000000000082"}),
        (5, {"名称": "乙企业", "代码": "9.13301E+17"}),
    ]
    assert table.refused == {5: ["代码: " + NUMBER_REASON.format(value="9.13301E+17")]}


def test_read_table_reads_a_utf8_csv_with_a_byte_order_mark_and_line_breaks_in_cells():
    data = '\ufeff名称,成员\r\n甲,"吴杰\n徐丽"\r\n'.encode()
    table = spreadsheets.read_table(SimpleUploadedFile("list.csv", data), columns=["名称", "成员"], max_rows=10)
    assert table.rows == [(2, {"名称": "甲", "成员": "吴杰 徐丽"})]


def test_file_kind_tells_a_workbook_from_a_csv():
    assert spreadsheets.file_kind(xlsx([["名称"]])) == "xlsx"
    assert spreadsheets.file_kind(SimpleUploadedFile("a.csv", "名称\r\n甲".encode("gb18030"))) == "csv"


def _with_shared_strings(upload, shared_strings: bytes) -> SimpleUploadedFile:
    """The workbook `upload` with `shared_strings` as its xl/sharedStrings.xml."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(upload.read())) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for member in source.infolist():
            if member.filename != "xl/sharedStrings.xml":
                out.writestr(member.filename, source.read(member))
        out.writestr("xl/sharedStrings.xml", shared_strings)
    return SimpleUploadedFile("list.xlsx", buffer.getvalue())


def test_read_table_refuses_the_incidents_shared_strings_bomb_in_under_a_second_without_parsing_it(monkeypatch):
    upload = spreadsheet_files.shared_strings_bomb(["名称"], megabytes=60)
    assert upload.size < 200 * 1024  # 0.15 MB on the wire held a worker 46 s at 617 MB
    monkeypatch.setattr(spreadsheets, "parse_rows", mock.Mock(side_effect=AssertionError("parsed")))
    started = time.monotonic()
    with pytest.raises(ValidationError) as error:
        spreadsheets.read_table(upload, columns=["名称"], max_rows=2)
    assert error.value.messages == BOMB_MESSAGE
    assert time.monotonic() - started < 1


def test_check_zip_refuses_any_part_read_whole_over_the_parsed_part_limit(monkeypatch):
    monkeypatch.setattr(spreadsheets, "PARSED_PART_MAX", 1000)
    for name in ("xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml", "[Content_Types].xml", "xl/_rels/x.rels"):
        with pytest.raises(ValidationError) as error:
            check(zipped({name: b"x" * 1001}))
        assert error.value.messages == BOMB_MESSAGE


def test_check_zip_leaves_sheets_and_pictures_to_the_row_limit_and_the_member_limit(monkeypatch):
    monkeypatch.setattr(spreadsheets, "PARSED_PART_MAX", 1000)
    check(zipped({"xl/worksheets/sheet1.xml": b"x" * 5000, "xl/media/image1.png": b"x" * 5000}))
    check(zipped({"xl/sharedStrings.xml": b"x" * 1000}))


# --- the bounded parse -------------------------------------------------------------------------------------

TOO_SLOW = (
    "The file takes too long to read. Save it again as .xlsx holding only the data sheet (in Excel or WPS: "
    "文件 → 另存为 → Excel 工作簿 (*.xlsx)), or split the list into several smaller files, and upload it again."
)
TOO_BIG = (
    "The file takes too much memory to read. Save it again as .xlsx holding only the data sheet (in Excel or "
    "WPS: 文件 → 另存为 → Excel 工作簿 (*.xlsx)), or split the list into several smaller files, and upload it again."
)
TEN_COLUMNS = [f"列{n}" for n in range(10)]


def children() -> list[int]:
    """The processes this one started that are still there (zombies included)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == os.getpid():
            found.append(int(stat.parent.name))
    return found


def test_read_table_parses_in_a_child_process_that_is_gone_afterwards():
    before = children()
    table = spreadsheets.read_table(spreadsheet_files.workbook(TEN_COLUMNS, 3), columns=["列0"], max_rows=5)
    assert table.rows[2] == (4, {f"列{n}": f"成果4-{n}" for n in range(10)})
    assert children() == before


def test_read_table_refuses_a_workbook_that_takes_more_memory_than_allowed(settings):
    upload = spreadsheet_files.workbook(TEN_COLUMNS, 10_000)
    settings.IMPORT_PARSE_MEMORY_MB = 10
    before = children()
    with pytest.raises(ValidationError) as error:
        spreadsheets.read_table(upload, columns=["列0"], max_rows=10_000)
    assert error.value.messages == [TOO_BIG]
    assert children() == before


def test_read_table_refuses_a_workbook_that_takes_longer_than_allowed_and_kills_its_parse(settings):
    upload = spreadsheet_files.workbook(TEN_COLUMNS, 20_000)  # about ten seconds to read here
    settings.IMPORT_PARSE_SECONDS = 1
    before = children()
    with pytest.raises(ValidationError) as error:
        spreadsheets.read_table(upload, columns=["列0"], max_rows=20_000)
    assert error.value.messages == [TOO_SLOW]
    assert children() == before


def test_parse_rows_stops_at_its_row_limit():
    rows = spreadsheets.parse_rows(spreadsheet_files.workbook(["名称"], 10), kind="xlsx", max_rows=3)
    assert rows == [("名称",), ("成果2-0",), ("成果3-0",)]
    csv_upload = SimpleUploadedFile("list.csv", "名称\r\n甲\r\n乙\r\n丙\r\n".encode("gb18030"))
    assert spreadsheets.parse_rows(csv_upload, kind="csv", max_rows=2) == [("名称",), ("甲",)]


def test_read_table_refuses_a_damaged_workbook():
    upload = SimpleUploadedFile("list.xlsx", zipped({"xl/workbook.xml": b"<not a workbook"}).getvalue())
    with pytest.raises(ValidationError) as error:
        spreadsheets.read_table(upload, columns=["名称"], max_rows=2)
    assert error.value.messages == ["This Excel file cannot be read; it may be damaged. Save it again as .xlsx."]
