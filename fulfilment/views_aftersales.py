"""After-sales requests in the supplier's backoffice (mounted at /aftersales/ on supplier
domains): the copies of buyers' requests that dealers passed on. List, detail (photos, line,
order), approve or reject, receive the returned goods, ship an exchange's replacement.

Every member of the supplier's team (staff and up) works them, as with orders. A supplier's
schema holds only its own copies, so another supplier's id is a 404 here, for every method.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from orders import selectors_aftersales as selectors
from orders import views_aftersales_backoffice as backoffice
from orders.forms_aftersales import DecisionForm, ParcelForm, ReceiveForm
from orders.models import AfterSalesKind, AfterSalesStatus
from orders.states import TransitionError
from orders.views_aftersales import photo_response
from orders.views_aftersales_backoffice import _Page
from orders.workflow import aftersales as workflow
from orders.workflow.common import WorkflowError


class RequestListView(backoffice.RequestListView):
    template_name = "fulfilment/aftersales/request_list.html"

    @staticmethod
    def requests_filtered(**filters):
        return selectors.supplier_request_list(**filters)


class _RequestPage(_Page):
    """A page about one copy of this supplier (404 for every method otherwise)."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.has_role(self.required_role):
            self.copy = selectors.supplier_request_get(pk=kwargs["pk"])
            if self.copy is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def detail_url(self) -> str:
        return reverse("supplier-aftersales:request-detail", kwargs={"pk": self.copy.pk})

    def done(self, request, message: str):
        messages.success(request, message % {"number": self.copy.number})
        return HttpResponseRedirect(self.detail_url())

    def detail(self, request, *, forms: dict | None = None, status=200):
        copy = self.copy
        forms = forms or {}
        errors = [error for form in forms.values() for error in form.non_field_errors()]
        can_ship = copy.kind == AfterSalesKind.EXCHANGE and copy.status == AfterSalesStatus.RECEIVED
        return self.page(
            request,
            "fulfilment/aftersales/request_detail.html",
            {
                "copy": copy,
                "line": copy.line,
                "order": copy.order,
                "photos": selectors.supplier_request_photos(copy),
                "history": selectors.history_rows(selectors.supplier_request_history(copy)),
                "tracks": selectors.request_tracks(
                    route_filter={
                        "route__supplier_id": request.tenant.pk,
                        "route__dealer_id": copy.dealer_id,
                    },
                    dealer_request_id=copy.dealer_request_id,
                ),
                "can_decide": copy.status == AfterSalesStatus.AWAITING_SUPPLIER,
                "can_receive": copy.status == AfterSalesStatus.RETURN_SHIPPED,
                "can_ship": can_ship,
                "decision_form": forms.get("decision") or DecisionForm(),
                "receive_form": forms.get("receive") or ReceiveForm(),
                "parcel_form": forms.get("parcel") or (ParcelForm() if can_ship else None),
                "errors": errors,
            },
            status=status,
        )


class RequestDetailView(_RequestPage):
    def get(self, request, pk: int):
        return self.detail(request)


class RequestDecideView(_RequestPage):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                workflow.aftersales_supplier_decide(
                    supplier_request_id=pk,
                    actor=request.user,
                    approve=form.approve,
                    reason=form.cleaned_data["reason"],
                )
            except (WorkflowError, TransitionError) as error:
                form.add_error(None, str(error))
            else:
                return self.done(
                    request,
                    _("Request %(number)s approved.")
                    if form.approve
                    else _("Request %(number)s rejected."),
                )
        return self.detail(request, forms={"decision": form}, status=400)


class RequestReceiveView(_RequestPage):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        form = ReceiveForm(request.POST)
        if form.is_valid():
            try:
                workflow.aftersales_receive(
                    supplier_request_id=pk,
                    actor=request.user,
                    resellable=form.cleaned_data["resellable"],
                )
            except (WorkflowError, TransitionError) as error:
                form.add_error(None, str(error))
            else:
                return self.done(
                    request,
                    _("Return of %(number)s received; the goods are back in stock.")
                    if form.cleaned_data["resellable"]
                    else _("Return of %(number)s received; the goods stay out of stock."),
                )
        return self.detail(request, forms={"receive": form}, status=400)


class ReplacementShipView(_RequestPage):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        form = ParcelForm(request.POST)
        if form.is_valid():
            try:
                workflow.aftersales_replacement_ship(
                    supplier_request_id=pk,
                    actor=request.user,
                    carrier_code=form.cleaned_data["carrier"],
                    tracking_number=form.cleaned_data["tracking_number"],
                )
            except (WorkflowError, TransitionError) as error:
                form.add_error(None, str(error))
            else:
                return self.done(request, _("Replacement for %(number)s shipped."))
        return self.detail(request, forms={"parcel": form}, status=400)


class PhotoView(_RequestPage):
    http_method_names = ["get"]

    def get(self, request, pk: int, name: str):
        path = selectors.supplier_photo_path(self.copy, name)
        if path is None:
            raise Http404
        return photo_response(path)
