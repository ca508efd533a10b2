"""The progress of venues (one grid of entries by panel judges), signing a venue off and reopening it."""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import PanelMember, Venue
from events.rules import organises
from scoring.models import Recusal, ScoreSheet, SheetAudit
from scoring.recusals import sync_automatic_recusals
from scoring.rules import leads_panel
from scoring.signals import venue_signed_off
from submissions.models import Entry


def deviation_limit() -> Decimal:
    """How far (in points) a submitted total may be from the entry's median before it is flagged."""
    return Decimal(str(settings.SCORE_DEVIATION_FLAG))


class CellState(models.TextChoices):
    """Where one judge's sheet for one entry stands on the progress grid."""

    MISSING = "missing", gettext_lazy("Missing")
    DRAFT = "draft", gettext_lazy("Draft")
    SUBMITTED = "submitted", gettext_lazy("Submitted")
    RECUSED = "recused", gettext_lazy("Recused")


# The cells whose sheet is still to come.
WAITING = (CellState.MISSING, CellState.DRAFT)


@dataclass
class Cell:
    judge_id: int
    status: CellState
    sheet_id: int | None = None
    total: Decimal | None = None
    flagged: bool = False
    judge_name: str = ""  # the column's heading, repeated in the cell where the grid stacks on a phone


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
        return sum(1 for row in self.rows for cell in row.cells if cell.status != CellState.RECUSED)

    @property
    def submitted(self):
        return sum(1 for row in self.rows for cell in row.cells if cell.status == CellState.SUBMITTED)

    @property
    def missing(self):
        return [(row.entry, cell) for row in self.rows for cell in row.cells if cell.status in WAITING]

    @property
    def missing_by_entry(self):
        """[(entry, [names of the judges whose sheet is missing])], for the board."""
        names = {seat.judge_id: seat.judge.get_full_name() for seat in self.panel}
        out = []
        for row in self.rows:
            judges = [names[c.judge_id] for c in row.cells if c.status in WAITING]
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
                name = seat.judge.get_full_name()
                if key in recused:
                    cells.append(
                        Cell(
                            judge_id=seat.judge_id,
                            judge_name=name,
                            status=CellState.RECUSED,
                            sheet_id=sheet.pk if sheet else None,
                        )
                    )
                elif sheet is None:
                    cells.append(Cell(judge_id=seat.judge_id, judge_name=name, status=CellState.MISSING))
                else:
                    cells.append(
                        Cell(
                            judge_id=seat.judge_id,
                            judge_name=name,
                            status=CellState(sheet.status),
                            sheet_id=sheet.pk,
                            total=sheet.total if sheet.status == ScoreSheet.Status.SUBMITTED else None,
                        )
                    )
            row = Row(entry=entry, cells=cells)
            submitted = [c.total for c in cells if c.status == CellState.SUBMITTED]
            if submitted:
                row.median = Decimal(statistics.median(submitted)).quantize(Decimal("0.01"))
                for cell in cells:
                    if cell.status == CellState.SUBMITTED and abs(cell.total - statistics.median(submitted)) > limit:
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
    if not (leads_panel(by, venue) or organises(by, venue)):
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


def reopen_signed_off_venue(*, venue, by, reason):
    """Reopen a signed-off venue, keeping the reason in the audit of each of its sheets.

    The caller holds the venue's row lock and has checked that ``by`` may reopen it.
    """
    signed = {"signed_off_at": venue.signed_off_at.isoformat(), "signed_off_by": str(venue.signed_off_by)}
    venue.signed_off_at = None
    venue.signed_off_by = None
    venue.save(update_fields=["signed_off_at", "signed_off_by"])
    SheetAudit.objects.bulk_create(
        SheetAudit(sheet=sheet, user=by, action=SheetAudit.Action.VENUE_REOPENED, old_values=signed, reason=reason)
        for sheet in ScoreSheet.objects.filter(entry__venue=venue)
    )


@transaction.atomic
def reopen_venue(*, venue, by, reason: str) -> Venue:
    """An organiser reopens a signed-off venue; the reason is kept in the audit of each of its sheets."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for reopening the venue."))
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    if not organises(by, venue):
        raise ValidationError(_("Only an organiser can reopen a signed-off venue."))
    if venue.signed_off_at is None:
        raise ValidationError(_("The venue is not signed off."))
    reopen_signed_off_venue(venue=venue, by=by, reason=reason)
    return venue
