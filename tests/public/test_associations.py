"""One installation, many associations, on the public side: each association's pages under /a/<slug>/ show only its
editions; the portal-wide search leaves out the associations not in it (Association.searchable); the API takes
`association=<slug>` and names each row's association; no cached page or answer of one association is served for
another's."""

import os
import re

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from public import cache as public_cache
from public.links import public_url
from tests import factories
from tests.conftest import need
from tests.scenarios import published_edition, published_row

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def codes(response) -> list[str]:
    return re.findall(r'data-result-row="([^"]+)"', response.content.decode())


class Two:
    """Two associations, each with a published edition of one awarded entry; one enterprise took part in both."""

    def __init__(self):
        self.a = factories.AssociationFactory(name="中国质量协会", short_name="中国质协", slug="caq")
        self.b = factories.AssociationFactory(name="浙江省质量协会", short_name="浙江质协", slug="zhejiang")
        self.both = factories.EnterpriseFactory(name="华东重型机械有限公司")
        self.edition_a, publication_a = published_edition(association=self.a, name="第四十次交流活动", year=2021)
        self.edition_b, publication_b = published_edition(association=self.b, name="第十二届成果发表赛", year=2022)
        self.row_a = published_row(publication_a, enterprise=self.both, title="降低齿轮箱渗漏率")
        self.row_b = published_row(publication_b, enterprise=self.both, title="缩短交付周期", grade="一等奖")
        self.only_b = published_row(publication_b, title="提高焊接合格率", rank=2, grade="二等奖")


@pytest.fixture
def two():
    return Two()


# --- the portal's home and an association's home ---------------------------------------------------------------


def test_home_lists_every_association_that_published_with_its_editions_and_pages(client, two):
    factories.AssociationFactory(name="尚未发布的协会", slug="later")
    html = client.get(reverse("public:home")).content.decode()
    assert re.findall(r'data-home-association="([^"]+)"', html) == ["caq", "zhejiang"]  # by name, only publishers
    assert re.findall(r'data-home-edition="(\d+)"', html) == [str(two.edition_a.pk), str(two.edition_b.pk)]
    assert f'href="/a/zhejiang/results/editions/{two.edition_b.pk}/" data-home-edition' in html
    assert 'href="/a/zhejiang/results/" data-association-results="zhejiang"' in html
    assert "浙江质协" in html and "中国质协" in html


def test_home_shows_a_logo_only_where_there_is_one(client, two):
    two.b.logo.save("logo.png", ContentFile(PNG), save=True)
    html = client.get(reverse("public:home")).content.decode()
    assert re.findall(r'<img src="(/a/[^"]+)"', html) == ["/a/zhejiang/logo/"]


def test_association_logo_is_served_as_the_picture_it_is(client, two):
    assert client.get("/a/zhejiang/logo/").status_code == 404  # none yet
    two.b.logo.save("logo.png", ContentFile(PNG), save=True)
    response = client.get("/a/zhejiang/logo/")
    assert (response.status_code, response["Content-Type"], response["X-Content-Type-Options"]) == (
        200,
        "image/png",
        "nosniff",
    )
    assert b"".join(response.streaming_content) == PNG
    two.a.logo.save("logo.png", ContentFile(b"<svg onload='alert(1)'></svg>"), save=True)
    assert client.get("/a/caq/logo/").status_code == 404  # not a PNG or JPEG: never served


def test_association_home_names_it_with_its_editions_and_headline(client, two):
    two.b.contact_name, two.b.address = "李联系", "杭州市西湖区"
    two.b.save()
    html = client.get("/a/zhejiang/").content.decode()
    assert re.search(r"data-association-name>浙江省质量协会 <", html)
    assert "李联系" in html and "杭州市西湖区" in html
    assert re.findall(r'data-edition-link="(\d+)"', html) == [str(two.edition_b.pk)]
    assert f'data-headline="{two.edition_b.pk}"' in html
    assert re.search(r"data-headline-entries>(\d+)<", html).group(1) == "2"


def test_unknown_association_address_is_not_found(client, two):
    for url in ("/a/nobody/", "/a/nobody/results/", "/a/nobody/results/statistics/", "/a/nobody/logo/"):
        assert client.get(url).status_code == 404, url


# --- an association's results, entries, enterprises, editions --------------------------------------------------


def test_association_results_show_only_its_rows(client, two):
    assert codes(client.get("/a/caq/results/")) == [two.row_a.code]
    assert codes(client.get("/a/zhejiang/results/")) == [two.row_b.code, two.only_b.code]
    html = client.get("/a/zhejiang/results/").content.decode()
    assert f'href="/a/zhejiang/results/entries/{two.row_b.entry_id}/"' in html
    assert f'href="/a/zhejiang/results/enterprises/{two.both.pk}/"' in html
    assert 'data-association-header="zhejiang"' in html
    assert 'href="/api/v1/results/?association=zhejiang" data-api-link' in html


def test_association_results_filters_and_search_stay_in_the_association(client, two):
    url = "/a/caq/results/"
    assert codes(client.get(url, {"q": "华东重型"})) == [two.row_a.code]
    # An edition of the other association is not a choice: ignored, as any invalid filter is.
    assert codes(client.get(url, {"edition": two.edition_b.pk})) == [two.row_a.code]
    html = client.get(url).content.decode()
    assert re.findall(r'<option value="(\d+)"', html.split('name="edition"')[1].split("</select>")[0]) == [
        str(two.edition_a.pk)
    ]


def test_an_entry_of_another_association_is_not_found_under_an_association(client, two):
    assert client.get(f"/a/caq/results/entries/{two.row_b.entry_id}/").status_code == 404
    assert client.get(f"/a/caq/results/entries/{two.row_b.entry_id}/report/").status_code == 404
    assert client.get(f"/a/zhejiang/results/entries/{two.row_b.entry_id}/").status_code == 200


def test_an_edition_and_its_award_lists_of_another_association_are_not_found_under_an_association(client, two):
    pk = two.edition_b.pk
    for tail in ("", "awards.csv", "awards.xlsx", "awards.pdf"):
        assert client.get(f"/a/caq/results/editions/{pk}/{tail}").status_code == 404, tail
        assert client.get(f"/a/zhejiang/results/editions/{pk}/{tail}").status_code == 200, tail
    assert client.get("/a/caq/results/statistics/", {"edition": pk}).status_code == 404


def test_entry_at_the_top_level_names_its_association_with_a_link(client, two):
    html = client.get(reverse("public:entry", args=[two.row_b.entry_id])).content.decode()
    assert 'data-entry-association="zhejiang"><a href="/a/zhejiang/">浙江省质量协会</a>' in html
    assert f'href="/results/editions/{two.edition_b.pk}/"' in html  # the portal-wide pages link on at the top level


def test_edition_page_header_names_the_association(client, two):
    for url in (f"/results/editions/{two.edition_a.pk}/", f"/a/caq/results/editions/{two.edition_a.pk}/"):
        html = client.get(url).content.decode()
        header = re.search(r'<h1 class="h3">(.*?)</h1>', html, re.S).group(1)
        assert re.sub(r"<[^>]+>", "", header) == "中国质量协会 · 第四十次交流活动", url
        assert 'href="/a/caq/"' in header


def test_enterprise_honours_within_an_association_leave_out_the_others(client, two):
    within_a = client.get(f"/a/caq/results/enterprises/{two.both.pk}/")
    assert codes(within_a) == [two.row_a.code]
    assert re.findall(r'data-honour="([^"]+)"', within_a.content.decode()) == ["标杆"]
    everywhere = client.get(reverse("public:enterprise", args=[two.both.pk]))
    assert codes(everywhere) == [two.row_b.code, two.row_a.code]  # newest edition first
    assert re.findall(r'data-association-link="([^"]+)"', everywhere.content.decode()) == ["zhejiang", "caq"]


def test_enterprise_without_results_in_an_association_is_not_found_there(client, two):
    enterprise = two.only_b.entry.enterprise
    assert client.get(f"/a/caq/results/enterprises/{enterprise.pk}/").status_code == 404
    assert client.get(f"/a/zhejiang/results/enterprises/{enterprise.pk}/").status_code == 200


def test_association_archive_lists_only_its_editions(client, two):
    html = client.get("/a/zhejiang/results/editions/").content.decode()
    assert re.findall(r'data-edition-link="(\d+)"', html) == [str(two.edition_b.pk)]
    assert f'href="/a/zhejiang/results/editions/{two.edition_b.pk}/"' in html
    everywhere = client.get(reverse("public:edition_list")).content.decode()
    assert re.findall(r'data-edition-association="([^"]+)"', everywhere) == ["zhejiang", "caq"]


# --- the portal-wide search -------------------------------------------------------------------------------------


def test_portal_wide_search_leaves_out_an_association_not_in_it(client, two, django_capture_on_commit_callbacks):
    assert codes(client.get(reverse("public:results"))) == [two.row_b.code, two.only_b.code, two.row_a.code]
    with django_capture_on_commit_callbacks(execute=True):
        two.b.searchable = False
        two.b.save()  # leaves the search at once: the association's change makes the cached pages stale
    assert codes(client.get(reverse("public:results"))) == [two.row_a.code]
    assert codes(client.get(reverse("public:results"), {"q": "华东重型"})) == [two.row_a.code]
    html = client.get(reverse("public:results")).content.decode()
    options = re.findall(r'<option value="(\d+)"', html.split('name="edition"')[1].split("</select>")[0])
    assert options == [str(two.edition_a.pk)]
    # Its own pages, its entries' pages and the open data still have every result.
    assert codes(client.get("/a/zhejiang/results/")) == [two.row_b.code, two.only_b.code]
    assert client.get(reverse("public:entry", args=[two.row_b.entry_id])).status_code == 200
    assert client.get(reverse("api:results")).json()["count"] == 3


def test_portal_wide_results_name_each_row_s_association(client, two):
    html = client.get(reverse("public:results")).content.decode()
    assert re.findall(r'data-row-association="([^"]+)"', html) == ["zhejiang", "zhejiang", "caq"]
    assert f'href="/results/entries/{two.row_a.entry_id}/"' in html


# --- statistics ---------------------------------------------------------------------------------------------------


def test_statistics_portal_wide_have_a_line_per_association(client, two):
    html = client.get(reverse("public:statistics")).content.decode()
    lines = re.findall(
        r'data-overview-line="([^"]+)">.*?data-count="editions">(\d+)<.*?data-count="entries">(\d+)<'
        r'.*?data-count="graded">(\d+)<.*?data-count="enterprises">(\d+)<',
        html,
        re.S,
    )
    assert lines == [("caq", "1", "1", "1", "1"), ("zhejiang", "1", "2", "2", "2")]


def test_statistics_of_an_association_cover_only_its_editions(client, two):
    html = client.get("/a/zhejiang/results/statistics/").content.decode()
    assert re.findall(r'data-overview-line="([^"]+)"', html) == [str(two.edition_b.pk)]
    assert re.findall(r'<option value="(\d+)"', html) == [str(two.edition_b.pk)]
    by_category = re.search(r'data-stats-table="by-category"(.*?)</section>', html, re.S).group(1)
    assert re.findall(r"data-total>(\d+)<", by_category) == ["1", "1"]


# --- the API -------------------------------------------------------------------------------------------------------


def test_api_association_parameter_scopes_the_lists(client, two):
    results = client.get(reverse("api:results"), {"association": "caq"}).json()
    assert [row["code"] for row in results["results"]] == [two.row_a.code]
    editions = client.get(reverse("api:editions"), {"association": "zhejiang"}).json()
    assert [e["id"] for e in editions["results"]] == [two.edition_b.pk]
    enterprise = client.get(reverse("api:enterprise", args=[two.both.pk]), {"association": "caq"}).json()
    assert [row["code"] for row in enterprise["results"]] == [two.row_a.code]
    everything = client.get(reverse("api:results")).json()
    assert sorted(row["association"]["slug"] for row in everything["results"]) == ["caq", "zhejiang", "zhejiang"]


def test_api_rows_and_editions_carry_their_association(client, two):
    row = client.get(reverse("api:result", args=[two.row_b.entry_id])).json()
    assert row["association"] == {
        "slug": "zhejiang",
        "name": "浙江省质量协会",
        "short_name": "浙江质协",
        "web_url": "http://testserver/a/zhejiang/",
    }
    edition = client.get(reverse("api:edition", args=[two.edition_b.pk])).json()
    assert edition["association"]["slug"] == "zhejiang"
    assert edition["results"] == f"http://testserver/api/v1/results/?association=zhejiang&edition={two.edition_b.pk}"


def test_api_unknown_association_is_a_404_with_a_message(client, two):
    for name in ("api:results", "api:editions"):
        with translation.override("en"):
            response = client.get(reverse(name), {"association": "nobody"}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404
        assert response.json() == {"error": "No association has the address “nobody”."}


def test_api_filter_of_another_association_s_edition_is_refused(client, two):
    response = client.get(reverse("api:results"), {"association": "caq", "edition": two.edition_b.pk})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["edition"]


def test_api_lists_the_associations_that_published(client, two):
    factories.AssociationFactory(name="尚未发布的协会", slug="later")
    two.b.searchable = False
    two.b.save()
    data = client.get(reverse("api:associations")).json()
    assert data["count"] == 2
    assert data["results"][1] == {
        "slug": "zhejiang",
        "name": "浙江省质量协会",
        "short_name": "浙江质协",
        "web_url": "http://testserver/a/zhejiang/",
        "searchable": False,
        "editions": 1,
        "editions_url": "http://testserver/api/v1/editions/?association=zhejiang",
        "results_url": "http://testserver/api/v1/results/?association=zhejiang",
    }
    assert client.get(reverse("api:index")).json()["associations"] == "http://testserver/api/v1/associations/"


# --- caches never mix associations ---------------------------------------------------------------------------------

SCOPED_PAGES = ["", "results/", "results/editions/", "results/statistics/"]


def _fill_then_read_the_other(two):
    """Fill every cache with A's pages and answers, then read B's: B's data each time."""
    client = Client()
    for tail in SCOPED_PAGES:
        assert client.get(f"/a/caq/{tail}").status_code == 200
    client.get("/a/caq/results/", {"q": "华东重型"})
    client.get(f"/a/caq/results/enterprises/{two.both.pk}/")
    client.get(reverse("api:results"), {"association": "caq"})
    client.get(reverse("api:editions"), {"association": "caq"})
    client.get(reverse("api:enterprise", args=[two.both.pk]), {"association": "caq"})

    assert codes(client.get("/a/zhejiang/results/")) == [two.row_b.code, two.only_b.code]
    assert codes(client.get("/a/zhejiang/results/", {"q": "华东重型"})) == [two.row_b.code]
    assert codes(client.get(f"/a/zhejiang/results/enterprises/{two.both.pk}/")) == [two.row_b.code]
    home = client.get("/a/zhejiang/").content.decode()
    assert f'data-headline="{two.edition_b.pk}"' in home and "浙江省质量协会" in home
    archive = client.get("/a/zhejiang/results/editions/").content.decode()
    assert re.findall(r'data-edition-link="(\d+)"', archive) == [str(two.edition_b.pk)]
    statistics = client.get("/a/zhejiang/results/statistics/").content.decode()
    assert re.findall(r'data-overview-line="([^"]+)"', statistics) == [str(two.edition_b.pk)]
    api = client.get(reverse("api:results"), {"association": "zhejiang"}).json()
    assert [row["code"] for row in api["results"]] == [two.row_b.code, two.only_b.code]
    editions = client.get(reverse("api:editions"), {"association": "zhejiang"}).json()
    assert [e["id"] for e in editions["results"]] == [two.edition_b.pk]
    enterprise = client.get(reverse("api:enterprise", args=[two.both.pk]), {"association": "zhejiang"}).json()
    assert [row["code"] for row in enterprise["results"]] == [two.row_b.code]
    # And the portal-wide answers are their own, too.
    assert client.get(reverse("api:results")).json()["count"] == 3
    assert len(codes(client.get(reverse("public:results")))) == 3


def test_caches_never_serve_one_association_s_pages_for_another(two):
    _fill_then_read_the_other(two)


def test_caches_never_serve_one_association_s_pages_for_another_with_redis_and_the_local_tier(two, settings):
    from tests.workers import redis_reachable

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/10"
    need("Redis", redis_reachable(url), url)
    settings.CACHES = {"default": {"BACKEND": "portal.cache.ForgivingRedisCache", "LOCATION": url}}
    settings.PUBLIC_LOCAL_CACHE_SECONDS = 30
    cache.clear()
    public_cache.forget_local()
    _fill_then_read_the_other(two)
    assert public_cache._local["pages"], "the per-process tier held pages"


def test_scoped_cache_keys_differ_per_association(two, rf):
    from public import queries

    keys = {
        public_cache.cache_key("facets", f"{queries.scope_key(association)}:") for association in (two.a, two.b, None)
    }
    keys.add(public_cache.cache_key("facets", f"{queries.scope_key(searchable_only=True)}:"))
    assert len(keys) == 4
    api = {
        public_cache.request_path(rf.get("/api/v1/results/", {"association": slug}), public_cache.API_PARAMETERS)
        for slug in ("caq", "zhejiang")
    }
    assert api == {"/api/v1/results/?association=caq", "/api/v1/results/?association=zhejiang"}
    # A page names its association in its path: the parameter, which it does not read, adds no cached copy.
    assert public_cache.request_path(rf.get("/a/caq/results/", {"association": "zhejiang"})) == "/a/caq/results/"


def test_public_url_names_the_page_in_its_scope(two):
    assert public_url("entry", None, 7) == "/results/entries/7/"
    assert public_url("entry", two.b, 7) == "/a/zhejiang/results/entries/7/"
    assert public_url("results", two.a) == "/a/caq/results/"


def test_api_associations_and_scoped_results_make_a_fixed_number_of_queries(client, django_assert_num_queries):
    def prepare(count):
        for _ in range(count):
            association = factories.AssociationFactory()
            _edition, publication = published_edition(association=association)
            published_row(publication)
        cache.clear()
        return association

    last = prepare(1)
    with django_assert_num_queries(2):
        assert client.get(reverse("api:associations")).json()["count"] == 1
    with django_assert_num_queries(6):  # the association, then as without the parameter
        assert client.get(reverse("api:results"), {"association": last.slug}).json()["count"] == 1
    last = prepare(3)
    with django_assert_num_queries(2):
        assert client.get(reverse("api:associations")).json()["count"] == 4
    with django_assert_num_queries(6):
        assert client.get(reverse("api:results"), {"association": last.slug}).json()["count"] == 1
