"""Help inside the portal (/help/): a guide per role, the judges' printable quick guide, the open data's page.

The guides are long texts, so each is a template per language (templates/public/help/<language>/<role>.html),
chosen by the active language: Chinese first, English complete, and no paragraph split into catalogue entries.
The judges' quick guide is one small text per language (judge_quick.txt) that both the judge's guide and its A4
PDF are made from, so the page and the paper never disagree.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from events.models import Association
from portal import pdf
from public import openapi
from submissions import files

# The guides in the order the help page lists them: (slug, who reads it).
GUIDES = {
    "organiser": gettext_lazy("Organisers"),
    "enterprise": gettext_lazy("Enterprises"),
    "recommender": gettext_lazy("Recommending units"),
    "judge": gettext_lazy("Judges"),
    "leader": gettext_lazy("Panel leaders"),
    "public": gettext_lazy("The public"),
}
# The guide a logged-in person is offered first (portal.User.role; a staff member organises).
ROLE_GUIDES = {"organiser": "organiser", "enterprise": "enterprise", "recommender": "recommender", "judge": "judge"}
LANGUAGES = ("zh_hans", "en")


def language_folder() -> str:
    """The folder of the guides in the active language: Chinese for any Chinese, English otherwise."""
    return "zh_hans" if (get_language() or "").lower().startswith("zh") else "en"


def guide_for(user) -> str | None:
    """The slug of the guide of a person's role, None for a visitor."""
    if user is None or not user.is_authenticated:
        return None
    return "organiser" if user.is_organiser else ROLE_GUIDES.get(user.role)


# --- whom to contact, at the foot of every page ---------------------------------------------------------

CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email", "address")
# Objects of a page that belong to an edition, in the order they are looked for.
EDITION_HOLDERS = ("edition", "venue", "category", "entry", "sheet", "row")


def _loaded(obj, field: str):
    """The related object `field` of `obj` when it is loaded already, else None (never a query)."""
    state = getattr(obj, "_state", None)
    return state.fields_cache.get(field) if state is not None else None


def _association(context) -> Association | None:
    for name in ("association", "scope"):  # an association's page; public pages under /a/<slug>/ name it `scope`
        found = context.get(name)
        if isinstance(found, Association):
            return found
    for name in EDITION_HOLDERS:
        holder = context.get(name)
        if holder is None:
            continue
        edition = holder if name == "edition" else _loaded(holder, "edition")
        if edition is not None and getattr(edition, "association_id", None):
            return _loaded(edition, "association") or Association.objects.filter(pk=edition.association_id).first()
        edition_id = getattr(holder, "edition_id", None)
        if edition_id:
            return Association.objects.filter(editions=edition_id).first()
    return None


def contact_for(context) -> dict:
    """The contact details shown at the foot of a page: organisation, name, phone, e-mail, address. A public page
    cached whole keeps the contact it was made with (`page_contact`, see public.views._cached_page)."""
    if context.get("page_contact") is not None:
        return context["page_contact"]
    association = _association(context)
    if association is not None:
        return {"organisation": association.name, **{field: getattr(association, field) for field in CONTACT_FIELDS}}
    return {
        "organisation": settings.PORTAL_CONTACT_ORGANISATION,
        "contact_name": settings.PORTAL_CONTACT_NAME,
        "contact_phone": settings.PORTAL_CONTACT_PHONE,
        "contact_email": settings.PORTAL_CONTACT_EMAIL,
        "address": settings.PORTAL_CONTACT_ADDRESS,
    }


@dataclass
class Section:
    heading: str
    lines: list[str] = field(default_factory=list)


@dataclass
class QuickGuide:
    title: str
    intro: str
    sections: list[Section]


def quick_guide() -> QuickGuide:
    """The judges' quick guide in the active language, parsed from judge_quick.txt: the first line is the title,
    the second the introduction; `## ` starts a section and each other line is one point of it."""
    text = render_to_string(f"public/help/{language_folder()}/judge_quick.txt").strip()
    title, intro, *rest = [line.strip() for line in text.splitlines() if line.strip()]
    sections: list[Section] = []
    for line in rest:
        if line.startswith("## "):
            sections.append(Section(line[3:]))
        else:
            sections[-1].lines.append(line)
    return QuickGuide(title=title, intro=intro, sections=sections)


SCALES = (1.0, 0.93, 0.86, 0.8)  # the type sizes tried, largest first, until the guide fits on one page


def quick_guide_pdf(guide: QuickGuide) -> bytes:
    """The quick guide on one A4 page for the venue table (Noto Sans SC, portal.pdf), in the largest type that
    fits. Chinese wraps between any two characters, English between words."""
    for scale in SCALES:
        document = _quick_guide_document(guide, scale)
        if document.page_no() == 1:
            break
    return pdf.to_bytes(document)


def _quick_guide_document(guide: QuickGuide, scale: float):
    wrap = "CHAR" if language_folder() == "zh_hans" else "WORD"
    document = pdf.document(title=guide.title, author=str(_("QC Exchange Portal")))
    document.set_auto_page_break(auto=True, margin=12)
    document.set_margins(18, 16, 18)
    document.add_page()
    width = document.w - 36
    document.set_font(pdf.SANS, size=20 * scale)
    document.multi_cell(width, 11 * scale, guide.title, align="L", wrapmode=wrap, new_x="LMARGIN", new_y="NEXT")
    document.set_font(pdf.SANS, size=11 * scale)
    document.set_text_color(80, 80, 80)
    document.multi_cell(width, 6 * scale, guide.intro, align="L", wrapmode=wrap, new_x="LMARGIN", new_y="NEXT")
    document.set_text_color(0, 0, 0)
    for section in guide.sections:
        document.ln(3.5 * scale)
        document.set_font(pdf.SANS, size=14 * scale)
        document.set_fill_color(228, 236, 247)
        document.cell(width, 8.5 * scale, f" {section.heading}", fill=True, new_x="LMARGIN", new_y="NEXT")
        document.ln(1.2 * scale)
        document.set_font(pdf.SANS, size=11.5 * scale)
        for line in section.lines:
            document.set_x(20)
            document.cell(5, 6.4 * scale, "•")
            document.multi_cell(width - 7, 6.4 * scale, line, align="L", wrapmode=wrap, new_x="LMARGIN", new_y="NEXT")
            document.ln(0.6 * scale)
    return document


@require_safe
def index(request):
    return render(
        request,
        "public/help/index.html",
        {"guides": GUIDES, "own_guide": guide_for(request.user)},
    )


@require_safe
def guide(request, role: str):
    if role not in GUIDES:
        raise Http404(_("There is no such guide."))
    context = {
        "guides": GUIDES,
        "role": role,
        "role_label": GUIDES[role],
        "body": f"public/help/{language_folder()}/{role}.html",
    }
    if role == "judge":
        context["quick"] = quick_guide()
    return render(request, "public/help/guide.html", context)


@require_safe
def judge_quick_guide_pdf(request):
    guide = quick_guide()
    response = HttpResponse(quick_guide_pdf(guide), content_type=pdf.PDF_MIME)
    name = "judge-quick-guide.pdf" if language_folder() == "en" else "评委快速指南.pdf"
    response["Content-Disposition"] = files.content_disposition(
        name, as_attachment=False, fallback="judge-quick-guide.pdf"
    )
    return response


@require_safe
def api(request):
    description = openapi.description(server=request.build_absolute_uri("/api/v1/"))
    schemas = description["components"]["schemas"]
    routes = []
    for path, item in description["paths"].items():
        operation = item["get"]
        answer = operation["responses"]["200"]["content"]["application/json"].get("schema")
        routes.append(
            {
                "path": "/api/v1" + path,
                "summary": operation["summary"],
                "parameters": operation.get("parameters", []),
                "fields": openapi.fields(answer, schemas) if answer else [],
                "refusals": [
                    (status, answer["description"])
                    for status, answer in operation["responses"].items()
                    if status != "200"
                ],
            }
        )
    return render(
        request,
        "public/help/api.html",
        {"guides": GUIDES, "info": description["info"], "routes": routes, "downloads": openapi.downloads()},
    )
