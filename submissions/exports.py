"""The organiser's entry list as an Excel workbook, written row by row (write-only mode), that prints as a document:
landscape A4 as wide as the page, the header row on every page, dates in a column wide enough for them."""

import io

import openpyxl
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font

from portal.spreadsheets import print_layout, text_cell

# Column widths in characters, in the order of the headers; long texts wrap in their column.
WIDTHS = (16, 18, 14, 30, 18, 11, 9, 24, 21, 9, 18, 10, 11, 17)
WRAPPED = {1, 2, 3, 4, 7, 10}  # edition, category, title, group, enterprise, recommending unit (0-based)
IDENTIFIERS = {0, 8}  # the entry code and the credit code: text, never a number
DATE_FORMAT = "yyyy-mm-dd hh:mm"


def _title(entries) -> str:
    """The header of the printed list: the edition's name, or the names of the editions it holds."""
    names = list(entries.order_by().values_list("edition__name", flat=True).distinct()[:4])
    return "、".join(names[:3]) + ("…" if len(names) > 3 else "") or str(_("Entries"))


def entries_workbook(entries) -> bytes:
    """entries: a queryset with edition, category, enterprise and recommending_unit selected."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Entries"))
    print_layout(sheet, title=_title(entries), repeat_rows="1:1", widths=WIDTHS)
    sheet.freeze_panes = "A2"
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
    header_style = {"font": Font(bold=True), "alignment": Alignment(wrap_text=True, vertical="center")}
    sheet.append([text_cell(sheet, str(text), **header_style) for text in headers])
    wrap, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    styles = [
        {"alignment": wrap if index in WRAPPED else top, **({"number_format": "@"} if index in IDENTIFIERS else {})}
        for index in range(len(headers))
    ]
    styles[-1]["number_format"] = DATE_FORMAT
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
        sheet.append([text_cell(sheet, value, **style) for value, style in zip(row, styles, strict=True)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
