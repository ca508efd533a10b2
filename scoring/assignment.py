"""Assignment of entries to venues, moving an entry by hand, the draw (抽签) and the venue's schedule."""

import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from events.models import PanelMember, Venue
from portal.mail import queue_email
from scoring.models import Recusal, ScoreSheet
from scoring.recusals import conflict_reason, ensure_open, sync_automatic_recusals
from submissions.models import Entry
from submissions.services import enterprise_emails


def _venue_conflicts(venues, entries) -> set[tuple[int, int]]:
    """(venue id, entry id) pairs where some panel member would have to recuse."""
    seats = PanelMember.objects.filter(venue__in=venues).select_related("judge__membership__enterprise")
    panels = defaultdict(list)
    for seat in seats:
        panels[seat.venue_id].append(seat.judge)
    cache: dict = {}
    return {
        (venue.pk, entry.pk)
        for venue in venues
        for entry in entries
        if any(conflict_reason(judge=judge, entry=entry, cache=cache) for judge in panels[venue.pk])
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
        movable_venues = [v for v in venues if not ScoreSheet.objects.filter(entry__venue=v).with_input().exists()]
        to_place = list(accepted.filter(Q(venue__isnull=True) | Q(venue__in=movable_venues)))
    else:
        movable_venues = []
        to_place = list(accepted.filter(venue__isnull=True))
    # Entries moved elsewhere must not keep a running order, recusals or empty drafts of their old venue.
    Recusal.objects.filter(entry__in=to_place, automatic=True, lifted_at__isnull=True).delete()
    forget_empty_drafts(entries=to_place)
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


def forget_empty_drafts(*, entries):
    """Drop the empty drafts (ScoreSheet.objects.empty_drafts) of entries that leave their venue: they hold nothing
    and belong to the old venue's judges. One with a trail (points typed and cleared, a recusal) is kept."""
    ScoreSheet.objects.filter(entry__in=entries, audit__isnull=True).empty_drafts().delete()


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
    ensure_open(venue)
    if entry.venue is not None:
        ensure_open(entry.venue)
    if ScoreSheet.objects.filter(entry=entry).with_input().exists():
        raise ValidationError(_("This entry already has score sheets in its venue; it cannot move."))
    Recusal.objects.filter(entry=entry, automatic=True).delete()
    forget_empty_drafts(entries=[entry])
    entry.venue = venue
    entry.running_order = None
    entry.save(update_fields=["venue", "running_order", "updated_at"])
    _append_to_order(venue)
    sync_automatic_recusals(venue=venue)
    if venue.draw_seed:  # its place in a drawn order is known now; in a venue not drawn yet, the draw tells it
        tell_enterprises_their_slots(venue=venue, entry_ids=[entry.pk])
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
    ensure_open(venue)
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
    tell_enterprises_their_slots(venue=venue)
    return list(venue.entries.order_by("running_order"))


def tell_enterprises_their_slots(*, venue, entry_ids=None) -> int:
    """Once the venue's running order is drawn: one e-mail to each enterprise with entries there, listing each
    entry's venue, room, time and place in the order (a new draw sends the new order); with `entry_ids`, only about
    those entries (one moved into the drawn venue by hand). Returns the e-mails queued."""
    entries = venue.entries.select_related("enterprise").order_by("running_order", "code", "pk")
    if entry_ids is not None:
        entries = entries.filter(pk__in=entry_ids)
    by_enterprise = defaultdict(list)
    for entry in entries:
        entry.starts, entry.ends = venue.slot(entry.running_order) if entry.running_order else (None, None)
        by_enterprise[entry.enterprise].append(entry)
    for enterprise, entries in by_enterprise.items():
        queue_email(
            to=enterprise_emails(enterprise),
            template="scoring/email/entries_assigned",
            context={"venue": venue, "enterprise": enterprise, "entries": entries, "site_url": settings.SITE_URL},
            signed_by=venue.edition.association.name,
        )
    return len(by_enterprise)


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
    slots = []
    for index, entry in enumerate(entries):
        begins, ends = venue.slot(index + 1)
        slots.append(Slot(entry=entry, position=entry.running_order or index + 1, starts=begins, ends=ends))
    return slots
