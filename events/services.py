"""Domain functions for editions, categories, rubrics, venues and panels."""

from decimal import Decimal

from django.db import transaction

from events.builtins import RUBRIC_TEMPLATES
from events.models import Criterion, Rubric


@transaction.atomic
def create_rubric_from_template(*, edition, key: str, name: str | None = None) -> Rubric:
    """Copy a built-in rubric template into an edition, where the organiser can edit it."""
    template = RUBRIC_TEMPLATES[key]
    criteria = template["criteria"]
    rubric = Rubric.objects.create(
        edition=edition,
        name=name or template["name"],
        kind=template["kind"],
        standard=template["standard"],
        total=sum((Decimal(maximum) for _n, maximum, _t in criteria), Decimal("0")),
    )
    Criterion.objects.bulk_create(
        Criterion(rubric=rubric, position=position, name=crit, max_points=Decimal(maximum), breaks_ties=ties)
        for position, (crit, maximum, ties) in enumerate(criteria, start=1)
    )
    return rubric
