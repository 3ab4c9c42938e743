"""A dealer's enterprise buyers (dealer schema).

A buyer company (采购商) has one or more users; each user is an ``accounts.User`` with role
``buyer`` in the dealer's schema (so a buyer of one dealer does not exist at another) and a
``Buyer`` row saying which company they belong to and what they may do there. Addresses are
the company's address book. Payment on account (账期) is granted per company by the dealer.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.schema_guard import SchemaBoundModel


class BuyerCompany(SchemaBoundModel):
    name = models.CharField(_("company name"), max_length=200)
    tax_number = models.CharField(
        _("tax number"),
        max_length=20,
        blank=True,
        help_text=_("Unified social credit code or taxpayer number, for VAT invoices."),
    )
    on_account = models.BooleanField(
        _("may pay on account"),
        default=False,
        help_text=_("Granted by the dealer: orders are paid later, within the payment terms."),
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    credit_limit = models.DecimalField(
        _("credit limit"), max_digits=12, decimal_places=2, default=0
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)

    class Meta:
        verbose_name = _("buyer company")
        verbose_name_plural = _("buyer companies")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="buyer_credit_not_negative"
            ),
        ]

    def __str__(self):
        return self.name


class BuyerRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    PURCHASER = "purchaser", _("Purchaser")
    APPROVER = "approver", _("Approver")


class Buyer(SchemaBoundModel):
    """A buyer user's place in their company."""

    user = models.OneToOneField(
        "accounts.User",
        verbose_name=_("user"),
        on_delete=models.DO_NOTHING,
        related_name="buyer",
    )
    company = models.ForeignKey(
        BuyerCompany, verbose_name=_("company"), on_delete=models.PROTECT, related_name="buyers"
    )
    role = models.CharField(
        _("role in the company"),
        max_length=16,
        choices=BuyerRole.choices,
        default=BuyerRole.ADMIN,
    )
    email_verified_at = models.DateTimeField(_("email verified"), null=True, blank=True)
    mobile_verified_at = models.DateTimeField(_("mobile verified"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)

    class Meta:
        verbose_name = _("buyer")
        verbose_name_plural = _("buyers")
        ordering = ["company_id", "id"]

    def __str__(self):
        return str(self.user_id)

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None or self.mobile_verified_at is not None


class Address(SchemaBoundModel):
    """An entry of a buyer company's address book."""

    company = models.ForeignKey(
        BuyerCompany,
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="addresses",
    )
    recipient = models.CharField(_("recipient"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32)
    province = models.CharField(_("province"), max_length=50)
    city = models.CharField(_("city"), max_length=50)
    district = models.CharField(_("district"), max_length=50, blank=True)
    street = models.CharField(_("street address"), max_length=255)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("address book")
        ordering = ["-is_default", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company"], condition=Q(is_default=True), name="address_one_default"
            ),
        ]

    def __str__(self):
        return self.one_line

    @property
    def one_line(self) -> str:
        parts = [self.province, self.city, self.district, self.street]
        return " ".join(part for part in parts if part)


class VerificationPurpose(models.TextChoices):
    MOBILE = "mobile", _("Mobile number")


class VerificationCode(SchemaBoundModel):
    """A one-time code sent by SMS (buyers.sms), stored hashed."""

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("user"), on_delete=models.DO_NOTHING, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=VerificationPurpose.choices)
    code_hash = models.CharField(max_length=128)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.purpose} {self.user_id}"
