"""A buyer registers on a dealer's storefront, orders, and follows the parcel — in a browser.

The journey runs on a supplier and a dealer of its own (made for the module, removed with
everything they led to afterwards): the supplier's phone is published and listed by the
dealer. In Chromium, a new buyer registers, opens the verification link from the email, adds a
shipping address, finds the phone, adds it to the cart, checks out by bank transfer and sees
the order. The supplier then confirms and ships it (the supplier's own service, as its
backoffice page would), a tracking event arrives, and the buyer sees the parcel's carrier,
tracking number and event on the order page.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

pytestmark = [pytest.mark.browser]

BUYER_EMAIL = "browser-buyer@order-journey.test"
PASSWORD = "Order-journey-pass-2024"


@pytest.fixture(scope="module")
def shop(committed_db):
    from catalog.models import SupplyOffer
    from routing.models import OrderRoute, RouteLine, ShipmentTrack
    from settlement.models import BuyerSignup
    from tenants.models import Tenant, TenantApplication
    from tests.builders import tenant_build
    from tests.orders.builders import shop_build
    from tests.tenants.conftest import application_purge

    suffix = uuid.uuid4().hex[:5]
    supplier = tenant_build(slug=f"brw-sup-{suffix}", tenant_type="supplier")
    dealer = tenant_build(slug=f"brw-shop-{suffix}", tenant_type="dealer")
    skus = shop_build(dealer, [supplier], stock=30, prefix="BRWORD")[supplier.slug]
    connection.set_schema_to_public()
    yield {"supplier": supplier, "dealer": dealer, "sku": skus[0]}
    connection.set_schema_to_public()
    routes = OrderRoute.objects.filter(dealer=dealer)
    ShipmentTrack.objects.filter(route__in=routes).delete()
    RouteLine.objects.filter(route__in=routes).delete()
    routes.delete()
    BuyerSignup.objects.filter(dealer_id=dealer.pk).delete()
    SupplyOffer.objects.filter(supplier=supplier).delete()
    for tenant in (dealer, supplier):
        for application in TenantApplication.objects.filter(tenant=tenant):
            application_purge(application.pk)
    Tenant.objects.filter(pk__in=[dealer.pk, supplier.pk]).delete()


def test_a_buyer_registers_orders_and_follows_the_parcel(live_site, new_page, shop):
    from fulfilment.models import SupplierOrder
    from orders.models import Order
    from orders.workflow.fulfilment import (
        shipment_create,
        supplier_order_confirm,
        tracking_event_add,
    )

    dealer, supplier, sku = shop["dealer"], shop["supplier"], shop["sku"]
    store = live_site.tenant_url(dealer.slug)
    mail.outbox = []
    page = new_page()

    # Register.
    page.goto(f"{store}/account/register/")
    page.fill("input[name=company_name]", "浏览器采购公司 Browser Buyers")
    page.fill("input[name=full_name]", "李采购")
    page.fill("input[name=email]", BUYER_EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_confirm]", PASSWORD)
    page.click("form:has(input[name=company_name]) button[type=submit]")
    page.wait_for_load_state()
    verification = next(m for m in mail.outbox if BUYER_EMAIL in m.to)
    link = re.search(r"https?://\S+/account/verify/\S+", verification.body).group(0)
    page.goto(
        link.replace(
            f"{dealer.slug}.localhost:{live_site.port}", f"{dealer.slug}.localhost:{live_site.port}"
        )
    )
    page.wait_for_load_state()

    # An address for the parcel.
    page.goto(f"{store}/account/addresses/create/")
    for name, value in {
        "recipient": "李采购",
        "phone": "13900001111",
        "province": "浙江省",
        "city": "杭州市",
        "street": "文三路 90 号",
    }.items():
        page.fill(f"input[name={name}]", value)
    page.click("form:has(input[name=recipient]) button[type=submit]")
    page.wait_for_load_state()

    # Find the phone, add it to the cart, check out.
    page.goto(f"{store}/p/{sku.offer_id}/")
    page.select_option("#add-to-cart-sku", str(sku.pk))
    page.fill("#add-to-cart-quantity", "2")
    page.click("form.add-to-cart button[type=submit]")
    page.wait_for_selector("#add-to-cart-result >> text=/cart/i")
    page.goto(f"{store}/cart/")
    assert sku.code in page.content()
    page.goto(f"{store}/checkout/")
    page.check("input[name=payment_method][value=bank_transfer]")
    page.click("button:has-text('Place order')")
    page.wait_for_url(re.compile(r"/orders/\d+/"))
    assert "Awaiting supplier confirmation" in page.content()

    with tenant_context(dealer):
        order = Order.objects.get(buyer__email=BUYER_EMAIL)
        split = order.splits.get()
    assert order.number in page.content()

    # The supplier confirms and ships; the carrier reports the parcel on its way.
    with tenant_context(supplier):
        supplier_order = SupplierOrder.objects.get(pk=split.supplier_order_id)
        supplier_order_confirm(
            supplier_order_id=supplier_order.pk,
            actor=None,
            promised_ship_date=timezone.localdate(),
        )
        shipment = shipment_create(
            supplier_order_id=supplier_order.pk,
            actor=None,
            carrier_code="sf",
            tracking_number="SFBROWSER0001",
            lines={line.pk: line.quantity for line in supplier_order.lines.all()},
        )
        tracking_event_add(
            supplier_id=supplier.pk,
            track_id=shipment.track_id,
            occurred_at=timezone.now(),
            location="杭州转运中心 Hangzhou hub",
            status="in_transit",
            description="Parcel left the hub",
            actor=None,
        )
    connection.set_schema_to_public()

    # The buyer follows it on the order page.
    page.goto(f"{store}/orders/")
    page.click(f"text={order.number}")
    page.wait_for_url(re.compile(rf"/orders/{order.pk}/"))
    content = page.content()
    assert "SFBROWSER0001" in content
    assert "Hangzhou hub" in content
    assert "Shipped" in content
