"""The plenary (大会交流): organisers choose entries from the results; the public edition page lists them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from results import plenary
from results.models import PlenaryEntry
from tests import factories

pytestmark = pytest.mark.django_db


def test_choose_plenary_keeps_the_entries_in_the_order_of_the_results(computed_edition, organiser):
    first, second = computed_edition["entries"]

    plenary.choose_plenary(edition=computed_edition["edition"], entry_ids=[str(second.pk), str(first.pk)], by=organiser)

    assert list(PlenaryEntry.objects.values_list("entry_id", "position", "chosen_by")) == [
        (first.pk, 1, organiser.pk),
        (second.pk, 2, organiser.pk),
    ]


def test_choose_plenary_replaces_the_earlier_choice(computed_edition, organiser):
    first, second = computed_edition["entries"]
    plenary.choose_plenary(edition=computed_edition["edition"], entry_ids=[first.pk, second.pk], by=organiser)

    plenary.choose_plenary(edition=computed_edition["edition"], entry_ids=[second.pk], by=organiser)

    assert list(PlenaryEntry.objects.values_list("entry_id", "position")) == [(second.pk, 1)]


def test_choose_plenary_refuses_an_entry_without_a_result_of_this_edition(computed_edition, organiser):
    first = computed_edition["entries"][0]
    other = factories.EntryFactory()
    plenary.choose_plenary(edition=computed_edition["edition"], entry_ids=[first.pk], by=organiser)

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        plenary.choose_plenary(edition=computed_edition["edition"], entry_ids=[first.pk, other.pk], by=organiser)

    assert excinfo.value.messages == [
        "Only entries with a computed result of this edition can be chosen for the plenary."
    ]
    assert list(PlenaryEntry.objects.values_list("entry_id", flat=True)) == [first.pk]


def test_the_plenary_page_lists_the_results_with_the_chosen_ones_ticked(client_for, computed_edition, organiser):
    first, second = computed_edition["entries"]
    factories.PlenaryEntryFactory(entry=second, position=1)

    response = client_for(organiser).get(reverse("results:plenary", args=[computed_edition["edition"].pk]))

    assert [result.entry_id for result in response.context["results"]] == [first.pk, second.pk]
    assert response.context["chosen"] == {second.pk}
    assert f'value="{second.pk}" id="plenary-{second.pk}" checked' in response.content.decode()


def test_the_plenary_page_saves_the_ticked_entries(client_for, computed_edition, organiser):
    first, second = computed_edition["entries"]

    response = client_for(organiser).post(
        reverse("results:plenary", args=[computed_edition["edition"].pk]), {"entry": [str(first.pk)]}
    )

    assert response["Location"] == reverse("results:plenary", args=[computed_edition["edition"].pk])
    assert list(PlenaryEntry.objects.values_list("entry_id", flat=True)) == [first.pk]


def test_the_plenary_page_refuses_a_bad_entry_and_keeps_the_choice(client_for, computed_edition, organiser):
    first = computed_edition["entries"][0]
    factories.PlenaryEntryFactory(entry=first, position=1)

    response = client_for(organiser).post(
        reverse("results:plenary", args=[computed_edition["edition"].pk]), {"entry": ["x"]}
    )

    assert response.status_code == 200
    assert list(PlenaryEntry.objects.values_list("entry_id", flat=True)) == [first.pk]


def test_the_plenary_page_refuses_an_organiser_of_another_edition(client_for, computed_edition):
    other = factories.OrganiserFactory()
    factories.EditionFactory().organisers.add(other)

    response = client_for(other).post(
        reverse("results:plenary", args=[computed_edition["edition"].pk]),
        {"entry": [str(computed_edition["entries"][0].pk)]},
    )

    assert response.status_code == 403
    assert PlenaryEntry.objects.count() == 0


def test_the_plenary_page_makes_a_fixed_number_of_queries(client_for, organiser, django_assert_num_queries):
    category = factories.CategoryFactory()
    category.edition.organisers.add(organiser)
    client = client_for(organiser)

    def page_with(count):
        for _n in range(count):
            entry = factories.EntryFactory(category=category)
            factories.ResultFactory(entry=entry, category=category)
            factories.PlenaryEntryFactory(entry=entry, position=entry.pk)
        # session, user, edition, its organisers, the chosen entries, the results
        with django_assert_num_queries(6) as queries:
            response = client.get(reverse("results:plenary", args=[category.edition_id]))
        assert len(response.context["chosen"]) == PlenaryEntry.objects.count()
        return len(queries.captured_queries)

    assert page_with(2) == page_with(20)
