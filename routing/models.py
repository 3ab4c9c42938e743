"""The public exchange of orders (public schema).

``OrderRoute``: one row per supplier part of a dealer's order, linking the dealer's order and
split to the supplier's order; written in the same transaction as both (orders.workflow), so a
route exists exactly when both ends do. Settlement (later) reads the amounts from here.

``ShipmentTrack`` and ``TrackingEvent``: the tracking timeline of each parcel, which the buyer,
the dealer and the supplier all see; events come from the supplier's staff or from the
carrier's callback (routing.api, HMAC-signed per ``Carrier``).
Every read is filtered by the requesting tenant (``dealer`` or ``supplier``).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 12, "decimal_places": 2}


class Carrier(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    callback_secret = models.CharField(
        _("callback secret"),
        max_length=128,
        blank=True,
        help_text=_("Shared with the carrier: its tracking callbacks are signed with it (HMAC)."),
    )
    tracking_url = models.CharField(
        _("tracking page"),
        max_length=300,
        blank=True,
        help_text=_("The carrier's public tracking page; {number} stands for the tracking number."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class OrderRoute(models.Model):
    dealer = models.ForeignKey(
        "tenants.Tenant", verbose_name=_("dealer"), on_delete=models.PROTECT, related_name="+"
    )
    supplier = models.ForeignKey(
        "tenants.Tenant", verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+"
    )
    dealer_order_id = models.BigIntegerField()
    dealer_order_number = models.CharField(_("dealer's order"), max_length=20)
    dealer_split_id = models.BigIntegerField()
    supplier_order_id = models.BigIntegerField()
    supplier_order_number = models.CharField(_("supplier order"), max_length=20)
    status = models.CharField(_("status"), max_length=16)
    goods_total = models.DecimalField(_("amount at the dealer's prices"), **MONEY)
    supply_total = models.DecimalField(_("amount at supply prices"), **MONEY)
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("order route")
        verbose_name_plural = _("order routes")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dealer", "dealer_split_id"], name="route_one_per_split"
            ),
            models.UniqueConstraint(
                fields=["supplier", "supplier_order_id"], name="route_one_per_supplier_order"
            ),
        ]
        indexes = [
            models.Index(fields=["dealer", "dealer_order_id"], name="route_dealer_order"),
            models.Index(fields=["supplier", "status"], name="route_supplier_status"),
        ]

    def __str__(self):
        return f"{self.dealer_order_number} → {self.supplier_order_number}"


class RouteLineStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class RouteLine(models.Model):
    """One order line as the platform settles it: written with the route at checkout, kept
    in step by orders.workflow (cancellation, receipt, returns and refunds). Settlement reads
    these rows set-based, never the tenants' schemas."""

    route = models.ForeignKey(
        OrderRoute, verbose_name=_("route"), on_delete=models.CASCADE, related_name="lines"
    )
    dealer = models.ForeignKey(
        "tenants.Tenant", verbose_name=_("dealer"), on_delete=models.PROTECT, related_name="+"
    )
    supplier = models.ForeignKey(
        "tenants.Tenant", verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+"
    )
    dealer_line_id = models.BigIntegerField()
    supplier_line_id = models.BigIntegerField()
    # The buyer's company (an id in the dealer's schema): task rewards count distinct buyers.
    buyer_company_id = models.BigIntegerField(_("buyer company"), default=0)
    offer_sku_id = models.BigIntegerField(_("SKU"), default=0)
    category_id = models.BigIntegerField(_("category"))
    sku_code = models.CharField(_("SKU code"), max_length=64)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    line_total = models.DecimalField(_("amount at the dealer's price"), **MONEY)
    supply_price = models.DecimalField(_("supply price"), **MONEY)
    supply_total = models.DecimalField(_("amount at the supply price"), **MONEY)
    returned_quantity = models.PositiveIntegerField(_("returned"), default=0)
    refunded_amount = models.DecimalField(_("refunded to the buyer"), default=0, **MONEY)
    refunded_supply = models.DecimalField(_("credited by the supplier"), default=0, **MONEY)
    status = models.CharField(
        _("status"), max_length=16, choices=RouteLineStatus.choices, default=RouteLineStatus.OPEN
    )
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    # Received + the dealer's after-sales window: from then on settlement may take the line.
    settleable_at = models.DateTimeField(_("settleable from"), null=True, blank=True)

    class Meta:
        verbose_name = _("routed order line")
        verbose_name_plural = _("routed order lines")
        ordering = ["route_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "dealer_line_id"], name="route_line_once"),
            models.CheckConstraint(
                condition=models.Q(refunded_amount__lte=models.F("line_total"))
                & models.Q(refunded_supply__lte=models.F("supply_total")),
                name="route_line_refund_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "settleable_at"], name="route_line_settleable"),
        ]

    def __str__(self):
        return f"{self.sku_code} × {self.quantity}"


class TrackKind(models.TextChoices):
    DELIVERY = "delivery", _("Delivery")
    RETURN = "return", _("Return")
    REPLACEMENT = "replacement", _("Replacement")


class TrackStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", _("In transit")
    DELIVERED = "delivered", _("Delivered")
    EXCEPTION = "exception", _("Exception")


class ShipmentTrack(models.Model):
    route = models.ForeignKey(
        OrderRoute, verbose_name=_("route"), on_delete=models.CASCADE, related_name="tracks"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=TrackKind.choices, default=TrackKind.DELIVERY
    )
    carrier = models.ForeignKey(
        Carrier, verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="tracks"
    )
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    # The shipment (supplier schema) or after-sales request (dealer schema) it belongs to.
    reference_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=TrackStatus.choices, default=TrackStatus.IN_TRANSIT
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("shipment tracking")
        verbose_name_plural = _("shipment tracking")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"], name="track_unique_number"
            ),
        ]

    def __str__(self):
        return f"{self.carrier_id} {self.tracking_number}"


class EventStatus(models.TextChoices):
    COLLECTED = "collected", _("Collected")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    EXCEPTION = "exception", _("Exception")


class EventSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    CARRIER = "carrier", _("Carrier")


class TrackingEvent(models.Model):
    track = models.ForeignKey(
        ShipmentTrack, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="events"
    )
    occurred_at = models.DateTimeField(_("time"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=EventStatus.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=EventSource.choices)
    # The carrier's own event id: a callback delivered twice records its events once.
    external_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["track", "external_id"],
                condition=~models.Q(external_id=""),
                name="tracking_event_once",
            ),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.status}"
