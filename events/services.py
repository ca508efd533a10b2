"""Domain functions for editions, categories with their grades, venues and panels, copying an edition and its
status machine. Rubrics have their own module (events.rubrics)."""

from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events import audit, hooks
from events.builtins import CATEGORY_TEMPLATES, RUBRIC_TEMPLATES
from events.models import (
    Category,
    Edition,
    EditionStatusChange,
    GradeRule,
    PanelMember,
    Venue,
)
from events.rubrics import clone_rubric, create_rubric_from_template
from events.rules import organises

User = get_user_model()

Status = Edition.Status

# The status machine of an edition: from -> the statuses it may move to. Closing can be undone (late entries);
# nothing else goes back.
TRANSITIONS = {
    Status.DRAFT: [Status.OPEN],
    Status.OPEN: [Status.CLOSED],
    Status.CLOSED: [Status.OPEN, Status.JUDGING],
    # Only the publication of the results (results.publication) moves an edition on from judging.
    Status.JUDGING: [],
    Status.PUBLISHED: [],
}


# --- editions and categories -----------------------------------------------------------------------


def _check_edition_dates(edition: Edition) -> None:
    opens, deadline = edition.submissions_open_at, edition.submission_deadline
    if opens and deadline and deadline <= opens:
        raise ValidationError(_("The submission deadline must come after the opening."))
    if edition.starts_on and edition.ends_on and edition.ends_on < edition.starts_on:
        raise ValidationError(_("The last day cannot come before the first day."))
    duplicate = Edition.objects.filter(
        association=edition.association_id, name=edition.name, year=edition.year
    ).exclude(pk=edition.pk)
    if duplicate.exists():
        raise ValidationError(_("There is already an edition of that name in %(year)s.") % {"year": edition.year})


def check_team(association, users) -> None:
    """Only organisers on the association's team may organise its editions: one association's organisers never
    reach another's editions."""
    users = list(users)
    members = set(association.members.filter(user__in=users).values_list("user_id", flat=True))
    for user in users:
        if not user.is_organiser:
            raise ValidationError(_("Only users with the organiser role can organise an edition."))
        if not user.is_superuser and user.pk not in members:
            raise ValidationError(
                _("%(name)s is not on the team of %(association)s.")
                % {"name": user.get_full_name(), "association": association.name}
            )


def check_pool(association, judges) -> None:
    """Only judges in the association's pool sit on its panels."""
    pool = set(association.judges.filter(pk__in=[judge.pk for judge in judges]).values_list("pk", flat=True))
    outside = [judge for judge in judges if judge.pk not in pool]
    if outside:
        raise ValidationError(
            _("%(name)s is not in the judges' pool of %(association)s.")
            % {"name": outside[0].get_full_name(), "association": association.name}
        )


@transaction.atomic
def create_edition(*, by, edition: Edition, categories=()) -> Edition:
    """Save a new edition of its association with `by` as its organiser and the chosen standard categories
    (CATEGORY_TEMPLATES). `by` must be on the association's team."""
    check_team(edition.association, [by])
    _check_edition_dates(edition)
    edition.status = Status.DRAFT
    edition.save()
    edition.organisers.add(by)
    for position, key in enumerate(categories, start=1):
        add_category_from_template(edition=edition, key=key, position=position)
    return edition


EDITION_DATES = ("starts_on", "ends_on", "submissions_open_at", "submission_deadline")


@transaction.atomic
def update_edition(*, edition: Edition, organisers=None, by=None) -> Edition:
    """Save the edition's details and, when given, its organisers (at least one, all with the organiser role); each
    organiser added or removed is audited.

    When the year changes, every date left as it was (the edition's and its venues') moves by the same number of
    years, so a copy whose year is corrected does not keep last year's deadline or venue days."""
    stored = Edition.objects.filter(pk=edition.pk).values("year", *EDITION_DATES).first() if edition.pk else None
    years = edition.year - stored["year"] if stored else 0
    if years:
        for field in EDITION_DATES:
            if _same_minute(getattr(edition, field), stored[field]):
                setattr(edition, field, _shift(stored[field], years))
    _check_edition_dates(edition)
    if organisers is not None:
        organisers = list(organisers)
        if not organisers:
            raise ValidationError(_("An edition needs at least one organiser."))
        check_team(edition.association, organisers)
    edition.save()
    if years:
        _shift_venues(edition=edition, years=years)
    if organisers is not None:
        before = set(edition.organisers.all())
        edition.organisers.set(organisers)
        for user in sorted(set(organisers) - before, key=lambda u: u.pk):
            audit_team(edition=edition, user=user, by=by, action=audit.Action.ORGANISER_ADDED)
        for user in sorted(before - set(organisers), key=lambda u: u.pk):
            audit_team(edition=edition, user=user, by=by, action=audit.Action.ORGANISER_REMOVED)
    return edition


def audit_team(*, edition: Edition, user, by, action: str) -> None:
    audit.record(
        edition=edition, user=by, action=action, target=user.get_full_name(), new={"user": user.pk, "email": user.email}
    )


@transaction.atomic
def add_organiser(*, edition: Edition, user, by) -> None:
    """Make a colleague on the association's team an organiser of the edition (audited)."""
    check_team(edition.association, [user])
    if edition.organisers.filter(pk=user.pk).exists():
        raise ValidationError(_("%(name)s already organises this edition.") % {"name": user.get_full_name()})
    edition.organisers.add(user)
    audit_team(edition=edition, user=user, by=by, action=audit.Action.ORGANISER_ADDED)


@transaction.atomic
def remove_organiser(*, edition: Edition, user, by) -> None:
    """Take a colleague off the edition's organisers (audited); the last organiser stays."""
    locked = list(Edition.objects.select_for_update().filter(pk=edition.pk).values_list("pk", flat=True))
    if not locked or not edition.organisers.filter(pk=user.pk).exists():
        raise ValidationError(_("%(name)s does not organise this edition.") % {"name": user.get_full_name()})
    if edition.organisers.count() == 1:
        raise ValidationError(_("An edition needs at least one organiser."))
    edition.organisers.remove(user)
    audit_team(edition=edition, user=user, by=by, action=audit.Action.ORGANISER_REMOVED)


@transaction.atomic
def add_category_from_template(*, edition: Edition, key: str, position: int | None = None) -> Category:
    """A standard category with its built-in rubrics (reused when the edition has them already) and grades."""
    if key not in CATEGORY_TEMPLATES:
        raise ValidationError(_("There is no built-in category “%(key)s”.") % {"key": key})
    template = CATEGORY_TEMPLATES[key]
    if (
        edition.categories.filter(code=template["code"]).exists()
        or edition.categories.filter(name=template["name"]).exists()
    ):
        raise ValidationError(_("This edition already has the category “%(name)s”.") % {"name": template["name"]})
    rubrics = []
    for rubric_key in template["rubrics"]:
        if rubric_key is None:
            rubrics.append(None)
            continue
        existing = edition.rubrics.filter(name=RUBRIC_TEMPLATES[rubric_key]["name"]).first()
        rubrics.append(existing or create_rubric_from_template(edition=edition, key=rubric_key))
    if position is None:
        position = (edition.categories.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    category = Category.objects.create(
        edition=edition,
        kind=template["kind"],
        name=template["name"],
        code=template["code"],
        position=position,
        requires_report=template["requires_report"],
        requires_slides=template["requires_slides"],
        quota_per_enterprise=template["quota_per_enterprise"],
        rubric=rubrics[0],
        innovation_rubric=rubrics[1],
    )
    GradeRule.objects.bulk_create(
        GradeRule(category=category, position=n, name=name, rule=GradeRule.Rule.SHARE, value=share)
        for n, (name, share) in enumerate(template["grades"], start=1)
    )
    return category


def _check_grades(grades: list[dict]) -> None:
    names = [row["name"].strip() for row in grades]
    if len(set(names)) != len(names):
        raise ValidationError(_("Two grades have the same name."))
    positions = [row["position"] for row in grades]
    if len(set(positions)) != len(positions):
        raise ValidationError(_("Two grades have the same position."))
    previous = None
    for row in sorted(grades, key=lambda r: r["position"]):
        value = Decimal(row["value"])
        if row["rule"] == GradeRule.Rule.SHARE and not Decimal("0") <= value <= Decimal("1"):
            raise ValidationError(
                _("The share of “%(name)s” must be between 0 and 1 (0.5 is half of the ranked entries).")
                % {"name": row["name"]}
            )
        if row["rule"] == GradeRule.Rule.TOP_N and (value < 1 or value != value.to_integral_value()):
            raise ValidationError(
                _("The number of entries of “%(name)s” must be a whole number of at least 1.") % {"name": row["name"]}
            )
        if row["rule"] == GradeRule.Rule.THRESHOLD and not Decimal("0") <= value <= Decimal("100"):
            raise ValidationError(
                _("The minimum score of “%(name)s” must be between 0 and 100.") % {"name": row["name"]}
            )
        floor = row.get("floor")
        if floor is not None and not Decimal("0") <= Decimal(floor) <= Decimal("100"):
            raise ValidationError(_("The floor of “%(name)s” must be between 0 and 100.") % {"name": row["name"]})
        if previous is not None and previous["rule"] == row["rule"]:
            # Grades are cumulative: a worse grade must admit at least the entries of the better one.
            worse_is_stricter = (
                value > Decimal(previous["value"])
                if row["rule"] == GradeRule.Rule.THRESHOLD
                else value < Decimal(previous["value"])
            )
            if worse_is_stricter:
                raise ValidationError(
                    _(
                        "Grades are cumulative: “%(name)s” must admit at least the entries of “%(better)s”, "
                        "the grade above it."
                    )
                    % {"name": row["name"], "better": previous["name"]}
                )
        previous = row


def _scoring_rules(category: Category) -> dict:
    """A category's scoring and grade rules as the audit records them."""
    if not category.pk:
        return {}
    stored = Category.objects.get(pk=category.pk)
    return {
        "aggregation": stored.aggregation,
        "min_sheets": str(stored.min_sheets),
        "ranking_scope": stored.ranking_scope,
        "grades": {
            g.name: f"{g.position}. {g.rule} {g.value.normalize():f}" + (f" ≥ {g.floor}" if g.floor is not None else "")
            for g in stored.grade_rules.order_by("position")
        },
    }


def _rubric_switch(category: Category, *, confirmed: bool, reason: str) -> dict | None:
    """What switching the category's rubrics leaves behind, for the audit; None when its rubrics stay, or no sheet
    is on them. The sheets scored on the rubric an entry is judged on now would no longer count: refused unless the
    organiser confirms and gives the reason."""
    if not category.pk:
        return None
    stored = Category.objects.select_related("rubric", "innovation_rubric").get(pk=category.pk)
    if (stored.rubric_id, stored.innovation_rubric_id) == (category.rubric_id, category.innovation_rubric_id):
        return None
    left_out = hooks.total(
        hooks.SHEETS_OFF_RUBRIC, category=stored, rubric=category.rubric, innovation_rubric=category.innovation_rubric
    )
    if not left_out:
        return None
    if not confirmed or not (reason or "").strip():
        raise ValidationError(
            ngettext(
                "%(count)s score sheet of this category's entries was scored on its current rubric: with the new "
                "one the results would leave it out. To switch anyway, tick the confirmation and give the reason.",
                "%(count)s score sheets of this category's entries were scored on its current rubric: with the new "
                "one the results would leave them out. To switch anyway, tick the confirmation and give the reason.",
                left_out,
            )
            % {"count": left_out}
        )

    def names(rubric, innovation_rubric):
        return {
            "rubric": rubric.name if rubric else "",
            "innovation_rubric": innovation_rubric.name if innovation_rubric else "",
        }

    return {
        "old": names(stored.rubric, stored.innovation_rubric),
        "new": {**names(category.rubric, category.innovation_rubric), "excluded_sheets": left_out},
    }


@transaction.atomic
def save_category(
    *, category: Category, grades: list[dict], by=None, reason: str = "", confirm_rubric_switch: bool = False
) -> Category:
    """Save a category and replace its grades (dicts with position, name, rule, value and optional floor).

    A change to its scoring or grade rules is recorded in the edition's audit (events.audit) with `by`. Switching
    the rubric of a category whose entries have sheets on it needs `confirm_rubric_switch` and a reason, and is
    recorded with the number of sheets it leaves out.
    """
    edition = category.edition
    for rubric in (category.rubric, category.innovation_rubric):
        if rubric is not None and rubric.edition_id != edition.pk:
            raise ValidationError(_("A category can only use rubrics of its own edition."))
    if category.innovation_rubric_id and category.kind != Category.Kind.QC:
        raise ValidationError(_("Only QC-group results have a separate rubric for innovation results."))
    others = Category.objects.filter(edition=edition).exclude(pk=category.pk)
    if others.filter(code=category.code).exists():
        raise ValidationError(_("Another category of this edition has the code “%(code)s”.") % {"code": category.code})
    if others.filter(name=category.name).exists():
        raise ValidationError(_("Another category of this edition is named “%(name)s”.") % {"name": category.name})
    if category.min_sheets < 1:
        raise ValidationError(_("The minimum number of sheets must be at least 1."))
    _check_grades(grades)
    switch = _rubric_switch(category, confirmed=confirm_rubric_switch, reason=reason)
    before = _scoring_rules(category)
    category.save()
    category.grade_rules.all().delete()
    GradeRule.objects.bulk_create(
        GradeRule(
            category=category,
            position=row["position"],
            name=row["name"].strip(),
            rule=row["rule"],
            value=Decimal(row["value"]),
            floor=row.get("floor"),
        )
        for row in grades
    )
    after = _scoring_rules(category)
    if after != before:
        if not (reason or "").strip() and hooks.any_true(hooks.CATEGORY_HAS_RESULTS, category=category):
            raise ValidationError(
                _("The results of this category are already computed: give the reason for changing its rules.")
            )
        audit.record(
            edition=edition,
            user=by,
            action=audit.Action.RULES_CHANGED,
            target=category.name,
            old=before,
            new=after,
            reason=reason,
        )
    if switch is not None:
        audit.record(
            edition=edition,
            user=by,
            action=audit.Action.RUBRIC_SWITCHED,
            target=category.name,
            old=switch["old"],
            new=switch["new"],
            reason=reason,
        )
    return category


@transaction.atomic
def delete_category(*, category: Category) -> None:
    if category.entries.exists():
        raise ValidationError(_("Entries were sent to this category: it cannot be deleted."))
    if category.venues.exists():
        raise ValidationError(_("Venues hear this category. Delete or move them first."))
    category.delete()


# --- venues and panels -----------------------------------------------------------------------------


def _overlaps(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _conflicts(*, venue: Venue, judge_ids) -> list[PanelMember]:
    """Seats the judges hold on other venues whose sessions overlap this venue's."""
    span = venue.time_span()
    if span is None or not judge_ids:
        return []
    seats = (
        PanelMember.objects.filter(judge_id__in=judge_ids, venue__date=venue.date)
        .exclude(venue_id=venue.pk)
        .select_related("venue", "judge")
    )
    return [seat for seat in seats if (other := seat.venue.time_span()) is not None and _overlaps(span, other)]


def busy_judges(*, venue: Venue) -> dict[int, list[str]]:
    """Judges who sit on another venue at this venue's time: judge id -> the other venues' names."""
    span = venue.time_span()
    if span is None:
        return {}
    busy: dict[int, list[str]] = {}
    seats = PanelMember.objects.filter(venue__date=venue.date).exclude(venue_id=venue.pk).select_related("venue")
    for seat in seats:
        other = seat.venue.time_span()
        if other is not None and _overlaps(span, other):
            busy.setdefault(seat.judge_id, []).append(seat.venue.name)
    return busy


def _raise_conflicts(conflicts: list[PanelMember]) -> None:
    if conflicts:
        raise ValidationError(
            [
                _("%(judge)s already sits on %(venue)s at the same time.")
                % {"judge": seat.judge.get_full_name(), "venue": seat.venue.name}
                for seat in conflicts
            ]
        )


@transaction.atomic
def save_venue(*, venue: Venue) -> Venue:
    """Save a venue; its judges must still be free at its (new) time."""
    if venue.category.edition_id != venue.edition_id:
        raise ValidationError(_("The category belongs to another edition."))
    if venue.end_time and venue.start_time and venue.end_time <= venue.start_time:
        raise ValidationError(_("The venue must end after it starts."))
    if Venue.objects.filter(edition=venue.edition, name=venue.name).exclude(pk=venue.pk).exists():
        raise ValidationError(_("This edition already has a venue named “%(name)s”.") % {"name": venue.name})
    if venue.pk:
        stored_category = Venue.objects.filter(pk=venue.pk).values_list("category_id", flat=True).first()
        if stored_category != venue.category_id and venue.entries.exists():
            raise ValidationError(_("Entries are assigned to this venue: its category cannot change."))
        _raise_conflicts(_conflicts(venue=venue, judge_ids=list(venue.panel.values_list("judge_id", flat=True))))
    venue.save()
    return venue


@transaction.atomic
def set_panel(*, venue: Venue, judges, leader=None) -> Venue:
    """Make judges the venue's panel, with leader as its panel leader (评审组长)."""
    judges = list(judges)
    judge_ids = {judge.pk for judge in judges}
    if leader is not None and leader.pk not in judge_ids:
        raise ValidationError(_("The panel leader must be one of the panel's judges."))
    for judge in judges:
        if not (judge.is_active and judge.is_judge):
            raise ValidationError(_("%(name)s is not an active judge.") % {"name": judge.get_full_name()})
    check_pool(venue.edition.association, [judge for judge in judges if not venue.panel.filter(judge=judge).exists()])
    _raise_conflicts(_conflicts(venue=venue, judge_ids=judge_ids))
    leaving = venue.panel.exclude(judge_id__in=judge_ids)
    scored = hooks.union(
        hooks.JUDGES_WITH_SHEETS, venue=venue, judge_ids=list(leaving.values_list("judge_id", flat=True))
    )
    blocked = list(leaving.filter(judge_id__in=scored).select_related("judge"))
    if blocked:
        raise ValidationError(
            _("%(name)s has already submitted score sheets in this venue and stays on the panel.")
            % {"name": blocked[0].judge.get_full_name()}
        )
    leaving.delete()
    present = set(venue.panel.values_list("judge_id", flat=True))
    venue.panel.update(is_leader=False)
    PanelMember.objects.bulk_create(
        PanelMember(venue=venue, judge=judge) for judge in judges if judge.pk not in present
    )
    if leader is not None:
        venue.panel.filter(judge=leader).update(is_leader=True)
    return venue


@transaction.atomic
def delete_venue(*, venue: Venue) -> None:
    if venue.entries.exists():
        raise ValidationError(_("Entries are assigned to this venue: move them to another venue first."))
    venue.delete()


# --- copying an edition ----------------------------------------------------------------------------


def _shift(value, years: int):
    """The same day (and time) years later; 29 February becomes 28 February."""
    if value is None:
        return None
    try:
        return value.replace(year=value.year + years)
    except ValueError:
        return value.replace(year=value.year + years, day=28)


def _same_minute(a, b) -> bool:
    """Whether a date or time posted back by a form (to the minute) is the stored one."""
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)
    return a == b


def _shift_venues(*, edition: Edition, years: int) -> None:
    venues = list(edition.venues.exclude(date=None))
    for venue in venues:
        venue.date = _shift(venue.date, years)
    Venue.objects.bulk_update(venues, ["date"])


@transaction.atomic
def copy_edition(*, edition: Edition, by, name: str, year: int, number: int, include_panels: bool = False) -> Edition:
    """Start a new edition from this one's configuration: rubrics, categories, grades, venues, and optionally
    the panels. Entries, score sheets and results stay behind. Dates move by the difference in years."""
    years = year - edition.year
    new = Edition(
        association=edition.association,
        name=name,
        number=number,
        year=year,
        city=edition.city,
        starts_on=_shift(edition.starts_on, years),
        ends_on=_shift(edition.ends_on, years),
        hosts=edition.hosts,
        notice="",
        submissions_open_at=_shift(edition.submissions_open_at, years),
        submission_deadline=_shift(edition.submission_deadline, years),
        status=Status.DRAFT,
        copied_from=edition,
    )
    _check_edition_dates(new)
    new.save()
    new.organisers.set({*edition.organisers.filter(association_roles__association=edition.association), by})

    rubrics = {
        rubric.pk: clone_rubric(rubric=rubric, edition=new, name=rubric.name)
        for rubric in edition.rubrics.prefetch_related("criteria")
    }
    categories = {}
    for category in edition.categories.prefetch_related("grade_rules"):
        old_pk = category.pk
        grades = list(category.grade_rules.all())
        category.pk = None
        category.edition = new
        category.rubric = rubrics.get(category.rubric_id)
        category.innovation_rubric = rubrics.get(category.innovation_rubric_id)
        category.save(force_insert=True)
        categories[old_pk] = category
        GradeRule.objects.bulk_create(
            GradeRule(category=category, position=g.position, name=g.name, rule=g.rule, value=g.value, floor=g.floor)
            for g in grades
        )
    for venue in edition.venues.prefetch_related("panel__judge"):
        seats = list(venue.panel.all())
        copy = Venue(
            edition=new,
            category=categories[venue.category_id],
            name=venue.name,
            room=venue.room,
            date=_shift(venue.date, years),
            start_time=venue.start_time,
            end_time=venue.end_time,
            planned_entries=venue.planned_entries,
            minutes_per_entry=venue.minutes_per_entry,
            minutes_for_comments=venue.minutes_for_comments,
            topic_type=venue.topic_type,
        )
        copy.save()
        if include_panels and seats:
            leader = next((seat.judge for seat in seats if seat.is_leader), None)
            set_panel(venue=copy, judges=[seat.judge for seat in seats if seat.judge.is_active], leader=leader)
    return new


# --- the status machine ----------------------------------------------------------------------------


def missing_for(*, edition: Edition, to: str) -> list[str]:
    """What stops the edition from moving to status `to`, as sentences for the organiser; empty when nothing."""
    missing = []
    categories = list(edition.categories.select_related("rubric", "innovation_rubric"))
    if to == Status.OPEN:
        if not categories:
            missing.append(_("Add at least one category."))
        missing += [
            _("Choose a rubric for the category “%(name)s”.") % {"name": c.name} for c in categories if not c.rubric_id
        ]
        if not (edition.submissions_open_at and edition.submission_deadline):
            missing.append(_("Set when submissions open and the submission deadline."))
        elif edition.submission_deadline <= timezone.now():
            missing.append(
                _("The submission deadline (%(deadline)s) has passed: set a deadline in the future.")
                % {"deadline": date_format(timezone.localtime(edition.submission_deadline), "Y-m-d H:i")}
            )
    elif to == Status.JUDGING:
        missing += [
            _("Choose a rubric for the category “%(name)s”.") % {"name": c.name} for c in categories if not c.rubric_id
        ]
        venues = list(edition.venues.prefetch_related("panel"))
        with_venue = {venue.category_id for venue in venues}
        if not venues:
            missing.append(_("Add the venues (分会场) and their panels."))
        missing += [
            _("Add a venue for the category “%(name)s”.") % {"name": c.name}
            for c in categories
            if c.pk not in with_venue
        ]
        minimum = {c.pk: c.min_sheets for c in categories}
        for venue in venues:
            seats = list(venue.panel.all())
            if len(seats) < minimum.get(venue.category_id, 1):
                missing.append(
                    _("The panel of %(venue)s needs at least %(count)s judges.")
                    % {"venue": venue.name, "count": minimum.get(venue.category_id, 1)}
                )
            if not any(seat.is_leader for seat in seats):
                missing.append(_("Choose the panel leader of %(venue)s.") % {"venue": venue.name})
    return missing


def next_statuses(edition: Edition) -> list[str]:
    return list(TRANSITIONS[Status(edition.status)])


@transaction.atomic
def change_status(*, edition: Edition, to: str, by) -> Edition:
    """Move the edition to status `to` after checking that it is ready. Changing to the current status does
    nothing. "Results published" is not reached here: only results.publication.publish_results sets it, through
    record_published, after its own checks."""
    if not organises(by, edition):
        raise PermissionDenied
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if to not in Status.values:
        raise ValidationError(_("Unknown status."))
    if edition.status == to:
        return edition
    if to not in TRANSITIONS[Status(edition.status)]:
        raise ValidationError(
            _("An edition cannot go from “%(from)s” to “%(to)s”.")
            % {"from": edition.get_status_display(), "to": Status(to).label}
        )
    missing = missing_for(edition=edition, to=to)
    if missing:
        raise ValidationError(missing)
    EditionStatusChange.objects.create(edition=edition, from_status=edition.status, to_status=to, by=by)
    edition.status = to
    edition.save(update_fields=["status"])
    return edition


def record_published(*, edition: Edition, by) -> None:
    """Mark a judged edition published. Called by results.publication only, inside the publication's transaction,
    after it has checked the venues, the sheets and the results and created the Publication."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if edition.status == Status.PUBLISHED:
        return
    if edition.status != Status.JUDGING:
        raise ValidationError(
            _("An edition cannot go from “%(from)s” to “%(to)s”.")
            % {"from": edition.get_status_display(), "to": Status.PUBLISHED.label}
        )
    EditionStatusChange.objects.create(edition=edition, from_status=edition.status, to_status=Status.PUBLISHED, by=by)
    edition.status = Status.PUBLISHED
    edition.save(update_fields=["status"])
