"""Supplier orders (supplier schema): what a supplier must ship for a dealer's buyer.

A ``SupplierOrder`` is written in the supplier's schema by orders.workflow in the same
transaction as the dealer's order, with its stock held in ``StockReservation`` rows (the
reserved units of ``supplychain.StockLevel``). Shipping moves reserved units out of stock;
cancelling or rejecting releases them. The dealer's ``orders.OrderSplit`` mirrors the status.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import (
    AFTERSALES_TRANSITIONS,
    MONEY,
    SPLIT_TRANSITIONS,
    AfterSalesKind,
    AfterSalesStatus,
    SplitStatus,
)
from orders.states import StatusChangeBase, StatusLabelMixin
from tenants.schema_guard import SchemaBoundModel


class StatusChange(StatusChangeBase):
    """The history of this supplier's orders and after-sales requests."""

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="supplier_history_subject")
        ]


class SupplierOrder(StatusLabelMixin, SchemaBoundModel):
    HISTORY_TYPE = "supplier_order"
    TRANSITIONS = SPLIT_TRANSITIONS

    number = models.CharField(_("order number"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SplitStatus.choices, default=SplitStatus.PENDING
    )
    dealer_id = models.BigIntegerField(_("dealer"), db_index=True)
    dealer_name = models.CharField(_("dealer"), max_length=200)
    dealer_order_number = models.CharField(_("dealer's order"), max_length=20)
    dealer_split_id = models.BigIntegerField()
    buyer_company = models.CharField(_("buyer"), max_length=200)
    ship_recipient = models.CharField(_("recipient"), max_length=100)
    ship_phone = models.CharField(_("phone"), max_length=32)
    ship_address = models.CharField(_("shipping address"), max_length=400)
    note = models.TextField(_("buyer's note"), blank=True)
    goods_total = models.DecimalField(_("amount at supply prices"), **MONEY)
    promised_ship_date = models.DateField(_("promised ship date"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    placed_at = models.DateTimeField(_("placed"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("supplier order")
        verbose_name_plural = _("supplier orders")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dealer_id", "dealer_split_id"], name="supplier_order_one_per_split"
            ),
        ]
        indexes = [models.Index(fields=["status", "-placed_at"], name="supplier_order_status")]

    def __str__(self):
        return self.number


class SupplierOrderLine(SchemaBoundModel):
    order = models.ForeignKey(
        SupplierOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    sku = models.ForeignKey(
        "suppliers.Sku", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+"
    )
    dealer_line_id = models.BigIntegerField()
    sku_code = models.CharField(_("SKU code"), max_length=64)
    product_name = models.CharField(_("product"), max_length=200)
    variant_text = models.CharField(_("variant"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    supply_price = models.DecimalField(_("supply price"), **MONEY)
    line_total = models.DecimalField(_("amount"), **MONEY)
    shipped_quantity = models.PositiveIntegerField(_("shipped"), default=0)
    returned_quantity = models.PositiveIntegerField(_("returned"), default=0)

    class Meta:
        verbose_name = _("supplier order line")
        verbose_name_plural = _("supplier order lines")
        ordering = ["order_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="supplier_line_quantity"),
            models.CheckConstraint(
                condition=Q(shipped_quantity__lte=F("quantity"))
                & Q(returned_quantity__lte=F("shipped_quantity")),
                name="supplier_line_shipped_within_quantity",
            ),
        ]

    def __str__(self):
        return f"{self.sku_code} × {self.quantity}"

    @property
    def to_ship(self) -> int:
        return self.quantity - self.shipped_quantity


class StockReservation(SchemaBoundModel):
    """Units of one stock row held for one order line: ``quantity`` still held, ``shipped``
    already sent out of that warehouse."""

    line = models.ForeignKey(
        SupplierOrderLine,
        verbose_name=_("order line"),
        on_delete=models.CASCADE,
        related_name="reservations",
    )
    stock_level = models.ForeignKey(
        "supplychain.StockLevel",
        verbose_name=_("stock"),
        on_delete=models.PROTECT,
        related_name="reservations",
    )
    quantity = models.PositiveIntegerField(_("held"))
    shipped = models.PositiveIntegerField(_("shipped"), default=0)

    class Meta:
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")
        ordering = ["line_id", "stock_level_id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "stock_level"], name="reservation_unique"),
        ]


class Shipment(SchemaBoundModel):
    """A parcel the supplier sent: to the buyer for an order, or a replacement (exchange)."""

    order = models.ForeignKey(
        SupplierOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="shipments"
    )
    number = models.CharField(_("shipment number"), max_length=24, unique=True)
    carrier_code = models.CharField(_("carrier"), max_length=32)
    carrier_name = models.CharField(_("carrier"), max_length=100)
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    track_id = models.BigIntegerField(_("tracking"), null=True, blank=True)
    is_replacement = models.BooleanField(_("replacement"), default=False)
    shipped_at = models.DateTimeField(_("shipped"), default=timezone.now)
    shipped_by_label = models.CharField(_("shipped by"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["order_id", "shipped_at", "id"]

    def __str__(self):
        return f"{self.carrier_name} {self.tracking_number}"


class ShipmentLine(SchemaBoundModel):
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="lines"
    )
    line = models.ForeignKey(
        SupplierOrderLine, verbose_name=_("order line"), on_delete=models.CASCADE, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shipment_line_quantity"),
        ]


class SupplierAfterSales(StatusLabelMixin, SchemaBoundModel):
    """The supplier's copy of a buyer's after-sales request on one of its lines."""

    HISTORY_TYPE = "supplier_aftersales"
    TRANSITIONS = AFTERSALES_TRANSITIONS

    number = models.CharField(_("request number"), max_length=20)
    order = models.ForeignKey(
        SupplierOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="aftersales"
    )
    line = models.ForeignKey(
        SupplierOrderLine,
        verbose_name=_("order line"),
        on_delete=models.CASCADE,
        related_name="aftersales",
    )
    dealer_id = models.BigIntegerField()
    dealer_request_id = models.BigIntegerField()
    kind = models.CharField(_("type"), max_length=16, choices=AfterSalesKind.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    reason = models.CharField(_("reason"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AfterSalesStatus.choices,
        default=AfterSalesStatus.AWAITING_SUPPLIER,
    )
    resellable = models.BooleanField(
        _("back into stock"), default=True, help_text=_("The returned goods can be sold again.")
    )
    credit_amount = models.DecimalField(_("credit at supply price"), default=0, **MONEY)
    return_carrier = models.CharField(_("return carrier"), max_length=64, blank=True)
    return_tracking_number = models.CharField(
        _("return tracking number"), max_length=64, blank=True
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dealer_id", "dealer_request_id"], name="supplier_aftersales_unique"
            ),
        ]

    def __str__(self):
        return self.number
