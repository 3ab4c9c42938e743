"""Every write of the onboarding flow: submit and pre-check an application, review it,
provision its tenant.

Provisioning is the only place outside the cross-tenant order flow that switches schemas.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from accounts.services import audit_record
from tenants import provisioning, selectors
from tenants.models import (
    ApplicationDocument,
    ApplicationStatus,
    DocumentKind,
    Domain,
    Tenant,
    TenantApplication,
    TenantStatus,
    TenantType,
    schema_name_for,
    validate_subdomain,
)
from tenants.validators import (
    MAX_OTHER_DOCUMENTS,
    credit_code_normalise,
    document_inspect,
    validate_credit_code,
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
    application.status_changed_at = timezone.now()
    application.save(update_fields=["status", "status_changed_at"])
    audit_record(
        actor=actor,
        action=f"application.{to}",
        target=application,
        data={"from": from_status, "to": to, "reason": reason, "company": application.company_name},
    )


def _locked(application_id: int) -> TenantApplication:
    return TenantApplication.objects.select_for_update().get(pk=application_id)


# --- Submission and pre-check ------------------------------------------------------------------

# Message of each pre-check result, by (check, ok). Stored in English with its parameters, shown
# to a reader in their own language by precheck_message().
PRECHECK_MESSAGES = {
    ("documents", True): gettext_lazy("A business licence is attached."),
    ("documents", False): gettext_lazy("The business licence (营业执照) is missing."),
    ("credit_code_format", True): gettext_lazy(
        "The unified social credit code is well-formed and its check character is right."
    ),
    ("credit_code_format", False): gettext_lazy(
        "The unified social credit code is not valid: %(error)s"
    ),
    ("credit_code_unique", True): gettext_lazy(
        "No other open application or tenant of this type has this credit code."
    ),
    ("credit_code_unique", False): gettext_lazy(
        "This credit code is already registered (application of %(company)s, %(status)s)."
    ),
    ("subdomain_format", True): gettext_lazy("The subdomain is well-formed."),
    ("subdomain_format", False): gettext_lazy("The subdomain is not allowed: %(error)s"),
    ("subdomain_free", True): gettext_lazy("The subdomain %(host)s is free."),
    ("subdomain_free", False): gettext_lazy("The subdomain %(host)s is already taken."),
    ("previous_rejections", True): gettext_lazy(
        "No earlier application with this credit code was rejected."
    ),
    ("previous_rejections", False): gettext_lazy(
        "%(count)d earlier application(s) with this credit code were rejected; the last reason: "
        "%(reason)s"
    ),
    ("company_name_unique", True): gettext_lazy(
        "No other open application of this type uses this company name."
    ),
    ("company_name_unique", False): gettext_lazy(
        "Another open application of this type uses the same company name (%(subdomain)s)."
    ),
}
# What the applicant is told where the reviewer's message says more than a stranger should learn
# (which company holds a credit code, and how far its application is).
APPLICANT_MESSAGES = {
    "credit_code_unique": gettext_lazy(
        "This unified social credit code is already registered on the platform for this kind "
        "of account. If it is your company's, please contact us."
    ),
}
# Checks whose failure stops a submission; the others are for the reviewer's attention only.
PRECHECK_BLOCKING = {
    "documents": "business_licence",
    "credit_code_format": "credit_code",
    "credit_code_unique": "credit_code",
    "subdomain_format": "subdomain",
    "subdomain_free": "subdomain",
}


def precheck_message(result: dict) -> str:
    """A stored pre-check result in the active language."""
    template = PRECHECK_MESSAGES.get((result.get("check"), bool(result.get("ok"))))
    if template is None:
        return result.get("message", "")
    params = dict(result.get("params", {}))
    if params.get("status") in ApplicationStatus.values:
        params["status"] = ApplicationStatus(params["status"]).label
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return result.get("message", "")


def _result(check: str, ok: bool, **params) -> dict:
    result = {"check": check, "ok": ok, "params": params}
    with translation.override("en"):
        result["message"] = precheck_message(result)
    return result


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(message) for message in exc.messages)


def application_precheck(
    *,
    tenant_type: str,
    credit_code: str,
    subdomain: str,
    company_name: str,
    has_business_licence: bool,
    application_id: int | None = None,
) -> list[dict]:
    """The automatic pre-check: ``[{"check", "ok", "message", "params"}, ...]``.

    Reads only. ``application_id`` is the application being checked, left out of the
    duplicate searches.
    """
    results = [_result("documents", has_business_licence)]

    try:
        validate_credit_code(credit_code)
    except ValidationError as exc:
        results.append(_result("credit_code_format", False, error=_error_text(exc)))
    else:
        results.append(_result("credit_code_format", True))
        holder = selectors.credit_code_open_application(
            credit_code=credit_code, tenant_type=tenant_type, exclude_application_id=application_id
        )
        if holder is None:
            results.append(_result("credit_code_unique", True))
        else:
            results.append(
                _result(
                    "credit_code_unique",
                    False,
                    company=holder.company_name,
                    status=holder.status,
                )
            )
        rejections = selectors.credit_code_rejections(
            credit_code=credit_code, tenant_type=tenant_type, exclude_application_id=application_id
        )
        if rejections:
            results.append(
                _result(
                    "previous_rejections",
                    False,
                    count=len(rejections),
                    reason=rejections[0].rejection_reason,
                )
            )
        else:
            results.append(_result("previous_rejections", True))

    host = f"{subdomain}.{settings.PLATFORM_DOMAIN}"
    try:
        validate_subdomain(subdomain)
    except ValidationError as exc:
        results.append(_result("subdomain_format", False, error=_error_text(exc)))
    else:
        results.append(_result("subdomain_format", True))
        holder = selectors.subdomain_holder(
            subdomain=subdomain, exclude_application_id=application_id
        )
        results.append(_result("subdomain_free", holder is None, host=host))

    namesake = selectors.company_name_holder(
        company_name=company_name, tenant_type=tenant_type, exclude_application_id=application_id
    )
    if namesake is None:
        results.append(_result("company_name_unique", True))
    else:
        results.append(_result("company_name_unique", False, subdomain=namesake.subdomain))
    return results


def _precheck_errors(results: list[dict]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for result in results:
        field = PRECHECK_BLOCKING.get(result["check"])
        if field is not None and not result["ok"]:
            message = APPLICANT_MESSAGES.get(result["check"]) or precheck_message(result)
            errors.setdefault(field, []).append(str(message))
    return errors


def application_precheck_errors(
    *, tenant_type: str, credit_code: str | None, subdomain: str | None
) -> dict[str, list[str]]:
    """The blocking findings about a credit code and a subdomain already known to be well-formed
    (either may be None: not checked), by form field. Reads only."""
    errors: dict[str, list[str]] = {}
    if credit_code:
        holder = selectors.credit_code_open_application(
            credit_code=credit_code, tenant_type=tenant_type
        )
        if holder is not None:
            errors["credit_code"] = [str(APPLICANT_MESSAGES["credit_code_unique"])]
    if subdomain and selectors.subdomain_holder(subdomain=subdomain) is not None:
        host = f"{subdomain}.{settings.PLATFORM_DOMAIN}"
        errors["subdomain"] = [precheck_message(_result("subdomain_free", False, host=host))]
    return errors


def _documents_inspect(
    business_licence, other_documents: Sequence
) -> tuple[list[tuple[str, object, object]], dict[str, list]]:
    documents, errors = [], {}
    if business_licence is not None:
        try:
            documents.append(
                (
                    DocumentKind.BUSINESS_LICENCE,
                    business_licence,
                    document_inspect(business_licence),
                )
            )
        except ValidationError as exc:
            errors["business_licence"] = exc.error_list
    if len(other_documents) > MAX_OTHER_DOCUMENTS:
        errors["other_documents"] = [
            ValidationError(
                _("Attach at most %(count)d other documents.") % {"count": MAX_OTHER_DOCUMENTS}
            )
        ]
        return documents, errors
    for upload in other_documents:
        try:
            documents.append((DocumentKind.OTHER, upload, document_inspect(upload)))
        except ValidationError as exc:
            errors.setdefault("other_documents", []).extend(exc.error_list)
    return documents, errors


_CONSTRAINT_FIELDS = {
    "application_subdomain_unique_while_open": "subdomain",
    "application_credit_code_unique_while_open": "credit_code",
}


@transaction.atomic
def application_submit(
    *,
    tenant_type: str,
    company_name: str,
    credit_code: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str,
    business_scope: str,
    subdomain: str,
    language: str,
    business_licence,
    other_documents: Sequence = (),
) -> TenantApplication:
    """Record an application with its documents and its pre-check, or store nothing at all.

    Raises ValidationError (a dict by form field) for anything the applicant must fix: a
    document that is not a PDF/JPEG/PNG by content or is too large, a malformed or already
    registered credit code, a malformed or taken subdomain. Non-blocking findings are stored on
    the application for the reviewer.
    """
    if tenant_type not in TenantType.values:
        raise ValueError(f"unknown tenant type {tenant_type!r}")
    credit_code = credit_code_normalise(credit_code)
    subdomain = (subdomain or "").strip().lower()
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE

    documents, errors = _documents_inspect(business_licence, list(other_documents))
    results = application_precheck(
        tenant_type=tenant_type,
        credit_code=credit_code,
        subdomain=subdomain,
        company_name=company_name,
        has_business_licence=business_licence is not None,
    )
    for field, messages in _precheck_errors(results).items():
        if field not in errors:  # a broken licence file already says what is wrong with it
            errors[field] = messages

    application = TenantApplication(
        type=tenant_type,
        company_name=company_name.strip(),
        credit_code=credit_code,
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip(),
        contact_phone=contact_phone.strip(),
        business_scope=business_scope.strip(),
        subdomain=subdomain,
        language=language,
        precheck=results,
        precheck_passed=all(result["ok"] for result in results),
    )
    try:
        application.full_clean(
            exclude=["credit_code", "subdomain", "precheck", "precheck_passed"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:
        # Someone else took the subdomain or credit code between our check and our insert.
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "")
        field = _CONSTRAINT_FIELDS.get(constraint)
        if field is None:
            raise
        raise ValidationError(
            {field: _("Another application has just taken this. Please choose another.")}
        ) from exc

    storage = ApplicationDocument._meta.get_field("file").storage
    written: list[str] = []
    try:
        for kind, upload, check in documents:
            document = ApplicationDocument(
                application=application,
                kind=kind,
                original_name=os.path.basename(upload.name or "")[:255] or kind,
                content_type=check.content_type,
                size=check.size,
            )
            # The name is generated (never the uploader's) and unique, so a file left half
            # written by a failure below is ours to remove.
            name = document.file.field.generate_filename(document, "")
            written.append(name)
            upload.seek(0)
            document.file.name = storage.save(name, upload)
            written.append(document.file.name)
            document.save()
    except BaseException:
        # The transaction forgets the rows; the files written so far must go too.
        for name in written:
            storage.delete(name)
        raise

    audit_record(
        actor=None,
        action="application.submitted",
        target=application,
        data={
            "company": application.company_name,
            "type": tenant_type,
            "precheck_passed": application.precheck_passed,
            "documents": len(documents),
        },
    )
    return application


@transaction.atomic
def application_precheck_refresh(*, application_id: int, actor: User | None) -> TenantApplication:
    """Run the pre-check again on an application under review and store the results."""
    application = _locked(application_id)
    results = application_precheck(
        tenant_type=application.type,
        credit_code=application.credit_code,
        subdomain=application.subdomain,
        company_name=application.company_name,
        has_business_licence=application.documents.filter(
            kind=DocumentKind.BUSINESS_LICENCE
        ).exists(),
        application_id=application.pk,
    )
    application.precheck = results
    application.precheck_passed = all(result["ok"] for result in results)
    application.save(update_fields=["precheck", "precheck_passed"])
    audit_record(
        actor=actor,
        action="application.prechecked",
        target=application,
        data={"precheck_passed": application.precheck_passed},
    )
    return application


# --- Review and provisioning -------------------------------------------------------------------


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


STUCK_AFTER = timedelta(minutes=10)


def applications_stuck_requeue(*, now=None) -> list[int]:
    """Queue provisioning again for applications approved or provisioning for longer than
    ``STUCK_AFTER`` (provisioning takes well under a second): their task message was lost (a
    broker restarted without persistence) or their worker died. Safe however often it runs:
    ``tenant_provision`` locks the application and finishes it at most once. Returns their ids.
    """
    from tenants.tasks import tenant_provision_task

    cutoff = (now or timezone.now()) - STUCK_AFTER
    stuck = list(
        TenantApplication.objects.filter(
            status__in=[ApplicationStatus.APPROVED, ApplicationStatus.PROVISIONING],
            status_changed_at__lt=cutoff,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for application_id in stuck:
        logger.warning("application %s is stuck on its way to live; queued again", application_id)
        tenant_provision_task.delay(application_id)
    return stuck


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
            if application.status != ApplicationStatus.PROVISIONING:  # another worker failed
                raise ApplicationStateError(
                    _("An application that is “%(status)s” cannot be provisioned.")
                    % {"status": application.get_status_display()}
                )
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
        if isinstance(
            exc, (ProvisioningError, ApplicationStateError, provisioning.StaleSchemaError)
        ):
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


# --- suspension ------------------------------------------------------------------------------


class TenantStateError(Exception):
    """A tenant that cannot be suspended or reactivated as asked (``str()`` says why)."""


SUSPENDABLE_TYPES = (TenantType.SUPPLIER, TenantType.DEALER)


@transaction.atomic
def tenant_suspend(*, tenant_id: int, actor: User) -> Tenant:
    """Close a supplier's or dealer's domain: its pages and APIs answer that it is suspended
    (platform_site.middleware.SuspendedTenantMiddleware), its offers leave every storefront
    and no checkout can buy them (the visibility rule admits active suppliers only). Its data,
    orders in flight and money are untouched; ``tenant_reactivate`` opens it again."""
    tenant = Tenant.objects.select_for_update().get(pk=tenant_id)
    if tenant.type not in SUSPENDABLE_TYPES or tenant.status != TenantStatus.ACTIVE:
        raise TenantStateError(_("Only an active supplier or dealer can be suspended."))
    tenant.status = TenantStatus.SUSPENDED
    tenant.save(update_fields=["status"])
    audit_record(actor=actor, action="tenant.suspend", target=tenant, data={"slug": tenant.slug})
    return tenant


@transaction.atomic
def tenant_reactivate(*, tenant_id: int, actor: User) -> Tenant:
    tenant = Tenant.objects.select_for_update().get(pk=tenant_id)
    if tenant.status != TenantStatus.SUSPENDED:
        raise TenantStateError(_("Only a suspended tenant can be reactivated."))
    tenant.status = TenantStatus.ACTIVE
    tenant.save(update_fields=["status"])
    audit_record(actor=actor, action="tenant.reactivate", target=tenant, data={"slug": tenant.slug})
    return tenant
