"""On a phone (390x844): the panel leader's grid and the venue's schedule fit the screen, one card per entry."""

import os

import pytest

from tests import scenarios
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = os.environ.get("SCORING_SCREENSHOTS", "")


@pytest.fixture
def browser_context_args():
    return {"viewport": PHONE, "locale": "zh-CN", "is_mobile": True, "has_touch": True}


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_the_leader_reads_the_panel_grid_and_the_schedule_on_a_phone(page, password):
    setup = scenarios.judged_venue(judges=5, entries=3)
    for number, entry in enumerate(setup.entries):
        entry.title = f"提高大型焊接结构件一次交检合格率的质量改进与持续攻关{number}"
        entry.save(update_fields=["title"])
        for judge, total in zip(setup.judges, [88, 86, 90, 84, 87], strict=True):
            scenarios.score(entry, judge, total)

    log_in(page, setup.leader, password)
    page.goto(f"{page.base_url}/scoring/judging/venues/{setup.venue.pk}/panel/")
    page.wait_for_selector("#panel-grid")
    assert fits_the_phone(page)
    cell = page.locator(f"#panel-grid tr[data-entry='{setup.entries[0].pk}'] td[data-judge='{setup.judges[1].pk}']")
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == f'"{setup.judges[1].get_full_name()}"'
    assert cell.bounding_box()["width"] >= 300  # one line per judge, across the card
    shot(page, "panel-grid-phone")

    page.goto(f"{page.base_url}/scoring/venues/{setup.venue.pk}/schedule/")
    page.wait_for_selector("#schedule")
    assert fits_the_phone(page)
    title = page.locator(f"#schedule tr[data-entry='{setup.entries[0].pk}'] .schedule-title")
    box = title.bounding_box()
    assert box["width"] >= 300
    assert box["height"] <= 80  # two or three lines, not one character per line
    shot(page, "schedule-phone")
