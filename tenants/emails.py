"""Emails to applicants, written in the language they applied in."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role, User
from accounts.services import audit_record
from tenants.models import ApplicationStatus, TenantApplication

NOTIFIED_ACTION = "application.notified"


def application_outcome_send(*, application_id: int) -> bool:
    """Tell the applicant the outcome: the backoffice and a password link, or the reason for rejection.

    Returns False when there is nothing to tell (still under review) or the applicant has been
    told already: each outcome is mailed once, and the mail is recorded in the audit log.
    """
    application = TenantApplication.objects.select_related("tenant").get(pk=application_id)
    already_told = AuditLog.objects.filter(
        target_type=TenantApplication._meta.label,
        target_id=str(application.pk),
        action=NOTIFIED_ACTION,
        data__status=application.status,
    ).exists()
    if already_told:
        return False
    context = {"application": application, "platform_domain": settings.PLATFORM_DOMAIN}
    if application.status == ApplicationStatus.LIVE:
        from tenants.services import owner_password_set_url

        tenant = application.tenant
        with tenant_context(tenant):
            owner = User.objects.filter(
                role=Role.OWNER, email=application.contact_email.lower()
            ).first()
            if owner is None or owner.has_usable_password():
                return False  # the owner already chose a password; a second link is not needed
            context.update(
                tenant=tenant,
                backoffice_url=tenant.base_url + "/",
                login_url=tenant.base_url
                + reverse("accounts:login", urlconf=settings.TENANT_TYPES[tenant.type]["URLCONF"]),
                password_url=owner_password_set_url(tenant, owner),
            )
        template = "tenants/email/application_approved"
    elif application.status == ApplicationStatus.REJECTED:
        template = "tenants/email/application_rejected"
    else:
        return False
    with translation.override(application.language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [application.contact_email])
    audit_record(
        actor=None,
        action=NOTIFIED_ACTION,
        target=application,
        data={"status": application.status, "email": application.contact_email},
    )
    return True
