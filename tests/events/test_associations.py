"""The services of events.associations: accounts found or made by e-mail, new associations with their first
administrator, team changes and settings, each kept in the association's trail."""

import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from events import associations
from events.models import Association, AssociationEvent, AssociationMember, AuditEvent
from portal.models import User
from tests import factories
from tests.factories import main_association

ADMINISTRATOR = AssociationMember.Role.ADMINISTRATOR
ORGANISER = AssociationMember.Role.ORGANISER


def picture(kind="PNG", size=(40, 20)) -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", size, "red").save(data, kind)
    return SimpleUploadedFile("logo." + kind.lower(), data.getvalue())


@pytest.fixture
def administrator(db):
    return factories.OrganiserFactory(full_name="管理员", association__role=ADMINISTRATOR)


def trail(association) -> list[tuple]:
    return list(association.events.order_by("pk").values_list("action", "target", "old_values", "new_values"))


# --- accounts ------------------------------------------------------------------------------------------------


def test_organiser_account_finds_an_organiser_by_address_in_any_case(organiser):
    assert associations.organiser_account(email=organiser.email.upper()) == (organiser, False)


def test_organiser_account_makes_a_new_account_without_a_password(db):
    user, created = associations.organiser_account(email=" New@Example.com ", full_name="新组织者")
    assert created
    assert (user.email, user.full_name, user.role, user.has_usable_password()) == (
        "new@example.com",
        "新组织者",
        User.Role.ORGANISER,
        False,
    )


def test_organiser_account_refuses_an_account_of_another_role(judge):
    with pytest.raises(ValidationError) as error:
        associations.organiser_account(email=judge.email)
    assert error.value.messages == [
        f"{judge.email} belongs to an account that is not an organiser's: an account has one role."
    ]


def test_organiser_account_needs_a_name_for_a_new_account(db):
    with pytest.raises(ValidationError) as error:
        associations.organiser_account(email="nobody@example.com", full_name=" ")
    assert error.value.messages == ["There is no account with that e-mail address yet: give the person's name too."]
    assert not User.objects.filter(email="nobody@example.com").exists()


def test_organiser_account_refuses_what_is_not_an_address(db):
    with pytest.raises(ValidationError) as error:
        associations.organiser_account(email="not an address", full_name="某人")
    assert error.value.messages == ["“not an address” is not an e-mail address"]


# --- a new association ---------------------------------------------------------------------------------------


def test_create_association_invites_a_new_administrator(db, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "http://testserver"
    platform = factories.OrganiserFactory(is_superuser=True, association=False)
    fresh = Association(name="浙江省质量协会", short_name="浙江质协", slug="zhejiang")
    with django_capture_on_commit_callbacks(execute=True):
        association, invited = associations.create_association(
            association=fresh, email="boss@zj.example", full_name="钱主任", by=platform
        )
    boss = User.objects.get(email="boss@zj.example")
    assert invited
    assert list(association.members.values_list("user", "role")) == [(boss.pk, ADMINISTRATOR)]
    assert [message.to for message in mail.outbox] == [["boss@zj.example"]]
    assert "浙江省质量协会" in mail.outbox[0].body
    assert re.search(r"http://testserver/invitation/[\w-]+/[\w-]+/", mail.outbox[0].body)
    assert [row[:2] for row in trail(association)] == [
        (AssociationEvent.Action.CREATED, "浙江省质量协会"),
        (AssociationEvent.Action.MEMBER_ADDED, "钱主任 <boss@zj.example>"),
    ]
    assert set(association.events.values_list("user", flat=True)) == {platform.pk}


def test_create_association_with_an_existing_organiser_sends_nothing(organiser, django_capture_on_commit_callbacks):
    fresh = Association(name="浙江省质量协会", short_name="浙江质协", slug="zhejiang")
    with django_capture_on_commit_callbacks(execute=True):
        association, invited = associations.create_association(association=fresh, email=organiser.email, by=None)
    assert not invited
    assert mail.outbox == []
    assert association.members.get(user=organiser).role == ADMINISTRATOR


def test_create_association_refuses_a_taken_address_and_writes_nothing(organiser):
    main = main_association()
    with pytest.raises(ValidationError) as error:
        taken = Association(name="另一个协会", short_name="另协", slug=main.slug)
        associations.create_association(association=taken, email=organiser.email, by=None)
    assert "slug" in error.value.message_dict
    assert Association.objects.count() == 1


# --- the team ------------------------------------------------------------------------------------------------


def test_add_member_puts_an_existing_organiser_on_the_team_without_an_invitation(administrator):
    other = factories.AssociationFactory()
    colleague = factories.OrganiserFactory(association=other, full_name="同事")
    user, invited = associations.add_member(
        association=main_association(), email=colleague.email, role=ORGANISER, by=administrator
    )
    assert (user, invited) == (colleague, False)
    assert main_association().members.get(user=colleague).role == ORGANISER
    assert trail(main_association())[-1] == (
        AssociationEvent.Action.MEMBER_ADDED,
        f"同事 <{colleague.email}>",
        {},
        {"role": ORGANISER},
    )


def test_add_member_makes_and_invites_a_new_account(administrator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user, invited = associations.add_member(
            association=main_association(),
            email="new@example.com",
            full_name="新同事",
            role=ADMINISTRATOR,
            by=administrator,
        )
    assert invited
    assert (user.role, user.has_usable_password()) == (User.Role.ORGANISER, False)
    assert main_association().members.get(user=user).role == ADMINISTRATOR
    assert [message.to for message in mail.outbox] == [["new@example.com"]]
    assert "管理员" in mail.outbox[0].body


def test_add_member_refuses_someone_on_the_team_already(administrator, organiser):
    with pytest.raises(ValidationError) as error:
        associations.add_member(association=main_association(), email=organiser.email, role=ADMINISTRATOR, by=None)
    assert error.value.messages == ["组织者 is on the team already."]
    assert main_association().members.get(user=organiser).role == ORGANISER


def test_set_member_changes_the_role_and_keeps_it_in_the_trail(administrator, organiser):
    associations.set_member(association=main_association(), user=organiser, role=ADMINISTRATOR, by=administrator)
    assert main_association().members.get(user=organiser).role == ADMINISTRATOR
    event = main_association().events.get(action=AssociationEvent.Action.ROLE_CHANGED)
    assert (event.user, event.old_values, event.new_values) == (
        administrator,
        {"role": ORGANISER},
        {"role": ADMINISTRATOR},
    )


def test_set_member_keeps_the_last_administrator(administrator):
    with pytest.raises(ValidationError) as error:
        associations.set_member(association=main_association(), user=administrator, role=ORGANISER)
    assert error.value.messages == ["An association needs at least one administrator."]
    assert main_association().members.get(user=administrator).role == ADMINISTRATOR


def test_set_member_refuses_a_role_that_does_not_exist(administrator, organiser):
    with pytest.raises(ValidationError):
        associations.set_member(association=main_association(), user=organiser, role="owner")


def test_remove_member_takes_the_organiser_off_the_editions_too(administrator, organiser):
    edition = factories.EditionFactory()
    edition.organisers.add(organiser, administrator)
    associations.remove_member(association=main_association(), user=organiser, by=administrator)
    assert not main_association().members.filter(user=organiser).exists()
    assert list(edition.organisers.all()) == [administrator]
    audit = AuditEvent.objects.get(edition=edition)
    assert (audit.action, audit.user) == (AuditEvent.Action.ORGANISER_REMOVED, administrator)
    assert trail(main_association())[-1][:3] == (
        AssociationEvent.Action.MEMBER_REMOVED,
        f"组织者 <{organiser.email}>",
        {"role": ORGANISER},
    )


def test_remove_member_keeps_the_last_administrator(administrator):
    with pytest.raises(ValidationError):
        associations.remove_member(association=main_association(), user=administrator)
    assert main_association().members.filter(user=administrator).exists()


# --- settings ------------------------------------------------------------------------------------------------


def test_save_settings_keeps_what_changed_in_the_trail(administrator):
    association = main_association()
    old = associations.settings_of(association)
    association.contact_phone = "0571-1234567"
    association.searchable = False
    associations.save_settings(association=association, old=old, logo=picture(), by=administrator)
    association.refresh_from_db()
    assert association.logo.name.startswith("associations/") and association.logo.name.endswith(".png")
    event = association.events.get()
    assert (event.action, sorted(event.new_values)) == (
        AssociationEvent.Action.SETTINGS_CHANGED,
        ["contact_phone", "logo", "searchable"],
    )
    assert (event.old_values["contact_phone"], event.new_values["searchable"]) == ("", False)


def test_save_settings_refuses_a_logo_that_is_not_a_picture(administrator):
    association = main_association()
    with pytest.raises(ValidationError) as error:
        associations.save_settings(
            association=association,
            old=associations.settings_of(association),
            logo=SimpleUploadedFile("logo.png", b"%PDF-1.7 not a picture"),
            by=administrator,
        )
    assert error.value.messages == ["This file is not a PNG or JPEG picture (its content was checked, not its name)."]
    assert not association.events.exists()


def test_save_settings_removes_the_logo(administrator):
    association = main_association()
    associations.save_settings(association=association, old={}, logo=picture("JPEG"), by=administrator)
    old = associations.settings_of(association)
    associations.save_settings(association=association, old=old, remove_logo=True, by=administrator)
    association.refresh_from_db()
    assert not association.logo
    assert association.events.order_by("pk").last().new_values == {"logo": ""}


def test_save_settings_without_a_change_writes_no_trail(administrator):
    association = main_association()
    associations.save_settings(association=association, old=associations.settings_of(association), by=administrator)
    assert not association.events.exists()
