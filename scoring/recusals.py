"""Recusal (回避): automatic ties between a judge and an entry, declared and lifted recusals."""

import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events import audit
from events.models import PanelMember, Venue
from scoring.models import Recusal, ScoreSheet, SheetAudit
from submissions.memberships import enterprise_of


def name_key(name: str) -> str:
    """An organisation's name as recusals compare it: full-width forms as half-width (NFKC), case folded, without
    punctuation (full-width brackets too), white space or invisible characters (a zero-width space...), so that
    演示（集团） and 演示(集团) are one name."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name or "").casefold())
    return "".join(char for char in text if unicodedata.category(char)[0] not in IGNORED_IN_NAMES)


# Unicode general categories left out of a name's key: punctuation, separators (white space) and "other"
# (control, format such as zero-width spaces and joiners, unassigned).
IGNORED_IN_NAMES = {"P", "Z", "C"}


@dataclass(frozen=True)
class Judge:
    """What recusals compare of a judge: its employer (id, group), the organisation it gave, by their names' keys."""

    employer_id: int | None
    organisation: str  # key of the organisation the judge gave (its profile's text)
    names: frozenset  # keys of the employer's name and of the organisation the judge gave
    groups: frozenset  # key of the employer's enterprise group


def _judge(judge) -> Judge:
    organisation = name_key(judge.organisation)
    names, groups = {organisation}, set()
    employer = enterprise_of(judge)  # the enterprise the judge works for, from its membership
    if employer is not None:
        names.add(name_key(employer.name))
        groups.add(name_key(employer.parent_group))
    return Judge(employer.pk if employer else None, organisation, frozenset(names - {""}), frozenset(groups - {""}))


def conflict(*, judge, entry, cache: dict | None = None) -> tuple[str, str] | None:
    """Why a judge must recuse from an entry automatically, as (reason, Recusal.Source), or None.

    The entry's enterprise is compared by id with the judge's employer (an enterprise of the portal), and by name
    with the organisation the judge gave. Completing units and enterprise groups are text the entrant typed: a tie
    found there is marked as such (ENTRANT_TEXT), for the organiser to review. ``cache`` (a dict the caller
    keeps) saves reading the same judge's organisations again over many entries.
    """
    if cache is not None and judge.pk in cache:
        tie = cache[judge.pk]
    else:
        tie = _judge(judge)
        if cache is not None:
            cache[judge.pk] = tie
    enterprise = entry.enterprise
    if tie.employer_id == enterprise.pk or (tie.organisation and tie.organisation == name_key(enterprise.name)):
        reason = _("The judge works for the entry's enterprise (%(name)s).") % {"name": enterprise.name}
        return reason, Recusal.Source.ENTERPRISE
    if not tie.names:
        return None
    for unit in (entry.completing_units or "").splitlines():
        if name_key(unit) and name_key(unit) in tie.names:
            reason = _("The judge works for a completing unit of the entry (%(name)s).") % {"name": unit.strip()}
            return reason, Recusal.Source.ENTRANT_TEXT
    group = name_key(enterprise.parent_group)
    if group and (group in tie.names or group in tie.groups):
        reason = _("The judge's organisation is in the entry's enterprise group (%(name)s).") % {
            "name": enterprise.parent_group
        }
        return reason, Recusal.Source.ENTRANT_TEXT
    return None


def conflict_reason(*, judge, entry, cache: dict | None = None) -> str:
    """Why a judge must recuse from an entry automatically (``conflict``), or "" when nothing ties them."""
    found = conflict(judge=judge, entry=entry, cache=cache)
    return found[0] if found else ""


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
            found = conflict(judge=seat.judge, entry=entry, cache=cache)
            if found:
                reason, source = found
                new.append(Recusal(entry=entry, judge=seat.judge, automatic=True, source=source, reason=reason))
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
        for entry_id, judge_id, lifted_at in Recusal.objects.filter(entry_id__in=entry_ids, judge_id__in=judge_ids)
        .order_by()  # a dict: no ordering, and none of the joins Recusal's ordering brings
        .values_list("entry_id", "judge_id", "lifted_at")
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
    reason = _declared_reason(reason)
    if not _on_panel(entry, judge):
        raise ValidationError(_("You are not on the panel of this entry's venue."))
    ensure_open(Venue.objects.select_for_update().get(pk=entry.venue_id))
    sheet = ScoreSheet.objects.filter(entry=entry, judge=judge).first()
    if sheet is not None and sheet.status == ScoreSheet.Status.SUBMITTED:
        raise ValidationError(
            _("You have already submitted a sheet for this entry; ask the panel leader to reopen it.")
        )
    recusal = _record_declared(entry=entry, judge=judge, by=judge, source=Recusal.Source.JUDGE, reason=reason)
    if recusal is None:
        raise ValidationError(_("You have already recused yourself from this entry."))
    if sheet is not None:
        SheetAudit.objects.create(sheet=sheet, user=judge, action=SheetAudit.Action.RECUSED, reason=reason)
    return recusal


@transaction.atomic
def declare_recusal_for_judge(*, entry, judge, by, reason: str) -> Recusal:
    """An organiser recuses a judge from an entry of the judge's venue, with the reason; kept in the edition's audit.

    A sheet the judge submitted stays as it is and no longer counts (DOMAIN.md section 5); its trail says why."""
    reason = _declared_reason(reason)
    if not _on_panel(entry, judge):
        raise ValidationError(
            _("%(judge)s is not on the panel of the venue of %(code)s.")
            % {"judge": judge.get_full_name(), "code": entry.code}
        )
    ensure_open(Venue.objects.select_for_update().get(pk=entry.venue_id))
    recusal = _record_declared(entry=entry, judge=judge, by=by, source=Recusal.Source.ORGANISER, reason=reason)
    if recusal is None:
        raise ValidationError(
            _("%(judge)s is already recused from %(code)s.") % {"judge": judge.get_full_name(), "code": entry.code}
        )
    sheet = ScoreSheet.objects.filter(entry=entry, judge=judge).first()
    if sheet is not None:
        SheetAudit.objects.create(sheet=sheet, user=by, action=SheetAudit.Action.RECUSED, reason=reason)
    audit.record(
        edition=entry.edition_id,
        user=by,
        action=audit.Action.RECUSAL_DECLARED,
        target=_recusal_target(entry, judge),
        new={"source": str(Recusal.Source.ORGANISER.label), "recusal_reason": reason},
        reason=reason,
    )
    return recusal


def _declared_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for the recusal."))
    return reason


def _on_panel(entry, judge) -> bool:
    return entry.venue_id is not None and PanelMember.objects.filter(venue_id=entry.venue_id, judge=judge).exists()


def _recusal_target(entry, judge) -> str:
    return f"{entry.code} · {judge.get_full_name()}"


def _record_declared(*, entry, judge, by, source: str, reason: str) -> Recusal | None:
    """The declared recusal, new or a lifted one declared again; None when one stands already."""
    recusal, created = Recusal.objects.get_or_create(
        entry=entry, judge=judge, defaults={"reason": reason, "created_by": by, "automatic": False, "source": source}
    )
    if created:
        return recusal
    if recusal.is_active:
        return None
    recusal.lifted_at = None
    recusal.lifted_by = None
    recusal.lift_reason = ""
    recusal.automatic = False
    recusal.source = source
    recusal.reason = reason
    recusal.created_by = by
    recusal.save()
    return recusal


@transaction.atomic
def lift_recusal(*, recusal, by, reason: str) -> Recusal:
    """An organiser lifts a recusal (e.g. a tie that does not matter, or a completing unit an entrant named to force
    a judge out), with the reason; kept in the edition's audit."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for lifting the recusal."))
    recusal = Recusal.objects.select_for_update(of=("self",)).select_related("entry__venue", "judge").get(pk=recusal.pk)
    if not recusal.is_active:
        raise ValidationError(_("This recusal has already been lifted."))
    ensure_open(recusal.entry.venue)
    recusal.lifted_at = timezone.now()
    recusal.lifted_by = by
    recusal.lift_reason = reason
    recusal.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    audit.record(
        edition=recusal.entry.edition_id,
        user=by,
        action=audit.Action.RECUSAL_LIFTED,
        target=_recusal_target(recusal.entry, recusal.judge),
        old={"source": str(recusal.get_source_display()), "recusal_reason": recusal.reason},
        reason=reason,
    )
    return recusal
