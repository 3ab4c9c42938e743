"""The supplier's orders in its backoffice (supplier domain): list, export, detail, confirm,
reject, ship, tracking.

Who may do what: every member of the supplier's team (staff and up) sees orders, confirms or
rejects them and ships them. Order handling is the daily work of the warehouse and sales desk;
restricting it to managers would stall orders whenever no manager is at hand. Every step is
recorded with its author (status history, audit log).

A supplier's schema holds only its own orders, so an id of another supplier's order is a 404
here, for every method.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role
from accounts.permissions import BACKOFFICE_LAYOUTS, TenantBackofficeMixin
from fulfilment import selectors
from fulfilment.forms import (
    OrderConfirmForm,
    OrderFilterForm,
    OrderRejectForm,
    ShipmentForm,
    TrackingEventForm,
)
from orders.models import SplitStatus
from orders.states import TransitionError
from orders.workflow import fulfilment as workflow
from orders.workflow.common import WorkflowError
from routing.selectors import supplier_order_tracks
from suppliers.money import money_round

PAGE_SIZE = 25


class _Page(TenantBackofficeMixin, View):
    required_role = Role.STAFF

    def page(self, request, template: str, context: dict, status: int = 200):
        context["backoffice_layout"] = BACKOFFICE_LAYOUTS[request.tenant.type]
        return render(request, template, context, status=status)


def _filtered(request):
    filters = OrderFilterForm(request.GET or None, dealers=selectors.supplier_order_dealers())
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    orders = selectors.supplier_order_list(
        status=cleaned.get("status", ""),
        date_from=cleaned.get("date_from"),
        date_to=cleaned.get("date_to"),
        dealer_id=cleaned.get("dealer"),
        search=cleaned.get("q", ""),
    )
    return filters, orders


class OrderListView(_Page):
    def get(self, request):
        filters, orders = _filtered(request)
        page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return self.page(
            request,
            "fulfilment/order_list.html",
            {
                "filters": filters,
                "page_obj": page,
                "orders": page.object_list,
                "query": query.urlencode(),
            },
        )


CSV_HEADER = (
    "order_number",
    "status",
    "dealer",
    "dealer_order_number",
    "buyer",
    "recipient",
    "phone",
    "address",
    "lines",
    "amount",
    "placed_at",
    "promised_ship_date",
    "shipped_at",
)


class OrderExportView(_Page):
    def get(self, request):
        _filters, orders = _filtered(request)
        buffer = io.StringIO()
        buffer.write("\ufeff")  # BOM: Excel then opens the Chinese text as UTF-8
        writer = csv.writer(buffer)
        writer.writerow(CSV_HEADER)
        for order in orders.iterator(chunk_size=500):
            writer.writerow(
                [
                    order.number,
                    order.get_status_display(),
                    order.dealer_name,
                    order.dealer_order_number,
                    order.buyer_company,
                    order.ship_recipient,
                    order.ship_phone,
                    order.ship_address,
                    order.line_count,
                    f"{money_round(order.goods_total):.2f}",
                    timezone.localtime(order.placed_at).strftime("%Y-%m-%d %H:%M"),
                    order.promised_ship_date.isoformat() if order.promised_ship_date else "",
                    timezone.localtime(order.shipped_at).strftime("%Y-%m-%d %H:%M")
                    if order.shipped_at
                    else "",
                ]
            )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
        return response


class _OrderPage(_Page):
    """A page about one order of this supplier: loads it (404 for every method otherwise)."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.has_role(self.required_role):
            self.order = selectors.supplier_order_get(pk=kwargs["pk"])
            if self.order is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def detail_url(self) -> str:
        return reverse("fulfilment:order-detail", kwargs={"pk": self.order.pk})

    def tracks(self):
        return supplier_order_tracks(
            supplier_id=self.request.tenant.pk, supplier_order_id=self.order.pk
        )

    def done(self, request, message: str):
        messages.success(request, message)
        return HttpResponseRedirect(self.detail_url())


class OrderDetailView(_OrderPage):
    def get(self, request, pk: int):
        order = self.order
        tracks = self.tracks()
        labels = {value: str(label) for value, label in SplitStatus.choices}
        return self.page(
            request,
            "fulfilment/order_detail.html",
            {
                "order": order,
                "lines": list(order.lines.all()),
                "shipments": list(order.shipments.all()),
                "tracks": tracks,
                "history": [
                    (change, labels.get(change.from_status, ""), labels.get(change.to_status, ""))
                    for change in selectors.supplier_order_history(order=order)
                ],
                "can_decide": order.status == SplitStatus.PENDING,
                "can_ship": order.status in workflow.SHIPPABLE,
                "confirm_form": OrderConfirmForm(),
                "reject_form": OrderRejectForm(),
                "event_form": TrackingEventForm(tracks=tracks) if tracks else None,
            },
        )


class _ActionPage(_OrderPage):
    """GET shows the form; POST checks it and calls the workflow; a refusal shows why (400)."""

    template_name = ""

    def form_build(self, data=None):
        raise NotImplementedError

    def act(self, form) -> str:
        """Call the workflow; return the success message."""
        raise NotImplementedError

    def show(self, request, form, status=200):
        return self.page(
            request,
            self.template_name,
            {"order": self.order, "form": form, "lines": list(self.order.lines.all())},
            status=status,
        )

    def get(self, request, pk: int):
        return self.show(request, self.form_build())

    def post(self, request, pk: int):
        form = self.form_build(request.POST)
        if form.is_valid():
            try:
                return self.done(request, self.act(form))
            except (WorkflowError, TransitionError) as error:
                form.add_error(None, str(error))
        return self.show(request, form, status=400)


class OrderConfirmView(_ActionPage):
    template_name = "fulfilment/order_confirm.html"

    def form_build(self, data=None):
        return OrderConfirmForm(data)

    def act(self, form) -> str:
        order = workflow.supplier_order_confirm(
            supplier_order_id=self.order.pk,
            actor=self.request.user,
            promised_ship_date=form.cleaned_data["promised_ship_date"],
        )
        return _("Order %(number)s confirmed.") % {"number": order.number}


class OrderRejectView(_ActionPage):
    template_name = "fulfilment/order_reject.html"

    def form_build(self, data=None):
        return OrderRejectForm(data)

    def act(self, form) -> str:
        order = workflow.supplier_order_reject(
            supplier_order_id=self.order.pk,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
        )
        return _("Order %(number)s rejected; its stock is released.") % {"number": order.number}


class ShipmentCreateView(_ActionPage):
    template_name = "fulfilment/shipment_form.html"

    def form_build(self, data=None):
        return ShipmentForm(data, lines=list(self.order.lines.all()))

    def act(self, form) -> str:
        shipment = workflow.shipment_create(
            supplier_order_id=self.order.pk,
            actor=self.request.user,
            carrier_code=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
            lines=form.cleaned_data["lines"],
        )
        return _("Shipment %(number)s recorded: %(carrier)s %(tracking)s.") % {
            "number": shipment.number,
            "carrier": shipment.carrier_name,
            "tracking": shipment.tracking_number,
        }


class TrackingEventAddView(_ActionPage):
    template_name = "fulfilment/tracking_event_form.html"

    def form_build(self, data=None):
        return TrackingEventForm(data, tracks=self.tracks())

    def act(self, form) -> str:
        workflow.tracking_event_add(
            supplier_id=self.request.tenant.pk,
            track_id=form.cleaned_data["track"],
            occurred_at=form.cleaned_data["occurred_at"],
            location=form.cleaned_data["location"],
            status=form.cleaned_data["status"],
            description=form.cleaned_data["description"],
            actor=self.request.user,
        )
        return _("Tracking event recorded.")
