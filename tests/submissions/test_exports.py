"""The organiser's entry list (format review) as a workbook that prints as a document."""

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from submissions import exports, imports
from submissions.models import Entry
from tests import factories

pytestmark = pytest.mark.django_db


def test_entries_workbook_prints_landscape_as_wide_as_the_page_with_the_header_on_every_page(qc, enterprise_a):
    submitted = timezone.make_aware(datetime.datetime(2021, 5, 6, 14, 30))
    factories.EntryFactory(
        category=qc, enterprise=enterprise_a, title="甲1", code="QC-2021-0001", submitted_at=submitted
    )

    sheet = openpyxl.load_workbook(io.BytesIO(exports.entries_workbook(Entry.objects.all()))).active

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
    assert (sheet.oddHeader.center.text, sheet.oddFooter.center.text) == (qc.edition.name, "Page &P of &N")
    assert [sheet.column_dimensions[c].width for c in "ABCDEFGHIJKLMN"] == list(exports.WIDTHS)
    date = sheet["N2"]
    assert (date.value, date.number_format) == (datetime.datetime(2021, 5, 6, 14, 30), "yyyy-mm-dd hh:mm")
    assert (sheet["A2"].value, sheet["A2"].number_format) == ("QC-2021-0001", "@")
    assert (sheet["I2"].value, sheet["I2"].number_format) == (enterprise_a.credit_code, "@")
    assert sheet["I2"].data_type == "s"
    assert sheet["D2"].alignment.wrap_text is True


def test_the_recommendation_template_keeps_credit_codes_as_text_in_a_column_wide_enough(edition, qc):
    workbook = openpyxl.load_workbook(io.BytesIO(imports.template_workbook(edition=edition)))
    sheet, notes = workbook["推荐汇总表"], workbook["填写说明"]

    column = sheet.column_dimensions["H"]
    assert (sheet["H1"].value, column.number_format, column.width) == ("统一社会信用代码", "@", 22)
    assert (sheet.oddHeader.center.text, sheet.page_setup.orientation, sheet.print_title_rows) == (
        edition.name,
        "landscape",
        "$1:$1",
    )
    assert (notes.page_setup.fitToWidth, notes.page_setup.fitToHeight, notes.page_setup.orientation) == (
        1,
        1,
        "portrait",
    )
    assert notes["B2"].alignment.wrap_text is True
