"""Browser journey of the certificates: the organiser sets the template, publishes and downloads a category's zip;
the enterprise downloads its certificate from its entry page; a visitor verifies the printed code."""

import io
import re
import zipfile

import pytest
from PIL import Image

from tests import factories, scenarios
from tests.conftest import log_in
from tests.portal.test_pdf import text_of


@pytest.mark.browser
def test_certificates_from_the_template_to_the_verification_page(page, organiser, tmp_path, settings):
    settings.SITE_URL = page.base_url
    category = scenarios.category(grades=[("一等奖", "share", "0.5")], name="QC小组成果", code="QC")
    edition = category.edition
    edition.organisers.add(organiser)
    venue, judges = scenarios.venue(category, judges=5, signed_off=True)
    best = scenarios.scored_entry(venue, judges, [92, 90, 88, 87, 70], group_name="精益求精QC小组")
    scenarios.scored_entry(venue, judges, [80, 80, 80, 80, 80])
    enterprise_user = factories.EnterpriseUserFactory(enterprise=best.enterprise)
    seal = tmp_path / "seal.png"
    Image.new("RGB", (60, 60), (200, 0, 0)).save(seal, "PNG")

    log_in(page, organiser)
    page.goto(f"{page.base_url}/scoring/results/editions/{edition.pk}/")
    page.click("#compute-results")
    page.wait_for_selector('#results-run[data-status="done"]')
    page.click("#certificates-link")
    page.fill("#id_issuing_body", "中国质量协会")
    page.set_input_files("#id_seal_file", str(seal))
    page.click("#save-template")
    page.wait_for_selector(".alert-success")
    assert page.input_value("#id_issuing_body") == "中国质量协会"

    page.goto(f"{page.base_url}/scoring/results/editions/{edition.pk}/")
    page.click("#publish-results")
    page.click("#confirm-publication")  # the summary, then the confirmation (results/publish.html)
    page.wait_for_selector('#publications tr[data-version="1"]')
    page.click("#certificates-link")
    page.wait_for_selector('#certificate-run[data-status="done"]')
    with page.expect_download() as download:
        page.click(f'#certificate-archives a[data-category="{category.pk}"]')
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert archive.namelist() == ["荣誉证书-QC小组成果.pdf", "荣誉证书-QC小组成果-清单.csv"]
    assert "精益求精QC小组" in text_of(archive.read("荣誉证书-QC小组成果.pdf"))

    page.context.clear_cookies()
    log_in(page, enterprise_user)
    page.goto(f"{page.base_url}/entries/{best.pk}/")
    item = page.locator("#entry-certificates li[data-certificate]")
    code = item.get_attribute("data-certificate")
    with page.expect_download() as download:
        item.locator("a").click()
    printed = text_of(download.value.path().read_bytes())
    assert "精益求精QC小组" in printed and "中国质量协会" in printed
    assert re.search(r"验证码：([A-Z0-9]{8})", printed).group(1) == code

    page.context.clear_cookies()
    page.goto(f"{page.base_url}/verify/")
    page.fill("#id_code", code.lower())
    page.click("#verify-submit")
    page.wait_for_selector("#certificate")
    assert page.url == f"{page.base_url}/verify/{code}/"
    assert page.locator("#certificate").get_attribute("data-valid") == "1"
    assert page.inner_text("#certificate-group") == "精益求精QC小组"
    assert page.inner_text("#certificate-grade") == "一等奖"
