"""Two associations on one installation, in a browser: the second association's organiser runs an edition of its
own and cannot open the first one's; the platform administrator creates an association with its first
administrator."""

import re

import pytest
from django.core import mail

from events.models import Association, AssociationMember, Edition
from portal.models import User
from tests import factories
from tests.conftest import log_in, nav_click


@pytest.mark.browser
def test_a_second_association_s_organiser_runs_its_own_edition_and_is_refused_the_first_one_s(page):
    first = factories.EditionFactory(name="第40次全国机械工业质量管理小组成果交流活动")
    first_venue = factories.VenueFactory(category=factories.CategoryFactory(edition=first))
    zhejiang = factories.AssociationFactory(name="浙江省质量协会", short_name="浙江质协", slug="zhejiang")
    organiser = factories.OrganiserFactory(
        full_name="钱浙江", association=zhejiang, association__role=AssociationMember.Role.ADMINISTRATOR
    )
    log_in(page, organiser)

    page.goto(f"{page.base_url}/events/")
    assert page.locator("#editions").count() == 0  # the first association's edition is not listed
    page.click("#new-edition")
    assert page.locator("select[name=association]").count() == 0  # one association: nothing to choose
    page.fill("input[name=name]", "2022年浙江省质量管理小组成果发表交流会")
    page.fill("input[name=number]", "2")
    page.fill("input[name=year]", "2022")
    page.fill("input[name=city]", "杭州")
    page.fill("input[name=starts_on]", "2022-11-17")
    page.fill("input[name=ends_on]", "2022-11-17")
    assert page.locator("input[name=categories]:checked").count() == 3  # the standard categories
    page.click("#edition-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/events/\d+/$"))

    edition = Edition.objects.get(name="2022年浙江省质量管理小组成果发表交流会")
    assert edition.association == zhejiang
    assert list(edition.categories.values_list("code", flat=True)) == ["QC", "XD", "PP"]
    assert list(edition.organisers.all()) == [organiser]

    page.goto(f"{page.base_url}/events/{edition.pk}/venues/")
    page.click("#new-venue")
    page.select_option("select[name=category]", str(edition.categories.get(code="QC").pk))
    page.fill("input[name=name]", "第1分会场")
    page.fill("input[name=date]", "2022-11-17")
    page.fill("input[name=start_time]", "09:00")
    page.fill("input[name=end_time]", "12:00")
    page.click("#venue-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/events/venues/\d+/panel/$"))
    assert list(edition.venues.values_list("name", flat=True)) == ["第1分会场"]
    # The panel offers the association's pool only: nobody is in it yet.
    assert page.locator("input[name=judges]").count() == 0

    for address in (f"/events/{first.pk}/", f"/events/{first.pk}/venues/", f"/events/venues/{first_venue.pk}/"):
        response = page.goto(page.base_url + address)
        assert (address, response.status) == (address, 403)
    response = page.goto(f"{page.base_url}/events/associations/{first.association.pk}/")
    assert response.status == 403

    # Its own association's pages are a click away.
    page.goto(f"{page.base_url}/events/")
    nav_click(page, "events:my_association")
    page.wait_for_url(f"{page.base_url}/events/associations/{zhejiang.pk}/")
    assert page.locator("#members [data-role=administrator]").count() == 1


@pytest.mark.browser
def test_the_platform_administrator_creates_an_association_with_its_first_administrator(page):
    platform = factories.OrganiserFactory(full_name="平台管理员", is_superuser=True, association=False)
    log_in(page, platform)

    page.goto(f"{page.base_url}/events/")
    nav_click(page, "events:association_list")
    page.click("#new-association")
    page.fill("input[name=administrator_email]", "boss@zj.example")
    page.fill("input[name=administrator_name]", "钱主任")
    page.fill("input[name=name]", "浙江省质量协会")
    page.fill("input[name=short_name]", "浙江质协")
    page.fill("input[name=slug]", "zhejiang")
    page.fill("input[name=contact_phone]", "0571-87000000")
    page.click("#association-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/events/associations/\d+/$"))

    association = Association.objects.get(slug="zhejiang")
    boss = User.objects.get(email="boss@zj.example")
    assert list(association.members.values_list("user", "role")) == [(boss.pk, AssociationMember.Role.ADMINISTRATOR)]
    assert page.locator(f"#members [data-member='{association.members.get().pk}'] .badge").count() == 1  # invited
    assert [message.to for message in mail.outbox] == [["boss@zj.example"]]

    page.goto(f"{page.base_url}/events/associations/")
    row = page.locator(f"#associations [data-association='{association.pk}']")
    assert row.locator("td").nth(3).inner_text() == "1"  # its team: the administrator
