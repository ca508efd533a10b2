import gzip
import json
import zlib
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse

from events.models import Category, Edition
from portal import compression
from public import cache as public
from submissions.models import Entry
from tests import factories, scenarios
from tests.scenarios import published_edition, published_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition_2021():
    return published_edition(name="第四十次交流活动", number=40, year=2021, city="杭州")


def test_results_return_published_rows_as_json(client, edition_2021):
    edition, publication = edition_2021
    category = factories.CategoryFactory(edition=edition, name="QC小组成果", kind=Category.Kind.QC)
    venue = factories.VenueFactory(category=category, name="第1分会场")
    enterprise = factories.EnterpriseFactory(name="华东重型机械有限公司", province="zhejiang")
    row = published_row(publication, venue=venue, enterprise=enterprise, title="降低齿轮箱渗漏率", rank=2)
    response = client.get(reverse("api:results"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert {key: data[key] for key in ("count", "page", "pages", "page_size", "next", "previous")} == {
        "count": 1,
        "page": 1,
        "pages": 1,
        "page_size": 50,
        "next": None,
        "previous": None,
    }
    assert data["results"] == [
        {
            "id": row.entry_id,
            "url": f"http://testserver/api/v1/results/{row.entry_id}/",
            "web_url": f"http://testserver/results/entries/{row.entry_id}/",
            "code": row.code,
            "title": "降低齿轮箱渗漏率",
            "group_name": row.group_name,
            "enterprise": {
                "id": enterprise.pk,
                "name": "华东重型机械有限公司",
                "url": f"http://testserver/api/v1/enterprises/{enterprise.pk}/",
            },
            "province": "zhejiang",
            "association": {
                "slug": "main",
                "name": "中国机械工业质量管理协会",
                "short_name": "中机质协",
                "web_url": "http://testserver/a/main/",
            },
            "edition": {"id": edition.pk, "name": "第四十次交流活动", "year": 2021},
            "category": {"id": category.pk, "name": "QC小组成果", "kind": "qc"},
            "topic_type": "problem_solving",
            "venue": "第1分会场",
            "final_score": "84.17",
            "rank": 2,
            "grade": "标杆",
            "grade_position": 1,
        }
    ]


def test_results_paginate_with_links_that_keep_filters(client, edition_2021):
    _edition, publication = edition_2021
    category = factories.CategoryFactory(edition=publication.edition)
    rows = [published_row(publication, category=category, rank=rank) for rank in range(1, 6)]
    data = client.get(reverse("api:results"), {"page_size": 2, "grade": "标杆", "page": 2}).json()
    assert data["count"] == 5 and data["pages"] == 3 and data["page"] == 2
    assert [item["code"] for item in data["results"]] == [rows[2].code, rows[3].code]
    assert data["next"] == "http://testserver/api/v1/results/?page_size=2&grade=%E6%A0%87%E6%9D%86&page=3"
    assert data["previous"] == "http://testserver/api/v1/results/?page_size=2&grade=%E6%A0%87%E6%9D%86&page=1"


def test_results_search_chinese_and_filter(client, edition_2021):
    _edition, publication = edition_2021
    category = factories.CategoryFactory(edition=publication.edition)
    wanted = published_row(publication, category=category, title="降低齿轮箱渗漏率", rank=1)
    published_row(publication, category=category, title="提高装配效率", rank=2)
    data = client.get(reverse("api:results"), {"q": "渗漏"}).json()
    assert [item["code"] for item in data["results"]] == [wanted.code]


@pytest.mark.parametrize(
    ("params", "status"),
    [({"page_size": "0"}, 400), ({"page_size": "500"}, 400), ({"page": "x"}, 400), ({"page": "9"}, 404)],
)
def test_results_refuse_bad_pagination_with_a_message(client, edition_2021, params, status):
    published_row(edition_2021[1])
    response = client.get(reverse("api:results"), params)
    assert response.status_code == status
    assert response.json()["error"] != ""


def test_results_refuse_an_invalid_filter(client, edition_2021):
    response = client.get(reverse("api:results"), {"edition": "999999"})
    assert response.status_code == 400
    assert "edition" in response.json()["fields"]


def test_results_never_include_unpublished_or_withdrawn(client, edition_2021):
    _edition, publication = edition_2021
    shown = published_row(publication)
    published_row(publication, category=shown.category, entry_status=Entry.Status.REJECTED)
    _hidden_edition, hidden_publication = published_edition(status=Edition.Status.JUDGING)
    hidden = published_row(hidden_publication)
    data = client.get(reverse("api:results")).json()
    assert [item["code"] for item in data["results"]] == [shown.code]
    assert client.get(reverse("api:result", args=[hidden.entry_id])).status_code == 404


def test_result_detail_has_protocol_without_judges(client, edition_2021):
    _edition, publication = edition_2021
    row = published_row(publication, members=[{"name": "周组长", "group_role": "组长", "post": "", "is_leader": True}])
    response = client.get(reverse("api:result", args=[row.entry_id]))
    data = response.json()
    assert data["protocol"] == {
        "counted_sheets": 5,
        "aggregation": "trimmed_mean",
        "recused_judges": 1,
        "sheet_totals": [
            {"total": "91.5", "dropped": True},
            {"total": "88.5", "dropped": False},
            {"total": "84.0", "dropped": False},
            {"total": "80.0", "dropped": False},
            {"total": "70.5", "dropped": True},
        ],
        "tie_breaks": [
            {"position": 1, "criterion": "选题", "percent": "85.56"},
            {"position": 2, "criterion": "原因分析", "percent": "83.33"},
        ],
    }
    assert data["members"] == [{"name": "周组长", "role": "组长", "post": "", "is_leader": True}]
    body = response.content.decode()
    assert "张评委" not in body and "98765" not in body and "judge_name" not in body


def test_editions_list_only_published_with_counts(client, edition_2021):
    edition, publication = edition_2021
    published_row(publication, grade="标杆")
    scenarios.publish_every_scored(published_row(publication, grade="", rank=2).category)
    published_edition(status=Edition.Status.JUDGING)
    data = client.get(reverse("api:editions")).json()
    assert data == {
        "count": 1,
        "results": [
            {
                "id": edition.pk,
                "url": f"http://testserver/api/v1/editions/{edition.pk}/",
                "association": {
                    "slug": "main",
                    "name": "中国机械工业质量管理协会",
                    "short_name": "中机质协",
                    "web_url": "http://testserver/a/main/",
                },
                "name": "第四十次交流活动",
                "number": 40,
                "year": 2021,
                "city": "杭州",
                "entries": 2,
                "graded": 1,
            }
        ],
    }


def test_edition_detail_has_counts_per_category_and_grade(client, edition_2021):
    edition, publication = edition_2021
    category = factories.CategoryFactory(edition=edition, name="QC小组成果", published_entries="scored")
    published_row(publication, category=category, grade="标杆")
    published_row(publication, category=category, grade="", rank=2)
    data = client.get(reverse("api:edition", args=[edition.pk])).json()
    assert data["entries"] == 2 and data["graded"] == 1 and data["enterprises"] == 2
    assert data["categories"] == [
        {"id": category.pk, "name": "QC小组成果", "kind": "qc", "entries": 2, "graded": 1, "grades": {"标杆": 1}}
    ]
    assert data["award_list_csv"] == f"http://testserver/results/editions/{edition.pk}/awards.csv"


def test_edition_detail_404_when_unpublished(client):
    edition, _publication = published_edition(status=Edition.Status.OPEN)
    response = client.get(reverse("api:edition", args=[edition.pk]))
    assert response.status_code == 404
    assert response.json()["error"] != ""


def test_enterprise_lists_its_published_results(client, edition_2021):
    _edition, publication = edition_2021
    enterprise = factories.EnterpriseFactory(name="华东重型机械有限公司")
    row = published_row(publication, enterprise=enterprise)
    data = client.get(reverse("api:enterprise", args=[enterprise.pk])).json()
    assert data["name"] == "华东重型机械有限公司"
    assert [item["code"] for item in data["results"]] == [row.code]
    other = factories.EnterpriseFactory()
    assert client.get(reverse("api:enterprise", args=[other.pk])).status_code == 404


def test_api_is_read_only(client):
    assert client.post(reverse("api:results")).status_code == 405
    assert client.delete(reverse("api:editions")).status_code == 405


def test_api_answers_are_cached_until_republication(
    client, django_assert_num_queries, django_capture_on_commit_callbacks, edition_2021
):
    edition, publication = edition_2021
    row = published_row(publication, final_score="80.00")
    url = reverse("api:result", args=[row.entry_id])
    assert client.get(url).json()["final_score"] == "80.00"
    with django_assert_num_queries(0):
        assert client.get(url).json()["final_score"] == "80.00"
    with django_capture_on_commit_callbacks(execute=True):
        second = factories.PublicationFactory(edition=edition, version=2)
        published_row(second, entry=row.entry, final_score="82.00")
    assert client.get(url).json()["final_score"] == "82.00"


def test_api_results_make_a_fixed_number_of_queries(client, django_assert_num_queries):
    def prepare(size, status=Edition.Status.PUBLISHED):
        edition, publication = published_edition(year=2000 + size, number=size)
        category = factories.CategoryFactory(edition=edition)
        for rank in range(1, size + 1):
            published_row(publication, category=category, rank=rank)
        cache.clear()
        return edition

    small = prepare(3)
    with django_assert_num_queries(5):
        assert len(client.get(reverse("api:results")).json()["results"]) == 3
    Edition.objects.filter(pk=small.pk).update(status=Edition.Status.CLOSED)
    prepare(30)
    with django_assert_num_queries(5):
        assert len(client.get(reverse("api:results")).json()["results"]) == 30


def test_api_cache_keeps_each_host_s_links(client, edition_2021, settings):
    settings.ALLOWED_HOSTS = ["testserver", "qc.example.org"]
    row = published_row(edition_2021[1])
    url = reverse("api:result", args=[row.entry_id])
    assert client.get(url).json()["url"].startswith("http://testserver/")
    assert client.get(url, HTTP_HOST="qc.example.org").json()["url"].startswith("http://qc.example.org/")


# --- compressed answers (portal.compression) -----------------------------------------------------------------


def test_api_answer_gzip_for_a_client_taking_it_and_plain_otherwise(client, edition_2021):
    published_row(edition_2021[1], title="降低齿轮箱渗漏率")
    plain = client.get(reverse("api:results"))
    packed = client.get(reverse("api:results"), HTTP_ACCEPT_ENCODING="gzip")
    assert not plain.has_header("Content-Encoding")
    assert packed["Content-Encoding"] == "gzip"
    assert packed["Content-Length"] == str(len(packed.content))
    assert gzip.decompress(packed.content) == plain.content
    assert json.loads(gzip.decompress(packed.content))["results"][0]["title"] == "降低齿轮箱渗漏率"
    for response in (plain, packed):
        assert response["Content-Type"] == "application/json"
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "Accept-Encoding" in response["Vary"]


def test_api_answer_compressed_once_per_process(client, edition_2021, settings):
    settings.PUBLIC_LOCAL_CACHE_SECONDS = 2
    public.bump_public_cache()
    published_row(edition_2021[1])
    first = client.get(reverse("api:results"), HTTP_ACCEPT_ENCODING="gzip")
    with mock.patch.object(compression.zlib, "compressobj", wraps=zlib.compressobj) as compressor:
        again = [client.get(reverse("api:results"), HTTP_ACCEPT_ENCODING="gzip") for _ in range(3)]
    public.bump_public_cache()
    assert compressor.call_count == 0
    assert {answer.content for answer in again} == {first.content}


def test_api_error_is_neither_cached_nor_compressed(client, edition_2021):
    url = reverse("api:results") + "?page_size=0"
    with mock.patch.object(public, "cache_store") as stored:
        answers = [client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_ACCEPT_LANGUAGE="en") for _ in range(2)]
    assert stored.call_count == 0
    assert [answer.status_code for answer in answers] == [400, 400]
    assert not any(answer.has_header("Content-Encoding") for answer in answers)
    assert answers[1].json() == {"error": "page_size must be a whole number from 1 to 200."}
