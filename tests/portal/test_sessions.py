"""Sliding log-ins (portal/sessions.py): a session lasts SESSION_COOKIE_AGE after the last request."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_session_slides_while_the_user_works_and_ends_when_the_user_stops(
    client, user_a, password, settings, time_machine
):
    settings.SESSION_COOKIE_AGE = 3600
    time_machine.move_to(timezone.now(), tick=False)
    client.post(reverse("portal:login"), {"username": user_a.email, "password": password})
    profile = reverse("portal:profile")
    for _hour in range(3):  # three hours of work, a request every 50 minutes: still logged in
        time_machine.shift(3000)
        response = client.get(profile)
        assert response.status_code == 200
        assert response.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == 3600
    time_machine.shift(3601)  # an hour without a request
    assert client.get(profile).status_code == 302


def test_a_session_is_renewed_at_most_every_five_minutes(client, user_a, password, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    client.post(reverse("portal:login"), {"username": user_a.email, "password": password})
    time_machine.shift(299)
    assert django_settings.SESSION_COOKIE_NAME not in client.get(reverse("portal:profile")).cookies  # not written
    time_machine.shift(1)
    assert django_settings.SESSION_COOKIE_NAME in client.get(reverse("portal:profile")).cookies


def test_the_idle_hours_come_from_the_environment():
    assert (django_settings.SESSION_IDLE_HOURS, django_settings.SESSION_COOKIE_AGE) == (12, 12 * 3600)
