"""portal.images: an uploaded picture (a certificate's background or seal, an association's logo) is read from its
content."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from portal.images import check_image


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def picture(kind="PNG", size=(40, 20)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return SimpleUploadedFile(f"seal.{kind.lower()}", out.getvalue())


def test_a_picture_is_checked_by_its_content():
    assert check_image(picture("PNG")) == "png"
    assert check_image(picture("JPEG")) == "jpg"
    with pytest.raises(ValidationError) as refused:
        check_image(SimpleUploadedFile("seal.png", b"%PDF-1.7 not a picture"))
    assert refused.value.messages == ["This file is not a PNG or JPEG picture (its content was checked, not its name)."]
    with pytest.raises(ValidationError) as refused:
        check_image(picture("PNG", size=(6001, 10)))
    assert refused.value.messages == ["The picture is 6001 × 10 pixels; at most 6000 pixels a side."]


def test_a_damaged_picture_is_refused():
    data = picture("PNG").read()
    with pytest.raises(ValidationError) as refused:
        check_image(SimpleUploadedFile("seal.png", data[:60]))
    assert refused.value.messages == ["This picture is damaged and cannot be read."]


def test_a_picture_over_the_size_limit_is_refused():
    big = SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024 + 1))
    with pytest.raises(ValidationError) as refused:
        check_image(big)
    assert refused.value.messages == ["The picture is 5.0 MB; the limit is 5 MB."]
