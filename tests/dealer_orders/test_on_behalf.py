"""Orders placed by the dealer's staff on a buyer's behalf (代下单)."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from buyers.models import Address
from orders.models import Order, OrderChannel, OrderLine
from tests.orders.builders import shipping_method

CREATE = "/backoffice/orders/create/"


def _company_id(dealer, buyer) -> int:
    with tenant_context(dealer):
        return buyer.buyer.company_id


def _form(dealer, buyer, lines, **extra) -> dict:
    with tenant_context(dealer):
        company_id = buyer.buyer.company_id
        address = Address.objects.get(company_id=company_id, is_default=True)
    data = {
        "company": company_id,
        "idempotency_key": "behalf-key-0001",
        "buyer": buyer.pk,
        "address": address.pk,
        "shipping_method": shipping_method(dealer).pk,
        "payment_method": "bank_transfer",
        "invoice_type": "none",
        "note": "电话下单",
    }
    for index, (code, quantity) in enumerate(lines):
        data[f"code_{index}"] = code
        data[f"quantity_{index}"] = quantity
    data.update(extra)
    return data


def test_choosing_a_company_shows_its_buyers_and_addresses(dealer, shop, buyer, staff_client):
    first = staff_client.get(CREATE)
    assert first.status_code == 200
    assert "Buyer Co 采购公司" in first.content.decode()
    assert first.context["form"] is None

    chosen = staff_client.get(CREATE, {"company": _company_id(dealer, buyer)})
    page = chosen.content.decode()
    assert "purchaser@buyer-co.test" in page
    assert "世纪大道 100 号" in page


def test_staff_place_an_order_for_a_buyer_once(dealer, shop, buyer, staff, staff_client):
    acme, beta = shop["acme"][0], shop["beta"][1]
    data = _form(dealer, buyer, [(acme.code.lower(), 2), (beta.code, 1)])

    response = staff_client.post(CREATE, data)
    assert response.status_code == 302
    again = staff_client.post(CREATE, data)  # a doubled submission
    assert again.status_code == 302 and again["Location"] == response["Location"]

    with tenant_context(dealer):
        order = Order.objects.get(idempotency_key="behalf-key-0001")
        assert Order.objects.filter(company=order.company).count() == 1
        assert order.buyer_id == buyer.pk
        assert order.placed_by_id == staff.pk
        assert order.channel == OrderChannel.ON_BEHALF
        assert order.note == "电话下单"
        assert sorted(
            OrderLine.objects.filter(order=order).values_list("sku_code", "quantity")
        ) == sorted([(acme.code, 2), (beta.code, 1)])
    assert response["Location"] == f"/backoffice/orders/{order.pk}/"
    detail = staff_client.get(response["Location"]).content.decode()
    assert "Placed by the dealer" in detail and "clerk@delta.test" in detail


def test_unknown_code_and_moq_are_shown_on_their_rows_and_nothing_is_placed(
    dealer, shop, buyer, staff_client
):
    acme = shop["acme"][0]
    data = _form(dealer, buyer, [("NO-SUCH-SKU", 1), (acme.code, 5000)])
    response = staff_client.post(CREATE, data)
    assert response.status_code == 400
    form = response.context["form"]
    assert "“NO-SUCH-SKU” is not sold in your store." in form.errors["code_0"]
    with tenant_context(dealer):
        assert not Order.objects.exists()

    # With the unknown row gone, the stock check speaks on the row of its SKU.
    data = _form(dealer, buyer, [(acme.code, 5000)])
    response = staff_client.post(CREATE, data)
    assert response.status_code == 400
    assert response.context["form"].errors["code_0"]
    # What was typed is kept.
    assert f'value="{acme.code}"' in response.content.decode()
    with tenant_context(dealer):
        assert not Order.objects.exists()


def test_an_address_of_another_company_is_refused(dealer, shop, buyer, staff_client):
    from tests.builders import buyer_make

    other = buyer_make(dealer, email="other@zeta.test", company_name="Zeta")
    with tenant_context(dealer):
        foreign_address = Address.objects.get(company__buyers__user=other)
    data = _form(dealer, buyer, [(shop["acme"][0].code, 1)], address=foreign_address.pk)
    response = staff_client.post(CREATE, data)
    assert response.status_code == 400
    assert response.context["form"].errors["address"]
    with tenant_context(dealer):
        assert not Order.objects.exists()


def test_no_items_is_an_error(dealer, shop, buyer, staff_client):
    response = staff_client.post(CREATE, _form(dealer, buyer, []))
    assert response.status_code == 400
    assert "Add at least one SKU code and its quantity." in response.content.decode()


def test_a_dealer_whose_level_may_not_order_for_buyers_is_refused(dealer, staff_client):
    from network.models import DealerLevel
    from network.selectors import dealer_profile_of

    level = DealerLevel.objects.create(
        code="no-behalf", name_zh="仅展示", name_en="Display only", may_order_for_buyers=False
    )
    profile = dealer_profile_of(dealer)
    profile.level = level
    profile.save()
    assert staff_client.get("/backoffice/orders/create/").status_code == 403
    assert staff_client.post("/backoffice/orders/create/", {"company": "1"}).status_code == 403
    level.may_order_for_buyers = True
    level.save()
    assert staff_client.get("/backoffice/orders/create/").status_code == 200
