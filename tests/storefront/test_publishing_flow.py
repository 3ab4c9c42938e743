"""The whole way through the real services: a supplier's product, published by
suppliers.publishing, listed by a dealer, found by a guest; the supplier's later changes (stock,
withdrawal) reach the storefront on the next request."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from suppliers import publishing
from suppliers.models import Product
from supplychain.services import stock_set
from tests.storefront.builders import listing_build, offer_publish
from tests.suppliers.builders import warehouse_build

pytestmark = pytest.mark.usefixtures("categories")


def _stock_badge(html: str) -> str:
    return re.search(r'<p class="product-stock">\s*(<span class="badge[^"]*">[^<]+)', html)[1]


def test_published_listed_found_then_changed_and_withdrawn(
    supplier_a, dealer, dealer_b, host_client
):
    offer = offer_publish(supplier_a, code="FLOW-1", name="流程测试 智能手机 Flow phone", stock=50)
    listing_build(dealer, offer)
    guest = host_client(dealer)

    found = guest.get("/search/", {"q": "手机"}).content.decode()
    assert "流程测试 智能手机 Flow phone" in found
    assert "流程测试" not in host_client(dealer_b).get("/search/", {"q": "手机"}).content.decode()
    page = guest.get(f"/p/{offer.pk}/").content.decode()
    assert "In stock" in _stock_badge(page)

    # The supplier's stock drops to 3 on every SKU; the sync carries it to the catalogue.
    with tenant_context(supplier_a):
        product = Product.objects.get(code="FLOW-1")
        for sku in product.skus.all():
            stock_set(actor=None, sku=sku, warehouse=warehouse_build(), on_hand=3)
        publishing.offer_sync_now(product_ids=[product.pk])
    connection.set_schema_to_public()
    assert "Low stock: 3 left" in guest.get(f"/p/{offer.pk}/").content.decode()

    # The supplier withdraws it: off the storefront at once.
    with tenant_context(supplier_a):
        publishing.product_withdraw(actor=None, product=Product.objects.get(code="FLOW-1"))
    connection.set_schema_to_public()
    assert guest.get(f"/p/{offer.pk}/").status_code == 404
    assert "流程测试" not in guest.get("/search/", {"q": "手机"}).content.decode()
