"""An enterprise's administrator invites a colleague; the colleague opens the e-mailed link, sets a password, lands on
the enterprise's entries and starts a draft entry (the entries' own browser test goes on from submitting one)."""

import re

import pytest
from django.core import mail

from submissions.memberships import membership_of
from submissions.models import Entry, PeopleEvent
from tests import factories
from tests.conftest import log_in, log_out, nav_click

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_invites_a_colleague_who_accepts_and_starts_an_entry(page, password):
    edition = factories.EditionFactory(year=2021)
    qc = factories.CategoryFactory(edition=edition, code="QC", name="QC小组成果")
    administrator = factories.EnterpriseUserFactory(
        full_name="李企业", enterprise__name="华东重型机械有限公司", is_administrator=True
    )
    enterprise = membership_of(administrator).enterprise

    # The administrator invites a colleague from the users page.
    log_in(page, administrator.email, password)
    nav_click(page, "submissions:people")
    page.fill("#invite input[name=email]", "zhao@huadong.example")
    page.click("#invite button[type=submit]")
    page.wait_for_selector("#invitations td:text('zhao@huadong.example')")
    log_out(page)
    page.wait_for_load_state()

    # The colleague opens the link of the e-mail and sets a name and a password.
    [message] = [m for m in mail.outbox if m.to == ["zhao@huadong.example"]]
    link = next(line for line in message.body.splitlines() if "/invitations/" in line)
    page.goto(page.base_url + link[link.index("/entries/invitations/") :])
    page.fill("#accept-invitation input[name=full_name]", "赵同事")
    page.fill("#accept-invitation input[name=password1]", "Huadong-2026-ok")
    page.fill("#accept-invitation input[name=password2]", "Huadong-2026-ok")
    page.click("#accept-invitation button[type=submit]")

    # ... lands on the enterprise's entries, logged in, and starts a draft entry.
    page.wait_for_url(re.compile(r"/entries/mine/$"))
    page.click(f"a[data-new-entry={qc.code}]")
    page.fill("input[name=title]", "降低焊缝返修率")
    page.fill("input[name=group_name]", "精益QC小组")
    page.select_option("select[name=topic_type]", "problem_solving")
    page.select_option("select[name=sub_type]", "site")
    page.fill("input[name='members-0-name']", "赵同事")
    page.check("input[name='members-0-is_leader']")
    page.click("#save-entry")
    page.wait_for_url(re.compile(r"/entries/\d+/$"))

    entry = Entry.objects.get()
    assert (entry.enterprise, entry.created_by.email, entry.created_by.full_name, entry.status) == (
        enterprise,
        "zhao@huadong.example",
        "赵同事",
        Entry.Status.DRAFT,
    )
    assert list(PeopleEvent.objects.order_by("id").values_list("action", "email")) == [
        (PeopleEvent.Action.INVITED, "zhao@huadong.example"),
        (PeopleEvent.Action.INVITATION_ACCEPTED, "zhao@huadong.example"),
    ]
