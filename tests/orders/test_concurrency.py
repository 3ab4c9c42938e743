"""Checkouts racing each other on real PostgreSQL: no oversell, one order per key, no deadlock.

These tests commit (threads must see each other's rows), so they run on tenants of their own,
made for the module and removed afterwards with everything they led to.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from catalog.models import DealerAuthorisation, SupplyOffer
from orders.models import Order
from orders.workflow.checkout import CheckoutError, order_place
from routing.models import OrderRoute
from supplychain.models import StockLevel, Warehouse
from tenants.models import Tenant, TenantApplication
from tests.builders import buyer_make, tenant_build
from tests.orders.builders import checkout_request, shop_build
from tests.tenants.conftest import application_purge

THREADS = 12


@pytest.fixture(scope="module")
def race(django_db_setup, django_db_blocker):
    """Two suppliers and a dealer of their own, a phone of each listed, twelve buyers."""
    suffix = uuid.uuid4().hex[:5]
    with django_db_blocker.unblock():
        suppliers = [
            tenant_build(slug=f"race-s{n}-{suffix}", tenant_type="supplier") for n in (1, 2)
        ]
        dealer = tenant_build(slug=f"race-d-{suffix}", tenant_type="dealer")
        skus = shop_build(dealer, suppliers, stock=1000, prefix="RACE")
        buyers = [
            buyer_make(dealer, email=f"racer{n}@race.test", company_name=f"Racer {n}")
            for n in range(THREADS)
        ]
        connection.set_schema_to_public()
        yield {"dealer": dealer, "suppliers": suppliers, "skus": skus, "buyers": buyers}
        connection.set_schema_to_public()
        tenants = [dealer, *suppliers]
        OrderRoute.objects.filter(dealer=dealer).delete()
        SupplyOffer.objects.filter(supplier__in=suppliers).delete()
        DealerAuthorisation.objects.filter(dealer=dealer).delete()
        for tenant in tenants:
            for application in TenantApplication.objects.filter(tenant=tenant):
                application_purge(application.pk)
        Tenant.objects.filter(pk__in=[t.pk for t in tenants]).delete()


def _stock_set(supplier, offer_sku, quantities: list[int]) -> None:
    """The SKU's stock: these quantities in the first warehouses, nothing reserved (rows of
    earlier tests are zeroed, not deleted: their reservations point at them)."""
    with tenant_context(supplier):
        StockLevel.objects.filter(sku_id=offer_sku.sku_id).update(on_hand=0, reserved=0)
        for n, quantity in enumerate(quantities):
            warehouse, _ = Warehouse.objects.get_or_create(
                code=f"RACE{n}", defaults={"name": f"Race {n}"}
            )
            StockLevel.objects.update_or_create(
                sku_id=offer_sku.sku_id,
                warehouse=warehouse,
                defaults={"on_hand": quantity, "reserved": 0},
            )
    connection.set_schema_to_public()


def _stock_of(supplier, offer_sku) -> tuple[int, int]:
    with tenant_context(supplier):
        rows = list(StockLevel.objects.filter(sku_id=offer_sku.sku_id))
    connection.set_schema_to_public()
    return sum(r.on_hand for r in rows), sum(r.reserved for r in rows)


def _run(race, jobs, **checkout) -> list:
    """Run ``jobs`` [(buyer, items, key)] at once, one thread each (``checkout``: more fields
    of the checkout request); returns outcomes."""
    outcomes: list = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def work(index, buyer, items, key):
        try:
            with tenant_context(race["dealer"]):
                request = checkout_request(buyer, items, key=key, **checkout)
                barrier.wait(timeout=30)
                order, created = order_place(request)
                outcomes[index] = ("ok", order.pk, created)
        except CheckoutError as refused:
            outcomes[index] = ("refused", str(refused), refused.line_errors)
        except Exception as error:  # a deadlock or anything else fails the test below
            outcomes[index] = ("error", repr(error), None)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_a_hot_sku_is_never_oversold(race):
    supplier = race["suppliers"][0]
    hot = race["skus"][supplier.slug][0]
    _stock_set(supplier, hot, [4, 3])  # 7 units in two warehouses, 12 buyers want 1 each
    outcomes = _run(race, [(buyer, [(hot, 1)], uuid.uuid4().hex) for buyer in race["buyers"]])
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    sold = [o for o in outcomes if o[0] == "ok"]
    assert len(sold) == 7
    assert all(hot.pk in o[2] for o in outcomes if o[0] == "refused")
    assert _stock_of(supplier, hot) == (7, 7)  # reserved = sold = stock


def test_the_same_key_submitted_at_once_makes_one_order(race):
    supplier = race["suppliers"][1]
    sku = race["skus"][supplier.slug][0]
    _stock_set(supplier, sku, [100])
    buyer = race["buyers"][0]
    outcomes = _run(race, [(buyer, [(sku, 2)], "same-key-for-all-1") for _ in range(8)])
    assert {o[0] for o in outcomes} == {"ok"}, outcomes
    assert len({o[1] for o in outcomes}) == 1
    assert sum(1 for o in outcomes if o[2]) == 1  # one created, seven replays
    with tenant_context(race["dealer"]):
        assert Order.objects.filter(idempotency_key="same-key-for-all-1").count() == 1
    assert _stock_of(supplier, sku) == (100, 2)


def test_orders_locking_the_same_skus_in_opposite_order_do_not_deadlock(race):
    first, second = race["suppliers"]
    x, y = race["skus"][first.slug][:2]
    z = race["skus"][second.slug][0]
    for supplier, sku in ((first, x), (first, y), (second, z)):
        _stock_set(supplier, sku, [500])
    jobs = []
    for n, buyer in enumerate(race["buyers"]):
        items = [(x, 1), (y, 1), (z, 1)] if n % 2 else [(z, 1), (y, 1), (x, 1)]
        jobs.append((buyer, items, uuid.uuid4().hex))
    outcomes = _run(race, jobs)
    assert [o[0] for o in outcomes] == ["ok"] * len(jobs), outcomes
    assert _stock_of(first, x) == (500, THREADS)
    assert _stock_of(first, y) == (500, THREADS)
    assert _stock_of(second, z) == (500, THREADS)


def test_two_buyers_of_one_company_cannot_both_spend_its_last_credit(race, django_db_blocker):
    """Each order fits in the credit limit; both together do not: one is placed, one refused."""
    from decimal import Decimal

    from buyers.models import Buyer, BuyerCompany
    from orders.quote import quote_build

    supplier = race["suppliers"][1]
    sku = race["skus"][supplier.slug][1]
    _stock_set(supplier, sku, [100])
    first, second = race["buyers"][:2]
    with django_db_blocker.unblock(), tenant_context(race["dealer"]):
        quote = quote_build(dealer_id=race["dealer"].pk, items=[(sku.pk, 1)])
        one_order = quote.goods_total + Decimal("12.00")  # the shop's shipping fee
        company = Buyer.objects.get(user=first).company
        BuyerCompany.objects.filter(pk=company.pk).update(
            on_account=True, credit_limit=one_order * Decimal("1.5")
        )
        Buyer.objects.filter(user=second).update(company=company)  # a colleague
    connection.set_schema_to_public()
    jobs = [(buyer, [(sku, 1)], uuid.uuid4().hex) for buyer in (first, second)]

    outcomes = _run(race, jobs, payment_method="on_account")
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"], outcomes
    refusal = next(o[1] for o in outcomes if o[0] == "refused")
    assert f"{one_order * Decimal('0.5'):,.2f}" in refusal  # the credit the first one left
    assert _stock_of(supplier, sku) == (100, 1)
