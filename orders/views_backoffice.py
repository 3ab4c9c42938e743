"""The dealer's orders in its backoffice (dealer domain, under /backoffice/orders/).

Who may do what (accounts.models.Role):
* staff and up: the order list and export, an order's detail, and orders on a buyer's behalf
  (代下单: the sales desk takes orders by phone);
* manager and up: the margins, releasing an order under review, cancelling, bank transfers
  (confirm / reject), the CSV import, shipping methods and the order settings.

A dealer's schema holds only its own orders, so an id of another dealer's order is a 404 here
for every method.
"""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django_tenants.utils import tenant_context

from accounts.models import Role
from accounts.permissions import BACKOFFICE_LAYOUTS, TenantBackofficeMixin
from orders import importing, selectors_dealer, services_settings
from orders.forms_backoffice import (
    CompanyChoiceForm,
    OnBehalfOrderForm,
    OrderCancelForm,
    OrderFilterForm,
    OrderImportForm,
    OrderSettingsForm,
    ShippingMethodForm,
)
from orders.models import OrderStatus, PaymentRecordStatus
from orders.payments import payment_confirm, payment_reject
from orders.workflow.checkout import CheckoutError, order_place
from orders.workflow.common import WorkflowError
from orders.workflow.lifecycle import DEALER_MAY_CANCEL, order_cancel, order_release
from routing.selectors import order_tracks

PAGE_SIZE = 25


class _Page(TenantBackofficeMixin, View):
    required_role = Role.STAFF

    def page(self, request, template: str, context: dict, status: int = 200):
        context["backoffice_layout"] = BACKOFFICE_LAYOUTS[request.tenant.type]
        return render(request, template, context, status=status)


def _filters(request) -> tuple[OrderFilterForm, dict]:
    form = OrderFilterForm(
        request.GET or None, supplier_choices=selectors_dealer.supplier_choices()
    )
    return form, form.filters()


# --- List and export -----------------------------------------------------------------------------


class OrderListView(_Page):
    def get(self, request):
        filters, chosen = _filters(request)
        orders = selectors_dealer.order_list(**chosen)
        page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
        return self.page(
            request,
            "orders/backoffice/order_list.html",
            {
                "filters": filters,
                "page_obj": page,
                "orders": page.object_list,
                "export_query": urlencode(
                    {k: v for k, v in request.GET.items() if k != "page" and v}
                ),
            },
        )


EXPORT_HEADER = (
    "order_number",
    "placed_at",
    "status",
    "channel",
    "buyer_company",
    "recipient",
    "phone",
    "address",
    "payment_method",
    "payment_status",
    "supplier",
    "supplier_order",
    "part_status",
    "sku",
    "product",
    "variant",
    "quantity",
    "unit_price",
    "line_total",
    "supply_price",
    "margin",
    "order_goods_total",
    "order_shipping_fee",
    "order_total",
)


class _Echo:
    def write(self, value):
        return value


class OrderExportView(_Page):
    """CSV of the filtered list: one row per order line, UTF-8 with BOM, streamed."""

    required_role = Role.MANAGER  # it carries supply prices and margins

    def get(self, request):
        _form, chosen = _filters(request)
        tenant = request.tenant
        response = StreamingHttpResponse(
            self._rows(tenant, chosen), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
        return response

    @staticmethod
    def _rows(tenant, chosen):
        writer = csv.writer(_Echo())
        yield "\ufeff"  # BOM: Excel then opens the Chinese text as UTF-8
        yield writer.writerow(EXPORT_HEADER)
        # The response is consumed after the middleware has put the connection back to the
        # public schema: read in this dealer's own schema again (the request's tenant).
        with tenant_context(tenant):
            orders = selectors_dealer.order_list(**chosen)
            for line in selectors_dealer.order_export_lines(orders):
                order, split = line.order, line.split
                yield writer.writerow(
                    [
                        order.number,
                        timezone.localtime(order.placed_at).strftime("%Y-%m-%d %H:%M"),
                        order.get_status_display(),
                        order.get_channel_display(),
                        order.company.name,
                        order.ship_recipient,
                        order.ship_phone,
                        order.ship_address,
                        order.get_payment_method_display(),
                        order.get_payment_status_display(),
                        split.supplier_name,
                        split.supplier_order_number,
                        split.get_status_display(),
                        line.sku_code,
                        line.product_name,
                        line.variant_text,
                        line.quantity,
                        f"{line.unit_price:.2f}",
                        f"{line.line_total:.2f}",
                        f"{line.supply_price:.2f}",
                        f"{selectors_dealer.line_margin(line):.2f}",
                        f"{order.goods_total:.2f}",
                        f"{order.shipping_fee:.2f}",
                        f"{order.total:.2f}",
                    ]
                )


# --- One order and its actions -------------------------------------------------------------------


class OrderDetailView(_Page):
    def dispatch(self, request, *args, **kwargs):
        # Another dealer's order id is a 404 for every method, before "method not allowed".
        user = request.user
        if user.is_authenticated and user.has_role(self.required_role):
            self.detail = selectors_dealer.order_detail(pk=kwargs["pk"])
            if self.detail is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk: int):
        return self.page(request, "orders/backoffice/order_detail.html", self.context(self.detail))

    def context(self, detail, cancel_form=None) -> dict:
        order = detail.order
        manager = self.request.user.has_role(Role.MANAGER)
        return {
            "detail": detail,
            "order": order,
            "tracks": order_tracks(dealer_id=self.request.tenant.pk, dealer_order_id=order.pk),
            "show_margin": manager,
            "can_release": manager and order.status == OrderStatus.REVIEW,
            "can_cancel": manager and order.status in DEALER_MAY_CANCEL,
            "cancel_form": cancel_form or OrderCancelForm(),
            "can_settle_payments": manager,
            "payment_pending": PaymentRecordStatus.PENDING,
        }


class _OrderAction(_Page):
    """POST-only action on one of this dealer's orders; answers with a redirect to it."""

    required_role = Role.MANAGER

    def post(self, request, pk: int, **kwargs):
        order = selectors_dealer.order_get(pk=pk)
        if order is None:
            raise Http404
        try:
            text = self.act(request, order, **kwargs)
        except (WorkflowError, ValidationError) as error:
            for message in getattr(error, "messages", [str(error)]):
                messages.error(request, message)
        else:
            if text:
                messages.success(request, text)
        return HttpResponseRedirect(reverse("dealer-orders:order-detail", args=[order.pk]))


class OrderReleaseView(_OrderAction):
    def act(self, request, order):
        released = order_release(order_id=order.pk, actor=request.user)
        return _("Order %(number)s went to the suppliers.") % {"number": released.number}


class OrderCancelView(_OrderAction):
    def act(self, request, order):
        form = OrderCancelForm(request.POST)
        if not form.is_valid():
            raise WorkflowError(_("Say why the order is cancelled."))
        cancelled = order_cancel(
            order_id=order.pk, actor=request.user, reason=form.cleaned_data["reason"], by="dealer"
        )
        return _("Order %(number)s is cancelled; the stock is released and the buyer is told.") % {
            "number": cancelled.number
        }


class PaymentConfirmView(_OrderAction):
    """A bank transfer's proof checked against the account: the money arrived."""

    def act(self, request, order, payment_id: int):
        if not order.payments.filter(pk=payment_id).exists():
            raise Http404
        payment_confirm(payment_id=payment_id, actor=request.user)
        return _("The payment is confirmed.")


class PaymentRejectView(_OrderAction):
    """The transfer was not found: the payment fails and the buyer is told."""

    def act(self, request, order, payment_id: int):
        if not order.payments.filter(pk=payment_id).exists():
            raise Http404
        payment_reject(
            payment_id=payment_id,
            actor=request.user,
            reason=(request.POST.get("reason") or "").strip()[:500],
        )
        return _("The payment is rejected; the buyer is told.")


# --- Orders on a buyer's behalf (代下单) ----------------------------------------------------------


class OrderCreateView(_Page):
    """代下单. Only for dealers whose level may place orders for buyers (network levels)."""

    template_name = "orders/backoffice/order_create.html"

    def dispatch(self, request, *args, **kwargs):
        from network.selectors import dealer_may

        tenant = getattr(request, "tenant", None)
        if (
            tenant is not None
            and tenant.type == "dealer"
            and not dealer_may(tenant, "order_for_buyers")
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        companies = selectors_dealer.company_choices()
        chooser = CompanyChoiceForm(request.GET or None, companies=companies)
        form = None
        if chooser.is_valid():
            company = selectors_dealer.company_get(pk=chooser.cleaned_data["company"])
            if company is not None:
                form = OnBehalfOrderForm(company=company)
        return self._render(request, chooser, form, companies)

    def post(self, request):
        companies = selectors_dealer.company_choices()
        try:
            company_id = int(request.POST.get("company", ""))
        except ValueError:
            company_id = 0
        company = next((c for c in companies if c.pk == company_id), None)
        if company is None:
            messages.error(request, _("Choose the buyer company again."))
            return HttpResponseRedirect(reverse("dealer-orders:order-create"))
        chooser = CompanyChoiceForm(initial={"company": company.pk}, companies=companies)
        form = OnBehalfOrderForm(request.POST, company=company)
        if form.is_valid():
            try:
                order, created = order_place(form.checkout_request(actor=request.user))
            except CheckoutError as error:
                form.checkout_error_apply(error)
            else:
                messages.success(
                    request,
                    (
                        _("Order %(number)s is placed for %(company)s.")
                        if created
                        else _("Order %(number)s was already placed with this form.")
                    )
                    % {"number": order.number, "company": company.name},
                )
                return HttpResponseRedirect(reverse("dealer-orders:order-detail", args=[order.pk]))
        return self._render(request, chooser, form, companies, status=400)

    def _render(self, request, chooser, form, companies, status=200):
        return self.page(
            request,
            self.template_name,
            {"chooser": chooser, "form": form, "companies": companies},
            status=status,
        )


# --- CSV import ----------------------------------------------------------------------------------


class OrderImportView(_Page):
    required_role = Role.MANAGER
    template_name = "orders/backoffice/order_import.html"

    def get(self, request):
        return self._render(request, OrderImportForm())

    def post(self, request):
        form = OrderImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form, status=400)
        upload = form.cleaned_data["file"]
        report = importing.orders_import(data=upload.read(), actor=request.user)
        if report.ok and report.created:
            messages.success(
                request,
                _("%(count)s order(s) imported.") % {"count": len(report.created)},
            )
        return self._render(
            request,
            OrderImportForm(),
            report=report,
            file_name=upload.name,
            status=200 if report.ok else 400,
        )

    def _render(self, request, form, *, report=None, file_name="", status=200):
        return self.page(
            request,
            self.template_name,
            {
                "form": form,
                "report": report,
                "file_name": file_name,
                "columns": importing.COLUMNS,
                "max_rows": importing.MAX_ROWS,
            },
            status=status,
        )


class OrderImportTemplateView(_Page):
    required_role = Role.MANAGER

    def get(self, request):
        response = HttpResponse(importing.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="order-import-template.csv"'
        return response


# --- Shipping methods and order settings ---------------------------------------------------------


class ShippingListView(_Page):
    required_role = Role.MANAGER

    def get(self, request):
        return self.page(
            request,
            "orders/backoffice/shipping_list.html",
            {"methods": selectors_dealer.shipping_method_list()},
        )


def _form_errors_apply(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class ShippingCreateView(_Page):
    required_role = Role.MANAGER
    template_name = "orders/backoffice/shipping_form.html"

    def get(self, request):
        return self.page(request, self.template_name, {"form": ShippingMethodForm()})

    def post(self, request):
        form = ShippingMethodForm(request.POST)
        if form.is_valid():
            try:
                method = services_settings.shipping_method_create(
                    actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                _form_errors_apply(form, error)
            else:
                messages.success(request, _("“%(name)s” is added.") % {"name": method.name})
                return HttpResponseRedirect(reverse("dealer-orders:shipping-list"))
        return self.page(request, self.template_name, {"form": form}, status=400)


class ShippingUpdateView(_Page):
    required_role = Role.MANAGER
    template_name = "orders/backoffice/shipping_form.html"

    def _method(self, pk):
        method = selectors_dealer.shipping_method_get(pk=pk)
        if method is None:
            raise Http404
        return method

    def get(self, request, pk: int):
        method = self._method(pk)
        return self.page(
            request, self.template_name, {"form": ShippingMethodForm.of(method), "method": method}
        )

    def post(self, request, pk: int):
        method = self._method(pk)
        form = ShippingMethodForm(request.POST)
        if form.is_valid():
            try:
                services_settings.shipping_method_update(
                    actor=request.user, method_id=method.pk, **form.cleaned_data
                )
            except ValidationError as error:
                _form_errors_apply(form, error)
            else:
                messages.success(request, _("The shipping method is saved."))
                return HttpResponseRedirect(reverse("dealer-orders:shipping-list"))
        return self.page(request, self.template_name, {"form": form, "method": method}, status=400)


class OrderSettingsView(_Page):
    required_role = Role.MANAGER
    template_name = "orders/backoffice/settings_update.html"

    def get(self, request):
        settings = selectors_dealer.order_settings()
        return self.page(request, self.template_name, {"form": OrderSettingsForm.of(settings)})

    def post(self, request):
        form = OrderSettingsForm(request.POST)
        if form.is_valid():
            try:
                services_settings.order_settings_update(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _form_errors_apply(form, error)
            else:
                messages.success(request, _("The order settings are saved."))
                return HttpResponseRedirect(reverse("dealer-orders:settings"))
        return self.page(request, self.template_name, {"form": form}, status=400)
