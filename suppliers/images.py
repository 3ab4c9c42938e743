"""Product image uploads: judged by content (Pillow), re-encoded, thumbnailed.

The upload is decoded completely; anything Pillow cannot decode as JPEG, PNG or WebP is
refused whatever its name or declared type. The stored image is re-encoded from the
decoded pixels (which drops EXIF/GPS metadata and anything smuggled after the image data)
and scaled down to at most ``MAX_SIDE`` pixels; a square-fitted JPEG thumbnail is made too.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_SIDE = 2000
THUMB_SIDE = 320
MIN_SIDE = 50
MAX_PIXELS = 50_000_000  # refuse decompression bombs long before Pillow's own limit


def max_image_bytes() -> int:
    return getattr(settings, "PRODUCT_IMAGE_MAX_BYTES", 5 * 1024 * 1024)


@dataclass
class ProcessedImage:
    image: bytes
    image_name: str
    thumbnail: bytes
    thumbnail_name: str
    width: int
    height: int


def _refuse(name: str, reason: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s”: %(reason)s") % {"name": name, "reason": reason}, code="image_invalid"
    )


def image_process(upload) -> ProcessedImage:
    """Validate an uploaded file as a product image and return what to store."""
    name = getattr(upload, "name", "") or _("upload")
    size = getattr(upload, "size", None)
    if size is not None and size > max_image_bytes():
        raise _refuse(
            name,
            _("the file is %(size)s MB; the limit is %(limit)s MB.")
            % {
                "size": f"{size / 1024 / 1024:.1f}",
                "limit": f"{max_image_bytes() / 1024 / 1024:.0f}",
            },
        )
    upload.seek(0)
    data = upload.read()
    if len(data) > max_image_bytes():
        raise _refuse(name, _("the file is too large."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            width, height = probe.size
            if image_format not in ALLOWED_FORMATS:
                raise _refuse(
                    name,
                    _("this is not a JPEG, PNG or WebP image (it looks like %(format)s).")
                    % {"format": image_format or _("an unknown format")},
                )
            if width * height > MAX_PIXELS:
                raise _refuse(name, _("the image has too many pixels."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as decoded:
            decoded.load()
            picture = ImageOps.exif_transpose(decoded)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse(name, _("this is not a readable JPEG, PNG or WebP image.")) from None
    if min(picture.size) < MIN_SIDE:
        raise _refuse(
            name,
            _("the image is %(w)s×%(h)s pixels; each side needs at least %(min)s.")
            % {"w": picture.width, "h": picture.height, "min": MIN_SIDE},
        )

    extension = ALLOWED_FORMATS[image_format]
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    main = io.BytesIO()
    if image_format == "JPEG":
        picture.convert("RGB").save(main, "JPEG", quality=88, optimize=True)
    elif image_format == "PNG":
        if picture.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            picture = picture.convert("RGBA")
        picture.save(main, "PNG", optimize=True)
    else:
        picture.save(main, "WEBP", quality=88)

    thumb = picture.copy()
    if thumb.mode in ("RGBA", "LA", "P"):
        thumb = thumb.convert("RGBA")
        background = Image.new("RGB", thumb.size, (255, 255, 255))
        background.paste(thumb, mask=thumb.getchannel("A"))
        thumb = background
    thumb = ImageOps.pad(thumb.convert("RGB"), (THUMB_SIDE, THUMB_SIDE), color=(255, 255, 255))
    thumbnail = io.BytesIO()
    thumb.save(thumbnail, "JPEG", quality=82, optimize=True)

    stem = uuid.uuid4().hex
    return ProcessedImage(
        image=main.getvalue(),
        image_name=f"{stem}.{extension}",
        thumbnail=thumbnail.getvalue(),
        thumbnail_name=f"{stem}_thumb.jpg",
        width=picture.width,
        height=picture.height,
    )
