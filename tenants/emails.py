"""Emails to applicants, written in the language they applied in."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from tenants.models import ApplicationStatus, TenantApplication


def application_outcome_send(*, application_id: int) -> bool:
    """Tell the applicant the outcome: the backoffice and a password link, or the reason for rejection.

    Returns False when there is nothing to tell yet (the application is still under review).
    """
    application = TenantApplication.objects.select_related("tenant").get(pk=application_id)
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
    return True
