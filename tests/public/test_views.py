import csv
import datetime
import io
import re
from unittest import mock
from urllib.parse import quote

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from events.models import Category, Edition
from public.cache import bump_public_cache, cache_version
from results import award_lists
from results.models import AwardList, PublishedResult
from submissions.models import Entry
from tests import factories, scenarios
from tests.scenarios import PROTOCOL, published_edition, published_row

pytestmark = pytest.mark.django_db


def award_disposition(extension: str) -> str:
    """The award list's download name: in Chinese, after an ASCII fallback for older clients (RFC 5987)."""
    name = quote("第四十次交流活动获奖名单")
    return f"attachment; filename=\"awards-2021-40.{extension}\"; filename*=utf-8''{name}.{extension}"


def codes(response) -> list[str]:
    return re.findall(r'data-result-row="([^"]+)"', response.content.decode())


def head(response) -> tuple[str, str]:
    html = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    description = re.search(r'<meta name="description" content="([^"]*)"', html).group(1)
    return title, description


@pytest.fixture
def edition_2021():
    edition, publication = published_edition(name="第四十次交流活动", number=40, year=2021)
    return edition, publication


# --- results browser -------------------------------------------------------------------------------


def test_results_lists_published_rows_with_title_and_description(client, edition_2021):
    _edition, publication = edition_2021
    row = published_row(publication, title="降低齿轮箱渗漏率")
    response = client.get(reverse("public:results"))
    assert response.status_code == 200
    assert codes(response) == [row.code]
    title, description = head(response)
    with translation.override("zh-hans"):
        assert title == f"{gettext('Results')} · {gettext('QC Exchange Portal')}"
        assert description == gettext(
            "Published results of the QC-group achievement exchange: search by title, group or enterprise."
        )
    assert "降低齿轮箱渗漏率" in response.content.decode()


def test_results_hide_unpublished_edition(client):
    _edition, publication = published_edition(status=Edition.Status.JUDGING)
    published_row(publication)
    response = client.get(reverse("public:results"))
    assert codes(response) == []


@pytest.mark.parametrize("status", [Entry.Status.DRAFT, Entry.Status.REJECTED, Entry.Status.DEFERRED])
def test_results_hide_entry_that_is_not_accepted(client, edition_2021, status):
    _edition, publication = edition_2021
    hidden = published_row(publication, entry_status=status)
    shown = published_row(publication, category=hidden.category)
    response = client.get(reverse("public:results"))
    assert codes(response) == [shown.code]
    assert client.get(reverse("public:entry", args=[hidden.entry_id])).status_code == 404


def test_results_show_only_newest_publication(client, edition_2021):
    edition, first = edition_2021
    old = published_row(first, final_score="80.00")
    second = factories.PublicationFactory(edition=edition, version=2)
    new = published_row(second, entry=old.entry, final_score="81.50")
    response = client.get(reverse("public:results"))
    assert codes(response) == [new.code]
    assert "81.50" in response.content.decode()
    assert "80.00" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [("齿轮", ["A"]), ("先锋", ["B"]), ("华东重型", ["A", "C"]), ("华东 渗漏", ["A"]), ("不存在", [])],
)
def test_results_search_matches_chinese_substrings(client, edition_2021, query, expected):
    _edition, publication = edition_2021
    category = factories.CategoryFactory(edition=publication.edition)
    huadong = factories.EnterpriseFactory(name="华东重型机械有限公司")
    rows = {
        "A": published_row(publication, category=category, enterprise=huadong, title="降低齿轮箱渗漏率", rank=1),
        "B": published_row(publication, category=category, title="提高装配效率", group_name="创新先锋小组", rank=2),
        "C": published_row(publication, category=category, enterprise=huadong, title="缩短交付周期", rank=3),
    }
    response = client.get(reverse("public:results"), {"q": query})
    assert codes(response) == [rows[key].code for key in expected]


def test_results_filters_each_dimension(client, edition_2021):
    edition, publication = edition_2021
    qc = factories.CategoryFactory(edition=edition, kind=Category.Kind.QC, position=1, published_entries="scored")
    story = factories.CategoryFactory(
        edition=edition, kind=Category.Kind.BRAND_STORY, position=2, published_entries="scored"
    )
    venue_1 = factories.VenueFactory(category=qc, name="第1分会场")
    venue_2 = factories.VenueFactory(category=qc, name="第2分会场")
    hubei = factories.EnterpriseFactory(province="hubei")
    a = published_row(publication, venue=venue_1, rank=1, grade="标杆")
    b = published_row(publication, venue=venue_2, rank=1, grade="", enterprise=hubei)
    c = published_row(
        publication, venue=venue_2, rank=2, grade="标杆", topic_type=Entry.TopicType.INNOVATION, enterprise=hubei
    )
    d = published_row(publication, category=story, rank=1, grade="", topic_type="")
    other_edition, other_publication = published_edition(year=2019, number=38)
    e = published_row(other_publication, rank=1)
    url = reverse("public:results")
    assert codes(client.get(url, {"edition": edition.pk})) == [a.code, b.code, c.code, d.code]
    assert codes(client.get(url, {"edition": other_edition.pk})) == [e.code]
    assert codes(client.get(url, {"kind": "brand_story"})) == [d.code]
    assert codes(client.get(url, {"edition": edition.pk, "category": story.pk})) == [d.code]
    assert codes(client.get(url, {"edition": edition.pk, "venue": venue_2.pk})) == [b.code, c.code]
    assert codes(client.get(url, {"edition": edition.pk, "grade": "标杆"})) == [a.code, c.code]
    assert codes(client.get(url, {"province": "hubei"})) == [b.code, c.code]
    assert codes(client.get(url, {"topic_type": "innovation"})) == [c.code]


def test_results_sort_by_score(client, edition_2021):
    _edition, publication = edition_2021
    category = factories.CategoryFactory(edition=publication.edition)
    low = published_row(publication, category=category, final_score="70.00", rank=3)
    high = published_row(publication, category=category, final_score="90.25", rank=1)
    middle = published_row(publication, category=category, final_score="85.00", rank=2)
    url = reverse("public:results")
    assert codes(client.get(url, {"sort": "score"})) == [high.code, middle.code, low.code]
    assert codes(client.get(url, {"sort": "rank"})) == [high.code, middle.code, low.code]


def test_results_rank_order_groups_venues_when_a_category_ranks_per_venue(client, edition_2021):
    edition, publication = edition_2021
    category = factories.CategoryFactory(edition=edition, ranking_scope=Category.Scope.VENUE)
    venue_a = factories.VenueFactory(category=category, name="第1分会场")
    venue_b = factories.VenueFactory(category=category, name="第2分会场")
    b1 = published_row(publication, venue=venue_b, rank=1)
    a2 = published_row(publication, venue=venue_a, rank=2)
    a1 = published_row(publication, venue=venue_a, rank=1)
    assert codes(client.get(reverse("public:results"))) == [a1.code, a2.code, b1.code]


def test_results_paginate_and_keep_filters_in_links(client, edition_2021):
    _edition, publication = edition_2021
    category = factories.CategoryFactory(edition=publication.edition)
    for rank in range(1, 28):
        published_row(publication, category=category, rank=rank, title=f"课题{rank:02d}")
    url = reverse("public:results")
    first = client.get(url, {"q": "课题", "grade": "标杆"})
    assert len(codes(first)) == 25
    html = first.content.decode()
    assert 'data-result-count="27"' in html
    next_link = re.search(r'href="\?([^"]*page=2)" data-next-page', html).group(1).replace("&amp;", "&")
    assert next_link == "q=%E8%AF%BE%E9%A2%98&grade=%E6%A0%87%E6%9D%86&page=2"
    second = client.get(f"{url}?{next_link}")
    assert len(codes(second)) == 2


def test_results_ignore_an_invalid_filter(client, edition_2021):
    _edition, publication = edition_2021
    row = published_row(publication)
    response = client.get(reverse("public:results"), {"edition": "abc", "grade": "不存在的等级", "sort": "x"})
    assert response.status_code == 200
    assert codes(response) == [row.code]


def test_results_refuse_post(client):
    assert client.post(reverse("public:results")).status_code == 405


# --- entry page ----------------------------------------------------------------------------------------


def test_entry_page_shows_result_protocol_and_members(client, edition_2021):
    _edition, publication = edition_2021
    members = [
        {"name": "周组长", "group_role": "组长", "post": "高级工程师", "is_leader": True},
        {"name": "吴组员", "group_role": "组员", "post": "技师", "is_leader": False},
    ]
    row = published_row(publication, title="降低齿轮箱渗漏率", members=members, rank=3)
    response = client.get(reverse("public:entry", args=[row.entry_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'data-sheet-total="([^"]+)"', html) == ["91.5", "88.5", "84.0", "80.0", "70.5"]
    assert html.count("data-dropped") == 2
    assert re.findall(r'data-tie-break="(\d)"><td>[^<]*?(\S+)</td><td>([^<]+)</td>', html) == [
        ("1", "选题", "85.56"),
        ("2", "原因分析", "83.33"),
    ]
    assert "data-final-score>84.17<" in html
    assert "周组长" in html and "吴组员" in html
    title, description = head(response)
    assert title.startswith("降低齿轮箱渗漏率")
    assert "降低齿轮箱渗漏率" in description and row.enterprise_name in description


def test_entry_page_never_shows_judges(client, edition_2021, judge):
    _edition, publication = edition_2021
    judge.full_name = "孙评审专家"
    judge.save()
    protocol = {**PROTOCOL, "sheets": [{**PROTOCOL["sheets"][0], "judge": judge.pk, "judge_name": judge.full_name}]}
    row = published_row(publication, protocol=protocol)
    factories.ScoreSheetFactory(entry=row.entry, judge=judge)
    html = client.get(reverse("public:entry", args=[row.entry_id])).content.decode()
    for secret in ("孙评审专家", "张评委", judge.email, "98765"):
        assert secret not in html


def test_entry_page_shows_only_the_frozen_members_never_the_live_ones(client, edition_2021):
    _edition, publication = edition_2021
    row = published_row(publication, members=[{"name": "周组长", "group_role": "组长", "post": "", "is_leader": True}])
    factories.MemberFactory(entry=row.entry, name="郑成员", group_role="组员")
    html = client.get(reverse("public:entry", args=[row.entry_id])).content.decode()
    assert "周组长" in html
    assert "郑成员" not in html


def test_entry_page_404_for_unpublished_edition(client):
    _edition, publication = published_edition(status=Edition.Status.CLOSED)
    row = published_row(publication)
    assert client.get(reverse("public:entry", args=[row.entry_id])).status_code == 404


def test_entry_page_404_for_entry_never_published(client, edition_2021):
    entry = factories.EntryFactory(category=factories.CategoryFactory(edition=edition_2021[0]))
    assert client.get(reverse("public:entry", args=[entry.pk])).status_code == 404


def test_entry_page_404_even_for_the_organiser_when_unpublished(client_for, organiser):
    _edition, publication = published_edition(status=Edition.Status.JUDGING)
    row = published_row(publication)
    assert client_for(organiser).get(reverse("public:entry", args=[row.entry_id])).status_code == 404


def test_report_is_offered_only_with_consent(client, edition_2021):
    _edition, publication = edition_2021
    row = published_row(publication)
    factories.EntryFileFactory(entry=row.entry)
    page_url = reverse("public:entry", args=[row.entry_id])
    report_url = reverse("public:entry_report", args=[row.entry_id])
    assert "data-report-link" not in client.get(page_url).content.decode()
    assert client.get(report_url).status_code == 404
    Entry.objects.filter(pk=row.entry_id).update(publish_report=True)
    cache.clear()
    assert "data-report-link" in client.get(page_url).content.decode()
    response = client.get(report_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%%EOF\n"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="report.pdf"'


def test_a_published_report_uploaded_as_a_web_page_name_opens_as_a_pdf(client, edition_2021):
    _edition, publication = edition_2021
    row = published_row(publication)
    factories.EntryFileFactory(entry=row.entry, original_name="passwd<script>0.pdf.html")
    Entry.objects.filter(pk=row.entry_id).update(publish_report=True)
    response = client.get(reverse("public:entry_report", args=[row.entry_id]))
    assert response["Content-Disposition"] == 'inline; filename="passwd_script_0.pdf"'
    assert (response["Content-Type"], response["X-Content-Type-Options"]) == ("application/pdf", "nosniff")


def test_report_404_when_edition_unpublished_even_with_consent(client):
    _edition, publication = published_edition(status=Edition.Status.JUDGING)
    row = published_row(publication)
    Entry.objects.filter(pk=row.entry_id).update(publish_report=True)
    factories.EntryFileFactory(entry=row.entry)
    assert client.get(reverse("public:entry_report", args=[row.entry_id])).status_code == 404


# --- enterprise page ---------------------------------------------------------------------------------


def test_enterprise_page_shows_history_across_editions(client, edition_2021):
    _edition, publication_2021 = edition_2021
    _old, publication_2019 = published_edition(year=2019, number=38, name="第三十八次交流活动")
    _draft, hidden_publication = published_edition(status=Edition.Status.JUDGING, year=2022, number=41)
    enterprise = factories.EnterpriseFactory(name="华东重型机械有限公司")
    newest = published_row(publication_2021, enterprise=enterprise, grade="标杆")
    oldest = published_row(publication_2019, enterprise=enterprise, grade="")
    scenarios.publish_every_scored(oldest.category)
    published_row(hidden_publication, enterprise=enterprise, grade="标杆")
    response = client.get(reverse("public:enterprise", args=[enterprise.pk]))
    html = response.content.decode()
    assert codes(response) == [newest.code, oldest.code]
    assert re.findall(r'data-history-edition="(\d+)"', html) == [
        str(publication_2021.edition_id),
        str(publication_2019.edition_id),
    ]
    assert re.findall(r'data-honour="([^"]+)">([^<]+)<', html) == [("标杆", "标杆 × 1")]
    assert head(response)[0].startswith("华东重型机械有限公司")


def test_enterprise_page_404_without_published_results(client):
    enterprise = factories.EnterpriseFactory()
    _edition, publication = published_edition(status=Edition.Status.JUDGING)
    published_row(publication, enterprise=enterprise)
    assert client.get(reverse("public:enterprise", args=[enterprise.pk])).status_code == 404


# --- editions ---------------------------------------------------------------------------------------


def _headline_edition():
    edition, publication = published_edition(name="第四十次交流活动", number=40, year=2021, hosts="甲协会\n乙工会")
    qc = factories.CategoryFactory(
        edition=edition, name="QC小组成果", kind=Category.Kind.QC, position=1, published_entries="scored"
    )
    team = factories.CategoryFactory(
        edition=edition, name="质量信得过班组成果", kind=Category.Kind.TRUSTED_TEAM, position=2
    )
    v1 = factories.VenueFactory(category=qc, name="第1分会场")
    v2 = factories.VenueFactory(category=qc, name="第2分会场")
    v3 = factories.VenueFactory(category=team, name="第3分会场")
    shared = factories.EnterpriseFactory()
    published_row(publication, venue=v1, grade="标杆", enterprise=shared)
    published_row(publication, venue=v1, grade="", rank=2)
    published_row(publication, venue=v2, grade="标杆")
    published_row(publication, venue=v3, grade="标杆", enterprise=shared, topic_type="")
    return edition, qc, team


def test_edition_page_shows_headline_numbers(client):
    edition, qc, team = _headline_edition()
    response = client.get(reverse("public:edition", args=[edition.pk]))
    html = response.content.decode()
    assert re.search(r"data-headline-entries>(\d+)<", html).group(1) == "4"
    assert re.search(r"data-headline-graded>(\d+)<", html).group(1) == "3"
    assert re.search(r"data-headline-enterprises>(\d+)<", html).group(1) == "3"
    assert re.search(r"data-headline-venues>(\d+)<", html).group(1) == "3"
    lines = re.findall(
        r'data-category-line="(\d+)">.*?data-count="entries">(\d+)<.*?data-count="grade">(\d+)<', html, re.S
    )
    assert lines == [(str(qc.pk), "3", "2"), (str(team.pk), "1", "1")]
    assert "甲协会、乙工会" in html
    assert head(response)[0].startswith("第四十次交流活动")


def test_edition_page_404_when_not_published(client):
    edition, _publication = published_edition(status=Edition.Status.JUDGING)
    assert client.get(reverse("public:edition", args=[edition.pk])).status_code == 404
    without_publication = factories.EditionFactory(status=Edition.Status.PUBLISHED)
    assert client.get(reverse("public:edition", args=[without_publication.pk])).status_code == 404


def test_edition_list_shows_published_editions_only(client):
    edition, *_ = _headline_edition()
    older, older_publication = published_edition(year=2019, number=38)
    published_row(older_publication)
    hidden, _hidden_publication = published_edition(status=Edition.Status.JUDGING, year=2022, number=41)
    html = client.get(reverse("public:edition_list")).content.decode()
    assert re.findall(r'data-edition-link="(\d+)"', html) == [str(edition.pk), str(older.pk)]


def _awarded_rows(edition):
    """The rows the public award list must hold: the graded rows, per category in rank order (venue first)."""
    rows = PublishedResult.objects.filter(publication__edition=edition).exclude(grade="")
    return [
        [r.category.name, str(r.rank), r.code, r.title, r.group_name, r.enterprise_name, r.venue_name, "84.17", "标杆"]
        for r in rows.order_by("category__position", "venue_name", "rank", "code")
    ]


def test_award_list_csv_lists_graded_entries_in_order(client):
    edition, qc, _team = _headline_edition()
    response = client.get(reverse("public:award_list_csv", args=[edition.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == award_disposition("csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff类别,排名,成果编号,课题名称,小组名称,申报单位,分会场,最终得分,等级\r\n")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[1:] == _awarded_rows(edition)
    assert [line[0] for line in lines[1:]] == ["QC小组成果", "QC小组成果", "质量信得过班组成果"]


def test_award_list_xlsx_holds_the_same_rows_as_the_csv(client):
    edition, qc, _team = _headline_edition()
    response = client.get(reverse("public:award_list_xlsx", args=[edition.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == award_disposition("xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["汇总", "QC小组成果", "质量信得过班组成果"]
    rows = [
        [workbook_sheet.title, *["" if v is None else str(v) for v in row]]
        for workbook_sheet in workbook.worksheets[1:]
        for row in workbook_sheet.iter_rows(min_row=4, values_only=True)
        if row[1] is not None  # not a grade's or a venue's heading
    ]
    assert rows == _awarded_rows(edition)


def test_award_list_xlsx_for_the_public_is_not_the_organisers_full_ranking(client):
    edition, _qc, _team = _headline_edition()
    AwardList.objects.create(
        edition=edition,
        publication=edition.publications.get(),
        format=AwardList.Format.XLSX,
        status=AwardList.Status.DONE,
        file=SimpleUploadedFile("list.xlsx", b"stored workbook"),
    )
    response = client.get(reverse("public:award_list_xlsx", args=[edition.pk]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    entry_rows = [row for sheet in workbook.worksheets[1:] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert sum(1 for row in entry_rows if row[1] is not None) == 3


def test_award_list_xlsx_404_for_unpublished_edition(client):
    edition, publication = published_edition(status=Edition.Status.JUDGING)
    published_row(publication)
    assert client.get(reverse("public:award_list_xlsx", args=[edition.pk])).status_code == 404


def test_award_list_csv_404_for_unpublished_edition(client):
    edition, publication = published_edition(status=Edition.Status.JUDGING)
    published_row(publication)
    assert client.get(reverse("public:award_list_csv", args=[edition.pk])).status_code == 404


# --- statistics ------------------------------------------------------------------------------------


def test_statistics_count_grades_per_category_province_and_topic_type(client):
    edition, qc, team = _headline_edition()
    response = client.get(reverse("public:statistics"), {"edition": edition.pk})
    html = response.content.decode()
    sections = dict(re.findall(r'data-stats-table="([^"]+)">(.*?)</section>', html, re.S))
    assert set(sections) == {"by-category", "by-province", "by-topic-type"}

    def lines(section):
        return [
            (key, [int(n) for n in re.findall(r'<td class="text-end"[^>]*>(\d+)</td>', body)])
            for key, body in re.findall(r'data-stats-line="([^"]*)">(.*?)</tr>', sections[section], re.S)
        ]

    # columns: 标杆, no grade, total
    assert lines("by-category") == [(str(qc.pk), [2, 1, 3]), (str(team.pk), [1, 0, 1])]
    assert lines("by-province") == [("zhejiang", [3, 1, 4])]
    assert lines("by-topic-type") == [("problem_solving", [2, 1, 3]), ("", [1, 0, 1])]
    assert 'src="/static/vendor/chart.js/chart.umd.min.js"' in html
    assert '<script id="chart-by-category" type="application/json">' in html
    assert html.count("<canvas data-chart=") == 3


def test_statistics_default_to_newest_published_edition(client):
    edition, *_ = _headline_edition()
    older, older_publication = published_edition(year=2019, number=38)
    published_row(older_publication)
    html = client.get(reverse("public:statistics")).content.decode()
    assert f'<option value="{edition.pk}" selected>' in html


def test_statistics_404_for_unpublished_edition(client):
    edition, publication = published_edition(status=Edition.Status.JUDGING)
    published_row(publication)
    assert client.get(reverse("public:statistics"), {"edition": edition.pk}).status_code == 404


def test_statistics_without_publication_say_so(client):
    response = client.get(reverse("public:statistics"))
    assert response.status_code == 200
    assert "<canvas" not in response.content.decode()


# --- caching -------------------------------------------------------------------------------------------


def test_public_page_is_served_from_cache_until_republication(
    client, django_assert_num_queries, django_capture_on_commit_callbacks, edition_2021
):
    edition, publication = edition_2021
    row = published_row(publication, final_score="80.00")
    url = reverse("public:entry", args=[row.entry_id])
    assert "80.00" in client.get(url).content.decode()
    with django_assert_num_queries(0):
        assert "80.00" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        second = factories.PublicationFactory(edition=edition, version=2)
        published_row(second, entry=row.entry, final_score="82.00")
    # Not committed yet: the cached page stays (the bump waits for the commit).
    assert "80.00" in client.get(url).content.decode()
    for callback in callbacks:
        callback()
    html = client.get(url).content.decode()
    assert "82.00" in html and "80.00" not in html


def test_unknown_parameters_share_one_cached_page(client, django_assert_num_queries, edition_2021):
    published_row(edition_2021[1])
    url = reverse("public:results")
    first = client.get(url, {"grade": "标杆", "utm_source": "weixin"})
    with django_assert_num_queries(0):
        assert codes(client.get(url, {"utm_source": "weibo", "grade": "标杆"})) == codes(first) != []


def test_public_cache_is_per_language(client, edition_2021):
    _edition, publication = edition_2021
    published_row(publication)
    url = reverse("public:edition_list")
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with translation.override("en"):
        assert gettext("Archive of editions") in english
    assert '<html lang="en">' in english and '<html lang="zh-hans">' in chinese
    assert english.count("data-edition-link") == chinese.count("data-edition-link") == 1


def test_bump_public_cache_moves_the_version():
    before = cache_version()
    bump_public_cache()
    assert cache_version() == before + 1
    cache.clear()
    bump_public_cache()
    assert cache_version() > before


def test_a_publication_made_while_the_cache_was_unreachable_is_caught_up_by_the_periodic_task(settings):
    from public.cache import catch_up_with_publications
    from public.tasks import catch_up_public_cache_task

    factories.PublicationFactory()
    assert catch_up_with_publications() is False  # the first look only marks where things stand
    assert catch_up_with_publications() is False
    before = cache_version()
    # A publication whose move of the version was lost (its on-commit bump found Redis down).
    factories.PublicationFactory()

    assert catch_up_public_cache_task.apply().get() is True
    assert cache_version() == before + 1
    assert catch_up_with_publications() is False
    schedule = settings.CELERY_BEAT_SCHEDULE["catch-up-public-cache"]
    assert (schedule["task"], schedule["schedule"]) == ("public.catch_up_cache", 60.0)


def test_edition_status_change_clears_public_pages(client, django_capture_on_commit_callbacks, edition_2021):
    edition, publication = edition_2021
    row = published_row(publication)
    url = reverse("public:entry", args=[row.entry_id])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        edition.status = Edition.Status.JUDGING
        edition.save()
    assert client.get(url).status_code == 404


# --- fixed number of queries ---------------------------------------------------------------------------


def _many(publication, count, enterprise=None):
    category = factories.CategoryFactory(edition=publication.edition)
    venue = factories.VenueFactory(category=category)
    for rank in range(1, count + 1):
        entry = factories.EntryFactory(
            category=category,
            venue=venue,
            status=Entry.Status.ACCEPTED,
            enterprise=enterprise or factories.EnterpriseFactory(province=["hubei", "zhejiang", "hunan"][rank % 3]),
        )
        published_row(publication, entry=entry, rank=rank, grade="标杆" if rank % 2 else "")


LIST_PAGES = {
    "results": lambda edition, enterprise: (reverse("public:results"), {}),
    "results searched and sorted": lambda edition, enterprise: (
        reverse("public:results"),
        {"q": "降低", "sort": "score"},
    ),
    "results of an edition": lambda edition, enterprise: (reverse("public:results"), {"edition": edition.pk}),
    "edition list": lambda edition, enterprise: (reverse("public:edition_list"), {}),
    "edition": lambda edition, enterprise: (reverse("public:edition", args=[edition.pk]), {}),
    "statistics": lambda edition, enterprise: (reverse("public:statistics"), {"edition": edition.pk}),
    "enterprise": lambda edition, enterprise: (reverse("public:enterprise", args=[enterprise.pk]), {}),
    "award list": lambda edition, enterprise: (reverse("public:award_list_csv", args=[edition.pk]), {}),
    "home": lambda edition, enterprise: (reverse("public:home"), {}),
    "association home": lambda edition, enterprise: (reverse("public:association", args=["main"]), {}),
    "association results": lambda edition, enterprise: (
        reverse("public:association_results", args=["main"]),
        {"q": "降低", "sort": "score"},
    ),
    "association edition list": lambda edition, enterprise: (
        reverse("public:association_edition_list", args=["main"]),
        {},
    ),
    "association statistics": lambda edition, enterprise: (
        reverse("public:association_statistics", args=["main"]),
        {"edition": edition.pk},
    ),
    "association enterprise": lambda edition, enterprise: (
        reverse("public:association_enterprise", args=["main", enterprise.pk]),
        {},
    ),
}


@pytest.mark.parametrize("page", list(LIST_PAGES))
def test_list_pages_make_a_fixed_number_of_queries(client, django_assert_num_queries, page):
    def prepare(size):
        edition, publication = published_edition(year=2000 + size, number=size)
        enterprise = factories.EnterpriseFactory()
        _many(publication, size, enterprise=enterprise if page.endswith("enterprise") else None)
        cache.clear()
        return edition, LIST_PAGES[page](edition, enterprise)

    small, (url, query) = prepare(3)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, query).status_code == 200
    expected = len(captured.captured_queries)
    assert expected <= 10
    # The small edition leaves the public side, so the large one is measured alone.
    Edition.objects.filter(pk=small.pk).update(status=Edition.Status.CLOSED)
    _large, (url, query) = prepare(30)
    with django_assert_num_queries(expected):
        response = client.get(url, query)
    assert response.status_code == 200


# --- home ----------------------------------------------------------------------------------------------


def test_home_shows_current_notice_dates_and_headline(client):
    _headline_edition()
    current = factories.EditionFactory(
        name="第四十一次交流活动", year=2022, number=41, notice="定于2022年9月在成都举行。", city="成都"
    )
    response = client.get(reverse("public:home"))
    html = response.content.decode()
    assert f'data-current-edition="{current.pk}"' in html
    assert "定于2022年9月在成都举行。" in html
    assert "2021-09-23 – 2021-09-25" in html
    assert re.search(r"data-headline-entries>(\d+)<", html).group(1) == "4"


def test_home_without_publication_has_no_headline(client):
    factories.EditionFactory(notice="通知正文")
    html = client.get(reverse("public:home")).content.decode()
    assert "data-home-headline" not in html
    assert "通知正文" in html


def _stored_public_list(edition, format):
    award_list = AwardList.objects.create(
        edition=edition, publication=edition.publications.get(), format=format, awarded_only=True
    )
    return award_lists.generate_award_list(award_list=award_list)


@pytest.mark.parametrize("format", ["xlsx", "csv"])
def test_award_list_served_from_the_stored_public_file_without_writing_one(client, format):
    edition, _qc, _team = _headline_edition()
    stored = _stored_public_list(edition, format)
    bump_public_cache()
    with (
        mock.patch.object(award_lists, "write_xlsx", side_effect=AssertionError("written")) as xlsx,
        mock.patch.object(award_lists, "write_csv", side_effect=AssertionError("written")) as csv_writer,
    ):
        responses = [Client().get(reverse(f"public:award_list_{format}", args=[edition.pk])) for _ in range(2)]
    assert (xlsx.call_count, csv_writer.call_count) == (0, 0)
    with stored.file.open("rb") as handle:
        expected = handle.read()
    for response in responses:
        assert response.status_code == 200
        assert response["Content-Disposition"] == award_disposition(format)
        assert b"".join(response.streaming_content) == expected
    assert stored.rows == len(_awarded_rows(edition)) == 3


def test_award_list_stored_csv_holds_the_awarded_rows(client):
    edition, _qc, _team = _headline_edition()
    _stored_public_list(edition, "csv")
    response = client.get(reverse("public:award_list_csv", args=[edition.pk]))
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    assert list(csv.reader(io.StringIO(text)))[1:] == _awarded_rows(edition)


def test_award_list_without_a_stored_file_is_written_once_for_many_visitors(client):
    edition, _qc, _team = _headline_edition()
    bump_public_cache()
    with mock.patch.object(award_lists, "write_xlsx", wraps=award_lists.write_xlsx) as written:
        responses = [Client().get(reverse("public:award_list_xlsx", args=[edition.pk])) for _ in range(2)]
    assert [r.status_code for r in responses] == [200, 200]
    assert written.call_count == 1
    assert responses[0].content == responses[1].content


def test_award_list_stored_file_not_served_once_an_entry_was_withdrawn(client):
    edition, _qc, _team = _headline_edition()
    _stored_public_list(edition, "csv")
    bump_public_cache()
    withdrawn = PublishedResult.objects.filter(publication__edition=edition).exclude(grade="").first()
    Entry.objects.filter(pk=withdrawn.entry_id).update(status=Entry.Status.REJECTED)
    response = client.get(reverse("public:award_list_csv", args=[edition.pk]))
    text = response.content.decode("utf-8")
    assert withdrawn.code not in text
    assert text.count("\n") == 1 + 2  # the heading and the two awarded entries left


def test_edition_page_lists_the_plenary_entries_in_their_order(client):
    edition, publication = published_edition()
    first = published_row(publication, title="降低焊缝缺陷率")
    second = published_row(publication, title="提高一次交检合格率")
    published_row(publication, title="不在大会交流")
    factories.PlenaryEntryFactory(entry=second.entry, position=1)
    factories.PlenaryEntryFactory(entry=first.entry, position=2)

    html = client.get(reverse("public:edition", args=[edition.pk])).content.decode()

    assert re.findall(r'data-plenary-entry="(\d+)"><a [^>]*>([^<]+)<', html) == [
        (str(second.entry_id), "提高一次交检合格率"),
        (str(first.entry_id), "降低焊缝缺陷率"),
    ]


def test_edition_page_shows_the_plenary_chosen_after_the_page_was_cached(client, django_capture_on_commit_callbacks):
    edition, publication = published_edition()
    row = published_row(publication, title="降低焊缝缺陷率")
    assert "data-plenary-entry" not in client.get(reverse("public:edition", args=[edition.pk])).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        factories.PlenaryEntryFactory(entry=row.entry, position=1)

    html = client.get(reverse("public:edition", args=[edition.pk])).content.decode()
    assert f'data-plenary-entry="{row.entry_id}"' in html


def test_edition_page_leaves_out_a_plenary_entry_no_longer_accepted(client):
    edition, publication = published_edition()
    row = published_row(publication, title="降低焊缝缺陷率", entry_status=Entry.Status.REJECTED)
    factories.PlenaryEntryFactory(entry=row.entry, position=1)

    assert "data-plenary-entry" not in client.get(reverse("public:edition", args=[edition.pk])).content.decode()


# --- words -------------------------------------------------------------------------------------------


def test_entry_page_names_the_group_leader_once(client, edition_2021):
    _edition, publication = edition_2021
    members = [
        {"name": "吴超", "group_role": "组长", "post": "高级工程师", "is_leader": True},
        {"name": "王芳", "group_role": "组员", "post": "技师", "is_leader": False},
    ]
    row = published_row(publication, members=members)

    html = client.get(reverse("public:entry", args=[row.entry_id])).content.decode()

    assert '<li>吴超 <span class="badge text-bg-secondary" data-leader>组长</span> · 高级工程师</li>' in html
    assert "<li>王芳 · 组员 · 技师</li>" in html


@pytest.mark.parametrize(
    ("scope", "expected"),
    [(Category.Scope.VENUE, "Rank 3 in 第2分会场"), (Category.Scope.CATEGORY, "Rank 3 in QC小组成果")],
)
def test_a_rank_says_within_what(client, edition_2021, scope, expected):
    _edition, publication = edition_2021
    category = factories.CategoryFactory(edition=publication.edition, name="QC小组成果", ranking_scope=scope)
    venue = factories.VenueFactory(category=category, name="第2分会场")
    row = published_row(publication, venue=venue, rank=3)

    with translation.override("en"):
        entry_page = client.get(reverse("public:entry", args=[row.entry_id]), HTTP_ACCEPT_LANGUAGE="en")
        results_page = client.get(reverse("public:results"), HTTP_ACCEPT_LANGUAGE="en")

    assert expected in " ".join(entry_page.content.decode().split())
    assert expected in " ".join(results_page.content.decode().split())


def test_results_offer_every_page_number_and_the_last_page(client, edition_2021):
    _edition, publication = edition_2021
    category = factories.CategoryFactory(edition=publication.edition)
    scenarios.publish_every_scored(category)  # the rows have no grade
    PublishedResult.objects.bulk_create(
        factories.PublishedResultFactory.build(
            publication=publication,
            edition=publication.edition,
            category=category,
            entry=factories.EntryFactory(category=category, status=Entry.Status.ACCEPTED),
            rank=rank,
        )
        for rank in range(1, 25 * 9 + 2)
    )

    html = client.get(reverse("public:results"), {"page": 5}).content.decode()

    assert re.findall(r'data-page="(\d+)"', html) == ["1", "2", "3", "4", "5", "6", "7", "10"]
    assert re.search(r'href="\?page=10" data-page="10" data-last-page', html)
    assert 'aria-current="page"><span class="page-link" data-page="5">5<' in html


def test_every_page_names_its_icon(client):
    html = client.get(reverse("public:home")).content.decode()
    assert re.search(r'<link rel="icon" type="image/svg\+xml" href="/static/portal/favicon\.svg">', html)


# --- certificate verification ------------------------------------------------------------------------------


def verified(client, code):
    response = client.get(reverse("public:verify", args=[code]), HTTP_ACCEPT_LANGUAGE="en")  # asserted in English
    body = response.content.decode()
    status = re.search(r'id="certificate-status">(.*?)</div>', body, re.S)
    return response.status_code, " ".join(status.group(1).split()) if status else None, body


def test_the_verification_page_shows_what_a_valid_certificate_states(client):
    certificate = factories.CertificateFactory(
        code="QCV3RT7K",
        number="〔2021〕QC-0001",
        grade="一等奖",
        group_name="精益QC小组",
        enterprise_name="演示有限公司",
    )
    with translation.override("en"):
        status, message, body = verified(client, "QCV3RT7K")
    assert (status, message) == (200, "This certificate is valid.")
    assert re.findall(r'id="certificate-(number|group|enterprise|grade)">([^<]*)<', body) == [
        ("number", "〔2021〕QC-0001"),
        ("group", "精益QC小组"),
        ("enterprise", "演示有限公司"),
        ("grade", "一等奖"),
    ]
    assert f'id="certificate-title">{certificate.title}<' in body


def test_the_verification_page_says_a_superseded_certificate_was_replaced(client):
    new = factories.CertificateFactory(code="NEW22222", number="〔2021〕QC-0009", grade="二等奖")
    factories.CertificateFactory(
        entry=new.entry,
        publication=new.publication,
        code="QLD33333",
        superseded_at=timezone.make_aware(datetime.datetime(2021, 12, 1, 10)),
        superseded_by=new,
    )
    with translation.override("en"):
        status, message, body = verified(client, "qld3-3333")
    assert (status, message) == (
        200,
        "This certificate is superseded: a later publication of the results (2021-12-01) changed it. "
        "It was replaced by certificate 〔2021〕QC-0009 (二等奖).",
    )
    assert 'data-valid="0"' in body


def test_the_verification_page_of_an_unknown_code_says_so(client):
    factories.CertificateFactory(code="QCV3RT7K")
    with translation.override("en"):
        status, message, _body = verified(client, "QCV3RT7X")
    assert (status, message) == (
        404,
        "No certificate has this code. Check the code printed beside the QR code (8 letters and digits).",
    )


def test_the_verification_form_sends_a_typed_code_to_its_page(client):
    response = client.get(reverse("public:verify_form"), {"code": " qcv3-rt7k "})
    assert (response.status_code, response["Location"]) == (302, reverse("public:verify", args=["QCV3RT7K"]))
    assert client.get(reverse("public:verify_form")).status_code == 200
