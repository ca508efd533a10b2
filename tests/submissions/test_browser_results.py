"""An enterprise user submits an entry; after the edition is judged and its results published, the dashboard
shows the entry's score, rank (within its venue) and grade."""

import pytest

from events.models import Edition
from results import runs
from results.publication import publish_results
from submissions.models import Entry
from tests import factories, scenarios
from tests.conftest import log_in, nav_click

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_enterprise_submits_an_entry_and_sees_its_published_result(page, password):
    organiser = factories.OrganiserFactory(full_name="王组织")
    category = scenarios.category(
        edition=factories.EditionFactory(year=2021), grades=[("标杆", "share", "0.5")], requires_slides=False
    )
    edition = category.edition
    edition.organisers.add(organiser)
    clerk = factories.EnterpriseUserFactory(full_name="李企业", enterprise__name="华东重型机械有限公司")
    entry = factories.EntryFactory(category=category, enterprise=clerk.membership.enterprise, title="提高装配合格率")
    factories.MemberFactory(entry=entry, name="郑华", is_leader=True)
    factories.EntryFileFactory(entry=entry, kind="report")
    page.on("dialog", lambda dialog: dialog.accept())

    # The enterprise submits its complete entry.
    log_in(page, clerk.email, password)
    nav_click(page, "submissions:dashboard")
    page.click(f"li[data-entry='{entry.pk}'] a[href$='/entries/{entry.pk}/']")
    page.click("#submit-entry")
    page.wait_for_selector("#entry-status[data-status=submitted]")
    assert page.locator("#resubmit-note").count() == 1  # it can still be changed until the deadline

    # Between the steps: the organiser accepts it, the venue judges it with another entry, and the results are
    # computed and published (scenarios build what the judging pages would).
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.JUDGING)
    venue, judges = scenarios.venue(category, judges=3, signed_off=True)
    Entry.objects.filter(pk=entry.pk).update(status=Entry.Status.ACCEPTED, code="QC-2021-0900", venue=venue)
    entry.refresh_from_db()
    for judge, total in zip(judges, [90, 85, 80], strict=True):
        scenarios.score(entry, judge, total)
    scenarios.scored_entry(venue, judges, [70, 75, 80])
    runs.execute_run(run=factories.ResultRunFactory(edition=edition, started_by=organiser))
    publish_results(edition=edition, by=organiser)
    assert edition.publications.count() == 1

    # The dashboard shows the score, the rank within the venue and the grade.
    nav_click(page, "submissions:dashboard")
    outcome = page.locator(f"[data-outcome='{entry.pk}']")
    outcome.wait_for()
    assert outcome.locator("[data-final-score]").inner_text() == "85.00"
    assert outcome.locator("[data-rank]").get_attribute("data-rank") == "1"
    assert venue.name in outcome.locator("[data-rank]").inner_text()
    assert outcome.locator("[data-grade]").inner_text() == "标杆"
