"""The help in a browser: a judge opens the help from its sheet and the printable quick guide; each guide's
screens are the real pages, taken here (`make screenshots` saves them into static/help/screens/)."""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from events.models import Category
from tests import factories
from tests.conftest import log_in, log_out, nav_click
from tests.scenarios import judged_venue, published_edition, published_row, score

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 1024, "height": 768}
DESKTOP = {"width": 1280, "height": 960}
PHONE = {"width": 390, "height": 844}
# `make screenshots` sets it: the guides' screens are saved there, made small (palette PNG, at most 800 px wide).
SCREENS = os.environ.get("GUIDE_SCREENS", "")


@pytest.fixture
def browser_context_args():
    return {"viewport": TABLET, "locale": "zh-CN", "has_touch": True}


def screen(page, name):
    if not SCREENS:
        return
    from PIL import Image

    folder = Path(settings.BASE_DIR) / SCREENS
    folder.mkdir(parents=True, exist_ok=True)
    picture = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    if picture.width > 800:
        picture = picture.resize((800, round(picture.height * 800 / picture.width)), Image.LANCZOS)
    picture.quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(folder / f"{name}.png", optimize=True)


def test_a_judge_opens_the_help_from_its_sheet_and_the_printable_quick_guide(page, password):
    setup = judged_venue(judges=3, entries=2)
    judge = setup.judges[1]
    first = setup.entries[0]
    log_in(page, judge, password)
    nav_click(page, "scoring:judge_home")
    page.wait_for_selector(f"[data-venue='{setup.venue.pk}']")
    screen(page, "judge-venues")
    page.click(f"[data-venue='{setup.venue.pk}'] a[data-action=score]")
    page.wait_for_selector(f"#entry[data-entry='{first.pk}']")
    for criterion, value in zip(setup.criteria, ["12.5", "25", "17", "16", "4", "8"], strict=True):
        page.type(f"input[name=c{criterion.pk}]", value)
    page.wait_for_selector("#autosave-status[data-state=saved]")
    screen(page, "judge-sheet")

    # From the sheet, the footer's help is the judges' guide, with the quick guide on the page.
    page.click("#footer-help")
    page.wait_for_url("**/help/judge/")
    assert page.locator("#guide[data-guide=judge] #quick-guide h3").all_inner_texts() == [
        "登录",
        "评分",
        "草稿和提交",
        "断网或登录失效时",
        "纸质评分表",
    ]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The printable quick guide opens in a new tab: one A4 page.
    with page.expect_popup() as opened:
        page.click("#quick-guide-pdf")
    popup = opened.value
    assert popup.url.endswith(reverse("public:judge_quick_guide_pdf"))
    answer = page.request.get(popup.url)
    assert answer.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.body()))
    assert len(reader.pages) == 1
    assert reader.metadata.title == "评委快速指南（评审当天）"


def test_the_pages_the_guides_show_carry_the_names_the_guides_use(page, password):
    """Each guide's screen is the page it names, and the page's title is the name the Chinese guide uses."""
    setup = judged_venue(judges=3, entries=3)
    for entry, totals in zip(setup.entries, (("86.5", "88.0", "84.5"), ("82.0", "85.5", "83.0")), strict=False):
        for judge, total in zip(setup.judges, totals, strict=True):
            score(entry, judge, total)

    def heading_in_guide(role):
        heading = page.title().split(" · ")[0]
        page.goto(page.base_url + reverse("public:help_guide", args=[role]))
        assert f"“{heading}”" in page.locator("#guide").inner_text(), (role, heading)

    # The panel leader's panel page.
    log_in(page, setup.leader, password)
    page.goto(page.base_url + reverse("scoring:panel", args=[setup.venue.pk]))
    page.wait_for_selector("#panel-grid")
    screen(page, "leader-panel")
    log_out(page)

    # The organiser's edition dashboard, on the desktop organisers work at.
    page.set_viewport_size(DESKTOP)
    log_in(page, setup.organiser, password)
    page.goto(page.base_url + reverse("events:dashboard", args=[setup.edition.pk]))
    screen(page, "organiser-dashboard")
    log_out(page)
    page.set_viewport_size(TABLET)

    # The enterprise's entries.
    clerk = factories.EnterpriseUserFactory(enterprise=setup.entries[0].enterprise, is_administrator=True)
    log_in(page, clerk, password)
    page.goto(page.base_url + reverse("submissions:dashboard"))
    screen(page, "enterprise-entries")
    heading_in_guide("enterprise")
    log_out(page)

    # The recommending unit's lists.
    log_in(page, factories.RecommenderFactory(), password)
    page.goto(page.base_url + reverse("submissions:recommendation_upload"))
    screen(page, "recommender-lists")
    heading_in_guide("recommender")
    log_out(page)

    # A published entry with its protocol, on a phone.
    edition, publication = published_edition(name="第四十次全国机械工业QC成果交流活动", number=40, year=2021)
    category = factories.CategoryFactory(edition=edition, name="QC小组成果", kind=Category.Kind.QC)
    venue = factories.VenueFactory(category=category, name="第3分会场")
    row = published_row(publication, venue=venue, title="降低大型齿轮箱渗漏率")
    page.set_viewport_size(PHONE)
    page.goto(page.base_url + reverse("public:entry", args=[row.entry_id]))
    page.locator("[data-sheet-total]").first.scroll_into_view_if_needed()
    assert page.locator("[data-sheet-total]").count() == 5
    screen(page, "public-entry")
