"""Builders that go through the real services, so test data obeys the same rules as real data."""

from __future__ import annotations

import io
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.models import User
from tenants import services
from tenants.models import Tenant, TenantApplication
from tenants.validators import CREDIT_CODE_ALPHABET, credit_code_check_character

# A tiny but real PDF: what filetype (and any PDF reader) recognises by its first bytes.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 8)) -> bytes:
    """A small, decodable image (PNG or JPEG)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    """An uploaded file as a browser would send it (the content type is not trusted)."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def credit_code_for(seed: str, *, prefix: str = "91350100") -> str:
    """A valid unified social credit code, the same for the same ``seed``.

    ``prefix``: registration authority, category and region (default: enterprise in Fuzhou).
    """
    number = zlib.crc32(seed.encode()) * 7919 + len(seed)
    body = ""
    for _ in range(9):
        number, index = divmod(number, len(CREDIT_CODE_ALPHABET))
        body += CREDIT_CODE_ALPHABET[index]
    first17 = prefix + body
    return first17 + credit_code_check_character(first17)


def platform_admin(email: str = "reviewer@platform.test") -> User:
    connection.set_schema_to_public()
    user = User.objects.filter(email=email).first()
    return user or User.objects.create_superuser(email, "platform-admin-pass-1")


def application_build(
    *,
    slug: str,
    tenant_type: str,
    company_name: str | None = None,
    contact_email: str | None = None,
    language: str = "en",
    other_documents=(),
) -> TenantApplication:
    """A submitted application, made by the service the public form calls."""
    connection.set_schema_to_public()
    return services.application_submit(
        tenant_type=tenant_type,
        company_name=company_name or slug.title(),
        credit_code=credit_code_for(f"{tenant_type}:{slug}"),
        contact_name="Owner",
        contact_email=contact_email or f"owner@{slug}.test",
        contact_phone="13800000000",
        business_scope="Test business scope",
        subdomain=slug,
        language=language,
        business_licence=upload("licence.pdf", PDF_BYTES, "application/pdf"),
        other_documents=other_documents,
    )


def tenant_build(*, slug: str, tenant_type: str, company_name: str | None = None) -> Tenant:
    """An approved, provisioned tenant, made synchronously (no worker involved)."""
    application = application_build(slug=slug, tenant_type=tenant_type, company_name=company_name)
    services.application_approve(application_id=application.pk, reviewer=platform_admin())
    return services.tenant_provision(application_id=application.pk)


def buyer_make(
    tenant,
    *,
    email: str | None = None,
    phone: str = "",
    company_name: str = "Buyer Co 采购公司",
    password: str | None = None,
    on_account: bool = False,
    credit_limit: str = "0",
    with_address: bool = True,
):
    """A verified buyer user of dealer ``tenant``, with their company (and a default address).

    Runs in ``tenant``'s schema and returns the user, loaded there."""
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from accounts.models import Role
    from buyers.models import Address, Buyer, BuyerCompany

    with tenant_context(tenant):
        company = BuyerCompany.objects.create(
            name=company_name, on_account=on_account, credit_limit=credit_limit
        )
        user = User.objects.create_user(
            email=email, phone=phone, password=password, role=Role.BUYER, full_name=company_name
        )
        Buyer.objects.create(user=user, company=company, email_verified_at=timezone.now())
        if with_address:
            Address.objects.create(
                company=company,
                recipient="王小明",
                phone="13800138000",
                province="上海市",
                city="上海市",
                district="浦东新区",
                street="世纪大道 100 号",
                is_default=True,
            )
    return user
