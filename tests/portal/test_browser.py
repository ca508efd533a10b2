"""A person signs up an enterprise, the organiser approves it, the clerk logs in and switches language."""

import re

import pytest
from django.core import mail

from submissions.models import Enterprise
from submissions.validators import example_credit_code
from tests import factories
from tests.conftest import log_in, log_out, nav_click

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enterprise_signs_up_is_approved_logs_in_and_switches_language(page, password):
    organiser = factories.OrganiserFactory(full_name="王组织")
    edition = factories.EditionFactory()
    edition.organisers.add(organiser)

    page.goto(page.base_url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.click("a[href='/entries/signup/']")
    page.fill("input[name=name]", "钱塘精工有限公司")
    page.fill("input[name=credit_code]", example_credit_code(777))
    page.select_option("select[name=province]", "zhejiang")
    page.fill("input[name=full_name]", "孙质量")
    page.fill("input[name=email]", "sun@qiantang.example")
    page.fill("input[name=password1]", "Qiantang-2026-ok")
    page.fill("input[name=password2]", "Qiantang-2026-ok")
    page.check(f"input[name=editions][value='{edition.pk}']")
    page.click("form button[type=submit].btn-primary")
    page.wait_for_url("**/entries/signup/sent/")
    assert page.locator("#signup-sent").count() == 1
    [message] = [m for m in mail.outbox if m.to == ["sun@qiantang.example"]]
    link = re.search(r"(/entries/signup/confirm/\S+/)", message.body).group(1)
    page.goto(page.base_url + link)
    page.click("form button[type=submit].btn-primary")
    page.wait_for_url(page.base_url + "/")
    assert page.locator(".alert-warning").count() == 1  # awaiting approval
    assert Enterprise.objects.get(name="钱塘精工有限公司").status == Enterprise.Status.PENDING
    log_out(page)

    log_in(page, organiser.email, password)
    nav_click(page, "submissions:enterprise_list")
    page.click("main a[href^='/entries/enterprises/'][href$='/review/']")
    page.check("input[name=decision][value=approve]")
    page.click("form button[type=submit].btn-primary")
    page.wait_for_url("**/entries/enterprises/")
    assert Enterprise.objects.get(name="钱塘精工有限公司").status == Enterprise.Status.APPROVED
    log_out(page)

    log_in(page, "sun@qiantang.example", "Qiantang-2026-ok")
    page.wait_for_url("**/entries/mine/")  # an enterprise lands on its entries
    assert page.locator(".alert-warning").count() == 0
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("a.navbar-brand").inner_text() == "QC Exchange Portal"
    page.click("button[name=language][value=zh-hans]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
