"""Award lists: an .xlsx workbook (a sheet per category and a summary), the same list as a PDF and as CSV.

Two lists, from the same rows in all three formats:
- the award list as the association issues it (获奖名单, `awarded_only`), also what the public downloads: the graded
  entries only, by category, then grade (best first), then rank, under a heading per grade and, where ranks are per
  venue, per venue; the edition's title, the notice's document number and date above;
- the full ranking of every ranked entry (全部成果排名), for the organisers, by category, venue and rank.

The rows come either from the provisional results (results.Result) or from a publication's frozen rows.
openpyxl's write-only mode streams the rows, so a national list of 20,000 entries stays light in memory.
The workbook is set in 宋体 (titles, headings) and 仿宋 (rows), as an association's documents are, and prints on A4
with the title rows on every page and page numbers in the footer; the PDF (portal.pdf, Noto Serif SC, a Song-class
face) repeats the table's heading on every page and numbers its pages.
"""

from __future__ import annotations

import io
import logging
import tempfile
from collections import Counter
from dataclasses import dataclass

from django.core.files import File
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from events.models import Category
from portal import outbox, pdf
from portal.spreadsheets import XlsxRows, cell_style, csv_writer, print_layout, save_with_rows, text_cell
from portal.text import clean_text
from results.models import AwardList, PublishedResult, Result
from submissions.files import UNSAFE_IN_NAME
from submissions.models import Entry

logger = logging.getLogger(__name__)

# The column headings are those of the printed award lists (domain data, kept in Chinese).
COLUMNS = ["排名", "成果编号", "课题名称", "小组名称", "申报单位", "分会场", "最终得分", "等级"]
WIDTHS = [6, 15, 40, 22, 28, 12, 9, 8]
# The PDF's columns in millimetres, across an A4 landscape page within 12 mm margins (273 mm).
PDF_WIDTHS = [12, 30, 76, 42, 52, 24, 19, 18]
CSV_COLUMNS = ["类别", *COLUMNS]
AWARDS = "获奖名单"
RANKING = "全部成果排名"
# Fonts of the workbook by name, as Excel and WPS know them on a Chinese system (宋体 and 仿宋 class).
TITLE_FONT = "宋体"
BODY_FONT = "仿宋"
SUMMARY_COLUMNS = ["类别", "参评成果", "排名成果", "等级", "数量", "占排名成果比例"]
SUMMARY_WIDTHS = [22, 10, 10, 10, 8, 16]
CHUNK = 2000


@dataclass
class CategoryList:
    category: Category
    entries: int  # results in the category, ranked or not
    ranked: int  # ranked results in the category
    rows: object  # an iterator of tuples in COLUMNS order, in the list's order (see sections)


def _ordering(category, awarded_only: bool, *, grade: str, venue: str, code: str) -> list[str]:
    """The list's order within a category: (grade, for the award list,) venue where ranks are per venue, rank."""
    ordering = [venue, "rank", code] if category.ranking_scope == Category.Scope.VENUE else ["rank", code]
    return [grade, *ordering] if awarded_only else ordering


def _result_rows(category, awarded_only: bool):
    ordering = _ordering(category, awarded_only, grade="grade_position", venue="venue__name", code="entry__code")
    results = Result.objects.filter(category=category, ranked=True, entry__status=Entry.Status.ACCEPTED)
    if awarded_only:
        results = results.exclude(grade="")
    return (
        results.order_by(*ordering)
        .values_list(
            "rank",
            "entry__code",
            "entry__title",
            "entry__group_name",
            "entry__enterprise__name",
            "venue__name",
            "final_score",
            "grade",
        )
        .iterator(chunk_size=CHUNK)
    )


def _published_rows(category, publication, awarded_only: bool):
    ordering = _ordering(category, awarded_only, grade="grade_position", venue="venue_name", code="code")
    rows = PublishedResult.objects.filter(publication=publication, category=category, rank__isnull=False)
    if awarded_only:  # what the public sees: graded, and not withdrawn since the publication
        rows = rows.exclude(grade="").filter(entry__status=Entry.Status.ACCEPTED)
    return (
        rows.order_by(*ordering)
        .values_list("rank", "code", "title", "group_name", "enterprise_name", "venue_name", "final_score", "grade")
        .iterator(chunk_size=CHUNK)
    )


def category_lists(*, edition, publication=None, awarded_only: bool = False) -> list[CategoryList]:
    """The list of each category of the edition, from a publication or from the provisional results: every
    ranked entry by venue and rank, or with awarded_only only the graded ones by grade, venue and rank."""
    categories = list(
        Category.objects.filter(edition=edition).prefetch_related("grade_rules").order_by("position", "pk")
    )
    if publication is not None:
        counts = Counter()
        ranked = Counter()
        for category_id, rank in PublishedResult.objects.filter(publication=publication).values_list(
            "category_id", "rank"
        ):
            counts[category_id] += 1
            ranked[category_id] += rank is not None
        return [
            CategoryList(c, counts[c.pk], ranked[c.pk], _published_rows(c, publication, awarded_only))
            for c in categories
        ]
    counts = Counter()
    ranked = Counter()
    for category_id, is_ranked in Result.objects.filter(
        category__edition=edition, entry__status=Entry.Status.ACCEPTED
    ).values_list("category_id", "ranked"):
        counts[category_id] += 1
        ranked[category_id] += is_ranked
    return [CategoryList(c, counts[c.pk], ranked[c.pk], _result_rows(c, awarded_only)) for c in categories]


def _title(edition, publication) -> str:
    suffix = f"(第{publication.version}版)" if publication is not None and publication.version > 1 else ""
    status = "" if publication is not None else "(未发布)"
    return f"{edition.name}{status}{suffix}"


def list_name(awarded_only: bool) -> str:
    return AWARDS if awarded_only else RANKING


def document_line(publication, *, issuer: str = "") -> str:
    """The issuing association, the notice's document number and date, as the list's second title line (domain
    text, in Chinese): the publication's date when no document date is given; the provisional results have
    neither."""
    parts = [issuer] if issuer else []
    if publication is None:
        return "　".join([*parts, "暂定结果，未发布"])
    day = publication.document_date or timezone.localdate(publication.published_at)
    if publication.document_number:
        parts.append(f"文号：{publication.document_number}")
    parts.append(f"日期：{day.year}年{day.month}月{day.day}日")
    return "　".join(parts)


def sections(category, rows, *, awarded_only: bool):
    """The rows of one category with their headings, in order: ("grade", name) before each grade of the award
    list, ("venue", name) before each venue where ranks are per venue, ("row", row) for each entry."""
    by_venue = category.ranking_scope == Category.Scope.VENUE
    start = object()
    grade = venue = start
    for row in rows:
        if awarded_only and row[7] != grade:
            grade, venue = row[7], start
            yield "grade", grade
        if by_venue and row[5] != venue:
            venue = row[5]
            yield "venue", venue or "—"
        yield "row", row


def _sheet_title(name: str, used: set[str]) -> str:
    title = "".join(ch for ch in clean_text(name) if ch not in "[]:*?/\\")[:28] or "Sheet"
    candidate, n = title, 2
    while candidate in used:
        candidate, n = f"{title[:25]}({n})", n + 1
    used.add(candidate)
    return candidate


def _heading_name(kind: str, value: str) -> str:
    return value if kind == "grade" else f"分会场：{value}"


def write_xlsx(*, edition, publication=None, target, awarded_only: bool = False) -> int:
    """Write the award list workbook (with awarded_only the 获奖名单, else the full ranking) to a path or binary
    file; returns the number of entry rows."""
    workbook = Workbook(write_only=True)
    bold = Font(name=TITLE_FONT, bold=True, size=11)
    body = Font(name=BODY_FONT, size=11)
    title_font = Font(name=TITLE_FONT, bold=True, size=16)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    centre = Alignment(horizontal="center", vertical="center")
    left = Alignment(horizontal="left", vertical="center")
    used: set[str] = set()
    summary_lines = []
    total_rows = 0
    title = _title(edition, publication)
    name = list_name(awarded_only)
    document = document_line(publication, issuer=edition.association.name)
    last = get_column_letter(len(COLUMNS))

    def layout(sheet, *, landscape=True, widths=WIDTHS, columns=None):
        columns = columns or len(COLUMNS)
        print_layout(sheet, title=edition.name, landscape=landscape, repeat_rows="1:3", widths=widths)
        sheet.oddHeader.center.font = f"{TITLE_FONT},Bold"
        sheet.oddFooter.center.font = TITLE_FONT
        sheet.print_options.horizontalCentered = True
        sheet.freeze_panes = "A4"
        end = get_column_letter(columns)
        sheet.merged_cells.add(f"A1:{end}1")
        sheet.merged_cells.add(f"A2:{end}2")

    cell = text_cell  # text stays text: a title such as "=HYPERLINK(...)" is never a formula
    summary = workbook.create_sheet(_sheet_title("汇总", used))
    # An entry row's style of each column, made once (portal.spreadsheets.cell_style).
    row_styles = [
        cell_style(summary, font=body, border=border, alignment=centre),
        cell_style(summary, font=body, border=border),
        cell_style(summary, font=body, border=border, alignment=wrap),
        cell_style(summary, font=body, border=border, alignment=wrap),
        cell_style(summary, font=body, border=border, alignment=wrap),
        cell_style(summary, font=body, border=border),
        cell_style(summary, font=body, border=border, number_format="0.00"),
        cell_style(summary, font=body, border=border, alignment=centre),
    ]
    blank_style = cell_style(summary, border=border)
    title_style = cell_style(summary, font=title_font, alignment=centre)
    document_style = cell_style(summary, font=body, alignment=centre)
    column_style = cell_style(summary, font=bold, border=border, alignment=centre)
    heading_style = cell_style(summary, font=bold, border=border, alignment=left)
    blanks = [(None, blank_style)] * (len(COLUMNS) - 1)
    written = []  # the category sheets' rows, written as XML (portal.spreadsheets.XlsxRows)
    for item in category_lists(edition=edition, publication=publication, awarded_only=awarded_only):
        sheet = workbook.create_sheet(_sheet_title(item.category.name, used))
        layout(sheet)
        rows = XlsxRows(sheet)
        written.append(rows)
        rows.append([(f"{title} {item.category.name}{name}", title_style)])
        rows.append([(document, document_style)])
        rows.append([(column, column_style) for column in COLUMNS])
        grades = Counter()
        ranked = 0
        for kind, value in sections(item.category, item.rows, awarded_only=awarded_only):
            if kind != "row":
                row_number = rows.count + 1
                sheet.merged_cells.add(f"A{row_number}:{last}{row_number}")
                rows.append([(_heading_name(kind, value), heading_style), *blanks])
                continue
            ranked += 1
            grade = value[7]
            if grade:
                grades[grade] += 1
            # rank, code, title, group, enterprise, venue, score, grade
            rows.append(zip(value, row_styles, strict=True))
        total_rows += ranked
        summary_lines.append((item, ranked, grades))

    layout(summary, landscape=False, widths=SUMMARY_WIDTHS, columns=len(SUMMARY_COLUMNS))
    summary.append([cell(summary, f"{title} {name}汇总", font=title_font, alignment=centre)])
    summary.append([cell(summary, document, font=body, alignment=centre)])
    summary.append([cell(summary, column, font=bold, border=border) for column in SUMMARY_COLUMNS])
    for item, ranked, grades in summary_lines:
        names = [g.name for g in item.category.grade_rules.all()] or [""]
        for grade_name in names:
            count = grades.get(grade_name, 0) if grade_name else 0
            ranked_entries = item.ranked if awarded_only else ranked
            share = count / ranked_entries if ranked_entries else 0
            summary.append(
                [
                    cell(summary, item.category.name, font=body, border=border),
                    cell(summary, item.entries, font=body, border=border),
                    cell(summary, ranked_entries, font=body, border=border),
                    cell(summary, grade_name, font=body, border=border),
                    cell(summary, count, font=body, border=border),
                    cell(summary, share, font=body, border=border, number_format="0.0%"),
                ]
            )
    save_with_rows(workbook, target, written)
    return total_rows


def write_pdf(*, edition, publication=None, target, awarded_only: bool = False) -> int:
    """Write the same list as write_xlsx as a PDF (A4 landscape, Noto Serif SC) to a binary file: a category per
    page run under its title, the table's heading repeated on every page, grade and venue headings as rows, the
    page number and count at the foot of each page. Returns the number of entry rows."""
    from fpdf.fonts import FontFace

    title = clean_text(_title(edition, publication))
    name = list_name(awarded_only)
    document = pdf.document(orientation="landscape", title=f"{title} {name}")
    document.set_margins(12, 12, 12)
    document.set_auto_page_break(auto=True, margin=14)
    document_text = document_line(publication, issuer=edition.association.name)

    def header():
        document.set_font(pdf.SERIF, size=8)
        document.cell(0, 5, text=f"{title}　{document_text}", align="R", new_x="LMARGIN", new_y="NEXT")

    def footer():
        document.set_y(-11)
        document.set_font(pdf.SERIF, size=9)
        document.cell(0, 5, text=f"第 {document.page_no()} 页　共 {{nb}} 页", align="C")

    document.header = header
    document.footer = footer
    heading_style = FontFace(fill_color=(230, 230, 230))
    rows = 0
    for item in category_lists(edition=edition, publication=publication, awarded_only=awarded_only):
        document.add_page()
        document.set_font(pdf.SERIF, size=16)
        heading = f"{title} {clean_text(item.category.name)}{name}"
        document.cell(0, 10, text=heading, align="C", new_x="LMARGIN", new_y="NEXT")
        document.set_font(pdf.SERIF, size=10)
        document.cell(0, 7, text=document_text, align="C", new_x="LMARGIN", new_y="NEXT")
        document.set_font(pdf.SERIF, size=9)
        with document.table(
            col_widths=PDF_WIDTHS,
            width=sum(PDF_WIDTHS),
            line_height=5.5,
            repeat_headings=1,
            headings_style=heading_style,
            text_align="LEFT",
        ) as table:
            heading = table.row()
            for column in COLUMNS:
                heading.cell(column, align="C")
            for kind, value in sections(item.category, item.rows, awarded_only=awarded_only):
                line = table.row()
                if kind != "row":
                    line.cell(_heading_name(kind, value), colspan=len(COLUMNS), style=heading_style)
                    continue
                rows += 1
                rank, code, title_, group, enterprise, venue, score, grade = value
                line.cell(str(rank), align="C")
                for text in (code, title_, group, enterprise, venue):
                    line.cell(clean_text(text or ""))
                line.cell(f"{score:.2f}" if score is not None else "", align="R")
                line.cell(grade or "", align="C")
    target.write(pdf.to_bytes(document))
    return rows


def csv_row(category, row) -> list:
    """One line of the CSV list (CSV_COLUMNS) from a row of category_lists()."""
    rank, code, name, group, enterprise, venue, score, grade = row
    return [
        category.name,
        rank,
        code,
        name,
        group,
        enterprise,
        venue,
        f"{score:.2f}" if score is not None else "",
        grade,
    ]


def write_csv(*, edition, publication=None, target, awarded_only: bool = False) -> int:
    """Write the award list as CSV (UTF-8 with a byte-order mark, for spreadsheet programs) to a text file;
    returns the number of entry rows."""
    writer = csv_writer(target)
    writer.writerow(CSV_COLUMNS)
    rows = 0
    for item in category_lists(edition=edition, publication=publication, awarded_only=awarded_only):
        for row in item.rows:
            writer.writerow(csv_row(item.category, row))
            rows += 1
    return rows


def public_csv(*, edition, publication) -> bytes:
    """The award list the public downloads: the awarded entries of the publication, as CSV bytes."""
    out = io.StringIO()
    write_csv(edition=edition, publication=publication, target=out, awarded_only=True)
    return out.getvalue().encode("utf-8")


def public_xlsx(*, edition, publication) -> bytes:
    """The same list as the public CSV, as a workbook."""
    out = io.BytesIO()
    write_xlsx(edition=edition, publication=publication, target=out, awarded_only=True)
    return out.getvalue()


def public_pdf(*, edition, publication) -> bytes:
    """The same list as the public workbook, as a PDF."""
    out = io.BytesIO()
    write_pdf(edition=edition, publication=publication, target=out, awarded_only=True)
    return out.getvalue()


def public_rows(publication) -> int:
    """How many rows the public list of the publication holds now (an entry withdrawn since leaves it)."""
    return (
        PublishedResult.objects.filter(publication=publication, rank__isnull=False, entry__status=Entry.Status.ACCEPTED)
        .exclude(grade="")
        .count()
    )


def stored_public_list(publication, format: str) -> AwardList | None:
    """The stored public list of the publication in this format, while it still holds what the public sees."""
    stored = (
        AwardList.objects.filter(
            publication=publication, format=format, awarded_only=True, status=AwardList.Status.DONE
        )
        .exclude(file="")
        .order_by("-pk")
        .first()
    )
    if stored is None or stored.rows != public_rows(publication):
        return None
    return stored


def file_name(award_list: AwardList) -> str:
    """The stored file's name, and the ASCII name of its download for clients that read no other."""
    edition = award_list.edition
    label = f"v{award_list.publication.version}" if award_list.publication_id else "provisional"
    if award_list.awarded_only:
        label += "-public"
    return f"award-list-{edition.year}-{edition.pk}-{label}-{award_list.pk}.{award_list.format}"


def download_name(*, edition, publication, awarded_only: bool, extension: str) -> str:
    """The Chinese name a list is downloaded under: 第四十次交流活动获奖名单(第2版).xlsx, …全部成果排名(暂定).csv."""
    suffix = "(暂定)" if publication is None else (f"(第{publication.version}版)" if publication.version > 1 else "")
    stem = UNSAFE_IN_NAME.sub("_", clean_text(edition.name))[:80]
    return f"{stem}{list_name(awarded_only)}{suffix}.{extension}"


def generate_award_list(*, award_list: AwardList) -> AwardList:
    """Produce the file of a queued award list (called by the export task)."""
    AwardList.objects.filter(pk=award_list.pk).update(status=AwardList.Status.RUNNING, error="")
    try:
        with tempfile.TemporaryFile() as handle:
            if award_list.format == AwardList.Format.PDF:
                rows = write_pdf(
                    edition=award_list.edition,
                    publication=award_list.publication,
                    target=handle,
                    awarded_only=award_list.awarded_only,
                )
            elif award_list.format == AwardList.Format.CSV:
                text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
                rows = write_csv(
                    edition=award_list.edition,
                    publication=award_list.publication,
                    target=text,
                    awarded_only=award_list.awarded_only,
                )
                text.flush()
                text.detach()
            else:
                rows = write_xlsx(
                    edition=award_list.edition,
                    publication=award_list.publication,
                    target=handle,
                    awarded_only=award_list.awarded_only,
                )
            handle.seek(0)
            award_list.file.save(file_name(award_list), File(handle), save=False)
    except Exception as error:
        award_list.status = AwardList.Status.FAILED
        award_list.error = f"{type(error).__name__}: {error}"
        award_list.finished_at = timezone.now()
        award_list.save(update_fields=["status", "error", "finished_at"])
        raise
    award_list.rows = rows
    award_list.status = AwardList.Status.DONE
    award_list.finished_at = timezone.now()
    award_list.save(update_fields=["file", "rows", "status", "finished_at"])
    return award_list


def queue_award_list(*, edition, format: str, publication=None, by=None, awarded_only: bool = False) -> AwardList:
    """Create an award list and generate it in a task, requested through the outbox (portal.outbox): sent to the
    worker once the transaction commits, or once the task queue is back."""
    award_list = AwardList.objects.create(
        edition=edition, publication=publication, format=format, requested_by=by, awarded_only=awarded_only
    )

    outbox.queue_task("results.export_award_list", award_list.pk)
    return award_list


def queue_award_lists(*, edition, publication=None, by=None) -> list[AwardList]:
    """The organisers' full ranking (every ranked entry, .xlsx and .csv) and, for a publication, the award list
    (the awarded entries, .xlsx, .pdf and .csv), which the public pages serve as stored files instead of writing
    one per visitor."""
    lists = [
        queue_award_list(edition=edition, format=fmt, publication=publication, by=by)
        for fmt in (AwardList.Format.XLSX, AwardList.Format.CSV)
    ]
    if publication is not None:
        lists += [
            queue_award_list(edition=edition, format=fmt, publication=publication, by=by, awarded_only=True)
            for fmt in (AwardList.Format.XLSX, AwardList.Format.PDF, AwardList.Format.CSV)
        ]
    return lists
