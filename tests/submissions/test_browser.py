"""An enterprise fills a QC entry with members and files and submits it; the organiser returns it; the
enterprise fixes and resubmits it; the organiser accepts it and it gets its entry code."""

import re

import pytest
from django.urls import reverse

from submissions.models import Entry
from tests import factories
from tests.conftest import log_in, log_out, nav_click
from tests.scenarios import entries_workbook, entry_row
from tests.submissions.conftest import PDF_BYTES, pptx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload(page, kind, name, data, mime):
    slot = page.locator(f"#files li[data-kind={kind}]")
    slot.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": data})
    slot.locator(f"button[data-upload={kind}]").click()
    page.wait_for_selector(f"#files li[data-kind={kind}] a[data-file={kind}]")


def test_qc_entry_is_submitted_returned_fixed_resubmitted_and_accepted(page, password):
    organiser = factories.OrganiserFactory(full_name="王组织")
    edition = factories.EditionFactory(year=2021)
    edition.organisers.add(organiser)
    qc = factories.CategoryFactory(edition=edition, code="QC", name="QC小组成果", requires_slides=True)
    clerk = factories.EnterpriseUserFactory(full_name="李企业", enterprise__name="华东重型机械有限公司")
    page.on("dialog", lambda dialog: dialog.accept())

    # The enterprise fills a QC entry with members.
    log_in(page, clerk.email, password)
    nav_click(page, "submissions:dashboard")
    page.click(f"a[data-new-entry={qc.code}]")
    page.fill("input[name=title]", "提高齿轮箱装配一次交检合格率")
    page.fill("input[name=group_name]", "攻坚QC小组")
    page.select_option("select[name=topic_type]", "problem_solving")
    page.select_option("select[name=sub_type]", "site")
    page.fill("input[name=registration_number]", "ZJJX-2021-031")
    page.fill("input[name=presenter]", "郑华")
    page.fill("input[name='members-0-name']", "郑华")
    page.fill("input[name='members-0-group_role']", "组长")
    page.check("input[name='members-0-is_leader']")
    page.fill("input[name='members-1-name']", "冯蕾")
    page.fill("input[name='members-2-name']", "陈晨")
    page.click("#add-member")
    page.fill("input[name='members-3-name']", "刘洋")
    page.click("#save-entry")
    page.wait_for_url(re.compile(r"/entries/\d+/$"))
    entry = Entry.objects.get()
    assert list(entry.members.values_list("name", flat=True)) == ["郑华", "冯蕾", "陈晨", "刘洋"]
    assert page.locator("#submit-entry").is_disabled()  # files are still missing

    # ... uploads the report (PDF) and the slides (PPTX), and submits it.
    upload(page, "report", "成果报告.pdf", PDF_BYTES, "application/pdf")
    upload(page, "slides", "发表.pptx", pptx_bytes(), "application/octet-stream")
    assert page.locator("#missing").count() == 0
    page.click("#submit-entry")
    page.wait_for_selector("#entry-status[data-status=submitted]")
    log_out(page)

    # The organiser returns it with reasons.
    log_in(page, organiser.email, password)
    nav_click(page, "submissions:review_list")
    page.click(f"a[data-review='{entry.pk}']")
    page.click("#start-review")
    page.wait_for_selector("#entry-status[data-status=under_review]")
    page.check("input[name=decision][value=return]")
    page.fill("textarea[name=reason]", "现状调查缺少分层数据,请补充。")
    page.click("#save-decision")
    page.wait_for_selector("#entry-status[data-status=returned]")
    log_out(page)

    # The enterprise sees the reasons, fixes the entry and submits it again.
    log_in(page, clerk.email, password)
    nav_click(page, "submissions:dashboard")
    row = page.locator(f"li[data-entry='{entry.pk}']")
    assert row.get_attribute("data-status") == "returned"
    assert "现状调查缺少分层数据" in row.locator("[data-return-reason]").inner_text()
    row.locator("a[href$='/edit/']").click()
    page.fill("textarea[name=completing_units]", "华东重型机械有限公司装配分厂")
    page.click("#save-entry")
    page.wait_for_url(re.compile(r"/entries/\d+/$"))
    upload(page, "report", "成果报告-修订.pdf", PDF_BYTES + b"% revised\n", "application/pdf")
    page.click("#submit-entry")
    page.wait_for_selector("#entry-status[data-status=submitted]")
    log_out(page)

    # The organiser accepts it from the list (bulk accept) and it gets its code.
    log_in(page, organiser.email, password)
    page.goto(page.base_url + "/entries/review/?status=submitted")
    page.check(f"input[name=entry][value='{entry.pk}']")
    page.click("#bulk-accept")
    page.wait_for_selector("#no-entries")  # back on the list of submitted entries, now empty
    nav_click(page, "submissions:review_list")
    page.click(f"a[data-review='{entry.pk}']")
    assert page.locator("#entry-status").get_attribute("data-status") == "accepted"
    assert page.locator("#entry-code").inner_text() == "QC-2021-0001"
    entry.refresh_from_db()
    assert (entry.status, entry.code) == ("accepted", "QC-2021-0001")
    assert entry.files.get(kind="report").original_name == "成果报告-修订.pdf"
    assert list(entry.transitions.values_list("to_status", flat=True)) == [
        "draft",
        "submitted",
        "under_review",
        "returned",
        "submitted",
        "accepted",
    ]


def test_organiser_previews_a_recommendation_list_and_confirms_it(page, password):
    organiser = factories.OrganiserFactory()
    edition = factories.EditionFactory(year=2021)
    edition.organisers.add(organiser)
    factories.CategoryFactory(edition=edition, code="QC", name="QC小组成果")
    enterprise = factories.EnterpriseFactory(name="华东重型机械有限公司")
    listing = entries_workbook([entry_row(enterprise, members="吴杰、徐丽、胡强")])

    log_in(page, organiser, password)
    page.goto(page.base_url + reverse("submissions:recommendation_upload"))
    page.select_option("select[name=edition]", str(edition.pk))
    page.set_input_files(
        "input[name=file]",
        {"name": "推荐汇总表.xlsx", "mimeType": "application/octet-stream", "buffer": listing.read()},
    )
    page.click("#upload")
    page.wait_for_selector("#import-preview")
    assert page.locator("#rows-to-create tr[data-row='2'] .badge").all_inner_texts() == ["吴杰", "徐丽", "胡强"]
    assert Entry.objects.count() == 0  # the preview writes nothing

    page.click("#confirm")
    page.wait_for_selector("#import-report[data-created='1']")
    entry = Entry.objects.get()
    assert (entry.enterprise, entry.status) == (enterprise, "draft")
    assert list(entry.members.values_list("name", flat=True)) == ["吴杰", "徐丽", "胡强"]


def test_organiser_confirms_a_large_list_and_its_page_follows_the_worker(page, password, settings, tmp_path):
    """The confirmation leaves the list to the worker; the page shows the job queued and polls it, then shows its
    outcome. The broker is kombu's in-memory one and no worker takes the task: the test does the worker's part. The
    cache is one a worker could share (files), as the background import needs."""
    from portal.celery import app
    from submissions.tasks import import_recommendations
    from tests.workers import reset_connections

    settings.IMPORT_BACKGROUND_ROWS = 1
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    }
    organiser = factories.OrganiserFactory()
    edition = factories.EditionFactory(year=2021)
    edition.organisers.add(organiser)
    factories.CategoryFactory(edition=edition, code="QC", name="QC小组成果")
    enterprise = factories.EnterpriseFactory(name="华东重型机械有限公司")
    listing = entries_workbook([entry_row(enterprise, "甲"), entry_row(enterprise, "乙")])

    log_in(page, organiser, password)
    page.goto(page.base_url + reverse("submissions:recommendation_upload"))
    page.select_option("select[name=edition]", str(edition.pk))
    page.set_input_files(
        "input[name=file]",
        {"name": "推荐汇总表.xlsx", "mimeType": "application/octet-stream", "buffer": listing.read()},
    )
    page.click("#upload")
    page.wait_for_selector("#import-preview")
    token = page.locator("input[name=token]").input_value()
    previous = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url="memory://")
    reset_connections()
    try:
        page.click("#confirm")
        page.wait_for_selector("#import-job[data-state='queued'] [data-progress='0']", state="attached")
        job = page.url.split("?job=")[1]
        assert Entry.objects.count() == 0
        import_recommendations(  # the worker's part
            job=job, token=token, edition_id=edition.pk, user_id=organiser.pk, valid_rows_only=False, language="zh-hans"
        )
        page.wait_for_selector("#import-job[data-state='done'] [data-import-job-messages]")  # polled, then reloaded
    finally:
        app.conf.update(previous)
        reset_connections()
    assert page.locator("[data-import-job-messages]").inner_text() == "已导入 2 项成果草稿。"  # the page's language
    assert page.locator(".import-job-progress").inner_text() == "100%"
    assert Entry.objects.count() == 2
