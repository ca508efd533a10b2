import io
import re

import openpyxl
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from portal.models import User
from scoring import people
from scoring.models import Declaration, JudgeProfile
from submissions import memberships
from tests import factories
from tests.factories import main_association

pytestmark = pytest.mark.django_db

CODE = factories.readable_credit_code(7)


def filled_list(rows, *, header=None) -> SimpleUploadedFile:
    """The downloaded template with `rows` typed below its header."""
    workbook = openpyxl.load_workbook(io.BytesIO(people.template_workbook()))
    sheet = workbook["评委名单"]
    if header is not None:
        sheet.delete_rows(1)
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("评委名单.xlsx", buffer.getvalue())


WANG = ["王建国", "Wang@Judges.example", "13800000001", "杭州质量协会", CODE, "高级工程师", "质量管理"]
LI = ["李芳", "li@judges.example", "", "", "", "", ""]


def test_the_template_has_the_list_s_columns():
    workbook = openpyxl.load_workbook(io.BytesIO(people.template_workbook()))
    header = [cell.value for cell in workbook["评委名单"][1]]
    assert header == ["姓名", "电子邮箱", "手机", "工作单位", "统一社会信用代码", "职称或职务", "专业特长"]


def test_a_checked_list_writes_nothing():
    report = people.import_judges(association=main_association(), file=filled_list([WANG, LI]), dry_run=True)
    assert (report.ok, report.rows, report.existing, report.created) == (True, 2, 0, 0)
    assert [row["email"] for row in report.valid] == ["wang@judges.example", "li@judges.example"]
    assert User.objects.filter(role=User.Role.JUDGE).count() == 0


def test_an_imported_list_creates_judges_without_a_password():
    report = people.import_judges(association=main_association(), file=filled_list([WANG, LI]))
    assert (report.created, report.updated) == (2, 0)
    wang = User.objects.get(email="wang@judges.example")
    assert (wang.role, wang.full_name, wang.phone, wang.organisation, wang.title) == (
        "judge",
        "王建国",
        "13800000001",
        "杭州质量协会",
        "高级工程师",
    )
    assert (wang.judge_profile.employer_credit_code, wang.judge_profile.speciality) == (CODE, "质量管理")
    assert wang.has_usable_password() is False
    assert people.has_accepted(wang) is False


def test_importing_again_updates_the_judges_and_keeps_what_a_row_leaves_empty():
    people.import_judges(association=main_association(), file=filled_list([WANG]))
    report = people.import_judges(
        association=main_association(),
        file=filled_list([["王建国", "wang@judges.example", "", "浙江大学", "", "", ""]]),
    )
    assert (report.created, report.updated) == (0, 1)
    wang = User.objects.get(email="wang@judges.example")
    assert (wang.organisation, wang.phone, wang.judge_profile.employer_credit_code) == ("浙江大学", "13800000001", CODE)
    assert User.objects.filter(email="wang@judges.example").count() == 1


def test_a_bad_row_refuses_the_whole_list_with_each_reason():
    factories.EnterpriseUserFactory(email="boss@firm.example")
    rows = [
        WANG,
        ["", "nobody", "", "", "12345", "", ""],
        ["赵强", "boss@firm.example", "", "", "", "", ""],
        ["王二", "wang@judges.example", "", "", "", "", ""],
    ]
    report = people.import_judges(association=main_association(), file=filled_list(rows))
    assert report.messages == [
        (3, _("the name is missing")),
        (3, _("“%(email)s” is not an e-mail address") % {"email": "nobody"}),
        (3, _("A unified social credit code has 18 characters.")),
        (4, _("%(email)s belongs to an account that is not a judge's") % {"email": "boss@firm.example"}),
        (5, _("%(email)s is also in row %(row)s") % {"email": "wang@judges.example", "row": 2}),
    ]
    assert User.objects.filter(role=User.Role.JUDGE).count() == 0


def test_a_list_without_the_required_columns_is_refused():
    with pytest.raises(ValidationError) as error:
        people.import_judges(association=main_association(), file=filled_list([["王建国"]], header=["姓名", "手机"]))
    assert error.value.messages == [
        _("Columns missing in row %(row)s: %(columns)s. Use the template.") % {"row": 1, "columns": "电子邮箱"}
    ]


def test_add_judge_creates_one_and_refuses_an_account_of_another_role():
    judge = people.add_judge(
        association=main_association(), full_name="王建国", email="WANG@judges.example", credit_code=CODE.lower()
    )
    assert (judge.email, judge.role, judge.judge_profile.employer_credit_code) == ("wang@judges.example", "judge", CODE)
    factories.OrganiserFactory(email="org@assoc.example")
    with pytest.raises(ValidationError) as error:
        people.add_judge(association=main_association(), full_name="组织者", email="org@assoc.example")
    assert error.value.messages == [
        _("%(email)s belongs to an account that is not a judge's") % {"email": "org@assoc.example"}
    ]


def test_invite_mails_each_judge_not_accepted_a_link_and_notes_when(
    settings, organiser, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    people.import_judges(association=main_association(), file=filled_list([WANG, LI]))
    accepted = factories.JudgeFactory(email="old@judges.example")
    with django_capture_on_commit_callbacks(execute=True):
        count = people.invite(users=User.objects.filter(role=User.Role.JUDGE), by=organiser)
    assert count == 2
    assert sorted(message.to[0] for message in mail.outbox) == ["li@judges.example", "wang@judges.example"]
    body = next(m for m in mail.outbox if m.to == ["wang@judges.example"]).body
    assert re.search(r"http://testserver/invitation/[\w-]+/[\w-]+/", body)
    profiles = JudgeProfile.objects.filter(invited_at__isnull=False)
    assert sorted(profiles.values_list("judge__email", flat=True)) == ["li@judges.example", "wang@judges.example"]
    assert set(profiles.values_list("invited_by", flat=True)) == {organiser.pk}
    assert not JudgeProfile.objects.filter(judge=accepted).exists()


def test_a_declaration_is_confirmed_once_per_judge_and_edition():
    seat = factories.PanelMemberFactory(declared=False)
    edition = seat.venue.edition
    assert people.has_declared(judge=seat.judge, edition_id=edition.pk) is False
    first = people.declare(judge=seat.judge, edition=edition, conflicts=" 曾在甲企业任职 ")
    again = people.declare(judge=seat.judge, edition=edition, conflicts="另一段")
    assert (again.pk, again.conflicts) == (first.pk, "曾在甲企业任职")
    assert people.has_declared(judge=seat.judge, edition_id=edition.pk) is True
    assert Declaration.objects.count() == 1


def test_only_a_judge_confirms_a_declaration(organiser):
    with pytest.raises(ValidationError):
        people.declare(judge=organiser, edition=factories.EditionFactory())


def test_panel_declarations_lists_every_seated_judge_with_the_confirmation():
    venue = factories.VenueFactory()
    declared = factories.PanelMemberFactory(venue=venue, judge=factories.JudgeFactory(full_name="甲")).judge
    waiting = factories.PanelMemberFactory(venue=venue, judge=factories.JudgeFactory(full_name="乙"), declared=False)
    rows = people.panel_declarations(venue.edition)
    assert [(judge.full_name, declaration is not None) for judge, declaration in rows] == [("乙", False), ("甲", True)]
    assert {judge.pk for judge, _d in rows} == {declared.pk, waiting.judge.pk}


def test_a_judge_whose_employer_is_registered_belongs_to_it_for_recusals():
    employer = factories.EnterpriseFactory(credit_code=CODE)
    people.import_judges(association=main_association(), file=filled_list([WANG]))
    wang = User.objects.get(email="wang@judges.example")
    assert memberships.enterprise_of(wang) == employer
