"""An organiser imports judges and invites them; a judge accepts on a phone (390x844), confirms the declaration,
lands on today's venue and scores."""

import re

import pytest
from django.core import mail
from django.utils import timezone

from portal.models import User
from scoring.models import Declaration, ScoreSheet
from tests import factories
from tests.conftest import log_in, log_out, nav_click
from tests.scenarios import judged_venue
from tests.scoring.test_people import LI, WANG, filled_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_organiser_imports_and_invites_a_judge_who_accepts_declares_and_scores_on_a_phone(page, password, settings):
    setup = judged_venue(judges=1, entries=1, date=timezone.localdate())
    organiser = setup.organiser
    page.on("dialog", lambda dialog: dialog.accept())

    # The organiser starts on the to-do list, opens the judges, imports the list and invites the new judges.
    log_in(page, organiser, password)
    page.wait_for_url("**/events/todo/")
    nav_click(page, "scoring:judges")
    page.click("#import-judges")
    page.set_input_files(
        "input[name=file]",
        {"name": "评委名单.xlsx", "mimeType": "application/octet-stream", "buffer": filled_list([WANG, LI]).read()},
    )
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-preview")
    assert page.locator("#rows-to-write tbody tr").count() == 2
    assert not User.objects.filter(email="wang@judges.example").exists()
    page.click("#confirm")
    page.wait_for_url("**/scoring/judges/")
    wang = User.objects.get(email="wang@judges.example")
    page.check(f"tr[data-judge='{wang.pk}'] input[name=judges]")
    page.click("#invite")
    page.wait_for_selector(".alert-success")
    wang.judge_profile.refresh_from_db()
    assert wang.judge_profile.invited_by == organiser
    [message] = [m for m in mail.outbox if m.to == ["wang@judges.example"]]
    link = re.search(r"https?://[^/\s]+(/invitation/\S+/)", message.body).group(1)
    log_out(page)

    # The organiser seats the judge on today's panel (the panel page is another journey).
    factories.PanelMemberFactory(venue=setup.venue, judge=wang, declared=False)

    # On a phone, the judge accepts, sets a password and is taken to the declaration, then to today's venue.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base_url + link)
    page.fill("input[name=new_password1]", "Richter-Passwort-26")
    page.fill("input[name=new_password2]", "Richter-Passwort-26")
    page.click("#accept-form button[type=submit]")
    page.wait_for_selector("#declaration-form")
    page.fill("textarea[name=conflicts]", "无")
    page.check("input[name=confirm]")
    page.click("#confirm-declaration")
    entry = setup.entries[0]
    page.wait_for_selector(f"#entry[data-entry='{entry.pk}']")
    assert Declaration.objects.filter(judge=wang, edition=setup.edition).exists()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    for criterion, value in zip(setup.criteria, ["12.5", "25", "17", "16", "4", "8"], strict=True):
        page.type(f"input[name=c{criterion.pk}]", value)
    page.wait_for_selector("#autosave-status[data-state=saved]")
    page.click("#submit-sheet")  # the confirmation is accepted by the dialog handler
    page.wait_for_selector(f".alert-success:has-text('{entry.code}')")
    sheet = ScoreSheet.objects.get(judge=wang, entry=entry)
    assert (sheet.status, str(sheet.total)) == (ScoreSheet.Status.SUBMITTED, "82.5")
