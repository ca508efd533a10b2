"""Checking an uploaded picture (a certificate's background or seal, an association's logo): PNG or JPEG read from
its content, within a size in bytes and in pixels, and not damaged."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from portal.spreadsheets import check_upload_size

IMAGE_KINDS = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_SIDE = 6000


def kind_of(head: bytes) -> str | None:
    """ "png" or "jpg" from a file's first 8 bytes; None for anything else."""
    return next((ext for magic, ext in IMAGE_KINDS.items() if head.startswith(magic)), None)


def check_image(upload) -> str:
    """The extension ("png" or "jpg") of an uploaded picture, read from its content; ValidationError for any
    other file, a damaged picture, one over IMAGE_MAX_BYTES or with a side over IMAGE_MAX_SIDE pixels."""
    size = check_upload_size(upload)
    if size > IMAGE_MAX_BYTES:
        raise ValidationError(
            _("The picture is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": IMAGE_MAX_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    kind = kind_of(head)
    if kind is None:
        raise ValidationError(_("This file is not a PNG or JPEG picture (its content was checked, not its name)."))
    try:
        with Image.open(upload) as picture:
            width, height = picture.size
            if max(width, height) > IMAGE_MAX_SIDE:
                raise ValidationError(
                    _("The picture is %(width)s × %(height)s pixels; at most %(limit)s pixels a side.")
                    % {"width": width, "height": height, "limit": IMAGE_MAX_SIDE}
                )
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(_("This picture is damaged and cannot be read."))
    finally:
        upload.seek(0)
    return kind
