"""Browser journey: an organiser computes the results, reads a protocol, publishes and downloads the award list;
a panel leader reads its venue's leniency table."""

import pytest

from tests import scenarios
from tests.conftest import log_in


@pytest.mark.browser
def test_organiser_computes_publishes_and_downloads_the_award_list(page, organiser):
    category = scenarios.category(grades=[("标杆", "share", "0.5")])
    edition = category.edition
    edition.organisers.add(organiser)
    venue, judges = scenarios.venue(category, judges=5, signed_off=True)
    best = scenarios.scored_entry(venue, judges, [92, 90, "88.5", 87, 70], code="QC-2021-0001")
    scenarios.scored_entry(venue, judges, [80, 80, 80, 80, 80], code="QC-2021-0002")

    log_in(page, organiser)
    page.goto(f"{page.base_url}/scoring/results/editions/{edition.pk}/")
    page.click("#compute-results")
    page.wait_for_selector('#results-run[data-status="done"]')
    row = page.locator(f'#results-categories tr[data-category="{category.pk}"]')
    assert row.get_attribute("data-entries") == "2"
    assert row.get_attribute("data-graded") == "1"

    page.click(f'a[href="/scoring/results/categories/{category.pk}/"]')
    first = page.locator(f'tr[data-entry="{best.pk}"]')
    # drop 92 and 70: (90 + 88.5 + 87) / 3 = 88.5
    assert (first.get_attribute("data-rank"), first.get_attribute("data-score")) == ("1", "88.50")
    protocol = page.locator(f'details[data-protocol="{best.pk}"]')
    protocol.locator("summary").click()
    assert protocol.locator('tr[data-dropped="high"]').count() == 1
    assert protocol.locator('tr[data-dropped="low"]').count() == 1

    page.goto(f"{page.base_url}/scoring/results/editions/{edition.pk}/")
    page.click("#publish-results")
    summary = page.locator(f'#publish-summary tr[data-category="{category.pk}"]')
    assert (summary.get_attribute("data-entries"), summary.get_attribute("data-ranked")) == ("2", "2")
    assert summary.locator('[data-grade="标杆"]').get_attribute("data-count") == "1"
    page.click("#confirm-publication")
    page.wait_for_selector('#publications tr[data-version="1"]')
    assert page.locator("[data-edition-status]").get_attribute("data-edition-status") == "published"
    done = page.locator('#award-lists li[data-status="done"]')
    # generated on publication: the award list (.xlsx, .pdf, .csv) and the full ranking (.xlsx, .csv), newest first
    assert done.count() == 5
    assert done.locator("[data-list-name]").all_inner_texts() == ["获奖名单"] * 3 + ["全部成果排名"] * 2
    with page.expect_download() as download:
        done.first.locator("a").click()
    assert download.value.suggested_filename == f"{edition.name}获奖名单.csv"


@pytest.mark.browser
def test_panel_leader_sees_the_leniency_of_its_panel(page):
    category = scenarios.category()
    venue, judges = scenarios.venue(category, judges=3)
    scenarios.scored_entry(venue, judges, [90, 84, 80])
    from results.computation import compute_results

    compute_results(category=category)
    page.set_viewport_size({"width": 390, "height": 844})

    log_in(page, judges[0])
    page.goto(f"{page.base_url}/scoring/results/")
    page.click(f'[data-venue="{venue.pk}"] a')
    deviations = page.locator("#leniency tr[data-deviation]")
    # median 84: +6, 0, -4
    assert [deviations.nth(i).get_attribute("data-deviation") for i in range(3)] == ["6.00", "0.00", "-4.00"]
