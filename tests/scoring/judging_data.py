"""Builders for the judging tests: a venue with its panel and entries, and score values."""

from dataclasses import dataclass
from decimal import Decimal
from itertools import count

from events.models import Edition
from submissions.models import Entry
from tests import factories

_codes = count(1)


@dataclass
class Judged:
    edition: object
    category: object
    venue: object
    judges: list
    leader: object
    entries: list
    organiser: object

    @property
    def criteria(self):
        return list(self.category.rubric.criteria.order_by("position"))


def entry_for(venue, *, running_order=None, **kwargs):
    kwargs.setdefault("code", f"QC-2021-{next(_codes):04d}")
    kwargs.setdefault("status", Entry.Status.ACCEPTED)
    return factories.EntryFactory(
        category=venue.category, edition=venue.edition, venue=venue, running_order=running_order, **kwargs
    )


def judged_venue(*, judges=3, entries=2, category=None, **venue_kwargs) -> Judged:
    """A venue of a QC category with a panel (the first judge leads it) and entries in running order."""
    if category is None:
        edition = factories.EditionFactory(status=Edition.Status.JUDGING)
        category = factories.CategoryFactory(edition=edition)
    edition = category.edition
    venue = factories.VenueFactory(category=category, **venue_kwargs)
    panel = [factories.PanelMemberFactory(venue=venue, is_leader=i == 0).judge for i in range(judges)]
    made = [entry_for(venue, running_order=i + 1) for i in range(entries)]
    organiser = factories.OrganiserFactory()
    edition.organisers.add(organiser)
    return Judged(edition, category, venue, panel, panel[0] if panel else None, made, organiser)


# 选题 15, 原因分析 30, 对策与实施 20, 效果 20, 成果报告 5, 特点 10
FULL = ["12.5", "25", "17", "16", "4", "8"]  # total 82.5


def raw(criteria, values):
    """The typed points of a sheet: {criterion id: text}."""
    return {criterion.pk: value for criterion, value in zip(criteria, values, strict=True)}


def values_for_total(total: str):
    """Valid points adding up to ``total`` (at most 100), filling the criteria in order."""
    left = Decimal(total)
    out = []
    for maximum in (15, 30, 20, 20, 5, 10):
        give = min(Decimal(maximum), left)
        out.append(str(give))
        left -= give
    return out
