"""A buyer's after-sales requests on the dealer's storefront (mounted at /aftersales/).

Every page is for a signed-in buyer (``BuyerRequiredMixin``) and shows only requests on orders
of the buyer's company: any other id is a 404, for every method. Thin views: parse, call one
workflow function or selector, render.
"""

from __future__ import annotations

import os

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from buyers.permissions import BuyerRequiredMixin
from buyers.views import StorefrontPageMixin
from orders import selectors_aftersales as selectors
from orders.forms_aftersales import AfterSalesRequestForm, ParcelForm, WithdrawForm
from orders.models import AfterSalesStatus
from orders.states import TransitionError
from orders.workflow import aftersales as workflow
from orders.workflow.common import WorkflowError

PAGE_SIZE = 20
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}
WITHDRAWABLE = (
    AfterSalesStatus.REQUESTED,
    AfterSalesStatus.AWAITING_SUPPLIER,
    AfterSalesStatus.APPROVED,
)


def photo_response(name: str) -> FileResponse:
    """A stored photo of the active schema, with headers that keep browsers from sniffing."""
    content_type = IMAGE_TYPES.get(os.path.splitext(name)[1].lower())
    if content_type is None or not default_storage.exists(name):
        raise Http404
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response


class _BuyerPage(BuyerRequiredMixin, StorefrontPageMixin, TemplateView):
    page_title = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_title"] = self.page_title
        return context


class RequestListView(_BuyerPage):
    template_name = "orders/aftersales/request_list.html"

    def get_context_data(self, **kwargs):
        self.page_title = _("After-sales")
        context = super().get_context_data(**kwargs)
        requests = selectors.buyer_request_list(company_id=self.buyer.company_id)
        page = Paginator(requests, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(page_obj=page, requests=page.object_list)
        return context


class RequestCreateView(_BuyerPage):
    """A request on one line of one of the company's orders."""

    template_name = "orders/aftersales/request_create.html"

    def line_load(self):
        line = selectors.buyer_line_get(
            company_id=self.buyer.company_id,
            order_id=self.kwargs["order_pk"],
            line_id=self.kwargs["line_pk"],
        )
        if line is None:
            raise Http404
        return line

    def get_context_data(self, **kwargs):
        self.page_title = _("Ask for after-sales")
        context = super().get_context_data(**kwargs)
        line = kwargs.get("line") or self.line_load()
        left = selectors.aftersales_quantity_left(line)
        context.update(
            line=line,
            order=line.order,
            quantity_left=left,
            window_open=selectors.aftersales_window_open(line.order),
            deadline=selectors.aftersales_deadline(line.order),
            form=kwargs.get("form") or AfterSalesRequestForm(quantity_left=left),
        )
        return context

    def post(self, request, *args, **kwargs):
        line = self.line_load()
        left = selectors.aftersales_quantity_left(line)
        form = AfterSalesRequestForm(request.POST, request.FILES, quantity_left=left)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = workflow.aftersales_request(
                    order_id=line.order_id,
                    line_id=line.pk,
                    buyer=request.user,
                    kind=data["kind"],
                    quantity=data["quantity"],
                    reason=form.reason_text,
                    description=data["description"],
                    photos=data["photos"],
                )
            except (WorkflowError, TransitionError) as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("After-sales request %(number)s sent: the store will review it.")
                    % {"number": created.number},
                )
                return HttpResponseRedirect(
                    reverse("shop-aftersales:request-detail", kwargs={"pk": created.pk})
                )
        context = self.get_context_data(line=line, form=form)
        return self.render_to_response(context, status=400)


class _RequestPage(_BuyerPage):
    """A page about one request of the buyer's company (404 otherwise, for every method)."""

    template_name = "orders/aftersales/request_detail.html"

    def request_load(self):
        found = selectors.buyer_request_get(company_id=self.buyer.company_id, pk=self.kwargs["pk"])
        if found is None:
            raise Http404
        return found

    def detail_url(self, pk: int) -> str:
        return reverse("shop-aftersales:request-detail", kwargs={"pk": pk})

    def http_method_not_allowed(self, request, *args, **kwargs):
        self.request_load()  # another company's id is a 404 for every method
        return super().http_method_not_allowed(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        aftersales = kwargs.pop("aftersales", None) or self.request_load()
        self.page_title = _("After-sales request %(number)s") % {"number": aftersales.number}
        context = super().get_context_data(**kwargs)
        can_ship_back = (
            aftersales.status == AfterSalesStatus.APPROVED
            and aftersales.kind in workflow.GOODS_KINDS
        )
        context.update(
            aftersales=aftersales,
            photos=list(aftersales.photos.all()),
            history=selectors.history_rows(selectors.request_history(aftersales)),
            tracks=selectors.request_tracks(
                route_filter={"route__dealer_id": self.request.tenant.pk},
                dealer_request_id=aftersales.pk,
            ),
            can_ship_back=can_ship_back,
            can_withdraw=aftersales.status in WITHDRAWABLE,
            parcel_form=kwargs.get("parcel_form") or (ParcelForm() if can_ship_back else None),
            withdraw_form=WithdrawForm(),
        )
        return context


class RequestDetailView(_RequestPage):
    pass


class ReturnShipView(_RequestPage):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        aftersales = self.request_load()
        form = ParcelForm(request.POST)
        if form.is_valid():
            try:
                workflow.aftersales_return_ship(
                    request_id=aftersales.pk,
                    buyer=request.user,
                    carrier_code=form.cleaned_data["carrier"],
                    tracking_number=form.cleaned_data["tracking_number"],
                )
            except (WorkflowError, TransitionError) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Return parcel recorded. Thank you."))
                return HttpResponseRedirect(self.detail_url(aftersales.pk))
        context = self.get_context_data(aftersales=aftersales, parcel_form=form)
        context["can_ship_back"] = True
        return self.render_to_response(context, status=400)


class WithdrawView(_RequestPage):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        aftersales = self.request_load()
        form = WithdrawForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            workflow.aftersales_withdraw(
                request_id=aftersales.pk, buyer=request.user, reason=reason
            )
        except (WorkflowError, TransitionError) as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("After-sales request %(number)s withdrawn.") % {"number": aftersales.number},
            )
        return HttpResponseRedirect(self.detail_url(aftersales.pk))


class PhotoView(_RequestPage):
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        aftersales = self.request_load()
        photo = selectors.request_photo_get(request_id=aftersales.pk, photo_id=kwargs["photo_pk"])
        if photo is None:
            raise Http404
        return photo_response(photo.image.name)
