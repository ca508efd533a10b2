"""The associations' pages: the platform administrator's list and new-association form, an association's settings
and team, and the links to them."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from events import associations
from events.models import Association, AssociationEvent, AssociationMember
from portal.models import User
from tests import factories
from tests.factories import main_association

ADMINISTRATOR = AssociationMember.Role.ADMINISTRATOR
ORGANISER = AssociationMember.Role.ORGANISER


def png() -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (30, 30), "blue").save(data, "PNG")
    return SimpleUploadedFile("logo.png", data.getvalue(), content_type="image/png")


@pytest.fixture
def platform(db):
    """The platform administrator: a superuser on no association's team."""
    return factories.OrganiserFactory(full_name="平台管理员", is_superuser=True, association=False)


@pytest.fixture
def administrator(db):
    return factories.OrganiserFactory(full_name="管理员", association__role=ADMINISTRATOR)


@pytest.fixture
def stranger(db):
    """The administrator of another association."""
    return factories.OrganiserFactory(
        full_name="外会管理员", association=factories.AssociationFactory(), association__role=ADMINISTRATOR
    )


def settings_data(association, **changes) -> dict:
    data = {
        "name": association.name,
        "short_name": association.short_name,
        "slug": association.slug,
        "contact_name": "",
        "contact_phone": "",
        "contact_email": "",
        "address": "",
        "searchable": "on",
    }
    return {**data, **changes}


# --- the platform administrator's list and form --------------------------------------------------------------


def test_association_list_shows_each_with_its_editions_and_team(client_for, platform, administrator):
    factories.EditionFactory()
    factories.AssociationFactory(name="浙江省质量协会")
    response = client_for(platform).get(reverse("events:association_list"))
    assert response.status_code == 200
    rows = [(a.name, a.edition_count, a.member_count) for a in response.context["associations"]]
    assert rows == [("中国机械工业质量管理协会", 1, 1), ("浙江省质量协会", 0, 0)]


@pytest.mark.parametrize("who", ["administrator", "organiser", "judge"])
def test_association_list_refuses_anyone_but_the_platform_administrator(db, client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("events:association_list")).status_code == 403
    assert client.post(reverse("events:association_create"), {}).status_code == 403


def test_association_list_sends_the_anonymous_to_log_in(client):
    response = client.get(reverse("events:association_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize("size", [2, 12])
def test_association_list_query_count_does_not_grow(client_for, platform, django_assert_num_queries, size):
    for _n in range(size):
        association = factories.AssociationFactory()
        factories.EditionFactory(association=association)
        factories.OrganiserFactory(association=association)
    client = client_for(platform)
    with django_assert_num_queries(3):  # session, user, the associations with their counts
        response = client.get(reverse("events:association_list"))
    assert len(response.context["associations"]) == size


def test_association_create_makes_it_with_an_invited_administrator(
    client_for, platform, django_capture_on_commit_callbacks
):
    data = settings_data(Association(name="浙江省质量协会", short_name="浙江质协", slug="ZheJiang"))
    data |= {"administrator_email": "boss@zj.example", "administrator_name": "钱主任", "logo_file": png()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(platform).post(reverse("events:association_create"), data, follow=True)
    association = Association.objects.get(slug="zhejiang")
    assert response.redirect_chain == [(reverse("events:association_team", args=[association.pk]), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "浙江省质量协会 is created; its administrator is invited by e-mail to set a password."
    ]
    boss = User.objects.get(email="boss@zj.example")
    assert list(association.members.values_list("user", "role")) == [(boss.pk, ADMINISTRATOR)]
    assert association.logo.name.endswith(".png")
    assert [message.to for message in mail.outbox] == [["boss@zj.example"]]


def test_association_create_refuses_a_logo_that_is_not_a_picture(client_for, platform):
    data = settings_data(Association(name="浙江省质量协会", short_name="浙江质协", slug="zhejiang"))
    data |= {"administrator_email": "boss@zj.example", "administrator_name": "钱主任"}
    data["logo_file"] = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>")
    response = client_for(platform).post(reverse("events:association_create"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["logo_file"] == [
        "This file is not a PNG or JPEG picture (its content was checked, not its name)."
    ]
    assert not Association.objects.filter(slug="zhejiang").exists()
    assert not User.objects.filter(email="boss@zj.example").exists()


def test_association_create_refuses_a_judge_s_address_for_the_administrator(client_for, platform, judge):
    data = settings_data(Association(name="浙江省质量协会", short_name="浙江质协", slug="zhejiang"))
    data |= {"administrator_email": judge.email}
    response = client_for(platform).post(reverse("events:association_create"), data)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        f"{judge.email} belongs to an account that is not an organiser's: an account has one role."
    ]
    assert not Association.objects.filter(slug="zhejiang").exists()


# --- the navigation's way in ---------------------------------------------------------------------------------


def test_my_association_leads_to_the_team_of_the_association(client_for, organiser):
    response = client_for(organiser).get(reverse("events:my_association"))
    assert response["Location"] == reverse("events:association_team", args=[main_association().pk])


def test_my_association_follows_the_chosen_one(client_for, organiser):
    other = factories.AssociationFactory(name="浙江省质量协会")
    factories.AssociationMemberFactory(association=other, user=organiser)
    response = client_for(organiser).get(reverse("events:my_association"), {"association": other.pk})
    assert response["Location"] == reverse("events:association_team", args=[other.pk])


def test_my_association_refuses_an_organiser_of_none(client_for, db):
    lonely = factories.OrganiserFactory(association=False)
    assert client_for(lonely).get(reverse("events:my_association")).status_code == 403


def test_navigation_links_an_organiser_to_the_association_and_the_platform_administrator_to_all(
    client_for, organiser, platform
):
    names = [link["name"] for link in client_for(organiser).get(reverse("events:todo")).context["nav_links"]]
    assert "events:my_association" in names and "events:association_list" not in names
    names = [link["name"] for link in client_for(platform).get(reverse("events:todo")).context["nav_links"]]
    assert "events:association_list" in names and "events:my_association" not in names


def test_edition_list_links_the_associations_the_organiser_works_for(client_for, organiser):
    body = client_for(organiser).get(reverse("events:edition_list")).content.decode()
    assert f'href="{reverse("events:association_team", args=[main_association().pk])}"' in body


# --- settings ------------------------------------------------------------------------------------------------


def test_settings_are_saved_by_an_administrator(client_for, administrator):
    association = main_association()
    url = reverse("events:association_settings", args=[association.pk])
    data = settings_data(association, contact_name="王组织", contact_email="office@cmqa.example", searchable="")
    response = client_for(administrator).post(url, data)
    assert response["Location"] == url
    association.refresh_from_db()
    assert (association.contact_name, association.contact_email, association.searchable) == (
        "王组织",
        "office@cmqa.example",
        False,
    )
    event = association.events.get()
    assert (event.action, event.user, sorted(event.new_values)) == (
        AssociationEvent.Action.SETTINGS_CHANGED,
        administrator,
        ["contact_email", "contact_name", "searchable"],
    )


def test_settings_refuse_an_address_another_association_has(client_for, administrator):
    other = factories.AssociationFactory(slug="zhejiang")
    url = reverse("events:association_settings", args=[main_association().pk])
    response = client_for(administrator).post(url, settings_data(main_association(), slug=other.slug))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["slug"]
    assert main_association().slug == "main"


def test_settings_can_be_changed_by_the_platform_administrator(client_for, platform):
    url = reverse("events:association_settings", args=[main_association().pk])
    assert client_for(platform).get(url).status_code == 200


@pytest.mark.parametrize("who", ["organiser", "stranger", "judge"])
def test_settings_refuse_anyone_but_its_administrators(db, client_for, request, who):
    url = reverse("events:association_settings", args=[main_association().pk])
    client = client_for(request.getfixturevalue(who))
    assert client.get(url).status_code == 403
    assert client.post(url, settings_data(main_association(), name="改名")).status_code == 403
    assert main_association().name == "中国机械工业质量管理协会"


# --- the team ------------------------------------------------------------------------------------------------


def test_team_is_seen_by_an_organiser_without_the_means_to_change_it(client_for, organiser, administrator):
    response = client_for(organiser).get(reverse("events:association_team", args=[main_association().pk]))
    assert response.status_code == 200
    assert [(m.user.full_name, m.role) for m in response.context["members"]] == [
        ("管理员", ADMINISTRATOR),
        ("组织者", ORGANISER),
    ]
    body = response.content.decode()
    assert 'id="add-member"' not in body and reverse("events:association_settings", args=[1]) not in body


def test_team_refuses_an_organiser_s_post(client_for, organiser):
    url = reverse("events:association_team", args=[main_association().pk])
    response = client_for(organiser).post(url, {"email": "new@example.com", "full_name": "新人", "role": ORGANISER})
    assert response.status_code == 403
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.parametrize("who", ["stranger", "judge", "user_a"])
def test_team_refuses_anyone_off_the_association(db, client_for, request, who):
    url = reverse("events:association_team", args=[main_association().pk])
    assert client_for(request.getfixturevalue(who)).get(url).status_code == 403


def test_team_adds_an_organiser_by_address(client_for, administrator, django_capture_on_commit_callbacks):
    url = reverse("events:association_team", args=[main_association().pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(administrator).post(
            url, {"email": "new@example.com", "full_name": "新人", "role": ORGANISER}, follow=True
        )
    assert [str(m) for m in response.context["messages"]] == [
        "新人 is on the team and is invited by e-mail to set a password."
    ]
    assert main_association().members.filter(user__email="new@example.com", role=ORGANISER).exists()
    assert [message.to for message in mail.outbox] == [["new@example.com"]]
    assert [(event.action, said) for event, said in response.context["trail"]] == [
        (AssociationEvent.Action.MEMBER_ADDED, "Organiser")
    ]


def test_team_shows_a_refused_address_on_the_form(client_for, administrator, judge):
    url = reverse("events:association_team", args=[main_association().pk])
    response = client_for(administrator).post(url, {"email": judge.email, "role": ORGANISER})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        f"{judge.email} belongs to an account that is not an organiser's: an account has one role."
    ]


def test_member_role_is_changed_by_an_administrator(client_for, administrator, organiser):
    member = main_association().members.get(user=organiser)
    url = reverse("events:association_member", args=[member.pk])
    response = client_for(administrator).post(url, {"action": "role", "role": ADMINISTRATOR})
    assert response["Location"] == reverse("events:association_team", args=[main_association().pk])
    member.refresh_from_db()
    assert member.role == ADMINISTRATOR


def test_member_is_removed_by_an_administrator(client_for, administrator, organiser):
    member = main_association().members.get(user=organiser)
    client_for(administrator).post(reverse("events:association_member", args=[member.pk]), {"action": "remove"})
    assert not AssociationMember.objects.filter(pk=member.pk).exists()


def test_member_removal_keeps_the_last_administrator_and_says_why(client_for, administrator):
    member = main_association().members.get(user=administrator)
    response = client_for(administrator).post(
        reverse("events:association_member", args=[member.pk]), {"action": "remove"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["An association needs at least one administrator."]
    assert AssociationMember.objects.filter(pk=member.pk).exists()


def test_member_change_without_a_role_says_so(client_for, administrator, organiser):
    member = main_association().members.get(user=organiser)
    response = client_for(administrator).post(
        reverse("events:association_member", args=[member.pk]), {"action": "role"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["Choose a role, or remove the member."]


@pytest.mark.parametrize("who", ["organiser", "stranger"])
def test_member_changes_are_refused_to_all_but_administrators(db, client_for, request, who, administrator):
    member = main_association().members.get(user=administrator)
    client = client_for(request.getfixturevalue(who))
    url = reverse("events:association_member", args=[member.pk])
    assert client.post(url, {"action": "role", "role": ORGANISER}).status_code == 403
    assert client.post(url, {"action": "remove"}).status_code == 403
    member.refresh_from_db()
    assert member.role == ADMINISTRATOR


def test_member_page_takes_no_get(client_for, administrator):
    member = main_association().members.get(user=administrator)
    assert client_for(administrator).get(reverse("events:association_member", args=[member.pk])).status_code == 405


def test_an_administrator_who_leaves_the_team_goes_back_to_the_editions(client_for, administrator):
    other_administrator = factories.OrganiserFactory(association__role=ADMINISTRATOR)
    member = main_association().members.get(user=administrator)
    response = client_for(administrator).post(
        reverse("events:association_member", args=[member.pk]), {"action": "remove"}
    )
    assert response["Location"] == reverse("events:edition_list")
    assert list(main_association().members.values_list("user", flat=True)) == [other_administrator.pk]


@pytest.mark.parametrize("size", [2, 12])
def test_team_query_count_does_not_grow(client_for, administrator, django_assert_num_queries, size):
    for _n in range(size):
        user, _invited = associations.add_member(
            association=main_association(),
            email=f"colleague{_n}@example.com",
            full_name="同事",
            role=ORGANISER,
            by=administrator,
        )
    client = client_for(administrator)
    url = reverse("events:association_team", args=[main_association().pk])
    # session, user, the association, may see it, may change it, the other associations, the members, the trail
    with django_assert_num_queries(8):
        response = client.get(url)
    assert len(response.context["members"]) == size + 1
    assert len(response.context["trail"]) == size
