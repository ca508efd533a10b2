"""Certificates: issued for the awarded entries of a publication, numbered by the template's scheme, stable across
re-publication while the grade stays, printed as A4 landscape PDF pages with the Chinese text and an embedded font."""

import io
import re
import shutil
import subprocess
import zipfile

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image
from pypdf import PdfReader

from events.models import Edition
from results import certificates, runs
from results import publication as publishing
from results.models import Certificate, CertificateRun
from tests import factories, scenarios
from tests.conftest import need
from tests.portal.test_pdf import text_of

pytestmark = pytest.mark.django_db

GROUP = "降低液压系统故障率QC小组"
ENTERPRISE = "演示（集团）有限公司"
TITLE = "降低液压系统故障率"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def english():
    """The refusals are asserted on their English source text (the portal's default language is Chinese)."""
    with translation.override("en"):
        yield


def publication_of(edition, version, rows):
    """A publication `version` of `edition` with rows (entry, grade, members), each rank in order."""
    publication = factories.PublicationFactory(edition=edition, version=version)
    for rank, (entry, grade, *members) in enumerate(rows, start=1):
        scenarios.published_row(
            publication, entry=entry, rank=rank, grade=grade, members=[{"name": n} for n in (members or [[]])[0]]
        )
    return publication


@pytest.fixture
def awarded():
    edition = factories.EditionFactory(year=2021, name="第四十次全国QC小组成果发表交流活动")
    category = factories.CategoryFactory(edition=edition, name="QC小组成果", code="QC")
    enterprise = factories.EnterpriseFactory(name=ENTERPRISE)
    first = factories.EntryFactory(
        category=category, enterprise=enterprise, title=TITLE, group_name=GROUP, status="accepted"
    )
    second = factories.EntryFactory(category=category, title="提高焊接一次合格率", status="accepted")
    third = factories.EntryFactory(category=category, title="缩短换模时间", status="accepted")
    return {"edition": edition, "category": category, "entries": [first, second, third]}


def test_the_awarded_entries_get_numbers_of_the_scheme_and_codes_of_the_alphabet(awarded):
    first, second, third = awarded["entries"]
    publication = publication_of(awarded["edition"], 1, [(first, "一等奖"), (second, "二等奖"), (third, "")])

    assert certificates.issue_certificates(publication=publication) == 2

    issued = list(Certificate.objects.order_by("sequence"))
    assert [(c.entry_id, c.number, c.grade) for c in issued] == [
        (first.pk, "〔2021〕QC-0001", "一等奖"),
        (second.pk, "〔2021〕QC-0002", "二等奖"),
    ]
    assert all(re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}", c.code) for c in issued)
    assert (issued[0].group_name, issued[0].enterprise_name, issued[0].title) == (GROUP, ENTERPRISE, TITLE)


def test_a_republication_keeps_numbers_while_the_grade_stays_and_supersedes_a_changed_grade(awarded):
    first, second, third = awarded["entries"]
    edition = awarded["edition"]
    certificates.issue_certificates(publication=publication_of(edition, 1, [(first, "一等奖"), (second, "二等奖")]))
    before = {c.entry_id: c for c in Certificate.objects.all()}

    again = publication_of(edition, 2, [(first, "一等奖"), (second, "一等奖"), (third, "三等奖")])
    assert certificates.issue_certificates(publication=again) == 3

    kept = Certificate.objects.get(pk=before[first.pk].pk)
    assert (kept.number, kept.code, kept.publication_id, kept.is_valid) == (
        before[first.pk].number,
        before[first.pk].code,
        again.pk,
        True,
    )
    old = Certificate.objects.get(pk=before[second.pk].pk)
    new = Certificate.objects.valid().get(entry=second)
    assert (old.is_valid, old.superseded_by_id) == (False, new.pk)
    assert (new.number, new.grade) == ("〔2021〕QC-0003", "一等奖")  # numbered in rank order, after the last one
    assert Certificate.objects.valid().get(entry=third).number == "〔2021〕QC-0004"


def test_an_entry_no_longer_awarded_has_its_certificate_superseded_by_none(awarded):
    first, second, _third = awarded["entries"]
    edition = awarded["edition"]
    certificates.issue_certificates(publication=publication_of(edition, 1, [(first, "一等奖"), (second, "二等奖")]))

    certificates.issue_certificates(publication=publication_of(edition, 2, [(first, "一等奖"), (second, "")]))

    old = Certificate.objects.get(entry=second)
    assert (old.is_valid, old.superseded_by_id) == (False, None)
    assert list(Certificate.objects.valid().values_list("entry_id", flat=True)) == [first.pk]


def test_members_get_certificates_of_their_own_when_the_template_says_so(awarded):
    first, *_ = awarded["entries"]
    factories.CertificateTemplateFactory(edition=awarded["edition"], per_member=True)
    publication = publication_of(awarded["edition"], 1, [(first, "一等奖", ["张三", "李四"])])

    certificates.issue_certificates(publication=publication)

    assert list(Certificate.objects.order_by("sequence").values_list("member_name", "number")) == [
        ("", "〔2021〕QC-0001"),
        ("张三", "〔2021〕QC-0002"),
        ("李四", "〔2021〕QC-0003"),
    ]
    member = Certificate.objects.get(member_name="李四")
    assert text_of(certificates.certificate_pdf(member)).startswith("荣誉证书李四同志：" + ENTERPRISE + GROUP)


def test_a_certificate_holds_the_chinese_names_exactly_on_an_a4_landscape_page(awarded):
    first, *_ = awarded["entries"]
    factories.CertificateTemplateFactory(edition=awarded["edition"], issuing_body="中国质量协会")
    certificates.issue_certificates(publication=publication_of(awarded["edition"], 1, [(first, "一等奖")]))
    certificate = Certificate.objects.get()

    data = certificates.certificate_pdf(certificate)

    page = PdfReader(io.BytesIO(data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
    assert text_of(data) == (
        f"荣誉证书{ENTERPRISE}{GROUP}：你们的成果《{TITLE}》在第四十次全国QC小组成果发表交流活动中荣获"
        f"QC小组成果一等奖。特发此证，以资鼓励。中国质量协会{certificate.issued_on.year}年"
        f"{certificate.issued_on.month}月{certificate.issued_on.day}日证书编号：〔2021〕QC-0001"
        f"验证码：{certificate.code}http://testserver/verify/{certificate.code}/"
    )


def test_a_certificate_without_an_issuing_body_is_issued_by_the_edition_s_association(awarded):
    first, *_ = awarded["entries"]
    association = factories.AssociationFactory(name="浙江省质量协会")
    Edition.objects.filter(pk=awarded["edition"].pk).update(association=association)
    factories.CertificateTemplateFactory(
        edition=awarded["edition"], issuing_body="", wording="{association}授予{group}{grade}。"
    )
    certificates.issue_certificates(publication=publication_of(awarded["edition"], 1, [(first, "一等奖")]))
    certificate = Certificate.objects.get()

    text = text_of(certificates.certificate_pdf(certificate))

    assert text.startswith(f"荣誉证书浙江省质量协会授予{GROUP}一等奖。浙江省质量协会{certificate.issued_on.year}年")


def test_a_certificate_s_fonts_are_embedded_subsets(awarded, tmp_path):
    need("pdffonts", bool(shutil.which("pdffonts")), "poppler-utils reads the fonts of a PDF")
    first, *_ = awarded["entries"]
    certificates.issue_certificates(publication=publication_of(awarded["edition"], 1, [(first, "一等奖")]))
    path = tmp_path / "certificate.pdf"
    path.write_bytes(certificates.certificate_pdf(Certificate.objects.get()))

    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    fonts = sorted((line.split()[0].split("+")[1], *line.split()[-5:-2]) for line in lines[2:])
    assert fonts == [("NotoSansSC", "yes", "yes", "yes"), ("NotoSerifSC", "yes", "yes", "yes")]
    assert path.stat().st_size < 120_000


def test_a_category_s_zip_holds_one_pdf_with_a_page_each_and_its_list(awarded):
    first, second, _third = awarded["entries"]
    publication = publication_of(awarded["edition"], 1, [(first, "一等奖"), (second, "二等奖")])
    certificates.issue_certificates(publication=publication)
    out = io.BytesIO()

    count = certificates.write_category_zip(
        template=certificates.template_of(awarded["edition"]),
        category=awarded["category"],
        certificates=list(certificates.publication_certificates(publication)),
        target=out,
    )

    assert count == 2
    archive = zipfile.ZipFile(out)
    assert archive.namelist() == ["荣誉证书-QC小组成果.pdf", "荣誉证书-QC小组成果-清单.csv"]
    document = archive.read("荣誉证书-QC小组成果.pdf")
    assert len(PdfReader(io.BytesIO(document)).pages) == 2
    assert "〔2021〕QC-0002" in text_of(document, 1)
    lines = archive.read("荣誉证书-QC小组成果-清单.csv").decode("utf-8-sig").splitlines()
    assert lines[0] == "证书编号,验证码,成果编号,课题名称,小组名称,申报单位,获奖人,等级,页码"
    assert lines[1].split(",")[0::7] == ["〔2021〕QC-0001", "一等奖"]
    assert [line.split(",")[-1] for line in lines[1:]] == ["1", "2"]


def test_publishing_generates_the_certificates_and_e_mails_the_enterprise(
    organiser, django_capture_on_commit_callbacks
):
    category = scenarios.category(grades=[("一等奖", "share", "0.5")])
    venue, judges = scenarios.venue(category, judges=5, signed_off=True)
    entries = [scenarios.scored_entry(venue, judges, [90 - n, 88 - n, 86 - n, 84 - n, 80 - n]) for n in range(2)]
    factories.EnterpriseUserFactory(enterprise=entries[0].enterprise, email="qc@demo.example")
    edition = category.edition
    edition.organisers.add(organiser)
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))

    with django_capture_on_commit_callbacks(execute=True):
        publication = publishing.publish_results(edition=edition, by=organiser)

    run = CertificateRun.objects.get()
    assert (run.publication_id, run.status, run.progress, run.certificates) == (publication.pk, "done", 100, 1)
    assert [(a.category_id, a.certificates) for a in run.archives.all()] == [(category.pk, 1)]
    certificate = Certificate.objects.get()
    assert certificate.entry_id == entries[0].pk
    # Two e-mails: the outcome at publication (results.notifications), the certificates once they are printed
    link = "http://testserver" + reverse("results:certificate_download", args=[certificate.pk])
    sent = [m for m in mail.outbox if m.to == ["qc@demo.example"] and link in m.body]
    assert len(sent) == 1
    assert len([m for m in mail.outbox if m.to == ["qc@demo.example"]]) == 2
    assert f"{certificate.number} {certificate.title} 一等奖\n{link}\n" in sent[0].body


def test_the_wording_refuses_an_unknown_placeholder(english):
    with pytest.raises(ValidationError) as refused:
        certificates.check_wording("{group}荣获{prize}")
    assert refused.value.messages == [
        "Unknown placeholders: {prize}. The wording may use "
        "{group}, {enterprise}, {title}, {category}, {grade}, {edition}, {date}, {member}, {association}."
    ]


def test_the_wording_refuses_a_format_its_text_cannot_take(english):
    with pytest.raises(ValidationError) as refused:
        certificates.check_wording("{group:d}")
    assert refused.value.messages == ["The wording cannot be read: write each placeholder as {name}, without a format."]


def test_the_number_scheme_needs_the_sequence_number(english):
    with pytest.raises(ValidationError) as refused:
        certificates.check_number_pattern("〔{year}〕{category_code}")
    assert refused.value.messages == ["The number scheme needs {n} (the certificate's sequence number), e.g. {n:04d}."]
    assert certificates.check_number_pattern("〔{year}〕{category_code}-{n:04d}") == "〔{year}〕{category_code}-{n:04d}"


def picture(kind="PNG", size=(40, 20)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return SimpleUploadedFile(f"seal.{kind.lower()}", out.getvalue())


def test_a_picture_is_checked_by_its_content(english):
    assert certificates.check_image(picture("PNG")) == "png"
    assert certificates.check_image(picture("JPEG")) == "jpg"
    with pytest.raises(ValidationError) as refused:
        certificates.check_image(SimpleUploadedFile("seal.png", b"%PDF-1.7 not a picture"))
    assert refused.value.messages == ["This file is not a PNG or JPEG picture (its content was checked, not its name)."]
    with pytest.raises(ValidationError) as refused:
        certificates.check_image(picture("PNG", size=(6001, 10)))
    assert refused.value.messages == ["The picture is 6001 × 10 pixels; at most 6000 pixels a side."]


def test_a_damaged_picture_is_refused(english):
    data = picture("PNG").read()
    with pytest.raises(ValidationError) as refused:
        certificates.check_image(SimpleUploadedFile("seal.png", data[:60]))
    assert refused.value.messages == ["This picture is damaged and cannot be read."]


def test_the_template_s_pictures_are_printed(awarded):
    first, *_ = awarded["entries"]
    certificates.save_template(
        edition=awarded["edition"],
        values={"wording": "{group}", "number_pattern": "{category_code}{n:03d}", "issuing_body": "协会"},
        background=picture("JPEG", size=(297, 210)),
        seal=picture("PNG"),
    )
    certificates.issue_certificates(publication=publication_of(awarded["edition"], 1, [(first, "一等奖")]))

    data = certificates.certificate_pdf(Certificate.objects.get())

    images = PdfReader(io.BytesIO(data)).pages[0].images
    assert len(images) == 3  # background, seal, QR code
    assert Certificate.objects.get().number == "QC001"


def test_a_code_is_found_however_it_is_typed():
    certificate = factories.CertificateFactory(code="AB23CD45")
    assert certificates.find_certificate(" ab23-cd45 ") == certificate
    assert certificates.find_certificate("AB23CD4") is None
    assert certificates.find_certificate("") is None
