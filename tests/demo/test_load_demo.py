from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from demo import provincial
from demo.guard import real_data
from demo.management.commands.load_demo import DEMO_PASSWORD, EDITION_NAME
from events.models import Association, AssociationMember, Category, Edition, PanelMember, Venue
from portal.models import User
from results.models import Publication, PublishedResult
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
        ("admin@demo.qc", "organiser"),
        ("organiser@demo.qc", "organiser"),
        ("zj-organiser@demo.qc", "organiser"),
        ("clerk@demo.qc", "enterprise"),
        ("recommender@demo.qc", "recommender"),
        ("judge1@demo.qc", "judge"),
    ],
)
def test_demo_accounts_log_in_with_the_printed_password(email, role):
    load()
    user = authenticate(username=email, password=DEMO_PASSWORD)
    assert user is not None and user.role == role


def test_load_demo_makes_two_associations_that_see_only_their_own_editions():
    output = load()
    cmqa, zhejiang = Association.objects.get(slug="cmqa"), Association.objects.get(slug="zhejiang")
    assert [(m.user.email, m.role) for m in AssociationMember.objects.filter(association=cmqa)] == [
        ("organiser@demo.qc", AssociationMember.Role.ADMINISTRATOR)
    ]
    assert [(m.user.email, m.role) for m in AssociationMember.objects.filter(association=zhejiang)] == [
        ("zj-organiser@demo.qc", AssociationMember.Role.ADMINISTRATOR)
    ]
    organiser, zj = User.objects.get(email="organiser@demo.qc"), User.objects.get(email="zj-organiser@demo.qc")
    assert (organiser.is_superuser, zj.is_superuser, User.objects.get(email="admin@demo.qc").is_superuser) == (
        False,
        False,
        True,
    )
    assert list(Edition.objects.organised_by(organiser).values_list("name", flat=True)) == [EDITION_NAME]
    assert list(Edition.objects.organised_by(zj).values_list("name", flat=True)) == [provincial.EDITION_NAME]
    both = set(cmqa.judges.values_list("email", flat=True)) & set(zhejiang.judges.values_list("email", flat=True))
    assert both == {"judge1@demo.qc"}
    for email in ("admin@demo.qc", "organiser@demo.qc", "zj-organiser@demo.qc"):
        assert email in output


def test_the_provincial_exchange_is_published_with_its_four_results():
    load()
    edition = Edition.objects.get(name=provincial.EDITION_NAME)
    assert (edition.association.slug, edition.status) == ("zhejiang", Edition.Status.PUBLISHED)
    assert list(edition.categories.values_list("code", flat=True)) == ["QC"]
    assert list(edition.venues.values_list("name", flat=True)) == ["第1分会场"]
    publication = Publication.objects.get(edition=edition)
    ranked = PublishedResult.objects.filter(publication=publication).order_by("rank")
    assert [(r.title, r.rank) for r in ranked] == [
        (title, n) for n, (_e, title, _g, _s) in enumerate(provincial.ENTRIES, 1)
    ]
    assert [r.grade for r in ranked] == ["标杆", "标杆", "", ""]  # the standard share: half of four
