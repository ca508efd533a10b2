import io

import openpyxl
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from events.models import Edition
from portal import spreadsheets
from submissions import imports
from submissions.forms import RecommendationUploadForm
from submissions.memberships import recommending_unit_of
from submissions.models import Enterprise, Entry, EntryTransition, Member
from submissions.validators import example_credit_code
from tests import factories, spreadsheet_files
from tests.scenarios import entries_workbook, entry_row
from tests.submissions.conftest import PDF_BYTES

pytestmark = pytest.mark.django_db

PDF_MESSAGE = (
    "This file is a PDF document, not a spreadsheet. Upload an Excel workbook (.xlsx; in Excel or WPS: "
    "文件 → 另存为 → Excel 工作簿 (*.xlsx)) or a CSV file."
)


@pytest.fixture
def team(edition):
    return factories.CategoryFactory(edition=edition, kind="trusted_team", code="XD", name="质量信得过班组成果")


def run(upload, edition, user, **kwargs):
    return imports.import_recommendations(upload=upload, edition=edition, by=user, **kwargs)


def test_import_creates_draft_entries_with_members(qc, edition, organiser, enterprise_a):
    report = run(entries_workbook([entry_row(enterprise_a)]), edition, organiser)
    assert (report.rows, report.created, report.errors, report.existing) == (1, 1, [], 0)
    entry = Entry.objects.get()
    assert (entry.status, entry.category, entry.enterprise, entry.topic_type, entry.sub_type, entry.presenter) == (
        "draft", qc, enterprise_a, "problem_solving", "site", "张三",
    )  # fmt: skip
    assert list(entry.members.values_list("position", "name")) == [(1, "张三"), (2, "李四"), (3, "王五")]
    transition = EntryTransition.objects.get()
    assert (transition.to_status, transition.reason) == (
        "draft",
        "Imported from the recommendation list 推荐汇总表.xlsx",
    )


def test_import_of_the_same_file_twice_creates_no_duplicates(qc, edition, organiser, enterprise_a, enterprise_b):
    rows = [entry_row(enterprise_a), entry_row(enterprise_b, number=2)]
    run(entries_workbook(rows), edition, organiser)
    report = run(entries_workbook(rows), edition, organiser)
    assert (report.created, report.existing, report.errors) == (0, 2, [])
    assert Entry.objects.count() == 2
    assert Member.objects.count() == 6


def test_import_reports_every_bad_row_with_its_number_and_writes_nothing(qc, edition, organiser, enterprise_a):
    pending = factories.EnterpriseFactory(status=Enterprise.Status.PENDING, name="待审企业")
    unknown_code = example_credit_code(99999)
    rows = [
        entry_row(enterprise_a, "好的一行"),
        entry_row(enterprise_a, "未知类别", category="不存在的类别"),
        entry_row(enterprise_a, "", number=3),
        entry_row(enterprise_a, "类型错", topic="改进型"),
        entry_row(enterprise_a, "缺子类", sub=""),
        [6, "QC小组成果", "未注册", "小组", "创新型", "", "某公司", unknown_code, "", "", ""],
        [7, "QC小组成果", "代码错", "小组", "创新型", "", "某公司", "91330100ABCDEFGH12", "", "", ""],
        entry_row(pending, "待审"),
        entry_row(enterprise_a, "好的一行"),
    ]
    report = run(entries_workbook(rows), edition, organiser)
    assert report.created == 0
    assert Entry.objects.count() == 0
    errors = dict(report.errors)
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert errors[3] == ["unknown category “不存在的类别” (this edition has: QC小组成果)"]
    assert errors[4] == ["the title is empty"]
    assert errors[5] == ["the topic type must be one of 问题解决型、创新型"]
    assert errors[6] == ["the problem-solving sub-type must be one of 现场型、攻关型、管理型、服务型"]
    assert errors[7] == [
        f"no enterprise with credit code {unknown_code} is registered on the portal; it must register first"
    ]
    assert errors[8][0].startswith("credit code “91330100ABCDEFGH12”: ")
    assert errors[9] == ["the enterprise 待审企业 is not approved yet"]
    assert errors[10] == ["the same entry as row 2"]


def test_import_of_only_the_valid_rows(qc, edition, organiser, enterprise_a):
    rows = [
        entry_row(enterprise_a, "好的"),
        entry_row(enterprise_a, "坏的", category="不存在"),
        entry_row(enterprise_a, "也好的"),
    ]
    report = run(entries_workbook(rows), edition, organiser, valid_rows_only=True)
    assert (report.created, [number for number, _ in report.errors]) == (2, [3])
    assert sorted(Entry.objects.values_list("title", flat=True)) == ["也好的", "好的"]


def test_import_knows_categories_by_code_and_their_own_fields(qc, team, edition, organiser, enterprise_a):
    rows = [
        entry_row(enterprise_a, "班组成果", category="XD", topic="", sub=""),
        entry_row(enterprise_a, "QC成果", category="qc", topic="创新型", sub=""),
    ]
    report = run(entries_workbook(rows), edition, organiser)
    assert report.errors == []
    assert sorted(Entry.objects.values_list("title", "category__code", "topic_type", "sub_type")) == [
        ("QC成果", "QC", "innovation", ""),
        ("班组成果", "XD", "", ""),
    ]


def test_import_enforces_the_quota(qc, edition, organiser, enterprise_a):
    qc.quota_per_enterprise = 2
    qc.save()
    factories.EntryFactory(category=qc, enterprise=enterprise_a)
    report = run(
        entries_workbook([entry_row(enterprise_a, "一"), entry_row(enterprise_a, "二")]),
        edition,
        organiser,
    )
    assert report.errors == [(3, ["甲企业有限公司 already has 2 entries in QC小组成果, the most allowed"])]
    assert Entry.objects.count() == 1


def test_a_recommending_unit_imports_in_its_own_name(qc, edition, recommender, enterprise_a):
    report = run(
        entries_workbook([entry_row(enterprise_a, "一"), entry_row(enterprise_a, "二", unit="别的协会")]),
        edition,
        recommender,
        valid_rows_only=True,
    )
    assert report.errors == [
        (3, [f"a recommending unit can only recommend in its own name ({recommending_unit_of(recommender).name})"])
    ]
    assert Entry.objects.get().recommending_unit == recommending_unit_of(recommender)


def test_an_organiser_names_known_recommending_units_only(qc, edition, organiser, enterprise_a):
    unit = factories.RecommendingUnitFactory(name="浙江省机械工业质量管理协会")
    rows = [
        entry_row(enterprise_a, "一", unit=unit.name),
        entry_row(enterprise_a, "二", unit="不存在的协会"),
    ]
    report = run(entries_workbook(rows), edition, organiser, valid_rows_only=True)
    assert report.errors == [(3, ["unknown recommending unit “不存在的协会”"])]
    assert Entry.objects.get().recommending_unit == unit


def test_import_finds_the_header_below_a_title_row(qc, edition, organiser, enterprise_a):
    report = run(entries_workbook([entry_row(enterprise_a)], title_row="2021年推荐汇总表"), edition, organiser)
    assert report.created == 1
    assert report.errors == []


def test_import_refuses_a_pdf_saying_what_it_is(edition, organiser):
    fake = SimpleUploadedFile("list.xlsx", PDF_BYTES)
    with pytest.raises(ValidationError) as error:
        run(fake, edition, organiser)
    assert error.value.messages == [PDF_MESSAGE]


def test_import_refuses_an_empty_file(edition, organiser):
    with pytest.raises(ValidationError) as error:
        run(SimpleUploadedFile("list.xlsx", b""), edition, organiser)
    assert error.value.messages == ["The file is empty (0 bytes). Please choose the right file."]


def test_import_refuses_missing_columns(qc, edition, organiser, enterprise_a):
    columns = [column for column in imports.COLUMNS if column not in ("统一社会信用代码", "成员")]
    with pytest.raises(ValidationError) as error:
        run(entries_workbook([], columns=columns), edition, organiser)
    assert error.value.messages == ["Columns missing in row 1: 统一社会信用代码、成员. Use the template."]


def test_import_refuses_a_sheet_without_header(edition, organiser):
    with pytest.raises(ValidationError) as error:
        run(entries_workbook([], columns=["a", "b"]), edition, organiser)
    assert error.value.messages[0].startswith("No header row found")


def test_import_refuses_merged_cells(qc, edition, organiser, enterprise_a):
    rows = [entry_row(enterprise_a, "一"), entry_row(enterprise_a, "二", number=2)]
    with pytest.raises(ValidationError) as error:
        run(entries_workbook(rows, merge="B2:B3"), edition, organiser)
    assert error.value.messages == [
        "The sheet has merged cells (B2:B3). Unmerge them and fill in every cell, then upload again."
    ]
    assert Entry.objects.count() == 0


def test_import_refuses_a_list_without_rows(edition, organiser):
    with pytest.raises(ValidationError) as error:
        run(entries_workbook([]), edition, organiser)
    assert error.value.messages == ["The list has no rows below its header."]


def _many(enterprises, count):
    return [entry_row(enterprises[n % len(enterprises)], f"成果{n:05d}", number=n + 1) for n in range(count)]


def test_import_of_10000_rows_works_in_one_request(qc, edition, organiser):
    """The import's limit in one call; how fast is a figure of the benchmark (bench/import_rows.py), not a test."""
    enterprises = factories.EnterpriseFactory.create_batch(50)
    upload = entries_workbook(_many(enterprises, imports.MAX_ROWS))
    report = run(upload, edition, organiser)
    assert (report.rows, report.created, report.errors) == (10_000, 10_000, [])
    assert Entry.objects.count() == 10_000
    assert Member.objects.count() == 30_000
    assert Entry.objects.filter(title="成果09999", enterprise=enterprises[9999 % 50]).count() == 1


def test_import_over_the_row_limit_gets_a_clear_message(qc, edition, organiser, enterprise_a, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 5)
    with pytest.raises(ValidationError) as error:
        run(entries_workbook(_many([enterprise_a], 6)), edition, organiser)
    assert error.value.messages == ["The list has more than 5 rows. Split it into several files of at most 5 rows."]
    assert Entry.objects.count() == 0


def test_the_template_has_the_columns_and_passes_its_own_header_check(edition, qc):
    data = imports.template_workbook(edition=edition)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert [cell.value for cell in workbook["推荐汇总表"][1]] == [
        "序号", "类别", "课题名称", "小组名称", "课题类型", "问题解决型子类", "申报单位", "统一社会信用代码",
        "推荐单位", "发表人", "组长", "成员",
    ]  # fmt: skip
    sheet = workbook["推荐汇总表"]
    sheet.append(entry_row(factories.EnterpriseFactory(), members="李四")[:10] + ["张三", "李四"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = imports.read_list(SimpleUploadedFile("t.xlsx", buffer.getvalue()))
    assert (table.rows[0][1]["组长"], table.rows[0][1]["成员"]) == ("张三", "李四")
    assert "QC小组成果(QC)" in workbook["填写说明"]["B1"].value


# --- the upload page -----------------------------------------------------------------------------


def test_upload_page_shows_a_bad_file_as_a_form_error(client_for, organiser, edition):
    response = client_for(organiser).post(
        reverse("submissions:recommendation_upload"),
        {"edition": edition.pk, "file": SimpleUploadedFile("list.xlsx", PDF_BYTES)},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [PDF_MESSAGE]


def test_recommender_sees_only_open_editions(client_for, recommender, edition):
    closed = factories.EditionFactory(status="closed")
    response = client_for(recommender).get(reverse("submissions:recommendation_upload"))
    assert list(response.context["form"].fields["edition"].queryset) == [edition]
    response = client_for(recommender).post(
        reverse("submissions:recommendation_upload"), {"edition": closed.pk, "file": entries_workbook([])}
    )
    assert "edition" in response.context["form"].errors


def test_template_download(client_for, recommender, edition):
    response = client_for(recommender).get(reverse("submissions:recommendation_template"), {"edition": edition.pk})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="recommendation-list-template.xlsx"'
    assert openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames == ["推荐汇总表", "填写说明"]


@pytest.mark.parametrize("who", ["user_a", "judge"])
def test_upload_and_template_refuse_other_roles(client_for, request, who, edition):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("submissions:recommendation_upload")).status_code == 403
    assert client.get(reverse("submissions:recommendation_template")).status_code == 403


def test_an_organiser_without_editions_cannot_upload(client_for, db):
    lonely = factories.OrganiserFactory()
    assert client_for(lonely).get(reverse("submissions:recommendation_upload")).status_code == 403


def test_import_refuses_a_sheet_far_larger_than_a_list(qc, edition, organiser, enterprise_a, monkeypatch):
    monkeypatch.setattr(spreadsheets, "ZIP_MAX_MEMBER", 1000)
    with pytest.raises(ValidationError) as error:
        run(entries_workbook(_many([enterprise_a], 20)), edition, organiser)
    assert error.value.messages == ["This file unpacks to far more data than a document holds; it is refused."]


def test_a_recommending_unit_sees_the_entries_it_recommended(client_for, recommender, qc):
    mine = factories.EntryFactory(category=qc, recommending_unit=recommending_unit_of(recommender), title="本单位推荐")
    factories.EntryFactory(category=qc, recommending_unit=factories.RecommendingUnitFactory(), title="别的单位推荐")
    factories.EntryFactory(category=qc, title="无推荐单位")
    response = client_for(recommender).get(reverse("submissions:recommendation_upload"))
    assert [entry.title for entry in response.context["page"].object_list] == [mine.title]
    assert "别的单位推荐" not in response.content.decode()


# One query more than before: the published outcomes of the listed entries (events.hooks.ENTRY_OUTCOMES).
def test_the_recommended_list_makes_a_fixed_number_of_queries(client_for, recommender, qc, django_assert_num_queries):
    client = client_for(recommender)
    unit = recommending_unit_of(recommender)
    factories.EntryFactory.create_batch(3, category=qc, recommending_unit=unit)
    factories.RecommendationFactory(edition=qc.edition, unit=unit, proposed_by_side="enterprise")
    factories.DeletedDraftFactory(edition=qc.edition, unit=unit)
    with django_assert_num_queries(12) as small:
        client.get(reverse("submissions:recommendation_upload"))
    factories.EntryFactory.create_batch(27, category=qc, recommending_unit=unit)
    factories.RecommendationFactory.create_batch(5, edition=qc.edition, unit=unit, proposed_by_side="enterprise")
    factories.DeletedDraftFactory.create_batch(5, edition=qc.edition, unit=unit)
    with django_assert_num_queries(12) as large:
        response = client.get(reverse("submissions:recommendation_upload"))
    assert len(response.context["page"].object_list) == 30
    assert (len(response.context["proposals"]), len(response.context["deleted_drafts"])) == (6, 6)
    assert len(small.captured_queries) == len(large.captured_queries)


def test_an_organiser_sees_no_recommended_list_on_the_upload_page(client_for, organiser, edition):
    assert client_for(organiser).get(reverse("submissions:recommendation_upload")).context["page"] is None


# --- reading what the person typed ---------------------------------------------------------------------------


def test_split_members_splits_on_every_separator_people_use():
    cell = "吴杰\n徐丽\r\n胡强、 王芳 ，李明,赵敏；孙伟;周杰\u3000郑红  钱多\n\n"
    names = ["吴杰", "徐丽", "胡强", "王芳", "李明", "赵敏", "孙伟", "周杰", "郑红", "钱多"]
    assert imports.split_members(cell) == names
    assert imports.split_members("") == []


def test_import_splits_members_typed_on_separate_lines(qc, edition, organiser, enterprise_a):
    rows = [entry_row(enterprise_a, members="吴杰\n徐丽\n胡强"), entry_row(enterprise_a, "第二个", members="甲 乙；丙")]
    table = imports.read_list(entries_workbook(rows))
    report = imports.check_rows(table.rows, edition=edition, by=organiser, refused=table.refused)
    assert [planned.members for planned in report.valid] == [["吴杰", "徐丽", "胡强"], ["甲", "乙", "丙"]]
    run(entries_workbook(rows), edition, organiser)
    entry = Entry.objects.get(title="降低焊接缺陷率")
    assert list(entry.members.values_list("position", "name")) == [(1, "吴杰"), (2, "徐丽"), (3, "胡强")]


def test_import_refuses_a_credit_code_the_spreadsheet_turned_into_a_number(qc, edition, organiser, enterprise_a):
    numeric = factories.EnterpriseFactory(credit_code="913301000000000082", name="数字代码企业")
    rows = [entry_row(enterprise_a), entry_row(numeric, "数字代码")]
    rows[1][7] = 9.13301e17  # what Excel stores for 913301000000000082 typed in a General cell
    report = run(entries_workbook(rows), edition, organiser)
    assert report.errors == [
        (
            3,
            [
                "统一社会信用代码: the cell became a number (read as 913301000000000000), so digits may be lost. "
                "Format the column as text (设置单元格格式为“文本”) and type the code again, "
                "or type an apostrophe (') before it."
            ],
        )
    ]
    assert Entry.objects.count() == 0


def test_import_reads_a_full_width_credit_code(qc, edition, organiser, enterprise_a):
    row = entry_row(enterprise_a)
    row[7] = enterprise_a.credit_code.translate({code: code + 0xFEE0 for code in range(0x21, 0x7F)})
    report = run(entries_workbook([row]), edition, organiser)
    assert (report.created, report.errors) == (1, [])
    assert Entry.objects.get().enterprise == enterprise_a


def test_import_reads_a_gbk_csv_saved_by_chinese_excel(qc, edition, organiser, enterprise_a):
    lines = [",".join(imports.COLUMNS), ",".join(str(cell) for cell in entry_row(enterprise_a, members="甲、乙"))]
    upload = SimpleUploadedFile("推荐汇总表.csv", "\r\n".join(lines).encode("gb18030"))
    report = run(upload, edition, organiser)
    assert (report.created, report.errors) == (1, [])
    entry = Entry.objects.get()
    assert (entry.title, entry.enterprise) == ("降低焊接缺陷率", enterprise_a)
    assert list(entry.members.values_list("name", flat=True)) == ["甲", "乙"]


def test_import_refuses_a_legacy_xls_saying_how_to_save_it(edition, organiser):
    xls = SimpleUploadedFile("推荐汇总表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with pytest.raises(ValidationError) as error:
        run(xls, edition, organiser)
    assert error.value.messages == [
        "This file is an Excel 97-2003 workbook (.xls), which the portal cannot read. Open it in Excel or WPS, "
        "save it with 文件 → 另存为 → Excel 工作簿 (*.xlsx), and upload the .xlsx file."
    ]


def test_upload_form_accepts_a_csv_and_refuses_an_xls_saying_what_it_is(organiser, edition):
    editions = Edition.objects.all()
    csv_upload = SimpleUploadedFile("list.csv", "序号,类别\r\n1,QC\r\n".encode("utf-8-sig"))
    assert RecommendationUploadForm({"edition": edition.pk}, {"file": csv_upload}, editions=editions).is_valid()
    xls = SimpleUploadedFile("list.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    form = RecommendationUploadForm({"edition": edition.pk}, {"file": xls}, editions=editions)
    assert form.errors["file"][0].startswith("This file is an Excel 97-2003 workbook (.xls)")


def test_upload_page_refuses_a_shared_strings_bomb_with_its_message(client_for, organiser, edition):
    response = client_for(organiser).post(
        reverse("submissions:recommendation_upload"),
        {"edition": edition.pk, "file": spreadsheet_files.shared_strings_bomb(imports.COLUMNS)},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "This file unpacks to far more data than a document holds; it is refused."
    ]
    assert Entry.objects.count() == 0


def test_upload_page_refuses_a_list_that_takes_more_memory_to_read_than_allowed(
    client_for, organiser, edition, settings
):
    upload = spreadsheet_files.workbook(imports.COLUMNS, 5_000)
    settings.IMPORT_PARSE_MEMORY_MB = 10
    response = client_for(organiser).post(
        reverse("submissions:recommendation_upload"), {"edition": edition.pk, "file": upload}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "The file takes too much memory to read. Save it again as .xlsx holding only the data sheet (in Excel or "
        "WPS: 文件 → 另存为 → Excel 工作簿 (*.xlsx)), or split the list into several smaller files, and upload it "
        "again."
    ]
    assert Entry.objects.count() == 0


# --- the group leader (组长) and the enterprises' notice --------------------------------------------------------


LEADER_COLUMNS = [*imports.COLUMNS[:-1], "组长", "成员"]


def test_the_leader_column_makes_the_first_member_the_group_leader(qc, edition, organiser, enterprise_a):
    row = entry_row(enterprise_a, members="李四、张三、王五")
    report = run(entries_workbook([[*row[:-1], "张三", row[-1]]], columns=LEADER_COLUMNS), edition, organiser)
    assert (report.created, report.errors) == (1, [])
    assert report.valid[0].leader == "张三"
    members = Entry.objects.get().members.order_by("position")
    assert list(members.values_list("position", "name", "group_role", "is_leader")) == [
        (0, "张三", "组长", True),
        (1, "李四", "", False),
        (2, "王五", "", False),
    ]


def test_a_list_without_the_leader_column_still_imports(qc, edition, organiser, enterprise_a):
    report = run(entries_workbook([entry_row(enterprise_a)]), edition, organiser)
    assert report.created == 1
    assert not Member.objects.filter(is_leader=True).exists()


def test_a_too_long_leader_name_refuses_the_row(qc, edition, organiser, enterprise_a):
    row = entry_row(enterprise_a)
    report = run(entries_workbook([[*row[:-1], "长" * 101, row[-1]]], columns=LEADER_COLUMNS), edition, organiser)
    assert (report.created, report.errors) == (0, [(2, ["the group leader's name is longer than 100 characters"])])


def test_each_enterprise_gets_one_notice_per_import(
    qc, edition, recommender, enterprise_a, enterprise_b, user_a, user_b, django_capture_on_commit_callbacks
):
    colleague = factories.EnterpriseUserFactory(enterprise=enterprise_a)
    rows = [
        entry_row(enterprise_a, "第一项"),
        entry_row(enterprise_a, "第二项", number=2),
        entry_row(enterprise_b, "乙的一项", number=3),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        report = run(entries_workbook(rows), edition, recommender)
    assert report.created == 3
    by_recipients = {tuple(sorted(message.to)): message for message in mail.outbox}
    assert sorted(by_recipients) == sorted([tuple(sorted([user_a.email, colleague.email])), (user_b.email,)])
    to_a = by_recipients[tuple(sorted([user_a.email, colleague.email]))]
    unit = recommending_unit_of(recommender).name
    assert "第一项" in to_a.body and "第二项" in to_a.body and "乙的一项" not in to_a.body
    assert unit in to_a.body
    assert reverse("submissions:dashboard") in to_a.body
    assert "乙的一项" in by_recipients[(user_b.email,)].body


def test_an_import_that_creates_nothing_tells_no_one(
    qc, edition, organiser, enterprise_a, user_a, django_capture_on_commit_callbacks
):
    run(entries_workbook([entry_row(enterprise_a)]), edition, organiser)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = run(entries_workbook([entry_row(enterprise_a)]), edition, organiser)
    assert (report.created, report.existing, mail.outbox) == (0, 1, [])


def test_a_refused_list_tells_no_one(qc, edition, organiser, enterprise_a, user_a, django_capture_on_commit_callbacks):
    rows = [entry_row(enterprise_a), entry_row(enterprise_a, "", number=2)]
    with django_capture_on_commit_callbacks(execute=True):
        report = run(entries_workbook(rows), edition, organiser)
    assert (report.created, mail.outbox) == (0, [])
