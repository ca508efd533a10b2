"""Domain functions for rubrics (评审表): built-in templates, saving with their criteria, copying, deleting."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from events import hooks
from events.builtins import RUBRIC_TEMPLATES
from events.models import POINTS_STEP, Criterion, Edition, Rubric


@transaction.atomic
def create_rubric_from_template(*, edition, key: str, name: str | None = None) -> Rubric:
    """Copy a built-in rubric template into an edition, where the organiser can edit it."""
    if key not in RUBRIC_TEMPLATES:
        raise ValidationError(_("There is no built-in rubric template “%(key)s”.") % {"key": key})
    template = RUBRIC_TEMPLATES[key]
    name = name or template["name"]
    if edition.rubrics.filter(name=name).exists():
        raise ValidationError(
            _("This edition already has a rubric named “%(name)s”. Rename it first or edit it.") % {"name": name}
        )
    return create_rubric(
        edition=edition,
        name=name,
        kind=template["kind"],
        standard=template["standard"],
        criteria=template["criteria"],
        guidance=template["guidance"],
    )


@transaction.atomic
def create_rubric(*, edition, name: str, kind: str, criteria, standard: str = "", guidance=None) -> Rubric:
    """A rubric from (criterion, maximum, breaks ties) triples, in order; its total is their sum. `guidance`
    (criterion name -> text) becomes the criteria's descriptions, which judges read beside the score box."""
    guidance = guidance or {}
    rubric = Rubric.objects.create(
        edition=edition,
        name=name,
        kind=kind,
        standard=standard,
        total=sum((Decimal(maximum) for _n, maximum, _t in criteria), Decimal("0")),
    )
    Criterion.objects.bulk_create(
        Criterion(
            rubric=rubric,
            position=position,
            name=crit,
            description=guidance.get(crit, ""),
            max_points=Decimal(maximum),
            breaks_ties=ties,
        )
        for position, (crit, maximum, ties) in enumerate(criteria, start=1)
    )
    return rubric


def _criteria_signature(rows) -> list[tuple]:
    return sorted((row["position"], row["name"], Decimal(row["max_points"]), bool(row["breaks_ties"])) for row in rows)


def _check_criteria(*, total: Decimal, criteria: list[dict]) -> None:
    if not criteria:
        raise ValidationError(_("A rubric needs at least one criterion."))
    names = [row["name"].strip() for row in criteria]
    if len(set(names)) != len(names):
        raise ValidationError(_("Two criteria have the same name."))
    positions = [row["position"] for row in criteria]
    if len(set(positions)) != len(positions):
        raise ValidationError(_("Two criteria have the same position."))
    for row in criteria:
        if Decimal(row["max_points"]) <= 0:
            raise ValidationError(_("The maximum of “%(name)s” must be more than 0.") % {"name": row["name"]})
    maxima = sum((Decimal(row["max_points"]) for row in criteria), Decimal("0"))
    if maxima != Decimal(total):
        raise ValidationError(
            _("The maxima of the criteria add up to %(sum)s, but the rubric's total is %(total)s.")
            % {"sum": maxima.quantize(POINTS_STEP), "total": Decimal(total).quantize(POINTS_STEP)}
        )


@transaction.atomic
def save_rubric(*, rubric: Rubric, criteria: list[dict]) -> Rubric:
    """Save a rubric and replace its criteria.

    criteria: dicts with position, name, description, max_points, breaks_ties and, for an existing criterion,
    its id. The maxima must add up to the rubric's total. A rubric with a submitted score sheet keeps its
    criteria and total: only its name, standard and descriptions can change.
    """
    _check_criteria(total=rubric.total, criteria=criteria)
    existing = {criterion.pk: criterion for criterion in rubric.criteria.all()} if rubric.pk else {}
    unknown = {row["id"] for row in criteria if row.get("id")} - set(existing)
    if unknown:
        raise ValidationError(_("A criterion does not belong to this rubric."))
    if rubric.pk:
        stored = Rubric.objects.select_for_update().get(pk=rubric.pk)
        kept_ids = sorted(row["id"] for row in criteria if row.get("id"))
        unchanged = (
            stored.total == Decimal(rubric.total)
            and kept_ids == sorted(existing)
            and _criteria_signature(criteria)
            == _criteria_signature(
                {"position": c.position, "name": c.name, "max_points": c.max_points, "breaks_ties": c.breaks_ties}
                for c in existing.values()
            )
        )
        if not unchanged and stored.is_locked:
            raise ValidationError(
                _(
                    "Judges have already submitted score sheets on this rubric: its criteria and total can no "
                    "longer change. Copy it to a new rubric instead."
                )
            )
    if Rubric.objects.filter(edition=rubric.edition, name=rubric.name).exclude(pk=rubric.pk).exists():
        raise ValidationError(_("This edition already has a rubric named “%(name)s”.") % {"name": rubric.name})
    rubric.save()

    kept = {row["id"] for row in criteria if row.get("id")}
    removed = [pk for pk in existing if pk not in kept]
    if removed:
        # Draft scores on a removed criterion go with it; submitted ones cannot exist (the rubric is not locked).
        hooks.notify(hooks.CRITERIA_REMOVED, rubric=rubric, criterion_ids=removed)
        Criterion.objects.filter(pk__in=removed).delete()
    # Move the kept criteria out of the way first, so that swapping two positions or names never collides.
    for n, pk in enumerate(sorted(kept)):
        Criterion.objects.filter(pk=pk).update(position=30000 + n, name=f"__moving_{pk}__")
    for row in criteria:
        values = {
            "position": row["position"],
            "name": row["name"].strip(),
            "description": row.get("description", ""),
            "max_points": Decimal(row["max_points"]),
            "breaks_ties": bool(row["breaks_ties"]),
        }
        if row.get("id"):
            Criterion.objects.filter(pk=row["id"]).update(**values)
        else:
            Criterion.objects.create(rubric=rubric, **values)
    return rubric


@transaction.atomic
def copy_rubric(*, rubric: Rubric, name: str) -> Rubric:
    """A new, editable rubric with the same criteria (e.g. to change a rubric that is already in use)."""
    if rubric.edition.rubrics.filter(name=name).exists():
        raise ValidationError(_("This edition already has a rubric named “%(name)s”.") % {"name": name})
    return clone_rubric(rubric=rubric, edition=rubric.edition, name=name)


def clone_rubric(*, rubric: Rubric, edition: Edition, name: str) -> Rubric:
    clone = Rubric.objects.create(
        edition=edition,
        name=name,
        kind=rubric.kind,
        standard=rubric.standard,
        description=rubric.description,
        total=rubric.total,
    )
    Criterion.objects.bulk_create(
        Criterion(
            rubric=clone,
            position=c.position,
            name=c.name,
            description=c.description,
            max_points=c.max_points,
            breaks_ties=c.breaks_ties,
        )
        for c in rubric.criteria.all()
    )
    return clone


@transaction.atomic
def delete_rubric(*, rubric: Rubric) -> None:
    if rubric.categories.exists() or rubric.innovation_categories.exists():
        raise ValidationError(_("A category uses this rubric. Choose another rubric for the category first."))
    try:
        rubric.delete()
    except ProtectedError:
        raise ValidationError(_("Score sheets use this rubric: it cannot be deleted."))
