"""Helpers of the referral tests."""

from __future__ import annotations

import io

from django_tenants.utils import tenant_context
from PIL import Image

from accounts.models import Role
from network import poster
from network.models import DealerProfile
from network.selectors import dealer_profile_of
from tests.accounts.helpers import member_make, signed_in


def owner_client(host_client, tenant, email: str | None = None):
    owner = member_make(
        tenant, email=email or f"referral-owner@{tenant.slug}.test", role=Role.OWNER
    )
    return signed_in(host_client(tenant), tenant, owner)


def code_of(tenant) -> str:
    return dealer_profile_of(tenant).referral_code


def make_sub_dealer(child, parent) -> None:
    """Put ``child`` under ``parent`` in the network (both dealer tenants)."""
    upper = dealer_profile_of(parent)
    dealer_profile_of(child)
    DealerProfile.objects.filter(dealer=child).update(parent=upper)


def png_of(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def qr_in_poster(image: Image.Image, link: str) -> bool:
    """Whether the poster's QR code, module by module, is the QR code of ``link``.

    (No QR decoder on these machines: the modules are compared with the code ``link`` makes.)
    """
    matrix = poster.qr_matrix(link)
    left, top, box = poster.qr_geometry(len(matrix))
    rgb = image.convert("RGB")
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            x, y = left + column * box + box // 2, top + row * box + box // 2
            pixel_dark = sum(rgb.getpixel((x, y))) < 3 * 128
            if pixel_dark != dark:
                return False
    return True


def in_tenant(tenant, func, *args, **kwargs):
    with tenant_context(tenant):
        return func(*args, **kwargs)
