"""Buyer orders at a dealer (dealer schema).

A buyer's ``Order`` holds the lines the buyer bought at the dealer's prices. It is split per
supplier: one ``OrderSplit`` per supplier, mirroring the ``fulfilment.SupplierOrder`` written
in that supplier's schema in the same transaction (orders.workflow). Statuses move only along
each model's ``TRANSITIONS``; every move is recorded in ``StatusChange``.

The order's status follows its splits (``Order.status_from_splits``): a supplier's confirmation
or shipment moves the split, and with it the order.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.states import StatusChangeBase, StatusLabelMixin
from tenants.schema_guard import SchemaBoundModel

MONEY = {"max_digits": 12, "decimal_places": 2}


class StatusChange(StatusChangeBase):
    """The history of this dealer's orders, splits and after-sales requests."""

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="order_history_subject")
        ]


# --- The dealer's order settings ----------------------------------------------------------------


class OrderSettings(SchemaBoundModel):
    """How this dealer takes orders (one row)."""

    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    review_orders = models.BooleanField(
        _("review orders before they go to suppliers"),
        default=False,
        help_text=_("Stock is held at once; suppliers see the order after you release it."),
    )
    auto_receipt_days = models.PositiveSmallIntegerField(
        _("confirm receipt automatically after (days)"),
        default=10,
        help_text=_("Counted from the last shipment, when the buyer has not confirmed receipt."),
    )
    aftersales_days = models.PositiveSmallIntegerField(
        _("after-sales window (days)"),
        default=7,
        help_text=_("Buyers may ask for a return, exchange or refund this long after receipt."),
    )
    bank_account = models.TextField(
        _("bank transfer details"),
        blank=True,
        help_text=_("Shown to buyers who pay by bank transfer: account name, bank, number."),
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("order settings")
        verbose_name_plural = _("order settings")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=1), name="order_settings_singleton"),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> OrderSettings:
        settings, _created = cls.objects.get_or_create(singleton=1)
        return settings


class ShippingMethod(SchemaBoundModel):
    """A way of shipping the dealer offers at checkout, with its fee rule:
    ``base_fee + per_item_fee × items``, free from ``free_over`` (goods total) when set."""

    name = models.CharField(_("name"), max_length=100)
    base_fee = models.DecimalField(_("fee per order"), default=0, **MONEY)
    per_item_fee = models.DecimalField(_("fee per item"), default=0, **MONEY)
    free_over = models.DecimalField(
        _("free from (goods total)"),
        null=True,
        blank=True,
        help_text=_("Leave empty if shipping is never free."),
        **MONEY,
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("shipping method")
        verbose_name_plural = _("shipping methods")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(base_fee__gte=0) & Q(per_item_fee__gte=0),
                name="shipping_fee_not_negative",
            ),
        ]

    def __str__(self):
        return self.name


# --- The cart ------------------------------------------------------------------------------------


class CartLine(SchemaBoundModel):
    """One SKU in a buyer's persistent cart. ``offer_sku_id`` is a catalog.SupplyOfferSku id
    (public schema): prices and stock are read fresh whenever the cart is shown."""

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("buyer"), on_delete=models.DO_NOTHING, related_name="+"
    )
    offer_sku_id = models.BigIntegerField(_("SKU"))
    quantity = models.PositiveIntegerField(_("quantity"))
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "offer_sku_id"], name="cart_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.offer_sku_id} × {self.quantity}"


# --- Orders --------------------------------------------------------------------------------------


class OrderStatus(models.TextChoices):
    REVIEW = "review", _("Awaiting dealer review")
    PLACED = "placed", _("Awaiting supplier confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    SHIPPING = "shipping", _("Partly shipped")
    SHIPPED = "shipped", _("Shipped")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class OrderChannel(models.TextChoices):
    STOREFRONT = "storefront", _("Storefront")
    ON_BEHALF = "on_behalf", _("Placed by the dealer")
    IMPORT = "import", _("Imported")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    ON_ACCOUNT = "on_account", _("Pay on account")
    ONLINE = "online", _("Online payment")


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PROOF_SUBMITTED = "proof_submitted", _("Transfer proof submitted")
    ON_ACCOUNT = "on_account", _("On account")
    PAID = "paid", _("Paid")


class InvoiceType(models.TextChoices):
    NONE = "none", _("No invoice")
    GENERAL = "general", _("General VAT invoice")
    SPECIAL = "special", _("Special VAT invoice")


class Order(StatusLabelMixin, SchemaBoundModel):
    HISTORY_TYPE = "order"
    TRANSITIONS = {
        OrderStatus.REVIEW: {OrderStatus.PLACED, OrderStatus.CANCELLED},
        OrderStatus.PLACED: {
            OrderStatus.CONFIRMED,
            OrderStatus.SHIPPING,
            OrderStatus.SHIPPED,
            OrderStatus.CANCELLED,
        },
        OrderStatus.CONFIRMED: {OrderStatus.SHIPPING, OrderStatus.SHIPPED, OrderStatus.CANCELLED},
        OrderStatus.SHIPPING: {OrderStatus.SHIPPED},
        OrderStatus.SHIPPED: {OrderStatus.COMPLETED},
        OrderStatus.COMPLETED: set(),
        OrderStatus.CANCELLED: set(),
    }

    number = models.CharField(_("order number"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    channel = models.CharField(
        _("placed through"),
        max_length=16,
        choices=OrderChannel.choices,
        default=OrderChannel.STOREFRONT,
    )
    company = models.ForeignKey(
        "buyers.BuyerCompany",
        verbose_name=_("buyer company"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    buyer = models.ForeignKey(
        "accounts.User",
        verbose_name=_("buyer"),
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    placed_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("placed by"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        help_text=_("The dealer's staff member who placed it on the buyer's behalf."),
    )
    # A checkout carries a key; the same key returns the same order (orders.workflow.checkout).
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    fingerprint = models.CharField(max_length=64, editable=False)
    # Where it goes (a copy: the address book may change later).
    ship_recipient = models.CharField(_("recipient"), max_length=100)
    ship_phone = models.CharField(_("phone"), max_length=32)
    ship_address = models.CharField(_("shipping address"), max_length=400)
    shipping_method = models.CharField(_("shipping method"), max_length=100)
    payment_method = models.CharField(
        _("payment method"), max_length=16, choices=PaymentMethod.choices
    )
    payment_status = models.CharField(
        _("payment"), max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    payment_due = models.DateField(_("payment due"), null=True, blank=True)
    invoice_type = models.CharField(
        _("invoice"), max_length=16, choices=InvoiceType.choices, default=InvoiceType.NONE
    )
    invoice_company = models.CharField(_("invoice company"), max_length=200, blank=True)
    invoice_tax_number = models.CharField(_("invoice tax number"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    goods_total = models.DecimalField(_("goods"), **MONEY)
    shipping_fee = models.DecimalField(_("shipping"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    refunded_total = models.DecimalField(_("refunded"), default=0, **MONEY)
    placed_at = models.DateTimeField(_("placed"), default=timezone.now, db_index=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    completed_at = models.DateTimeField(_("received"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(goods_total__gte=0) & Q(shipping_fee__gte=0),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(total=F("goods_total") + F("shipping_fee")), name="order_total_sum"
            ),
            models.CheckConstraint(
                condition=Q(refunded_total__gte=0) & Q(refunded_total__lte=F("total")),
                name="order_refund_within_total",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-placed_at"], name="order_company_time"),
            models.Index(fields=["status", "-placed_at"], name="order_status_time"),
        ]

    def __str__(self):
        return self.number

    @staticmethod
    def status_from_splits(split_statuses: list[str]) -> str:
        """The order's status given its splits' statuses."""
        live = [s for s in split_statuses if s not in (SplitStatus.REJECTED, SplitStatus.CANCELLED)]
        if not live:
            return OrderStatus.CANCELLED
        if any(s == SplitStatus.HELD for s in live):
            return OrderStatus.REVIEW
        if all(s == SplitStatus.RECEIVED for s in live):
            return OrderStatus.COMPLETED
        if all(s in (SplitStatus.SHIPPED, SplitStatus.RECEIVED) for s in live):
            return OrderStatus.SHIPPED
        if any(s in (SplitStatus.PARTLY_SHIPPED, SplitStatus.SHIPPED) for s in live):
            return OrderStatus.SHIPPING
        if all(s == SplitStatus.CONFIRMED for s in live):
            return OrderStatus.CONFIRMED
        return OrderStatus.PLACED


class SplitStatus(models.TextChoices):
    """The status of one supplier's part of an order: the same values as the supplier's own
    ``fulfilment.SupplierOrder``, which it mirrors."""

    HELD = "held", _("Held for dealer review")
    PENDING = "pending", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected by the supplier")
    PARTLY_SHIPPED = "partly_shipped", _("Partly shipped")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


SPLIT_TRANSITIONS = {
    SplitStatus.HELD: {SplitStatus.PENDING, SplitStatus.CANCELLED},
    SplitStatus.PENDING: {SplitStatus.CONFIRMED, SplitStatus.REJECTED, SplitStatus.CANCELLED},
    SplitStatus.CONFIRMED: {
        SplitStatus.PARTLY_SHIPPED,
        SplitStatus.SHIPPED,
        SplitStatus.CANCELLED,
    },
    SplitStatus.PARTLY_SHIPPED: {SplitStatus.SHIPPED},
    SplitStatus.SHIPPED: {SplitStatus.RECEIVED},
    SplitStatus.RECEIVED: set(),
    SplitStatus.REJECTED: set(),
    SplitStatus.CANCELLED: set(),
}


class OrderSplit(StatusLabelMixin, SchemaBoundModel):
    """One supplier's part of an order, as the dealer and the buyer see it."""

    HISTORY_TYPE = "split"
    TRANSITIONS = SPLIT_TRANSITIONS

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="splits"
    )
    supplier_id = models.BigIntegerField(_("supplier"), db_index=True)
    supplier_name = models.CharField(_("supplier"), max_length=200)
    supplier_order_id = models.BigIntegerField(_("supplier order id"), null=True, blank=True)
    supplier_order_number = models.CharField(_("supplier order"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SplitStatus.choices, default=SplitStatus.PENDING
    )
    goods_total = models.DecimalField(_("goods"), **MONEY)
    supply_total = models.DecimalField(_("supply cost"), **MONEY)
    promised_ship_date = models.DateField(_("promised ship date"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("supplier part")
        verbose_name_plural = _("supplier parts")
        ordering = ["order_id", "supplier_id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "supplier_id"], name="split_one_per_supplier"),
        ]

    def __str__(self):
        return f"{self.order_id}/{self.supplier_name}"


class OrderLine(SchemaBoundModel):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    split = models.ForeignKey(
        OrderSplit, verbose_name=_("supplier part"), on_delete=models.CASCADE, related_name="lines"
    )
    offer_sku_id = models.BigIntegerField(_("SKU"))
    supplier_sku_id = models.BigIntegerField(_("supplier's SKU id"))
    supplier_line_id = models.BigIntegerField(_("supplier order line"), null=True, blank=True)
    sku_code = models.CharField(_("SKU code"), max_length=64)
    product_name = models.CharField(_("product"), max_length=200)
    variant_text = models.CharField(_("variant"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    line_total = models.DecimalField(_("amount"), **MONEY)
    supply_price = models.DecimalField(_("supply price"), **MONEY)
    shipped_quantity = models.PositiveIntegerField(_("shipped"), default=0)
    returned_quantity = models.PositiveIntegerField(_("returned"), default=0)
    refunded_amount = models.DecimalField(_("refunded"), default=0, **MONEY)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity"),
            models.CheckConstraint(
                condition=Q(shipped_quantity__lte=F("quantity"))
                & Q(returned_quantity__lte=F("shipped_quantity")),
                name="order_line_shipped_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("line_total")),
                name="order_line_refund_within_amount",
            ),
        ]

    def __str__(self):
        return f"{self.sku_code} × {self.quantity}"


# --- Payments ------------------------------------------------------------------------------------


class PaymentRecordStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting confirmation")
    SUCCEEDED = "succeeded", _("Received")
    FAILED = "failed", _("Failed")


def payment_proof_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return (
        f"payments/{timezone.now():%Y/%m}/{instance.order_id}-{timezone.now():%H%M%S%f}.{extension}"
    )


class Payment(SchemaBoundModel):
    """A payment of an order: a bank transfer with its proof, or a gateway payment."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="payments"
    )
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PaymentRecordStatus.choices,
        default=PaymentRecordStatus.PENDING,
    )
    gateway = models.CharField(_("gateway"), max_length=32, blank=True)
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("Bank or gateway reference.")
    )
    proof = models.FileField(_("transfer proof"), upload_to=payment_proof_path, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    settled_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    settled_by_label = models.CharField(_("confirmed by"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(
                fields=["gateway", "reference"],
                condition=~Q(gateway="") & ~Q(reference=""),
                name="payment_gateway_reference_unique",
            ),
        ]

    def __str__(self):
        return f"{self.order_id} {self.amount}"


# --- After-sales (售后) ---------------------------------------------------------------------------


class AfterSalesKind(models.TextChoices):
    RETURN = "return", _("Return and refund")
    EXCHANGE = "exchange", _("Exchange")
    REFUND_ONLY = "refund_only", _("Refund only")


class AfterSalesStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting dealer review")
    AWAITING_SUPPLIER = "awaiting_supplier", _("Awaiting supplier review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURN_SHIPPED = "return_shipped", _("Return on its way")
    RECEIVED = "received", _("Return received")
    REFUNDED = "refunded", _("Refunded")
    REPLACEMENT_SHIPPED = "replacement_shipped", _("Replacement shipped")
    CANCELLED = "cancelled", _("Withdrawn")


AFTERSALES_TRANSITIONS = {
    AfterSalesStatus.REQUESTED: {
        AfterSalesStatus.AWAITING_SUPPLIER,
        AfterSalesStatus.REJECTED,
        AfterSalesStatus.CANCELLED,
    },
    AfterSalesStatus.AWAITING_SUPPLIER: {
        AfterSalesStatus.APPROVED,
        AfterSalesStatus.REJECTED,
        AfterSalesStatus.CANCELLED,
    },
    AfterSalesStatus.APPROVED: {
        AfterSalesStatus.RETURN_SHIPPED,
        AfterSalesStatus.REFUNDED,
        AfterSalesStatus.CANCELLED,
    },
    AfterSalesStatus.RETURN_SHIPPED: {AfterSalesStatus.RECEIVED},
    AfterSalesStatus.RECEIVED: {AfterSalesStatus.REFUNDED, AfterSalesStatus.REPLACEMENT_SHIPPED},
    AfterSalesStatus.REFUNDED: set(),
    AfterSalesStatus.REPLACEMENT_SHIPPED: set(),
    AfterSalesStatus.REJECTED: set(),
    AfterSalesStatus.CANCELLED: set(),
}


class AfterSalesRequest(StatusLabelMixin, SchemaBoundModel):
    HISTORY_TYPE = "aftersales"
    TRANSITIONS = AFTERSALES_TRANSITIONS

    number = models.CharField(_("request number"), max_length=20, unique=True)
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="aftersales"
    )
    line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.CASCADE, related_name="aftersales"
    )
    kind = models.CharField(_("type"), max_length=16, choices=AfterSalesKind.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    reason = models.CharField(_("reason"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AfterSalesStatus.choices,
        default=AfterSalesStatus.REQUESTED,
    )
    refund_amount = models.DecimalField(_("refund"), default=0, **MONEY)
    requested_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("requested by"),
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    supplier_request_id = models.BigIntegerField(null=True, blank=True)
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
            models.CheckConstraint(condition=Q(quantity__gte=1), name="aftersales_quantity"),
            models.CheckConstraint(condition=Q(refund_amount__gte=0), name="aftersales_refund"),
        ]

    def __str__(self):
        return self.number


def aftersales_photo_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"aftersales/{timezone.now():%Y/%m}/{instance.request_id}-{timezone.now():%H%M%S%f}.{extension}"


class AfterSalesPhoto(SchemaBoundModel):
    request = models.ForeignKey(
        AfterSalesRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="photos",
    )
    image = models.ImageField(_("photo"), upload_to=aftersales_photo_path)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["id"]


class Refund(SchemaBoundModel):
    """Money given back to the buyer: one row per refund, never edited."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="refunds"
    )
    line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.CASCADE, related_name="refunds"
    )
    aftersales = models.OneToOneField(
        AfterSalesRequest,
        verbose_name=_("after-sales request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refund",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    supply_amount = models.DecimalField(_("supplier's share"), **MONEY)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("refunded"), default=timezone.now)
    created_by_label = models.CharField(_("by"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self):
        return f"{self.order_id} −{self.amount}"
