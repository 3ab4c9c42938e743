"""Rows of tests/test_isolation.py for this area: ``CASES`` (checked across tenants) and
``EXEMPT`` (name: why no cross-tenant check applies).

``make`` runs in the home tenant's schema (delta for dealer URLs, acme for supplier URLs) and
builds a real after-sales request: an order of acme's goods at delta, confirmed, shipped and
received through the workflow, and the request through orders.workflow.aftersales. Storefront
pages belong to the home isolation buyer (``who="buyer"``); supplier pages are checked with
buyers at the dealers too, because /aftersales/ on a dealer's domain is the storefront's.
"""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import User
from fulfilment.models import SupplierAfterSales
from orders.models import AfterSalesKind, AfterSalesRequest, AfterSalesStatus, Refund
from tenants.models import Tenant
from tests.isolation_case import Case


def _home_buyer(dealer: Tenant):
    from tests.test_isolation import buyer_email

    with tenant_context(dealer):
        return User.objects.get(email=buyer_email(dealer))


def _order_shipped(buyer_of=None) -> tuple[Tenant, Tenant, object, dict]:
    """An order at delta of acme's goods, shipped and received; by the home isolation buyer
    (``buyer_of="home"``) or by a buyer of a company of its own."""
    from tests.aftersales.builders import shipped_order
    from tests.builders import buyer_make
    from tests.test_isolation import pk_unused_elsewhere

    delta = Tenant.objects.get(slug="delta")
    acme = Tenant.objects.get(slug="acme")
    if buyer_of == "home":
        buyer = _home_buyer(delta)
    else:
        buyer = buyer_make(delta, email="iso-aftersales@buyer.test", company_name="ISO 售后公司")
    with tenant_context(acme):
        pk_unused_elsewhere(SupplierAfterSales)
    with tenant_context(delta):
        pk_unused_elsewhere(AfterSalesRequest)
        _ids_apart_from_copies()
    ids = shipped_order(delta, acme, buyer, quantity=2)
    return delta, acme, buyer, ids


def _ids_apart_from_copies() -> None:
    """Delta's next request id: above every supplier copy's id, so a request's id is never
    also the id of a copy at acme (/aftersales/<id>/ is a supplier page there)."""
    acme = Tenant.objects.get(slug="acme").schema_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, 'id')", [f'"{acme}".fulfilment_supplieraftersales']
        )
        cursor.execute(f"SELECT last_value FROM {cursor.fetchone()[0]}")
        copies = cursor.fetchone()[0]
        cursor.execute("SELECT pg_get_serial_sequence('orders_aftersalesrequest', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT setval(%s, GREATEST((SELECT last_value FROM {sequence}), %s))",
            [sequence, copies + 1000],
        )


def _request(buyer_of=None, *, approve_dealer=False, approve_supplier=False, kind="return"):
    from tests.aftersales.builders import dealer_approve, request_make, supplier_approve

    delta, acme, buyer, ids = _order_shipped(buyer_of)
    request = request_make(delta, buyer, ids, kind=kind)
    if approve_dealer:
        request = dealer_approve(delta, request.pk)
    if approve_supplier:
        supplier_approve(acme, request.supplier_request_id)
    with tenant_context(delta):
        request = AfterSalesRequest.objects.get(pk=request.pk)
    return request


def _back_home(tenant: Tenant) -> None:
    connection.set_tenant(tenant)


# --- Storefront (dealer domain, the home buyer) -------------------------------------------------


def line_made(tenant: Tenant):
    _delta, _acme, _buyer, ids = _order_shipped("home")
    _back_home(tenant)
    return {"order_pk": ids["order"], "line_pk": ids["line"]}, ids["order_number"]


def no_request_on_line(kwargs: dict) -> bool:
    return not AfterSalesRequest.objects.filter(line_id=kwargs["line_pk"]).exists()


def buyer_requests_made(tenant: Tenant):
    request = _request("home")
    _back_home(tenant)
    return {}, request.number


def buyer_request_made(tenant: Tenant):
    request = _request("home")
    _back_home(tenant)
    return {"pk": request.pk}, request.number


def buyer_approved_made(tenant: Tenant):
    request = _request("home", approve_dealer=True, approve_supplier=True)
    _back_home(tenant)
    return {"pk": request.pk}, request.number


def _status_is(status: str):
    def check(kwargs: dict) -> bool:
        return AfterSalesRequest.objects.get(pk=kwargs["pk"]).status == status

    return check


# --- Dealer backoffice (dealer domain, the owner) -----------------------------------------------


def dealer_requests_made(tenant: Tenant):
    request = _request()
    _back_home(tenant)
    return {}, request.number


def dealer_request_made(tenant: Tenant):
    request = _request()
    _back_home(tenant)
    return {"pk": request.pk}, request.number


def dealer_refund_only_made(tenant: Tenant):
    request = _request(approve_dealer=True, approve_supplier=True, kind=AfterSalesKind.REFUND_ONLY)
    _back_home(tenant)
    return {"pk": request.pk}, request.number


def not_refunded(kwargs: dict) -> bool:
    return not Refund.objects.filter(aftersales_id=kwargs["pk"]).exists()


# --- Supplier backoffice (acme's domain) --------------------------------------------------------


def _copy(**flags) -> SupplierAfterSales:
    request = _request(approve_dealer=True, **flags)
    with tenant_context(Tenant.objects.get(slug="acme")):
        return SupplierAfterSales.objects.get(pk=request.supplier_request_id)


def supplier_requests_made(tenant: Tenant):
    copy = _copy()
    _back_home(tenant)
    return {}, copy.number


def supplier_request_made(tenant: Tenant):
    copy = _copy()
    _back_home(tenant)
    return {"pk": copy.pk}, copy.number


def supplier_return_shipped_made(tenant: Tenant):
    from orders.workflow.aftersales import aftersales_return_ship

    request = _request(approve_dealer=True, approve_supplier=True)
    delta = Tenant.objects.get(slug="delta")
    with tenant_context(delta):
        buyer = User.objects.get(pk=request.requested_by_id)
        aftersales_return_ship(
            request_id=request.pk, buyer=buyer, carrier_code="sf", tracking_number="ISO-RET-1"
        )
    _back_home(tenant)
    return {"pk": request.supplier_request_id}, request.number


def _copy_status_is(status: str):
    def check(kwargs: dict) -> bool:
        return SupplierAfterSales.objects.get(pk=kwargs["pk"]).status == status

    return check


DEALER = ("dealer",)
SUPPLIER = ("supplier",)

CASES: list[Case] = [
    # Storefront: the buyer's own requests.
    Case("shop-aftersales:request-list", make=buyer_requests_made, types=DEALER, who="buyer"),
    Case(
        "shop-aftersales:request-create",
        make=line_made,
        types=DEALER,
        who="buyer",
        post={"kind": "return", "quantity": 1, "reason": "damaged"},
        intact=no_request_on_line,
    ),
    Case("shop-aftersales:request-detail", make=buyer_request_made, types=DEALER, who="buyer"),
    Case(
        "shop-aftersales:return-ship",
        make=buyer_approved_made,
        types=DEALER,
        who="buyer",
        method="post",
        home_status=400,  # at home: the request exists, the parcel form is empty
        post={"carrier": "sf", "tracking_number": "ISO-OUTSIDE"},
        intact=_status_is(AfterSalesStatus.APPROVED),
    ),
    Case(
        "shop-aftersales:request-withdraw",
        make=buyer_request_made,
        types=DEALER,
        who="buyer",
        method="post",
        home_status=302,
        intact=_status_is(AfterSalesStatus.REQUESTED),
    ),
    # Dealer backoffice.
    Case("dealer-aftersales:request-list", make=dealer_requests_made, types=DEALER),
    Case("dealer-aftersales:request-detail", make=dealer_request_made, types=DEALER),
    Case(
        "dealer-aftersales:request-decide",
        make=dealer_request_made,
        types=DEALER,
        method="post",
        home_status=400,  # at home: the request exists, no decision was chosen
        post={"decision": "reject", "reason": "from outside"},
        intact=_status_is(AfterSalesStatus.REQUESTED),
    ),
    Case(
        "dealer-aftersales:refund-create",
        make=dealer_refund_only_made,
        types=DEALER,
        method="post",
        home_status=302,
        post={"reference": "from outside"},
        intact=not_refunded,
    ),
    # Supplier backoffice; at the dealers, the same paths are the storefront's (buyers).
    Case(
        "supplier-aftersales:request-list", make=supplier_requests_made, types=SUPPLIER, who="buyer"
    ),
    Case(
        "supplier-aftersales:request-detail",
        make=supplier_request_made,
        types=SUPPLIER,
        who="buyer",
    ),
    Case(
        "supplier-aftersales:request-decide",
        make=supplier_request_made,
        types=SUPPLIER,
        who="buyer",
        method="post",
        home_status=400,  # at home: the request exists, no decision was chosen
        post={"decision": "reject", "reason": "from outside"},
        intact=_copy_status_is(AfterSalesStatus.AWAITING_SUPPLIER),
    ),
    Case(
        "supplier-aftersales:request-receive",
        make=supplier_return_shipped_made,
        types=SUPPLIER,
        who="buyer",
        method="post",
        home_status=302,
        post={"resellable": "on"},
        intact=_copy_status_is(AfterSalesStatus.RETURN_SHIPPED),
    ),
    Case(
        "supplier-aftersales:replacement-ship",
        make=supplier_request_made,
        types=SUPPLIER,
        who="buyer",
        method="post",
        home_status=400,  # at home: the request exists, the parcel form is empty
        post={"carrier": "sf", "tracking_number": "ISO-OUTSIDE-2"},
        intact=_copy_status_is(AfterSalesStatus.AWAITING_SUPPLIER),
    ),
]

EXEMPT: dict[str, str] = {
    "shop-aftersales:photo": (
        "an image, no text marker: tests/aftersales/test_views.py::"
        "test_another_company_sees_nothing (and the buyer's own photo answers 200 in "
        "test_buyer_asks_with_photos_and_sees_the_request)"
    ),
    "dealer-aftersales:photo": (
        "an image of the dealer's own schema: tests/aftersales/test_views.py::"
        "test_photos_are_served_only_on_their_own_domain"
    ),
    "supplier-aftersales:photo": (
        "an image of the supplier's own schema: tests/aftersales/test_views.py::"
        "test_supplier_sees_photos_decides_receives_and_ships (supplier B gets 404)"
    ),
}
