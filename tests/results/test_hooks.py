"""The results' answers to events.hooks: an entry's published outcome (ENTRY_OUTCOMES)."""

from decimal import Decimal

from events import hooks
from events.models import Edition
from tests import factories, scenarios


def test_an_outcome_is_the_newest_publication_s_row(db):
    edition, first = scenarios.published_edition()
    row = scenarios.published_row(first, final_score="80.00", rank=2, grade="优秀", protocol={"scope": "category"})
    second = factories.PublicationFactory(edition=edition, version=2)
    scenarios.published_row(second, entry=row.entry, final_score="84.17", rank=1, grade="标杆")
    outcome = hooks.merged(hooks.ENTRY_OUTCOMES, entry_ids=[row.entry_id])[row.entry_id]
    assert (outcome["final_score"], outcome["rank"], outcome["grade"], outcome["version"]) == (
        Decimal("84.17"),
        1,
        "标杆",
        2,
    )


def test_there_is_no_outcome_while_the_edition_is_not_published(db):
    _edition, publication = scenarios.published_edition(status=Edition.Status.JUDGING)
    row = scenarios.published_row(publication)
    assert hooks.merged(hooks.ENTRY_OUTCOMES, entry_ids=[row.entry_id]) == {}


def test_a_category_ranking_names_the_category(db):
    _edition, publication = scenarios.published_edition()
    row = scenarios.published_row(publication, protocol={"scope": "category", "scope_ranked": 12})
    outcome = hooks.merged(hooks.ENTRY_OUTCOMES, entry_ids=[row.entry_id])[row.entry_id]
    assert (outcome["rank_scope"], outcome["scope_name"], outcome["scope_ranked"]) == (
        "category",
        row.category.name,
        12,
    )
