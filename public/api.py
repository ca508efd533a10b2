"""Open data: a read-only JSON API of published results (/api/v1/...).

Same rows as the public pages (`public.queries.published_rows()`), same filters as the results browser,
paginated. Points are strings ("84.13") so no client reads them through binary floats. Answers are cached
like the public pages and cleared on (re)publication.

Associations: every result and edition names its association (`association`: slug, name, short name); the list
endpoints (editions, results) and an enterprise's results take `association=<slug>` to answer for that association
only (an unknown address is a 404 with an `error`), and /api/v1/associations/ lists the associations that published
results. Without the parameter the answers hold every association's published results, those of associations left
out of the portal-wide search (Association.searchable) included: the API is open data, and `searchable` decides only
what the HTML search across associations (/results/) finds.
"""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from events.models import Association
from portal.compression import PreparedBody, prepared_response
from public import cache as page_cache
from public import openapi
from public import queries as public
from public.cache import API_PARAMETERS, CACHE_SECONDS, cache_key, request_path
from public.forms import ResultFilterForm
from public.links import public_url
from public.queries import published_editions, published_rows


def _json(request, data, status=200):
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


class UnknownAssociation(Exception):
    pass


def _association(request) -> Association | None:
    """The association named by `association=<slug>`, None without the parameter; UnknownAssociation for a slug
    no association has."""
    slug = (request.GET.get("association") or "").strip()
    if not slug:
        return None
    found = Association.objects.filter(slug=slug).first()
    if found is None:
        raise UnknownAssociation(slug)
    return found


def _unknown_association(request, slug: str):
    return _json(request, {"error": _("No association has the address “%(slug)s”.") % {"slug": slug}}, status=404)


def _cached(request, build):
    """build() returns (data, status); successful answers are cached per URL (its `association` included) and
    language. build() may raise UnknownAssociation."""
    # Answers hold absolute links, so the scheme and host are part of the key.
    key = cache_key("api-body", request.build_absolute_uri("/") + request_path(request, API_PARAMETERS))
    # The encoded answer is cached, not the data: encoding 50 to 200 rows again cost more than the lookup. This
    # process keeps it compressed as well, once, for the clients that take gzip (portal.compression).
    prepared_key = f"{key}:prepared"
    body = page_cache.cached_local(prepared_key)
    if body is None:
        content = page_cache.cached(key)
        if content is None:
            try:
                data, status = build()
            except UnknownAssociation as unknown:
                return _unknown_association(request, str(unknown))
            if status != 200:
                return _json(request, data, status=status)
            content = _json(request, data).content
            page_cache.cache_store(key, content, CACHE_SECONDS)
        body = PreparedBody([content])
        page_cache.keep_local(prepared_key, body)
    response = prepared_response(request, body, content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _absolute(request, name, *args):
    return request.build_absolute_uri(reverse(name, args=args))


def _score(value):
    return f"{value:.2f}" if value is not None else None


def _association_data(request, association) -> dict:
    return {
        "slug": association.slug,
        "name": association.name,
        "short_name": association.short_name,
        "web_url": request.build_absolute_uri(public_url("association", None, association.slug)),
    }


def _row(request, row) -> dict:
    """A published result; its edition and association must be loaded with it (select_related)."""
    return {
        "id": row.entry_id,
        "url": _absolute(request, "api:result", row.entry_id),
        "web_url": _absolute(request, "public:entry", row.entry_id),
        "code": row.code,
        "title": row.title,
        "group_name": row.group_name,
        "enterprise": {
            "id": row.enterprise_id,
            "name": row.enterprise_name,
            "url": _absolute(request, "api:enterprise", row.enterprise_id),
        },
        "province": row.province,
        "association": _association_data(request, row.edition.association),
        "edition": {"id": row.edition_id, "name": row.edition.name, "year": row.edition.year},
        "category": {"id": row.category_id, "name": row.category.name, "kind": row.category.kind},
        "topic_type": row.topic_type,
        "venue": row.venue_name,
        "final_score": _score(row.final_score),
        "rank": row.rank,
        "grade": row.grade,
        "grade_position": row.grade_position,
    }


def _page_params(request):
    try:
        size = int(request.GET.get("page_size") or public.API_PAGE_SIZE)
    except ValueError:
        size = 0
    if not 1 <= size <= public.API_MAX_PAGE_SIZE:
        return None, _("page_size must be a whole number from 1 to %(max)s.") % {"max": public.API_MAX_PAGE_SIZE}
    return size, None


def _paginate(request, queryset, size):
    paginator = Paginator(queryset, size)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        return None, (_("page must be a whole number."), 400)
    except EmptyPage:
        return None, (_("There is no such page."), 404)

    def link(number):
        params = request.GET.copy()
        params["page"] = number
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    meta = {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "page_size": size,
        "next": link(page.next_page_number()) if page.has_next() else None,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
    }
    return (page, meta), None


@require_safe
def index(request):
    return _json(
        request,
        {
            "associations": _absolute(request, "api:associations"),
            "editions": _absolute(request, "api:editions"),
            "results": _absolute(request, "api:results"),
            "documentation": _(
                "Read-only published results. Filters of /results/: q, edition, kind, category, "
                "venue, grade, province, topic_type, sort; pagination: page, page_size. "
                "The OpenAPI description lists every route and field."
            ),
            "openapi": _absolute(request, "api:openapi"),
            "associations_documentation": _(
                "Every association's published results, unless association=<its address> (see associations/) asks "
                "for one association's: on editions/, results/ and enterprises/<id>/."
            ),
        },
    )


@require_safe
def openapi_description(request):
    return _json(request, openapi.description(server=_absolute(request, "api:index")))


@require_safe
def associations(request):
    """The associations that published results, by name, with their published editions' count and links."""

    def build():
        data = [
            {
                **_association_data(request, association),
                "searchable": association.searchable,
                "editions": len(association.published),
                "editions_url": f"{_absolute(request, 'api:editions')}?{urlencode({'association': association.slug})}",
                "results_url": f"{_absolute(request, 'api:results')}?{urlencode({'association': association.slug})}",
            }
            for association in public.publishing_associations()
        ]
        return {"count": len(data), "results": data}, 200

    return _cached(request, build)


@require_safe
def editions(request):
    def build():
        association = _association(request)
        counts = public.edition_counts(association)
        data = [
            {
                "id": edition.pk,
                "url": _absolute(request, "api:edition", edition.pk),
                "association": _association_data(request, edition.association),
                "name": edition.name,
                "number": edition.number,
                "year": edition.year,
                "city": edition.city,
                "entries": counts.get(edition.pk, {}).get("entries", 0),
                "graded": counts.get(edition.pk, {}).get("graded", 0),
            }
            for edition in published_editions(association)
        ]
        return {"count": len(data), "results": data}, 200

    return _cached(request, build)


@require_safe
def edition(request, pk: int):
    def build():
        found = published_editions().filter(pk=pk).first()
        if found is None:
            return {"error": _("No published edition with this number.")}, 404
        summary = public.edition_summary(found)
        return {
            "id": found.pk,
            "association": _association_data(request, found.association),
            "name": found.name,
            "number": found.number,
            "year": found.year,
            "city": found.city,
            "starts_on": found.starts_on.isoformat() if found.starts_on else None,
            "ends_on": found.ends_on.isoformat() if found.ends_on else None,
            "hosts": [line for line in found.hosts.splitlines() if line.strip()],
            "entries": summary["entries"],
            "graded": summary["graded"],
            "enterprises": summary["enterprises"],
            "venues": summary["venues"],
            "grades": summary["grades"],
            "categories": [
                {
                    "id": line["category"].pk,
                    "name": line["category"].name,
                    "kind": line["category"].kind,
                    "entries": line["entries"],
                    "graded": line["graded"],
                    "grades": dict(zip(summary["grades"], line["grade_counts"], strict=True)),
                }
                for line in summary["categories"]
            ],
            "results": f"{_absolute(request, 'api:results')}?"
            + urlencode({"association": found.association.slug, "edition": found.pk}),
            "award_list_csv": _absolute(request, "public:award_list_csv", found.pk),
        }, 200

    return _cached(request, build)


@require_safe
def results(request):
    def build():
        association = _association(request)
        form = ResultFilterForm.for_request(request.GET, association)
        if not form.is_valid():
            return {"error": _("Invalid filter."), "fields": form.errors.get_json_data()}, 400
        size, error = _page_params(request)
        if error:
            return {"error": error}, 400
        rows = public.filter_rows(published_rows(association), form.filters())
        rows = rows.select_related("edition__association", "category")
        paged, problem = _paginate(request, rows, size)
        if problem:
            return {"error": problem[0]}, problem[1]
        page, meta = paged
        return {**meta, "results": [_row(request, row) for row in page.object_list]}, 200

    return _cached(request, build)


@require_safe
def result(request, entry_id: int):
    def build():
        row = public.current_row_for_entry(entry_id)
        if row is None:
            return {"error": _("No published result with this number.")}, 404
        protocol = public.shown_protocol(row)
        return {
            **_row(request, row),
            "members": public.public_members(row),
            # null where the category does not publish its protocols (Category.publish_protocol)
            "protocol": None
            if protocol is None
            else {
                "counted_sheets": protocol["counted_sheets"],
                "aggregation": protocol["aggregation"],
                "recused_judges": protocol["recused_count"],
                "sheet_totals": [
                    {"total": str(sheet["total"]), "dropped": sheet["dropped"]} for sheet in protocol["sheets"]
                ],
                "tie_breaks": [
                    {"position": tie["position"], "criterion": tie["criterion"], "percent": str(tie["value"])}
                    for tie in protocol["tie_breaks"]
                ],
            },
        }, 200

    return _cached(request, build)


@require_safe
def enterprise(request, pk: int):
    def build():
        rows = public.enterprise_rows(pk, _association(request))
        if not rows:
            return {"error": _("This enterprise has no published result.")}, 404
        return {
            "id": pk,
            "name": rows[0].enterprise_name,
            "province": rows[0].province,
            "web_url": _absolute(request, "public:enterprise", pk),
            "results": [_row(request, row) for row in rows],
        }, 200

    return _cached(request, build)
