"""Reads of after-sales requests: the buyer's and the dealer's (dealer schema), the supplier's
copies (supplier schema), and the parcels of a request (public exchange, filtered by tenant).

Each function reads the active schema only; callers pick the schema by the domain the request
came to, so an id of another tenant's request is simply not found.
"""

from __future__ import annotations

import posixpath
from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from orders.models import (
    AfterSalesKind,
    AfterSalesRequest,
    AfterSalesStatus,
    Order,
    OrderLine,
    OrderSettings,
    StatusChange,
)

# Statuses in which the goods of a return or exchange are back with the supplier: those units
# are counted in ``returned_quantity`` already.
GOODS_BACK = (
    AfterSalesStatus.RECEIVED,
    AfterSalesStatus.REFUNDED,
    AfterSalesStatus.REPLACEMENT_SHIPPED,
)
CLOSED_WITHOUT_EFFECT = (AfterSalesStatus.REJECTED, AfterSalesStatus.CANCELLED)
# Where the supplier keeps its copies of the buyer's photos (supplier's own media folder).
SUPPLIER_PHOTO_DIR = "aftersales/{pk}"
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")


# --- The line and the window (dealer schema) --------------------------------------------------


def aftersales_quantity_left(line: OrderLine) -> int:
    """Units of ``line`` a new request may still cover: shipped, less returned, less what
    requests already cover (open ones, and refund-only ones that were refunded)."""
    covered = (
        AfterSalesRequest.objects.filter(line_id=line.pk)
        .exclude(status__in=CLOSED_WITHOUT_EFFECT)
        .exclude(~Q(kind=AfterSalesKind.REFUND_ONLY) & Q(status__in=GOODS_BACK))
        .aggregate(total=Sum("quantity"))["total"]
        or 0
    )
    return max(line.shipped_quantity - line.returned_quantity - covered, 0)


def aftersales_deadline(order: Order, *, days: int | None = None) -> datetime | None:
    """When the after-sales window of ``order`` closes; None while the buyer has not confirmed
    receipt (the window counts from receipt)."""
    if order.completed_at is None:
        return None
    if days is None:
        days = OrderSettings.current().aftersales_days
    return order.completed_at + timedelta(days=days)


def aftersales_window_open(order: Order, *, now=None) -> bool:
    deadline = aftersales_deadline(order)
    return deadline is None or (now or timezone.now()) <= deadline


def buyer_line_get(*, company_id: int, order_id: int, line_id: int) -> OrderLine | None:
    """A line of an order of the buyer's company, with its order, or None."""
    return (
        OrderLine.objects.select_related("order")
        .filter(pk=line_id, order_id=order_id, order__company_id=company_id)
        .first()
    )


# --- Requests (dealer schema) -------------------------------------------------------------------


def _requests() -> QuerySet[AfterSalesRequest]:
    return AfterSalesRequest.objects.select_related("order", "line", "order__company")


def buyer_request_list(*, company_id: int) -> QuerySet[AfterSalesRequest]:
    return _requests().filter(order__company_id=company_id).order_by("-created_at", "-id")


def buyer_request_get(*, company_id: int, pk: int) -> AfterSalesRequest | None:
    return (
        _requests().prefetch_related("photos").filter(pk=pk, order__company_id=company_id).first()
    )


def dealer_request_list(
    *, status: str = "", kind: str = "", search: str = ""
) -> QuerySet[AfterSalesRequest]:
    requests = _requests().order_by("-created_at", "-id")
    if status:
        requests = requests.filter(status=status)
    if kind:
        requests = requests.filter(kind=kind)
    if search:
        requests = requests.filter(
            Q(number__icontains=search)
            | Q(order__number__icontains=search)
            | Q(order__company__name__icontains=search)
            | Q(line__product_name__icontains=search)
            | Q(line__sku_code__icontains=search)
        )
    return requests


def dealer_request_get(*, pk: int) -> AfterSalesRequest | None:
    return (
        _requests().select_related("line__split").prefetch_related("photos").filter(pk=pk).first()
    )


def request_photo_get(*, request_id: int, photo_id: int):
    from orders.models import AfterSalesPhoto

    return AfterSalesPhoto.objects.filter(pk=photo_id, request_id=request_id).first()


def request_history(request: AfterSalesRequest) -> list[StatusChange]:
    return list(
        StatusChange.objects.filter(
            subject_type=AfterSalesRequest.HISTORY_TYPE, subject_id=request.pk
        ).order_by("created_at", "id")
    )


def history_rows(changes) -> list[tuple]:
    """(change, from label, to label) for templates."""
    labels = {value: str(label) for value, label in AfterSalesStatus.choices}
    return [
        (change, labels.get(change.from_status, ""), labels.get(change.to_status, ""))
        for change in changes
    ]


# --- The supplier's copies (supplier schema) ----------------------------------------------------


def supplier_request_list(*, status: str = "", kind: str = "", search: str = ""):
    from fulfilment.models import SupplierAfterSales

    requests = SupplierAfterSales.objects.select_related("order", "line").order_by(
        "-created_at", "-id"
    )
    if status:
        requests = requests.filter(status=status)
    if kind:
        requests = requests.filter(kind=kind)
    if search:
        requests = requests.filter(
            Q(number__icontains=search)
            | Q(order__number__icontains=search)
            | Q(order__dealer_name__icontains=search)
            | Q(line__sku_code__icontains=search)
            | Q(line__product_name__icontains=search)
        )
    return requests


def supplier_request_get(*, pk: int):
    from fulfilment.models import SupplierAfterSales

    return SupplierAfterSales.objects.select_related("order", "line").filter(pk=pk).first()


def supplier_request_history(copy) -> list:
    from fulfilment.models import StatusChange as SupplierHistory

    return list(
        SupplierHistory.objects.filter(subject_type=copy.HISTORY_TYPE, subject_id=copy.pk).order_by(
            "created_at", "id"
        )
    )


def supplier_request_photos(copy) -> list[str]:
    """File names of the photos copied into the supplier's media folder for ``copy``."""
    _dirs, files = default_storage.listdir(SUPPLIER_PHOTO_DIR.format(pk=copy.pk))
    return sorted(name for name in files if name.lower().endswith(PHOTO_EXTENSIONS))


def supplier_photo_path(copy, name: str) -> str | None:
    """The storage path of one photo of ``copy``, or None for anything not one of its photos."""
    if name not in supplier_request_photos(copy):
        return None
    return posixpath.join(SUPPLIER_PHOTO_DIR.format(pk=copy.pk), name)


# --- Parcels of a request (public) --------------------------------------------------------------


def request_tracks(*, route_filter: dict, dealer_request_id: int) -> list:
    """The return and replacement parcels of one request, events newest first; the route
    filter names the asking tenant (``route__dealer_id`` or ``route__supplier_id``)."""
    from routing.models import ShipmentTrack, TrackingEvent, TrackKind
    from routing.selectors import tracking_link

    events = TrackingEvent.objects.order_by("-occurred_at", "-id")
    tracks = list(
        ShipmentTrack.objects.filter(
            kind__in=(TrackKind.RETURN, TrackKind.REPLACEMENT),
            reference_id=dealer_request_id,
            **route_filter,
        )
        .select_related("carrier")
        .prefetch_related(Prefetch("events", queryset=events))
        .order_by("created_at", "id")
    )
    for track in tracks:
        track.tracking_link = tracking_link(track)
    return tracks
