"""A supplier's warehouses and its stock per SKU per warehouse (supplier schema).

``available = on_hand - reserved`` is never negative: the database refuses ``reserved >
on_hand`` (and negative quantities) with CheckConstraints, whatever code writes the row. The
order flow will reserve with a conditional UPDATE (``... WHERE on_hand - reserved >= qty``);
the backoffice writes through supplychain.services, which locks rows in primary-key order.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suppliers.models import code_validator
from tenants.schema_guard import SchemaBoundModel


class Warehouse(SchemaBoundModel):
    code = models.CharField(
        _("warehouse code"),
        max_length=32,
        unique=True,
        validators=[code_validator],
        help_text=_("Short code used in CSV files, e.g. SH01."),
    )
    name = models.CharField(_("name"), max_length=100)
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive warehouses keep their stock but ship nothing."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class StockLevel(SchemaBoundModel):
    sku = models.ForeignKey(
        "suppliers.Sku",
        verbose_name=_("SKU"),
        on_delete=models.CASCADE,
        related_name="stock_levels",
    )
    warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("warehouse"),
        on_delete=models.PROTECT,
        related_name="stock_levels",
    )
    on_hand = models.PositiveIntegerField(_("on hand"), default=0)
    reserved = models.PositiveIntegerField(
        _("reserved"), default=0, help_text=_("Held for orders that are not shipped yet.")
    )
    safety_stock = models.PositiveIntegerField(
        _("safety stock"),
        default=0,
        help_text=_("Alert when the available quantity drops to this."),
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["warehouse_id", "sku_id"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="stock_level_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(safety_stock__gte=0), name="stock_safety_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"
            ),
        ]

    def __str__(self):
        return f"{self.sku_id}@{self.warehouse_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def is_low(self) -> bool:
        return self.available <= self.safety_stock


# --- Stock from the supplier's ERP, low-stock alerts, API tokens (supplychain.sync/alerts/api) --


class ApiToken(SchemaBoundModel):
    """A key an ERP system of this supplier uses for the API (``Authorization: Token <key>``).

    Only a hash of the key is stored; the key is shown once, when it is created. A token works
    on its own supplier's domain only: it is looked up in the schema of the domain it is sent to.
    """

    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. “Kingdee ERP”."))
    prefix = models.CharField(_("key begins with"), max_length=12)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    # DO_NOTHING: the user table exists in every schema, this one only in supplier schemas
    # (see suppliers.models.Product.created_by).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class StockSyncSource(models.TextChoices):
    API = "api", _("API")
    CSV = "csv", _("CSV upload")


class StockSyncBatch(SchemaBoundModel):
    """A stock batch that was applied; its ``sync_id`` can never be applied a second time."""

    sync_id = models.CharField(_("sync id"), max_length=64, unique=True)
    source = models.CharField(_("source"), max_length=8, choices=StockSyncSource.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    changed = models.PositiveIntegerField(_("rows changed"), default=0)
    # What the first request was answered; a repeat gets the same (with "duplicate": true).
    result = models.JSONField(_("result"), default=dict, blank=True)
    token = models.ForeignKey(
        ApiToken,
        verbose_name=_("API token"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="batches",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    created_at = models.DateTimeField(_("applied"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("stock sync batch")
        verbose_name_plural = _("stock sync batches")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.sync_id


class LowStockAlert(SchemaBoundModel):
    """Available stock of a SKU in a warehouse fell to its safety stock or below.

    One open alert (``cleared_at`` empty) per stock row at most — a database constraint — so a
    crossing alerts once, not once per sale. It clears when the stock recovers; a later fall
    opens a new one. Written only by supplychain.alerts.
    """

    stock_level = models.ForeignKey(
        StockLevel,
        verbose_name=_("stock level"),
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    available = models.IntegerField(_("available when it fell"))
    safety_stock = models.PositiveIntegerField(_("safety stock"))
    opened_at = models.DateTimeField(_("fell low"), default=timezone.now, db_index=True)
    cleared_at = models.DateTimeField(_("recovered"), null=True, blank=True)
    cleared_available = models.IntegerField(_("available when it recovered"), null=True, blank=True)
    # Set by the email task once the owners and managers were emailed (it never mails twice).
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("low-stock alert")
        verbose_name_plural = _("low-stock alerts")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stock_level"],
                condition=Q(cleared_at__isnull=True),
                name="low_stock_alert_one_open_per_row",
            ),
        ]

    def __str__(self):
        return f"{self.stock_level_id} @ {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None
