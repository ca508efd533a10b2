"""Recusal (回避): automatic ties between a judge and an entry, declared and lifted recusals."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import PanelMember, Venue
from scoring.models import Recusal, ScoreSheet, SheetAudit
from submissions.memberships import enterprise_of


def _norm(name: str) -> str:
    return "".join((name or "").split()).casefold()


def _judge_organisations(judge) -> tuple[set[str], set[str]]:
    """The names of the judge's organisation and of the enterprise groups it belongs to."""
    names, groups = set(), set()
    employer = enterprise_of(judge)  # the enterprise the judge works for, from its membership
    if employer is not None:
        names.add(_norm(employer.name))
        if employer.parent_group:
            groups.add(_norm(employer.parent_group))
    if judge.organisation:
        names.add(_norm(judge.organisation))
    return names - {""}, groups - {""}


def conflict_reason(*, judge, entry, cache: dict | None = None) -> str:
    """Why a judge must recuse from an entry automatically, or "" when nothing ties them.

    ``cache`` (a dict the caller keeps) saves reading the same judge's organisations again over many entries.
    """
    key = judge.pk
    if cache is not None and key in cache:
        names, groups = cache[key]
    else:
        names, groups = _judge_organisations(judge)
        if cache is not None:
            cache[key] = (names, groups)
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
    panel = list(venue.panel.select_related("judge__membership__enterprise"))
    entries = list(venue.entries.select_related("enterprise"))
    existing = set(Recusal.objects.filter(entry__venue=venue).values_list("entry_id", "judge_id"))
    cache: dict = {}
    new = []
    for entry in entries:
        for seat in panel:
            if (entry.pk, seat.judge_id) in existing:
                continue
            reason = conflict_reason(judge=seat.judge, entry=entry, cache=cache)
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


def recused_pairs(pairs) -> set[tuple[int, int]]:
    """Which of the (entry, judge) pairs must not be scored, as (entry id, judge id), in one query.

    The rule: an active recusal, or, where no recusal was ever recorded, a tie nobody has reviewed yet
    (``conflict_reason``). Give entries with their enterprise and judges with ``membership__enterprise``
    selected, or each judge's organisation is read once.
    """
    pairs = list(pairs)
    if not pairs:
        return set()
    entry_ids = {entry.pk for entry, _judge in pairs}
    judge_ids = {judge.pk for _entry, judge in pairs}
    recorded = {
        (entry_id, judge_id): lifted_at is None
        for entry_id, judge_id, lifted_at in Recusal.objects.filter(
            entry_id__in=entry_ids, judge_id__in=judge_ids
        ).values_list("entry_id", "judge_id", "lifted_at")
    }
    cache: dict = {}
    recused = set()
    for entry, judge in pairs:
        key = (entry.pk, judge.pk)
        active = recorded.get(key)
        if active is None:
            active = bool(conflict_reason(judge=judge, entry=entry, cache=cache))
        if active:
            recused.add(key)
    return recused


def is_recused(*, judge, entry) -> bool:
    """Whether the judge must not score the entry: an active recusal, or a tie nobody has reviewed yet."""
    return (entry.pk, judge.pk) in recused_pairs([(entry, judge)])


def ensure_open(venue):
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
    ensure_open(Venue.objects.select_for_update().get(pk=entry.venue_id))
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
def lift_recusal(*, recusal, by, reason: str) -> Recusal:
    """An organiser lifts a recusal (e.g. a tie that does not matter), with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for lifting the recusal."))
    recusal = Recusal.objects.select_for_update(of=("self",)).select_related("entry__venue").get(pk=recusal.pk)
    if not recusal.is_active:
        raise ValidationError(_("This recusal has already been lifted."))
    ensure_open(recusal.entry.venue)
    recusal.lifted_at = timezone.now()
    recusal.lifted_by = by
    recusal.lift_reason = reason
    recusal.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    return recusal
