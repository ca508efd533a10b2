"""Spreadsheets in and out: the one zip-bomb guard, the one Excel reader, the one formula escape, the one CSV writer.

Every import (the recommendation list, paper score sheets) reads .xlsx or CSV through `read_table()`, which says what
any other file is and how to save it as .xlsx, and reads identifier columns as typed (a code that became a number is
refused, never guessed). The parse runs in a child process bounded in memory and time (parse_rows), so no upload
holds a web worker or a task; every export writes text cells through `text_cell()` (XLSX) or `csv_writer()` (CSV). An
upload of a zip-based document (XLSX, PPTX) passes `check_zip()` before anything unpacks it.
"""

from __future__ import annotations

import csv
import io
import logging
import pickle
import re
import signal
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell import WriteOnlyCell

from portal.spreadsheet_child import MEMORY_EXIT
from portal.text import clean_text

logger = logging.getLogger(__name__)

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
# The parts openpyxl reads whole into memory before the first row (shared strings, styles, the workbook, its
# relationships and content types, themes): a 0.15 MB .xlsx whose sharedStrings.xml unpacks to 60 MB held a worker
# 46 s at 617 MB. Each such part is refused past PARSED_PART_MAX, before anything parses it. The sheets themselves
# are read row by row and read_table stops at its row limit; media (pictures) are never parsed.
PARSED_PART_MAX = 16 * 1024 * 1024
STREAMED_PARTS = re.compile(r"^xl/(?:worksheets|media|printerSettings|embeddings)/")

# Reading: the header is looked for in the first rows (a title may stand above it).
HEADER_SEARCH_ROWS = 10
# The script that parses an upload in a child process (parse_rows).
CHILD = Path(__file__).with_name("spreadsheet_child.py")

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


def _parsed_whole(name: str) -> bool:
    return not STREAMED_PARTS.match(name) and name.lower().endswith((".xml", ".rels", ".vml"))


def check_zip(archive: zipfile.ZipFile, *, size: int) -> None:
    """Refuse a zip of `size` bytes whose table of contents promises more than a document holds, or any part read
    whole (not a sheet, not a picture) over PARSED_PART_MAX. The declared sizes bound what is unpacked: Python's
    zipfile stops a member at its declared size (and fails its checksum when it held more)."""
    members = archive.infolist()
    declared = sum(member.file_size for member in members)
    ratio_limit = max(ZIP_RATIO_FREE, ZIP_MAX_RATIO * size)
    if (
        len(members) > ZIP_MAX_ENTRIES
        or declared > min(ZIP_MAX_UNCOMPRESSED, ratio_limit)
        or any(member.file_size > ZIP_MAX_MEMBER for member in members)
        or any(member.file_size > PARSED_PART_MAX and _parsed_whole(member.filename) for member in members)
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
    # Rows refused while reading (an identifier that became a number): {row number: [reasons]}. The row is still in
    # `rows`, with the number as read, so an importer reports these reasons in place of its own checks.
    refused: dict[int, list[str]] = field(default_factory=dict)


def cell_text(value, *, multiline: bool = False) -> str:
    """A cell as text: a whole float as an integer ("17", not "17.0"), any other float as typed ("17.5"), text with
    its runs of white space made one space. With `multiline` (free text such as a comment), the cell keeps its line
    breaks (\r\n and \r read as \n): each line's runs of white space are made one space, blank lines at its
    start and end are dropped. Control and invisible format characters are dropped (portal.text.clean_text)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if multiline:
        lines = [" ".join(line.split()) for line in clean_text(str(value), multiline=True).split("\n")]
        return "\n".join(lines).strip("\n")
    return " ".join(clean_text(str(value)).split())


# An identifier a spreadsheet turned into a number and then wrote as text (a CSV saved by Excel: "9.13301E+17").
SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")


def identifier_text(value) -> tuple[str, str | None]:
    """An identifier cell (a credit code, an entry code, a phone or registration number) as (text, reason).

    Full-width characters are read as their half-width forms (NFKC) and the text is trimmed, without a leading
    apostrophe (typed to keep a code as text). A number is never turned back into a code: the digits a spreadsheet
    dropped cannot be guessed, so `reason` then says the cell became a number, what was read and how to fix it."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return cell_text(value), _number_reason(cell_text(value))
    text = unicodedata.normalize("NFKC", cell_text(value)).strip().lstrip("'").strip()
    if SCIENTIFIC.match(text):
        return text, _number_reason(text)
    return text, None


def _number_reason(read: str) -> str:
    return _(
        "the cell became a number (read as %(value)s), so digits may be lost. Format the column as text "
        "(设置单元格格式为“文本”) and type the code again, or type an apostrophe (') before it."
    ) % {"value": read}


# How to re-save any other file as a workbook, said once in every message that refuses one.
RESAVE = "文件 → 另存为 → Excel 工作簿 (*.xlsx)"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Zip documents that are not workbooks, told apart by a member only they hold.
ZIP_KINDS = {
    "word/document.xml": gettext_lazy("a Word document (.docx)"),
    "ppt/presentation.xml": gettext_lazy("a PowerPoint presentation (.pptx)"),
    "content.xml": gettext_lazy("an OpenDocument file (.ods/.odt)"),
}
MAGIC_KINDS = {
    b"%PDF": gettext_lazy("a PDF document"),
    b"\x89PNG": gettext_lazy("a PNG picture"),
    b"\xff\xd8\xff": gettext_lazy("a JPEG picture"),
    b"Rar!": gettext_lazy("a RAR archive"),
    b"7z\xbc\xaf": gettext_lazy("a 7-Zip archive"),
}


def _refuse(kind: str) -> ValidationError:
    """The file is `kind` (already translated), not a workbook: say so, and how to save it as .xlsx."""
    return ValidationError(
        _(
            "This file is %(kind)s, not a spreadsheet. Upload an Excel workbook (.xlsx; in Excel or WPS: "
            "%(resave)s) or a CSV file."
        )
        % {"kind": kind, "resave": RESAVE}
    )


def csv_text(data: bytes) -> str | None:
    """The text of a CSV file as saved by a spreadsheet (UTF-8 with or without a byte-order mark, or GBK/GB18030 as
    Chinese Excel and WPS save it), or None when the bytes are not text."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ord(char) < 32 and char not in "\t\r\n" for char in text):
            return None  # control characters: a binary file
        return text
    return None


def file_kind(upload) -> str:
    """ "xlsx" or "csv" for a file read_table reads; ValidationError saying what the file is for any other."""
    size = check_upload_size(upload)
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(OLE2_MAGIC):
        raise ValidationError(
            _(
                "This file is an Excel 97-2003 workbook (.xls), which the portal cannot read. Open it in Excel or "
                "WPS, save it with %(resave)s, and upload the .xlsx file."
            )
            % {"resave": RESAVE}
        )
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(upload) as archive:
                check_zip(archive, size=size)
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
            raise _refuse(_("a damaged or unknown zip archive"))
        finally:
            upload.seek(0)
        if "xl/workbook.xml" in names:
            return "xlsx"
        for member, kind in ZIP_KINDS.items():
            if member in names:
                raise _refuse(kind)
        raise _refuse(_("a zip archive"))
    for magic, kind in MAGIC_KINDS.items():
        if head.startswith(magic):
            raise _refuse(kind)
    data = upload.read()
    upload.seek(0)
    if csv_text(data) is None:
        raise _refuse(_("neither a workbook nor a CSV text file"))
    return "csv"


def _too_slow() -> ValidationError:
    return ValidationError(
        _(
            "The file takes too long to read. Save it again as .xlsx holding only the data sheet (in Excel or WPS: "
            "%(resave)s), or split the list into several smaller files, and upload it again."
        )
        % {"resave": RESAVE}
    )


def _too_big() -> ValidationError:
    return ValidationError(
        _(
            "The file takes too much memory to read. Save it again as .xlsx holding only the data sheet (in Excel or "
            "WPS: %(resave)s), or split the list into several smaller files, and upload it again."
        )
        % {"resave": RESAVE}
    )


def parse_rows(upload, *, kind: str, max_rows: int) -> list[tuple]:
    """The first `max_rows` rows (tuples of cell values) of the first sheet of an .xlsx upload, or of a CSV upload
    (`kind`, from file_kind()), parsed in a child process (portal/spreadsheet_child.py) that may take
    IMPORT_PARSE_MEMORY_MB of memory and IMPORT_PARSE_SECONDS: past either it is killed and the upload refused with a
    message saying how to save it smaller. Every import reads its file through this function (via read_table), so no
    upload holds a web worker or a task longer, or makes it bigger, than that."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if kind == "csv":
        data = csv_text(data).encode("utf-8")
    seconds, memory_mb = settings.IMPORT_PARSE_SECONDS, settings.IMPORT_PARSE_MEMORY_MB
    command = [sys.executable, "-I", str(CHILD), kind, str(max_rows), str(memory_mb), str(seconds)]
    try:
        # No environment: the child parsing a stranger's file holds none of the portal's secrets.
        done = subprocess.run(command, input=data, capture_output=True, timeout=seconds, check=False, env={})
    except subprocess.TimeoutExpired:  # subprocess.run has killed the child and waited for it
        logger.warning("Reading an uploaded %s took more than %s s; refused", kind, seconds)
        raise _too_slow()
    if done.returncode == -signal.SIGXCPU:  # its processor time ran out before the wall clock's
        logger.warning("Reading an uploaded %s took more than %s s of processor time; refused", kind, seconds)
        raise _too_slow()
    if done.returncode == MEMORY_EXIT or done.returncode < 0:  # out of memory, or killed by the kernel
        logger.warning("Reading an uploaded %s ended with %s (limit %s MB); refused", kind, done.returncode, memory_mb)
        raise _too_big()
    try:
        what, answer = pickle.loads(done.stdout)  # written by our own child: tuples of cell values
    except Exception:
        what, answer = "damaged", None
    if done.returncode or what == "damaged":
        logger.warning("Reading an uploaded %s failed: %s", kind, done.stderr.decode(errors="replace")[-2000:])
        raise ValidationError(_("This Excel file cannot be read; it may be damaged. Save it again as .xlsx."))
    if what == "merged":
        raise ValidationError(
            _("The sheet has merged cells (%(ranges)s). Unmerge them and fill in every cell, then upload again.")
            % {"ranges": "、".join(answer[:10])}
        )
    return answer


def read_table(
    upload, *, columns: Sequence[str], max_rows: int, identifiers: Sequence[str] = (), multiline: Sequence[str] = ()
) -> Table:
    """The first sheet of an uploaded .xlsx, or a CSV file, as rows of {column: text}; ValidationError for a bad
    file (one saying what the file is when it is neither).

    The header is the first of the first HEADER_SEARCH_ROWS rows holding one of `columns`; it must hold them all.
    Column names are read without spaces or a trailing "*" (a mark of a required column). The cells of the
    `identifiers` columns are read by identifier_text(): a number there refuses its row (Table.refused); the cells of
    the `multiline` columns (free text) keep their line breaks; every other cell is read as one line."""
    # The loop below ends within HEADER_SEARCH_ROWS + 3 * max_rows + 2 rows (past the header, a blank row ends it
    # after 2 * max_rows rows and a row past max_rows non-blank ones refuses the list), so no more are parsed.
    source = parse_rows(upload, kind=file_kind(upload), max_rows=HEADER_SEARCH_ROWS + 3 * max_rows + 2)
    header, header_row, rows, seen, refused = None, 0, [], 0, {}
    for number, values in enumerate(source, start=1):
        if header is None:
            names = [cell_text(value).replace(" ", "").strip("*") for value in values]
            if any(column in names for column in columns):
                header, header_row = names, number
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        seen += 1
        data = {}
        for name, value in zip(header, values, strict=False):
            if name in identifiers:
                data[name], reason = identifier_text(value)
                if reason:
                    refused.setdefault(number, []).append(f"{name}: {reason}")
            else:
                data[name] = cell_text(value, multiline=name in multiline)
        if not any(data.values()):
            if seen > max_rows * 2:
                break
            continue
        if len(rows) >= max_rows:
            raise ValidationError(
                _("The list has more than %(max)s rows. Split it into several files of at most %(max)s rows.")
                % {"max": max_rows}
            )
        rows.append((number, data))
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
    return Table(header_row=header_row, columns=[name for name in header if name], rows=rows, refused=refused)


# --- writing ---------------------------------------------------------------------------------------------


def cell_style(sheet, **styles):
    """The style of a cell with these `styles` (font=..., border=..., alignment=..., number_format=...), made once
    for the sheet's workbook: text_cell(..., style=it) gives it to a cell for the price of a copy. Setting a font,
    a border and an alignment on each cell (each hashed and looked up in the workbook's lists) was half the time
    of an award list of 20,000 rows."""
    return text_cell(sheet, None, **styles)._style


def text_cell(sheet, value, style=None, **styles) -> WriteOnlyCell:
    """A write-only XLSX cell whose text stays text: openpyxl stores a string starting with "=" as a formula, so a
    title such as '=HYPERLINK("http://evil", "x")' would run in the reader's Excel. Stored as a string, it shows
    exactly as typed (no apostrophe). Text passes clean_text (line breaks and tabs kept): a control character,
    which openpyxl refuses, in a row saved before text was cleaned at input exports without it."""
    if isinstance(value, str):
        value = clean_text(value, multiline=True)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if style is not None:
        cell._style = copy(style)
    for name, value_ in styles.items():
        setattr(cell, name, value_)
    return cell


def csv_cell(value):
    """A CSV cell that a spreadsheet will not run as a formula: text starting like one gets a leading apostrophe.
    Text passes clean_text (line breaks and tabs kept) first."""
    if isinstance(value, str):
        value = clean_text(value, multiline=True)
        if value.startswith(FORMULA_STARTS):
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
    sheet.oddHeader.center.text = clean_text(title).replace("&", "&&")  # "&" starts a header code
    sheet.oddFooter.center.text = _("Page &P of &N")  # codes: &P this page, &N the number of pages
    if repeat_rows:
        sheet.print_title_rows = repeat_rows


class XlsxRows:
    """The rows of one write-only worksheet written here as XML, for sheets of thousands of rows: openpyxl's
    write-only mode builds a cell object and serialises it element by element in Python (three quarters of an
    award list of 20,000 rows), where one formatted string a cell does. The cells are those text_cell would make:
    text (clean_text, multi-line) as an inline string, never a formula; numbers as numbers; None and empty text
    as an empty cell keeping its style. Styles are cell_style's, given per cell. The sheet itself (print layout,
    merged cells, frozen panes) stays openpyxl's: save_with_rows puts these rows into it when the workbook is
    saved."""

    def __init__(self, sheet):
        self.sheet = sheet
        # Streamed: a national list stays off the heap. Closed by save_with_rows.
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.count = 0
        self._ids: dict[bytes, int] = {}

    def style_id(self, style) -> int:
        key = style.tobytes()
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = self.sheet.parent._cell_styles.add(style)
        return found

    def append(self, cells) -> None:
        """One row: (value, style) pairs from column A on; style a cell_style or None."""
        self.count += 1
        number = self.count
        parts = [f'<row r="{number}">']
        for index, (value, style) in enumerate(cells):
            ref = f"{_COLUMN_LETTERS[index]}{number}"
            styled = f' s="{self.style_id(style)}"' if style is not None else ""
            if isinstance(value, str):
                value = clean_text(value, multiline=True)
            if value is None or value == "":  # as openpyxl writes them: an empty cell
                parts.append(f'<c r="{ref}"{styled}/>')
            elif isinstance(value, str):
                text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                space = ' xml:space="preserve"' if text.strip() != text else ""
                parts.append(f'<c r="{ref}"{styled} t="inlineStr"><is><t{space}>{text}</t></is></c>')
            elif isinstance(value, bool):
                parts.append(f'<c r="{ref}"{styled} t="b"><v>{int(value)}</v></c>')
            else:  # int, Decimal, float
                parts.append(f'<c r="{ref}"{styled} t="n"><v>{value}</v></c>')
        parts.append("</row>")
        self.file.write("".join(parts))


_COLUMN_LETTERS = [chr(ord("A") + n) for n in range(26)]
_EMPTY_SHEET_DATA = "<sheetData></sheetData>"


def save_with_rows(workbook, target, rows: list[XlsxRows]) -> None:
    """Save a write-only workbook to `target` (a path or a binary file) with the rows written by XlsxRows put
    into their sheets (which openpyxl saved with no rows)."""
    with tempfile.TemporaryFile() as saved:
        workbook.save(saved)
        saved.seek(0)
        by_path = {item.sheet.path.lstrip("/"): item for item in rows}
        with zipfile.ZipFile(saved) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in source.infolist():
                item = by_path.get(info.filename)
                if item is None:
                    out.writestr(info, source.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
                    continue
                head, found, tail = source.read(info.filename).decode("utf-8").partition(_EMPTY_SHEET_DATA)
                if not found:
                    raise ValueError(f"{info.filename}: rows written by openpyxl too")
                item.file.seek(0)
                with out.open(info.filename, "w") as sheet:
                    sheet.write(head.encode() + b"<sheetData>")
                    while chunk := item.file.read(1 << 20):
                        sheet.write(chunk.encode())
                    sheet.write(b"</sheetData>" + tail.encode())
                item.file.close()
