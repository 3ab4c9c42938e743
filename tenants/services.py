"""Every write of the onboarding flow: review an application, provision its tenant.

Provisioning is the only place outside the cross-tenant order flow that switches schemas.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from accounts.services import audit_record
from tenants import provisioning
from tenants.models import (
    ApplicationStatus,
    Domain,
    Tenant,
    TenantApplication,
    TenantStatus,
    schema_name_for,
)

logger = logging.getLogger(__name__)


class ApplicationStateError(Exception):
    """A move of an application's status that its transition map forbids."""


class ProvisioningError(Exception):
    """The tenant of an approved application could not be made; the application can be retried."""


def application_transition(
    *, application: TenantApplication, to: str, actor: User | None = None, reason: str = ""
) -> None:
    """The one function that moves ``application.status``; call it inside a transaction."""
    if not application.can_move_to(to):
        raise ApplicationStateError(
            _("An application that is “%(from)s” cannot become “%(to)s”.")
            % {"from": application.get_status_display(), "to": ApplicationStatus(to).label}
        )
    from_status = application.status
    application.status = to
    application.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=f"application.{to}",
        target=application,
        data={"from": from_status, "to": to, "reason": reason, "company": application.company_name},
    )


def _locked(application_id: int) -> TenantApplication:
    return TenantApplication.objects.select_for_update().get(pk=application_id)


@transaction.atomic
def application_approve(*, application_id: int, reviewer: User) -> TenantApplication:
    """Approve and queue provisioning. Approving an approved application does nothing more."""
    application = _locked(application_id)
    if application.status in {
        ApplicationStatus.APPROVED,
        ApplicationStatus.PROVISIONING,
        ApplicationStatus.LIVE,
    }:
        return application
    application_transition(application=application, to=ApplicationStatus.APPROVED, actor=reviewer)
    application.reviewed_by = reviewer
    application.reviewed_at = timezone.now()
    application.save(update_fields=["reviewed_by", "reviewed_at"])

    from tenants.tasks import tenant_provision_task

    transaction.on_commit(lambda: tenant_provision_task.delay(application_id))
    return application


@transaction.atomic
def application_reject(*, application_id: int, reviewer: User, reason: str) -> TenantApplication:
    reason = reason.strip()
    if not reason:
        raise ApplicationStateError(_("Give the applicant a reason for the rejection."))
    application = _locked(application_id)
    if application.status == ApplicationStatus.REJECTED:
        return application
    application_transition(
        application=application, to=ApplicationStatus.REJECTED, actor=reviewer, reason=reason
    )
    application.rejection_reason = reason
    application.reviewed_by = reviewer
    application.reviewed_at = timezone.now()
    application.save(update_fields=["rejection_reason", "reviewed_by", "reviewed_at"])

    from tenants.tasks import application_outcome_notify

    transaction.on_commit(lambda: application_outcome_notify.delay(application_id))
    return application


@transaction.atomic
def application_retry(*, application_id: int, reviewer: User) -> TenantApplication:
    """Queue provisioning again after a failure."""
    application = _locked(application_id)
    if application.status != ApplicationStatus.FAILED:
        raise ApplicationStateError(
            _("Only an application whose provisioning failed can be retried.")
        )
    application_transition(
        application=application, to=ApplicationStatus.PROVISIONING, actor=reviewer
    )

    from tenants.tasks import tenant_provision_task

    transaction.on_commit(lambda: tenant_provision_task.delay(application_id))
    return application


def tenant_provision(*, application_id: int) -> Tenant:
    """Make the tenant of an approved application: schema, domain, owner account.

    Safe to run twice or concurrently: the application row is locked, and a live application
    returns its tenant. A failure rolls back schema, rows and owner together and leaves the
    application ``failed`` with the error, ready for a retry.
    """
    with transaction.atomic():
        application = _locked(application_id)
        if application.status == ApplicationStatus.LIVE:
            return application.tenant
        if application.status == ApplicationStatus.APPROVED:
            application_transition(application=application, to=ApplicationStatus.PROVISIONING)
        elif application.status != ApplicationStatus.PROVISIONING:
            raise ApplicationStateError(
                _("An application that is “%(status)s” cannot be provisioned.")
                % {"status": application.get_status_display()}
            )
    try:
        with transaction.atomic():
            application = _locked(application_id)
            if application.status == ApplicationStatus.LIVE:  # another worker finished first
                return application.tenant
            tenant, how = _tenant_create(application)
            application.tenant = tenant
            application.provisioning_error = ""
            application.save(update_fields=["tenant", "provisioning_error"])
            application_transition(application=application, to=ApplicationStatus.LIVE, reason=how)
            transaction.on_commit(lambda: _after_provision(application_id))
            return tenant
    except Exception as exc:
        logger.exception("provisioning application %s failed", application_id)
        with transaction.atomic():
            application = _locked(application_id)
            if application.status == ApplicationStatus.PROVISIONING:
                application.provisioning_error = f"{type(exc).__name__}: {exc}"
                application.save(update_fields=["provisioning_error"])
                application_transition(
                    application=application, to=ApplicationStatus.FAILED, reason=str(exc)
                )
        if isinstance(exc, (ProvisioningError, provisioning.StaleSchemaError)):
            raise
        raise ProvisioningError(str(exc)) from exc


def _tenant_create(application: TenantApplication) -> tuple[Tenant, str]:
    slug = application.subdomain
    if Tenant.objects.filter(slug=slug).exists():
        raise ProvisioningError(_("The subdomain “%(slug)s” is already taken.") % {"slug": slug})
    schema_name = schema_name_for(slug)
    spare, how = provisioning.schema_provide(tenant_type=application.type, schema_name=schema_name)
    now = timezone.now()
    tenant = spare or Tenant(type=application.type)
    tenant.schema_name = schema_name
    tenant.name = application.company_name
    tenant.slug = slug
    tenant.status = TenantStatus.ACTIVE
    tenant.created_at = now
    tenant.activated_at = now
    tenant.save()
    Domain.objects.create(domain=tenant.host, tenant=tenant, is_primary=True)
    with tenant_context(tenant):
        owner = User.objects.create_user(
            email=application.contact_email,
            full_name=application.contact_name,
            phone=application.contact_phone,
            role=Role.OWNER,
        )
        audit_record(
            actor=None,
            action="tenant.provisioned",
            target=owner,
            data={"application": application.pk, "schema": schema_name, "how": how},
        )
    return tenant, how


def _after_provision(application_id: int) -> None:
    from tenants.tasks import application_outcome_notify, tenant_pool_refill

    application_outcome_notify.delay(application_id)
    tenant_pool_refill.delay()


def owner_password_set_url(tenant: Tenant, user: User) -> str:
    """A one-time link for ``user`` to choose a password at the tenant's own domain.

    Must be called with ``tenant`` active. The token stops working once the password is set.
    """
    path = reverse(
        "accounts:password-reset-confirm",
        urlconf=settings.TENANT_TYPES[tenant.type]["URLCONF"],
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{tenant.base_url}{path}"
