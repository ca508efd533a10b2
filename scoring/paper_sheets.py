"""Paper score sheets: an organiser imports sheets judged on paper from .xlsx, checked like any other sheet."""

import logging
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Criterion, PanelMember, Venue
from scoring.models import ScoreSheet, SheetAudit
from scoring.recusals import is_recused
from scoring.sheets import sheet_values, store_points, validate_points
from submissions.models import Entry

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------------

COL_VENUE, COL_CODE, COL_JUDGE, COL_COMMENT = "分会场", "成果编号", "评委", "备注"
# An edition's paper sheets are at most its entries times their judges. A workbook that unpacks to more than
# UNPACKED_MAX_BYTES (a zip bomb: a small file of blank XML takes minutes to parse) or holds more than MAX_ROWS
# rows is refused before any row is looked up.
MAX_ROWS = 20_000
UNPACKED_MAX_BYTES = 50 * 1024 * 1024


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list = field(default_factory=list)  # (row number, message)

    @property
    def ok(self):
        return not self.errors


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # openpyxl gives numbers as floats; repr keeps what was typed (17.5, 0.15) without binary noise.
        return repr(value)
    return str(value).strip()


def _refuse_bomb(file) -> None:
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a zip: load_workbook says so below
    finally:
        file.seek(0)
    if unpacked > UNPACKED_MAX_BYTES:
        raise ValidationError(
            _("This workbook unpacks to far more data than a list of score sheets holds; it is refused.")
        )


def import_paper_sheets(*, edition, file, organiser) -> ImportReport:
    """Import submitted paper sheets of an edition from .xlsx. All rows are checked; any bad row, none saved."""
    from openpyxl import load_workbook

    report = ImportReport()
    _refuse_bomb(file)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on a file that is not a workbook
        raise ValidationError(_("The file is not an Excel workbook (.xlsx)."))
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [(_cell_text(h)) for h in (next(rows, None) or [])]
    missing = [c for c in (COL_VENUE, COL_CODE, COL_JUDGE) if c not in header]
    if missing:
        raise ValidationError(_("The first row lacks the column(s): %(columns)s.") % {"columns": ", ".join(missing)})
    column = {name: index for index, name in enumerate(header) if name}
    venues = {v.name: v for v in Venue.objects.filter(edition=edition)}
    panels = set(PanelMember.objects.filter(venue__edition=edition).values_list("venue_id", "judge__email"))
    users = {u.email.lower(): u for u in get_user_model().objects.filter(panel_seats__venue__edition=edition)}
    criteria_by_rubric = defaultdict(list)
    for criterion in Criterion.objects.filter(rubric__edition=edition).order_by("position"):
        criteria_by_rubric[criterion.rubric_id].append(criterion)
    seen = set()
    pending = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise ValidationError(
                _("The file has more than %(max)s rows; split it into several files.") % {"max": MAX_ROWS}
            )
        values = list(values) + [None] * (len(header) - len(values))
        if all(v is None or str(v).strip() == "" for v in values):
            continue

        def get(name, values=values):
            index = column.get(name)
            return _cell_text(values[index]) if index is not None else ""

        venue = venues.get(get(COL_VENUE))
        if venue is None:
            report.errors.append((number, _("Unknown venue “%(name)s”.") % {"name": get(COL_VENUE)}))
            continue
        entry = (
            Entry.objects.filter(edition=edition, code=get(COL_CODE))
            .select_related("category__rubric", "category__innovation_rubric", "enterprise")
            .first()
        )
        if entry is None:
            report.errors.append((number, _("Unknown entry code “%(code)s”.") % {"code": get(COL_CODE)}))
            continue
        if entry.venue_id != venue.pk:
            report.errors.append(
                (number, _("Entry %(code)s is not heard in %(venue)s.") % {"code": entry.code, "venue": venue.name})
            )
            continue
        if venue.signed_off_at is not None:
            report.errors.append((number, _("The venue %(venue)s is signed off.") % {"venue": venue.name}))
            continue
        email = get(COL_JUDGE).lower()
        judge = users.get(email)
        if judge is None:
            report.errors.append(
                (number, _("%(email)s is not a judge of this edition.") % {"email": get(COL_JUDGE) or "-"})
            )
            continue
        if (venue.pk, judge.email) not in panels:
            report.errors.append(
                (number, _("%(email)s is not on the panel of %(venue)s.") % {"email": judge.email, "venue": venue.name})
            )
            continue
        if (entry.pk, judge.pk) in seen:
            report.errors.append((number, _("A second sheet of the same judge for the same entry.")))
            continue
        seen.add((entry.pk, judge.pk))
        if is_recused(judge=judge, entry=entry):
            report.errors.append(
                (number, _("%(email)s is recused from %(code)s.") % {"email": email, "code": entry.code})
            )
            continue
        rubric = entry.rubric
        criteria = criteria_by_rubric.get(rubric.pk if rubric else None, [])
        absent = [c.name for c in criteria if c.name not in column]
        if not criteria or absent:
            report.errors.append(
                (number, _("Missing column(s) for this entry's rubric: %(columns)s.") % {"columns": ", ".join(absent)})
            )
            continue
        try:
            points = validate_points(criteria=criteria, raw={c.pk: get(c.name) for c in criteria}, complete=True)
        except ValidationError as error:
            names = {str(c.pk): c.name for c in criteria}
            for key, messages in error.message_dict.items():
                report.errors.append((number, f"{names.get(key, key)}: {' '.join(messages)}"))
            continue
        existing = ScoreSheet.objects.filter(entry=entry, judge=judge).first()
        if existing is not None and existing.status == ScoreSheet.Status.SUBMITTED:
            report.errors.append(
                (
                    number,
                    _("%(email)s has already submitted a sheet for %(code)s.") % {"email": email, "code": entry.code},
                )
            )
            continue
        pending.append((entry, judge, rubric, points, get(COL_COMMENT)))
    if report.errors:
        return report
    if not pending:
        raise ValidationError(_("The file has no score sheet rows."))
    try:
        with transaction.atomic():
            for entry, judge, rubric, points, comment in pending:
                sheet, created = ScoreSheet.objects.select_for_update().get_or_create(
                    entry=entry, judge=judge, defaults={"rubric": rubric}
                )
                if sheet.status == ScoreSheet.Status.SUBMITTED:  # submitted meanwhile
                    raise ValidationError(
                        _("%(email)s has already submitted a sheet for %(code)s.")
                        % {"email": judge.email, "code": entry.code}
                    )
                old = sheet_values(sheet)
                store_points(sheet=sheet, values=points, comment=comment)
                sheet.rubric = rubric
                sheet.status = ScoreSheet.Status.SUBMITTED
                sheet.source = ScoreSheet.Source.PAPER
                sheet.submitted_at = timezone.now()
                sheet.version += 0 if created else 1
                sheet.save()
                SheetAudit.objects.create(
                    sheet=sheet,
                    user=organiser,
                    action=SheetAudit.Action.IMPORT,
                    old_values=old,
                    new_values=sheet_values(sheet),
                )
                if created:
                    report.created += 1
                else:
                    report.updated += 1
    except DatabaseError:
        # The database refused a write (full disk, lost connection, a lock timeout...): all rolled back.
        logger.exception("Import of paper sheets into edition %s failed in the database", edition.pk)
        raise ValidationError(
            _("The database refused to save the sheets, so nothing was imported. Upload the file again in a moment.")
        )
    return report
