from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser

from events.rules import edition_id_of, organises
from tests import factories


def test_organises_an_edition_and_what_belongs_to_it(edition, organiser):
    category = factories.CategoryFactory(edition=edition)
    entry = factories.EntryFactory(category=category)
    stored = factories.EntryFileFactory(entry=entry)
    for obj in (edition, category, entry, stored):
        assert organises(organiser, obj) is True


def test_organises_refuses_an_organiser_of_another_edition(edition, other_organiser):
    entry = factories.EntryFactory(category=factories.CategoryFactory(edition=edition))
    assert organises(other_organiser, edition) is False
    assert organises(other_organiser, entry) is False


def test_organises_refuses_an_object_without_an_edition_even_to_a_superuser(edition):
    admin = factories.UserFactory(is_superuser=True)
    # An object whose pk happens to be an edition's id is not that edition.
    assert organises(admin, SimpleNamespace(pk=edition.pk)) is False
    assert organises(admin, None) is False
    assert organises(admin, edition) is True


def test_organises_refuses_a_judge_and_anonymous(edition):
    assert organises(factories.JudgeFactory(), edition) is False
    assert organises(AnonymousUser(), edition) is False


def test_edition_id_of_reads_an_edition_an_edition_id_or_an_entry(edition):
    entry = factories.EntryFactory(category=factories.CategoryFactory(edition=edition))
    assert edition_id_of(edition) == edition.pk
    assert edition_id_of(entry) == edition.pk
    assert edition_id_of(SimpleNamespace(entry=entry)) == edition.pk
    assert edition_id_of(SimpleNamespace(pk=edition.pk)) is None
