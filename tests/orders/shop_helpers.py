"""Fixtures and helpers of the storefront order tests (cart, checkout, payments, orders)."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from orders.models import CartLine, Order
from tests.accounts.helpers import signed_in


@pytest.fixture
def buyer_client(dealer, buyer, host_client):
    """The buyer signed in at delta's domain, pages in English."""
    client = host_client(dealer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return signed_in(client, dealer, buyer)


def client_for(dealer, user, host_client):
    client = host_client(dealer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return signed_in(client, dealer, user)


def cart_of(dealer, user) -> dict[int, int]:
    with tenant_context(dealer):
        cart = dict(
            CartLine.objects.filter(user_id=user.pk).values_list("offer_sku_id", "quantity")
        )
    connection.set_schema_to_public()
    return cart


def cart_put(dealer, user, items) -> None:
    """Put ``items`` [(SupplyOfferSku, quantity)] in the user's cart through the service."""
    from orders.cart import cart_add

    with tenant_context(dealer):
        for sku, quantity in items:
            cart_add(user=user, dealer_id=dealer.pk, offer_sku_id=sku.pk, quantity=quantity)
    connection.set_schema_to_public()


def orders_of(dealer, **filters) -> list[Order]:
    with tenant_context(dealer):
        orders = list(Order.objects.filter(**filters).order_by("pk"))
    connection.set_schema_to_public()
    return orders


def offer_made(supplier, *, name: str, code: str, skus=None, listed_by=None):
    """A quick public offer (tests.storefront.builders.offer_build), listed by ``listed_by``."""
    from catalog.seed import category_tree_seed
    from tests.storefront.builders import listing_build, offer_build

    category_tree_seed()
    offer = offer_build(supplier=supplier, name=name, code=code, skus=skus)
    if listed_by is not None:
        listing_build(listed_by, offer)
    return offer
