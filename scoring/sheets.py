"""Score sheets: points as typed, opening, saving a draft, submitting and reopening a sheet."""

import re
import unicodedata
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import POINTS_STEP, PanelMember, Venue
from events.rules import organises
from portal.mail import queue_email
from scoring.models import CriterionScore, ScoreSheet, SheetAudit
from scoring.progress import reopen_signed_off_venue
from scoring.recusals import ensure_open, is_recused
from scoring.rules import leads_panel

POINTS_FORMAT = re.compile(r"^-?\d+(\.\d+)?$")
# A judge's comment on a sheet: a few paragraphs. Not a setting: the page, the audit and the protocols are laid
# out for it.
COMMENT_MAX_LENGTH = 2000


def parse_points(raw, *, maximum: Decimal) -> Decimal:
    """Points as typed: a number with at most one decimal place, from 0 to the criterion's maximum."""
    # Full-width digits and point from a CJK keyboard read as half-width.
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else "")).strip()
    if not POINTS_FORMAT.match(text):
        raise ValidationError(_("Enter a number, e.g. 17.5."), code="not_a_number")
    value = Decimal(text)
    if value < 0:
        raise ValidationError(_("Points cannot be negative."), code="negative")
    if value != value.quantize(POINTS_STEP):
        # Say what was read: a cell can show 17.5 and hold 17.46.
        raise ValidationError(
            _("%(value)s has more than one decimal place; use at most one, e.g. 17.5.") % {"value": text},
            code="decimals",
        )
    if value > maximum:
        maximum_text = format(maximum.normalize(), "f")
        raise ValidationError(_("At most %(max)s points.") % {"max": maximum_text}, code="above_max")
    return value.quantize(POINTS_STEP)


def clean_comment(comment) -> str:
    """A judge's comment as kept: line breaks as one character each, trimmed, at most COMMENT_MAX_LENGTH long."""
    text = str(comment or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            _("The comment can have at most %(limit)d characters; this one has %(length)d.")
            % {"limit": COMMENT_MAX_LENGTH, "length": len(text)},
            code="comment_too_long",
        )
    return text


def validate_points(*, criteria, raw: dict, complete: bool) -> dict:
    """Check every criterion's points. raw maps criterion id to the typed text.

    Returns {criterion id: Decimal or None}; raises ValidationError({criterion id: message}) naming each bad
    value; with ``complete`` a blank criterion is an error too.
    """
    values, errors = {}, {}
    for criterion in criteria:
        text = raw.get(criterion.pk)
        if text is None or str(text).strip() == "":
            if complete:
                errors[str(criterion.pk)] = [_("Give points for %(name)s.") % {"name": criterion.name}]
            values[criterion.pk] = None
            continue
        try:
            values[criterion.pk] = parse_points(text, maximum=criterion.max_points)
        except ValidationError as error:
            errors[str(criterion.pk)] = error.messages
    if errors:
        raise ValidationError(errors)
    return values


def audit_values(*, points: dict, comment: str, status: str) -> dict:
    """A sheet's state as stored in the audit: points by criterion name (in the rubric's order), comment, status."""
    return {"points": {name: str(value) for name, value in points.items()}, "comment": comment, "status": status}


def audit_change(old: dict, new: dict) -> tuple[dict, dict]:
    """The old and new values an audit row keeps: the comment only when it changed (an unchanged comment of
    2,000 characters is not copied on every autosave)."""
    if old.get("comment") != new.get("comment"):
        return old, new
    return (
        {key: value for key, value in old.items() if key != "comment"},
        {key: value for key, value in new.items() if key != "comment"},
    )


def sheets_values(sheets) -> dict:
    """{sheet id: the sheet's state as stored in the audit} for saved sheets, their points read in one query."""
    points = {sheet.pk: {} for sheet in sheets}
    for sheet_id, name, value in (
        CriterionScore.objects.filter(sheet_id__in=list(points))
        # CriterionScore's ordering within each sheet (the rubric's), without the joins of ScoreSheet's ordering
        .order_by("sheet_id", "criterion__position")
        .values_list("sheet_id", "criterion__name", "points")
    ):
        points[sheet_id][name] = value
    return {
        sheet.pk: audit_values(points=points[sheet.pk], comment=sheet.comment, status=sheet.status) for sheet in sheets
    }


def sheet_values(sheet) -> dict:
    """The sheet's state as stored in the audit: points by criterion name, comment, status."""
    return sheets_values([sheet])[sheet.pk]


def check_can_score(*, entry, judge):
    if entry.venue_id is None:
        raise ValidationError(_("The entry has not been assigned to a venue yet."))
    if not PanelMember.objects.filter(venue_id=entry.venue_id, judge=judge).exists():
        raise ValidationError(_("You are not on the panel of this entry's venue."))
    if is_recused(judge=judge, entry=entry):
        raise ValidationError(_("You have recused yourself from this entry; you cannot score it."))


def sheet_to_show(*, entry, judge, checked: bool = False) -> ScoreSheet:
    """The judge's sheet for an entry of its venue, or an unsaved draft when the judge has not written yet.

    Writes nothing: the page shows this, and the sheet is created on the first save (``open_sheet``).
    `checked`: the caller has established what check_can_score checks (the judging page has: the judge's seat on
    the panel and no recusal); every service that writes checks again.
    """
    if not checked:
        check_can_score(entry=entry, judge=judge)
    rubric = entry.rubric
    if rubric is None:
        raise ValidationError(_("The entry's category has no rubric yet."))
    existing = ScoreSheet.objects.filter(entry=entry, judge=judge).order_by("pk").first()  # one at most
    return existing if existing is not None else ScoreSheet(entry=entry, judge=judge, rubric=rubric)


def open_sheet(*, entry, judge) -> ScoreSheet:
    """The judge's sheet for an entry of its venue, created as a draft the first time the judge saves."""
    shown = sheet_to_show(entry=entry, judge=judge)
    if shown.pk is not None:
        return shown
    rubric = shown.rubric
    ensure_open(entry.venue)
    try:
        sheet, _created = ScoreSheet.objects.get_or_create(entry=entry, judge=judge, defaults={"rubric": rubric})
    except IntegrityError:  # the other tab created it at the same moment
        sheet = ScoreSheet.objects.get(entry=entry, judge=judge)
    return sheet


def store_points(*, sheet, values: dict, comment: str, criteria=None):
    """Write the sheet's points (criterion id -> Decimal, None to clear) and comment; `criteria`: the rubric's,
    when the caller has read them. The new, changed and cleared scores are written in one query each."""
    criteria = {c.pk: c for c in (sheet.rubric.criteria.all() if criteria is None else criteria)}
    existing = {score.criterion_id: score for score in sheet.scores.order_by()}
    points_now = {criterion_id: score.points for criterion_id, score in existing.items()}
    created, changed, cleared = [], [], []
    for criterion_id, points in values.items():
        if criterion_id not in criteria:
            continue
        score = existing.get(criterion_id)
        if points is None:
            if score is not None:
                cleared.append(score.pk)
            points_now.pop(criterion_id, None)
            continue
        if score is None:
            created.append(CriterionScore(sheet=sheet, criterion_id=criterion_id, points=points))
        elif score.points != points:
            score.points = points
            changed.append(score)
        points_now[criterion_id] = points
    if cleared:
        CriterionScore.objects.filter(pk__in=cleared).delete()
    if changed:
        CriterionScore.objects.bulk_update(changed, ["points"])
    if created:
        CriterionScore.objects.bulk_create(created)
    sheet.comment = clean_comment(comment)
    # The sheet's total is kept with its points; the caller saves it with the sheet.
    sheet.total = points_total(points_now.values())


def points_total(points) -> Decimal:
    """A sheet's total: the sum of its criterion points (0.0 with none), kept in ScoreSheet.total."""
    return sum(points, Decimal("0.0"))


def _locked_sheet(sheet_id, *, judge=None, version=None) -> ScoreSheet:
    sheet = ScoreSheet.objects.select_for_update().get(pk=sheet_id)
    sheet = ScoreSheet.objects.select_related("entry__venue", "rubric").get(pk=sheet.pk)
    if judge is not None and sheet.judge_id != judge.pk:
        raise ValidationError(_("This is not your score sheet."))
    ensure_open(sheet.entry.venue)
    if sheet.status == ScoreSheet.Status.SUBMITTED:
        raise ValidationError(
            _("This sheet is already submitted and locked. Only the panel leader or an organiser can reopen it."),
            code="locked",
        )
    if version is not None and int(version) != sheet.version:
        raise stale_sheet()
    return sheet


def stale_sheet() -> ValidationError:
    return ValidationError(
        _(
            "This sheet was changed elsewhere (another tab or device) since you opened it. "
            "Reload the page to see the current values."
        ),
        code="stale",
    )


def _take_points(*, sheet, by, raw: dict, comment: str, version, complete: bool):
    """The first steps of a draft and a submission alike: lock the sheet at the version the judge saw, check the
    judge may score it, validate the points (all of them when `complete`) and store them with the comment.
    Returns the sheet and its values before."""
    # A draft sent again after its answer was lost (the network went while it was saved) finds a newer version
    # holding exactly what it brings: that is no conflict, so a draft's version is compared below.
    sheet = _locked_sheet(sheet.pk, judge=by, version=version if complete else None)
    check_can_score(entry=sheet.entry, judge=by)
    criteria = list(sheet.rubric.criteria.order_by("position"))  # the rubric's order, without joining its edition
    values = validate_points(criteria=criteria, raw=raw, complete=complete)
    try:
        comment = clean_comment(comment)
    except ValidationError as error:
        raise ValidationError({"comment": error.messages}) from None
    old = sheet_values(sheet)
    if not complete and version is not None and int(version) != sheet.version:
        names = {criterion.pk: criterion.name for criterion in criteria}
        brought = {names[pk]: value for pk, value in values.items() if value is not None}
        if audit_values(points=brought, comment=comment, status=sheet.status) != old:
            raise stale_sheet()
    store_points(sheet=sheet, values=values, comment=comment, criteria=criteria)
    return sheet, old


@transaction.atomic
def save_draft(*, sheet, by, raw: dict, comment: str = "", version) -> ScoreSheet:
    """Keep the judge's points so far. Blank criteria are allowed; bad values are refused."""
    sheet, old = _take_points(sheet=sheet, by=by, raw=raw, comment=comment, version=version, complete=False)
    new = sheet_values(sheet)
    if new != old:
        sheet.version += 1
        sheet.save(update_fields=["comment", "total", "version", "updated_at"])
        old, new = audit_change(old, new)
        SheetAudit.objects.create(sheet=sheet, user=by, action=SheetAudit.Action.DRAFT, old_values=old, new_values=new)
    return sheet


@transaction.atomic
def submit_sheet(*, sheet, by, raw: dict, comment: str = "", version) -> ScoreSheet:
    """Submit the judge's sheet with every criterion scored; it is then locked."""
    sheet, old = _take_points(sheet=sheet, by=by, raw=raw, comment=comment, version=version, complete=True)
    sheet.status = ScoreSheet.Status.SUBMITTED
    sheet.source = ScoreSheet.Source.TABLET
    sheet.submitted_at = timezone.now()
    sheet.version += 1
    sheet.save(update_fields=["comment", "total", "status", "source", "submitted_at", "version", "updated_at"])
    old, new = audit_change(old, sheet_values(sheet))
    SheetAudit.objects.create(sheet=sheet, user=by, action=SheetAudit.Action.SUBMIT, old_values=old, new_values=new)
    return sheet


@transaction.atomic
def reopen_sheet(*, sheet, by, reason: str) -> ScoreSheet:
    """The panel leader or an organiser reopens a submitted sheet, with the reason.

    In a signed-off venue only an organiser can, and doing so reopens the venue.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for reopening the sheet."))
    sheet = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
    sheet = ScoreSheet.objects.select_related("entry__venue", "judge").get(pk=sheet.pk)
    venue = Venue.objects.select_for_update().get(pk=sheet.entry.venue_id)
    organiser = organises(by, venue)
    if not organiser and not leads_panel(by, venue):
        raise ValidationError(_("Only the panel leader or an organiser can reopen a sheet."))
    if sheet.status != ScoreSheet.Status.SUBMITTED:
        raise ValidationError(_("This sheet is not submitted; there is nothing to reopen."))
    if venue.signed_off_at is not None:
        if not organiser:
            raise ValidationError(
                _("The venue %(venue)s is signed off; nothing changes there until an organiser reopens it.")
                % {"venue": venue.name}
            )
        reopen_signed_off_venue(venue=venue, by=by, reason=reason)
    old = sheet_values(sheet)
    sheet.status = ScoreSheet.Status.DRAFT
    sheet.version += 1
    sheet.save(update_fields=["status", "version", "updated_at"])
    SheetAudit.objects.create(
        sheet=sheet,
        user=by,
        action=SheetAudit.Action.REOPEN,
        old_values=old,
        new_values=sheet_values(sheet),
        reason=reason,
    )
    queue_email(
        to=[sheet.judge.email],
        template="scoring/email/sheet_reopened",
        context={
            "sheet": sheet,
            "entry": sheet.entry,
            "venue": venue,
            "by": by,
            "reason": reason,
            "site_url": settings.SITE_URL,
        },
        signed_by=venue.edition.association.name,
    )
    return sheet


def reopening_to_show(sheet) -> SheetAudit | None:
    """The reopening a judge is to read on its sheet: the last one, while the sheet has not been submitted again
    since (then it is history, in the sheet's audit)."""
    if sheet.pk is None or sheet.status != ScoreSheet.Status.DRAFT:
        return None
    last = (
        sheet.audit.filter(action__in=[SheetAudit.Action.REOPEN, SheetAudit.Action.SUBMIT, SheetAudit.Action.IMPORT])
        .select_related("user")
        .order_by("-at", "-id")
        .first()
    )
    return last if last is not None and last.action == SheetAudit.Action.REOPEN else None
