"""The demo writes only into a database of its own: what counts as real data, and the commands' refusal."""

import pytest
from django.core.management import CommandError, call_command

from demo.guard import real_data
from events.models import Edition
from submissions.models import Enterprise
from tests import factories

pytestmark = pytest.mark.django_db


def test_real_data_is_nothing_in_an_empty_database():
    assert real_data() == ""


def test_real_data_is_nothing_after_seed_scale():
    call_command("seed_scale", entries=60, venues=6, judges=5, enterprises=12)
    assert real_data() == ""


def test_real_data_names_an_account_outside_the_demo_domains():
    factories.UserFactory(email="admin@portal.example")
    factories.UserFactory(email="judge9@demo.qc")
    assert real_data() == "the account admin@portal.example"


def test_real_data_names_an_edition_no_demo_user_organises():
    edition = factories.EditionFactory(name="第四十二次交流活动", year=2023)
    edition.organisers.add(factories.UserFactory(email="organiser@demo.qc"))
    assert real_data() == ""
    factories.EditionFactory(name="第四十三次交流活动", year=2024)
    assert real_data() == "the edition 第四十三次交流活动 (2024)"


def test_real_data_names_an_enterprise_that_is_not_the_demos():
    factories.EnterpriseFactory(name="真实机械有限公司")
    assert real_data() == "the enterprise 真实机械有限公司"


def test_load_demo_refuses_a_database_with_real_data():
    factories.UserFactory(email="admin@portal.example")
    with pytest.raises(CommandError, match="load_demo writes demo data only into an empty database"):
        call_command("load_demo")
    assert not Edition.objects.exists()
    assert not Enterprise.objects.exists()
