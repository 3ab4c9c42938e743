"""After-sales requests in the dealer's backoffice (mounted at /backoffice/aftersales/): list,
detail with photos and history, approve or reject, record the refund.

Every member of the dealer's team (staff and up) sees requests and decides them, as with
orders; recording a refund moves money and needs a manager. A dealer's schema holds only its
own requests, so another dealer's id is a 404 here, for every method.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role
from accounts.permissions import BACKOFFICE_LAYOUTS, TenantBackofficeMixin
from orders import selectors_aftersales as selectors
from orders.forms_aftersales import AfterSalesFilterForm, DecisionForm, RefundForm
from orders.models import AfterSalesKind, AfterSalesStatus, Refund
from orders.states import TransitionError
from orders.views_aftersales import photo_response
from orders.workflow import aftersales as workflow
from orders.workflow.common import WorkflowError

PAGE_SIZE = 25


class _Page(TenantBackofficeMixin, View):
    required_role = Role.STAFF

    def page(self, request, template: str, context: dict, status: int = 200):
        context["backoffice_layout"] = BACKOFFICE_LAYOUTS[request.tenant.type]
        return render(request, template, context, status=status)


class RequestListView(_Page):
    """The after-sales requests of this schema, filtered and paginated. The supplier's list
    (fulfilment.views_aftersales) is this view with its own selector and template."""

    template_name = "orders/aftersales/backoffice_list.html"

    @staticmethod
    def requests_filtered(**filters):
        return selectors.dealer_request_list(**filters)

    def get(self, request):
        filters = AfterSalesFilterForm(request.GET or None)
        cleaned = filters.cleaned_data if filters.is_valid() else {}
        requests = self.requests_filtered(
            status=cleaned.get("status", ""),
            kind=cleaned.get("kind", ""),
            search=cleaned.get("q", ""),
        )
        page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return self.page(
            request,
            self.template_name,
            {
                "filters": filters,
                "page_obj": page,
                "requests": page.object_list,
                "query": query.urlencode(),
            },
        )


def refundable(aftersales) -> bool:
    if aftersales.kind == AfterSalesKind.REFUND_ONLY:
        return aftersales.status == AfterSalesStatus.APPROVED
    return aftersales.status == AfterSalesStatus.RECEIVED


class _RequestPage(_Page):
    """A page about one request of this dealer (404 for every method otherwise)."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.has_role(self.required_role):
            self.aftersales = selectors.dealer_request_get(pk=kwargs["pk"])
            if self.aftersales is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def detail_url(self) -> str:
        return reverse("dealer-aftersales:request-detail", kwargs={"pk": self.aftersales.pk})

    def detail(self, request, *, decision_form=None, refund_form=None, status=200):
        aftersales = self.aftersales
        refund = Refund.objects.filter(aftersales_id=aftersales.pk).first()
        errors = [
            error
            for form in (decision_form, refund_form)
            if form is not None and form.is_bound
            for error in form.non_field_errors()
        ]
        return self.page(
            request,
            "orders/aftersales/backoffice_detail.html",
            {
                "aftersales": aftersales,
                "order": aftersales.order,
                "line": aftersales.line,
                "photos": list(aftersales.photos.all()),
                "history": selectors.history_rows(selectors.request_history(aftersales)),
                "tracks": selectors.request_tracks(
                    route_filter={"route__dealer_id": request.tenant.pk},
                    dealer_request_id=aftersales.pk,
                ),
                "refund": refund,
                "can_decide": aftersales.status == AfterSalesStatus.REQUESTED,
                "can_refund": refundable(aftersales) and request.user.has_role(Role.MANAGER),
                "decision_form": decision_form or DecisionForm(),
                "refund_form": refund_form or RefundForm(),
                "deadline": selectors.aftersales_deadline(aftersales.order),
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
                workflow.aftersales_dealer_decide(
                    request_id=pk,
                    actor=request.user,
                    approve=form.approve,
                    reason=form.cleaned_data["reason"],
                )
            except (WorkflowError, TransitionError) as error:
                form.add_error(None, str(error))
            else:
                message = (
                    _("Request %(number)s passed on to the supplier.")
                    if form.approve
                    else _("Request %(number)s rejected.")
                )
                messages.success(request, message % {"number": self.aftersales.number})
                return HttpResponseRedirect(self.detail_url())
        return self.detail(request, decision_form=form, status=400)


class RefundCreateView(_RequestPage):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        if not request.user.has_role(Role.MANAGER):
            raise PermissionDenied
        form = RefundForm(request.POST)
        if form.is_valid():
            try:
                refund = workflow.aftersales_refund(
                    request_id=pk, actor=request.user, reference=form.cleaned_data["reference"]
                )
            except (WorkflowError, TransitionError) as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Refund of ¥%(amount)s recorded for %(number)s.")
                    % {"amount": f"{refund.amount:,.2f}", "number": self.aftersales.number},
                )
                return HttpResponseRedirect(self.detail_url())
        self.aftersales = selectors.dealer_request_get(pk=pk)
        return self.detail(request, refund_form=form, status=400)


class PhotoView(_RequestPage):
    http_method_names = ["get"]

    def get(self, request, pk: int, photo_pk: int):
        photo = selectors.request_photo_get(request_id=pk, photo_id=photo_pk)
        if photo is None:
            raise Http404
        return photo_response(photo.image.name)
