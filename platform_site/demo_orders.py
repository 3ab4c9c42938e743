"""Demo buyers and orders: the dealers' shipping methods and buyers, and orders in every stage.

Everything goes through the real services and the order workflow (checkout across schemas,
supplier confirmation and shipping with tracking, receipt), so the demo shows what the
platform really does. Idempotent: buyers are kept, orders carry fixed idempotency keys (the
same key returns the same order) and each later step is only taken when it is still due.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from buyers.models import Address, Buyer, BuyerCompany
from catalog.models import SupplyOfferSku
from orders.models import (
    InvoiceType,
    Order,
    OrderChannel,
    OrderSettings,
    OrderSplit,
    PaymentMethod,
    ShippingMethod,
    SplitStatus,
)
from routing.models import Carrier, EventStatus
from tenants.models import Tenant

DEMO_CARRIER_SECRET = "demo-sf-callback-secret"

# dealer slug: [(email, company, tax number, on account, credit limit)]
DEMO_BUYERS = {
    "eastlink": [
        (
            "buyer@eastlink-buyer.example",
            "上海东方采购有限公司 Dongfang Procurement",
            "91310000MA1FL0001X",
            True,
            "200000",
        ),
        (
            "clerk@eastlink-buyer.example",
            "杭州西湖办公用品 West Lake Office",
            "91330100MA2B00027Q",
            False,
            "0",
        ),
    ],
    "northstar": [
        (
            "buyer@northstar-buyer.example",
            "北京北辰商贸 Beichen Trading",
            "91110000MA00N0003P",
            True,
            "100000",
        ),
    ],
}

SHIPPING_METHODS = [
    ("顺丰标快 SF Standard", Decimal("12.00"), Decimal("0"), Decimal("2000.00")),
    ("德邦物流 Deppon Freight", Decimal("30.00"), Decimal("2.00"), None),
]


def _buyers_ensure(dealer: Tenant, password: str) -> list[User]:
    users = []
    with tenant_context(dealer):
        if not ShippingMethod.objects.exists():
            for position, (name, base, per_item, free_over) in enumerate(SHIPPING_METHODS):
                ShippingMethod.objects.create(
                    name=name,
                    base_fee=base,
                    per_item_fee=per_item,
                    free_over=free_over,
                    position=position,
                )
        settings = OrderSettings.current()
        if not settings.bank_account:
            settings.bank_account = f"{dealer.name}\n招商银行上海分行 China Merchants Bank\n6214 8888 0000 {dealer.pk:04d}"
            settings.save()
        for email, company_name, tax_number, on_account, credit in DEMO_BUYERS.get(dealer.slug, []):
            user = User.objects.filter(email=email).first()
            if user is None:
                company = BuyerCompany.objects.create(
                    name=company_name,
                    tax_number=tax_number,
                    on_account=on_account,
                    credit_limit=Decimal(credit),
                    payment_terms_days=30,
                )
                user = User.objects.create_user(
                    email=email,
                    password=password,
                    role=Role.BUYER,
                    full_name=company_name.split(" ")[0],
                    phone="",
                )
                Buyer.objects.create(user=user, company=company, email_verified_at=timezone.now())
                Address.objects.create(
                    company=company,
                    recipient="王采购",
                    phone="13800138000",
                    province="上海市",
                    city="上海市",
                    district="浦东新区",
                    street="世纪大道 100 号 8 楼",
                    postcode="200120",
                    is_default=True,
                )
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            users.append(user)
    return users


def _skus_by_supplier() -> dict[str, list[SupplyOfferSku]]:
    skus: dict[str, list[SupplyOfferSku]] = {}
    for sku in SupplyOfferSku.objects.select_related("offer__supplier").order_by("pk"):
        skus.setdefault(sku.offer.supplier.slug, []).append(sku)
    return skus


def _order(dealer, buyer, items, key: str, **extra) -> Order | None:
    from orders.workflow.checkout import CheckoutError, CheckoutRequest, order_place

    with tenant_context(dealer):
        address = Address.objects.get(company__buyers__user=buyer, is_default=True)
        request = CheckoutRequest(
            buyer_id=buyer.pk,
            items=tuple(
                (sku.pk, max(quantity, sku.moq or 1, sku.offer.moq or 1)) for sku, quantity in items
            ),
            address_id=address.pk,
            shipping_method_id=ShippingMethod.objects.order_by("position", "pk").first().pk,
            payment_method=extra.pop("payment_method", PaymentMethod.BANK_TRANSFER),
            idempotency_key=key,
            clear_cart=False,
            **extra,
        )
        try:
            return order_place(request)[0]
        except CheckoutError:
            return None


def _confirm_and_ship(dealer, order, *, ship: bool, tracking_prefix: str) -> None:
    from fulfilment.models import SupplierOrder
    from orders.workflow.fulfilment import (
        shipment_create,
        supplier_order_confirm,
        tracking_event_add,
    )

    with tenant_context(dealer):
        splits = list(OrderSplit.objects.filter(order=order).order_by("supplier_id"))
    for n, split in enumerate(splits):
        supplier = Tenant.objects.get(pk=split.supplier_id)
        with tenant_context(supplier):
            supplier_order = SupplierOrder.objects.get(pk=split.supplier_order_id)
            owner = User.objects.filter(role=Role.OWNER).order_by("pk").first()
            if supplier_order.status == SplitStatus.PENDING:
                supplier_order_confirm(
                    supplier_order_id=supplier_order.pk,
                    actor=owner,
                    promised_ship_date=timezone.localdate() + timedelta(days=2),
                )
            supplier_order.refresh_from_db()
            if ship and supplier_order.status == SplitStatus.CONFIRMED:
                shipment = shipment_create(
                    supplier_order_id=supplier_order.pk,
                    actor=owner,
                    carrier_code="sf",
                    tracking_number=f"{tracking_prefix}{n}",
                    lines={line.pk: line.quantity for line in supplier_order.lines.all()},
                )
                now = timezone.now()
                # After the parcel was handed over (its first event): on its way, then nearby.
                for minutes, place, status, text in (
                    (1, "深圳转运中心 Shenzhen hub", EventStatus.IN_TRANSIT, "快件已发往上海"),
                    (2, "上海浦东营业部 Pudong", EventStatus.OUT_FOR_DELIVERY, "快递员正在派送"),
                ):
                    tracking_event_add(
                        supplier_id=supplier.pk,
                        track_id=shipment.track_id,
                        occurred_at=now + timedelta(minutes=minutes),
                        location=place,
                        status=status,
                        description=text,
                        actor=owner,
                    )


def demo_orders_seed(password: str) -> dict[str, int]:
    """Buyers at each demo dealer and a few orders in different stages; returns counts."""
    from orders.workflow.lifecycle import order_receipt_confirm

    connection.set_schema_to_public()
    carrier = Carrier.objects.filter(code="sf").first()
    if carrier is not None and not carrier.callback_secret:
        carrier.callback_secret = DEMO_CARRIER_SECRET
        carrier.save(update_fields=["callback_secret"])
    skus = _skus_by_supplier()
    counts = {}
    for slug in DEMO_BUYERS:
        dealer = Tenant.objects.filter(slug=slug).first()
        if dealer is None:
            continue
        buyers = _buyers_ensure(dealer, password)
        huaxin, greenleaf = skus.get("huaxin", []), skus.get("greenleaf", [])
        if not huaxin or not greenleaf:
            continue
        made = 0
        # 1. Delivered and received: complete, ready for after-sales.
        received = _order(
            dealer,
            buyers[0],
            [(huaxin[0], 2), (greenleaf[0], 5)],
            f"demo-{slug}-1",
            invoice_type=InvoiceType.SPECIAL,
            invoice_company=DEMO_BUYERS[slug][0][1],
            invoice_tax_number=DEMO_BUYERS[slug][0][2],
        )
        if received is not None:
            made += 1
            _confirm_and_ship(dealer, received, ship=True, tracking_prefix=f"SFDEMO{dealer.pk}1")
            with tenant_context(dealer):
                if Order.objects.get(pk=received.pk).status == "shipped":
                    order_receipt_confirm(order_id=received.pk, actor=None)
        # 2. On its way: both suppliers shipped, tracking visible to everyone.
        shipping = _order(
            dealer,
            buyers[0],
            [(huaxin[1 % len(huaxin)], 1), (greenleaf[1 % len(greenleaf)], 3)],
            f"demo-{slug}-2",
            payment_method=PaymentMethod.ON_ACCOUNT,
        )
        if shipping is not None:
            made += 1
            _confirm_and_ship(dealer, shipping, ship=True, tracking_prefix=f"SFDEMO{dealer.pk}2")
        # 3. Just placed: waiting for the suppliers to confirm.
        placed = _order(
            dealer, buyers[-1], [(huaxin[0], 1)], f"demo-{slug}-3", channel=OrderChannel.STOREFRONT
        )
        if placed is not None:
            made += 1
        counts[slug] = made
    connection.set_schema_to_public()
    return counts
