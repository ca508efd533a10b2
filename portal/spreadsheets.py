"""Spreadsheets in and out: the one zip-bomb guard, the one Excel reader, the one formula escape, the one CSV writer.

Every import (the recommendation list, paper score sheets) reads .xlsx through `read_table()`; every export writes
text cells through `text_cell()` (XLSX) or `csv_writer()` (CSV). An upload of a zip-based document (XLSX, PPTX)
passes `check_zip()` before anything unpacks it.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"

# A zip (XLSX, PPTX) whose table of contents promises more than these is refused unread (a zip bomb: a small file
# of blank XML takes minutes to parse). Documents' XML packs about ten to one and their pictures not at all, a bomb
# of zeros a thousand to one; the XML of the largest list we read (10,000 rows) is a few MB.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_UNCOMPRESSED = 1024 * 1024 * 1024  # all members together
ZIP_MAX_MEMBER = 256 * 1024 * 1024  # any one member
# ...and a zip that unpacks to more than ZIP_MAX_RATIO times its own size once past ZIP_RATIO_FREE.
ZIP_MAX_RATIO = 100
ZIP_RATIO_FREE = 64 * 1024 * 1024

# Reading: the header is looked for in the first rows (a title may stand above it).
HEADER_SEARCH_ROWS = 10
MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')

# Text a spreadsheet program would run as a formula when it starts a CSV cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- sizes -----------------------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return settings.UPLOAD_MAX_MB * 1024 * 1024


def _size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
        upload.seek(0)
    return size


def check_upload_size(upload) -> int:
    """The upload's size in bytes; ValidationError when it is empty or over UPLOAD_MAX_MB."""
    size = _size(upload)
    if not size:
        raise ValidationError(_("The file is empty (0 bytes). Please choose the right file."))
    if size > max_upload_bytes():
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": settings.UPLOAD_MAX_MB}
        )
    return size


def check_zip(archive: zipfile.ZipFile, *, size: int) -> None:
    """Refuse a zip of `size` bytes whose table of contents promises more than a document holds."""
    members = archive.infolist()
    declared = sum(member.file_size for member in members)
    ratio_limit = max(ZIP_RATIO_FREE, ZIP_MAX_RATIO * size)
    if (
        len(members) > ZIP_MAX_ENTRIES
        or declared > min(ZIP_MAX_UNCOMPRESSED, ratio_limit)
        or any(member.file_size > ZIP_MAX_MEMBER for member in members)
    ):
        raise ValidationError(_("This file unpacks to far more data than a document holds; it is refused."))


# --- reading ---------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import read, planned and wrote. errors: (row number in the sheet, [its reasons]), in row order."""

    rows: int = 0
    valid: list = field(default_factory=list)  # what the import plans to write, one item per good row
    errors: list[tuple[int, list[str]]] = field(default_factory=list)
    existing: int = 0
    created: int = 0
    updated: int = 0

    def add_error(self, row: int, message: str) -> None:
        if self.errors and self.errors[-1][0] == row:
            self.errors[-1][1].append(message)
        else:
            self.errors.append((row, [message]))

    @property
    def messages(self) -> list[tuple[int, str]]:
        """Every reason on its own, with its row number."""
        return [(row, message) for row, reasons in self.errors for message in reasons]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def imported(self) -> bool:
        return self.created > 0


@dataclass
class Table:
    header_row: int
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number in the sheet, {column: text}), blank rows left out


def cell_text(value) -> str:
    """A cell as text: a whole float as an integer ("17", not "17.0"), any other float as typed ("17.5"), text with
    its runs of white space made one space."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return " ".join(str(value).split())


def _merged_ranges(upload, worksheet) -> list[str]:
    """The merged cell ranges of the sheet. Read-only worksheets do not load them, so read the sheet's XML
    (its size was checked by check_zip)."""
    upload.seek(0)
    with zipfile.ZipFile(upload) as archive:
        xml = archive.read(worksheet._worksheet_path)  # openpyxl 3.1 (pinned): where the sheet lives in the zip
    upload.seek(0)
    ranges = []
    for first_col, first_row, last_col, last_row in MERGE_CELL.findall(xml):
        if last_col:
            ranges.append(f"{first_col.decode()}{first_row.decode()}:{last_col.decode()}{last_row.decode()}")
    return ranges


def _open_workbook(upload):
    import openpyxl

    size = check_upload_size(upload)
    upload.seek(0)
    not_excel = ValidationError(
        _("This file is not an Excel workbook (.xlsx). Download the template, fill it in and upload it again.")
    )
    try:
        with zipfile.ZipFile(upload) as archive:
            check_zip(archive, size=size)
            if "xl/workbook.xml" not in archive.namelist():
                raise not_excel
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        raise not_excel
    finally:
        upload.seek(0)
    try:
        return openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise ValidationError(_("This Excel file cannot be read; it may be damaged. Save it again as .xlsx."))


def read_table(upload, *, columns: Sequence[str], max_rows: int) -> Table:
    """The first sheet of an uploaded .xlsx as rows of {column: text}; ValidationError for a bad file.

    The header is the first of the first HEADER_SEARCH_ROWS rows holding one of `columns`; it must hold them all.
    Column names are read without spaces or a trailing "*" (a mark of a required column)."""
    workbook = _open_workbook(upload)
    header, header_row, rows, seen = None, 0, [], 0
    try:
        worksheet = workbook.worksheets[0]
        merged = _merged_ranges(upload, worksheet)
        if merged:
            raise ValidationError(
                _("The sheet has merged cells (%(ranges)s). Unmerge them and fill in every cell, then upload again.")
                % {"ranges": "、".join(merged[:10])}
            )
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            cells = [cell_text(value) for value in values]
            if header is None:
                names = [cell.replace(" ", "").strip("*") for cell in cells]
                if any(column in names for column in columns):
                    header, header_row = names, number
                elif number >= HEADER_SEARCH_ROWS:
                    break
                continue
            seen += 1
            if not any(cells):
                if seen > max_rows * 2:
                    break
                continue
            if len(rows) >= max_rows:
                raise ValidationError(
                    _("The list has more than %(max)s rows. Split it into several files of at most %(max)s rows.")
                    % {"max": max_rows}
                )
            rows.append((number, dict(zip(header, cells, strict=False))))
    finally:
        workbook.close()
    if header is None:
        raise ValidationError(
            _("No header row found: the first rows must hold the column names (%(columns)s).")
            % {"columns": "、".join(columns)}
        )
    missing = [column for column in columns if column not in header]
    if missing:
        raise ValidationError(
            _("Columns missing in row %(row)s: %(columns)s. Use the template.")
            % {"row": header_row, "columns": "、".join(missing)}
        )
    if not rows:
        raise ValidationError(_("The list has no rows below its header."))
    return Table(header_row=header_row, columns=[name for name in header if name], rows=rows)


# --- writing ---------------------------------------------------------------------------------------------


def text_cell(sheet, value, **styles) -> WriteOnlyCell:
    """A write-only XLSX cell whose text stays text: openpyxl stores a string starting with "=" as a formula, so a
    title such as '=HYPERLINK("http://evil", "x")' would run in the reader's Excel. Stored as a string, it shows
    exactly as typed (no apostrophe)."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    for name, style in styles.items():
        setattr(cell, name, style)
    return cell


def csv_cell(value):
    """A CSV cell that a spreadsheet will not run as a formula: text starting like one gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, target):
        self._writer = csv.writer(target)

    def writerow(self, values: Iterable) -> None:
        self._writer.writerow([csv_cell(value) for value in values])


def csv_writer(target) -> _SafeWriter:
    """A CSV writer on a text file that escapes every cell, after a byte-order mark so Excel reads it as UTF-8."""
    target.write("\ufeff")
    return _SafeWriter(target)


def csv_bytes(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    """A whole CSV file (UTF-8 with a byte-order mark) with its cells escaped."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow([str(name) for name in header])
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


# --- printing --------------------------------------------------------------------------------------------


def print_layout(
    sheet,
    *,
    title: str,
    landscape: bool = True,
    repeat_rows: str | None = "1:1",
    widths: Sequence[float] = (),
    one_page: bool = False,
) -> None:
    """Make a sheet print like a document: A4, `landscape` or portrait, as wide as the page (as many pages down as
    it needs, or with one_page a single page), `title` (the edition's name) in the header and page numbers in the
    footer, the `repeat_rows` (e.g. "1:2", the header rows) on every page, and the columns `widths` (in
    characters) from column A. Works on write-only sheets before their first row is appended."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties
    from openpyxl.worksheet.worksheet import Worksheet

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE if landscape else Worksheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1 if one_page else 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.75
    sheet.oddHeader.center.text = title.replace("&", "&&")  # "&" starts a header code
    sheet.oddFooter.center.text = _("Page &P of &N")  # codes: &P this page, &N the number of pages
    if repeat_rows:
        sheet.print_title_rows = repeat_rows
