import io
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from submissions import files
from submissions.memberships import enterprise_of
from submissions.models import Enterprise, Entry, EntryFile
from tests import factories
from tests.submissions.conftest import EXE_BYTES, PDF_BYTES, pptx_bytes, upload

pytestmark = pytest.mark.django_db


def entry_post(**overrides):
    data = {
        "title": "提高装配一次合格率",
        "group_name": "精益QC小组",
        "topic_type": "problem_solving",
        "sub_type": "site",
        "registration_number": "ZJ-2021-018",
        "completing_units": "装配车间",
        "presenter": "王五",
        "members-TOTAL_FORMS": "3",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "50",
        "members-0-name": "王五",
        "members-0-group_role": "组长",
        "members-0-is_leader": "on",
        "members-1-name": "赵六",
        "members-2-name": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def messages_of(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


# --- dashboard -----------------------------------------------------------------------------------


def test_dashboard_shows_the_entries_of_the_users_enterprise_only(client_for, user_a, draft, qc, enterprise_b):
    factories.EntryFactory(category=qc, enterprise=enterprise_b, title="乙的成果")
    response = client_for(user_a).get(reverse("submissions:dashboard"))
    assert response.status_code == 200
    [block] = response.context["blocks"]
    assert [entry.title for entry in block["entries"]] == ["降低焊缝气孔率"]
    assert block["is_open"] is True
    assert "乙的成果" not in response.content.decode()


def test_dashboard_shows_what_is_missing_and_the_return_reason(client_for, user_a, qc, enterprise_a, organiser):
    entry = factories.EntryFactory(category=qc, enterprise=enterprise_a, status="returned")
    factories.EntryTransitionFactory(
        entry=entry, from_status="under_review", to_status="returned", reason="缺少现状调查"
    )
    response = client_for(user_a).get(reverse("submissions:dashboard"))
    [shown] = response.context["blocks"][0]["entries"]
    assert shown.return_reason == "缺少现状调查"
    assert shown.missing == ["the members", "Report (PDF)", "Slides (PDF or PPTX)"]
    assert shown.can_edit is True


def test_dashboard_after_the_deadline_offers_no_edit(client_for, user_a, draft):
    draft.edition.submission_deadline = timezone.now() - timedelta(hours=1)
    draft.edition.save()
    response = client_for(user_a).get(reverse("submissions:dashboard"))
    block = response.context["blocks"][0]
    assert (block["is_open"], block["entries"][0].can_edit) == (False, False)
    assert reverse("submissions:entry_edit", args=[draft.pk]) not in response.content.decode()


def test_dashboard_shows_the_quota_left(client_for, user_a, qc, enterprise_a):
    qc.quota_per_enterprise = 3
    qc.save()
    factories.EntryFactory(category=qc, enterprise=enterprise_a)
    response = client_for(user_a).get(reverse("submissions:dashboard"))
    assert response.context["blocks"][0]["categories"] == [{"category": qc, "quota": 3, "left": 2}]


@pytest.mark.parametrize("who", ["organiser", "judge", "recommender", None])
def test_dashboard_refuses_other_roles(client_for, request, who, db):
    user = request.getfixturevalue(who) if who else None
    response = client_for(user).get(reverse("submissions:dashboard"))
    assert response.status_code == (302 if who is None else 403)


def test_dashboard_makes_a_fixed_number_of_queries(client_for, user_a, qc, enterprise_a, django_assert_num_queries):
    client = client_for(user_a)

    def add(count):
        for _ in range(count):
            unit = factories.RecommendingUnitFactory()
            factories.RecommendationFactory(edition=qc.edition, enterprise=enterprise_a, unit=unit)
            entry = factories.EntryFactory(
                category=qc, enterprise=enterprise_a, recommending_unit=unit, recommended_draft=True
            )
            factories.MemberFactory(entry=entry, is_leader=True)
            factories.EntryFileFactory(entry=entry)
            factories.EntryTransitionFactory(entry=entry)

    add(3)
    with django_assert_num_queries(15) as small:
        client.get(reverse("submissions:dashboard"))
    add(27)
    with django_assert_num_queries(15) as large:
        response = client.get(reverse("submissions:dashboard"))
    assert len(response.context["blocks"][0]["entries"]) == 30
    assert len(response.context["proposals"]) == 30
    assert len(small.captured_queries) == len(large.captured_queries)


# --- creating and editing ------------------------------------------------------------------------


def test_enterprise_creates_a_qc_entry_with_members(client_for, user_a, qc):
    response = client_for(user_a).post(reverse("submissions:entry_create", args=[qc.pk]), entry_post())
    entry = Entry.objects.get()
    assert response.status_code == 302 and response.url == reverse("submissions:entry_detail", args=[entry.pk])
    assert (entry.title, entry.enterprise, entry.registration_number) == (
        "提高装配一次合格率",
        enterprise_of(user_a),
        "ZJ-2021-018",
    )
    assert list(entry.members.values_list("name", "is_leader")) == [("王五", True), ("赵六", False)]


def test_create_form_posted_twice_creates_one_entry(client_for, user_a, qc):
    client = client_for(user_a)
    client.post(reverse("submissions:entry_create", args=[qc.pk]), entry_post())
    response = client.post(reverse("submissions:entry_create", args=[qc.pk]), entry_post())
    assert response.status_code == 200
    assert Entry.objects.count() == 1
    with translation.override("en"):
        assert gettext("Your enterprise already has an entry with this title in this edition.") in [
            str(error) for error in response.context["form"].non_field_errors()
        ]


def test_create_form_needs_exactly_one_leader(client_for, user_a, qc):
    response = client_for(user_a).post(
        reverse("submissions:entry_create", args=[qc.pk]), entry_post(**{"members-1-is_leader": "on"})
    )
    assert response.status_code == 200
    assert Entry.objects.count() == 0
    assert response.context["formset"].non_form_errors() == [
        "Mark exactly one member as the group leader (组长); 2 are marked."
    ]


def test_create_form_needs_the_sub_type_of_a_problem_solving_topic(client_for, user_a, qc):
    response = client_for(user_a).post(reverse("submissions:entry_create", args=[qc.pk]), entry_post(sub_type=""))
    assert response.context["form"].errors["sub_type"] == ["Choose the sub-type of a problem-solving topic."]
    assert Entry.objects.count() == 0


def test_create_form_refuses_an_activity_ending_before_it_starts(client_for, user_a, qc):
    response = client_for(user_a).post(
        reverse("submissions:entry_create", args=[qc.pk]),
        entry_post(activity_start="2021-05-01", activity_end="2021-01-01"),
    )
    assert response.context["form"].errors["activity_end"] == ["The activity cannot end before it starts."]


def test_trusted_team_form_has_its_own_fields(client_for, user_a, edition):
    team = factories.CategoryFactory(edition=edition, kind="trusted_team", code="XD")
    response = client_for(user_a).get(reverse("submissions:entry_create", args=[team.pk]))
    assert list(response.context["form"].fields) == [
        "title", "group_name", "workshop", "team_leader", "completing_units", "presenter", "recommending_unit",
        "summary", "publish_report",
    ]  # fmt: skip


def test_brand_story_form_has_no_members(client_for, user_a, edition):
    story = factories.CategoryFactory(edition=edition, kind="brand_story", code="PP")
    client = client_for(user_a)
    response = client.get(reverse("submissions:entry_create", args=[story.pk]))
    assert response.context["formset"] is None
    assert list(response.context["form"].fields) == [
        "title",
        "presenter",
        "recommending_unit",
        "summary",
        "publish_report",
    ]
    client.post(reverse("submissions:entry_create", args=[story.pk]), {"title": "匠心筑梦", "presenter": "周八"})
    assert Entry.objects.get().presenter == "周八"


def test_create_after_the_deadline_is_refused_with_a_message(client_for, user_a, qc):
    qc.edition.submission_deadline = timezone.now() - timedelta(minutes=5)
    qc.edition.save()
    response = client_for(user_a).post(reverse("submissions:entry_create", args=[qc.pk]), entry_post(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("submissions:dashboard")
    assert Entry.objects.count() == 0
    assert messages_of(response)[0].startswith("The submission deadline (")


def test_create_over_the_quota_is_refused(client_for, user_a, qc, enterprise_a):
    qc.quota_per_enterprise = 1
    qc.save()
    factories.EntryFactory(category=qc, enterprise=enterprise_a)
    response = client_for(user_a).post(reverse("submissions:entry_create", args=[qc.pk]), entry_post(), follow=True)
    assert Entry.objects.count() == 1
    assert messages_of(response) == ["Your enterprise already has 1 entry in QC小组成果, the most allowed."]


def test_create_is_refused_to_an_enterprise_not_approved(client_for, qc):
    pending = factories.EnterpriseUserFactory(enterprise__status=Enterprise.Status.PENDING)
    response = client_for(pending).post(reverse("submissions:entry_create", args=[qc.pk]), entry_post())
    assert response.status_code == 403
    assert Entry.objects.count() == 0


@pytest.mark.parametrize("who", ["organiser", "judge", "recommender"])
def test_create_is_refused_to_other_roles(client_for, request, who, qc):
    response = client_for(request.getfixturevalue(who)).post(
        reverse("submissions:entry_create", args=[qc.pk]), entry_post()
    )
    assert response.status_code == 403


def test_edit_changes_the_entry(client_for, user_a, draft):
    client = client_for(user_a)
    response = client.get(reverse("submissions:entry_edit", args=[draft.pk]))
    assert response.status_code == 200
    response = client.post(reverse("submissions:entry_edit", args=[draft.pk]), entry_post(title="降低焊缝气孔率(修订)"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "降低焊缝气孔率(修订)"
    assert list(draft.members.values_list("name", flat=True)) == ["王五", "赵六"]


def test_edit_of_another_enterprises_entry_is_404(client_for, user_b, draft):
    client = client_for(user_b)
    assert client.get(reverse("submissions:entry_edit", args=[draft.pk])).status_code == 404
    assert client.post(reverse("submissions:entry_edit", args=[draft.pk]), entry_post(title="偷改")).status_code == 404
    draft.refresh_from_db()
    assert draft.title == "降低焊缝气孔率"


def test_edit_posted_after_the_deadline_changes_nothing(client_for, user_a, draft):
    draft.edition.submission_deadline = timezone.now() - timedelta(minutes=1)
    draft.edition.save()
    response = client_for(user_a).post(
        reverse("submissions:entry_edit", args=[draft.pk]), entry_post(title="晚了"), follow=True
    )
    draft.refresh_from_db()
    assert draft.title == "降低焊缝气孔率"
    assert response.redirect_chain[-1][0] == reverse("submissions:entry_detail", args=[draft.pk])
    assert messages_of(response)[0].startswith("The submission deadline (")


def test_edit_of_an_accepted_entry_is_refused(client_for, user_a, draft):
    draft.status = "accepted"
    draft.save()
    response = client_for(user_a).post(
        reverse("submissions:entry_edit", args=[draft.pk]), entry_post(title="改"), follow=True
    )
    assert messages_of(response) == ["This entry is Accepted and can no longer be changed."]


# --- detail, files, submission -------------------------------------------------------------------


def test_detail_shows_the_entry_to_its_enterprise(client_for, user_a, draft):
    response = client_for(user_a).get(reverse("submissions:entry_detail", args=[draft.pk]))
    assert response.status_code == 200
    assert response.context["can_change"] is True
    assert [slot["kind"] for slot in response.context["slots"]] == ["report", "slides", "report_form"]


@pytest.mark.parametrize("who", ["user_b", "judge", "recommender", None])
def test_detail_is_hidden_from_others(client_for, request, who, draft):
    user = request.getfixturevalue(who) if who else None
    response = client_for(user).get(reverse("submissions:entry_detail", args=[draft.pk]))
    assert response.status_code == (302 if who is None else 404)


def test_upload_stores_a_pdf(client_for, user_a, qc, enterprise_a):
    entry = factories.EntryFactory(category=qc, enterprise=enterprise_a)
    response = client_for(user_a).post(
        reverse("submissions:file_upload", args=[entry.pk]), {"kind": "report", "file": upload("报告.pdf")}
    )
    assert response.status_code == 302
    stored = EntryFile.objects.get(entry=entry)
    assert (stored.kind, stored.original_name, stored.size) == ("report", "报告.pdf", len(PDF_BYTES))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", EXE_BYTES, "This file is not a PDF file (its content was checked, not its name)."),
        ("report.pdf", b"", "The file is empty (0 bytes). Please choose the right file."),
    ],
)
def test_upload_refuses_bad_files_with_a_message(client_for, user_a, qc, enterprise_a, name, data, message):
    entry = factories.EntryFactory(category=qc, enterprise=enterprise_a)
    response = client_for(user_a).post(
        reverse("submissions:file_upload", args=[entry.pk]), {"kind": "report", "file": upload(name, data)}, follow=True
    )
    assert messages_of(response) == [message]
    assert EntryFile.objects.count() == 0


def test_upload_refuses_a_file_over_the_limit(client_for, user_a, qc, enterprise_a, settings):
    settings.UPLOAD_MAX_MB = 1
    entry = factories.EntryFactory(category=qc, enterprise=enterprise_a)
    big = upload("big.pdf", PDF_BYTES + b"0" * (2 * 1024 * 1024))
    response = client_for(user_a).post(
        reverse("submissions:file_upload", args=[entry.pk]), {"kind": "report", "file": big}, follow=True
    )
    assert messages_of(response) == ["The file is 2.0 MB; the limit is 1 MB."]
    assert EntryFile.objects.count() == 0


def test_upload_with_a_dangerous_name_is_stored_safely(client_for, user_a, qc, enterprise_a):
    entry = factories.EntryFactory(category=qc, enterprise=enterprise_a)
    name = "../" * 3 + "x" * 200 + ".pdf"
    client_for(user_a).post(
        reverse("submissions:file_upload", args=[entry.pk]), {"kind": "report", "file": upload(name)}
    )
    stored = EntryFile.objects.get()
    assert stored.original_name == "x" * 200 + ".pdf"
    assert ".." not in stored.file.name and "xxxx" not in stored.file.name


def test_upload_to_another_enterprises_entry_is_404(client_for, user_b, draft):
    response = client_for(user_b).post(
        reverse("submissions:file_upload", args=[draft.pk]), {"kind": "report", "file": upload("x.pdf")}
    )
    assert response.status_code == 404
    assert draft.files.get(kind="report").original_name == "report.pdf"


def test_upload_after_the_deadline_is_refused(client_for, user_a, draft):
    draft.edition.submission_deadline = timezone.now() - timedelta(minutes=1)
    draft.edition.save()
    response = client_for(user_a).post(
        reverse("submissions:file_upload", args=[draft.pk]), {"kind": "report", "file": upload("new.pdf")}, follow=True
    )
    assert messages_of(response)[0].startswith("The submission deadline (")
    assert draft.files.get(kind="report").original_name == "report.pdf"


def test_submit_sends_the_entry_to_review(client_for, user_a, draft):
    response = client_for(user_a).post(reverse("submissions:entry_submit", args=[draft.pk]), follow=True)
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert messages_of(response) == ["The entry is submitted for format review."]


def test_submit_posted_twice_keeps_one_submission(client_for, user_a, draft):
    client = client_for(user_a)
    client.post(reverse("submissions:entry_submit", args=[draft.pk]))
    response = client.post(reverse("submissions:entry_submit", args=[draft.pk]), follow=True)
    assert messages_of(response)[-1] == "This entry is already submitted; a change you save submits it again."
    assert draft.transitions.filter(to_status="submitted").count() == 1


def test_submit_of_another_enterprises_entry_is_404(client_for, user_b, draft):
    assert client_for(user_b).post(reverse("submissions:entry_submit", args=[draft.pk])).status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"


# --- downloads: the permission matrix ------------------------------------------------------------


@pytest.fixture
def placed(draft):
    """The draft, accepted and placed in a venue with a two-judge panel."""
    venue = factories.VenueFactory(category=draft.category, edition=draft.edition)
    draft.status, draft.code, draft.venue = "accepted", "QC-2021-0001", venue
    draft.save()
    return draft


def _download(client, entry):
    return client.get(reverse("submissions:file_download", args=[entry.files.get(kind="report").pk]))


def _downloaded(response) -> bytes:
    """The bytes a granted download sends."""
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def test_download_by_the_owning_enterprise(client_for, user_a, placed):
    response = _download(client_for(user_a), placed)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%%EOF\n"
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["Cache-Control"] == "private, no-store"


def test_download_by_an_organiser_of_the_edition(client_for, organiser, placed):
    assert _downloaded(_download(client_for(organiser), placed)) == b"%PDF-1.4\n%%EOF\n"


def test_download_refused_to_an_organiser_of_another_edition(client_for, placed):
    other = factories.OrganiserFactory()
    factories.EditionFactory().organisers.add(other)
    assert _download(client_for(other), placed).status_code == 404


def test_download_by_a_superuser(client_for, placed):
    admin = factories.OrganiserFactory(is_superuser=True, is_staff=True)
    assert _downloaded(_download(client_for(admin), placed)) == b"%PDF-1.4\n%%EOF\n"


def test_download_by_a_judge_on_the_panel(client_for, judge, placed):
    factories.PanelMemberFactory(venue=placed.venue, judge=judge)
    assert _downloaded(_download(client_for(judge), placed)) == b"%PDF-1.4\n%%EOF\n"


def test_download_refused_to_a_recused_judge(client_for, judge, placed):
    factories.PanelMemberFactory(venue=placed.venue, judge=judge)
    factories.RecusalFactory(entry=placed, judge=judge)
    assert _download(client_for(judge), placed).status_code == 404


def test_download_allowed_again_once_the_recusal_is_lifted(client_for, judge, placed):
    factories.PanelMemberFactory(venue=placed.venue, judge=judge)
    factories.RecusalFactory(entry=placed, judge=judge, lifted_at=timezone.now())
    assert _downloaded(_download(client_for(judge), placed)) == b"%PDF-1.4\n%%EOF\n"


def test_download_refused_to_a_judge_of_another_venue(client_for, judge, placed):
    factories.PanelMemberFactory(venue=factories.VenueFactory(category=placed.category), judge=judge)
    assert _download(client_for(judge), placed).status_code == 404


@pytest.mark.parametrize("who", ["user_b", "recommender"])
def test_download_refused_to_other_users(client_for, request, who, placed):
    assert _download(client_for(request.getfixturevalue(who)), placed).status_code == 404


def test_download_refused_to_anonymous(client_for, placed):
    response = _download(client_for(None), placed)
    assert response.status_code == 302 and response.url.startswith(reverse("portal:login"))


def _named(entry, original_name, data=PDF_BYTES, content_type="application/pdf"):
    stored = entry.files.get(kind="report")
    stored.original_name, stored.content_type = original_name, content_type
    stored.file.save("stored.bin", io.BytesIO(data))
    return stored


def test_download_of_a_pdf_named_as_a_web_page_is_named_pdf_and_saved_by_the_enterprise(client_for, user_a, placed):
    _named(placed, "passwd<script>0.pdf.html")
    response = _download(client_for(user_a), placed)
    assert _downloaded(response) == PDF_BYTES
    assert response["Content-Disposition"] == 'attachment; filename="passwd_script_0.pdf"'
    assert (response["Content-Type"], response["X-Content-Type-Options"]) == ("application/pdf", "nosniff")


def test_download_of_a_pdf_named_exe_opens_in_the_browser_of_a_judge_on_the_panel(client_for, judge, placed):
    factories.PanelMemberFactory(venue=placed.venue, judge=judge)
    _named(placed, "a.pdf.exe")
    response = _download(client_for(judge), placed)
    assert _downloaded(response) == PDF_BYTES
    assert response["Content-Disposition"] == 'inline; filename="a.pdf"'
    assert (response["Content-Type"], response["X-Content-Type-Options"]) == ("application/pdf", "nosniff")


def test_download_of_a_pdf_with_a_chinese_name_opens_in_the_organisers_browser(client_for, organiser, placed):
    _named(placed, "成果报告.pdf")
    response = _download(client_for(organiser), placed)
    assert (
        response["Content-Disposition"]
        == "inline; filename=\"file.pdf\"; filename*=utf-8''%E6%88%90%E6%9E%9C%E6%8A%A5%E5%91%8A.pdf"
    )


def test_download_of_a_presentation_is_saved_even_by_a_judge(client_for, judge, placed):
    factories.PanelMemberFactory(venue=placed.venue, judge=judge)
    data = pptx_bytes()
    _named(placed, "汇报.pdf", data=data, content_type=files.PPTX)
    response = _download(client_for(judge), placed)
    assert _downloaded(response) == data
    assert (
        response["Content-Disposition"]
        == "attachment; filename=\"file.pptx\"; filename*=utf-8''%E6%B1%87%E6%8A%A5.pptx"
    )
    assert response["Content-Type"] == files.PPTX


def test_upload_of_a_zip_named_pdf_is_refused(client_for, user_a, qc, enterprise_a):
    entry = factories.EntryFactory(category=qc, enterprise=enterprise_a)
    response = client_for(user_a).post(
        reverse("submissions:file_upload", args=[entry.pk]),
        {"kind": "report", "file": upload("report.pdf", pptx_bytes(presentation=False))},
        follow=True,
    )
    assert messages_of(response) == ["This file is not a PDF file (its content was checked, not its name)."]
    assert EntryFile.objects.count() == 0


# --- the organiser's review ----------------------------------------------------------------------


def test_review_list_shows_the_organisers_editions_only(client_for, organiser, draft, qc):
    foreign = factories.EntryFactory(title="别的活动的成果")
    response = client_for(organiser).get(reverse("submissions:review_list"))
    titles = [entry.title for entry in response.context["page"].object_list]
    assert titles == ["降低焊缝气孔率"]
    assert foreign.title not in response.content.decode()


def test_review_list_filters(client_for, organiser, qc, enterprise_a, enterprise_b):
    enterprise_b.province = "hubei"
    enterprise_b.save()
    unit = factories.RecommendingUnitFactory()
    factories.EntryFactory(category=qc, enterprise=enterprise_a, title="甲1", status="submitted")
    factories.EntryFactory(category=qc, enterprise=enterprise_a, title="甲2", status="draft", topic_type="innovation")
    factories.EntryFactory(
        category=qc, enterprise=enterprise_b, title="乙1", status="submitted", recommending_unit=unit
    )
    client = client_for(organiser)

    def titles(**params):
        response = client.get(reverse("submissions:review_list"), params)
        return sorted(entry.title for entry in response.context["page"].object_list)

    assert titles(status="submitted") == ["乙1", "甲1"]
    assert titles(province="hubei") == ["乙1"]
    assert titles(recommending_unit=unit.pk) == ["乙1"]
    assert titles(topic_type="innovation") == ["甲2"]
    assert titles(category=qc.pk, q="甲") == ["甲1", "甲2"]


@pytest.mark.parametrize("who", ["user_a", "judge", "recommender"])
def test_review_list_refuses_other_roles(client_for, request, who, db):
    assert client_for(request.getfixturevalue(who)).get(reverse("submissions:review_list")).status_code == 403


def test_review_list_makes_a_fixed_number_of_queries(client_for, organiser, qc, django_assert_num_queries):
    client = client_for(organiser)
    entries = factories.EntryFactory.create_batch(
        3, category=qc, status="submitted", recommending_unit=factories.RecommendingUnitFactory()
    )
    for entry in entries:
        factories.RecommendationFactory(edition=qc.edition, enterprise=entry.enterprise, unit=entry.recommending_unit)
    # 12, and 2 for the edition the list opens on (which one is being run, and the filter form's check of it)
    with django_assert_num_queries(14) as small:
        client.get(reverse("submissions:review_list"))
    factories.EntryFactory.create_batch(
        27, category=qc, status="submitted", recommending_unit=factories.RecommendingUnitFactory()
    )
    with django_assert_num_queries(14) as large:
        response = client.get(reverse("submissions:review_list"))
    assert len(response.context["page"].object_list) == 30
    assert response.content.decode().count('data-recommendation="pending"') == 3
    assert len(small.captured_queries) == len(large.captured_queries)


def test_review_export_is_an_excel_of_the_filtered_list(client_for, organiser, qc, enterprise_a):
    factories.EntryFactory(category=qc, enterprise=enterprise_a, title="甲1", status="accepted", code="QC-2021-0001")
    factories.EntryFactory(category=qc, enterprise=enterprise_a, title="甲2", status="draft")
    response = client_for(organiser).get(reverse("submissions:review_export"), {"status": "accepted"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    import io

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][:4] == ("QC-2021-0001", qc.edition.name, "QC小组成果", "甲1")


def test_review_export_refuses_enterprise_users(client_for, user_a):
    assert client_for(user_a).get(reverse("submissions:review_export")).status_code == 403


def test_organiser_returns_an_entry_with_reasons(client_for, organiser, draft):
    draft.status = "submitted"
    draft.save()
    client = client_for(organiser)
    response = client.post(
        reverse("submissions:review_entry", args=[draft.pk]), {"decision": "return", "reason": "请补充原因分析"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.transitions.last().reason) == ("returned", "请补充原因分析")


def test_returning_without_reasons_is_refused(client_for, organiser, draft):
    draft.status = "submitted"
    draft.save()
    response = client_for(organiser).post(reverse("submissions:review_entry", args=[draft.pk]), {"decision": "return"})
    assert response.context["form"].errors["reason"] == ["Please give the reasons, so the enterprise knows what to do."]
    draft.refresh_from_db()
    assert draft.status == "submitted"


def test_start_review_marks_the_entry(client_for, organiser, draft):
    draft.status = "submitted"
    draft.save()
    client_for(organiser).post(reverse("submissions:review_start", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "under_review"


def test_the_enterprise_removes_an_uploaded_file_from_its_entry_page(client_for, user_a, draft):
    client = client_for(user_a)
    page = client.get(reverse("submissions:entry_detail", args=[draft.pk]))
    assert b'data-remove="report"' in page.content

    response = client.post(reverse("submissions:file_remove", args=[draft.pk]), {"kind": "report"}, follow=True)

    assert not draft.files.filter(kind="report").exists()
    assert [str(m) for m in response.context["messages"]] == ["report.pdf is removed."]


def test_organiser_revises_a_decision_from_the_review_page(client_for, organiser, draft):
    draft.status, draft.code = "rejected", ""
    draft.save()
    client = client_for(organiser)
    page = client.get(reverse("submissions:review_entry", args=[draft.pk]))
    assert b'id="reopen-form"' in page.content

    response = client.post(
        reverse("submissions:review_reopen", args=[draft.pk]), {"reason": "企业补交了证明材料"}, follow=True
    )

    draft.refresh_from_db()
    assert (draft.status, draft.transitions.last().reason) == ("under_review", "企业补交了证明材料")
    assert [str(m) for m in response.context["messages"]] == [
        "The format review is reopened: take the new decision below."
    ]
    assert b'id="review-form"' in response.content


def test_the_review_page_says_why_a_decision_stays_instead_of_offering_to_revise_it(client_for, organiser, draft):
    draft.status = "accepted"
    draft.save()
    factories.ScoreSheetFactory(entry=draft, comment="选题理由充分")
    page = client_for(organiser).get(reverse("submissions:review_entry", args=[draft.pk]))
    assert b'id="reopen-form"' not in page.content
    assert page.context["decision_stays"] == "Judges have already scored this entry: its decision stays."


def test_revising_a_decision_without_a_reason_changes_nothing(client_for, organiser, draft):
    draft.status = "accepted"
    draft.save()
    response = client_for(organiser).post(
        reverse("submissions:review_reopen", args=[draft.pk]), {"reason": ""}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["Please give the reason for revising the decision."]
    draft.refresh_from_db()
    assert draft.status == "accepted"


@pytest.mark.parametrize("who", ["user_a", "user_b", "judge", "recommender"])
def test_review_refuses_other_roles(client_for, request, who, draft):
    draft.status = "submitted"
    draft.save()
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("submissions:review_entry", args=[draft.pk])).status_code == 403
    assert client.post(reverse("submissions:review_entry", args=[draft.pk]), {"decision": "accept"}).status_code == 403
    assert client.post(reverse("submissions:review_start", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == "submitted"


def test_review_refuses_an_organiser_of_another_edition(client_for, draft):
    other = factories.OrganiserFactory()
    draft.status = "submitted"
    draft.save()
    response = client_for(other).post(reverse("submissions:review_entry", args=[draft.pk]), {"decision": "accept"})
    assert response.status_code == 403


def test_bulk_accept_accepts_the_selected_entries(client_for, organiser, qc):
    entries = factories.EntryFactory.create_batch(3, category=qc, status="submitted")
    foreign = factories.EntryFactory(status="submitted")
    response = client_for(organiser).post(
        reverse("submissions:review_bulk_accept"), {"entry": [e.pk for e in entries[:2]] + [foreign.pk]}, follow=True
    )
    assert messages_of(response) == ["2 entries accepted."]
    assert sorted(Entry.objects.filter(status="accepted").values_list("code", flat=True)) == [
        "QC-2021-0001",
        "QC-2021-0002",
    ]
    foreign.refresh_from_db()
    assert foreign.status == "submitted"


def test_bulk_accept_refuses_enterprise_users(client_for, user_a, draft):
    response = client_for(user_a).post(reverse("submissions:review_bulk_accept"), {"entry": [draft.pk]})
    assert response.status_code == 403


def test_submit_is_refused_to_an_enterprise_not_approved(client_for, user_a, draft):
    Enterprise.objects.filter(pk=draft.enterprise_id).update(status=Enterprise.Status.PENDING)
    response = client_for(user_a).post(reverse("submissions:entry_submit", args=[draft.pk]))
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_create_in_an_edition_still_in_draft_is_404(client_for, user_a, qc):
    qc.edition.status = "draft"
    qc.edition.save()
    assert client_for(user_a).get(reverse("submissions:entry_create", args=[qc.pk])).status_code == 404


def test_organiser_return_emails_the_reasons_to_the_enterprise(
    client_for, organiser, user_a, draft, django_capture_on_commit_callbacks, mailoutbox
):
    draft.status = "submitted"
    draft.save()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(organiser).post(
            reverse("submissions:review_entry", args=[draft.pk]), {"decision": "return", "reason": "请补充现状调查"}
        )
    assert [message.to for message in mailoutbox] == [[user_a.email]]
    assert "请补充现状调查" in mailoutbox[0].body
    assert reverse("submissions:entry_detail", args=[draft.pk]) in mailoutbox[0].body


def test_organiser_sees_the_entry_detail_with_a_link_to_the_review(client_for, organiser, draft):
    response = client_for(organiser).get(reverse("submissions:entry_detail", args=[draft.pk]))
    assert (response.status_code, response.context["can_change"], response.context["can_review"]) == (200, False, True)


def test_a_superuser_has_no_enterprise_dashboard_and_creates_no_entry(client_for, qc):
    admin = factories.OrganiserFactory(is_superuser=True, is_staff=True)
    client = client_for(admin)
    assert client.get(reverse("submissions:dashboard")).status_code == 403
    assert client.post(reverse("submissions:entry_create", args=[qc.pk]), entry_post()).status_code == 403
    assert Entry.objects.count() == 0


def test_review_list_opens_on_the_edition_being_run(client_for, organiser, qc):
    older = factories.EditionFactory(year=2020, number=39)
    older.organisers.add(organiser)
    factories.EntryFactory(category=factories.CategoryFactory(edition=older), title="去年的成果")
    factories.EntryFactory(category=qc, title="今年的成果")
    client = client_for(organiser)

    opened = client.get(reverse("submissions:review_list"))
    every = client.get(reverse("submissions:review_list"), {"edition": ""})

    assert opened.context["form"]["edition"].value() == str(qc.edition_id)
    assert [entry.title for entry in opened.context["page"].object_list] == ["今年的成果"]
    assert sorted(entry.title for entry in every.context["page"].object_list) == ["今年的成果", "去年的成果"]


def test_enterprise_list_searches_by_name_or_credit_code(client_for, organiser, edition):
    first = factories.EnterpriseFactory(name="华东重型机械有限公司", status=Enterprise.Status.PENDING)
    second = factories.EnterpriseFactory(name="西南电力设备有限公司", status=Enterprise.Status.PENDING)
    for enterprise in (first, second):
        enterprise.editions.add(edition)
    client = client_for(organiser)

    by_name = client.get(reverse("submissions:enterprise_list"), {"q": "重型"})
    by_code = client.get(reverse("submissions:enterprise_list"), {"q": second.credit_code[-8:].lower()})

    assert [e.name for e in by_name.context["page"].object_list] == ["华东重型机械有限公司"]
    assert [e.name for e in by_code.context["page"].object_list] == ["西南电力设备有限公司"]
    assert 'value="重型"' in by_name.content.decode()
