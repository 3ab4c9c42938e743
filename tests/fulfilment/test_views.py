"""The supplier's order pages: list, export, detail, and the actions through their forms."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role
from fulfilment.models import Shipment, SupplierOrder
from orders.models import SplitStatus
from tests.fulfilment.builders import order_build, stock_of

TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()


def test_list_filters_by_status_and_search_in_pinned_queries(
    supplier_a, dealer, staff_client, django_assert_max_num_queries
):
    first = order_build(supplier=supplier_a, dealer=dealer, buyer_company="Alpha 采购")
    second = order_build(supplier=supplier_a, dealer=dealer, buyer_company="Bravo 采购")
    for _ in range(3):
        order_build(supplier=supplier_a, dealer=dealer)
    with django_assert_max_num_queries(12):
        page = staff_client.get("/orders/").content.decode()
    assert first.number in page and second.number in page
    found = staff_client.get("/orders/", {"q": "bravo"}).content.decode()
    assert second.number in found and first.number not in found
    with tenant_context(supplier_a):
        SupplierOrder.objects.filter(pk=first.supplier_order_id).update(status="confirmed")
    confirmed = staff_client.get("/orders/", {"status": "confirmed"}).content.decode()
    assert first.number in confirmed and second.number not in confirmed


def test_export_is_the_filtered_list_as_csv_for_excel(supplier_a, dealer, staff_client):
    wanted = order_build(supplier=supplier_a, dealer=dealer, buyer_company="导出 采购")
    other = order_build(supplier=supplier_a, dealer=dealer, buyer_company="Other Co")
    response = staff_client.get("/orders/export/", {"q": "导出"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert wanted.number in text and "导出 采购" in text and other.number not in text


def test_detail_shows_only_this_suppliers_part_of_the_order(
    supplier_a, supplier_b, dealer, staff_client
):
    ours = order_build(supplier=supplier_a, dealer=dealer)
    theirs = order_build(supplier=supplier_b, dealer=dealer, attach_to=ours)
    page = staff_client.get(f"/orders/{ours.supplier_order_id}/").content.decode()
    assert ours.number in page and ours.dealer_order_number in page
    with tenant_context(supplier_a):
        our_code = SupplierOrder.objects.get(pk=ours.supplier_order_id).lines.get().sku_code
    with tenant_context(supplier_b):
        their_code = SupplierOrder.objects.get(pk=theirs.supplier_order_id).lines.get().sku_code
    assert our_code in page and their_code not in page
    assert "仓库 SH01: 3 held, 0 shipped" in page


def test_confirm_through_the_form_and_a_doubled_post_confirms_once(
    supplier_a, dealer, staff_client
):
    built = order_build(supplier=supplier_a, dealer=dealer)
    url = f"/orders/{built.supplier_order_id}/confirm/"
    assert staff_client.post(url, {"promised_ship_date": TOMORROW}).status_code == 302
    again = staff_client.post(url, {"promised_ship_date": TOMORROW})
    assert again.status_code == 400
    assert "cannot become “Confirmed”" in again.content.decode()
    with tenant_context(supplier_a):
        from fulfilment.models import StatusChange

        assert (
            StatusChange.objects.filter(
                subject_id=built.supplier_order_id, to_status=SplitStatus.CONFIRMED
            ).count()
            == 1
        )
    past = (timezone.localdate() - timedelta(days=2)).isoformat()
    other = order_build(supplier=supplier_a, dealer=dealer)
    refused = staff_client.post(
        f"/orders/{other.supplier_order_id}/confirm/", {"promised_ship_date": past}
    )
    assert refused.status_code == 400 and "cannot be in the past" in refused.content.decode()


def test_reject_through_the_form_needs_a_reason(supplier_a, dealer, staff_client):
    built = order_build(supplier=supplier_a, dealer=dealer)
    url = f"/orders/{built.supplier_order_id}/reject/"
    assert staff_client.post(url, {"reason": ""}).status_code == 400
    assert stock_of(supplier_a, built.holds[0][0][0]) == (10, 3)
    assert staff_client.post(url, {"reason": "缺货"}).status_code == 302
    assert stock_of(supplier_a, built.holds[0][0][0]) == (10, 0)


def test_ship_through_the_form_and_a_doubled_submit_ships_once(supplier_a, dealer, staff_client):
    built = order_build(supplier=supplier_a, dealer=dealer, lines=[[("SH01", 10, 4)]])
    staff_client.post(
        f"/orders/{built.supplier_order_id}/confirm/", {"promised_ship_date": TOMORROW}
    )
    url = f"/orders/{built.supplier_order_id}/shipments/create/"
    form = staff_client.get(url).content.decode()
    assert f'name="line_{built.supplier_line_ids[0]}"' in form and "SF Express" in form
    data = {
        "carrier": "sf",
        "tracking_number": "SF-VIEW-1",
        f"line_{built.supplier_line_ids[0]}": "2",
    }
    assert staff_client.post(url, data).status_code == 302
    doubled = staff_client.post(url, data)
    assert doubled.status_code == 400 and "already recorded" in doubled.content.decode()
    assert stock_of(supplier_a, built.holds[0][0][0]) == (8, 2)
    with tenant_context(supplier_a):
        assert Shipment.objects.filter(order_id=built.supplier_order_id).count() == 1
    detail = staff_client.get(f"/orders/{built.supplier_order_id}/").content.decode()
    assert "SF-VIEW-1" in detail and "Collected" in detail
    too_many = dict(
        data, tracking_number="SF-VIEW-2", **{f"line_{built.supplier_line_ids[0]}": "3"}
    )
    assert staff_client.post(url, too_many).status_code == 400


def test_tracking_event_through_the_form(supplier_a, dealer, staff_client):
    built = order_build(supplier=supplier_a, dealer=dealer)
    staff_client.post(
        f"/orders/{built.supplier_order_id}/confirm/", {"promised_ship_date": TOMORROW}
    )
    staff_client.post(
        f"/orders/{built.supplier_order_id}/shipments/create/",
        {"carrier": "sf", "tracking_number": "SF-EV", f"line_{built.supplier_line_ids[0]}": "3"},
    )
    with tenant_context(supplier_a):
        track_id = Shipment.objects.get(order_id=built.supplier_order_id).track_id
    response = staff_client.post(
        f"/orders/{built.supplier_order_id}/tracking/",
        {
            "track": track_id,
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "status": "out_for_delivery",
            "location": "杭州西湖区",
            "description": "派送中",
        },
    )
    assert response.status_code == 302
    detail = staff_client.get(f"/orders/{built.supplier_order_id}/").content.decode()
    assert "杭州西湖区" in detail and "Out for delivery" in detail


def test_another_supplier_cannot_see_confirm_or_ship_acmes_order(
    supplier_a, supplier_b, dealer, tenant_user, host_client
):
    from tests.test_isolation import pk_unused_elsewhere

    with tenant_context(supplier_a):
        pk_unused_elsewhere(SupplierOrder)  # the id exists at acme only
    built = order_build(supplier=supplier_a, dealer=dealer)
    beta_owner = tenant_user(supplier_b, email="boss-fulfilment@beta.test", role=Role.OWNER)
    client = host_client(supplier_b)
    with tenant_context(supplier_b):
        client.force_login(beta_owner)
    assert built.number not in client.get("/orders/").content.decode()
    pk = built.supplier_order_id
    with tenant_context(supplier_b):
        assert not SupplierOrder.objects.filter(pk=pk).exists()
    assert client.get(f"/orders/{pk}/").status_code == 404
    assert (
        client.post(f"/orders/{pk}/confirm/", {"promised_ship_date": TOMORROW}).status_code == 404
    )
    assert (
        client.post(
            f"/orders/{pk}/shipments/create/", {"carrier": "sf", "tracking_number": "X"}
        ).status_code
        == 404
    )
    with tenant_context(supplier_a):
        assert SupplierOrder.objects.get(pk=pk).status == SplitStatus.PENDING


def test_sign_in_required(supplier_a, host_client):
    response = host_client(supplier_a).get("/orders/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
