from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from demo.guard import real_data
from demo.management.commands.load_demo import DEMO_PASSWORD, EDITION_NAME
from events.models import Category, Edition, PanelMember, Venue
from portal.models import User
from submissions.memberships import enterprise_of
from submissions.models import Membership

pytestmark = pytest.mark.django_db


def load():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_builds_the_40th_exchange_with_ten_venues():
    output = load()
    edition = Edition.objects.get(name=EDITION_NAME)
    assert (edition.number, edition.year, edition.city) == (40, 2021, "杭州")
    assert list(Category.objects.filter(edition=edition).values_list("code", flat=True)) == ["QC", "XD", "PP"]
    venues = Venue.objects.filter(edition=edition)
    assert [venues.filter(category__code=code).count() for code in ("QC", "XD", "PP")] == [7, 2, 1]
    assert PanelMember.objects.filter(venue__edition=edition, is_leader=True).count() == 10
    qc = Category.objects.get(edition=edition, code="QC")
    assert [c.max_points for c in qc.rubric.criteria.all()] == [15, 30, 20, 20, 5, 10]
    assert [c.max_points for c in qc.innovation_rubric.criteria.all()] == [20, 30, 20, 15, 5, 10]
    assert "organiser@demo.qc" in output and DEMO_PASSWORD in output
    assert real_data() == ""  # so load_demo and seed_scale may run again


def test_the_demo_enterprise_has_an_administrator_and_a_plain_member():
    load()
    clerk = User.objects.get(email="clerk@demo.qc")
    enterprise = enterprise_of(clerk)
    assert sorted(Membership.objects.filter(enterprise=enterprise).values_list("user__email", "is_administrator")) == [
        ("clerk@demo.qc", True),
        ("member@demo.qc", False),
    ]
    assert authenticate(username="member@demo.qc", password=DEMO_PASSWORD) is not None


def test_load_demo_twice_is_harmless():
    load()
    counts = (Edition.objects.count(), Venue.objects.count(), PanelMember.objects.count())
    output = load()
    assert (Edition.objects.count(), Venue.objects.count(), PanelMember.objects.count()) == counts
    assert "already there" in output


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("organiser@demo.qc", "organiser"),
        ("clerk@demo.qc", "enterprise"),
        ("recommender@demo.qc", "recommender"),
        ("judge1@demo.qc", "judge"),
    ],
)
def test_demo_accounts_log_in_with_the_printed_password(email, role):
    load()
    user = authenticate(username=email, password=DEMO_PASSWORD)
    assert user is not None and user.role == role
