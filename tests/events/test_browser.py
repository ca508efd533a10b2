import re

import pytest

from events.models import Edition, PanelMember
from tests import factories
from tests.conftest import log_in

PASSWORD = "correct-horse-battery"


def add_venue(page, edition, category, name, start, end, judges):
    page.goto(f"{page.base_url}/events/{edition.pk}/venues/")
    page.click("#new-venue")
    page.select_option("select[name=category]", str(category.pk))
    page.fill("input[name=name]", name)
    page.fill("input[name=room]", "301")
    page.fill("input[name=date]", "2022-09-21")
    page.fill("input[name=start_time]", start)
    page.fill("input[name=end_time]", end)
    page.click("#venue-form button[type=submit]")
    # A venue without judges leads straight to its panel.
    page.wait_for_url(re.compile(r".*/events/venues/\d+/panel/$"))
    for judge in judges:
        page.check(f"input[name=judges][value='{judge.pk}']")
    page.select_option("select[name=leader]", str(judges[0].pk))
    page.click("#panel-form button[type=submit]")
    page.wait_for_url(f"{page.base_url}/events/{edition.pk}/venues/")


@pytest.mark.browser
def test_organiser_creates_an_edition_adds_venues_with_panels_and_copies_it(page):
    organiser = factories.OrganiserFactory(full_name="王组织")
    judges = [factories.JudgeFactory(full_name=f"评委{n}") for n in range(1, 7)]
    log_in(page, organiser)

    page.goto(f"{page.base_url}/events/")
    page.click("#new-edition")
    page.fill("input[name=name]", "第41次质量管理小组成果交流活动")
    page.fill("input[name=number]", "41")
    page.fill("input[name=year]", "2022")
    page.fill("input[name=city]", "成都")
    page.fill("input[name=starts_on]", "2022-09-20")
    page.fill("input[name=ends_on]", "2022-09-22")
    page.fill("input[name=submissions_open_at]", "2022-05-01T09:00")
    page.fill("input[name=submission_deadline]", "2022-07-31T23:59")
    # The built-in templates are all chosen by default.
    assert page.locator("input[name=categories]:checked").count() == 3
    page.click("#edition-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/events/\d+/$"))

    edition = Edition.objects.get(year=2022)
    assert page.locator("[data-edition-status]").get_attribute("data-edition-status") == "draft"
    assert page.locator("#entry-counts tbody tr").count() == 3
    qc = edition.categories.get(code="QC")
    story = edition.categories.get(code="PP")
    assert qc.rubric.criteria.count() == 6
    assert qc.innovation_rubric.name == "QC成果发表评审表(创新型)"

    add_venue(page, edition, qc, "第1分会场", "08:30", "12:00", judges[:3])
    add_venue(page, edition, story, "第2分会场", "08:30", "12:00", judges[3:])

    assert page.locator("#venues tbody tr").count() == 2
    assert page.locator("[data-panel-size='3']").count() == 2
    page.goto(f"{page.base_url}/events/{edition.pk}/")
    assert page.locator("#venue-progress tbody tr").count() == 2

    page.click("#edition-nav [data-section=copy]")
    assert page.input_value("input[name=year]") == "2023"
    assert page.input_value("input[name=number]") == "42"
    page.fill("input[name=name]", "第42次质量管理小组成果交流活动")
    page.check("input[name=include_panels]")
    page.click("#copy-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/events/\d+/$"))

    copy = Edition.objects.get(year=2023)
    assert page.url == f"{page.base_url}/events/{copy.pk}/"
    assert copy.copied_from == edition
    assert list(copy.categories.values_list("code", flat=True)) == ["QC", "XD", "PP"]
    assert sorted(copy.venues.values_list("name", "date", "category__code")) == sorted(
        [
            ("第1分会场", edition.venues.get(name="第1分会场").date.replace(year=2023), "QC"),
            ("第2分会场", edition.venues.get(name="第2分会场").date.replace(year=2023), "PP"),
        ]
    )
    assert sorted(PanelMember.objects.filter(venue__edition=copy).values_list("judge_id", "is_leader")) == sorted(
        [(j.pk, j in (judges[0], judges[3])) for j in judges]
    )
    page.goto(f"{page.base_url}/events/")
    assert page.locator("#editions tbody tr").count() == 2
