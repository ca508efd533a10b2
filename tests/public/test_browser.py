import os

import pytest

from events.models import Category
from tests import factories
from tests.scenarios import published_edition, published_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = os.environ.get("PUBLIC_SCREENSHOTS", "")


@pytest.fixture
def browser_context_args():
    return {"viewport": PHONE, "locale": "zh-CN", "is_mobile": True, "has_touch": True}


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_visitor_on_a_phone_searches_an_enterprise_opens_an_entry_and_follows_its_history(page):
    enterprise = factories.EnterpriseFactory(name="华东重型机械有限公司", province="zhejiang")
    edition_2021, publication_2021 = published_edition(name="第四十次全国机械工业QC成果交流活动", number=40, year=2021)
    edition_2019, publication_2019 = published_edition(name="第三十八次全国QC成果交流活动", number=38, year=2019)
    qc_2021 = factories.CategoryFactory(edition=edition_2021, name="QC小组成果", kind=Category.Kind.QC)
    qc_2019 = factories.CategoryFactory(edition=edition_2019, name="QC小组成果", kind=Category.Kind.QC)
    venue = factories.VenueFactory(category=qc_2021, name="第3分会场")
    newest = published_row(
        publication_2021,
        venue=venue,
        enterprise=enterprise,
        title="降低大型齿轮箱渗漏率",
        members=[{"name": "周组长", "group_role": "组长", "post": "高级工程师", "is_leader": True}],
    )
    oldest = published_row(publication_2019, category=qc_2019, enterprise=enterprise, title="提高焊缝一次合格率")
    for rank in range(2, 6):
        published_row(publication_2021, venue=venue, rank=rank, grade="")

    page.goto(page.base_url + "/")
    page.click(".navbar-toggler")
    page.click("[data-nav='public:results']")
    page.fill("input[name=q]", "华东重型")
    page.click("[data-search-submit]")
    page.wait_for_url("**/results/?q=*")
    rows = page.locator("[data-result-row]")
    assert rows.count() == 2
    assert fits_the_phone(page)
    shot(page, "public-results-phone")

    page.click(f"[data-entry-link='{newest.entry_id}']")
    page.wait_for_url(f"**/results/entries/{newest.entry_id}/")
    assert page.locator("[data-entry-title]").inner_text() == "降低大型齿轮箱渗漏率"
    assert page.locator("[data-final-score]").inner_text() == "84.17"
    assert page.locator("[data-sheet-total]").count() == 5
    assert "周组长" in page.locator("[data-members]").inner_text()
    assert fits_the_phone(page)
    shot(page, "public-entry-phone")

    page.click(f"[data-enterprise-link='{enterprise.pk}']")
    page.wait_for_url(f"**/results/enterprises/{enterprise.pk}/")
    assert page.locator("[data-enterprise-name]").inner_text() == "华东重型机械有限公司"
    editions = page.locator("[data-history-edition]")
    assert [editions.nth(i).get_attribute("data-history-edition") for i in range(editions.count())] == [
        str(edition_2021.pk),
        str(edition_2019.pk),
    ]
    assert fits_the_phone(page)
    shot(page, "public-enterprise-phone")

    page.click(f"[data-entry-link='{oldest.entry_id}']")
    page.wait_for_url(f"**/results/entries/{oldest.entry_id}/")
    assert page.locator("[data-entry-title]").inner_text() == "提高焊缝一次合格率"
    assert page.title().startswith("提高焊缝一次合格率")


def test_statistics_draw_charts_on_a_phone(page):
    edition, publication = published_edition()
    category = factories.CategoryFactory(edition=edition, name="QC小组成果")
    for rank in range(1, 5):
        published_row(publication, category=category, rank=rank, grade="标杆" if rank < 3 else "")
    page.goto(page.base_url + "/results/statistics/")
    page.wait_for_selector("canvas[data-chart-drawn]")
    assert page.locator("canvas[data-chart-drawn]").count() == 3
    assert fits_the_phone(page)
    shot(page, "public-statistics-phone")


def test_visitor_on_a_phone_opens_the_second_association_from_the_home_page_and_its_results(page):
    first = factories.AssociationFactory(name="中国质量协会", short_name="中国质协", slug="caq")
    second = factories.AssociationFactory(
        name="浙江省质量协会", short_name="浙江质协", slug="zhejiang", contact_name="李联系", address="杭州市西湖区"
    )
    _edition_a, publication_a = published_edition(association=first, name="第四十次交流活动", year=2021)
    edition_b, publication_b = published_edition(association=second, name="第十二届质量管理小组成果发表赛", year=2022)
    published_row(publication_a, title="降低齿轮箱渗漏率")
    mine = published_row(publication_b, title="缩短高压阀门装配周期", grade="一等奖")
    published_row(publication_b, title="提高焊接一次合格率", rank=2, grade="二等奖")

    page.goto(page.base_url + "/")
    cards = page.locator("[data-home-association]")
    assert [cards.nth(i).get_attribute("data-home-association") for i in range(cards.count())] == ["caq", "zhejiang"]
    assert fits_the_phone(page)
    shot(page, "public-home-associations-phone")

    page.click("[data-home-association='zhejiang'] [data-association-link='zhejiang']")
    page.wait_for_url("**/a/zhejiang/")
    assert page.locator("[data-association-name]").inner_text().startswith("浙江省质量协会")
    assert page.locator("[data-edition-link]").count() == 1
    assert fits_the_phone(page)
    shot(page, "public-association-phone")

    page.click("[data-public-tab='results']")
    page.wait_for_url("**/a/zhejiang/results/")
    rows = page.locator("[data-result-row]")
    assert rows.count() == 2
    assert "降低齿轮箱渗漏率" not in page.content()
    assert fits_the_phone(page)
    shot(page, "public-association-results-phone")

    page.click(f"[data-entry-link='{mine.entry_id}']")
    page.wait_for_url(f"**/a/zhejiang/results/entries/{mine.entry_id}/")
    assert page.locator("[data-entry-title]").inner_text() == "缩短高压阀门装配周期"
    assert fits_the_phone(page)

    page.goto(page.base_url + f"/a/zhejiang/results/editions/{edition_b.pk}/")
    assert page.locator("h1").inner_text() == "浙江省质量协会 · 第十二届质量管理小组成果发表赛"
    assert fits_the_phone(page)
    shot(page, "public-association-edition-phone")

    page.goto(page.base_url + "/a/zhejiang/results/statistics/")
    page.wait_for_selector("canvas[data-chart-drawn]")
    assert fits_the_phone(page)
    shot(page, "public-association-statistics-phone")
