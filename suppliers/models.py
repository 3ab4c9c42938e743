"""A supplier's catalogue (supplier schema): products, SKUs, price control, images.

Price control (价格管控), per SKU, in CNY:

* ``supply_price``: what a dealer pays the supplier (供货价) for quantities below the first tier;
* ``min_resale_price``: the floor a dealer may sell at (最低零售价); never below the supply price,
  or the floor would force dealers to sell at a loss and protect nothing;
* ``suggested_retail_price``: the recommended shelf price (建议零售价); never below the floor.

Tiered volume prices (阶梯价) lower the supply price from a quantity on: a tier at 10 with
¥95 means 10 or more units cost ¥95 each. Tiers start above 1 (the supply price is the price
of the first tier) and get strictly cheaper as the quantity grows.

The database refuses prices that break these rules (CheckConstraints); the services and forms
check the same rules first to give clear messages (suppliers.pricing).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import OfferAudience
from suppliers.money import DEFAULT_CURRENCY, Currency
from tenants.schema_guard import SchemaBoundModel

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$",
    _("Use letters, digits, dots, hyphens, underscores and slashes (at most 64)."),
)
barcode_format_validator = RegexValidator(
    r"^(\d{8}|\d{12,14})$", _("A barcode has 8, 12, 13 or 14 digits (EAN/UPC/GTIN).")
)


def gtin_check_digit_ok(barcode: str) -> bool:
    """GS1 check digit of an EAN-8/UPC-A/EAN-13/GTIN-14 number."""
    digits = [int(d) for d in barcode]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def barcode_validator(value: str) -> None:
    """An EAN/UPC/GTIN barcode: 8, 12, 13 or 14 digits with a correct check digit."""
    barcode_format_validator(value)
    if not gtin_check_digit_ok(value):
        raise ValidationError(
            _("The check digit of barcode %(barcode)s is wrong."),
            params={"barcode": value},
            code="barcode_check_digit",
        )


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LISTED = "listed", _("Listed")
    DELISTED = "delisted", _("Delisted")


class Product(SchemaBoundModel):
    """A product (SPU) of this supplier; its SKUs carry codes, prices and stock."""

    # Allowed moves of ``status``; suppliers.services.product_transition is the only mover.
    TRANSITIONS = {
        ProductStatus.DRAFT: {ProductStatus.LISTED},
        ProductStatus.LISTED: {ProductStatus.DELISTED},
        ProductStatus.DELISTED: {ProductStatus.LISTED},
    }

    code = models.CharField(
        _("product code"),
        max_length=64,
        unique=True,
        validators=[code_validator],
        help_text=_("Your item number for the product (货号), unique in your catalogue."),
    )
    name = models.CharField(_("name"), max_length=200)
    # The category lives in the public schema (catalog app). The key has no database
    # constraint: a constraint from every supplier schema to public.catalog_category would
    # have to survive template cloning and would make a category undeletable for reasons
    # the public schema cannot see. DO_NOTHING keeps Django's deletion collector from
    # looking for products in the public schema; categories are deactivated, never deleted
    # (the admin forbids deletion).
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("category"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    brand = models.CharField(_("brand"), max_length=100, blank=True, db_index=True)
    unit = models.CharField(
        _("unit"), max_length=20, default="件", help_text=_("e.g. 件, 台, 箱, pcs")
    )
    moq = models.PositiveIntegerField(
        _("minimum order quantity"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Smallest quantity a dealer may order (起订量); a SKU may set its own."),
    )
    parameters = models.JSONField(
        _("specification parameters"),
        default=dict,
        blank=True,
        help_text=_("Key/value pairs; the category's template says which keys every product has."),
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ProductStatus.choices,
        default=ProductStatus.DRAFT,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    listed_at = models.DateTimeField(_("listed since"), null=True, blank=True)
    # Publishing to dealers (suppliers.publishing): "" = not published; otherwise who may see
    # it in the supply catalogue. A published product is offered only while it is listed.
    published_audience = models.CharField(
        _("published to"),
        max_length=16,
        choices=OfferAudience.choices,
        blank=True,
        default="",
        help_text=_("Who sees the product in the supply catalogue; empty when not published."),
    )
    published_at = models.DateTimeField(_("published since"), null=True, blank=True)
    # DO_NOTHING, not SET_NULL: the user table exists in every schema, and Django's delete
    # collector would otherwise look for products while deleting a user in the public or a
    # dealer schema, where this table does not exist. Users are deactivated, never deleted; the
    # database constraint still refuses deleting one who created products.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(moq__gte=1), name="product_moq_at_least_1"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]


class Sku(SchemaBoundModel):
    """A sellable variant of a product: its own code, barcode, prices, MOQ and stock."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="skus"
    )
    code = models.CharField(
        _("SKU code"),
        max_length=64,
        unique=True,
        validators=[code_validator],
        help_text=_("Unique in your catalogue."),
    )
    barcode = models.CharField(
        _("barcode"), max_length=14, blank=True, validators=[barcode_validator]
    )
    # {variant spec code: value}, e.g. {"color": "黑色", "storage": "256GB"}; {} for a single SKU.
    variant = models.JSONField(_("variant"), default=dict, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=DEFAULT_CURRENCY
    )
    supply_price = models.DecimalField(_("supply price"), max_digits=12, decimal_places=2)
    suggested_retail_price = models.DecimalField(
        _("suggested retail price"), max_digits=12, decimal_places=2
    )
    min_resale_price = models.DecimalField(
        _("minimum resale price"), max_digits=12, decimal_places=2
    )
    moq = models.PositiveIntegerField(
        _("minimum order quantity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty to use the product's."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["product_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(supply_price__gte=0)
                & Q(suggested_retail_price__gte=0)
                & Q(min_resale_price__gte=0),
                name="sku_prices_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(min_resale_price__gte=F("supply_price")),
                name="sku_min_resale_not_below_supply",
            ),
            models.CheckConstraint(
                condition=Q(suggested_retail_price__gte=F("min_resale_price")),
                name="sku_suggested_not_below_min_resale",
            ),
            models.CheckConstraint(
                condition=Q(moq__isnull=True) | Q(moq__gte=1), name="sku_moq_at_least_1"
            ),
            models.CheckConstraint(condition=Q(currency="CNY"), name="sku_currency_cny"),
            models.UniqueConstraint(
                fields=["barcode"],
                condition=~Q(barcode=""),
                name="sku_barcode_unique",
                violation_error_message=_("Another SKU already has this barcode."),
            ),
            models.UniqueConstraint(
                fields=["product", "variant"],
                name="sku_variant_unique",
                violation_error_message=_("Another SKU of this product has the same variant."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.variant_display}".strip()

    @property
    def variant_display(self) -> str:
        return " / ".join(str(value) for value in self.variant.values() if value)

    @property
    def effective_moq(self) -> int:
        return self.moq or self.product.moq

    def unit_price_for(self, quantity: int) -> Decimal:
        """The supply price per unit for an order of ``quantity`` (uses prefetched tiers)."""
        price = self.supply_price
        for tier in sorted(self.tiers.all(), key=lambda t: t.min_quantity):
            if quantity >= tier.min_quantity:
                price = tier.unit_price
        return price


class PriceTier(SchemaBoundModel):
    """From ``min_quantity`` units on, each unit of the SKU costs ``unit_price``."""

    sku = models.ForeignKey(
        Sku, verbose_name=_("SKU"), on_delete=models.CASCADE, related_name="tiers"
    )
    min_quantity = models.PositiveIntegerField(_("from quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("tiered price")
        verbose_name_plural = _("tiered prices")
        ordering = ["sku_id", "min_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "min_quantity"], name="price_tier_unique_qty"),
            models.CheckConstraint(
                condition=Q(min_quantity__gte=2), name="price_tier_quantity_above_1"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="price_tier_price_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.min_quantity}+ @ {self.unit_price}"


def product_image_path(instance: ProductImage, filename: str) -> str:
    # The stored name never comes from the uploader; the storage adds the schema folder.
    return f"products/{instance.product_id}/{filename}"


class ProductImage(SchemaBoundModel):
    """A product photo, re-encoded from a validated upload, with its thumbnail."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="images"
    )
    image = models.FileField(_("image"), upload_to=product_image_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=product_image_path, max_length=200)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        ordering = ["product_id", "position", "id"]

    def __str__(self):
        return self.original_name or self.image.name


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be imported")
    APPLIED = "applied", _("Imported")
    REJECTED = "rejected", _("Not imported: the file has errors")
    FAILED = "failed", _("Failed")


class ProductImport(SchemaBoundModel):
    """A catalogue CSV upload, imported by a Celery worker (suppliers.services
    ``product_import_queue`` / ``product_import_run``), so a large file never holds up a request.

    The file is kept in the row until it has been imported (no file on disk to orphan), then
    dropped; ``report`` keeps what the import did or every error by line.
    """

    file_name = models.CharField(_("file"), max_length=255)
    data = models.BinaryField(_("content"), editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    # {"rows": n, "errors": [{"line", "column", "message"}], "products_created": n, ...}
    report = models.JSONField(_("report"), default=dict, blank=True)
    # DO_NOTHING: the user table exists in every schema, this one only in supplier schemas.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("product import")
        verbose_name_plural = _("product imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.file_name

    @property
    def errors(self) -> list[dict]:
        return self.report.get("errors", [])
