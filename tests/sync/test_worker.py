"""Inventory sync through a REAL Celery worker, on committed data.

A stock change committed in a supplier's schema reaches the supply catalogue (public schema)
after the debounced task runs; a burst of changes costs one or a few runs. Everything these
tests create is removed afterwards.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from celery.signals import task_postrun
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Notification, Role, User
from catalog.models import Category, CategorySpec, OfferAudience, SupplyOffer
from catalog.seed import category_tree_seed
from suppliers import publishing
from suppliers.models import Product
from supplychain.api.tokens import api_token_create
from supplychain.models import ApiToken, StockLevel, StockSyncBatch, Warehouse
from supplychain.services import stock_set
from tenants.models import Tenant
from tests.suppliers.builders import phone_build, warehouse_build

pytestmark = pytest.mark.worker

TIMEOUT = 20.0


def _wait_for(condition, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return condition()


def _available(supplier, product_id) -> int | None:
    connection.set_schema_to_public()
    return (
        SupplyOffer.objects.filter(supplier=supplier, product_id=product_id)
        .values_list("available", flat=True)
        .first()
    )


@pytest.fixture
def published(committed_db, celery_worker_session):
    """acme with a published, listed phone (one SKU) in warehouse WK01; all removed afterwards."""
    supplier = Tenant.objects.get(slug="acme")
    seeded = not Category.objects.exists()
    category_tree_seed()
    with tenant_context(supplier):
        last_audit = AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
        last_note = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0
        owner = User.objects.create_user(email="worker-owner@acme.test", role=Role.OWNER)
        warehouse = warehouse_build(code="WK01", name="测试仓")
        product = phone_build(code="WORKER", skus=1, listed=True)
        sku = product.skus.get()
        stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=1)
        publishing.product_publish(actor=None, product=product, audience=OfferAudience.ALL_DEALERS)
    connection.set_schema_to_public()
    try:
        yield {
            "supplier": supplier,
            "product": product,
            "sku": sku,
            "warehouse": warehouse,
            "owner": owner,
        }
    finally:
        connection.set_schema_to_public()
        SupplyOffer.objects.filter(supplier=supplier, product_id=product.pk).delete()
        with tenant_context(supplier):
            StockSyncBatch.objects.all().delete()
            ApiToken.objects.all().delete()
            StockLevel.objects.filter(warehouse=warehouse).delete()
            Product.objects.filter(pk=product.pk).delete()
            Warehouse.objects.filter(pk=warehouse.pk).delete()
            Notification.objects.filter(id__gt=last_note).delete()
            AuditLog.objects.filter(id__gt=last_audit).delete()
            User.objects.filter(pk=owner.pk).delete()
        connection.set_schema_to_public()
        if seeded:
            CategorySpec.objects.all().delete()
            for level in (3, 2, 1):
                Category.objects.filter(level=level).delete()
        client = publishing._redis()
        products_key, skus_key, flag = publishing._keys(supplier.pk)
        for key in [
            products_key,
            skus_key,
            flag,
            *client.scan_iter(match=f"{products_key}:*"),
            *client.scan_iter(match=f"{skus_key}:*"),
        ]:
            client.delete(key)


@pytest.fixture
def sync_runs(published):
    """The offer-sync task runs of acme seen by the worker, as they finish."""
    runs: list[float] = []
    lock = threading.Lock()
    tenant_id = published["supplier"].pk

    def on_postrun(sender=None, kwargs=None, **_extra):
        if (
            getattr(sender, "name", "") == "suppliers.offer_sync"
            and (kwargs or {}).get("tenant_id") == tenant_id
        ):
            with lock:
                runs.append(time.monotonic())

    task_postrun.connect(on_postrun, weak=False)
    yield runs
    task_postrun.disconnect(on_postrun)


def test_an_erp_stock_update_reaches_the_supply_catalogue_through_the_worker(published):
    supplier, product = published["supplier"], published["product"]
    assert _available(supplier, product.pk) == 1
    with tenant_context(supplier):
        _token, key = api_token_create(actor=published["owner"], name="worker test")
    connection.set_schema_to_public()
    response = Client(HTTP_HOST=supplier.host).post(
        "/api/v1/stock-sync/",
        json.dumps(
            {
                "sync_id": "worker-1",
                "items": [{"sku": "WORKER-1", "warehouse": "WK01", "on_hand": 42}],
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 201, response.content
    assert _wait_for(lambda: _available(supplier, product.pk) == 42), _available(
        supplier, product.pk
    )
    products_key, skus_key, _flag = publishing._keys(supplier.pk)
    assert _wait_for(lambda: not publishing._redis().exists(products_key, skus_key))


def test_a_burst_of_50_stock_changes_costs_few_sync_runs_and_ends_right(published, sync_runs):
    supplier, product = published["supplier"], published["product"]
    sku, warehouse = published["sku"], published["warehouse"]
    version_before = SupplyOffer.objects.get(supplier=supplier, product_id=product.pk).version
    with tenant_context(supplier):
        for quantity in range(100, 150):  # 50 committed changes, one after the other
            stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=quantity)
    assert _wait_for(lambda: _available(supplier, product.pk) == 149), _available(
        supplier, product.pk
    )
    time.sleep(2 * publishing.SYNC_DEBOUNCE_SECONDS + 0.5)  # let any trailing run finish
    assert 1 <= len(sync_runs) <= 5, f"{len(sync_runs)} sync runs for 50 changes"
    offer = SupplyOffer.objects.get(supplier=supplier, product_id=product.pk)
    assert offer.available == 149
    assert offer.version - version_before <= len(sync_runs)


def test_the_same_sync_id_sent_twice_at_once_is_applied_once(published):
    """Two ERP requests with one sync id, racing: one applies, the other answers "duplicate"."""
    supplier = published["supplier"]
    items = [{"sku": "WORKER-1", "warehouse": "WK01", "on_hand": 77}]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def send():
        from django.db import connections

        from supplychain import sync

        try:
            with tenant_context(supplier):
                barrier.wait(timeout=10)
                results.append(sync.stock_sync_apply(sync_id="worker-race", items=items))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(result.duplicate for result in results) == [False, True]
    with tenant_context(supplier):
        assert StockSyncBatch.objects.filter(sync_id="worker-race").count() == 1
        assert (
            AuditLog.objects.filter(action="stock.synced", data__sync_id="worker-race").count() == 1
        )
        assert (
            StockLevel.objects.get(sku=published["sku"], warehouse=published["warehouse"]).on_hand
            == 77
        )
