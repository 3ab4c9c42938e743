"""The tenant registry, domains and onboarding applications (public schema)."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class TenantType(models.TextChoices):
    SUPPLIER = "supplier", _("Supplier")
    DEALER = "dealer", _("Channel dealer")


class TenantStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    # Internal schemas: a per-type template that spares are cloned from, and the warm pool.
    TEMPLATE = "template", _("Template")
    SPARE = "spare", _("Spare (warm pool)")


# Subdomains that a tenant may never take: they name platform services or confuse people.
RESERVED_SUBDOMAINS = frozenset(
    {
        "www",
        "admin",
        "api",
        "app",
        "static",
        "media",
        "mail",
        "smtp",
        "ftp",
        "platform",
        "public",
        "template",
        "spare",
        "help",
        "support",
        "status",
        "healthz",
        "login",
        "apply",
        "account",
        "accounts",
        "dashboard",
        "docs",
        "blog",
        "cdn",
        "assets",
        "test",
        "demo-admin",
    }
)
SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,28}[a-z0-9])$")


def validate_subdomain(value: str) -> None:
    if not SUBDOMAIN_RE.match(value) or "--" in value:
        raise ValidationError(
            _(
                "Use 3 to 30 lowercase letters, digits and single hyphens, "
                "starting and ending with a letter or digit."
            ),
            code="subdomain_format",
        )
    if value in RESERVED_SUBDOMAINS:
        raise ValidationError(
            _("“%(value)s” is reserved."), code="subdomain_reserved", params={"value": value}
        )


def schema_name_for(slug: str) -> str:
    """The schema of the tenant at ``<slug>.<PLATFORM_DOMAIN>``. Never the other way round."""
    return "t_" + slug.replace("-", "_")


class Tenant(TenantMixin):
    """A company with its own schema: a supplier or a channel dealer.

    Also the internal template and spare schemas, so that ``migrate_schemas`` keeps them at
    the latest migrations together with every real tenant.
    """

    type = models.CharField(
        _("type"), max_length=16, choices=[("public", _("Platform"))] + TenantType.choices
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("subdomain"), max_length=30, unique=True, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=TenantStatus.choices, default=TenantStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    activated_at = models.DateTimeField(_("live since"), null=True, blank=True)

    # Schemas are created by tenants.provisioning, never as a side effect of save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_public(self) -> bool:
        return self.schema_name == settings.PUBLIC_SCHEMA_NAME

    @property
    def host(self) -> str:
        return f"{self.slug}.{settings.PLATFORM_DOMAIN}"

    @property
    def base_url(self) -> str:
        return tenant_base_url(self.host)


def tenant_base_url(host: str) -> str:
    port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
    return f"{settings.PLATFORM_SCHEME}://{host}{port}"


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting review")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved, provisioning queued")
    PROVISIONING = "provisioning", _("Provisioning")
    FAILED = "failed", _("Provisioning failed")
    LIVE = "live", _("Live")


class TenantApplication(models.Model):
    """A company's request to join the platform as a supplier or a dealer."""

    # Allowed moves of ``status``; tenants.services.application_transition is the only mover.
    TRANSITIONS = {
        ApplicationStatus.SUBMITTED: {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED},
        ApplicationStatus.APPROVED: {ApplicationStatus.PROVISIONING},
        ApplicationStatus.PROVISIONING: {ApplicationStatus.LIVE, ApplicationStatus.FAILED},
        ApplicationStatus.FAILED: {ApplicationStatus.PROVISIONING, ApplicationStatus.REJECTED},
        ApplicationStatus.REJECTED: set(),
        ApplicationStatus.LIVE: set(),
    }

    type = models.CharField(_("applying as"), max_length=16, choices=TenantType.choices)
    company_name = models.CharField(_("company name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        help_text=_("The 18-character code on the business licence (统一社会信用代码)."),
    )
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=32)
    business_scope = models.TextField(_("business scope"))
    subdomain = models.CharField(
        _("desired subdomain"), max_length=30, validators=[validate_subdomain], db_index=True
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")

    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
        db_index=True,
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)
    # When ``status`` last moved (tenants.services.application_transition): the sweep of
    # applications stuck on their way to live reads it.
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    # Results of the automatic pre-check: [{"check": ..., "ok": bool, "message": ...}, ...]
    precheck = models.JSONField(_("pre-check"), default=list, blank=True)
    precheck_passed = models.BooleanField(_("pre-check passed"), default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    provisioning_error = models.TextField(_("provisioning error"), blank=True)
    tenant = models.OneToOneField(
        Tenant,
        verbose_name=_("tenant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="application",
    )

    class Meta:
        verbose_name = _("tenant application")
        verbose_name_plural = _("tenant applications")
        ordering = ["-submitted_at"]
        constraints = [
            # Two live or pending applications may not want the same subdomain or credit code.
            models.UniqueConstraint(
                fields=["subdomain"],
                condition=~models.Q(status__in=["rejected"]),
                name="application_subdomain_unique_while_open",
            ),
            models.UniqueConstraint(
                fields=["credit_code", "type"],
                condition=~models.Q(status__in=["rejected"]),
                name="application_credit_code_unique_while_open",
            ),
        ]

    def __str__(self):
        return f"{self.company_name} ({self.get_type_display()})"

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]


class DocumentKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("Business licence (营业执照)")
    OTHER = "other", _("Other qualification")


def application_document_path(instance: "ApplicationDocument", filename: str) -> str:
    # The stored name never comes from the uploader.
    import uuid

    return f"applications/{instance.application_id or 'new'}/{uuid.uuid4().hex}{instance.extension}"


class ApplicationDocument(models.Model):
    """A qualification document attached to an application; never served publicly."""

    application = models.ForeignKey(
        TenantApplication,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=application_document_path)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("qualification document")
        verbose_name_plural = _("qualification documents")
        ordering = ["kind", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )
