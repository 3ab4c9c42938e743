"""A supplier's warehouses and its stock per SKU per warehouse (supplier schema).

``available = on_hand - reserved`` is never negative: the database refuses ``reserved >
on_hand`` (and negative quantities) with CheckConstraints, whatever code writes the row. The
order flow will reserve with a conditional UPDATE (``... WHERE on_hand - reserved >= qty``);
the backoffice writes through supplychain.services, which locks rows in primary-key order.
"""

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
