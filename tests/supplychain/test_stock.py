"""Warehouses and stock: the database constraints, the services and the pages."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role
from supplychain.models import StockLevel, Warehouse
from supplychain.services import (
    StockEntry,
    StockError,
    stock_adjust,
    stock_bulk_set,
    stock_bulk_update,
    stock_set,
)
from tests.suppliers.builders import phone_build, warehouse_build


def test_the_database_keeps_available_stock_from_going_negative(supplier_a, categories):
    with tenant_context(supplier_a):
        sku = phone_build().skus.first()
        warehouse = warehouse_build()
        level = stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=5)
        with pytest.raises(IntegrityError), transaction.atomic():
            StockLevel.objects.filter(pk=level.pk).update(reserved=6)  # reserved > on hand
        with pytest.raises(IntegrityError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE supplychain_stocklevel SET on_hand = -1, reserved = -1 WHERE id = %s",
                    [level.pk],
                )
        with pytest.raises(IntegrityError), transaction.atomic():
            StockLevel.objects.create(sku=sku, warehouse=warehouse)  # one row per SKU+warehouse
        # The order flow's conditional reservation: only succeeds while enough is available.
        reserved = StockLevel.objects.filter(pk=level.pk, on_hand__gte=3).update(reserved=3)
        assert reserved == 1
        level.refresh_from_db()
        assert (level.on_hand, level.reserved, level.available) == (5, 3, 2)


def test_on_hand_cannot_be_set_below_what_is_reserved(supplier_a, categories):
    with tenant_context(supplier_a):
        sku = phone_build().skus.first()
        warehouse = warehouse_build()
        stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=10)
        StockLevel.objects.filter(sku=sku).update(reserved=4)
        with pytest.raises(StockError) as refused:
            stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=3)
        assert "on hand (3) cannot be below the 4 units reserved" in refused.value.messages[0]
        with pytest.raises(StockError):
            stock_adjust(actor=None, sku=sku, warehouse=warehouse, delta=-7, reason="count")
        level = stock_adjust(actor=None, sku=sku, warehouse=warehouse, delta=-6, reason="count")
        assert (level.on_hand, level.available) == (4, 0)
        assert AuditLog.objects.filter(action="stock.adjusted").exists()


def test_a_bulk_stock_edit_is_all_or_nothing(supplier_a, categories):
    with tenant_context(supplier_a):
        first, second = list(phone_build().skus.order_by("pk"))
        warehouse = warehouse_build()
        stock_set(actor=None, sku=second, warehouse=warehouse, on_hand=8)
        StockLevel.objects.filter(sku=second).update(reserved=8)
        with pytest.raises(StockError) as refused:
            stock_bulk_update(
                actor=None,
                warehouse=warehouse,
                changes={
                    first.pk: {"on_hand": 50, "safety_stock": 5},
                    second.pk: {"on_hand": 7, "safety_stock": 0},
                },
            )
        assert list(refused.value.row_errors) == [(second.pk, warehouse.pk)]
        assert not StockLevel.objects.filter(sku=first).exists()  # not even the row was made
        with pytest.raises(StockError):
            stock_bulk_set(actor=None, entries=[StockEntry(first.pk, warehouse.pk, on_hand=-1)])
        assert (
            stock_bulk_update(
                actor=None,
                warehouse=warehouse,
                changes={first.pk: {"on_hand": 50, "safety_stock": 5}},
            )
            == 1
        )
        assert StockLevel.objects.get(sku=first).on_hand == 50
        record = AuditLog.objects.filter(action="stock.set").latest("id")
        assert record.data["changes"][0]["on_hand"] == [0, 50]


def test_a_manager_creates_and_edits_warehouses(supplier_a, signed_in):
    client = signed_in(supplier_a, Role.MANAGER)
    assert client.get("/warehouses/create/").status_code == 200
    response = client.post(
        "/warehouses/create/",
        {"code": "SZ01", "name": "深圳仓", "province": "广东", "city": "深圳", "is_active": "on"},
    )
    assert response.status_code == 302
    with tenant_context(supplier_a):
        warehouse = Warehouse.objects.get(code="SZ01")
    response = client.post(
        "/warehouses/create/", {"code": "SZ01", "name": "另一个", "is_active": "on"}
    )
    assert response.status_code == 400
    assert "Warehouse with this Warehouse code already exists" in response.content.decode()
    response = client.post(
        f"/warehouses/{warehouse.pk}/update/",
        {"code": "SZ01", "name": "深圳龙华仓", "city": "深圳"},
    )
    assert response.status_code == 302
    with tenant_context(supplier_a):
        warehouse.refresh_from_db()
        assert (warehouse.name, warehouse.is_active) == ("深圳龙华仓", False)
    page = client.get("/warehouses/")
    assert "深圳龙华仓" in page.content.decode()


def test_staff_edit_stock_but_not_warehouses(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.STAFF)
    with tenant_context(supplier_a):
        warehouse = warehouse_build()
        first, second = list(phone_build().skus.order_by("pk"))
        stock_set(actor=None, sku=second, warehouse=warehouse, on_hand=10)
        StockLevel.objects.filter(sku=second).update(reserved=6)
    assert client.get("/warehouses/").status_code == 200
    assert client.get("/warehouses/create/").status_code == 403
    assert client.get(f"/warehouses/{warehouse.pk}/update/").status_code == 403
    url = f"/warehouses/{warehouse.pk}/stock/"
    page = client.get(url)
    assert page.status_code == 200
    assert first.code in page.content.decode()

    def post(first_on_hand, second_on_hand):
        return client.post(
            url,
            {
                "stock-TOTAL_FORMS": "2",
                "stock-INITIAL_FORMS": "2",
                "stock-0-sku_id": str(first.pk),
                "stock-0-on_hand": str(first_on_hand),
                "stock-0-safety_stock": "3",
                "stock-1-sku_id": str(second.pk),
                "stock-1-on_hand": str(second_on_hand),
                "stock-1-safety_stock": "0",
            },
        )

    response = post(20, 5)
    assert response.status_code == 400
    assert "cannot be below the 6 units reserved" in response.content.decode()
    with tenant_context(supplier_a):
        assert not StockLevel.objects.filter(sku=first).exists()
    response = post(20, 9)
    assert response.status_code == 302
    with tenant_context(supplier_a):
        levels = {level.sku_id: level for level in StockLevel.objects.all()}
    assert (levels[first.pk].on_hand, levels[first.pk].safety_stock) == (20, 3)
    assert (levels[second.pk].on_hand, levels[second.pk].available) == (9, 3)
    low = client.get(f"{url}?low=on")  # second: 3 available, safety 0 → not low; first: 20 > 3
    assert low.context["page_obj"].paginator.count == 0


def test_low_stock_is_flagged(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.STAFF)
    with tenant_context(supplier_a):
        warehouse = warehouse_build()
        sku = phone_build().skus.first()
        stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=4, safety_stock=5)
    page = client.get(f"/warehouses/{warehouse.pk}/stock/?low=on")
    assert [s.code for s in page.context["page_obj"]] == [sku.code]
    assert "Low" in page.content.decode()
    listing = client.get("/warehouses/")
    assert listing.context["warehouses"][0].low_count == 1


def test_stock_and_warehouse_pages_have_a_fixed_query_count(
    supplier_a, categories, signed_in, django_assert_max_num_queries
):
    client = signed_in(supplier_a, Role.STAFF)
    with tenant_context(supplier_a):
        warehouses = [warehouse_build(code=f"W{i}", name=f"仓{i}") for i in range(5)]
        for index in range(12):
            for sku in phone_build(code=f"S-{index:02d}", skus=3).skus.all():
                stock_set(actor=None, sku=sku, warehouse=warehouses[0], on_hand=index)
    with django_assert_max_num_queries(8):  # 4 queries, each after SET search_path
        response = client.get("/warehouses/")
    assert len(response.context["warehouses"]) == 5
    # domain, session, user, warehouse, count, SKUs, their stock rows: 7 (+7 SET search_path)
    with django_assert_max_num_queries(14):
        response = client.get(f"/warehouses/{warehouses[0].pk}/stock/")
    assert len(response.context["rows"]) == 36


def test_concurrent_bulk_edits_lock_in_order_and_do_not_deadlock(committed_db):
    """Two edits touching the same rows in opposite orders both finish (rows locked by id).

    Runs on committed data with two real connections; removes everything it made.
    """
    from catalog.models import Category, CategorySpec
    from catalog.seed import category_tree_seed
    from suppliers.models import Product
    from tenants.models import Tenant

    supplier = Tenant.objects.get(slug="acme")
    seeded = not Category.objects.exists()
    category_tree_seed()
    with tenant_context(supplier):
        last_audit = AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
        warehouse = warehouse_build(code="CC01")
        skus = list(phone_build(code="CONC", skus=4).skus.order_by("pk"))
    errors = []
    barrier = threading.Barrier(2)

    def edit(order, quantity):
        from django.db import connections

        try:
            with tenant_context(supplier):
                barrier.wait(timeout=10)
                for _ in range(5):
                    stock_bulk_set(
                        actor=None,
                        entries=[
                            StockEntry(sku.pk, warehouse.pk, on_hand=quantity) for sku in order
                        ],
                    )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    try:
        threads = [
            threading.Thread(target=edit, args=(skus, 10)),
            threading.Thread(target=edit, args=(list(reversed(skus)), 20)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        with tenant_context(supplier):
            quantities = set(
                StockLevel.objects.filter(warehouse=warehouse).values_list("on_hand", flat=True)
            )
        assert quantities in ({10}, {20})  # each edit applied as a whole
    finally:
        with tenant_context(supplier):
            StockLevel.objects.filter(warehouse_id=warehouse.pk).delete()
            Warehouse.objects.filter(pk=warehouse.pk).delete()
            Product.objects.filter(code="CONC").delete()
            AuditLog.objects.filter(id__gt=last_audit).delete()
        if seeded:
            CategorySpec.objects.all().delete()
            for level in (3, 2, 1):
                Category.objects.filter(level=level).delete()
