"""The administration's pages of the enterprises' join requests and users trail: read only, no password hash."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = factories.OrganiserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_join_requests_are_listed_without_their_password_hash(staff, enterprise_a):
    request = factories.JoinRequestFactory(enterprise=enterprise_a, email="asks@a.example")
    listing = staff.get(reverse("admin:submissions_joinrequest_changelist"))
    page = staff.get(reverse("admin:submissions_joinrequest_change", args=[request.pk]))
    assert (listing.status_code, page.status_code) == (200, 200)
    assert "asks@a.example" in listing.content.decode()
    assert request.password not in listing.content.decode() + page.content.decode()
    assert staff.get(reverse("admin:submissions_joinrequest_add")).status_code == 403


def test_the_users_trail_cannot_be_changed_or_deleted(staff, enterprise_a):
    event = factories.PeopleEventFactory(enterprise=enterprise_a, email="trail@a.example")
    assert "trail@a.example" in staff.get(reverse("admin:submissions_peopleevent_changelist")).content.decode()
    assert (
        staff.post(reverse("admin:submissions_peopleevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    )
    assert staff.get(reverse("admin:submissions_peopleevent_add")).status_code == 403
