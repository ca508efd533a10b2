"""Award lists (获奖名单): an .xlsx workbook (a sheet per category and a summary) and the same list as CSV.

The rows come either from the provisional results (results.Result) or from a publication's frozen rows.
openpyxl's write-only mode streams the rows, so a national list of 20,000 entries stays light in memory.
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
from portal import outbox
from portal.spreadsheets import csv_writer, print_layout, text_cell
from portal.text import clean_text
from results.models import AwardList, PublishedResult, Result
from submissions.models import Entry

logger = logging.getLogger(__name__)

# The column headings are those of the printed award lists (domain data, kept in Chinese).
COLUMNS = ["排名", "成果编号", "课题名称", "小组名称", "申报单位", "分会场", "最终得分", "等级"]
WIDTHS = [6, 15, 40, 22, 28, 12, 9, 8]
CSV_COLUMNS = ["类别", *COLUMNS]
SUMMARY_COLUMNS = ["类别", "参评成果", "排名成果", "等级", "数量", "占排名成果比例"]
SUMMARY_WIDTHS = [22, 10, 10, 10, 8, 16]
CHUNK = 2000


@dataclass
class CategoryList:
    category: Category
    entries: int  # results in the category, ranked or not
    rows: object  # an iterator of tuples in COLUMNS order, in rank order


def _result_rows(category, awarded_only: bool):
    ordering = ["rank", "entry__code"]
    if category.ranking_scope == Category.Scope.VENUE:
        ordering = ["venue__name", *ordering]
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
    ordering = ["rank", "code"]
    if category.ranking_scope == Category.Scope.VENUE:
        ordering = ["venue_name", *ordering]
    rows = PublishedResult.objects.filter(publication=publication, category=category, rank__isnull=False)
    if awarded_only:  # what the public sees: graded, and not withdrawn since the publication
        rows = rows.exclude(grade="").filter(entry__status=Entry.Status.ACCEPTED)
    return (
        rows.order_by(*ordering)
        .values_list("rank", "code", "title", "group_name", "enterprise_name", "venue_name", "final_score", "grade")
        .iterator(chunk_size=CHUNK)
    )


def category_lists(*, edition, publication=None, awarded_only: bool = False) -> list[CategoryList]:
    """The award list of each category of the edition, from a publication or from the provisional results: every
    ranked entry, or with awarded_only only the graded ones."""
    categories = list(
        Category.objects.filter(edition=edition).prefetch_related("grade_rules").order_by("position", "pk")
    )
    if publication is not None:
        counts = Counter(PublishedResult.objects.filter(publication=publication).values_list("category_id", flat=True))
        return [CategoryList(c, counts[c.pk], _published_rows(c, publication, awarded_only)) for c in categories]
    counts = Counter(
        Result.objects.filter(category__edition=edition, entry__status=Entry.Status.ACCEPTED).values_list(
            "category_id", flat=True
        )
    )
    return [CategoryList(c, counts[c.pk], _result_rows(c, awarded_only)) for c in categories]


def _title(edition, publication) -> str:
    suffix = f"(第{publication.version}版)" if publication is not None and publication.version > 1 else ""
    status = "" if publication is not None else "(未发布)"
    return f"{edition.name}{status}{suffix}"


def _sheet_title(name: str, used: set[str]) -> str:
    title = "".join(ch for ch in clean_text(name) if ch not in "[]:*?/\\")[:28] or "Sheet"
    candidate, n = title, 2
    while candidate in used:
        candidate, n = f"{title[:25]}({n})", n + 1
    used.add(candidate)
    return candidate


def write_xlsx(*, edition, publication=None, target, awarded_only: bool = False) -> int:
    """Write the award list workbook to a path or binary file; returns the number of entry rows."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    title_font = Font(bold=True, size=14)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    centre = Alignment(horizontal="center", vertical="center")
    used: set[str] = set()
    summary_lines = []
    total_rows = 0
    title = _title(edition, publication)

    cell = text_cell  # text stays text: a title such as "=HYPERLINK(...)" is never a formula
    summary = workbook.create_sheet(_sheet_title("汇总", used))
    for item in category_lists(edition=edition, publication=publication, awarded_only=awarded_only):
        sheet = workbook.create_sheet(_sheet_title(item.category.name, used))
        print_layout(sheet, title=edition.name, repeat_rows="1:2", widths=WIDTHS)
        sheet.print_options.horizontalCentered = True
        sheet.freeze_panes = "A3"
        sheet.merged_cells.add(f"A1:{get_column_letter(len(COLUMNS))}1")
        sheet.append([cell(sheet, f"{title} {item.category.name}获奖名单", font=title_font, alignment=centre)])
        sheet.append([cell(sheet, name, font=bold, border=border, alignment=centre) for name in COLUMNS])
        grades = Counter()
        ranked = 0
        for rank, code, name, group, enterprise, venue, score, grade in item.rows:
            ranked += 1
            if grade:
                grades[grade] += 1
            sheet.append(
                [
                    cell(sheet, rank, border=border, alignment=centre),
                    cell(sheet, code, border=border),
                    cell(sheet, name, border=border, alignment=wrap),
                    cell(sheet, group, border=border, alignment=wrap),
                    cell(sheet, enterprise, border=border, alignment=wrap),
                    cell(sheet, venue, border=border),
                    cell(sheet, score, border=border, number_format="0.00"),
                    cell(sheet, grade, border=border, alignment=centre),
                ]
            )
        total_rows += ranked
        summary_lines.append((item, ranked, grades))

    print_layout(summary, title=edition.name, landscape=False, repeat_rows="1:2", widths=SUMMARY_WIDTHS)
    summary.print_options.horizontalCentered = True
    summary.freeze_panes = "A3"
    summary.merged_cells.add(f"A1:{get_column_letter(len(SUMMARY_COLUMNS))}1")
    summary.append([cell(summary, f"{title} 获奖情况汇总", font=title_font, alignment=centre)])
    summary.append([cell(summary, name, font=bold, border=border) for name in SUMMARY_COLUMNS])
    for item, ranked, grades in summary_lines:
        names = [g.name for g in item.category.grade_rules.all()] or [""]
        for name in names:
            count = grades.get(name, 0) if name else 0
            share = count / ranked if ranked else 0
            summary.append(
                [
                    cell(summary, item.category.name, border=border),
                    cell(summary, item.entries, border=border),
                    cell(summary, ranked, border=border),
                    cell(summary, name, border=border),
                    cell(summary, count, border=border),
                    cell(summary, share, border=border, number_format="0.0%"),
                ]
            )
    workbook.save(target)
    return total_rows


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
    edition = award_list.edition
    label = f"v{award_list.publication.version}" if award_list.publication_id else "provisional"
    if award_list.awarded_only:
        label += "-public"
    return f"award-list-{edition.year}-{edition.pk}-{label}-{award_list.pk}.{award_list.format}"


def generate_award_list(*, award_list: AwardList) -> AwardList:
    """Produce the file of a queued award list (called by the export task)."""
    AwardList.objects.filter(pk=award_list.pk).update(status=AwardList.Status.RUNNING, error="")
    try:
        with tempfile.TemporaryFile() as handle:
            if award_list.format == AwardList.Format.CSV:
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
    """The organisers' lists (every ranked entry) and, for a publication, the public's (the awarded entries), which
    the public pages serve as stored files instead of writing a workbook per visitor."""
    kinds = [False, True] if publication is not None else [False]
    return [
        queue_award_list(edition=edition, format=fmt, publication=publication, by=by, awarded_only=awarded_only)
        for awarded_only in kinds
        for fmt in (AwardList.Format.XLSX, AwardList.Format.CSV)
    ]
