import os
import time

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from portal import uploads
from tests import factories

pytestmark = pytest.mark.django_db

ALREADY_USED = "This file has already been imported, so nothing was written again. To import it again, upload it again."
NOT_VALID = "This confirmation is not valid. Upload the file again."
ANOTHER = "This file was checked for another user or another import. Upload it again."


@pytest.fixture(autouse=True)
def _english():
    """The messages are compared in English (the portal's default language is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def user():
    return factories.OrganiserFactory()


def stashed(user, data=b"the bytes", kind="recommendations:1"):
    return uploads.stash(SimpleUploadedFile("名单.xlsx", data), by=user, kind=kind)


def test_load_returns_the_stashed_bytes_and_name(user):
    token = stashed(user)
    file = uploads.load(token, by=user, kind="recommendations:1")
    assert (file.read(), file.name) == (b"the bytes", "名单.xlsx")


def test_stash_keeps_the_file_under_media_root_with_a_random_name(user, settings):
    stashed(user)
    names = os.listdir(settings.MEDIA_ROOT / "pending-imports")
    assert len(names) == 1
    assert uploads.NAME.match(names[0])


def test_load_refuses_another_users_token(user):
    token = stashed(user)
    with pytest.raises(ValidationError) as error:
        uploads.load(token, by=factories.OrganiserFactory(), kind="recommendations:1")
    assert error.value.messages == [ANOTHER]


def test_load_refuses_a_token_of_another_kind(user):
    token = stashed(user)
    with pytest.raises(ValidationError) as error:
        uploads.load(token, by=user, kind="paper-sheets:1")
    assert error.value.messages == [ANOTHER]


def test_load_refuses_a_tampered_token(user):
    token = stashed(user)
    with pytest.raises(ValidationError) as error:
        uploads.load(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), by=user, kind="recommendations:1")
    assert error.value.messages == [NOT_VALID]


def test_load_refuses_a_token_signed_elsewhere(user):
    forged = signing.dumps({"name": "0" * 32, "user": user.pk, "kind": "recommendations:1"}, salt="other")
    with pytest.raises(ValidationError) as error:
        uploads.load(forged, by=user, kind="recommendations:1")
    assert error.value.messages == [NOT_VALID]


def test_load_refuses_an_expired_token(user, monkeypatch):
    token = stashed(user)
    monkeypatch.setattr(uploads, "MAX_AGE", -1)
    with pytest.raises(ValidationError) as error:
        uploads.load(token, by=user, kind="recommendations:1")
    assert error.value.messages == ["The check of this file is more than a day old. Upload the file again."]


def test_load_refuses_a_changed_file(user, settings):
    token = stashed(user)
    (path,) = (settings.MEDIA_ROOT / "pending-imports").iterdir()
    path.write_bytes(b"other bytes")
    with pytest.raises(ValidationError) as error:
        uploads.load(token, by=user, kind="recommendations:1")
    assert error.value.messages == ["The file changed after it was checked. Upload it again."]


def test_load_after_discard_says_the_file_was_already_imported(user, settings):
    token = stashed(user)
    uploads.discard(token)
    assert list((settings.MEDIA_ROOT / "pending-imports").iterdir()) == []
    with pytest.raises(ValidationError) as error:
        uploads.load(token, by=user, kind="recommendations:1")
    assert error.value.messages == [ALREADY_USED]


def test_discard_ignores_a_bad_token(user):
    uploads.discard("not a token")  # nothing raised


def test_stash_removes_files_older_than_a_day(user, settings):
    old_token = stashed(user, b"old")
    (old,) = (settings.MEDIA_ROOT / "pending-imports").iterdir()
    a_day_ago = time.time() - uploads.MAX_AGE - 60
    os.utime(old, (a_day_ago, a_day_ago))
    new_token = stashed(user, b"new")
    assert len(list((settings.MEDIA_ROOT / "pending-imports").iterdir())) == 1
    assert uploads.load(new_token, by=user, kind="recommendations:1").read() == b"new"
    with pytest.raises(ValidationError):
        uploads.load(old_token, by=user, kind="recommendations:1")


def test_rows_tells_the_number_of_rows_the_check_read_and_nothing_for_a_bad_token(user):
    token = uploads.stash(SimpleUploadedFile("名单.xlsx", b"the bytes"), by=user, kind="recommendations:1", rows=2500)
    assert (uploads.rows(token), uploads.rows(stashed(user)), uploads.rows(token[:-3] + "xyz")) == (2500, 0, 0)
