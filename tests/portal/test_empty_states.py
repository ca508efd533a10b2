"""A list that can be empty says so, with what to do, instead of showing nothing."""

import pytest
from django.urls import reverse

from tests import factories, scenarios

pytestmark = pytest.mark.django_db


def test_an_edition_nobody_organises_says_how_to_add_a_colleague(client):
    staff = factories.OrganiserFactory(is_superuser=True)
    edition = factories.EditionFactory()
    client.force_login(staff)
    body = client.get(reverse("events:team", args=[edition.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="no-organisers"' in body
    assert "Nobody organises this edition yet: add a colleague with the organiser role below." in body


def test_results_of_an_edition_without_categories_say_what_is_missing(client, organiser):
    edition = factories.EditionFactory()
    edition.organisers.add(organiser)
    client.force_login(organiser)
    body = client.get(reverse("results:dashboard", args=[edition.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="no-result-categories"' in body


def test_an_enterprise_without_users_says_so_on_its_review_page(client):
    enterprise = factories.EnterpriseFactory()
    client.force_login(factories.OrganiserFactory(is_superuser=True))
    body = client.get(reverse("submissions:enterprise_review", args=[enterprise.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert body.status_code == 200
    assert "No user yet." in body.content.decode()


def test_a_sheet_without_points_says_so(client):
    judged = scenarios.judged_venue(judges=1, entries=1)
    sheet = factories.ScoreSheetFactory(entry=judged.entries[0], judge=judged.judges[0])
    client.force_login(judged.organiser)
    body = client.get(reverse("scoring:sheet_detail", args=[sheet.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="no-points"' in body and "No points on this sheet yet." in body


def test_an_entry_without_history_says_so(client, enterprise_a, user_a):
    entry = factories.EntryFactory(enterprise=enterprise_a)
    client.force_login(user_a)
    body = client.get(reverse("submissions:entry_detail", args=[entry.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="no-history"' in body


def test_a_printed_schedule_of_an_empty_venue_says_so(client):
    judged = scenarios.judged_venue(judges=1, entries=0)
    client.force_login(judged.organiser)
    url = reverse("scoring:schedule", args=[judged.venue.pk]) + "?print=1"
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="no-slots"' in body and "No entries have been assigned to this venue yet." in body
