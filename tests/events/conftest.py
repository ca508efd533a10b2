import pytest
from django.utils import translation

from tests import factories


@pytest.fixture(autouse=True)
def english(client):
    """Messages are asserted against their English source: requests and services run in English here."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def edition(organiser):
    """An open edition organised by the `organiser` fixture, without categories."""
    edition = factories.EditionFactory(name="第40次质量管理小组成果交流活动", number=40, year=2021)
    edition.organisers.add(organiser)
    return edition


@pytest.fixture
def other_organiser(db):
    """An organiser of another edition, not of `edition`."""
    user = factories.OrganiserFactory(full_name="别的组织者")
    factories.EditionFactory(name="另一个活动").organisers.add(user)
    return user


@pytest.fixture
def category(edition):
    return factories.CategoryFactory(edition=edition, name="QC小组成果", code="QC")


@pytest.fixture
def venue(category):
    return factories.VenueFactory(category=category, name="第1分会场")
