"""Reads of the onboarding flow (public schema): who wants which subdomain or credit code, and
what a reviewer needs to see about an application."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import AuditLog
from tenants.models import (
    ApplicationDocument,
    ApplicationStatus,
    Tenant,
    TenantApplication,
)

# An application holds its subdomain and credit code until it is rejected (the partial unique
# constraints on TenantApplication say the same).
OPEN_STATUSES = [s for s in ApplicationStatus.values if s != ApplicationStatus.REJECTED]


def _other_applications(exclude_application_id: int | None) -> QuerySet[TenantApplication]:
    queryset = TenantApplication.objects.all()
    if exclude_application_id is not None:
        queryset = queryset.exclude(pk=exclude_application_id)
    return queryset


def subdomain_holder(
    *, subdomain: str, exclude_application_id: int | None = None
) -> Tenant | TenantApplication | None:
    """The tenant that has ``subdomain``, or else the open application that wants it."""
    tenant = Tenant.objects.filter(slug=subdomain).first()
    if tenant is not None:
        return tenant
    return (
        _other_applications(exclude_application_id)
        .filter(subdomain=subdomain, status__in=OPEN_STATUSES)
        .first()
    )


def credit_code_open_application(
    *, credit_code: str, tenant_type: str, exclude_application_id: int | None = None
) -> TenantApplication | None:
    """The open or live application of ``tenant_type`` that already carries ``credit_code``."""
    return (
        _other_applications(exclude_application_id)
        .filter(credit_code=credit_code, type=tenant_type, status__in=OPEN_STATUSES)
        .first()
    )


def credit_code_rejections(
    *, credit_code: str, tenant_type: str, exclude_application_id: int | None = None
) -> list[TenantApplication]:
    """Earlier rejected applications with the same credit code, newest first."""
    return list(
        _other_applications(exclude_application_id)
        .filter(credit_code=credit_code, type=tenant_type, status=ApplicationStatus.REJECTED)
        .order_by("-submitted_at")[:5]
    )


def company_name_holder(
    *, company_name: str, tenant_type: str, exclude_application_id: int | None = None
) -> TenantApplication | None:
    """Another open application of the same type under the same company name."""
    return (
        _other_applications(exclude_application_id)
        .filter(company_name__iexact=company_name.strip(), type=tenant_type)
        .filter(status__in=OPEN_STATUSES)
        .first()
    )


def application_documents(*, application_id: int) -> list[ApplicationDocument]:
    return list(ApplicationDocument.objects.filter(application_id=application_id))


def application_document_get(*, application_id: int, document_id: int) -> ApplicationDocument:
    return ApplicationDocument.objects.get(application_id=application_id, pk=document_id)


def application_audit_trail(*, application_id: int) -> list[AuditLog]:
    """Every audit row about the application, oldest first (the public schema's audit log)."""
    return list(
        AuditLog.objects.filter(
            target_type=TenantApplication._meta.label, target_id=str(application_id)
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
