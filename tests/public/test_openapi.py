"""The OpenAPI description of /api/v1 against the code: every route with its parameters, every field of every
answer, both ways (a field the API gives that the description lacks fails, and the reverse)."""

import copy
import re
from pathlib import Path

import pytest
from django.urls import reverse

from public import api_urls, openapi
from public.forms import ResultFilterForm
from tests import factories
from tests.scenarios import published_edition, published_row

pytestmark = pytest.mark.django_db

TYPES = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list}


def problems(value, schema, schemas, where="$") -> list[str]:
    """How `value` (a JSON answer) differs from `schema`: missing, unknown or mistyped fields."""
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema:
        merged = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            part = schemas[part["$ref"].rsplit("/", 1)[1]] if "$ref" in part else part
            merged["properties"].update(part["properties"])
            merged["required"] += part.get("required", [])
        schema = merged
    if value is None:
        return [] if schema.get("nullable") else [f"{where} is null"]
    expected = TYPES[schema["type"]]
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        return [f"{where} is {type(value).__name__}, described as {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where} = {value!r} is not among {schema['enum']}"]
    found = []
    if expected is dict and "properties" in schema:
        properties = schema["properties"]
        found += [f"{where}.{name} is not described" for name in value if name not in properties]
        found += [
            f"{where}.{name} is described but missing" for name in schema.get("required", []) if name not in value
        ]
        for name, item in value.items():
            if name in properties:
                found += problems(item, properties[name], schemas, f"{where}.{name}")
    elif expected is dict and isinstance(schema.get("additionalProperties"), dict):
        for name, item in value.items():
            found += problems(item, schema["additionalProperties"], schemas, f"{where}.{name}")
    elif expected is list:
        for index, item in enumerate(value):
            found += problems(item, schema["items"], schemas, f"{where}[{index}]")
    return found


@pytest.fixture
def description(client):
    response = client.get(reverse("api:openapi"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def _answer_schema(description, path, status="200"):
    operation = description["paths"][path]["get"]
    return operation["responses"][status]["content"]["application/json"]["schema"]


def test_every_route_of_the_api_is_described_with_its_path_parameters(description):
    assert description["openapi"] == "3.0.3"
    assert description["servers"] == [{"url": "http://testserver/api/v1/"}]
    routes = {}
    for pattern in api_urls.urlpatterns:
        route = str(pattern.pattern)
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        routes[path] = re.findall(r"<(?:\w+:)?(\w+)>", route)
    assert set(description["paths"]) == set(routes)
    for path, names in routes.items():
        operation = description["paths"][path]["get"]
        described = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        assert described == names, path
        assert "200" in operation["responses"]


def test_the_results_route_describes_every_filter_and_the_pagination(description):
    parameters = {p["name"]: p for p in description["paths"]["/results/"]["get"]["parameters"]}
    assert set(parameters) == {"association", *ResultFilterForm.base_fields, "page", "page_size"}
    assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}
    assert parameters["sort"]["schema"]["enum"] == ["rank", "score", "title", "enterprise", "code", "newest"]
    assert all(p["in"] == "query" and not p["required"] for p in parameters.values())


def test_every_answer_of_the_api_has_exactly_the_described_fields(client, description):
    edition, publication = published_edition(name="第四十次交流活动", number=40, year=2021, city="杭州")
    venue = factories.VenueFactory(category=factories.CategoryFactory(edition=edition, name="QC小组成果"))
    enterprise = factories.EnterpriseFactory(name="华东重型机械有限公司", province="zhejiang")
    members = [{"name": "周组长", "group_role": "组长", "post": "工程师", "is_leader": True}]
    row = published_row(publication, venue=venue, enterprise=enterprise, members=members)
    published_row(publication, venue=venue, rank=2, final_score="80.50", grade="优秀", grade_position=2)
    schemas = description["components"]["schemas"]
    answers = {
        "/": reverse("api:index"),
        "/editions/": reverse("api:editions"),
        "/editions/{pk}/": reverse("api:edition", args=[edition.pk]),
        "/results/": reverse("api:results") + "?page_size=1",
        "/results/{entry_id}/": reverse("api:result", args=[row.entry_id]),
        "/enterprises/{pk}/": reverse("api:enterprise", args=[enterprise.pk]),
    }
    for path, url in answers.items():
        response = client.get(url)
        assert response.status_code == 200, url
        data = response.json()
        assert problems(data, _answer_schema(description, path), schemas) == [], path
    detail = client.get(answers["/results/{entry_id}/"]).json()
    assert detail["protocol"]["sheet_totals"] and detail["protocol"]["tie_breaks"] and detail["members"]
    assert client.get(answers["/results/"]).json()["next"] is not None  # a page with a next link was checked


def test_refusals_have_the_described_error_fields(client, description):
    schemas = description["components"]["schemas"]
    for path, url, status in [
        ("/results/", reverse("api:results") + "?page_size=0", "400"),
        ("/results/", reverse("api:results") + "?kind=nothing", "400"),
        ("/results/", reverse("api:results") + "?page=9", "404"),
        ("/results/{entry_id}/", reverse("api:result", args=[999999]), "404"),
        ("/editions/{pk}/", reverse("api:edition", args=[999999]), "404"),
        ("/enterprises/{pk}/", reverse("api:enterprise", args=[999999]), "404"),
    ]:
        response = client.get(url)
        assert str(response.status_code) == status, url
        assert problems(response.json(), _answer_schema(description, path, status), schemas) == [], url


def test_a_field_left_out_of_the_description_is_found(client, description):
    """The comparison is not vacuous: take one field away and the answer no longer matches."""
    _edition, publication = published_edition()
    row = published_row(publication)
    schemas = copy.deepcopy(description["components"]["schemas"])
    del schemas["Result"]["properties"]["grade"]
    data = client.get(reverse("api:result", args=[row.entry_id])).json()
    assert problems(data, {"$ref": "#/components/schemas/ResultDetail"}, schemas) == ["$.grade is not described"]
    assert problems(
        {**data, "rank": "1"}, {"$ref": "#/components/schemas/ResultDetail"}, description["components"]["schemas"]
    ) == ["$.rank is str, described as integer"]


def test_the_description_speaks_the_language_asked_for(client):
    english = client.get(reverse("api:openapi"), HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["info"]["title"] == "QC Exchange Portal open data"
    assert english["openapi"] == openapi.OPENAPI_VERSION


def test_the_association_parameter_is_described_where_the_api_reads_it(description):
    """editions/, results/ and enterprises/<id>/ answer for one association when asked (public.api._association)."""
    takes = {
        path
        for path, item in description["paths"].items()
        if any(p["name"] == "association" for p in item["get"].get("parameters", []))
    }
    assert takes == {"/editions/", "/results/", "/enterprises/{pk}/"}


def test_docs_api_md_lists_every_route_of_the_description(description):
    document = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    assert [path for path in description["paths"] if f"`GET /api/v1{path}`" not in document] == []
