"""Paper score sheets: an organiser imports sheets judged on paper from .xlsx, checked like any other sheet.

The import reads what the rows are checked against once, checks every row, and writes all sheets, their points and
their audit in a few bulk statements: the number of queries does not grow with the rows.
"""

import io
import logging
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from events.models import POINTS_STEP, Criterion, PanelMember, Rubric, Venue
from portal import import_jobs, uploads
from portal.spreadsheets import ImportReport, print_layout, read_table, text_cell
from scoring.models import CriterionScore, ScoreSheet, SheetAudit
from scoring.recusals import recused_pairs
from scoring.sheets import audit_values, clean_comment, points_total, sheets_values, validate_points
from submissions.models import Entry

logger = logging.getLogger(__name__)

COL_VENUE, COL_CODE, COL_JUDGE, COL_COMMENT = "分会场", "成果编号", "评委", "备注"
# An edition's paper sheets are at most its entries times their judges.
MAX_ROWS = 20_000
# Rows per bulk statement: a few statements for the largest file, each well under the databases' limits.
BATCH = 1_000


@dataclass
class Known:
    """What the rows of a file are checked against, read once for the whole file."""

    columns: set
    venues: dict  # name -> Venue
    panels: set  # (venue id, judge email)
    judges: dict  # email in lower case -> user, with its membership
    criteria: dict  # rubric id -> its criteria in order
    entries: dict  # code_key(code) -> Entry
    submitted: set  # (entry id, judge id) of the submitted sheets


@dataclass
class PaperSheet:
    """A good row: the sheet it writes."""

    entry: Entry
    judge: object
    criteria: list
    points: dict  # criterion id -> Decimal
    comment: str
    completes_draft: bool = False  # set by a dry run, for the import's preview
    row: int = 0  # its row number in the sheet

    @property
    def key(self) -> tuple[int, int]:
        return (self.entry.pk, self.judge.pk)

    @property
    def total(self):
        return points_total(self.points.values())


def import_paper_sheets(*, edition, file, by, dry_run: bool = False, progress=None) -> ImportReport:
    """Import submitted paper sheets of an edition from .xlsx. All rows are checked; any bad row, none saved.

    With dry_run, only check: report.valid holds the sheets the file would write, each marked when it completes a
    judge's draft (report.existing counts those); nothing is written. `progress`, when given, is called with the
    percentage done after each step (read, checked)."""
    table = read_table(
        file,
        columns=(COL_VENUE, COL_CODE, COL_JUDGE),
        max_rows=MAX_ROWS,
        identifiers=(COL_CODE,),
        multiline=(COL_COMMENT,),  # a judge's comment keeps its line breaks
    )
    if progress:
        progress(30)
    report = ImportReport(rows=len(table.rows))
    for number, outcome in check_rows(table.rows, known_for(edition, table), refused=table.refused):
        if isinstance(outcome, PaperSheet):
            outcome.row = number
            report.valid.append(outcome)
        else:
            for message in outcome:
                report.add_error(number, message)
    if progress:
        progress(60)
    if report.errors:
        return report
    if not report.valid:
        raise ValidationError(_("The file has no score sheet rows."))
    if dry_run:
        drafts = draft_keys(report.valid)
        for row in report.valid:
            row.completes_draft = row.key in drafts
        report.existing = len(drafts)
        return report
    try:
        with transaction.atomic():
            report.created, report.updated = write_sheets(report.valid, by=by)
    except DatabaseError:
        # The database refused a write (full disk, lost connection, a lock timeout...): all rolled back.
        logger.exception("Import of paper sheets into edition %s failed in the database", edition.pk)
        raise ValidationError(
            _("The database refused to save the sheets, so nothing was imported. Upload the file again in a moment.")
        )
    return report


# --- reading and checking the rows --------------------------------------------------------------------------------


def known_for(edition, table) -> Known:
    criteria = defaultdict(list)
    for criterion in Criterion.objects.filter(rubric__edition=edition).order_by("position"):
        criteria[criterion.rubric_id].append(criterion)
    entries = entries_by_code(edition=edition, codes={values.get(COL_CODE, "") for _number, values in table.rows})
    judges = get_user_model().objects.filter(panel_seats__venue__edition=edition)
    judges = judges.select_related("membership__enterprise")  # the judges' organisations, for the recusals
    submitted = ScoreSheet.objects.filter(entry__in=entries.values(), status=ScoreSheet.Status.SUBMITTED)
    return Known(
        columns=set(table.columns),
        venues={venue.name: venue for venue in Venue.objects.filter(edition=edition)},
        panels=set(PanelMember.objects.filter(venue__edition=edition).values_list("venue_id", "judge__email")),
        judges={judge.email.lower(): judge for judge in judges},
        criteria=criteria,
        entries=entries,
        submitted=set(submitted.values_list("entry_id", "judge_id")),
    )


def check_rows(rows, known: Known, *, refused: dict | None = None) -> list[tuple[int, list[str] | PaperSheet]]:
    """Each row's number with either its errors or the sheet it writes, in row order. A row in `refused` (row number
    -> reasons, from reading the file) keeps those reasons."""
    refused = refused or {}
    matched, seen = [], set()
    for number, values in rows:
        match = " ".join(refused[number]) if number in refused else match_row(values, known, seen)
        matched.append((number, values, match))
    recused = recused_pairs(match for _number, _values, match in matched if not isinstance(match, str))
    return [
        (number, [match] if isinstance(match, str) else check_row(values, *match, known=known, recused=recused))
        for number, values, match in matched
    ]


def code_key(code: str) -> str:
    """An entry code as typed on paper or in a spreadsheet, as the import matches it: full-width forms as half-width
    (NFKC), trimmed, in capitals (qc-2021-0001 is QC-2021-0001)."""
    return unicodedata.normalize("NFKC", code or "").strip().upper()


def entries_by_code(*, edition, codes) -> dict:
    """{code_key(code): entry} of the edition's entries with one of the codes, however their case was typed; with
    their category's rubrics and enterprise. One query."""
    keys = {code_key(code) for code in codes} - {""}
    entries = (
        Entry.objects.annotate(code_key=Upper("code"))
        .filter(edition=edition, code_key__in=keys)
        .select_related("category__rubric", "category__innovation_rubric", "enterprise")
    )
    return {code_key(entry.code): entry for entry in entries}


# How far a number a spreadsheet stored may be off the points it shows: a formula's binary result
# (8.300000000000001 for 8.3) is off by about 1e-15; a value really typed off the step (8.35) by 0.05.
FLOAT_NOISE = Decimal("1e-9")


def cell_points(text: str) -> str:
    """A criterion's cell as the points to check: a number a hair off a step of the points (a formula's binary
    result: 8.300000000000001 or 8.299999999999999 for 8.3) reads as the points it shows ("8.3"), exactly; any
    other text stays as it is, for parse_points to accept or to say what is wrong (8.35 has more than one decimal
    place). In Decimal, from the text read: no float arithmetic touches the points."""
    text = (text or "").strip()
    try:
        value = Decimal(unicodedata.normalize("NFKC", text))
        shown = value.quantize(POINTS_STEP) if value.is_finite() else None
    except InvalidOperation:  # too large to have one decimal place: parse_points says so
        shown = None
    if shown is None:  # not a number (nan, inf...): parse_points says so
        return text
    if value != shown and abs(value - shown) <= FLOAT_NOISE:
        return str(abs(shown) if shown.is_zero() else shown)  # a formula's -5.55e-17 shows 0, not -0.0
    return text


def match_row(values, known: Known, seen: set):
    """The row's (entry, judge), or why the row names no sheet of this edition it may write."""
    get = values.get
    venue = known.venues.get(get(COL_VENUE, ""))
    if venue is None:
        return _("Unknown venue “%(name)s”.") % {"name": get(COL_VENUE, "")}
    entry = known.entries.get(code_key(get(COL_CODE, "")))
    if entry is None:
        return _("Unknown entry code “%(code)s”.") % {"code": get(COL_CODE, "")}
    if entry.venue_id != venue.pk:
        return _("Entry %(code)s is not heard in %(venue)s.") % {"code": entry.code, "venue": venue.name}
    if venue.signed_off_at is not None:
        return _("The venue %(venue)s is signed off.") % {"venue": venue.name}
    judge = known.judges.get(get(COL_JUDGE, "").lower())
    if judge is None:
        return _("%(email)s is not a judge of this edition.") % {"email": get(COL_JUDGE) or "-"}
    if (venue.pk, judge.email) not in known.panels:
        return _("%(email)s is not on the panel of %(venue)s.") % {"email": judge.email, "venue": venue.name}
    if (entry.pk, judge.pk) in seen:
        return _("A second sheet of the same judge for the same entry.")
    seen.add((entry.pk, judge.pk))
    return (entry, judge)


def check_row(values, entry, judge, *, known: Known, recused: set) -> list[str] | PaperSheet:
    """The sheet a matched row writes, or its errors: a recused judge, missing columns, bad points, submitted."""
    email = values.get(COL_JUDGE, "").lower()
    if (entry.pk, judge.pk) in recused:
        return [_("%(email)s is recused from %(code)s.") % {"email": email, "code": entry.code}]
    rubric = entry.rubric
    criteria = known.criteria.get(rubric.pk if rubric else None, [])
    absent = [c.name for c in criteria if c.name not in known.columns]
    if not criteria or absent:
        return [_("Missing column(s) for this entry's rubric: %(columns)s.") % {"columns": ", ".join(absent)}]
    try:
        raw = {c.pk: cell_points(values.get(c.name, "")) for c in criteria}
        points = validate_points(criteria=criteria, raw=raw, complete=True)
    except ValidationError as error:
        names = {str(c.pk): c.name for c in criteria}
        return [f"{names.get(key, key)}: {' '.join(messages)}" for key, messages in error.message_dict.items()]
    if (entry.pk, judge.pk) in known.submitted:
        return [_("%(email)s has already submitted a sheet for %(code)s.") % {"email": email, "code": entry.code}]
    try:
        comment = clean_comment(values.get(COL_COMMENT, ""))  # bounded as on the judge's page
    except ValidationError as error:
        return [f"{COL_COMMENT}: {' '.join(error.messages)}"]
    return PaperSheet(entry, judge, criteria, points, comment)


# --- writing ------------------------------------------------------------------------------------------------------


def write_sheets(rows: list[PaperSheet], *, by) -> tuple[int, int]:
    """Write the checked sheets as submitted paper sheets, with their points and audit; (created, completed).

    Run inside a transaction: a draft is completed, a sheet submitted since the check refuses the whole file.
    """
    now = timezone.now()
    drafts = locked_sheets(rows)
    old = sheets_values(list(drafts.values()))
    for row in rows:
        sheet = drafts.get(row.key)
        if sheet is not None:
            sheet.version += 1
            sheet.updated_at = now  # bulk_update leaves auto_now alone
            fill_submitted(sheet, row, now)
    ScoreSheet.objects.bulk_update(
        list(drafts.values()),
        ["rubric", "status", "source", "submitted_at", "comment", "total", "version", "updated_at"],
        batch_size=BATCH,
    )
    # The database gives the new sheets their ids (SQLite and PostgreSQL return them from the insert).
    created = ScoreSheet.objects.bulk_create(
        [
            fill_submitted(ScoreSheet(entry=row.entry, judge=row.judge), row, now)
            for row in rows
            if row.key not in drafts
        ],
        batch_size=BATCH,
    )
    sheets = {**drafts, **{(sheet.entry_id, sheet.judge_id): sheet for sheet in created}}
    # A paper sheet is the whole sheet: the draft's points make way for the paper's, whose sum is the total.
    CriterionScore.objects.filter(sheet__in=list(drafts.values())).delete()
    CriterionScore.objects.bulk_create(
        [
            CriterionScore(sheet=sheets[row.key], criterion_id=criterion_id, points=points)
            for row in rows
            for criterion_id, points in row.points.items()
        ],
        batch_size=BATCH,
    )
    blank = audit_values(points={}, comment="", status=ScoreSheet.Status.DRAFT)
    SheetAudit.objects.bulk_create(
        [
            SheetAudit(
                sheet=sheets[row.key],
                user=by,
                action=SheetAudit.Action.IMPORT,
                old_values=old.get(sheets[row.key].pk, blank),
                new_values=audit_values(
                    points={c.name: row.points[c.pk] for c in row.criteria},
                    comment=row.comment,
                    status=ScoreSheet.Status.SUBMITTED,
                ),
            )
            for row in rows
        ],
        batch_size=BATCH,
    )
    return len(created), len(drafts)


def fill_submitted(sheet, row: PaperSheet, now) -> ScoreSheet:
    """Make the sheet the row's submitted paper sheet (unsaved)."""
    sheet.rubric = row.entry.rubric
    sheet.status = ScoreSheet.Status.SUBMITTED
    sheet.source = ScoreSheet.Source.PAPER
    sheet.submitted_at = now
    sheet.comment = row.comment
    sheet.total = points_total(row.points.values())
    return sheet


def draft_keys(rows: list[PaperSheet]) -> set:
    """The (entry id, judge id) of the rows whose sheet exists already: a draft the row completes."""
    keys = {row.key for row in rows}
    sheets = ScoreSheet.objects.filter(
        entry_id__in={entry_id for entry_id, _judge in keys}, judge_id__in={judge_id for _entry, judge_id in keys}
    )
    return {key for key in sheets.values_list("entry_id", "judge_id") if key in keys}


def locked_sheets(rows: list[PaperSheet]) -> dict:
    """The rows' sheets that exist, locked; refuses the file when one was submitted since the check."""
    keys = {row.key for row in rows}
    sheets = ScoreSheet.objects.select_for_update().filter(
        entry_id__in={entry_id for entry_id, _judge in keys}, judge_id__in={judge_id for _entry, judge_id in keys}
    )
    drafts = {(s.entry_id, s.judge_id): s for s in sheets if (s.entry_id, s.judge_id) in keys}
    for row in rows:
        sheet = drafts.get(row.key)
        if sheet is not None and sheet.status == ScoreSheet.Status.SUBMITTED:  # submitted meanwhile
            raise ValidationError(
                _("%(email)s has already submitted a sheet for %(code)s.")
                % {"email": row.judge.email, "code": row.entry.code}
            )
    return drafts


# --- the template -------------------------------------------------------------------------------------------------

# Column widths in characters: a venue's name, an entry code (QC-2021-0001), a judge's e-mail, the comment.
WIDTH_VENUE, WIDTH_CODE, WIDTH_JUDGE, WIDTH_COMMENT = 18, 16, 32, 40
# What a sheet's name may not hold in Excel, and its longest.
SHEET_NAME_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
SHEET_NAME_MAX = 31


def rubrics_in_use(edition) -> list[Rubric]:
    """The rubrics the edition's categories score on (innovation rubrics included), by name."""
    ids = set()
    for rubric_id, innovation_id in edition.categories.values_list("rubric_id", "innovation_rubric_id"):
        ids.update(pk for pk in (rubric_id, innovation_id) if pk)
    return list(Rubric.objects.filter(pk__in=ids).prefetch_related("criteria").order_by("name", "pk"))


def template_workbook(*, edition, rubric: Rubric | None, prefill: bool = True) -> bytes:
    """The paper score sheets of one rubric of an edition as an .xlsx to print, fill in and import as it is: one
    sheet with the columns the import reads (分会场, 成果编号, 评委, the rubric's criteria, 备注). With `prefill`, one
    row per accepted entry scored on that rubric and heard in a venue, and judge of that venue's panel, the points
    left empty. A few queries whatever the number of entries and judges."""
    workbook = Workbook(write_only=True)
    if rubric is None:  # no rubric yet: a sheet saying so rather than an empty file
        sheet = workbook.create_sheet("Sheet1")
        sheet.append([text_cell(sheet, _("No category of this edition has a rubric yet."))])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    rows = []  # (venue name, entry code, judge email)
    if prefill:
        judges = defaultdict(list)
        for venue_id, email in PanelMember.objects.filter(venue__edition=edition).values_list(
            "venue_id", "judge__email"
        ):
            judges[venue_id].append(email)
        entries = (
            Entry.objects.filter(edition=edition, status=Entry.Status.ACCEPTED, venue__isnull=False)
            .select_related("venue", "category__rubric", "category__innovation_rubric")
            .order_by("venue__name", "running_order", "code")
        )
        for entry in entries:
            if entry.rubric is not None and entry.rubric.pk == rubric.pk:
                rows.extend((entry.venue.name, entry.code, email) for email in judges[entry.venue_id])

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    names = [c.name for c in sorted(rubric.criteria.all(), key=lambda c: c.position)]
    sheet = workbook.create_sheet(_sheet_name(rubric.name, set()))
    widths = [WIDTH_VENUE, WIDTH_CODE, WIDTH_JUDGE, *(max(8, 2 * len(name) + 2) for name in names), WIDTH_COMMENT]
    print_layout(sheet, title=f"{edition.name} · {rubric.name}", widths=widths)
    for column in ("B", "C"):  # the entry code and the e-mail stay as typed (a code of digits is no number)
        sheet.column_dimensions[column].number_format = "@"
    header = [COL_VENUE, COL_CODE, COL_JUDGE, *names, COL_COMMENT]
    sheet.append([text_cell(sheet, name, font=bold, fill=fill) for name in header])
    for venue, code, email in rows:
        sheet.append(
            [
                text_cell(sheet, venue),
                text_cell(sheet, code, number_format="@"),
                text_cell(sheet, email, number_format="@"),
                *(text_cell(sheet, None) for _name in names),
                text_cell(sheet, None, alignment=wrap),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_name(name: str, used: set) -> str:
    """A sheet name Excel accepts (no []:*?/\\, at most 31 characters), unique in the workbook."""
    base = SHEET_NAME_FORBIDDEN.sub(" ", name).strip()[:SHEET_NAME_MAX] or "Sheet"
    candidate, number = base, 2
    while candidate.lower() in used:
        suffix = f" ({number})"
        candidate, number = base[: SHEET_NAME_MAX - len(suffix)] + suffix, number + 1
    used.add(candidate.lower())
    return candidate


# --- importing in the background ----------------------------------------------------------------------------------

# Rows refused at the confirmation that a background import's messages list (the page has no report to show).
ERRORS_TOLD = 20


def upload_kind(edition) -> str:
    """What a stashed file of paper sheets is for (portal.uploads): the import into its edition."""
    return f"paper-sheets:{edition.pk}"


def imported_message(report: ImportReport) -> str:
    return _("%(created)s paper sheet(s) imported, %(updated)s draft(s) completed.") % {
        "created": report.created,
        "updated": report.updated,
    }


def import_stashed(*, job: str, token: str, edition, by) -> ImportReport | None:
    """Import the file the token names (portal.uploads) as the task scoring.import_paper_sheets does, telling the job
    (portal.import_jobs) its progress and outcome, the rows refused included. All or nothing, as in a request; the
    stashed file is removed either way (a refused file is corrected and uploaded again)."""
    import_jobs.progress(job, 5)
    try:
        upload = uploads.load(token, by=by, kind=upload_kind(edition))
        uploads.discard(token)
        report = import_paper_sheets(
            edition=edition, file=upload, by=by, progress=lambda percent: import_jobs.progress(job, percent)
        )
    except ValidationError as error:
        uploads.discard(token)
        import_jobs.finish(job, level="error", messages=error.messages)
        return None
    if report.errors:
        rows = [_("Row %(row)s: %(reason)s") % {"row": row, "reason": reason} for row, reason in report.messages]
        messages = [_("Nothing was imported. Correct these rows and upload the file again:"), *rows[:ERRORS_TOLD]]
        import_jobs.finish(job, level="error", messages=messages)
    else:
        import_jobs.finish(job, level="success", messages=[imported_message(report)])
    return report
