"""Low-stock alerts: once per crossing, cleared on recovery, to owners and managers."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from accounts.models import Notification, Role, User
from supplychain import sync
from supplychain.alerts import low_stock_email_send
from supplychain.models import LowStockAlert, StockLevel
from supplychain.services import stock_adjust, stock_set
from supplychain.sync import stock_changed
from tests.suppliers.builders import phone_build, warehouse_build


@pytest.fixture
def phone_in_shanghai(supplier_a, categories, acme_team):
    """acme's SKU A-1-1 in SH01 with a safety stock of 5 and 10 on hand (not low)."""
    with tenant_context(supplier_a):
        sku = phone_build(code="A-1", skus=1).skus.get()
        warehouse = warehouse_build(code="SH01")
        stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=10, safety_stock=5)
    return sku, warehouse


def _notified(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="stock.low"))


def test_an_alert_fires_once_per_crossing_and_clears_when_stock_recovers(
    supplier_a, phone_in_shanghai, acme_team
):
    sku, warehouse = phone_in_shanghai
    owner, manager, staff = acme_team[Role.OWNER], acme_team[Role.MANAGER], acme_team[Role.STAFF]
    with tenant_context(supplier_a):
        assert not LowStockAlert.objects.exists()

        stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=4)  # crosses the line
        (alert,) = LowStockAlert.objects.all()
        assert (alert.available, alert.safety_stock, alert.cleared_at) == (4, 5, None)
        for person in (owner, manager):
            (note,) = _notified(person)
            assert note.title == "Low stock: A-1-1 in 上海仓"
            assert "4 available, safety stock 5" in note.body
            assert note.link == f"/warehouses/{warehouse.pk}/stock/?q=A-1-1&low=on"
        assert _notified(staff) == []

        for _sale in range(3):  # more sales below the line: no new alert, no new notification
            stock_adjust(actor=None, sku=sku, warehouse=warehouse, delta=-1, reason="sale")
        assert LowStockAlert.objects.count() == 1 and len(_notified(owner)) == 1

        stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=20)  # goods received
        alert.refresh_from_db()
        assert alert.cleared_at is not None and alert.cleared_available == 20

        stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=5)  # at the line again
        assert LowStockAlert.objects.count() == 2
        assert LowStockAlert.objects.filter(cleared_at__isnull=True).count() == 1
        assert len(_notified(owner)) == 2


def test_reservations_count_and_an_inactive_warehouse_never_alerts(supplier_a, phone_in_shanghai):
    sku, warehouse = phone_in_shanghai
    with tenant_context(supplier_a):
        # An order holds 6 of the 10 units: 4 available (the order flow then calls stock_changed).
        level = StockLevel.objects.get(sku=sku, warehouse=warehouse)
        StockLevel.objects.filter(pk=level.pk).update(reserved=6)
        stock_changed(stock_level_ids=[level.pk], sku_ids=[sku.pk])
        assert LowStockAlert.objects.filter(cleared_at__isnull=True).count() == 1

        closed = warehouse_build(code="GZ01", name="广州仓")
        from supplychain.services import warehouse_update

        warehouse_update(actor=None, warehouse=closed, is_active=False)
        stock_set(actor=None, sku=sku, warehouse=closed, on_hand=0, safety_stock=10)
        assert not LowStockAlert.objects.filter(stock_level__warehouse=closed).exists()
        # Without a safety stock nothing is ever low.
        stock_set(actor=None, sku=sku, warehouse=warehouse, safety_stock=0)
        assert not LowStockAlert.objects.filter(cleared_at__isnull=True).exists()


def test_the_alert_email_goes_to_owners_and_managers_once(
    supplier_a, phone_in_shanghai, acme_team, mailoutbox
):
    sku, warehouse = phone_in_shanghai
    with tenant_context(supplier_a):
        stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=2)
        alert_ids = list(LowStockAlert.objects.values_list("pk", flat=True))
        assert low_stock_email_send(alert_ids=alert_ids) == 3
        assert low_stock_email_send(alert_ids=alert_ids) == 0  # a task run twice mails once
    with tenant_context(supplier_a):
        # The owner provisioned with the tenant, and the test's owner and manager; no staff.
        expected = sorted(
            User.objects.filter(role__in=[Role.OWNER, Role.MANAGER]).values_list("email", flat=True)
        )
    assert sorted(message.to[0] for message in mailoutbox) == expected
    assert acme_team[Role.MANAGER].email in expected
    assert acme_team[Role.STAFF].email not in expected
    message = mail.outbox[0]
    assert "Low stock at" in message.subject and supplier_a.name in message.subject
    assert "A-1-1" in message.body and "上海仓" in message.body
    assert "2 available, safety stock 5" in message.body
    assert f"{supplier_a.base_url}/warehouses/{warehouse.pk}/stock/" in message.body


def test_an_erp_batch_evaluates_alerts_set_based_and_summarises_many(
    supplier_a, categories, acme_team
):
    with tenant_context(supplier_a):
        warehouse = warehouse_build(code="SH01")
        skus = [sku for i in range(8) for sku in phone_build(code=f"M-{i}", skus=5).skus.all()]
        sync.stock_sync_apply(
            sync_id="safety-setup",
            items=[{"sku": s.code, "warehouse": "SH01", "on_hand": 50} for s in skus],
        )
        StockLevel.objects.filter(warehouse=warehouse).update(safety_stock=10)

        def statements(sync_id, rows):
            items = [
                {"sku": s.code, "warehouse": "SH01", "on_hand": 3 if i % 2 else 30}
                for i, s in enumerate(rows)
            ]
            with CaptureQueriesContext(connection) as queries:
                sync.stock_sync_apply(sync_id=sync_id, items=items)
            return len(queries)

        # The same statements for 38 rows (19 falling low) as for 2 (1 falling low): set-based.
        assert statements("erp-few", skus[:2]) == statements("erp-many", skus[2:])
        assert LowStockAlert.objects.filter(cleared_at__isnull=True).count() == 1 + 19
        # One notification for the single alert, one summary for the 19.
        notes = {note.title: note for note in _notified(acme_team[Role.OWNER])}
        assert set(notes) == {
            f"Low stock: {skus[1].code} in 上海仓",
            "19 low-stock alerts: stock fell to or below the safety stock",
        }
        assert (
            notes["19 low-stock alerts: stock fell to or below the safety stock"].link
            == "/stock-alerts/"
        )


def test_the_alert_page_lists_open_alerts(supplier_a, phone_in_shanghai, signed_in):
    sku, warehouse = phone_in_shanghai
    with tenant_context(supplier_a):
        stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=1)
    client = signed_in(supplier_a, Role.STAFF)
    page = client.get("/stock-alerts/").content.decode()
    assert "A-1-1" in page and "Still low" in page
    with tenant_context(supplier_a):
        stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=50)
    assert "A-1-1" not in client.get("/stock-alerts/").content.decode()
    assert "A-1-1" in client.get("/stock-alerts/?state=all").content.decode()
