"""Platform-wide categories and their specification templates (public schema).

The platform owns one three-level category tree (e.g. 电子产品 › 手机通讯 › 智能手机) that
every tenant uses. Products live in the suppliers' schemas and point at a category by id
(see suppliers.models.Product.category for why that key has no database constraint).

A category may carry *specification templates*: the parameters every product of that
category has (a phone's screen size, battery, network…) and the *variant axes* along which
its SKUs differ (colour, storage capacity…). A leaf inherits the templates of its ancestors.
"""

from decimal import Decimal, InvalidOperation

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

MAX_LEVEL = 3

code_validator = RegexValidator(
    r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$",
    _("Use lowercase letters, digits, hyphens and underscores."),
)


def _in_english() -> bool:
    return (get_language() or "").startswith("en")


class Category(models.Model):
    """A node of the platform's category tree: level 1 (top), 2, or 3 (leaf, holds products)."""

    code = models.CharField(
        _("code"),
        max_length=64,
        unique=True,
        validators=[code_validator],
        help_text=_("Stable identifier used in CSV files, e.g. “smartphones”."),
    )
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Derived from the parent by catalog.services.category_save; the constraints keep it sane.
    level = models.PositiveSmallIntegerField(_("level"), default=1, editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive categories cannot receive new products; existing ones keep it."),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["level", "position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=MAX_LEVEL),
                name="category_level_1_to_3",
            ),
            models.CheckConstraint(
                condition=(models.Q(level=1, parent__isnull=True))
                | (models.Q(level__gt=1, parent__isnull=False)),
                name="category_root_iff_level_1",
            ),
            models.UniqueConstraint(
                fields=["parent", "name_zh"],
                nulls_distinct=False,
                name="category_unique_zh_name_among_siblings",
                violation_error_message=_("Another category at this place has the same name."),
            ),
            models.UniqueConstraint(
                fields=["parent", "name_en"],
                nulls_distinct=False,
                name="category_unique_en_name_among_siblings",
                violation_error_message=_("Another category at this place has the same name."),
            ),
        ]

    def __str__(self):
        return self.path_display

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_en if _in_english() else self.name_zh

    @property
    def is_leaf(self) -> bool:
        return self.level == MAX_LEVEL

    def ancestors(self) -> list["Category"]:
        """Root first, self last. Uses the loaded parents (select_related parent__parent)."""
        chain = []
        node = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def path_display(self) -> str:
        return " › ".join(node.name for node in self.ancestors())


class SpecKind(models.TextChoices):
    PARAMETER = "parameter", _("Parameter of the product")
    VARIANT = "variant", _("Variant axis of the SKUs")


class SpecValueType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("One of the listed choices")


class CategorySpec(models.Model):
    """One field of a category's specification template.

    ``kind=parameter``: a key/value every product of the category carries (屏幕尺寸 = 6.1).
    ``kind=variant``: an axis the SKUs differ along (颜色, 存储容量).
    """

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="specs"
    )
    code = models.CharField(
        _("code"),
        max_length=40,
        validators=[code_validator],
        help_text=_("Key stored on products and used as CSV key, e.g. “screen_size”."),
    )
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60)
    kind = models.CharField(
        _("kind"), max_length=16, choices=SpecKind.choices, default=SpecKind.PARAMETER
    )
    value_type = models.CharField(
        _("value type"), max_length=16, choices=SpecValueType.choices, default=SpecValueType.TEXT
    )
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_("For “one of the listed choices”: the allowed values, as a JSON list."),
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    required = models.BooleanField(
        _("required"), default=False, help_text=_("A product cannot be listed without it.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("specification field")
        verbose_name_plural = _("specification template")
        ordering = ["category__level", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="category_spec_unique_code"),
            models.CheckConstraint(
                condition=~models.Q(value_type="choice") | ~models.Q(choices=[]),
                name="category_spec_choice_needs_choices",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def name(self) -> str:
        return self.name_en if _in_english() else self.name_zh

    @property
    def label(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name

    def clean(self):
        if self.value_type == SpecValueType.CHOICE:
            if not isinstance(self.choices, list) or not self.choices:
                raise ValidationError(
                    {"choices": _('List at least one allowed value, e.g. ["5G", "4G"].')}
                )
            if not all(isinstance(choice, str) and choice.strip() for choice in self.choices):
                raise ValidationError({"choices": _("Every choice must be a non-empty text.")})

    def normalise(self, raw) -> str:
        """The stored form of a value for this field; ValidationError with a clear message."""
        value = str(raw if raw is not None else "").strip()
        if not value:
            return ""
        if self.value_type == SpecValueType.NUMBER:
            try:
                number = Decimal(value)
            except InvalidOperation:
                raise ValidationError(
                    _("“%(field)s” must be a number, not “%(value)s”."),
                    params={"field": self.name, "value": value},
                    code="spec_number",
                ) from None
            if not number.is_finite():
                raise ValidationError(
                    _("“%(field)s” must be a number, not “%(value)s”."),
                    params={"field": self.name, "value": value},
                    code="spec_number",
                )
            return format(number.normalize(), "f")
        if self.value_type == SpecValueType.CHOICE and value not in self.choices:
            raise ValidationError(
                _("“%(value)s” is not allowed for “%(field)s”; choose one of: %(choices)s."),
                params={"field": self.name, "value": value, "choices": ", ".join(self.choices)},
                code="spec_choice",
            )
        if len(value) > 200:
            raise ValidationError(
                _("“%(field)s” is longer than 200 characters."),
                params={"field": self.name},
                code="spec_length",
            )
        return value


# --- The supply catalogue: what suppliers publish to dealers (the exchange) -------------------
#
# Suppliers own their products in their own schemas. What they publish for distribution is
# copied here, in the public schema, by the inventory sync (suppliers.publishing): one
# SupplyOffer per published product and one SupplyOfferSku per active SKU, with prices and the
# stock available across the supplier's warehouses. Dealers browse and list offers; their
# storefronts read them. Only the sync writes these rows.


class OfferAudience(models.TextChoices):
    ALL_DEALERS = "all", _("All dealers")
    AUTHORISED = "authorised", _("Authorised dealers only")


class OfferStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SupplyOffer(models.Model):
    supplier = models.ForeignKey(
        "tenants.Tenant",
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="offers",
    )
    product_id = models.BigIntegerField(_("product id in the supplier's schema"))
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="offers"
    )
    code = models.CharField(_("product code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    moq = models.PositiveIntegerField(_("minimum order quantity"), default=1)
    description = models.TextField(_("description"), blank=True)
    # [{"code", "name_zh", "name_en", "value"}], in the category template's order.
    parameters = models.JSONField(_("specification parameters"), default=list, blank=True)
    # [{"url": absolute URL of the image, "thumb": absolute URL of its thumbnail}]
    images = models.JSONField(_("images"), default=list, blank=True)
    audience = models.CharField(
        _("published to"),
        max_length=16,
        choices=OfferAudience.choices,
        default=OfferAudience.ALL_DEALERS,
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OfferStatus.choices,
        default=OfferStatus.PUBLISHED,
        db_index=True,
    )
    available = models.PositiveIntegerField(_("available stock"), default=0)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, db_index=True)
    # Bumped by every sync that changes the offer: storefront caches key on it.
    version = models.PositiveIntegerField(_("version"), default=1)
    # Chinese and English n-grams (catalog.search), refreshed by the sync.
    search_document = SearchVectorField(_("search document"), null=True, editable=False)

    class Meta:
        verbose_name = _("supply offer")
        verbose_name_plural = _("supply catalogue")
        ordering = ["-updated_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "product_id"], name="offer_one_per_supplier_product"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "category"], name="offer_status_category"),
            GinIndex(fields=["search_document"], name="offer_search_document"),
        ]

    def __str__(self):
        return self.name


class SupplyOfferSku(models.Model):
    offer = models.ForeignKey(
        SupplyOffer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="skus"
    )
    sku_id = models.BigIntegerField(_("SKU id in the supplier's schema"))
    code = models.CharField(_("SKU code"), max_length=64)
    barcode = models.CharField(_("barcode"), max_length=32, blank=True)
    # {"colour": "黑色", "storage": "256GB"} keyed by the category's variant axes.
    variant = models.JSONField(_("variant"), default=dict, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    supply_price = models.DecimalField(_("supply price"), max_digits=12, decimal_places=2)
    suggested_retail_price = models.DecimalField(
        _("suggested retail price"), max_digits=12, decimal_places=2
    )
    min_resale_price = models.DecimalField(
        _("minimum resale price"), max_digits=12, decimal_places=2
    )
    moq = models.PositiveIntegerField(_("minimum order quantity"), default=1)
    # [{"min_quantity": 10, "unit_price": "95.00"}, ...] ascending: the supplier's volume prices.
    price_tiers = models.JSONField(_("tiered prices"), default=list, blank=True)
    available = models.PositiveIntegerField(_("available stock"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("supply offer SKU")
        verbose_name_plural = _("supply offer SKUs")
        ordering = ["offer", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "sku_id"], name="offer_sku_one_per_supplier_sku"
            ),
            models.CheckConstraint(
                condition=models.Q(min_resale_price__gte=models.F("supply_price"))
                & models.Q(suggested_retail_price__gte=models.F("min_resale_price")),
                name="offer_sku_price_order",
            ),
        ]

    def __str__(self):
        return self.code


class DealerAuthorisation(models.Model):
    """A supplier lets a dealer see and list its offers published to authorised dealers only."""

    supplier = models.ForeignKey(
        "tenants.Tenant",
        verbose_name=_("supplier"),
        on_delete=models.CASCADE,
        related_name="dealer_authorisations",
    )
    dealer = models.ForeignKey(
        "tenants.Tenant",
        verbose_name=_("dealer"),
        on_delete=models.CASCADE,
        related_name="supplier_authorisations",
    )
    created_at = models.DateTimeField(_("authorised"), default=timezone.now)

    class Meta:
        verbose_name = _("dealer authorisation")
        verbose_name_plural = _("dealer authorisations")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "dealer"], name="authorisation_one_per_pair"
            ),
        ]

    def __str__(self):
        return f"{self.supplier} → {self.dealer}"
