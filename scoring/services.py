"""Domain functions for judging: venue assignment, the draw, recusal, score sheets, sign-off, paper sheets."""

import random
import re
import secrets
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import PanelMember, Venue
from scoring.models import CriterionScore, Recusal, ScoreSheet, SheetAudit
from scoring.signals import venue_signed_off
from submissions.models import Entry

ONE_PLACE = Decimal("0.1")

# ---------------------------------------------------------------------------------------------------
# Recusal (回避)
# ---------------------------------------------------------------------------------------------------


def _norm(name: str) -> str:
    return "".join((name or "").split()).casefold()


def _judge_organisations(judge) -> tuple[set[str], set[str]]:
    """The names of the judge's organisation and of the enterprise groups it belongs to."""
    names, groups = set(), set()
    if judge.enterprise_id:
        names.add(_norm(judge.enterprise.name))
        if judge.enterprise.parent_group:
            groups.add(_norm(judge.enterprise.parent_group))
    if judge.organisation:
        names.add(_norm(judge.organisation))
    return names - {""}, groups - {""}


def conflict_reason(*, judge, entry, _cache=None) -> str:
    """Why a judge must recuse from an entry automatically, or "" when nothing ties them."""
    key = judge.pk
    if _cache is not None and key in _cache:
        names, groups = _cache[key]
    else:
        names, groups = _judge_organisations(judge)
        if _cache is not None:
            _cache[key] = (names, groups)
    if not names:
        return ""
    enterprise = entry.enterprise
    if _norm(enterprise.name) in names:
        return _("The judge works for the entry's enterprise (%(name)s).") % {"name": enterprise.name}
    units = [line.strip() for line in (entry.completing_units or "").splitlines() if line.strip()]
    for unit in units:
        if _norm(unit) in names:
            return _("The judge works for a completing unit of the entry (%(name)s).") % {"name": unit}
    group = _norm(enterprise.parent_group)
    if group and (group in names or group in groups):
        return _("The judge's organisation is in the entry's enterprise group (%(name)s).") % {
            "name": enterprise.parent_group
        }
    return ""


def sync_automatic_recusals(*, venue) -> int:
    """Record the automatic recusals of a venue's panel from its entries. Lifted recusals stay lifted."""
    panel = list(venue.panel.select_related("judge__enterprise"))
    entries = list(venue.entries.select_related("enterprise"))
    existing = set(Recusal.objects.filter(entry__venue=venue).values_list("entry_id", "judge_id"))
    cache: dict = {}
    new = []
    for entry in entries:
        for seat in panel:
            if (entry.pk, seat.judge_id) in existing:
                continue
            reason = conflict_reason(judge=seat.judge, entry=entry, _cache=cache)
            if reason:
                new.append(Recusal(entry=entry, judge=seat.judge, automatic=True, reason=reason))
    Recusal.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def sync_edition_recusals(*, edition) -> int:
    """Record the automatic recusals of every open venue of an edition (e.g. after the panels changed)."""
    return sum(
        sync_automatic_recusals(venue=venue) for venue in Venue.objects.filter(edition=edition, signed_off_at=None)
    )


def is_recused(*, judge, entry) -> bool:
    """Whether the judge must not score the entry: an active recusal, or a tie nobody has reviewed yet."""
    recusal = Recusal.objects.filter(entry=entry, judge=judge).first()
    if recusal is not None:
        return recusal.is_active
    return bool(conflict_reason(judge=judge, entry=entry))


def _ensure_open(venue):
    if venue is None:
        raise ValidationError(_("The entry has not been assigned to a venue yet."))
    if venue.signed_off_at is not None:
        raise ValidationError(
            _("The venue %(venue)s is signed off; nothing changes there until an organiser reopens it.")
            % {"venue": venue.name}
        )


@transaction.atomic
def declare_recusal(*, entry, judge, reason: str) -> Recusal:
    """A judge declares it will not score an entry of its venue, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for the recusal."))
    if entry.venue_id is None or not PanelMember.objects.filter(venue_id=entry.venue_id, judge=judge).exists():
        raise ValidationError(_("You are not on the panel of this entry's venue."))
    _ensure_open(Venue.objects.select_for_update().get(pk=entry.venue_id))
    sheet = ScoreSheet.objects.filter(entry=entry, judge=judge).first()
    if sheet is not None and sheet.status == ScoreSheet.Status.SUBMITTED:
        raise ValidationError(
            _("You have already submitted a sheet for this entry; ask the panel leader to reopen it.")
        )
    recusal, created = Recusal.objects.get_or_create(
        entry=entry, judge=judge, defaults={"reason": reason, "created_by": judge, "automatic": False}
    )
    if not created:
        if recusal.is_active:
            raise ValidationError(_("You have already recused yourself from this entry."))
        recusal.lifted_at = None
        recusal.lifted_by = None
        recusal.lift_reason = ""
        recusal.automatic = False
        recusal.reason = reason
        recusal.created_by = judge
        recusal.save()
    if sheet is not None:
        SheetAudit.objects.create(sheet=sheet, user=judge, action=SheetAudit.Action.RECUSED, reason=reason)
    return recusal


@transaction.atomic
def lift_recusal(*, recusal, organiser, reason: str) -> Recusal:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for lifting the recusal."))
    recusal = Recusal.objects.select_for_update(of=("self",)).select_related("entry__venue").get(pk=recusal.pk)
    if not recusal.is_active:
        raise ValidationError(_("This recusal has already been lifted."))
    _ensure_open(recusal.entry.venue)
    recusal.lifted_at = timezone.now()
    recusal.lifted_by = organiser
    recusal.lift_reason = reason
    recusal.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    return recusal


# ---------------------------------------------------------------------------------------------------
# Assignment and the draw (抽签)
# ---------------------------------------------------------------------------------------------------


def _venue_conflicts(venues, entries) -> set[tuple[int, int]]:
    """(venue id, entry id) pairs where some panel member would have to recuse."""
    seats = PanelMember.objects.filter(venue__in=venues).select_related("judge__enterprise")
    panels = defaultdict(list)
    for seat in seats:
        panels[seat.venue_id].append(seat.judge)
    cache: dict = {}
    return {
        (venue.pk, entry.pk)
        for venue in venues
        for entry in entries
        if any(conflict_reason(judge=judge, entry=entry, _cache=cache) for judge in panels[venue.pk])
    }


@transaction.atomic
def assign_entries(*, category, reassign: bool = False) -> dict:
    """Distribute the accepted entries of a category over its open venues.

    Balances the number of entries per venue, keeps one QC topic type together (a venue marked with a topic
    type takes that type first) and avoids venues where a panel member would have to recuse when another
    venue is possible. Without ``reassign`` only unassigned entries move; with it, every entry of a venue
    that has no sheet yet is distributed again. Returns {venue: number of entries placed there}.
    """
    venues = list(Venue.objects.select_for_update().filter(category=category, signed_off_at__isnull=True))
    if not venues:
        raise ValidationError(_("The category has no open venue to assign entries to."))
    accepted = Entry.objects.filter(category=category, status=Entry.Status.ACCEPTED).select_related("enterprise")
    if reassign:
        movable_venues = [v for v in venues if not ScoreSheet.objects.filter(entry__venue=v).exists()]
        to_place = list(accepted.filter(Q(venue__isnull=True) | Q(venue__in=movable_venues)))
    else:
        movable_venues = []
        to_place = list(accepted.filter(venue__isnull=True))
    # Entries moved elsewhere must not keep a running order or recusals of their old venue.
    Recusal.objects.filter(entry__in=to_place, automatic=True, lifted_at__isnull=True).delete()
    counts = {v.pk: 0 for v in venues}
    for venue_id in (
        accepted.filter(venue__in=venues).exclude(pk__in=[e.pk for e in to_place]).values_list("venue_id", flat=True)
    ):
        counts[venue_id] += 1
    # Balanced: every venue gets ``base`` entries and ``extra`` of them one more.
    base, extra = divmod(sum(counts.values()) + len(to_place), len(venues))

    def has_room(venue):
        if counts[venue.pk] < base:
            return True
        return counts[venue.pk] == base and sum(1 for c in counts.values() if c > base) < extra

    conflicts = _venue_conflicts(venues, to_place)
    types_in = defaultdict(set)
    to_place.sort(key=lambda e: (e.topic_type, e.sub_type, e.code, e.pk))
    placed: dict = dict.fromkeys(venues, 0)
    for entry in to_place:
        # Avoiding a recusal may cost balance, but by one entry per venue at most.
        open_venues = [v for v in venues if counts[v.pk] <= base + (1 if extra else 0)] or venues

        def cost(venue, entry=entry):
            tag = venue.topic_type
            topic = 0 if tag and tag == entry.topic_type else (1 if not tag else 2)
            together = 0 if entry.topic_type in types_in[venue.pk] else 1
            conflict = (venue.pk, entry.pk) in conflicts
            return (conflict, not has_room(venue), topic, together, counts[venue.pk], venue.name)

        venue = min(open_venues, key=cost)
        entry.venue = venue
        entry.running_order = None
        counts[venue.pk] += 1
        types_in[venue.pk].add(entry.topic_type)
        placed[venue] += 1
    Entry.objects.filter(pk__in=[e.pk for e in to_place]).update(venue=None, running_order=None)
    for entry in to_place:
        Entry.objects.filter(pk=entry.pk).update(venue=entry.venue, running_order=None)
    for venue in venues:
        if placed[venue] or venue in movable_venues:
            _append_to_order(venue)
        sync_automatic_recusals(venue=venue)
    return placed


def _append_to_order(venue):
    """After a draw, newcomers present after the drawn entries (in code order) until the venue is drawn again."""
    if not venue.draw_seed:
        return
    last = venue.entries.aggregate(last=Max("running_order"))["last"] or 0
    for entry in venue.entries.filter(running_order__isnull=True).order_by("code", "pk"):
        last += 1
        Entry.objects.filter(pk=entry.pk).update(running_order=last)


@transaction.atomic
def move_entry(*, entry, venue) -> Entry:
    """The organiser moves one entry to another venue of its category by hand."""
    entry = Entry.objects.select_for_update(of=("self",)).select_related("venue").get(pk=entry.pk)
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    if venue.category_id != entry.category_id:
        raise ValidationError(_("The venue %(venue)s does not hear this entry's category.") % {"venue": venue.name})
    if entry.status != Entry.Status.ACCEPTED:
        raise ValidationError(_("Only accepted entries are assigned to venues."))
    if entry.venue_id == venue.pk:
        return entry
    _ensure_open(venue)
    if entry.venue is not None:
        _ensure_open(entry.venue)
    if entry.sheets.exists():
        raise ValidationError(_("This entry already has score sheets in its venue; it cannot move."))
    Recusal.objects.filter(entry=entry, automatic=True).delete()
    entry.venue = venue
    entry.running_order = None
    entry.save(update_fields=["venue", "running_order", "updated_at"])
    _append_to_order(venue)
    sync_automatic_recusals(venue=venue)
    entry.refresh_from_db()
    return entry


def drawn_order(entry_ids: list[int], seed: str) -> list[int]:
    """The running order a seed gives: the entries sorted by id, shuffled by a generator seeded with it."""
    order = sorted(entry_ids)
    random.Random(seed).shuffle(order)
    return order


@transaction.atomic
def draw_running_order(*, venue, seed: str = "") -> list[Entry]:
    """Draw the venue's running order by lot from a recorded seed; the same seed gives the same order."""
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    _ensure_open(venue)
    if ScoreSheet.objects.filter(entry__venue=venue, status=ScoreSheet.Status.SUBMITTED).exists():
        raise ValidationError(_("Judging has started in this venue; the running order can no longer be drawn."))
    ids = list(venue.entries.values_list("pk", flat=True))
    if not ids:
        raise ValidationError(_("The venue has no entries to draw."))
    seed = (seed or "").strip() or secrets.token_hex(8)
    if len(seed) > 64:
        raise ValidationError(_("The seed can have at most 64 characters."))
    order = drawn_order(ids, seed)
    venue.entries.update(running_order=None)
    for position, entry_id in enumerate(order, start=1):
        Entry.objects.filter(pk=entry_id).update(running_order=position)
    venue.draw_seed = seed
    venue.save(update_fields=["draw_seed"])
    sync_automatic_recusals(venue=venue)
    return list(venue.entries.order_by("running_order"))


@dataclass
class Slot:
    entry: Entry
    position: int
    starts: datetime | None
    ends: datetime | None


def venue_schedule(*, venue, entries=None) -> list[Slot]:
    """The venue's entries in running order with their times (presentation plus comments each).

    ``entries`` may be given when the caller has loaded the entries of several venues at once.
    """
    if entries is None:
        entries = list(venue.entries.select_related("enterprise"))
    # Undrawn entries (no running order yet) come last, in code order.
    entries = sorted(entries, key=lambda e: (e.running_order is None, e.running_order or 0, e.code, e.pk))
    step = timedelta(minutes=venue.minutes_per_entry + venue.minutes_for_comments)
    start = None
    if venue.date and venue.start_time:
        start = datetime.combine(venue.date, venue.start_time)
    slots = []
    for index, entry in enumerate(entries):
        begins = start + step * index if start else None
        ends = begins + timedelta(minutes=venue.minutes_per_entry) if begins else None
        slots.append(Slot(entry=entry, position=entry.running_order or index + 1, starts=begins, ends=ends))
    return slots


# ---------------------------------------------------------------------------------------------------
# Score sheets
# ---------------------------------------------------------------------------------------------------


POINTS_FORMAT = re.compile(r"^-?\d+(\.\d+)?$")


def parse_points(raw, *, maximum: Decimal) -> Decimal:
    """Points as typed: a number with at most one decimal place, from 0 to the criterion's maximum."""
    text = str(raw if raw is not None else "").strip().replace("．", ".")  # a full-width point from a CJK keyboard
    if not POINTS_FORMAT.match(text):
        raise ValidationError(_("Enter a number, e.g. 17.5."), code="not_a_number")
    value = Decimal(text)
    if value < 0:
        raise ValidationError(_("Points cannot be negative."), code="negative")
    if value != value.quantize(ONE_PLACE):
        raise ValidationError(_("Use at most one decimal place, e.g. 17.5."), code="decimals")
    if value > maximum:
        maximum_text = format(maximum.normalize(), "f")
        raise ValidationError(_("At most %(max)s points.") % {"max": maximum_text}, code="above_max")
    return value.quantize(ONE_PLACE)


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


def sheet_values(sheet) -> dict:
    """The sheet's state as stored in the audit: points by criterion name, comment, status."""
    points = {score.criterion.name: str(score.points) for score in sheet.scores.select_related("criterion")}
    return {"points": points, "comment": sheet.comment, "status": sheet.status}


def check_can_score(*, entry, judge):
    if entry.venue_id is None:
        raise ValidationError(_("The entry has not been assigned to a venue yet."))
    if not PanelMember.objects.filter(venue_id=entry.venue_id, judge=judge).exists():
        raise ValidationError(_("You are not on the panel of this entry's venue."))
    if is_recused(judge=judge, entry=entry):
        raise ValidationError(_("You have recused yourself from this entry; you cannot score it."))


def open_sheet(*, entry, judge) -> ScoreSheet:
    """The judge's sheet for an entry of its venue, created as a draft the first time it is opened."""
    check_can_score(entry=entry, judge=judge)
    rubric = entry.rubric
    if rubric is None:
        raise ValidationError(_("The entry's category has no rubric yet."))
    existing = ScoreSheet.objects.filter(entry=entry, judge=judge).first()
    if existing is not None:
        return existing
    _ensure_open(entry.venue)
    try:
        sheet, _created = ScoreSheet.objects.get_or_create(entry=entry, judge=judge, defaults={"rubric": rubric})
    except IntegrityError:  # the other tab created it at the same moment
        sheet = ScoreSheet.objects.get(entry=entry, judge=judge)
    return sheet


def store_points(*, sheet, values: dict, comment: str):
    criteria = {c.pk: c for c in sheet.rubric.criteria.all()}
    existing = {score.criterion_id: score for score in sheet.scores.all()}
    points_now = {criterion_id: score.points for criterion_id, score in existing.items()}
    for criterion_id, points in values.items():
        if criterion_id not in criteria:
            continue
        score = existing.get(criterion_id)
        if points is None:
            if score is not None:
                score.delete()
            points_now.pop(criterion_id, None)
            continue
        if score is None:
            CriterionScore.objects.create(sheet=sheet, criterion_id=criterion_id, points=points)
        elif score.points != points:
            score.points = points
            score.save(update_fields=["points"])
        points_now[criterion_id] = points
    sheet.comment = (comment or "").strip()
    # The sheet's total is kept with its points; the caller saves it with the sheet.
    sheet.total = sum(points_now.values(), Decimal("0.0"))


def _locked_sheet(sheet_id, *, judge=None, version=None) -> ScoreSheet:
    sheet = ScoreSheet.objects.select_for_update().get(pk=sheet_id)
    sheet = ScoreSheet.objects.select_related("entry__venue", "rubric").get(pk=sheet.pk)
    if judge is not None and sheet.judge_id != judge.pk:
        raise ValidationError(_("This is not your score sheet."))
    _ensure_open(sheet.entry.venue)
    if sheet.status == ScoreSheet.Status.SUBMITTED:
        raise ValidationError(
            _("This sheet is already submitted and locked. Only the panel leader or an organiser can reopen it."),
            code="locked",
        )
    if version is not None and int(version) != sheet.version:
        raise ValidationError(
            _(
                "This sheet was changed elsewhere (another tab or device) since you opened it. "
                "Reload the page to see the current values."
            ),
            code="stale",
        )
    return sheet


@transaction.atomic
def save_draft(*, sheet, judge, raw: dict, comment: str = "", version) -> ScoreSheet:
    """Keep the judge's points so far. Blank criteria are allowed; bad values are refused."""
    sheet = _locked_sheet(sheet.pk, judge=judge, version=version)
    check_can_score(entry=sheet.entry, judge=judge)
    criteria = list(sheet.rubric.criteria.all())
    values = validate_points(criteria=criteria, raw=raw, complete=False)
    old = sheet_values(sheet)
    store_points(sheet=sheet, values=values, comment=comment)
    new = sheet_values(sheet)
    if new != old:
        sheet.version += 1
        sheet.save(update_fields=["comment", "total", "version", "updated_at"])
        SheetAudit.objects.create(
            sheet=sheet, user=judge, action=SheetAudit.Action.DRAFT, old_values=old, new_values=new
        )
    return sheet


@transaction.atomic
def submit_sheet(*, sheet, judge, raw: dict, comment: str = "", version) -> ScoreSheet:
    """Submit the judge's sheet with every criterion scored; it is then locked."""
    sheet = _locked_sheet(sheet.pk, judge=judge, version=version)
    check_can_score(entry=sheet.entry, judge=judge)
    criteria = list(sheet.rubric.criteria.all())
    values = validate_points(criteria=criteria, raw=raw, complete=True)
    old = sheet_values(sheet)
    store_points(sheet=sheet, values=values, comment=comment)
    sheet.status = ScoreSheet.Status.SUBMITTED
    sheet.source = ScoreSheet.Source.TABLET
    sheet.submitted_at = timezone.now()
    sheet.version += 1
    sheet.save(update_fields=["comment", "total", "status", "source", "submitted_at", "version", "updated_at"])
    SheetAudit.objects.create(
        sheet=sheet, user=judge, action=SheetAudit.Action.SUBMIT, old_values=old, new_values=sheet_values(sheet)
    )
    return sheet


def is_organiser_of(user, edition_id) -> bool:
    if not (user.is_authenticated and user.is_organiser):
        return False
    return user.is_superuser or user.organised_editions.filter(pk=edition_id).exists()


def is_leader_of(user, venue) -> bool:
    return PanelMember.objects.filter(venue=venue, judge=user, is_leader=True).exists()


@transaction.atomic
def reopen_sheet(*, sheet, by, reason: str) -> ScoreSheet:
    """The panel leader or an organiser reopens a submitted sheet, with the reason.

    In a signed-off venue only an organiser can, and doing so reopens the venue.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for reopening the sheet."))
    sheet = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
    sheet = ScoreSheet.objects.select_related("entry__venue").get(pk=sheet.pk)
    venue = Venue.objects.select_for_update().get(pk=sheet.entry.venue_id)
    organiser = is_organiser_of(by, sheet.entry.edition_id)
    if not organiser and not is_leader_of(by, venue):
        raise ValidationError(_("Only the panel leader or an organiser can reopen a sheet."))
    if sheet.status != ScoreSheet.Status.SUBMITTED:
        raise ValidationError(_("This sheet is not submitted; there is nothing to reopen."))
    if venue.signed_off_at is not None:
        if not organiser:
            raise ValidationError(
                _("The venue %(venue)s is signed off; nothing changes there until an organiser reopens it.")
                % {"venue": venue.name}
            )
        _reopen_venue(venue=venue, organiser=by, reason=reason)
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
    return sheet


def _reopen_venue(*, venue, organiser, reason):
    signed = {"signed_off_at": venue.signed_off_at.isoformat(), "signed_off_by": str(venue.signed_off_by)}
    venue.signed_off_at = None
    venue.signed_off_by = None
    venue.save(update_fields=["signed_off_at", "signed_off_by"])
    SheetAudit.objects.bulk_create(
        SheetAudit(
            sheet=sheet, user=organiser, action=SheetAudit.Action.VENUE_REOPENED, old_values=signed, reason=reason
        )
        for sheet in ScoreSheet.objects.filter(entry__venue=venue)
    )


@transaction.atomic
def reopen_venue(*, venue, organiser, reason: str) -> Venue:
    """An organiser reopens a signed-off venue; the reason is kept in the audit of each of its sheets."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for reopening the venue."))
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    if not is_organiser_of(organiser, venue.edition_id):
        raise ValidationError(_("Only an organiser can reopen a signed-off venue."))
    if venue.signed_off_at is None:
        raise ValidationError(_("The venue is not signed off."))
    _reopen_venue(venue=venue, organiser=organiser, reason=reason)
    return venue


# ---------------------------------------------------------------------------------------------------
# Progress, flags and sign-off
# ---------------------------------------------------------------------------------------------------


def deviation_limit() -> Decimal:
    return Decimal(str(getattr(settings, "SCORE_DEVIATION_FLAG", 10)))


@dataclass
class Cell:
    judge_id: int
    status: str  # "missing", "draft", "submitted", "recused"
    sheet_id: int | None = None
    total: Decimal | None = None
    flagged: bool = False


@dataclass
class Row:
    entry: Entry
    cells: list
    median: Decimal | None = None


@dataclass
class VenueProgress:
    venue: Venue
    panel: list
    rows: list = field(default_factory=list)

    @property
    def expected(self):
        return sum(1 for row in self.rows for cell in row.cells if cell.status != "recused")

    @property
    def submitted(self):
        return sum(1 for row in self.rows for cell in row.cells if cell.status == "submitted")

    @property
    def missing(self):
        return [(row.entry, cell) for row in self.rows for cell in row.cells if cell.status in ("missing", "draft")]

    @property
    def missing_by_entry(self):
        """[(entry, [names of the judges whose sheet is missing])], for the board."""
        names = {seat.judge_id: seat.judge.get_full_name() for seat in self.panel}
        out = []
        for row in self.rows:
            judges = [names[c.judge_id] for c in row.cells if c.status in ("missing", "draft")]
            if judges:
                out.append((row.entry, judges))
        return out

    @property
    def flagged_sheets(self):
        """[(entry, judge's name, total)] of the flagged sheets."""
        names = {seat.judge_id: seat.judge.get_full_name() for seat in self.panel}
        return [(entry, names[cell.judge_id], cell.total) for entry, cell in self.flags]

    @property
    def flags(self):
        return [(row.entry, cell) for row in self.rows for cell in row.cells if cell.flagged]

    @property
    def complete(self):
        return bool(self.rows) and self.expected == self.submitted

    @property
    def percent(self):
        return round(100 * self.submitted / self.expected) if self.expected else 0


def venues_progress(venues) -> list[VenueProgress]:
    """Each venue's grid of entries by panel judges, in a fixed number of queries whatever the size."""
    venues = list(venues)
    ids = [v.pk for v in venues]
    seats = defaultdict(list)
    for seat in (
        PanelMember.objects.filter(venue_id__in=ids)
        .select_related("judge")
        .order_by("venue", "-is_leader", "judge__full_name", "pk")
    ):
        seats[seat.venue_id].append(seat)
    entries = defaultdict(list)
    for entry in Entry.objects.filter(venue_id__in=ids).select_related("enterprise"):
        entries[entry.venue_id].append(entry)
    for group in entries.values():
        group.sort(key=lambda e: (e.running_order is None, e.running_order or 0, e.code, e.pk))
    recused = set(
        Recusal.objects.filter(entry__venue_id__in=ids, lifted_at__isnull=True).values_list("entry_id", "judge_id")
    )
    sheets = {}
    # Each sheet's total is kept with its points: no criterion score is read here.
    for sheet in ScoreSheet.objects.filter(entry__venue_id__in=ids).only(
        "pk", "entry_id", "judge_id", "status", "total"
    ):
        sheets[(sheet.entry_id, sheet.judge_id)] = sheet
    limit = deviation_limit()
    result = []
    for venue in venues:
        progress = VenueProgress(venue=venue, panel=seats[venue.pk])
        for entry in entries[venue.pk]:
            cells = []
            for seat in progress.panel:
                key = (entry.pk, seat.judge_id)
                sheet = sheets.get(key)
                if key in recused:
                    cells.append(Cell(judge_id=seat.judge_id, status="recused", sheet_id=sheet.pk if sheet else None))
                elif sheet is None:
                    cells.append(Cell(judge_id=seat.judge_id, status="missing"))
                else:
                    cells.append(
                        Cell(
                            judge_id=seat.judge_id,
                            status=sheet.status,
                            sheet_id=sheet.pk,
                            total=sheet.total if sheet.status == ScoreSheet.Status.SUBMITTED else None,
                        )
                    )
            row = Row(entry=entry, cells=cells)
            submitted = [c.total for c in cells if c.status == "submitted"]
            if submitted:
                row.median = Decimal(statistics.median(submitted)).quantize(Decimal("0.01"))
                for cell in cells:
                    if cell.status == "submitted" and abs(cell.total - statistics.median(submitted)) > limit:
                        cell.flagged = True
            progress.rows.append(row)
        result.append(progress)
    return result


def venue_progress(venue) -> VenueProgress:
    return venues_progress([venue])[0]


@transaction.atomic
def sign_off_venue(*, venue, by) -> Venue:
    """The panel leader (or an organiser) signs the venue off once every sheet is in. Nothing changes after."""
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    if not (is_leader_of(by, venue) or is_organiser_of(by, venue.edition_id)):
        raise ValidationError(_("Only the panel leader or an organiser can sign the venue off."))
    if venue.signed_off_at is not None:
        raise ValidationError(_("The venue is already signed off."))
    sync_automatic_recusals(venue=venue)  # a tie recorded late must not block the sign-off
    progress = venue_progress(venue)
    if not progress.rows:
        raise ValidationError(_("The venue has no entries to sign off."))
    missing = len(progress.missing)
    if missing:
        raise ValidationError(
            _("%(count)s score sheet(s) are still missing; the venue can be signed off when every sheet is in.")
            % {"count": missing}
        )
    venue.signed_off_at = timezone.now()
    venue.signed_off_by = by
    venue.save(update_fields=["signed_off_at", "signed_off_by"])
    venue_signed_off.send(sender=Venue, venue=venue, by=by)
    return venue
