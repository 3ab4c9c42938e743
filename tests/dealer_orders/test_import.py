"""The CSV import of orders: everything checked first, all or nothing, once per file."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from fulfilment.models import SupplierOrder
from orders.models import Order, OrderChannel, OrderLine
from tests.builders import buyer_make

IMPORT = "/backoffice/orders/import/"
HEADER = (
    "order_ref,buyer_email_or_mobile,sku,quantity,address_id,shipping_method,payment_method,note"
)


def _file(rows: list[str], name="orders.csv") -> SimpleUploadedFile:
    text = "\n".join([HEADER, *rows]) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def _rows(shop) -> list[str]:
    acme, beta = shop["acme"], shop["beta"]
    return [
        f"PO-1,purchaser@buyer-co.test,{acme[0].code},2,,,,第一单",
        f"PO-1,,{beta[0].code},1,,,,",
        f"PO-2,13900139000,{acme[1].code},3,,顺丰标快,bank_transfer,",
    ]


def _mobile_buyer(dealer):
    return buyer_make(dealer, phone="13900139000", company_name="Mobile Co 手机公司")


def test_a_good_file_places_one_order_per_reference(
    dealer, supplier_a, shop, buyer, manager, manager_client
):
    mobile = _mobile_buyer(dealer)
    response = manager_client.post(IMPORT, {"file": _file(_rows(shop))})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.ok and len(report.created) == 2
    assert "2 orders imported" in response.content.decode()
    with tenant_context(dealer):
        orders = {o.buyer_id: o for o in Order.objects.all()}
        assert set(orders) == {buyer.pk, mobile.pk}
        first = orders[buyer.pk]
        assert first.channel == OrderChannel.IMPORT and first.placed_by_id == manager.pk
        assert first.note == "第一单"
        assert OrderLine.objects.filter(order=first).count() == 2
        assert OrderLine.objects.get(order=orders[mobile.pk]).quantity == 3
    with tenant_context(supplier_a):
        assert SupplierOrder.objects.count() == 2


def test_one_bad_row_imports_nothing_and_names_its_row(dealer, shop, buyer, manager_client):
    _mobile_buyer(dealer)
    rows = _rows(shop)
    rows.append(f"PO-3,nobody@nowhere.test,{shop['acme'][0].code},1,,,,")
    rows.append("PO-4,purchaser@buyer-co.test,NOT-A-SKU,1,,,,")
    rows.append(f"PO-5,purchaser@buyer-co.test,{shop['beta'][1].code},two,,,,")
    response = manager_client.post(IMPORT, {"file": _file(rows)})
    assert response.status_code == 400
    errors = [(e.row, e.message) for e in response.context["report"].errors]
    assert errors == [
        (5, "No active buyer of yours signs in with “nobody@nowhere.test”."),
        (6, "SKU “NOT-A-SKU” is not sold in your store."),
        (7, "quantity “two” is not a whole number."),
    ]
    page = response.content.decode()
    assert "Nothing was imported" in page
    with tenant_context(dealer):
        assert not Order.objects.exists()


def test_stock_and_moq_are_checked_before_anything_is_placed(dealer, shop, buyer, manager_client):
    _mobile_buyer(dealer)
    rows = _rows(shop)
    rows.append(f"PO-9,purchaser@buyer-co.test,{shop['beta'][1].code},9999,,,,")
    response = manager_client.post(IMPORT, {"file": _file(rows)})
    assert response.status_code == 400
    [error] = response.context["report"].errors
    assert error.row == 5 and "available" in error.message
    with tenant_context(dealer):
        assert not Order.objects.exists()


def test_the_same_file_twice_is_imported_once(dealer, shop, buyer, manager_client):
    _mobile_buyer(dealer)
    rows = _rows(shop)
    first = manager_client.post(IMPORT, {"file": _file(rows)})
    numbers = {order.number for order in first.context["report"].created}
    assert len(numbers) == 2

    second = manager_client.post(IMPORT, {"file": _file(rows, name="copy.csv")})
    report = second.context["report"]
    assert report.ok and not report.created
    assert {order.number for order in report.already} == numbers
    page = second.content.decode()
    assert "Already imported from this file before" in page
    assert all(number in page for number in numbers)
    with tenant_context(dealer):
        assert Order.objects.count() == 2


def test_rows_of_one_order_must_agree(dealer, shop, buyer, manager_client):
    rows = [
        f"PO-1,purchaser@buyer-co.test,{shop['acme'][0].code},1,,,bank_transfer,",
        f"PO-1,,{shop['acme'][1].code},1,,,online,",
    ]
    response = manager_client.post(IMPORT, {"file": _file(rows)})
    assert response.status_code == 400
    [error] = response.context["report"].errors
    assert error.row == 3 and "payment_method" in error.message


def test_a_file_without_the_columns_is_refused(dealer, manager_client):
    upload = SimpleUploadedFile("x.csv", b"ref,qty\nA,1\n", content_type="text/csv")
    response = manager_client.post(IMPORT, {"file": upload})
    assert response.status_code == 400
    [error] = response.context["report"].errors
    assert error.row == 1 and "order_ref" in error.message


def test_too_many_rows_are_refused(dealer, shop, buyer, manager_client):
    code = shop["acme"][0].code
    rows = [f"PO-{n},purchaser@buyer-co.test,{code},1,,,," for n in range(2001)]
    response = manager_client.post(IMPORT, {"file": _file(rows)})
    assert response.status_code == 400
    assert "more than 2000 rows" in response.context["report"].errors[0].message
    with tenant_context(dealer):
        assert not Order.objects.exists()


def test_the_template_lists_the_columns(dealer, manager_client):
    response = manager_client.get(IMPORT + "template/")
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    header = next(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert ",".join(header) == HEADER


def test_staff_cannot_import(dealer, staff_client):
    assert staff_client.get(IMPORT).status_code == 403


def test_an_import_at_another_dealer_finds_none_of_this_dealers_buyers(
    dealer, dealer_b, shop, buyer, host_client
):
    from accounts.models import Role
    from tests.accounts.helpers import member_make, signed_in

    omega_manager = member_make(dealer_b, email="manager@omega.test", role=Role.MANAGER)
    client = signed_in(host_client(dealer_b), dealer_b, omega_manager)
    rows = [f"PO-1,purchaser@buyer-co.test,{shop['acme'][0].code},1,,,,"]
    response = client.post(IMPORT, {"file": _file(rows)})
    assert response.status_code == 400
    messages = [e.message for e in response.context["report"].errors]
    assert "No active buyer of yours signs in with “purchaser@buyer-co.test”." in messages
    # delta's listing is not omega's either.
    assert f"SKU “{shop['acme'][0].code}” is not sold in your store." in messages
    with tenant_context(dealer_b):
        assert not Order.objects.exists()
    with tenant_context(dealer):
        assert not Order.objects.exists()
