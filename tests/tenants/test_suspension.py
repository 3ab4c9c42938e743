"""Suspending a supplier or dealer in the admin closes its domain at once; reactivating opens
it again. Its offers leave every storefront and checkout meanwhile; its data stays."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from accounts.models import AuditLog
from orders.quote import quote_build
from tenants import services
from tenants.models import Tenant, TenantStatus
from tests.orders.builders import shop_build

CHANGELIST = "/admin/tenants/tenant/"


def _act(client, action: str, tenants):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [t.pk for t in tenants], "index": 0},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _status(tenant) -> str:
    return Tenant.objects.get(pk=tenant.pk).status


def test_the_admin_suspends_and_reactivates_with_an_audit_trail(
    admin_client_platform, reviewer, dealer, supplier_a
):
    public = Tenant.objects.get(schema_name="public")
    response = _act(admin_client_platform, "suspend_selected", [dealer, supplier_a, public])
    assert response.status_code == 200
    assert (_status(dealer), _status(supplier_a)) == ("suspended", "suspended")
    assert _status(public) == "active"  # the platform itself is never suspended
    text = " ".join(str(m) for m in response.context["messages"])
    assert dealer.name in text and public.name in text and "Not suspended" in text
    connection.set_schema_to_public()
    assert set(
        AuditLog.objects.filter(action="tenant.suspend").values_list("target_id", flat=True)
    ) == {str(dealer.pk), str(supplier_a.pk)}

    _act(admin_client_platform, "reactivate_selected", [dealer])
    assert (_status(dealer), _status(supplier_a)) == ("active", "suspended")
    assert AuditLog.objects.filter(action="tenant.reactivate", actor=reviewer).count() == 1


def test_a_suspended_dealers_domain_answers_that_it_is_closed_everywhere(dealer, reviewer):
    client = Client(HTTP_HOST=dealer.host, HTTP_ACCEPT_LANGUAGE="en")
    assert client.get("/").status_code == 200
    services.tenant_suspend(tenant_id=dealer.pk, actor=reviewer)

    for path in ("/", "/backoffice/", "/accounts/login/", "/cart/"):
        page = client.get(path)
        assert page.status_code == 503, path
        assert f"{dealer.name} is closed for now" in page.content.decode()
    api = client.get("/api/v1/cart/")
    assert api.status_code == 503
    assert api.json()["detail"] == f"{dealer.name} is suspended by the platform for now."
    assert client.post("/accounts/login/", {"username": "x", "password": "y"}).status_code == 503
    assert client.get("/healthz").status_code == 200  # probes still see the process

    chinese = Client(HTTP_HOST=dealer.host, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/")
    assert "暂停" in chinese.content.decode()

    services.tenant_reactivate(tenant_id=dealer.pk, actor=reviewer)
    assert client.get("/").status_code == 200


def test_a_suspended_suppliers_goods_cannot_be_ordered_and_come_back_after(
    dealer, supplier_a, reviewer
):
    skus = shop_build(dealer, [supplier_a], prefix="SUSP")["acme"]

    def quote_error() -> str:
        with tenant_context(dealer):
            return quote_build(dealer_id=dealer.pk, items=[(skus[0].pk, 1)]).lines[0].error

    assert quote_error() == ""
    services.tenant_suspend(tenant_id=supplier_a.pk, actor=reviewer)
    assert quote_error() == "This product is no longer sold here."
    services.tenant_reactivate(tenant_id=supplier_a.pk, actor=reviewer)
    assert quote_error() == ""


def test_only_an_active_supplier_or_dealer_can_be_suspended(dealer, reviewer):
    public = Tenant.objects.get(schema_name="public")
    with pytest.raises(services.TenantStateError):
        services.tenant_suspend(tenant_id=public.pk, actor=reviewer)
    with pytest.raises(services.TenantStateError):
        services.tenant_reactivate(tenant_id=dealer.pk, actor=reviewer)
    services.tenant_suspend(tenant_id=dealer.pk, actor=reviewer)
    with pytest.raises(services.TenantStateError):
        services.tenant_suspend(tenant_id=dealer.pk, actor=reviewer)
    assert Tenant.objects.get(pk=dealer.pk).status == TenantStatus.SUSPENDED
