import io

import openpyxl
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.models import User
from submissions import memberships, units
from submissions.models import RecommendingUnit
from tests import factories
from tests.factories import main_association

pytestmark = pytest.mark.django_db


def test_adding_a_unit_user_creates_the_unit_and_an_account_without_a_password():
    user = units.add_unit_user(
        association=main_association(),
        unit_name="浙江省质量协会",
        full_name="周推荐",
        email="Zhou@Unit.example",
        phone="0571",
    )
    assert (user.email, user.role, user.phone, user.has_usable_password()) == (
        "zhou@unit.example",
        "recommender",
        "0571",
        False,
    )
    assert memberships.recommending_unit_of(user) == RecommendingUnit.objects.get(name="浙江省质量协会")


def test_adding_an_address_of_another_role_is_refused(user_a):
    with pytest.raises(ValidationError) as error:
        units.add_unit_user(
            association=main_association(), unit_name="浙江省质量协会", full_name="甲", email=user_a.email
        )
    assert error.value.messages == [
        _("%(email)s belongs to an account of another role; use another address.") % {"email": user_a.email}
    ]
    assert not RecommendingUnit.objects.filter(name="浙江省质量协会").exists()  # nothing half-saved


def test_invite_mails_the_unit_users_not_accepted(organiser, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "http://testserver"
    waiting = units.add_unit_user(
        association=main_association(), unit_name="浙江省质量协会", full_name="周推荐", email="zhou@unit.example"
    )
    accepted = factories.RecommenderFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert units.invite(users=[waiting, accepted], by=organiser) == 1
    [message] = mail.outbox
    assert message.to == ["zhou@unit.example"]
    assert "http://testserver/invitation/" in message.body


def test_the_units_page_shows_who_has_accepted(client_for, organiser, django_assert_num_queries):
    units.add_unit_user(
        association=main_association(), unit_name="浙江省质量协会", full_name="周推荐", email="zhou@unit.example"
    )
    accepted = factories.RecommenderFactory()
    client = client_for(organiser)
    # the session, the user, whether the user works for an association, its associations, the units, their members
    with django_assert_num_queries(6):
        response = client.get(reverse("submissions:units"))
    page = response.content.decode()
    assert f'data-user="{accepted.pk}" data-accepted="1"' in page
    assert f'data-user="{User.objects.get(email="zhou@unit.example").pk}" data-accepted="0"' in page
    for n in range(5):
        units.add_unit_user(
            association=main_association(), unit_name=f"单位{n}", full_name=f"人{n}", email=f"p{n}@unit.example"
        )
    with django_assert_num_queries(6):
        client.get(reverse("submissions:units"))


def test_an_organiser_adds_and_invites_a_unit_user(client_for, organiser, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "http://testserver"
    client = client_for(organiser)
    response = client.post(
        reverse("submissions:units"),
        {"unit_name": "浙江省质量协会", "full_name": "周推荐", "email": "zhou@unit.example"},
    )
    assert (response.status_code, response.url) == (302, reverse("submissions:units"))
    user = User.objects.get(email="zhou@unit.example")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("submissions:unit_invite"), {"users": [user.pk]})
    assert [m.to for m in mail.outbox] == [["zhou@unit.example"]]


def test_the_units_page_refuses_a_recommender_and_a_judge(client_for, recommender, judge):
    assert client_for(recommender).get(reverse("submissions:units")).status_code == 403
    assert client_for(judge).get(reverse("submissions:units")).status_code == 403
    assert client_for(judge).post(reverse("submissions:unit_invite"), {"users": [recommender.pk]}).status_code == 403


def filled_units(rows) -> SimpleUploadedFile:
    workbook = openpyxl.load_workbook(io.BytesIO(units.template_workbook()))
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("推荐单位用户.xlsx", buffer.getvalue())


def test_unit_users_import_round_trip_template_filled_preview_confirm(client_for, organiser):
    client = client_for(organiser)
    assert client.get(reverse("submissions:unit_template"))["Content-Disposition"] == (
        'attachment; filename="recommending-unit-users-template.xlsx"'
    )
    upload = filled_units(
        [["浙江省质量协会", "周推荐", "zhou@unit.example", "0571"], ["江苏省质量协会", "吴推荐", "wu@unit.example", ""]]
    )
    preview = client.post(reverse("submissions:unit_import"), {"file": upload})
    assert (preview.status_code, preview.context["preview"]) == (200, True)
    assert not User.objects.filter(role=User.Role.RECOMMENDER).exists()
    done = client.post(reverse("submissions:unit_import"), {"token": preview.context["confirm"].initial["token"]})
    assert (done.status_code, done.url) == (302, reverse("submissions:units"))
    assert sorted(
        (memberships.recommending_unit_of(user).name, user.email)
        for user in User.objects.filter(role=User.Role.RECOMMENDER)
    ) == [("江苏省质量协会", "wu@unit.example"), ("浙江省质量协会", "zhou@unit.example")]


def test_a_unit_list_with_a_bad_row_writes_nothing(user_a):
    report = units.import_unit_users(
        association=main_association(),
        file=filled_units([["浙江省质量协会", "周推荐", "zhou@unit.example"], ["", "甲", user_a.email]]),
    )
    assert report.messages == [
        (3, _("Give the unit's name and the person's name.")),
        (3, _("%(email)s belongs to an account of another role; use another address.") % {"email": user_a.email}),
    ]
    assert not RecommendingUnit.objects.exists()


def test_the_unit_import_refuses_a_recommender(client_for, recommender):
    assert client_for(recommender).get(reverse("submissions:unit_import")).status_code == 403
    assert client_for(recommender).get(reverse("submissions:unit_template")).status_code == 403
