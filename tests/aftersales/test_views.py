"""The after-sales pages: the buyer on the storefront, the dealer's and the supplier's
backoffice, and who may see the photos."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Role
from orders.models import AfterSalesKind, AfterSalesRequest, AfterSalesStatus, Refund
from tests.accounts.helpers import english, member_make, signed_in
from tests.aftersales.builders import (
    approved_request,
    copy_get,
    dealer_approve,
    photo_upload,
    request_get,
    request_make,
    shipped_order,
)

pytestmark = pytest.mark.usefixtures("english")
_ = english


@pytest.fixture
def buyer_client(dealer, buyer, host_client):
    return signed_in(host_client(dealer), dealer, buyer)


@pytest.fixture
def dealer_client(dealer, host_client):
    manager = member_make(dealer, email="aftersales-manager@delta.test", role=Role.MANAGER)
    return signed_in(host_client(dealer), dealer, manager)


@pytest.fixture
def supplier_client(supplier_a, host_client):
    clerk = member_make(supplier_a, email="aftersales-clerk@acme.test", role=Role.STAFF)
    return signed_in(host_client(supplier_a), supplier_a, clerk)


def test_buyer_asks_with_photos_and_sees_the_request(dealer, supplier_a, buyer, buyer_client):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=3)
    url = f"/aftersales/new/{ids['order']}/{ids['line']}/"
    page = buyer_client.get(url)
    assert page.status_code == 200
    assert "Still open to after-sales" in page.content.decode()

    refused = buyer_client.post(
        url, {"kind": "return", "quantity": 4, "reason": "damaged", "description": "cracked"}
    )
    assert refused.status_code == 400
    assert "At most 3 can still be asked for." in refused.content.decode()
    assert "cracked" in refused.content.decode()  # nothing typed is lost

    sent = buyer_client.post(
        url,
        {
            "kind": "return",
            "quantity": 2,
            "reason": "damaged",
            "reason_detail": "corner dented",
            "description": "cracked",
            "photos": [photo_upload("a.jpg"), photo_upload("b.jpg")],
        },
    )
    assert sent.status_code == 302
    with tenant_context(dealer):
        request = AfterSalesRequest.objects.get(line_id=ids["line"])
        assert request.reason == "Damaged on arrival: corner dented"
        photos = list(request.photos.values_list("pk", flat=True))
    assert len(photos) == 2
    detail = buyer_client.get(sent["Location"])
    body = detail.content.decode()
    assert request.number in body and "Awaiting dealer review" in body
    assert f"/aftersales/{request.pk}/photos/{photos[0]}/" in body
    photo = buyer_client.get(f"/aftersales/{request.pk}/photos/{photos[0]}/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    listing = buyer_client.get("/aftersales/")
    assert request.number in listing.content.decode()


def test_another_company_sees_nothing(dealer, supplier_a, buyer, other_buyer, host_client):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=1)
    request = request_make(dealer, buyer, ids, photos=[photo_upload()])
    with tenant_context(dealer):
        photo_id = request.photos.get().pk
    other = signed_in(host_client(dealer), dealer, other_buyer)
    for path in (
        f"/aftersales/{request.pk}/",
        f"/aftersales/{request.pk}/photos/{photo_id}/",
        f"/aftersales/new/{ids['order']}/{ids['line']}/",
    ):
        assert other.get(path).status_code == 404, path
    assert other.post(f"/aftersales/{request.pk}/withdraw/").status_code == 404
    assert request.number not in other.get("/aftersales/").content.decode()
    assert request_get(dealer, request.pk).status == AfterSalesStatus.REQUESTED
    # Dealer staff are not buyers: the storefront pages refuse them.
    staff = member_make(dealer, email="staff-as@delta.test", role=Role.STAFF)
    assert signed_in(host_client(dealer), dealer, staff).get("/aftersales/").status_code == 403


def test_buyer_ships_the_return_and_sees_the_parcel(dealer, supplier_a, buyer, buyer_client):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=1)
    request = approved_request(dealer, supplier_a, buyer, ids)
    url = f"/aftersales/{request.pk}/return/"
    bad = buyer_client.post(url, {"carrier": "sf", "tracking_number": ""})
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()
    done = buyer_client.post(url, {"carrier": "sf", "tracking_number": "SF-VIEW-RET"})
    assert done.status_code == 302
    page = buyer_client.get(f"/aftersales/{request.pk}/").content.decode()
    assert "SF-VIEW-RET" in page and "Return on its way" in page
    again = buyer_client.post(url, {"carrier": "sf", "tracking_number": "SF-VIEW-RET2"})
    assert again.status_code == 400
    assert "cannot become" in again.content.decode()


def test_buyer_withdraws(dealer, supplier_a, buyer, buyer_client):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=1)
    request = request_make(dealer, buyer, ids)
    assert buyer_client.post(f"/aftersales/{request.pk}/withdraw/").status_code == 302
    assert request_get(dealer, request.pk).status == AfterSalesStatus.CANCELLED
    page = buyer_client.get(f"/aftersales/{request.pk}/").content.decode()
    assert "Withdrawn" in page


def test_dealer_lists_filters_and_decides(
    dealer, supplier_a, buyer, dealer_client, django_assert_max_num_queries
):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=3)
    first = request_make(dealer, buyer, ids, photos=[photo_upload()])
    second = request_make(dealer, buyer, ids, kind=AfterSalesKind.REFUND_ONLY)
    with django_assert_max_num_queries(12):
        page = dealer_client.get("/backoffice/aftersales/")
    assert first.number in page.content.decode() and second.number in page.content.decode()
    only_refunds = dealer_client.get("/backoffice/aftersales/?kind=refund_only").content.decode()
    assert second.number in only_refunds and first.number not in only_refunds

    detail = dealer_client.get(f"/backoffice/aftersales/{first.pk}/").content.decode()
    with tenant_context(dealer):
        photo_id = first.photos.get().pk
    assert f"/backoffice/aftersales/{first.pk}/photos/{photo_id}/" in detail
    assert (
        dealer_client.get(f"/backoffice/aftersales/{first.pk}/photos/{photo_id}/").status_code
        == 200
    )

    no_reason = dealer_client.post(
        f"/backoffice/aftersales/{second.pk}/decide/", {"decision": "reject", "reason": ""}
    )
    assert no_reason.status_code == 400
    assert "Say why you reject the request." in no_reason.content.decode()
    assert (
        dealer_client.post(
            f"/backoffice/aftersales/{second.pk}/decide/",
            {"decision": "reject", "reason": "Not ours"},
        ).status_code
        == 302
    )
    assert request_get(dealer, second.pk).status == AfterSalesStatus.REJECTED

    assert (
        dealer_client.post(
            f"/backoffice/aftersales/{first.pk}/decide/", {"decision": "approve"}
        ).status_code
        == 302
    )
    twice = dealer_client.post(
        f"/backoffice/aftersales/{first.pk}/decide/", {"decision": "approve"}
    )
    assert twice.status_code == 400 and "cannot become" in twice.content.decode()
    first = request_get(dealer, first.pk)
    assert (
        copy_get(supplier_a, first.supplier_request_id).status == AfterSalesStatus.AWAITING_SUPPLIER
    )


def test_a_doubled_refund_click_records_one_refund(dealer, supplier_a, buyer, dealer_client):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=2)
    request = approved_request(dealer, supplier_a, buyer, ids, kind=AfterSalesKind.REFUND_ONLY)
    url = f"/backoffice/aftersales/{request.pk}/refund/"
    assert dealer_client.post(url, {"reference": "WX-1"}).status_code == 302
    again = dealer_client.post(url, {"reference": "WX-1"})
    assert again.status_code == 400
    with tenant_context(dealer):
        refunds = list(Refund.objects.filter(aftersales_id=request.pk))
    assert len(refunds) == 1 and refunds[0].reference == "WX-1"
    page = dealer_client.get(f"/backoffice/aftersales/{request.pk}/").content.decode()
    assert "WX-1" in page and "Refunded" in page


def test_staff_cannot_record_a_refund(dealer, supplier_a, buyer, host_client):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=1)
    request = approved_request(dealer, supplier_a, buyer, ids, kind=AfterSalesKind.REFUND_ONLY)
    staff = member_make(dealer, email="staff-refund@delta.test", role=Role.STAFF)
    client = signed_in(host_client(dealer), dealer, staff)
    assert client.post(f"/backoffice/aftersales/{request.pk}/refund/").status_code == 403
    assert request_get(dealer, request.pk).status == AfterSalesStatus.APPROVED


def test_supplier_sees_photos_decides_receives_and_ships(
    dealer,
    supplier_a,
    supplier_b,
    buyer,
    supplier_client,
    host_client,
    django_assert_max_num_queries,
):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=2)
    request = dealer_approve(
        dealer,
        request_make(dealer, buyer, ids, kind=AfterSalesKind.EXCHANGE, photos=[photo_upload()]).pk,
    )
    copy_id = request.supplier_request_id
    with django_assert_max_num_queries(12):
        listing = supplier_client.get("/aftersales/")
    assert request.number in listing.content.decode()
    detail = supplier_client.get(f"/aftersales/{copy_id}/").content.decode()
    assert "Screen cracked" in detail and f"/aftersales/{copy_id}/photos/1.jpg" in detail
    photo = supplier_client.get(f"/aftersales/{copy_id}/photos/1.jpg")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert supplier_client.get(f"/aftersales/{copy_id}/photos/..%2F..%2Fx.jpg").status_code == 404

    # Supplier B sees none of it.
    owner_b = member_make(supplier_b, email="owner-as@beta.test", role=Role.OWNER)
    other = signed_in(host_client(supplier_b), supplier_b, owner_b)
    assert request.number not in other.get("/aftersales/").content.decode()
    assert other.get(f"/aftersales/{copy_id}/photos/1.jpg").status_code == 404

    assert (
        supplier_client.post(f"/aftersales/{copy_id}/decide/", {"decision": "approve"}).status_code
        == 302
    )
    with tenant_context(dealer):
        pass
    buyer_client = signed_in(host_client(dealer), dealer, buyer)
    buyer_client.post(
        f"/aftersales/{request.pk}/return/", {"carrier": "sf", "tracking_number": "SF-EX-VIEW"}
    )
    assert "SF-EX-VIEW" in supplier_client.get(f"/aftersales/{copy_id}/").content.decode()
    assert supplier_client.post(f"/aftersales/{copy_id}/receive/", {}).status_code == 302
    assert copy_get(supplier_a, copy_id).resellable is False
    shipped = supplier_client.post(
        f"/aftersales/{copy_id}/replacement/", {"carrier": "jd", "tracking_number": "JD-EX-VIEW"}
    )
    assert shipped.status_code == 302
    assert request_get(dealer, request.pk).status == AfterSalesStatus.REPLACEMENT_SHIPPED
    page = buyer_client.get(f"/aftersales/{request.pk}/").content.decode()
    assert "JD-EX-VIEW" in page and "Replacement" in page


def test_photos_are_served_only_on_their_own_domain(
    dealer, dealer_b, supplier_a, buyer, dealer_client, host_client
):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=1)
    request = request_make(dealer, buyer, ids, photos=[photo_upload()])
    with tenant_context(dealer):
        photo_id = request.photos.get().pk
    path = f"/backoffice/aftersales/{request.pk}/photos/{photo_id}/"
    assert dealer_client.get(path).status_code == 200
    owner_b = member_make(dealer_b, email="owner-photo@omega.test", role=Role.OWNER)
    assert signed_in(host_client(dealer_b), dealer_b, owner_b).get(path).status_code == 404
    owner_a = member_make(supplier_a, email="owner-photo@acme.test", role=Role.OWNER)
    assert signed_in(host_client(supplier_a), supplier_a, owner_a).get(path).status_code == 404
    # Signed out: to the sign-in page, no image.
    assert host_client(dealer).get(path).status_code == 302
