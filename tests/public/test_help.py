"""The help pages: a guide per role in Chinese and English, the judges' printable quick guide, the open data's
page, and the footer every page carries (the help of the reader's role and whom to contact)."""

import io
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.urls import resolve, reverse
from django.utils import translation
from pypdf import PdfReader

from public import help, openapi
from results.engine import CategoryRules, EntryInput, Sheet, compute_category
from tests import factories
from tests.scenarios import published_edition, published_row

pytestmark = pytest.mark.django_db

# Latin words a Chinese guide may hold: names of formats and of the exchange's kind of result.
LATIN_ALLOWED = {"QC", "PDF", "Excel", "PPTX", "CSV", "JSON", "A4", "zip"}

# The pages and buttons each guide names, as the interface names them (msgids of the catalogue).
PAGE_NAMES = {
    "organiser": [
        "Association",
        "Team",
        "Judges' pool",
        "Settings",
        "contact person",
        "contact phone",
        "contact e-mail",
        "postal address",
        "All associations",
        "To do",
        "Editions",
        "New edition",
        "Copy to a new edition",
        "Details",
        "Rubrics",
        "Categories",
        "Organiser team",
        "Dashboard",
        "Change the status",
        "Announcements",
        "Recommending units",
        "Import the units' users",
        "Send the invitation",
        "Enterprises",
        "Approve",
        "Extend the deadline",
        "Entries",
        "Start the format review",
        "Save the decision",
        "Accept the selected entries",
        "Judges",
        "Import a list of judges",
        "Venues and panels",
        "Add a venue",
        "Assign automatically",
        "Draw the running order",
        "Recusals",
        "Declaration of the judge",
        "Declarations",
        "Score sheets to print (PDF)",
        "Live board",
        "Import paper score sheets",
        "Sign the venue off",
        "Provisional results",
        "Compute the results",
        "Protocol",
        "Publish the results",
        "Document number and date",
        "Confirm: publish these results",
        "Award lists",
        "Full ranking of every entry",
        "Certificates",
        "Plenary",
        "Audit",
    ],
    "enterprise": [
        "Register an enterprise",
        "My entries",
        "Our users",
        "Invite a colleague",
        "Make an administrator",
        "Join requests",
        "Leave the enterprise",
        "New entry",
        "Submit for format review",
        "Edit the entry",
        "Withdraw this entry",
        "Certificates",
        "Download",
        "Download all our data (zip)",
    ],
    "recommender": [
        "Log in",
        "Recommendation lists",
        "Forgot your password?",
        "Download the template",
        "Check the list",
        "Confirm the import",
        "Enterprises naming your unit as their recommender",
        "Confirm",
        "Decline",
        "Drafts of your list deleted by their enterprise",
        "Entries recommended by your unit",
    ],
    "judge": ["My venues", "Score", "Schedule", "Save draft", "Submit"],
    "leader": [
        "My venues",
        "Panel",
        "Missing sheets",
        "Score sheets to print (PDF)",
        "Every judge (a page each)",
        "Reopen",
        "Reason for reopening the sheet",
        "Reopen the sheet",
        "Provisional ranking",
        "Sign the venue off",
        "Reopen the venue",
    ],
    "public": ["Results", "Archive of editions", "Award lists", "Statistics", "How the score was reached"],
}


def guide_text(client, role, language) -> str:
    response = client.get(reverse("public:help_guide", args=[role]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    article = html[html.index('id="guide"') : html.index("</article>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", article.split(">", 1)[1]))


def test_every_guide_is_served_in_both_languages(client):
    assert list(help.GUIDES) == ["organiser", "enterprise", "recommender", "judge", "leader", "public"]
    for role in help.GUIDES:
        chinese, english = guide_text(client, role, "zh-hans"), guide_text(client, role, "en")
        assert len(chinese) > 300 and len(english) > 600, role
        assert re.search(r"[\u4e00-\u9fff]{8}", chinese), role
    assert client.get(reverse("public:help_guide", args=["nobody"])).status_code == 404


@pytest.mark.parametrize("role", list(help.GUIDES))
def test_a_chinese_guide_has_no_english_left(client, role):
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9'-]*", guide_text(client, role, "zh-hans")))
    assert words - LATIN_ALLOWED == set()


@pytest.mark.parametrize("role", list(PAGE_NAMES))
def test_a_guide_names_the_pages_as_the_interface_does(client, role):
    """Each page or button a guide names is written as the catalogue translates it, in either language."""
    chinese, english = guide_text(client, role, "zh-hans"), guide_text(client, role, "en")
    with translation.override("zh-hans"):
        missing_chinese = [name for name in PAGE_NAMES[role] if translation.gettext(name) not in chinese]
    missing_english = [name for name in PAGE_NAMES[role] if name not in english]
    assert (missing_chinese, missing_english) == ([], [])


def test_the_public_guide_s_examples_are_the_engine_s_numbers(client):
    def final(*totals):
        sheets = tuple(Sheet(judge, D(total)) for judge, total in enumerate(totals, start=1))
        return str(compute_category(CategoryRules(), [EntryInput(1, 1, sheets)])[1].final_score)

    trimmed, rounded = final("88.5", "86.0", "91.0", "79.5", "86.0"), final("84.1", "84.2", "84.1", "84.1")
    assert (trimmed, rounded) == ("86.83", "84.13")
    for language in ("zh-hans", "en"):
        text = guide_text(client, "public", language)
        assert "88.5、86.0、91.0、79.5、86.0" in text or "88.5, 86.0, 91.0, 79.5 and 86.0" in text
        assert trimmed in text and rounded in text and "86.67%" in text


def test_the_judges_quick_guide_is_one_a4_page_in_either_language(client):
    for language, title in (("zh-hans", "评委快速指南"), ("en", "The judges' quick guide")):
        response = client.get(reverse("public:judge_quick_guide_pdf"), HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("inline;")
        reader = PdfReader(io.BytesIO(response.content))
        assert len(reader.pages) == 1
        assert [round(float(side)) for side in reader.pages[0].mediabox[2:]] == [595, 842]
        assert reader.metadata.title.startswith(title)


def test_the_judge_guide_shows_the_quick_guide_the_pdf_is_made_from(client):
    response = client.get(reverse("public:help_guide", args=["judge"]))
    with translation.override("zh-hans"):
        quick = help.quick_guide()
    assert [section.heading for section in quick.sections] == [
        "登录",
        "评分",
        "草稿和提交",
        "断网或登录失效时",
        "纸质评分表",
    ]
    body = response.content.decode()
    for section in quick.sections:
        assert all(line in body for line in section.lines)
    assert reverse("public:judge_quick_guide_pdf") in body


def test_the_api_page_lists_every_route_and_every_field(client):
    response = client.get(reverse("public:help_api"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    description = openapi.description(server="http://testserver/api/v1/")
    schemas = description["components"]["schemas"]
    for path, item in description["paths"].items():
        assert f'data-path="/api/v1{path}"' in body
        answer = item["get"]["responses"]["200"]["content"]["application/json"].get("schema")
        for field in openapi.fields(answer, schemas) if answer else []:
            assert f'data-field="{field["name"]}"' in body, (path, field["name"])
    assert 'data-field="protocol.sheet_totals[].dropped"' in body
    assert "类别、排名、成果编号" in body


def test_every_page_links_the_help_of_its_reader_s_role(client, judge, organiser):
    body = client.get(reverse("public:home")).content.decode()
    assert f'href="{reverse("public:help")}" id="footer-help"' in body
    client.force_login(judge)
    body = client.get(reverse("scoring:judge_home")).content.decode()
    assert f'href="{reverse("public:help_guide", args=["judge"])}" id="footer-help"' in body
    client.force_login(organiser)
    body = client.get(reverse("events:todo")).content.decode()
    assert f'href="{reverse("public:help_guide", args=["organiser"])}" id="footer-help"' in body


def test_the_platform_contact_is_shown_only_when_set(client, settings):
    assert 'id="footer-contact"' not in client.get(reverse("public:help")).content.decode()
    settings.PORTAL_CONTACT_ORGANISATION = "中国机械工业质量管理协会"
    settings.PORTAL_CONTACT_PHONE = "010 6859 1234"
    settings.PORTAL_CONTACT_EMAIL = "qc@example.org"
    body = client.get(reverse("public:help")).content.decode()
    contact = body[body.index('id="footer-contact"') : body.index("</address>")]
    assert "中国机械工业质量管理协会" in contact
    assert 'href="tel:01068591234"' in contact and 'href="mailto:qc@example.org"' in contact


def test_docs_api_md_gives_the_downloads_columns_of_the_code():
    api_doc = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    for download in openapi.downloads():
        assert ", ".join(download["columns"]) in api_doc, download["format"]


def test_the_downloads_listed_are_the_public_routes():
    names = [resolve(download["path"].replace("{pk}", "1")).view_name for download in openapi.downloads()]
    assert names == ["public:award_list_csv", "public:award_list_xlsx", "public:award_list_pdf"]


def test_a_page_of_an_edition_shows_its_association_s_contact(client, settings):
    settings.PORTAL_CONTACT_ORGANISATION = "平台运营方"
    settings.PORTAL_CONTACT_EMAIL = "help@platform.example"
    association = factories.AssociationFactory(
        name="中国机械工业质量管理协会",
        contact_name="王组织",
        contact_phone="010-6859 4000",
        contact_email="qc@cmqa.example",
        address="北京市西城区",
    )
    edition = factories.EditionFactory(association=association)
    organiser = factories.OrganiserFactory(association=association)
    edition.organisers.add(organiser)
    client.force_login(organiser)
    for url in (
        reverse("events:dashboard", args=[edition.pk]),
        reverse("results:dashboard", args=[edition.pk]),
        reverse("events:venue_list", args=[edition.pk]),
    ):
        body = client.get(url).content.decode()
        contact = body[body.index('id="footer-contact"') : body.index("</address>")]
        assert "中国机械工业质量管理协会" in contact and "王组织" in contact and "北京市西城区" in contact, url
        assert 'href="tel:010-68594000"' in contact and 'href="mailto:qc@cmqa.example"' in contact
        assert "平台运营方" not in contact
    # A page of no association shows the platform's.
    body = client.get(reverse("public:help")).content.decode()
    assert "平台运营方" in body[body.index('id="footer-contact"') :]


def test_the_footer_reads_the_association_already_loaded_without_a_query(rf, django_assert_num_queries):
    from django.template import Context, Template

    venue = factories.VenueFactory()
    edition = venue.edition
    loaded = type(edition).objects.select_related("association").get(pk=edition.pk)
    request = rf.get("/")
    request.user = factories.JudgeFactory()
    template = Template("{% load help %}{% page_footer %}")
    with django_assert_num_queries(0):
        html = template.render(Context({"edition": loaded, "request": request}))
    assert loaded.association.contact_phone in html
    plain_venue = type(venue).objects.get(pk=venue.pk)
    with django_assert_num_queries(1):  # not loaded with the page: read once
        html = template.render(Context({"venue": plain_venue, "request": request}))
    assert loaded.association.contact_phone in html


def test_a_public_page_of_an_edition_shows_its_association_s_contact(client):
    association = factories.AssociationFactory(name="浙江省质量协会", contact_email="qc@zjqa.example")
    edition, publication = published_edition(association=association)
    row = published_row(publication)
    for url in (reverse("public:edition", args=[edition.pk]), reverse("public:entry", args=[row.entry_id])):
        for _visit in range(2):  # made, then served from the page cache
            body = client.get(url).content.decode()
            contact = body[body.index('id="footer-contact"') : body.index("</address>")]
            assert "浙江省质量协会" in contact and "qc@zjqa.example" in contact, url


def test_an_association_s_public_pages_show_its_contact(client, settings):
    settings.PORTAL_CONTACT_EMAIL = "help@platform.example"
    association = factories.AssociationFactory(name="浙江省质量协会", slug="zjqa", contact_name="李联系")
    for url in (
        reverse("public:association", args=["zjqa"]),
        reverse("public:association_results", args=["zjqa"]),
        reverse("public:help"),
    ):
        body = client.get(url).content.decode()
        contact = body[body.index('id="footer-contact"') : body.index("</address>")]
        if url == reverse("public:help"):
            assert "help@platform.example" in contact and association.name not in contact
        else:
            assert "浙江省质量协会" in contact and "李联系" in contact and "help@platform.example" not in contact, url
