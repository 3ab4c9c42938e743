"""Shipping methods and order settings: managers edit them; checkout charges by them."""

from __future__ import annotations

from decimal import Decimal

from django_tenants.utils import tenant_context

from accounts.models import AuditLog
from orders.models import OrderSettings, ShippingMethod
from tests.orders.builders import order_build

BASE = "/backoffice/orders/"


def _method_form(**extra) -> dict:
    data = {
        "name": "包邮快递",
        "base_fee": "10.00",
        "per_item_fee": "2.00",
        "free_over": "5000",
        "is_active": "on",
        "position": "1",
    }
    data.update(extra)
    return data


def test_a_manager_adds_a_shipping_method_and_checkout_charges_by_its_rule(
    dealer, shop, buyer, manager_client
):
    response = manager_client.post(BASE + "shipping/create/", _method_form())
    assert response.status_code == 302
    with tenant_context(dealer):
        method = ShippingMethod.objects.get(name="包邮快递")
        assert AuditLog.objects.filter(action="orders.shipping_method.create").exists()
    listed = manager_client.get(BASE + "shipping/").content.decode()
    assert "包邮快递" in listed and "¥5,000.00" in listed

    sku = shop["acme"][0]
    small = order_build(dealer, buyer, [(sku, 1)], shipping_method_id=method.pk)
    assert small.goods_total < Decimal("5000")
    assert small.shipping_fee == Decimal("12.00")  # 10 per order + 2 × 1 item
    big = order_build(dealer, buyer, [(sku, 3)], shipping_method_id=method.pk)
    assert big.goods_total >= Decimal("5000")
    assert big.shipping_fee == Decimal("0.00") and big.total == big.goods_total


def test_negative_fees_are_refused_and_nothing_is_saved(dealer, manager_client):
    response = manager_client.post(BASE + "shipping/create/", _method_form(base_fee="-1"))
    assert response.status_code == 400
    assert response.context["form"].errors["base_fee"]
    with tenant_context(dealer):
        assert not ShippingMethod.objects.filter(name="包邮快递").exists()


def test_a_manager_updates_a_shipping_method(dealer, shop, manager_client):
    with tenant_context(dealer):
        other = ShippingMethod.objects.create(name="Courier", base_fee=Decimal("5"))
    response = manager_client.post(
        BASE + f"shipping/{other.pk}/update/", _method_form(name="Courier+", is_active="")
    )
    assert response.status_code == 302
    with tenant_context(dealer):
        other.refresh_from_db()
        assert other.name == "Courier+" and not other.is_active
        assert other.free_over == Decimal("5000.00")


def test_the_only_active_method_cannot_be_switched_off(dealer, manager_client):
    with tenant_context(dealer):
        ShippingMethod.objects.update(is_active=False)
        only = ShippingMethod.objects.create(name="Only", base_fee=Decimal("5"))
    response = manager_client.post(
        BASE + f"shipping/{only.pk}/update/", _method_form(name="Only", is_active="")
    )
    assert response.status_code == 400
    assert "only active shipping method" in response.content.decode()
    with tenant_context(dealer):
        assert ShippingMethod.objects.get(pk=only.pk).is_active


def test_settings_are_saved_within_their_bounds(dealer, manager_client):
    form = {
        "review_orders": "on",
        "auto_receipt_days": "15",
        "aftersales_days": "0",
        "bank_account": "德尔塔商贸 · 工商银行 6222 0000 1111",
    }
    response = manager_client.post(BASE + "settings/", form)
    assert response.status_code == 302
    with tenant_context(dealer):
        settings = OrderSettings.current()
        assert settings.review_orders and settings.auto_receipt_days == 15
        assert settings.aftersales_days == 0
        assert settings.bank_account.startswith("德尔塔商贸")


def test_settings_out_of_bounds_are_refused(dealer, manager_client):
    with tenant_context(dealer):
        before = OrderSettings.current().auto_receipt_days
    for field, value in (
        ("auto_receipt_days", "0"),
        ("auto_receipt_days", "61"),
        ("aftersales_days", "61"),
    ):
        form = {"auto_receipt_days": "10", "aftersales_days": "7", field: value}
        response = manager_client.post(BASE + "settings/", form)
        assert response.status_code == 400, (field, value)
        assert response.context["form"].errors[field]
    with tenant_context(dealer):
        assert OrderSettings.current().auto_receipt_days == before


def test_the_settings_service_refuses_out_of_bounds_too(dealer):
    import pytest
    from django.core.exceptions import ValidationError

    from orders.services_settings import order_settings_update

    with tenant_context(dealer), pytest.raises(ValidationError) as raised:
        order_settings_update(
            actor=None,
            review_orders=False,
            auto_receipt_days=0,
            aftersales_days=90,
            bank_account="",
        )
    assert set(raised.value.message_dict) == {"auto_receipt_days", "aftersales_days"}


def test_staff_cannot_change_settings(dealer, staff_client):
    assert staff_client.get(BASE + "settings/").status_code == 403
    assert staff_client.get(BASE + "shipping/").status_code == 403
