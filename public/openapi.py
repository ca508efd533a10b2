"""The OpenAPI 3 description of the open data (/api/v1/openapi.json) and of the public downloads.

The query parameters of /results/ come from the filter form itself (public.forms.ResultFilterForm) and the limits
from public.queries; the answers' fields are written here, beside the code that makes them (public/api.py), and
tests/public/test_openapi.py compares both with the URL resolver and the real answers, field by field, so the
description cannot drift from the API.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import Category
from public import api_urls, queries
from public.forms import ResultFilterForm
from results import award_lists
from submissions.models import Entry

OPENAPI_VERSION = "3.0.3"


def _text(description, *, nullable=False, format=None, enum=None) -> dict:
    schema = {"type": "string", "description": str(description)}
    if format:
        schema["format"] = format
    if enum:
        schema["enum"] = list(enum)
    if nullable:
        schema["nullable"] = True
    return schema


def _whole(description, *, nullable=False) -> dict:
    schema = {"type": "integer", "description": str(description)}
    if nullable:
        schema["nullable"] = True
    return schema


def _link(description, *, nullable=False) -> dict:
    return _text(description, nullable=nullable, format="uri")


def _object(description, properties: dict, *, nullable=False) -> dict:
    """An object whose every property is always present (null where it says so)."""
    schema = {
        "type": "object",
        "description": str(description),
        "required": list(properties),
        "properties": properties,
    }
    if nullable:
        schema["nullable"] = True
    return schema


def _list(description, items: dict) -> dict:
    return {"type": "array", "description": str(description), "items": items}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _association() -> dict:
    return _object(
        gettext_lazy("The association that ran the edition."),
        {
            "slug": _text(gettext_lazy("Its public address: the value of the association parameter.")),
            "name": _text(gettext_lazy("The association's name.")),
            "short_name": _text(gettext_lazy("The association's short name.")),
            "web_url": _link(gettext_lazy("The association's public pages.")),
        },
    )


def _schemas() -> dict:
    kinds = [value for value, _label in Category.Kind.choices]
    topic_types = [value for value, _label in Entry.TopicType.choices]
    result = _object(
        gettext_lazy("One published result."),
        {
            "id": _whole(gettext_lazy("The entry's number.")),
            "url": _link(gettext_lazy("This result in the API.")),
            "web_url": _link(gettext_lazy("This result's public page.")),
            "code": _text(gettext_lazy("The entry's code, e.g. QC-2021-0001.")),
            "title": _text(gettext_lazy("The title of the result.")),
            "group_name": _text(gettext_lazy("The group's or team's name.")),
            "enterprise": _object(
                gettext_lazy("The applicant enterprise."),
                {
                    "id": _whole(gettext_lazy("The enterprise's number.")),
                    "name": _text(gettext_lazy("The enterprise's name.")),
                    "url": _link(gettext_lazy("The enterprise in the API.")),
                },
            ),
            "province": _text(gettext_lazy("The enterprise's province (a code, empty when unknown).")),
            "association": _association(),
            "edition": _object(
                gettext_lazy("The edition."),
                {
                    "id": _whole(gettext_lazy("The edition's number in the API.")),
                    "name": _text(gettext_lazy("The edition's name.")),
                    "year": _whole(gettext_lazy("The year.")),
                },
            ),
            "category": _object(
                gettext_lazy("The category."),
                {
                    "id": _whole(gettext_lazy("The category's number.")),
                    "name": _text(gettext_lazy("The category's name.")),
                    "kind": _text(gettext_lazy("The kind of result."), enum=kinds),
                },
            ),
            "topic_type": _text(
                gettext_lazy("The topic type (QC results; empty for others)."), enum=["", *topic_types]
            ),
            "venue": _text(gettext_lazy("The venue's name.")),
            "final_score": _text(
                gettext_lazy('The final score with two decimals, as text ("84.13"); null when not ranked.'),
                nullable=True,
            ),
            "rank": _whole(gettext_lazy("The rank within the ranking scope; null when not ranked."), nullable=True),
            "grade": _text(gettext_lazy("The grade; empty when none.")),
            "grade_position": _whole(gettext_lazy("The grade's place, 1 for the best; null when none."), nullable=True),
        },
    )
    protocol = _object(
        gettext_lazy("How the final score was reached; null where the category does not publish it."),
        {
            "counted_sheets": _whole(gettext_lazy("The number of counted score sheets.")),
            "aggregation": _text(gettext_lazy("The category's aggregation."), enum=["trimmed_mean", "mean", "median"]),
            "recused_judges": _whole(gettext_lazy("How many judges of the panel were recused from the entry.")),
            "sheet_totals": _list(
                gettext_lazy("Each counted sheet's total, highest first, without the judges."),
                _object(
                    gettext_lazy("One sheet."),
                    {
                        "total": _text(gettext_lazy("The sheet's total, as text.")),
                        "dropped": {
                            "type": "boolean",
                            "description": _("Whether the trimmed mean dropped this total."),
                        },
                    },
                ),
            ),
            "tie_breaks": _list(
                gettext_lazy("The tie-break values used, in the rubric's order."),
                _object(
                    gettext_lazy("One tie-break value."),
                    {
                        "position": _whole(gettext_lazy("The criterion's place among the tie-break criteria.")),
                        "criterion": _text(gettext_lazy("The criterion's name.")),
                        "percent": _text(gettext_lazy("The criterion's points as a percentage of its maximum.")),
                    },
                ),
            ),
        },
        nullable=True,
    )
    detail = {
        "allOf": [
            _ref("Result"),
            _object(
                gettext_lazy("What one result adds."),
                {
                    "members": _list(
                        gettext_lazy("The group's members as published."),
                        _object(
                            gettext_lazy("One member."),
                            {
                                "name": _text(gettext_lazy("The member's name.")),
                                "role": _text(gettext_lazy("The member's role in the group.")),
                                "post": _text(gettext_lazy("The member's title or post.")),
                                "is_leader": {
                                    "type": "boolean",
                                    "description": _("Whether the member leads the group."),
                                },
                            },
                        ),
                    ),
                    "protocol": protocol,
                },
            ),
        ]
    }
    edition_summary = _object(
        gettext_lazy("One published edition."),
        {
            "id": _whole(gettext_lazy("The edition's number in the API.")),
            "url": _link(gettext_lazy("The edition in the API.")),
            "association": _association(),
            "name": _text(gettext_lazy("The edition's name.")),
            "number": _whole(gettext_lazy("The edition's ordinal (40 for the 40th).")),
            "year": _whole(gettext_lazy("The year.")),
            "city": _text(gettext_lazy("The city.")),
            "entries": _whole(gettext_lazy("The published results.")),
            "graded": _whole(gettext_lazy("The published results with a grade.")),
        },
    )
    edition = _object(
        gettext_lazy("A published edition with its counts."),
        {
            "id": _whole(gettext_lazy("The edition's number in the API.")),
            "association": _association(),
            "name": _text(gettext_lazy("The edition's name.")),
            "number": _whole(gettext_lazy("The edition's ordinal (40 for the 40th).")),
            "year": _whole(gettext_lazy("The year.")),
            "city": _text(gettext_lazy("The city.")),
            "starts_on": _text(gettext_lazy("The first day (YYYY-MM-DD)."), format="date", nullable=True),
            "ends_on": _text(gettext_lazy("The last day (YYYY-MM-DD)."), format="date", nullable=True),
            "hosts": _list(gettext_lazy("The hosts, one per line of the notice."), _text(gettext_lazy("A host."))),
            "entries": _whole(gettext_lazy("The published results.")),
            "graded": _whole(gettext_lazy("The published results with a grade.")),
            "enterprises": _whole(gettext_lazy("The enterprises with a published result.")),
            "venues": _whole(gettext_lazy("The venues.")),
            "grades": _list(gettext_lazy("The grade names, best first."), _text(gettext_lazy("A grade."))),
            "categories": _list(
                gettext_lazy("Each category's counts."),
                _object(
                    gettext_lazy("One category."),
                    {
                        "id": _whole(gettext_lazy("The category's number.")),
                        "name": _text(gettext_lazy("The category's name.")),
                        "kind": _text(gettext_lazy("The kind of result."), enum=kinds),
                        "entries": _whole(gettext_lazy("The published results.")),
                        "graded": _whole(gettext_lazy("The published results with a grade.")),
                        "grades": {
                            "type": "object",
                            "description": _("The number of results of each grade, by grade name."),
                            "additionalProperties": {"type": "integer"},
                        },
                    },
                ),
            ),
            "results": _link(gettext_lazy("The edition's results in the API.")),
            "award_list_csv": _link(gettext_lazy("The award list as CSV.")),
        },
    )
    return {
        "Index": _object(
            gettext_lazy("Where the API starts."),
            {
                "editions": _link(gettext_lazy("The published editions.")),
                "results": _link(gettext_lazy("The published results.")),
                "documentation": _text(gettext_lazy("A sentence on the API and where its description is.")),
                "openapi": _link(gettext_lazy("This description.")),
                "associations": _link(gettext_lazy("The associations that published results.")),
                "associations_documentation": _text(gettext_lazy("A sentence on the association parameter.")),
            },
        ),
        "AssociationList": _object(
            gettext_lazy("The associations that published results."),
            {
                "count": _whole(gettext_lazy("The number of associations.")),
                "results": _list(
                    gettext_lazy("The associations, by name."),
                    {
                        "allOf": [
                            _association(),
                            _object(
                                gettext_lazy("What the list adds."),
                                {
                                    "searchable": {
                                        "type": "boolean",
                                        "description": _("Whether the search across associations finds its results."),
                                    },
                                    "editions": _whole(gettext_lazy("Its published editions.")),
                                    "editions_url": _link(gettext_lazy("Its published editions in the API.")),
                                    "results_url": _link(gettext_lazy("Its published results in the API.")),
                                },
                            ),
                        ]
                    },
                ),
            },
        ),
        "Result": result,
        "ResultDetail": detail,
        "ResultPage": _object(
            gettext_lazy("A page of results."),
            {
                "count": _whole(gettext_lazy("The results matching the filters, on all pages.")),
                "page": _whole(gettext_lazy("This page's number.")),
                "pages": _whole(gettext_lazy("The number of pages.")),
                "page_size": _whole(gettext_lazy("Results per page.")),
                "next": _link(gettext_lazy("The next page; null on the last."), nullable=True),
                "previous": _link(gettext_lazy("The previous page; null on the first."), nullable=True),
                "results": _list(gettext_lazy("The results of this page."), _ref("Result")),
            },
        ),
        "EditionList": _object(
            gettext_lazy("Every published edition."),
            {
                "count": _whole(gettext_lazy("The number of editions.")),
                "results": _list(gettext_lazy("The editions, newest first."), edition_summary),
            },
        ),
        "Edition": edition,
        "Enterprise": _object(
            gettext_lazy("An enterprise and its published results."),
            {
                "id": _whole(gettext_lazy("The enterprise's number.")),
                "name": _text(gettext_lazy("The enterprise's name.")),
                "province": _text(gettext_lazy("The enterprise's province (a code, empty when unknown).")),
                "web_url": _link(gettext_lazy("The enterprise's public page.")),
                "results": _list(gettext_lazy("Its published results."), _ref("Result")),
            },
        ),
        "Error": {
            "type": "object",
            "description": _("Why the request was refused."),
            "required": ["error"],
            "properties": {
                "error": _text(gettext_lazy("The reason, in the language asked for.")),
                "fields": {
                    "type": "object",
                    "description": _("For an invalid filter: each field's errors."),
                    "additionalProperties": True,
                },
            },
        },
    }


def _filter_parameters() -> list[dict]:
    """The query parameters of /results/: the filter form's fields, then the pagination."""
    form = ResultFilterForm(
        None, facets={"editions": [], "categories": [], "venues": [], "grades": [], "provinces": []}
    )
    enums = {
        "kind": [value for value, _label in Category.Kind.choices],
        "topic_type": [value for value, _label in Entry.TopicType.choices],
        "sort": list(queries.SORTS),
    }
    kinds = {"edition": "integer", "category": "integer", "venue": "integer"}
    parameters = []
    for name, field in form.fields.items():
        schema = {"type": kinds.get(name, "string")}
        if name in enums:
            schema["enum"] = enums[name]
        parameters.append(
            {"name": name, "in": "query", "required": False, "description": str(field.label), "schema": schema}
        )
    parameters += [
        {
            "name": "page",
            "in": "query",
            "required": False,
            "description": _("The page, from 1."),
            "schema": {"type": "integer", "minimum": 1, "default": 1},
        },
        {
            "name": "page_size",
            "in": "query",
            "required": False,
            "description": _("Results per page."),
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": queries.API_MAX_PAGE_SIZE,
                "default": queries.API_PAGE_SIZE,
            },
        },
    ]
    return parameters


def _association_parameter() -> dict:
    return {
        "name": "association",
        "in": "query",
        "required": False,
        "description": _(
            "One association's public address (see associations/): only its published data. Without it, every "
            "association's."
        ),
        "schema": {"type": "string"},
    }


def _number(name: str, description) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": str(description),
        "schema": {"type": "integer"},
    }


def _answer(description, schema: str) -> dict:
    return {"description": str(description), "content": {"application/json": {"schema": _ref(schema)}}}


def _refused(description) -> dict:
    return _answer(description, "Error")


def _get(summary, answer: str, *, parameters=(), refusals=None) -> dict:
    responses = {"200": _answer(summary, answer)}
    for status, reason in (refusals or {}).items():
        responses[status] = _refused(reason)
    operation = {"summary": str(summary), "responses": responses}
    if parameters:
        operation["parameters"] = list(parameters)
    return {"get": operation}


def description(*, server: str) -> dict:
    """The OpenAPI document; `server` is the absolute address of /api/v1/ on this site."""
    not_found = gettext_lazy("Not published, or no such number.")
    unknown = gettext_lazy("No association has that address.")
    routes = {f"api:{pattern.name}": str(pattern.pattern) for pattern in api_urls.urlpatterns}

    def path(name: str, *placeholders: str) -> str:
        """The route's path relative to the server, with OpenAPI's {placeholders} for Django's <converters>."""
        route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", routes[name])
        assert re.findall(r"{(\w+)}", route) == list(placeholders), route
        return "/" + route

    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": _("QC Exchange Portal open data"),
            "version": "1",
            "description": _(
                "Read-only published results of the exchanges: the same rows as the public results pages, with "
                "the same filters. Scores are text with two decimals, so that no client reads them through binary "
                "floating point. Answers may be cached for a few minutes; a new publication clears them."
            ),
        },
        "servers": [{"url": server}],
        "paths": {
            path("api:index"): _get(gettext_lazy("Where the API starts"), "Index"),
            path("api:openapi"): {
                "get": {
                    "summary": _("This description (OpenAPI 3)"),
                    "responses": {
                        "200": {"description": _("The OpenAPI document."), "content": {"application/json": {}}}
                    },
                }
            },
            path("api:associations"): _get(gettext_lazy("The associations that published results"), "AssociationList"),
            path("api:editions"): _get(
                gettext_lazy("Every published edition"),
                "EditionList",
                parameters=[_association_parameter()],
                refusals={"404": unknown},
            ),
            path("api:edition", "pk"): _get(
                gettext_lazy("One published edition with its counts"),
                "Edition",
                parameters=[_number("pk", gettext_lazy("The edition's number in the API."))],
                refusals={"404": not_found},
            ),
            path("api:results"): _get(
                gettext_lazy("Published results, filtered and paginated"),
                "ResultPage",
                parameters=[_association_parameter(), *_filter_parameters()],
                refusals={
                    "400": gettext_lazy("An invalid filter or page size."),
                    "404": gettext_lazy("There is no such page, or no association has that address."),
                },
            ),
            path("api:result", "entry_id"): _get(
                gettext_lazy("One published result with its members and protocol"),
                "ResultDetail",
                parameters=[_number("entry_id", gettext_lazy("The entry's number."))],
                refusals={"404": not_found},
            ),
            path("api:enterprise", "pk"): _get(
                gettext_lazy("An enterprise's published results"),
                "Enterprise",
                parameters=[_number("pk", gettext_lazy("The enterprise's number.")), _association_parameter()],
                refusals={"404": not_found},
            ),
        },
        "components": {"schemas": _schemas()},
    }


def downloads() -> list[dict]:
    """The public downloads of an edition's award list, with their columns (results.award_lists)."""
    return [
        {
            "format": "CSV",
            "path": "/results/editions/{pk}/awards.csv",
            "about": gettext_lazy("UTF-8 with a byte-order mark (Excel opens it); one line per awarded result."),
            "columns": award_lists.CSV_COLUMNS,
        },
        {
            "format": "Excel",
            "path": "/results/editions/{pk}/awards.xlsx",
            "about": gettext_lazy(
                "One sheet per category, grouped by grade, then venue, then rank; a summary sheet counts each grade."
            ),
            "columns": award_lists.COLUMNS,
        },
        {
            "format": "PDF",
            "path": "/results/editions/{pk}/awards.pdf",
            "about": gettext_lazy("A4 landscape, one table per category, as the association issues it."),
            "columns": award_lists.COLUMNS,
        },
    ]


TYPE_NAMES = {
    "string": gettext_lazy("text"),
    "integer": gettext_lazy("whole number"),
    "boolean": gettext_lazy("true or false"),
    "object": gettext_lazy("object"),
}


def _resolved(schema: dict, schemas: dict) -> dict:
    return schemas[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema


def _type_name(schema: dict, schemas: dict) -> str:
    if schema.get("type") == "array":
        inner = _resolved(schema["items"], schemas)
        name = _("list of %(type)s") % {"type": TYPE_NAMES[inner.get("type", "object")]}
    else:
        name = str(TYPE_NAMES[schema.get("type", "object")])
    return _("%(type)s or null") % {"type": name} if schema.get("nullable") else name


def fields(schema: dict, schemas: dict, prefix: str = "") -> list[dict]:
    """A schema's fields flattened for the readable page: dotted names, `[]` for the items of a list."""
    schema = _resolved(schema, schemas)
    if "allOf" in schema:
        return [line for part in schema["allOf"] for line in fields(part, schemas, prefix)]
    lines = []
    for name, item in schema.get("properties", {}).items():
        target = _resolved(item, schemas)
        lines.append(
            {
                "name": f"{prefix}{name}",
                "type": _type_name(target, schemas),
                "description": target.get("description", ""),
                "enum": target.get("enum"),
            }
        )
        if target.get("type") == "array":
            inner = _resolved(target["items"], schemas)
            if inner.get("type") == "object" or "allOf" in inner:
                lines += fields(inner, schemas, f"{prefix}{name}[].")
        elif "properties" in target:
            lines += fields(target, schemas, f"{prefix}{name}.")
    return lines
