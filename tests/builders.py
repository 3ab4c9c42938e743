"""Builders that go through the real services, so test data obeys the same rules as real data."""

from __future__ import annotations

from django.db import connection

from accounts.models import User
from tenants import services
from tenants.models import Tenant, TenantApplication


def platform_admin(email: str = "reviewer@platform.test") -> User:
    connection.set_schema_to_public()
    user = User.objects.filter(email=email).first()
    return user or User.objects.create_superuser(email, "platform-admin-pass-1")


def tenant_build(*, slug: str, tenant_type: str, company_name: str | None = None) -> Tenant:
    """An approved, provisioned tenant, made synchronously (no worker involved)."""
    connection.set_schema_to_public()
    application = TenantApplication.objects.create(
        type=tenant_type,
        company_name=company_name or slug.title(),
        credit_code=f"91{abs(hash(slug)) % 10**16:016d}"[:18],
        contact_name="Owner",
        contact_email=f"owner@{slug}.test",
        contact_phone="13800000000",
        business_scope="Test business scope",
        subdomain=slug,
    )
    services.application_approve(application_id=application.pk, reviewer=platform_admin())
    return services.tenant_provision(application_id=application.pk)
