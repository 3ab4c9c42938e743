"""After-sales across the buyer (dealer schema), the dealer and the supplier (supplier schema):
the journeys of the three kinds, the refusals and their messages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django_tenants.utils import tenant_context

from accounts.models import Notification
from fulfilment.models import Shipment, SupplierOrderLine
from fulfilment.models import StatusChange as SupplierHistory
from orders.models import AfterSalesKind, AfterSalesPhoto, AfterSalesStatus, Refund, StatusChange
from orders.selectors_aftersales import supplier_request_photos
from orders.states import TransitionError
from orders.workflow import aftersales as workflow
from orders.workflow.common import WorkflowError
from routing.models import ShipmentTrack, TrackKind
from tests.accounts.helpers import english
from tests.aftersales.builders import (
    approved_request,
    copy_get,
    dealer_approve,
    line_get,
    order_get,
    photo_upload,
    request_get,
    request_make,
    shipped_order,
    stock_get,
    window_close,
)

pytestmark = pytest.mark.usefixtures("english")
_ = english


def _in(tenant, function, **kwargs):
    with tenant_context(tenant):
        return function(**kwargs)


def test_the_full_return_journey(dealer, supplier_a, buyer, tenant_user):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=3)
    stock_before = stock_get(supplier_a, ids["stock_level"])
    manager = tenant_user(dealer, email="manager@delta.test", role="manager")
    clerk = tenant_user(supplier_a, email="clerk@acme.test", role="manager")

    request = request_make(dealer, buyer, ids, quantity=2, photos=[photo_upload()])
    assert request.status == AfterSalesStatus.REQUESTED and request.number.startswith("A")
    with tenant_context(dealer):
        assert AfterSalesPhoto.objects.filter(request=request).count() == 1
        assert Notification.objects.filter(recipient=manager, kind="aftersales.new").exists()

    request = _in(
        dealer,
        workflow.aftersales_dealer_decide,
        request_id=request.pk,
        actor=manager,
        approve=True,
        reason="",
    )
    copy = copy_get(supplier_a, request.supplier_request_id)
    assert copy.status == AfterSalesStatus.AWAITING_SUPPLIER
    assert copy.number == request.number and copy.quantity == 2
    with tenant_context(supplier_a):
        # The buyer's photo is in the supplier's own media folder now.
        photos = supplier_request_photos(copy)
        assert len(photos) == 1
        assert default_storage.exists(f"aftersales/{copy.pk}/{photos[0]}")
        assert Notification.objects.filter(recipient=clerk, kind="aftersales.new").exists()

    _in(
        supplier_a,
        workflow.aftersales_supplier_decide,
        supplier_request_id=copy.pk,
        actor=clerk,
        approve=True,
        reason="OK",
    )
    assert request_get(dealer, request.pk).status == AfterSalesStatus.APPROVED

    _in(
        dealer,
        workflow.aftersales_return_ship,
        request_id=request.pk,
        buyer=buyer,
        carrier_code="sf",
        tracking_number="SFRETURN0001",
    )
    track = ShipmentTrack.objects.get(tracking_number="SFRETURN0001")
    assert track.kind == TrackKind.RETURN and track.reference_id == request.pk
    assert track.route.dealer_order_id == ids["order"]
    assert copy_get(supplier_a, copy.pk).status == AfterSalesStatus.RETURN_SHIPPED
    assert copy_get(supplier_a, copy.pk).return_tracking_number == "SFRETURN0001"

    _in(
        supplier_a,
        workflow.aftersales_receive,
        supplier_request_id=copy.pk,
        actor=clerk,
        resellable=True,
    )
    stock_after = stock_get(supplier_a, ids["stock_level"])
    assert stock_after.on_hand == stock_before.on_hand + 2
    assert stock_after.reserved == stock_before.reserved
    assert line_get(dealer, ids["line"]).returned_quantity == 2
    with tenant_context(supplier_a):
        assert SupplierOrderLine.objects.get(pk=ids["supplier_line"]).returned_quantity == 2

    line = line_get(dealer, ids["line"])
    refund = _in(
        dealer, workflow.aftersales_refund, request_id=request.pk, actor=manager, reference="BANK-1"
    )
    assert refund.amount == line.unit_price * 2
    assert refund.supply_amount == line.supply_price * 2
    assert line_get(dealer, ids["line"]).refunded_amount == refund.amount
    assert order_get(dealer, ids["order"]).refunded_total == refund.amount
    # The public line settlement reads carries the return and the refund too.
    from routing.models import RouteLine

    route_line = RouteLine.objects.get(dealer=dealer, dealer_line_id=ids["line"])
    assert (route_line.returned_quantity, route_line.refunded_amount) == (2, refund.amount)
    assert route_line.refunded_supply == refund.supply_amount
    request = request_get(dealer, request.pk)
    assert request.status == AfterSalesStatus.REFUNDED and request.refund_amount == refund.amount
    copy = copy_get(supplier_a, copy.pk)
    assert copy.status == AfterSalesStatus.REFUNDED and copy.credit_amount == refund.supply_amount

    with tenant_context(dealer):
        moves = list(
            StatusChange.objects.filter(
                subject_type="aftersales", subject_id=request.pk
            ).values_list("from_status", "to_status", "actor_label")
        )
    assert [(a, b) for a, b, _label in moves] == [
        ("", "requested"),
        ("requested", "awaiting_supplier"),
        ("awaiting_supplier", "approved"),
        ("approved", "return_shipped"),
        ("return_shipped", "received"),
        ("received", "refunded"),
    ]
    # The supplier's clerk is named with the supplier in the dealer's history.
    assert moves[2][2].startswith(supplier_a.name)
    with tenant_context(supplier_a):
        supplier_moves = list(
            SupplierHistory.objects.filter(
                subject_type="supplier_aftersales", subject_id=copy.pk
            ).values_list("to_status", flat=True)
        )
    assert supplier_moves == [
        "awaiting_supplier",
        "approved",
        "return_shipped",
        "received",
        "refunded",
    ]


def test_goods_not_resellable_stay_out_of_stock(dealer, supplier_a, buyer):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=2)
    request = approved_request(dealer, supplier_a, buyer, ids, quantity=1)
    _in(
        dealer,
        workflow.aftersales_return_ship,
        request_id=request.pk,
        buyer=buyer,
        carrier_code="zto",
        tracking_number="ZTO-NR-1",
    )
    before = stock_get(supplier_a, ids["stock_level"]).on_hand
    _in(
        supplier_a,
        workflow.aftersales_receive,
        supplier_request_id=request.supplier_request_id,
        actor=None,
        resellable=False,
    )
    assert stock_get(supplier_a, ids["stock_level"]).on_hand == before
    assert line_get(dealer, ids["line"]).returned_quantity == 1
    assert copy_get(supplier_a, request.supplier_request_id).resellable is False


def test_refund_only_is_refunded_after_approval(dealer, supplier_a, buyer):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=3)
    request = approved_request(dealer, supplier_a, buyer, ids, kind=AfterSalesKind.REFUND_ONLY)
    with pytest.raises(WorkflowError, match="needs no return parcel"):
        _in(
            dealer,
            workflow.aftersales_return_ship,
            request_id=request.pk,
            buyer=buyer,
            carrier_code="sf",
            tracking_number="SF-NOPE",
        )
    refund = _in(dealer, workflow.aftersales_refund, request_id=request.pk, actor=None)
    line = line_get(dealer, ids["line"])
    assert refund.amount == line.unit_price
    assert line.returned_quantity == 0 and line.refunded_amount == line.unit_price
    assert request_get(dealer, request.pk).status == AfterSalesStatus.REFUNDED


def test_exchange_ships_a_replacement_from_stock(dealer, supplier_a, buyer):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=2)
    request = approved_request(dealer, supplier_a, buyer, ids, kind=AfterSalesKind.EXCHANGE)
    _in(
        dealer,
        workflow.aftersales_return_ship,
        request_id=request.pk,
        buyer=buyer,
        carrier_code="sf",
        tracking_number="SF-EX-BACK",
    )
    _in(
        supplier_a,
        workflow.aftersales_receive,
        supplier_request_id=request.supplier_request_id,
        actor=None,
        resellable=False,
    )
    before = stock_get(supplier_a, ids["stock_level"])
    shipment = _in(
        supplier_a,
        workflow.aftersales_replacement_ship,
        supplier_request_id=request.supplier_request_id,
        actor=None,
        carrier_code="jd",
        tracking_number="JD-REPLACE-1",
    )
    after = stock_get(supplier_a, ids["stock_level"])
    assert after.on_hand == before.on_hand - 1 and after.reserved == before.reserved
    with tenant_context(supplier_a):
        shipment = Shipment.objects.get(pk=shipment.pk)
        assert shipment.is_replacement and shipment.tracking_number == "JD-REPLACE-1"
        assert [(item.line_id, item.quantity) for item in shipment.lines.all()] == [
            (ids["supplier_line"], 1)
        ]
    track = ShipmentTrack.objects.get(tracking_number="JD-REPLACE-1")
    assert track.kind == TrackKind.REPLACEMENT and track.reference_id == request.pk
    assert shipment.track_id == track.pk
    assert request_get(dealer, request.pk).status == AfterSalesStatus.REPLACEMENT_SHIPPED
    assert (
        copy_get(supplier_a, request.supplier_request_id).status
        == AfterSalesStatus.REPLACEMENT_SHIPPED
    )


def test_a_replacement_without_stock_is_refused_clearly(dealer, supplier_a, buyer):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=2, stock=2)
    request = approved_request(dealer, supplier_a, buyer, ids, kind=AfterSalesKind.EXCHANGE)
    _in(
        dealer,
        workflow.aftersales_return_ship,
        request_id=request.pk,
        buyer=buyer,
        carrier_code="sf",
        tracking_number="SF-EX-2",
    )
    _in(
        supplier_a,
        workflow.aftersales_receive,
        supplier_request_id=request.supplier_request_id,
        actor=None,
        resellable=False,
    )
    with pytest.raises(WorkflowError, match="Not enough stock of .* for the replacement"):
        _in(
            supplier_a,
            workflow.aftersales_replacement_ship,
            supplier_request_id=request.supplier_request_id,
            actor=None,
            carrier_code="jd",
            tracking_number="JD-NONE",
        )
    assert request_get(dealer, request.pk).status == AfterSalesStatus.RECEIVED
    assert not ShipmentTrack.objects.filter(tracking_number="JD-NONE").exists()


def test_rejections_need_a_reason_and_tell_the_buyer(dealer, supplier_a, buyer):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=3)
    first = request_make(dealer, buyer, ids)
    with pytest.raises(WorkflowError, match="why you reject"):
        _in(
            dealer,
            workflow.aftersales_dealer_decide,
            request_id=first.pk,
            actor=None,
            approve=False,
            reason=" ",
        )
    _in(
        dealer,
        workflow.aftersales_dealer_decide,
        request_id=first.pk,
        actor=None,
        approve=False,
        reason="Used for a month",
    )
    first = request_get(dealer, first.pk)
    assert first.status == AfterSalesStatus.REJECTED and first.decision_reason == "Used for a month"
    with tenant_context(dealer):
        assert Notification.objects.filter(recipient=buyer, title__contains="rejected").exists()

    second = dealer_approve(dealer, request_make(dealer, buyer, ids).pk)
    with pytest.raises(WorkflowError, match="why you reject"):
        _in(
            supplier_a,
            workflow.aftersales_supplier_decide,
            supplier_request_id=second.supplier_request_id,
            actor=None,
            approve=False,
            reason="",
        )
    _in(
        supplier_a,
        workflow.aftersales_supplier_decide,
        supplier_request_id=second.supplier_request_id,
        actor=None,
        approve=False,
        reason="Damage caused by a fall",
    )
    assert request_get(dealer, second.pk).status == AfterSalesStatus.REJECTED
    assert request_get(dealer, second.pk).decision_reason == "Damage caused by a fall"
    assert copy_get(supplier_a, second.supplier_request_id).status == AfterSalesStatus.REJECTED


def test_forbidden_moves_are_refused_with_a_clear_message(dealer, supplier_a, buyer):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=3)
    request = approved_request(dealer, supplier_a, buyer, ids)
    with pytest.raises(WorkflowError, match="refunded once the supplier has received the goods"):
        _in(dealer, workflow.aftersales_refund, request_id=request.pk, actor=None)
    with pytest.raises(TransitionError, match="is “Approved” and cannot become “Return received”"):
        _in(
            supplier_a,
            workflow.aftersales_receive,
            supplier_request_id=request.supplier_request_id,
            actor=None,
            resellable=True,
        )
    _in(
        dealer,
        workflow.aftersales_return_ship,
        request_id=request.pk,
        buyer=buyer,
        carrier_code="sf",
        tracking_number="SF-TWICE",
    )
    _in(
        supplier_a,
        workflow.aftersales_receive,
        supplier_request_id=request.supplier_request_id,
        actor=None,
        resellable=True,
    )
    stock = stock_get(supplier_a, ids["stock_level"]).on_hand
    with pytest.raises(
        TransitionError, match="is “Return received” and cannot become “Return received”"
    ):
        _in(
            supplier_a,
            workflow.aftersales_receive,
            supplier_request_id=request.supplier_request_id,
            actor=None,
            resellable=True,
        )
    assert stock_get(supplier_a, ids["stock_level"]).on_hand == stock
    assert line_get(dealer, ids["line"]).returned_quantity == 1
    with pytest.raises(WorkflowError, match="Only an exchange ships a replacement"):
        _in(
            supplier_a,
            workflow.aftersales_replacement_ship,
            supplier_request_id=request.supplier_request_id,
            actor=None,
            carrier_code="sf",
            tracking_number="SF-X",
        )
    with pytest.raises(TransitionError, match="cannot become “Withdrawn”"):
        _in(dealer, workflow.aftersales_withdraw, request_id=request.pk, buyer=buyer)


def test_a_doubled_refund_records_one_refund(dealer, supplier_a, buyer):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=2)
    request = approved_request(dealer, supplier_a, buyer, ids, kind=AfterSalesKind.REFUND_ONLY)
    _in(dealer, workflow.aftersales_refund, request_id=request.pk, actor=None, reference="R1")
    with pytest.raises(TransitionError, match="is “Refunded”"):
        _in(dealer, workflow.aftersales_refund, request_id=request.pk, actor=None, reference="R1")
    with tenant_context(dealer):
        assert Refund.objects.filter(aftersales_id=request.pk).count() == 1
    line = line_get(dealer, ids["line"])
    assert line.refunded_amount == line.unit_price
    assert order_get(dealer, ids["order"]).refunded_total == line.unit_price


def test_quantity_above_what_is_left_is_refused(dealer, supplier_a, buyer):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=3)
    with pytest.raises(WorkflowError, match="at most 3"):
        request_make(dealer, buyer, ids, quantity=4)
    request_make(dealer, buyer, ids, quantity=2)
    with pytest.raises(WorkflowError, match="at most 1"):
        request_make(dealer, buyer, ids, quantity=2)
    refund_only = request_make(dealer, buyer, ids, quantity=1, kind=AfterSalesKind.REFUND_ONLY)
    with pytest.raises(WorkflowError, match="covered by a request already"):
        request_make(dealer, buyer, ids, quantity=1)
    # A withdrawn request frees its units again.
    _in(dealer, workflow.aftersales_withdraw, request_id=refund_only.pk, buyer=buyer)
    assert request_make(dealer, buyer, ids, quantity=1).quantity == 1


def test_outside_the_window_is_refused(dealer, supplier_a, buyer):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=1)
    window_close(dealer, ids["order"], days_ago=8)  # the default window is 7 days
    with pytest.raises(WorkflowError, match="after-sales window of order .* closed on"):
        request_make(dealer, buyer, ids)
    window_close(dealer, ids["order"], days_ago=6)
    assert request_make(dealer, buyer, ids).status == AfterSalesStatus.REQUESTED


def test_a_shipped_order_not_yet_received_may_ask(dealer, supplier_a, buyer):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=1, receive=False)
    assert request_make(dealer, buyer, ids).status == AfterSalesStatus.REQUESTED


def test_only_the_buyers_company_may_ask(dealer, supplier_a, buyer, other_buyer):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=1)
    with pytest.raises(WorkflowError, match="This order does not exist"):
        request_make(dealer, other_buyer, ids)
    request = request_make(dealer, buyer, ids)
    with pytest.raises(WorkflowError, match="does not exist"):
        _in(dealer, workflow.aftersales_withdraw, request_id=request.pk, buyer=other_buyer)


def test_photos_are_checked_by_content_and_counted(dealer, supplier_a, buyer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ids = shipped_order(dealer, supplier_a, buyer, quantity=1)
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(WorkflowError, match="photo.jpg"):
        request_make(dealer, buyer, ids, photos=[fake])
    with pytest.raises(WorkflowError, match="at most 5 photos"):
        request_make(dealer, buyer, ids, photos=[photo_upload(f"{i}.jpg") for i in range(6)])
    with tenant_context(dealer):
        assert not AfterSalesPhoto.objects.filter(request__line_id=ids["line"]).exists()
    request = request_make(dealer, buyer, ids, photos=[photo_upload(f"{i}.jpg") for i in range(5)])
    with tenant_context(dealer):
        assert AfterSalesPhoto.objects.filter(request_id=request.pk).count() == 5


def test_withdrawing_cancels_the_suppliers_copy(dealer, supplier_a, buyer):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=1)
    request = dealer_approve(dealer, request_make(dealer, buyer, ids).pk)
    _in(
        dealer,
        workflow.aftersales_withdraw,
        request_id=request.pk,
        buyer=buyer,
        reason="Found it works",
    )
    assert request_get(dealer, request.pk).status == AfterSalesStatus.CANCELLED
    assert copy_get(supplier_a, request.supplier_request_id).status == AfterSalesStatus.CANCELLED
    with pytest.raises(TransitionError, match="“Withdrawn” and cannot become “Approved”"):
        _in(
            supplier_a,
            workflow.aftersales_supplier_decide,
            supplier_request_id=request.supplier_request_id,
            actor=None,
            approve=True,
        )


def test_a_refund_never_exceeds_the_line(dealer, supplier_a, buyer):
    ids = shipped_order(dealer, supplier_a, buyer, quantity=2)
    line = line_get(dealer, ids["line"])
    request = approved_request(
        dealer, supplier_a, buyer, ids, kind=AfterSalesKind.REFUND_ONLY, quantity=2
    )
    with tenant_context(dealer):
        # Something else refunded most of the line already.
        type(line).objects.filter(pk=line.pk).update(
            refunded_amount=line.line_total - Decimal("1.00")
        )
    refund = _in(dealer, workflow.aftersales_refund, request_id=request.pk, actor=None)
    assert refund.amount == Decimal("1.00")
    assert line_get(dealer, ids["line"]).refunded_amount == line.line_total
