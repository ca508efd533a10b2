"""The public portal: published results, entries, enterprises, editions, statistics, award lists.

Anyone may read these pages; they show only what `public.queries.published_rows()` returns. Each page's
content is rendered once per URL and language and cached (see `public.cache`); the surrounding layout,
which differs per visitor (navigation, log-in state), is rendered on every request.

Every association has the same pages under /a/<slug>/ (`slug`), showing only its editions: an edition, entry or
enterprise of another association is not found there. The pages at the top level are the portal-wide ones: the
search (/results/) finds the rows of the associations in the portal-wide search (Association.searchable), the others
show every association's, each page naming the association an edition belongs to.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from events.models import Association, Edition
from portal.compression import PreparedBody, prepared_response
from portal.images import kind_of
from portal.pdf import PDF_MIME
from portal.spreadsheets import CSV_MIME, XLSX_MIME
from public import cache as page_cache
from public import queries as public
from public.cache import CACHE_SECONDS, cache_key, remembered, request_path
from public.forms import ResultFilterForm, VerifyForm
from public.help import contact_for
from public.queries import published_editions, published_rows
from results import award_lists, certificates
from submissions import files

CSRF_PLACEHOLDER = "csrf-token-of-this-request"


def _association(slug: str | None) -> Association | None:
    """The association whose pages these are (a 404 for an unknown address), or None for the portal-wide pages."""
    if slug is None:
        return None
    return get_object_or_404(Association, slug=slug)


def _cached_page(request, *, template: str, build, association=None):
    """Render the page body with build()'s context, cached per URL (its path holds the association's prefix) and
    language; build may raise Http404. The template reads the page's association as `scope`."""
    key = cache_key("page", request_path(request))
    page = page_cache.cached(key)
    if page is None:
        context = {"scope": association, **build()}
        page = {
            # The footer's contact: the association's whose edition or page this is (public.help.contact_for).
            "page_contact": contact_for(context),
            "page_title": str(context.pop("page_title")),
            "page_description": str(context.pop("page_description")),
            "charts": bool(context.get("charts")),
            "body": render_to_string(template, context),
        }
        page_cache.cache_store(key, page, CACHE_SECONDS)
    if request.user.is_authenticated or len(messages.get_messages(request)):
        return render(request, "public/page.html", page)
    # A visitor who is not logged in and has no message gets the same whole page as every other such visitor,
    # but for the CSRF token of the language form: the page is kept (per process) with a placeholder for it.
    # Rendering the layout cost a worker more than the rest of the cached request (bench/README.md).
    # It is kept encoded, split around the token, and compressed once for the clients that take gzip: encoding
    # and compressing a large page on every request cost more than the bare request (portal.compression).
    whole_key = f"{key}:anonymous"
    body = page_cache.cached_local(whole_key)
    if body is None:
        # Served to every such visitor: the language form returns them to the page's own address, not to this
        # visitor's with parameters the page ignores (and that may be theirs alone).
        context = {**page, "csrf_token": CSRF_PLACEHOLDER, "language_next": request_path(request)}
        html = render(request, "public/page.html", context).content
        body = PreparedBody(html.split(CSRF_PLACEHOLDER.encode()))
        page_cache.keep_local(whole_key, body)
    return prepared_response(request, body, token=get_token(request).encode())


def _published_edition(pk: int, association=None) -> Edition:
    edition = published_editions(association).filter(pk=pk).first()
    if edition is None:
        raise Http404(_("No published edition with this number."))
    return edition


@require_safe
def results(request, slug=None):
    """The results browser: one association's results, or, at the top level, the search across the associations in
    the portal-wide search."""
    association = _association(slug)
    searchable_only = association is None

    def build():
        form = ResultFilterForm.for_request(request.GET, association, searchable_only=searchable_only)
        filters = form.filters()
        rows = public.filter_rows(published_rows(association, searchable_only=searchable_only), filters)
        rows = rows.select_related("edition__association", "category")
        page = Paginator(rows, public.PAGE_SIZE).get_page(request.GET.get("page"))
        for row in page.object_list:
            row.province_label = public.province_label(row.province)
            row.topic_type_label = public.topic_type_label(row.topic_type)
        keep = {name: request.GET[name] for name in form.fields if request.GET.get(name)}
        description = _("Published results of the QC-group achievement exchange: search by title, group or enterprise.")
        title = _("Results")
        if filters.get("q"):
            title = _("Results for “%(q)s”") % {"q": filters["q"]}
        if association is not None:
            title = f"{title} · {association.short_name}"
            description = _("Published results of %(association)s: search by title, group or enterprise.") % {
                "association": association.name
            }
        api_keep = {**keep, "association": association.slug} if association is not None else keep
        return {
            "page_title": title,
            "page_description": description,
            "form": form,
            "filters": filters,
            "page": page,
            # Every page number near this one, the first and the last (1 2 … 7 8 9 … 40): a reader reaches any page.
            "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
            "querystring": urlencode(keep),
            "api_querystring": urlencode(api_keep),
            "edition_chosen": bool(filters.get("edition")),
        }

    return _cached_page(request, template="public/_results.html", build=build, association=association)


@require_safe
def entry_detail(request, entry_id: int, slug=None):
    association = _association(slug)

    def build():
        row = public.current_row_for_entry(entry_id, association)
        if row is None:
            raise Http404(_("No published result with this number."))
        protocol = public.shown_protocol(row)
        grade = row.grade or _("No grade")
        return {
            "page_title": row.title,
            "page_description": _("%(title)s — %(enterprise)s, %(edition)s: %(grade)s")
            % {"title": row.title, "enterprise": row.enterprise_name, "edition": row.edition.name, "grade": grade},
            "row": row,
            "entry": row.entry,
            "province_label": public.province_label(row.province),
            "topic_type_label": public.topic_type_label(row.topic_type),
            "protocol": protocol,
            "members": public.public_members(row),
            "report": public.published_report(row),
            "association": row.edition.association,
        }

    return _cached_page(request, template="public/_entry.html", build=build, association=association)


@require_safe
def entry_report(request, entry_id: int, slug=None):
    """The entry's report, only when the entry is published (in the association's editions, under its pages) and
    its enterprise agreed to publish it."""
    row = public.current_row_for_entry(entry_id, _association(slug))
    report = public.published_report(row) if row is not None else None
    if report is None or not report.file:
        raise Http404(_("This report is not published."))
    try:
        return files.file_response(report, inline=True)
    except FileNotFoundError:
        raise Http404(_("This report is not published."))


@require_safe
def enterprise_detail(request, pk: int, slug=None):
    """An enterprise's honours: in every association's editions, or under an association's pages in its only."""
    association = _association(slug)

    def build():
        rows = public.enterprise_rows(pk, association)
        if not rows:
            raise Http404(_("This enterprise has no published result."))
        newest = rows[0]
        editions = public.by_edition(rows)
        return {
            "page_title": newest.enterprise_name,
            "page_description": _("%(name)s: %(count)s published results in %(editions)s editions of the exchange.")
            % {"name": newest.enterprise_name, "count": len(rows), "editions": len(editions)},
            "name": newest.enterprise_name,
            "province_label": public.province_label(newest.province),
            "editions": editions,
            "honours": public.honours(rows),
            "total": len(rows),
        }

    return _cached_page(request, template="public/_enterprise.html", build=build, association=association)


def _editions_with_counts(association) -> list:
    """The published editions (of the association, or all), each with its entries, graded and enterprises counted."""
    editions = list(published_editions(association))
    counts = public.edition_counts(association)
    for edition in editions:
        line = counts.get(edition.pk, {})
        edition.entry_count = line.get("entries", 0)
        edition.graded_count = line.get("graded", 0)
        edition.enterprise_count = line.get("enterprises", 0)
    return editions


@require_safe
def edition_list(request, slug=None):
    association = _association(slug)

    def build():
        editions = _editions_with_counts(association)
        title = _("Archive of editions")
        return {
            "page_title": f"{title} · {association.short_name}" if association is not None else title,
            "page_description": _("Every published edition of the exchange with its results."),
            "editions": editions,
        }

    return _cached_page(request, template="public/_edition_list.html", build=build, association=association)


@require_safe
def edition_detail(request, pk: int, slug=None):
    association = _association(slug)

    def build():
        edition = _published_edition(pk, association)
        summary = public.edition_summary(edition)
        return {
            "page_title": edition.name,
            "page_description": _(
                "%(name)s: %(entries)s published results from %(enterprises)s enterprises, %(graded)s graded."
            )
            % {
                "name": edition.name,
                "entries": summary["entries"],
                "enterprises": summary["enterprises"],
                "graded": summary["graded"],
            },
            "edition": edition,
            "summary": summary,
            "plenary": list(public.plenary_rows(edition)),
            "hosts": [line for line in edition.hosts.splitlines() if line.strip()],
            "association": edition.association,
        }

    return _cached_page(request, template="public/_edition.html", build=build, association=association)


@require_safe
def statistics(request, slug=None):
    """Grades of one published edition (the newest unless chosen) and an overview: per association at the top level,
    per edition of the association under its pages."""
    association = _association(slug)

    def build():
        editions = list(published_editions(association))
        raw = request.GET.get("edition")
        edition = None
        if raw:
            edition = next((e for e in editions if str(e.pk) == raw), None)
            if edition is None:
                raise Http404(_("No published edition with this number."))
        elif editions:
            edition = editions[0]
        stats = public.edition_statistics(edition) if edition else None
        tables = []
        if stats:
            for table in stats["tables"]:
                tables.append(
                    {**table, "chart_id": f"chart-{table['id']}", "chart": public.chart_data(table, stats["grades"])}
                )
        prefix = f"{association.short_name} · " if association is not None else ""
        return {
            "page_title": prefix + _("Statistics") + (f" · {edition.name}" if edition else ""),
            "page_description": _("Grades per category, per province and per topic type of a published edition."),
            "editions": editions,
            "edition": edition,
            "grades": stats["grades"] if stats else [],
            "tables": tables,
            "charts": bool(tables),
            "overview": public.association_totals(association),
        }

    return _cached_page(request, template="public/_statistics.html", build=build, association=association)


def _award_filename(edition: Edition, extension: str) -> str:
    """The ASCII name of a public award list, for clients that cannot read its Chinese name."""
    return f"awards-{edition.year}-{edition.number}.{extension}"


def _award_list(request, pk: int, slug, *, extension: str, content_type: str, render):
    """The award list of the edition's current publication: its awarded entries (results.award_lists), named in
    Chinese (第四十次交流活动获奖名单.xlsx) with an ASCII fallback. Under an association's pages, its editions' only."""
    edition = _published_edition(pk, _association(slug))
    publication = public.newest_publication_of(edition)
    name = award_lists.download_name(edition=edition, publication=publication, awarded_only=True, extension=extension)
    disposition = files.content_disposition(name, fallback=_award_filename(edition, extension))
    stored = award_lists.stored_public_list(publication, extension)
    if stored is not None:  # written once by the publication's task
        response = FileResponse(stored.file.open("rb"), content_type=content_type)
    else:
        # Not written yet (the task is queued, or failed): written once here and cached for every visitor meanwhile.
        key = cache_key(f"awards-{extension}", f"{public.scope_key(edition.association)}:{pk}")
        content = remembered(key, lambda: render(edition=edition, publication=publication))
        response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = disposition
    return response


@require_safe
def award_list_csv(request, pk: int, slug=None):
    return _award_list(request, pk, slug, extension="csv", content_type=CSV_MIME, render=award_lists.public_csv)


@require_safe
def award_list_xlsx(request, pk: int, slug=None):
    return _award_list(request, pk, slug, extension="xlsx", content_type=XLSX_MIME, render=award_lists.public_xlsx)


@require_safe
def award_list_pdf(request, pk: int, slug=None):
    return _award_list(request, pk, slug, extension="pdf", content_type=PDF_MIME, render=award_lists.public_pdf)


def home(request):
    """The portal's home: the associations that published results (each with its editions and a link to its pages),
    the newest announced edition, and the headline numbers of the newest published one."""
    editions = list(
        Edition.objects.exclude(status=Edition.Status.DRAFT)
        .select_related("association")
        .order_by("-year", "-number")[:5]
    )
    context = {
        "editions": editions,
        # The newest announced edition: its notice and dates.
        "current": editions[0] if editions else None,
        # The newest published edition: its headline numbers (DOMAIN.md section 1).
        "headline": public.cached_headline(),
        "associations": public.cached_publishing_associations(),
    }
    return render(request, "public/home.html", context)


@require_safe
def association_home(request, slug: str):
    """An association's public home: who it is, its published editions and the headline numbers of its newest."""
    association = _association(slug)

    def build():
        editions = _editions_with_counts(association)
        return {
            "page_title": association.name,
            "page_description": _("Published results of the exchanges of %(association)s.")
            % {"association": association.name},
            "association": association,
            "editions": editions,
            "headline": public.cached_headline(association),
        }

    return _cached_page(request, template="public/_association.html", build=build, association=association)


@require_safe
def association_logo(request, slug: str):
    """The association's logo, a PNG or JPEG picture (read from its content; anything else is not served)."""
    association = _association(slug)
    if not association.logo:
        raise Http404(_("This association has no logo."))
    try:
        handle = association.logo.open("rb")
    except FileNotFoundError:
        raise Http404(_("This association has no logo."))
    head = handle.read(8)
    handle.seek(0)
    kind = kind_of(head)
    if kind is None:
        handle.close()
        raise Http404(_("This association has no logo."))
    response = FileResponse(handle, content_type="image/png" if kind == "png" else "image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


@require_safe
def verify_form(request):
    """Where a visitor types the code printed on a certificate."""
    form = VerifyForm(request.GET or None)
    if form.is_bound and form.is_valid():
        code = certificates.normalise_code(form.cleaned_data["code"])
        if code:
            return redirect("public:verify", code=code)
    return render(request, "public/verify.html", {"form": form, "searched": form.is_bound})


@require_safe
def verify(request, code: str):
    """What the certificate with this code states, and whether it is still valid (not cached: a later publication
    may supersede it at any time)."""
    certificate = certificates.find_certificate(code)
    context = {"form": VerifyForm(initial={"code": code}), "code": code, "certificate": certificate, "searched": True}
    if certificate is not None:
        context["valid"] = certificate.is_valid
        context["replacement"] = certificate.superseded_by
    response = render(request, "public/verify.html", context)
    if certificate is None:
        response.status_code = 404
    response["Cache-Control"] = "no-store"
    return response
