"""Hostile and heavy spreadsheets for the tests of the reading path (portal.spreadsheets.read_table and the imports
built on it)."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
CONTENT_TYPES = (
    f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
PACKAGE_RELS = (
    f'{HEAD}<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
    "</sheets></workbook>"
)
WORKBOOK_RELS = (
    f'{HEAD}<Relationships xmlns="{RELS}">'
    f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)


def _cell(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def workbook(header: list[str], rows: int, *, shared_strings: bytes | None = None) -> SimpleUploadedFile:
    """An .xlsx holding `header` and `rows` rows of distinct text below it (written as XML: openpyxl takes seconds
    to write a large one), and `shared_strings` as its xl/sharedStrings.xml."""
    lines = ['<row r="1">' + "".join(_cell(name) for name in header) + "</row>"]
    for number in range(2, rows + 2):
        lines.append(f'<row r="{number}">' + "".join(_cell(f"成果{number}-{col}") for col in range(len(header))))
        lines.append("</row>")
    sheet = f'{HEAD}<worksheet xmlns="{MAIN}"><sheetData>{"".join(lines)}</sheetData></worksheet>'
    if shared_strings is None:
        shared_strings = f'{HEAD}<sst xmlns="{MAIN}" count="0" uniqueCount="0"/>'.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", shared_strings)
    return SimpleUploadedFile("list.xlsx", buffer.getvalue())


def shared_strings_bomb(header: list[str], *, megabytes: int = 60) -> SimpleUploadedFile:
    """The workbook of the incident: a header row, and a sharedStrings.xml that unpacks to `megabytes` MB of one
    repeated title (about 0.1 MB on the wire)."""
    title = "液压站漏油治理".encode()
    text = title * (megabytes * 1024 * 1024 // len(title))
    shared = f'{HEAD}<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode() + text + b"</t></si></sst>"
    return workbook(header, 0, shared_strings=shared)
