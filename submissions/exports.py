"""The organiser's entry list as an Excel workbook, written row by row (write-only mode)."""

import io

import openpyxl
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal.spreadsheets import text_cell


def entries_workbook(entries) -> bytes:
    """entries: a queryset with edition, category, enterprise and recommending_unit selected."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Entries"))
    headers = [
        _("Entry code"),
        _("Edition"),
        _("Category"),
        _("Title"),
        _("Group or team name"),
        _("Topic type"),
        _("Sub-type"),
        _("Applicant enterprise"),
        _("Unified social credit code"),
        _("Province"),
        _("Recommending unit"),
        _("Presenter"),
        _("Status"),
        _("Submitted"),
    ]
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for entry in entries.iterator(chunk_size=2000):
        submitted = timezone.localtime(entry.submitted_at).replace(tzinfo=None) if entry.submitted_at else None
        row = [
            entry.code,
            entry.edition.name,
            entry.category.name,
            entry.title,
            entry.group_name,
            str(entry.get_topic_type_display()) if entry.topic_type else "",
            str(entry.get_sub_type_display()) if entry.sub_type else "",
            entry.enterprise.name,
            entry.enterprise.credit_code,
            str(entry.enterprise.get_province_display()),
            entry.recommending_unit.name if entry.recommending_unit else "",
            entry.presenter,
            str(entry.get_status_display()),
            submitted,
        ]
        sheet.append([text_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
