"""After-sales (售后): every write of a buyer's return, exchange or refund-only request.

A request lives in the dealer's schema (``orders.AfterSalesRequest``); once the dealer approves
it, the supplier of the line gets its copy (``fulfilment.SupplierAfterSales``) in its own
schema, with the buyer's photos copied into its own media folder. From then on both copies move
together, in one transaction, along ``AFTERSALES_TRANSITIONS``; each move is recorded in the
history of each schema (who, when, from, to, why)::

    requested ──dealer──▶ awaiting_supplier ──supplier──▶ approved ──buyer──▶ return_shipped
        │ rejected / withdrawn    │ rejected / withdrawn      │ withdrawn          │ supplier
        ▼                         ▼                           │ (refund-only:      ▼
                                                              │  dealer refunds)  received
                                          refunded ◀──dealer──┘◀──────────────────┤
                                          replacement_shipped ◀──supplier (exchange)

Locks: the dealer's request row first, then the supplier's copy, then (receive, replacement)
the supplier's stock rows in ascending primary key, the public tracking rows last. Every
function is keyword-only and one transaction; a doubled click finds the request moved already
and is refused with the transition's clear message, so it has its effect once.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit_record
from orders.models import (
    AfterSalesKind,
    AfterSalesPhoto,
    AfterSalesRequest,
    AfterSalesStatus,
    Order,
    OrderLine,
    OrderSplit,
    Refund,
)
from orders.models import StatusChange as DealerHistory
from orders.selectors_aftersales import (
    SUPPLIER_PHOTO_DIR,
    aftersales_deadline,
    aftersales_quantity_left,
)
from orders.states import history_record, transition, transition_check
from orders.workflow.common import (
    WorkflowError,
    current_tenant,
    in_tenant,
    next_number,
    tenant_get,
)
from routing.models import RouteLine
from suppliers.money import money_round
from tenants.models import TenantType

PHOTOS_MAX = 5
REASON_MAX = 200
DESCRIPTION_MAX = 2000
DECISION_MAX = 1000
TRACKING_NUMBER_MAX = 64
REFERENCE_MAX = 100

# Links of notifications: paths on each recipient's own domain.
BUYER_PATH = "/aftersales/{pk}/"
DEALER_PATH = "/backoffice/aftersales/{pk}/"
SUPPLIER_PATH = "/aftersales/{pk}/"
GOODS_KINDS = (AfterSalesKind.RETURN, AfterSalesKind.EXCHANGE)


# --- Helpers ------------------------------------------------------------------------------------


def _tenant_of(tenant_type: str):
    tenant = current_tenant()
    if tenant.type != tenant_type:
        raise RuntimeError(f"this after-sales step runs in a {tenant_type}'s schema")
    return tenant


def _label(actor) -> str:
    return actor.get_full_name() if actor is not None else ""


def _text(value: str, *, required_message: str = "", limit: int, what: str) -> str:
    value = (value or "").strip()
    if required_message and not value:
        raise WorkflowError(required_message)
    if len(value) > limit:
        raise WorkflowError(
            _("Keep the %(what)s under %(max)s characters.") % {"what": what, "max": limit}
        )
    return value


def _request_locked(request_id: int, *, company_id: int | None = None) -> AfterSalesRequest:
    """The dealer's request row, locked (first in the lock order); with ``company_id`` only
    a request on an order of that buyer company."""
    requests = AfterSalesRequest.objects.select_for_update(of=("self",)).select_related("order")
    if company_id is not None:
        requests = requests.filter(order__company_id=company_id)
    request = requests.filter(pk=request_id).first()
    if request is None:
        raise WorkflowError(_("This after-sales request does not exist."))
    return request


def _buyer_company_id(buyer) -> int:
    from buyers.models import Buyer

    company_id = (
        Buyer.objects.filter(user_id=getattr(buyer, "pk", None), company__is_active=True)
        .values_list("company_id", flat=True)
        .first()
    )
    if company_id is None:
        raise WorkflowError(_("Only a buyer can ask for after-sales."))
    return company_id


def _copy_get(supplier_request_id: int):
    """The active supplier's copy, no lock (to learn which dealer to lock first)."""
    from fulfilment.models import SupplierAfterSales

    copy = SupplierAfterSales.objects.filter(pk=supplier_request_id).first()
    if copy is None:
        raise WorkflowError(_("This after-sales request does not exist."))
    return copy


def _copy_locked(pk: int):
    from fulfilment.models import SupplierAfterSales

    return SupplierAfterSales.objects.select_for_update().get(pk=pk)


def _carrier(carrier_code: str):
    from routing.models import Carrier

    carrier = Carrier.objects.filter(code=carrier_code or "", is_active=True).first()
    if carrier is None:
        raise WorkflowError(_("Choose a carrier from the list."))
    return carrier


def _tracking_number(value: str, carrier) -> str:
    from routing.models import ShipmentTrack

    value = _text(
        value,
        required_message=_("Enter the tracking number."),
        limit=TRACKING_NUMBER_MAX,
        what=_("tracking number"),
    )
    if ShipmentTrack.objects.filter(carrier=carrier, tracking_number=value).exists():
        raise WorkflowError(
            _("%(carrier)s tracking number %(number)s is already recorded for a parcel.")
            % {"carrier": carrier.name, "number": value}
        )
    return value


def _track_open(
    *,
    dealer_id: int,
    split_id: int,
    kind: str,
    carrier,
    tracking_number: str,
    reference_id: int,
    description: str,
):
    """A public parcel on the route of the line's split, with a first "collected" event."""
    from routing.models import EventSource, EventStatus, OrderRoute, ShipmentTrack, TrackingEvent

    route = OrderRoute.objects.get(dealer_id=dealer_id, dealer_split_id=split_id)
    now = timezone.now()
    try:
        with transaction.atomic():
            track = ShipmentTrack.objects.create(
                route=route,
                kind=kind,
                carrier=carrier,
                tracking_number=tracking_number,
                reference_id=reference_id,
                created_at=now,
            )
    except IntegrityError:
        # The same number committed by a concurrent submission since the check.
        raise WorkflowError(
            _("%(carrier)s tracking number %(number)s is already recorded for a parcel.")
            % {"carrier": carrier.name, "number": tracking_number}
        ) from None
    TrackingEvent.objects.create(
        track=track,
        occurred_at=now,
        status=EventStatus.COLLECTED,
        description=description,
        source=EventSource.MANUAL,
    )
    return track


def _tell_managers(*, path: str, pk: int, kind: str, title: str, body: str = "") -> None:
    """The active schema's owners and managers."""
    from accounts.notifications import notification_send_managers

    notification_send_managers(kind=kind, title=title, body=body, link=path.format(pk=pk))


def _tell_buyer(request: AfterSalesRequest, *, title: str, body: str = "") -> None:
    """Dealer schema: the buyer who asked, in-app and (after commit) by email."""
    from orders.notify import buyer_notify

    buyer_notify(
        user_id=request.requested_by_id,
        order_id=request.order_id,
        kind="aftersales.update",
        title=title,
        body=body,
        link=BUYER_PATH.format(pk=request.pk),
    )


def _photos_process(photos) -> list:
    from suppliers.images import image_process

    photos = [photo for photo in (photos or []) if photo]
    if len(photos) > PHOTOS_MAX:
        raise WorkflowError(_("Attach at most %(max)s photos.") % {"max": PHOTOS_MAX})
    processed = []
    for photo in photos:
        try:
            processed.append(image_process(photo))
        except ValidationError as error:
            raise WorkflowError(" ".join(error.messages)) from None
    return processed


# --- 1. The buyer asks --------------------------------------------------------------------------


@transaction.atomic
def aftersales_request(
    *,
    order_id: int,
    line_id: int,
    buyer,
    kind: str,
    quantity: int,
    reason: str,
    description: str = "",
    photos=(),
) -> AfterSalesRequest:
    """A buyer's request on one shipped line of an order of their company (dealer schema)."""
    _tenant_of(TenantType.DEALER)
    company_id = _buyer_company_id(buyer)
    if kind not in AfterSalesKind.values:
        raise WorkflowError(_("Choose return and refund, exchange or refund only."))
    reason = _text(
        reason, required_message=_("Say why you ask."), limit=REASON_MAX, what=_("reason")
    )
    description = _text(description, limit=DESCRIPTION_MAX, what=_("description"))
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        quantity = 0
    if quantity < 1:
        raise WorkflowError(_("Enter a quantity of at least 1."))
    processed = _photos_process(photos)

    order = Order.objects.select_for_update().filter(pk=order_id, company_id=company_id).first()
    if order is None:
        raise WorkflowError(_("This order does not exist."))
    line = OrderLine.objects.select_for_update().filter(pk=line_id, order_id=order.pk).first()
    if line is None:
        raise WorkflowError(
            _("This line is not part of order %(number)s.") % {"number": order.number}
        )
    if line.shipped_quantity == 0:
        raise WorkflowError(
            _("%(product)s has not shipped yet: ask for after-sales once it has arrived.")
            % {"product": line.product_name}
        )
    deadline = aftersales_deadline(order)
    if deadline is not None and timezone.now() > deadline:
        raise WorkflowError(
            _("The after-sales window of order %(number)s closed on %(date)s.")
            % {"number": order.number, "date": timezone.localtime(deadline).strftime("%Y-%m-%d")}
        )
    left = aftersales_quantity_left(line)
    if quantity > left:
        if left == 0:
            raise WorkflowError(
                _("Every shipped unit of %(product)s is covered by a request already.")
                % {"product": line.product_name}
            )
        raise WorkflowError(
            _("You can ask for at most %(left)s of %(product)s.")
            % {"left": left, "product": line.product_name}
        )

    pk, number = next_number("A", AfterSalesRequest._meta.db_table)
    request = AfterSalesRequest(
        pk=pk,
        number=number,
        order=order,
        line=line,
        kind=kind,
        quantity=quantity,
        reason=reason,
        description=description,
        requested_by=buyer,
    )
    request.save(force_insert=True)
    for item in processed:
        photo = AfterSalesPhoto(request=request)
        photo.image.save(item.image_name, ContentFile(item.image), save=True)
    history_record(request, history_model=DealerHistory, to=AfterSalesStatus.REQUESTED, actor=buyer)
    audit_record(
        actor=buyer,
        action="aftersales.request",
        target=request,
        data={"number": number, "order": order.number, "kind": kind, "quantity": quantity},
    )
    _tell_managers(
        path=DEALER_PATH,
        pk=request.pk,
        kind="aftersales.new",
        title=_("After-sales request %(number)s: %(kind)s of %(product)s × %(quantity)s")
        % {
            "number": number,
            "kind": request.get_kind_display(),
            "product": line.product_name,
            "quantity": quantity,
        },
        body=reason,
    )
    return request


# --- 2. The dealer decides ----------------------------------------------------------------------


@transaction.atomic
def aftersales_dealer_decide(
    *, request_id: int, actor, approve: bool, reason: str = ""
) -> AfterSalesRequest:
    """Approve (the supplier gets its copy to decide) or reject (with a reason) a request."""
    from fulfilment.models import StatusChange as SupplierHistory
    from fulfilment.models import SupplierAfterSales, SupplierOrderLine

    dealer = _tenant_of(TenantType.DEALER)
    request = _request_locked(request_id)
    reason = _text(
        reason,
        required_message="" if approve else _("Tell the buyer why you reject the request."),
        limit=DECISION_MAX,
        what=_("reason"),
    )
    if not approve:
        request.decision_reason = reason
        transition(
            request,
            AfterSalesStatus.REJECTED,
            history_model=DealerHistory,
            actor=actor,
            reason=reason,
            fields=("decision_reason",),
        )
        audit_record(
            actor=actor,
            action="aftersales.reject",
            target=request,
            data={"number": request.number, "reason": reason},
        )
        _tell_buyer(
            request,
            title=_("After-sales request %(number)s was rejected") % {"number": request.number},
            body=reason,
        )
        return request

    transition_check(request, AfterSalesStatus.AWAITING_SUPPLIER)
    line = OrderLine.objects.get(pk=request.line_id)
    split = OrderSplit.objects.get(pk=line.split_id)
    photos = []
    for name in (
        AfterSalesPhoto.objects.filter(request_id=request.pk)
        .order_by("pk")
        .values_list("image", flat=True)
    ):
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as file:
                photos.append((name, file.read()))
    supplier = tenant_get(split.supplier_id, TenantType.SUPPLIER)
    dealer_label = f"{dealer.name}: {_label(actor)}" if actor is not None else dealer.name
    with in_tenant(supplier):
        supplier_line = SupplierOrderLine.objects.select_related("order").get(
            pk=line.supplier_line_id, order_id=split.supplier_order_id
        )
        copy = SupplierAfterSales.objects.create(
            number=request.number,
            order=supplier_line.order,
            line=supplier_line,
            dealer_id=dealer.pk,
            dealer_request_id=request.pk,
            kind=request.kind,
            quantity=request.quantity,
            reason=request.reason,
            description=request.description,
            status=AfterSalesStatus.AWAITING_SUPPLIER,
        )
        history_record(
            copy,
            history_model=SupplierHistory,
            to=AfterSalesStatus.AWAITING_SUPPLIER,
            actor_label=dealer_label,
            reason=reason,
        )
        folder = SUPPLIER_PHOTO_DIR.format(pk=copy.pk)
        for index, (name, data) in enumerate(photos, start=1):
            extension = name.rsplit(".", 1)[-1].lower() if "." in name else "jpg"
            default_storage.save(f"{folder}/{index}.{extension}", ContentFile(data))
        _tell_managers(
            path=SUPPLIER_PATH,
            pk=copy.pk,
            kind="aftersales.new",
            title=_(
                "After-sales request %(number)s from %(dealer)s: %(kind)s of %(sku)s × %(quantity)s"
            )
            % {
                "number": copy.number,
                "dealer": dealer.name,
                "kind": copy.get_kind_display(),
                "sku": supplier_line.sku_code,
                "quantity": copy.quantity,
            },
            body=copy.reason,
        )
        copy_id = copy.pk
    request.supplier_request_id = copy_id
    request.decision_reason = reason
    transition(
        request,
        AfterSalesStatus.AWAITING_SUPPLIER,
        history_model=DealerHistory,
        actor=actor,
        reason=reason,
        fields=("supplier_request_id", "decision_reason"),
    )
    audit_record(
        actor=actor,
        action="aftersales.approve",
        target=request,
        data={"number": request.number, "supplier": supplier.pk},
    )
    _tell_buyer(
        request,
        title=_("After-sales request %(number)s is with the supplier") % {"number": request.number},
        body=_("The store agreed; the supplier decides next."),
    )
    return request


# --- Moves of both copies -----------------------------------------------------------------------


def _both_move(
    *,
    dealer,
    supplier,
    request: AfterSalesRequest,
    copy_id: int,
    to: str,
    actor,
    actor_label: str,
    reason: str = "",
    request_fields: dict | None = None,
    copy_fields: dict | None = None,
    in_supplier=None,
):
    """Move the locked dealer request and its supplier copy (locked here) to ``to``.
    ``in_supplier(copy)`` runs in the supplier's schema after the copy is locked and checked,
    before it moves (stock, shipments). Returns the copy's id."""
    from fulfilment.models import StatusChange as SupplierHistory

    with in_tenant(dealer):
        transition_check(request, to)
    with in_tenant(supplier):
        copy = _copy_locked(copy_id)
        transition_check(copy, to)
        if in_supplier is not None:
            in_supplier(copy)
        for name, value in (copy_fields or {}).items():
            setattr(copy, name, value)
        transition(
            copy,
            to,
            history_model=SupplierHistory,
            actor=actor,
            actor_label=_label_in(actor, supplier, actor_label),
            reason=reason,
            fields=tuple(copy_fields or ()),
        )
    with in_tenant(dealer):
        for name, value in (request_fields or {}).items():
            setattr(request, name, value)
        transition(
            request,
            to,
            history_model=DealerHistory,
            actor=actor,
            actor_label=_label_in(actor, dealer, actor_label),
            reason=reason,
            fields=tuple(request_fields or ()),
        )
    return copy.pk


def _label_in(actor, tenant, label: str) -> str:
    """The history label of ``actor`` in ``tenant``'s schema: their own name when they are a
    user there, else ``label`` (their company and name)."""
    if actor is not None and getattr(actor._state, "schema", None) == tenant.schema_name:
        return ""
    return label


def _supplier_side(supplier_request_id: int):
    """Supplier schema: (supplier, dealer, copy unlocked, dealer's request locked)."""
    supplier = _tenant_of(TenantType.SUPPLIER)
    copy = _copy_get(supplier_request_id)
    dealer = tenant_get(copy.dealer_id, TenantType.DEALER)
    with in_tenant(dealer):
        request = _request_locked(copy.dealer_request_id)
    return supplier, dealer, copy, request


def _supplier_label(supplier, actor) -> str:
    return f"{supplier.name}: {_label(actor)}" if actor is not None else supplier.name


# --- 3. The supplier decides --------------------------------------------------------------------


@transaction.atomic
def aftersales_supplier_decide(*, supplier_request_id: int, actor, approve: bool, reason: str = ""):
    """Supplier schema: approve or reject (with a reason) a request the dealer passed on."""
    supplier, dealer, copy, request = _supplier_side(supplier_request_id)
    reason = _text(
        reason,
        required_message="" if approve else _("Tell the dealer and the buyer why you reject it."),
        limit=DECISION_MAX,
        what=_("reason"),
    )
    to = AfterSalesStatus.APPROVED if approve else AfterSalesStatus.REJECTED
    _both_move(
        dealer=dealer,
        supplier=supplier,
        request=request,
        copy_id=copy.pk,
        to=to,
        actor=actor,
        actor_label=_supplier_label(supplier, actor),
        reason=reason,
        request_fields={"decision_reason": reason},
        copy_fields={"decision_reason": reason},
    )
    with in_tenant(supplier):
        audit_record(
            actor=actor,
            action="aftersales.approve" if approve else "aftersales.reject",
            target=copy,
            data={"number": copy.number, "reason": reason},
        )
    with in_tenant(dealer):
        if approve:
            next_step = (
                _("The store records your refund next.")
                if request.kind == AfterSalesKind.REFUND_ONLY
                else _("Send the goods back and enter the tracking number of the parcel.")
            )
            title = _("After-sales request %(number)s was approved") % {"number": request.number}
            body = f"{next_step} {reason}".strip()
        else:
            title = _("After-sales request %(number)s was rejected by the supplier") % {
                "number": request.number
            }
            body = reason
        _tell_buyer(request, title=title, body=body)
        _tell_managers(
            path=DEALER_PATH, pk=request.pk, kind="aftersales.update", title=title, body=reason
        )
    with in_tenant(supplier):
        return _copy_get(copy.pk)


# --- 4. The buyer sends the goods back ----------------------------------------------------------


@transaction.atomic
def aftersales_return_ship(
    *, request_id: int, buyer, carrier_code: str, tracking_number: str
) -> AfterSalesRequest:
    """Dealer schema: the buyer's return parcel of an approved return or exchange."""
    from routing.models import TrackKind

    dealer = _tenant_of(TenantType.DEALER)
    company_id = _buyer_company_id(buyer)
    request = _request_locked(request_id, company_id=company_id)
    if request.kind not in GOODS_KINDS:
        raise WorkflowError(_("A refund-only request needs no return parcel."))
    transition_check(request, AfterSalesStatus.RETURN_SHIPPED)
    carrier = _carrier(carrier_code)
    tracking_number = _tracking_number(tracking_number, carrier)
    split = OrderSplit.objects.get(pk=OrderLine.objects.get(pk=request.line_id).split_id)
    supplier = tenant_get(split.supplier_id, TenantType.SUPPLIER)
    fields = {"return_carrier": carrier.code, "return_tracking_number": tracking_number}
    _both_move(
        dealer=dealer,
        supplier=supplier,
        request=request,
        copy_id=request.supplier_request_id,
        to=AfterSalesStatus.RETURN_SHIPPED,
        actor=buyer,
        actor_label=_label(buyer),
        request_fields=fields,
        copy_fields=fields,
    )
    _track_open(
        dealer_id=dealer.pk,
        split_id=split.pk,
        kind=TrackKind.RETURN,
        carrier=carrier,
        tracking_number=tracking_number,
        reference_id=request.pk,
        description=_("Return parcel handed to the carrier by the buyer"),
    )
    with in_tenant(supplier):
        _tell_managers(
            path=SUPPLIER_PATH,
            pk=request.supplier_request_id,
            kind="aftersales.update",
            title=_("Return of %(number)s on its way: %(carrier)s %(tracking)s")
            % {"number": request.number, "carrier": carrier.name, "tracking": tracking_number},
        )
    audit_record(
        actor=buyer,
        action="aftersales.return_ship",
        target=request,
        data={"number": request.number, "carrier": carrier.code, "tracking": tracking_number},
    )
    return request


# --- 5. The supplier receives the goods ---------------------------------------------------------


def _shipped_from_stock_ids(supplier_line_id: int) -> list[int]:
    """Stock rows the line was shipped from, most units first (supplier schema)."""
    from fulfilment.models import StockReservation

    return list(
        StockReservation.objects.filter(line_id=supplier_line_id, shipped__gt=0)
        .order_by("-shipped", "stock_level_id")
        .values_list("stock_level_id", flat=True)
    )


@transaction.atomic
def aftersales_receive(*, supplier_request_id: int, actor, resellable: bool):
    """Supplier schema: the returned goods arrived. Resellable goods go back into the stock
    row they were shipped from; the line's returned quantity grows on both sides."""
    from fulfilment.models import SupplierOrderLine
    from supplychain.models import StockLevel
    from supplychain.sync import stock_changed

    supplier, dealer, copy, request = _supplier_side(supplier_request_id)
    if request.kind not in GOODS_KINDS:
        raise WorkflowError(_("A refund-only request has no goods to receive."))
    restocked: dict = {}

    def goods_back(locked_copy):
        line = SupplierOrderLine.objects.select_for_update().get(pk=locked_copy.line_id)
        if resellable:
            candidates = _shipped_from_stock_ids(line.pk) or list(
                StockLevel.objects.filter(sku_id=line.sku_id)
                .order_by("pk")
                .values_list("pk", flat=True)[:1]
            )
            if not candidates:
                raise WorkflowError(
                    _("%(sku)s has no stock row in any warehouse to put the goods back into.")
                    % {"sku": line.sku_code}
                )
            level = StockLevel.objects.select_for_update().get(pk=candidates[0])
            level.on_hand += locked_copy.quantity
            level.updated_at = timezone.now()
            level.save(update_fields=["on_hand", "updated_at"])
            stock_changed(stock_level_ids=[level.pk], sku_ids={level.sku_id})
            restocked.update(stock_level=level.pk, warehouse=level.warehouse_id)
        SupplierOrderLine.objects.filter(pk=line.pk).update(
            returned_quantity=F("returned_quantity") + locked_copy.quantity
        )

    _both_move(
        dealer=dealer,
        supplier=supplier,
        request=request,
        copy_id=copy.pk,
        to=AfterSalesStatus.RECEIVED,
        actor=actor,
        actor_label=_supplier_label(supplier, actor),
        reason="" if resellable else _("Not resellable: kept out of stock."),
        copy_fields={"resellable": bool(resellable)},
        in_supplier=goods_back,
    )
    with in_tenant(supplier):
        audit_record(
            actor=actor,
            action="aftersales.receive",
            target=copy,
            data={"number": copy.number, "resellable": bool(resellable), **restocked},
        )
    with in_tenant(dealer):
        OrderLine.objects.filter(pk=request.line_id).update(
            returned_quantity=F("returned_quantity") + request.quantity
        )
        RouteLine.objects.filter(dealer_id=dealer.pk, dealer_line_id=request.line_id).update(
            returned_quantity=F("returned_quantity") + request.quantity
        )
        title = _("The supplier received the return of %(number)s") % {"number": request.number}
        _tell_managers(
            path=DEALER_PATH,
            pk=request.pk,
            kind="aftersales.update",
            title=title,
            body=_("Record the refund to the buyer.")
            if request.kind == AfterSalesKind.RETURN
            else "",
        )
        _tell_buyer(request, title=title)
    with in_tenant(supplier):
        return _copy_get(copy.pk)


# --- 6. The dealer refunds ----------------------------------------------------------------------


@transaction.atomic
def aftersales_refund(*, request_id: int, actor, reference: str = "") -> Refund:
    """Dealer schema: record the refund of a request: a return or an exchange once the
    supplier has the goods back, a refund-only request once approved. Once per request."""
    dealer = _tenant_of(TenantType.DEALER)
    request = _request_locked(request_id)
    reference = _text(reference, limit=REFERENCE_MAX, what=_("reference"))
    if request.kind in GOODS_KINDS and request.status in (
        AfterSalesStatus.APPROVED,
        AfterSalesStatus.RETURN_SHIPPED,
    ):
        raise WorkflowError(
            _(
                "After-sales request %(number)s (%(kind)s) is refunded once the supplier has "
                "received the goods."
            )
            % {"number": request.number, "kind": request.get_kind_display()}
        )
    transition_check(request, AfterSalesStatus.REFUNDED)
    if Refund.objects.filter(aftersales_id=request.pk).exists():
        raise WorkflowError(
            _("After-sales request %(number)s is refunded already.") % {"number": request.number}
        )
    order = Order.objects.select_for_update().get(pk=request.order_id)
    line = OrderLine.objects.select_for_update().get(pk=request.line_id)
    amount = min(
        money_round(line.unit_price * request.quantity),
        line.line_total - line.refunded_amount,
        order.total - order.refunded_total,
    )
    if amount <= 0:
        raise WorkflowError(
            _("%(product)s of order %(number)s is refunded in full already.")
            % {"product": line.product_name, "number": order.number}
        )
    supply_amount = money_round(line.supply_price * request.quantity)
    now = timezone.now()
    try:
        with transaction.atomic():
            refund = Refund.objects.create(
                order=order,
                line=line,
                aftersales=request,
                amount=amount,
                supply_amount=supply_amount,
                reference=reference,
                created_at=now,
                created_by_label=_label(actor),
            )
    except IntegrityError:
        raise WorkflowError(
            _("After-sales request %(number)s is refunded already.") % {"number": request.number}
        ) from None
    line.refunded_amount += amount
    line.save(update_fields=["refunded_amount"])
    order.refunded_total += amount
    order.updated_at = now
    order.save(update_fields=["refunded_total", "updated_at"])
    # The public line settlement reads: a refund after settlement is clawed back next period.
    RouteLine.objects.filter(dealer_id=dealer.pk, dealer_line_id=line.pk).update(
        refunded_amount=F("refunded_amount") + amount,
        refunded_supply=Least(F("refunded_supply") + supply_amount, F("supply_total")),
    )
    split = OrderSplit.objects.get(pk=line.split_id)
    supplier = tenant_get(split.supplier_id, TenantType.SUPPLIER)
    _both_move(
        dealer=dealer,
        supplier=supplier,
        request=request,
        copy_id=request.supplier_request_id,
        to=AfterSalesStatus.REFUNDED,
        actor=actor,
        actor_label=f"{dealer.name}: {_label(actor)}",
        reason=reference,
        request_fields={"refund_amount": amount},
        copy_fields={"credit_amount": supply_amount},
    )
    audit_record(
        actor=actor,
        action="aftersales.refund",
        target=request,
        data={"number": request.number, "amount": str(amount), "reference": reference},
    )
    _tell_buyer(
        request,
        title=_("Refund of ¥%(amount)s for after-sales request %(number)s")
        % {"amount": f"{amount:,.2f}", "number": request.number},
        body=_("Reference: %(reference)s") % {"reference": reference} if reference else "",
    )
    return refund


# --- 7. The supplier ships a replacement --------------------------------------------------------


@transaction.atomic
def aftersales_replacement_ship(
    *, supplier_request_id: int, actor, carrier_code: str, tracking_number: str
):
    """Supplier schema: an exchange's replacement leaves a warehouse with enough available
    stock (the one the line shipped from first) in a parcel of its own."""
    from fulfilment.models import Shipment, ShipmentLine, SupplierOrderLine
    from routing.models import TrackKind
    from supplychain.models import StockLevel
    from supplychain.sync import stock_changed

    supplier, dealer, copy, request = _supplier_side(supplier_request_id)
    if request.kind != AfterSalesKind.EXCHANGE:
        raise WorkflowError(_("Only an exchange ships a replacement."))
    carrier = _carrier(carrier_code)
    tracking_number = _tracking_number(tracking_number, carrier)
    now = timezone.now()
    made: dict = {}

    def replacement_out(locked_copy):
        line = SupplierOrderLine.objects.select_for_update().get(pk=locked_copy.line_id)
        quantity = locked_copy.quantity
        levels = list(
            StockLevel.objects.select_for_update(of=("self",))
            .filter(sku_id=line.sku_id, warehouse__is_active=True)
            .order_by("pk")
        )
        preferred = _shipped_from_stock_ids(line.pk)
        levels.sort(key=lambda level: (level.pk not in preferred, level.pk))
        level = next((lv for lv in levels if lv.on_hand - lv.reserved >= quantity), None)
        if level is None:
            available = max((lv.on_hand - lv.reserved for lv in levels), default=0)
            raise WorkflowError(
                _(
                    "Not enough stock of %(sku)s for the replacement: %(quantity)s needed, at "
                    "most %(available)s available in one warehouse."
                )
                % {"sku": line.sku_code, "quantity": quantity, "available": available}
            )
        level.on_hand -= quantity
        level.updated_at = now
        level.save(update_fields=["on_hand", "updated_at"])
        stock_changed(stock_level_ids=[level.pk], sku_ids={level.sku_id})
        shipment_id, shipment_number = next_number("SH", Shipment._meta.db_table)
        shipment = Shipment(
            pk=shipment_id,
            order_id=locked_copy.order_id,
            number=shipment_number,
            carrier_code=carrier.code,
            carrier_name=carrier.name_zh,
            tracking_number=tracking_number,
            is_replacement=True,
            shipped_at=now,
            shipped_by_label=_label(actor),
        )
        shipment.save(force_insert=True)
        ShipmentLine.objects.create(shipment=shipment, line=line, quantity=quantity)
        made.update(shipment=shipment.pk, number=shipment_number, stock_level=level.pk)

    _both_move(
        dealer=dealer,
        supplier=supplier,
        request=request,
        copy_id=copy.pk,
        to=AfterSalesStatus.REPLACEMENT_SHIPPED,
        actor=actor,
        actor_label=_supplier_label(supplier, actor),
        in_supplier=replacement_out,
    )
    with in_tenant(dealer):
        split_id = (
            OrderLine.objects.filter(pk=request.line_id).values_list("split_id", flat=True).get()
        )
    track = _track_open(
        dealer_id=dealer.pk,
        split_id=split_id,
        kind=TrackKind.REPLACEMENT,
        carrier=carrier,
        tracking_number=tracking_number,
        reference_id=request.pk,
        description=_("Replacement handed to the carrier by %(supplier)s")
        % {"supplier": supplier.name},
    )
    with in_tenant(supplier):
        Shipment.objects.filter(pk=made["shipment"]).update(track_id=track.pk)
        audit_record(
            actor=actor,
            action="aftersales.replacement_ship",
            target=copy,
            data={
                "number": copy.number,
                "shipment": made["number"],
                "carrier": carrier.code,
                "tracking": tracking_number,
            },
        )
    with in_tenant(dealer):
        title = _("Replacement for %(number)s shipped: %(carrier)s %(tracking)s") % {
            "number": request.number,
            "carrier": carrier.name,
            "tracking": tracking_number,
        }
        _tell_buyer(request, title=title)
        _tell_managers(path=DEALER_PATH, pk=request.pk, kind="aftersales.update", title=title)
    with in_tenant(supplier):
        return Shipment.objects.get(pk=made["shipment"])


# --- 8. The buyer withdraws ---------------------------------------------------------------------


@transaction.atomic
def aftersales_withdraw(*, request_id: int, buyer, reason: str = "") -> AfterSalesRequest:
    """Dealer schema: the buyer withdraws a request that is not under way (no parcel sent)."""
    from fulfilment.models import StatusChange as SupplierHistory

    dealer = _tenant_of(TenantType.DEALER)
    company_id = _buyer_company_id(buyer)
    request = _request_locked(request_id, company_id=company_id)
    reason = _text(reason, limit=DECISION_MAX, what=_("reason"))
    transition_check(request, AfterSalesStatus.CANCELLED)
    if request.supplier_request_id:
        split_id = (
            OrderLine.objects.filter(pk=request.line_id).values_list("split_id", flat=True).get()
        )
        supplier_id = (
            OrderSplit.objects.filter(pk=split_id).values_list("supplier_id", flat=True).get()
        )
        supplier = tenant_get(supplier_id, TenantType.SUPPLIER)
        with in_tenant(supplier):
            copy = _copy_locked(request.supplier_request_id)
            transition(
                copy,
                AfterSalesStatus.CANCELLED,
                history_model=SupplierHistory,
                actor=buyer,
                actor_label=f"{dealer.name}: {_label(buyer)}",
                reason=reason,
            )
            _tell_managers(
                path=SUPPLIER_PATH,
                pk=copy.pk,
                kind="aftersales.update",
                title=_("After-sales request %(number)s was withdrawn by the buyer")
                % {"number": copy.number},
                body=reason,
            )
    transition(
        request,
        AfterSalesStatus.CANCELLED,
        history_model=DealerHistory,
        actor=buyer,
        reason=reason,
    )
    audit_record(
        actor=buyer, action="aftersales.withdraw", target=request, data={"number": request.number}
    )
    _tell_managers(
        path=DEALER_PATH,
        pk=request.pk,
        kind="aftersales.update",
        title=_("After-sales request %(number)s was withdrawn by the buyer")
        % {"number": request.number},
        body=reason,
    )
    return request
