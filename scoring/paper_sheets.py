"""Paper score sheets: an organiser imports sheets judged on paper from .xlsx, checked like any other sheet."""

import logging
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Criterion, PanelMember, Venue
from portal.spreadsheets import ImportReport, read_table
from scoring.models import ScoreSheet, SheetAudit
from scoring.recusals import is_recused
from scoring.sheets import sheet_values, store_points, validate_points
from submissions.models import Entry

logger = logging.getLogger(__name__)

COL_VENUE, COL_CODE, COL_JUDGE, COL_COMMENT = "分会场", "成果编号", "评委", "备注"
# An edition's paper sheets are at most its entries times their judges.
MAX_ROWS = 20_000


def import_paper_sheets(*, edition, file, by) -> ImportReport:
    """Import submitted paper sheets of an edition from .xlsx. All rows are checked; any bad row, none saved."""
    table = read_table(file, columns=(COL_VENUE, COL_CODE, COL_JUDGE), max_rows=MAX_ROWS)
    report = ImportReport(rows=len(table.rows))
    column = set(table.columns)
    venues = {v.name: v for v in Venue.objects.filter(edition=edition)}
    panels = set(PanelMember.objects.filter(venue__edition=edition).values_list("venue_id", "judge__email"))
    users = {u.email.lower(): u for u in get_user_model().objects.filter(panel_seats__venue__edition=edition)}
    criteria_by_rubric = defaultdict(list)
    for criterion in Criterion.objects.filter(rubric__edition=edition).order_by("position"):
        criteria_by_rubric[criterion.rubric_id].append(criterion)
    codes = {values.get(COL_CODE, "") for _number, values in table.rows}
    entries = {
        entry.code: entry
        for entry in Entry.objects.filter(edition=edition, code__in=codes).select_related(
            "category__rubric", "category__innovation_rubric", "enterprise"
        )
    }
    submitted = set(
        ScoreSheet.objects.filter(entry__in=entries.values(), status=ScoreSheet.Status.SUBMITTED).values_list(
            "entry_id", "judge_id"
        )
    )
    seen = set()
    for number, values in table.rows:
        get = values.get
        venue = venues.get(get(COL_VENUE, ""))
        if venue is None:
            report.add_error(number, _("Unknown venue “%(name)s”.") % {"name": get(COL_VENUE, "")})
            continue
        entry = entries.get(get(COL_CODE, ""))
        if entry is None:
            report.add_error(number, _("Unknown entry code “%(code)s”.") % {"code": get(COL_CODE, "")})
            continue
        if entry.venue_id != venue.pk:
            report.add_error(
                number, _("Entry %(code)s is not heard in %(venue)s.") % {"code": entry.code, "venue": venue.name}
            )
            continue
        if venue.signed_off_at is not None:
            report.add_error(number, _("The venue %(venue)s is signed off.") % {"venue": venue.name})
            continue
        email = get(COL_JUDGE, "").lower()
        judge = users.get(email)
        if judge is None:
            report.add_error(number, _("%(email)s is not a judge of this edition.") % {"email": get(COL_JUDGE) or "-"})
            continue
        if (venue.pk, judge.email) not in panels:
            report.add_error(
                number, _("%(email)s is not on the panel of %(venue)s.") % {"email": judge.email, "venue": venue.name}
            )
            continue
        if (entry.pk, judge.pk) in seen:
            report.add_error(number, _("A second sheet of the same judge for the same entry."))
            continue
        seen.add((entry.pk, judge.pk))
        if is_recused(judge=judge, entry=entry):
            report.add_error(number, _("%(email)s is recused from %(code)s.") % {"email": email, "code": entry.code})
            continue
        rubric = entry.rubric
        criteria = criteria_by_rubric.get(rubric.pk if rubric else None, [])
        absent = [c.name for c in criteria if c.name not in column]
        if not criteria or absent:
            report.add_error(
                number, _("Missing column(s) for this entry's rubric: %(columns)s.") % {"columns": ", ".join(absent)}
            )
            continue
        try:
            points = validate_points(criteria=criteria, raw={c.pk: get(c.name, "") for c in criteria}, complete=True)
        except ValidationError as error:
            names = {str(c.pk): c.name for c in criteria}
            for key, messages in error.message_dict.items():
                report.add_error(number, f"{names.get(key, key)}: {' '.join(messages)}")
            continue
        if (entry.pk, judge.pk) in submitted:
            report.add_error(
                number,
                _("%(email)s has already submitted a sheet for %(code)s.") % {"email": email, "code": entry.code},
            )
            continue
        report.valid.append((entry, judge, rubric, points, get(COL_COMMENT, "")))
    if report.errors:
        return report
    if not report.valid:
        raise ValidationError(_("The file has no score sheet rows."))
    try:
        with transaction.atomic():
            for entry, judge, rubric, points, comment in report.valid:
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
                    user=by,
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
