import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from portal.models import User
from submissions import memberships
from submissions.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


def test_create_user_with_an_enterprise_makes_its_membership():
    enterprise = factories.EnterpriseFactory()
    user = memberships.create_user(
        email="Clerk@Example.com",
        password="correct-horse-battery",
        full_name="孙质量",
        role=User.Role.ENTERPRISE,
        enterprise=enterprise,
        is_administrator=True,
    )
    membership = Membership.objects.get(user=user)
    assert (user.email, membership.enterprise, membership.recommending_unit, membership.is_administrator) == (
        "clerk@example.com",
        enterprise,
        None,
        True,
    )
    assert user.check_password("correct-horse-battery")


def test_create_user_without_an_organisation_makes_no_membership():
    user = memberships.create_user(email="organiser@example.com", full_name="王", role=User.Role.ORGANISER)
    assert Membership.objects.filter(user=user).count() == 0
    assert (memberships.enterprise_of(user), memberships.recommending_unit_of(user)) == (None, None)


def test_enterprise_of_reads_the_membership_once(django_assert_num_queries):
    enterprise = factories.EnterpriseFactory()
    clerk = User.objects.get(pk=factories.EnterpriseUserFactory(enterprise=enterprise).pk)
    with django_assert_num_queries(1):
        assert memberships.enterprise_of(clerk) == enterprise
        assert memberships.enterprise_id_of(clerk) == enterprise.pk
        assert memberships.recommending_unit_id_of(clerk) is None


def test_a_user_without_membership_is_read_once(django_assert_num_queries):
    judge = User.objects.get(pk=factories.JudgeFactory().pk)
    with django_assert_num_queries(1):
        assert memberships.enterprise_of(judge) is None
        assert memberships.enterprise_of(judge) is None


def test_an_anonymous_user_belongs_to_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert memberships.membership_of(AnonymousUser()) is None


def test_recommender_factory_gives_the_unit():
    unit = factories.RecommendingUnitFactory()
    recommender = factories.RecommenderFactory(recommending_unit=unit)
    assert (memberships.recommending_unit_of(recommender), memberships.enterprise_of(recommender)) == (unit, None)


def test_set_membership_replaces_and_removes_the_organisation():
    judge = factories.JudgeFactory(enterprise=factories.EnterpriseFactory())
    other = factories.EnterpriseFactory()
    memberships.set_membership(judge, enterprise=other)
    assert memberships.enterprise_of(judge) == other
    memberships.set_membership(judge)
    assert (memberships.enterprise_of(judge), Membership.objects.filter(user=judge).count()) == (None, 0)


@pytest.mark.parametrize("both", [True, False])
def test_a_membership_belongs_to_exactly_one_enterprise_or_unit(both):
    user = factories.JudgeFactory()
    organisations = (
        {"enterprise": factories.EnterpriseFactory(), "recommending_unit": factories.RecommendingUnitFactory()}
        if both
        else {}
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, **organisations)


def test_an_enterprise_user_without_a_membership_has_no_enterprise_rights():
    clerk = factories.UserFactory(role=User.Role.ENTERPRISE)
    assert (clerk.has_perm("submissions.view_dashboard"), clerk.has_perm("submissions.create_entry")) == (False, False)
