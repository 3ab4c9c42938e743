"""Validation of what applicants send: the unified social credit code and qualification documents.

Both are judged on content, never on what the applicant says the thing is: the credit code by
its structure and check character (GB 32100-2015), a document by its first bytes, not its name.
"""

from __future__ import annotations

from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# --- Unified social credit code (统一社会信用代码), GB 32100-2015 ------------------------------

# The 31 characters a code may contain: digits and capitals without I, O, S, V and Z.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weight of position i (0-based) is 3**i mod 31.
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# Position 1: the registration authority (1 机构编制, 5 民政, 9 工商, Y 其他, …).
CREDIT_CODE_AUTHORITIES = "123456789ANY"
# Position 2: the category of the organisation within its authority (9 = other).
CREDIT_CODE_CATEGORIES = "123459"


def credit_code_normalise(value: str) -> str:
    """Uppercase, without the spaces and hyphens people type to group the characters."""
    return "".join(ch for ch in (value or "").upper() if ch not in " -\t\u3000")


def credit_code_check_character(first17: str) -> str:
    """The 18th character for the first 17: 31 - (Σ value × weight mod 31), where 31 means 0."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(ch) * weight
        for ch, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Raise ValidationError unless ``value`` (already normalised) is a well-formed credit code."""
    if len(value) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            code="credit_code_length",
            params={"count": len(value)},
        )
    bad = sorted({ch for ch in value if ch not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _(
                "A unified social credit code uses digits and capital letters except I, O, S, V "
                "and Z; “%(chars)s” cannot appear in it."
            ),
            code="credit_code_characters",
            params={"chars": "".join(bad)},
        )
    if value[0] not in CREDIT_CODE_AUTHORITIES or value[1] not in CREDIT_CODE_CATEGORIES:
        raise ValidationError(
            _(
                "The first two characters (registration authority and organisation category) "
                "are not a valid combination."
            ),
            code="credit_code_authority",
        )
    if not value[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 are the administrative region code and must be digits."),
            code="credit_code_region",
        )
    if credit_code_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character does not match: please check the code for typing mistakes."),
            code="credit_code_check",
        )


# --- Qualification documents ------------------------------------------------------------------

DOCUMENT_CONTENT_TYPES = {
    "application/pdf": _("PDF"),
    "image/jpeg": _("JPEG image"),
    "image/png": _("PNG image"),
}
MAX_OTHER_DOCUMENTS = 10


@dataclass(frozen=True)
class DocumentCheck:
    """What a document really is, found from its content."""

    content_type: str
    size: int


def _sniff(upload) -> str | None:
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind is not None else None


def _image_intact(upload) -> bool:
    from PIL import Image

    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
        return True
    except Exception:  # noqa: BLE001 - any decoder complaint means a broken or disguised file
        return False
    finally:
        upload.seek(0)


def document_inspect(upload) -> DocumentCheck:
    """Check an uploaded document by its content; raise ValidationError naming the file.

    Accepts PDF, JPEG and PNG up to ``settings.APPLICATION_DOCUMENT_MAX_BYTES``. The name and
    the content type the browser sent are ignored: a text file called ``licence.pdf`` is refused,
    a PNG called ``licence.pdf`` is accepted as the PNG it is.
    """
    name = getattr(upload, "name", "") or _("(unnamed file)")
    limit = settings.APPLICATION_DOCUMENT_MAX_BYTES
    size = upload.size
    if not size:
        raise ValidationError(
            _("“%(name)s” is empty."), code="document_empty", params={"name": name}
        )
    if size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; a document may be at most %(limit)s."),
            code="document_too_large",
            params={"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    content_type = _sniff(upload)
    if content_type not in DOCUMENT_CONTENT_TYPES:
        raise ValidationError(
            _(
                "“%(name)s” is not a PDF, JPEG or PNG file (judged by its content, not its "
                "name). Please upload a scan or photo in one of these formats."
            ),
            code="document_type",
            params={"name": name},
        )
    if content_type.startswith("image/") and not _image_intact(upload):
        raise ValidationError(
            _("“%(name)s” looks like a %(kind)s but cannot be read; it may be damaged."),
            code="document_damaged",
            params={"name": name, "kind": DOCUMENT_CONTENT_TYPES[content_type]},
        )
    return DocumentCheck(content_type=content_type, size=size)
