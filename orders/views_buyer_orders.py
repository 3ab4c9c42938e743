"""The buyer company's orders on the storefront: list, detail (parts, payment, tracking,
history), cancel, confirm receipt, reorder; payments (online through the gateway, bank
transfer proof) and the buyer's notifications. Every order is read through the buyer's
company: another company's order (or another dealer's) is a 404."""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.models import Role
from accounts.notifications import notification_list, notification_mark_read
from buyers.selectors import buyer_of
from orders import cart as cart_services
from orders import payments
from orders import selectors_buyer as selectors
from orders.forms_storefront import OrderCancelForm, PaymentProofForm
from orders.models import (
    Order,
    OrderSettings,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentRecordStatus,
    PaymentStatus,
)
from orders.views_cart import ShopPageMixin
from orders.workflow.common import TransitionError, WorkflowError
from orders.workflow.lifecycle import buyer_may_cancel, order_cancel, order_receipt_confirm

PAGE_SIZE = 20


class _OrderMixin(ShopPageMixin):
    def order_or_404(self, pk: int) -> Order:
        order = Order.objects.filter(pk=pk, company_id=self.buyer.company_id).first()
        if order is None:
            raise Http404
        return order


class OrderListView(ShopPageMixin, TemplateView):
    template_name = "orders/storefront/order_list.html"

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", "")
        orders = selectors.order_list(company_id=self.buyer.company_id, status=status)
        page = Paginator(orders, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page_obj=page,
            orders=page.object_list,
            status=status if status in OrderStatus.values else "",
            statuses=OrderStatus.choices,
            page_title=_("My orders"),
            **kwargs,
        )


def _history_rows(order: Order) -> list[dict]:
    splits = {split.pk: split for split in order.splits.all()}
    rows = []
    for change in selectors.order_history(order=order):
        split = splits.get(change.subject_id) if change.subject_type == "split" else None
        record = split or order
        rows.append(
            {
                "time": change.created_at,
                "subject": split.supplier_name if split else _("Order"),
                "status": record.status_label(change.to_status),
                "actor": change.actor_label,
                "reason": change.reason,
            }
        )
    return rows


class OrderDetailView(_OrderMixin, TemplateView):
    template_name = "orders/storefront/order_detail.html"

    def http_method_not_allowed(self, request, *args, **kwargs):
        # Another company's (or dealer's) order is a 404 whatever the method: a 405 would say
        # the id means something here.
        self.order_or_404(kwargs["pk"])
        return super().http_method_not_allowed(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from routing.selectors import order_tracks

        try:
            order = selectors.order_detail(company_id=self.buyer.company_id, pk=self.kwargs["pk"])
        except Order.DoesNotExist:
            raise Http404 from None
        payments_list = list(order.payments.all())
        bank_transfer = order.payment_method == PaymentMethod.BANK_TRANSFER
        payable = order.status != OrderStatus.CANCELLED and order.payment_status in (
            PaymentStatus.UNPAID,
            PaymentStatus.PROOF_SUBMITTED,
        )
        splits = list(order.splits.all())
        return super().get_context_data(
            order=order,
            splits=splits,
            payments=payments_list,
            history=_history_rows(order),
            tracks=order_tracks(dealer_id=self.request.tenant.pk, dealer_order_id=order.pk),
            may_cancel=buyer_may_cancel(order, [split.status for split in splits]),
            may_confirm_receipt=order.status == OrderStatus.SHIPPED,
            may_pay_online=payable
            and order.payment_method == PaymentMethod.ONLINE
            and order.payment_status == PaymentStatus.UNPAID,
            may_send_proof=payable and bank_transfer,
            bank_account=OrderSettings.current().bank_account if bank_transfer else "",
            cancel_form=OrderCancelForm(),
            proof_form=PaymentProofForm(),
            page_title=_("Order %(number)s") % {"number": order.number},
            **kwargs,
        )


class OrderCancelView(_OrderMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        order = self.order_or_404(pk)
        form = OrderCancelForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say why you cancel the order."))
            return redirect("shop:order-detail", pk=order.pk)
        try:
            order_cancel(
                order_id=order.pk,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                by="buyer",
            )
        except (WorkflowError, TransitionError) as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Order %(number)s has been cancelled.") % {"number": order.number}
            )
        return redirect("shop:order-detail", pk=order.pk)


class OrderReceiptView(_OrderMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        order = self.order_or_404(pk)
        try:
            order_receipt_confirm(order_id=order.pk, actor=request.user)
        except (WorkflowError, TransitionError) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you: receipt of the goods is confirmed."))
        return redirect("shop:order-detail", pk=order.pk)


class OrderReorderView(_OrderMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        order = self.order_or_404(pk)
        try:
            result = cart_services.order_reorder(
                user=request.user,
                company_id=self.buyer.company_id,
                dealer_id=self.dealer_id,
                order_id=order.pk,
            )
        except cart_services.CartError as error:
            messages.error(request, str(error))
            return redirect("shop:order-detail", pk=order.pk)
        if result.added:
            messages.success(
                request,
                _("The items of order %(number)s are in your cart.") % {"number": order.number},
            )
        if result.skipped:
            messages.warning(
                request,
                _("No longer sold here, so not added: %(items)s.")
                % {"items": "、".join(result.skipped)},
            )
        return redirect("shop:cart")


# --- Payments ------------------------------------------------------------------------------------


class PayStartView(_OrderMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        order = self.order_or_404(pk)
        try:
            _payment, url = payments.payment_online_start(
                order_id=order.pk, company_id=self.buyer.company_id
            )
        except payments.PaymentError as error:
            messages.error(request, str(error))
            return redirect("shop:order-detail", pk=order.pk)
        return redirect(url)


class PaySandboxView(ShopPageMixin, TemplateView):
    """The sandbox gateway's "bank" page: the amount, and Pay / Fail."""

    template_name = "orders/storefront/pay_sandbox.html"

    def _payment(self, reference: str) -> Payment:
        payment = selectors.pending_online_payment(
            reference=reference,
            company_id=self.buyer.company_id,
            gateway=payments.SandboxGateway.name,
        )
        if payment is None:
            raise Http404
        return payment

    def get_context_data(self, **kwargs):
        payment = self._payment(self.kwargs["reference"])
        return super().get_context_data(
            payment=payment, order=payment.order, page_title=_("Sandbox bank"), **kwargs
        )

    def post(self, request, reference: str):
        payment = self._payment(reference)
        outcome = request.POST.get("outcome")
        if outcome not in (PaymentRecordStatus.SUCCEEDED, PaymentRecordStatus.FAILED):
            messages.error(request, _("Choose Pay or Fail."))
            return redirect("shop:pay-sandbox", reference=reference)
        payment = payments.SandboxGateway().complete(reference, outcome)
        if payment.status == PaymentRecordStatus.SUCCEEDED:
            messages.success(request, _("Payment received. Thank you!"))
        else:
            messages.error(request, _("The payment failed. You can try again from the order page."))
        return redirect("shop:order-detail", pk=payment.order_id)


class PaymentProofView(_OrderMixin, TemplateView):
    template_name = "orders/storefront/payment_proof.html"

    def _context(self, order, form, **kwargs):
        return self.get_context_data(
            order=order,
            form=form,
            bank_account=OrderSettings.current().bank_account,
            page_title=_("Transfer proof for order %(number)s") % {"number": order.number},
            **kwargs,
        )

    def get(self, request, pk: int):
        order = self.order_or_404(pk)
        return self.render_to_response(self._context(order, PaymentProofForm()))

    def post(self, request, pk: int):
        order = self.order_or_404(pk)
        form = PaymentProofForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                payments.payment_proof_submit(
                    order_id=order.pk,
                    company_id=self.buyer.company_id,
                    upload=form.cleaned_data["proof"],
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error("proof", error)
            except payments.PaymentError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Thank you: the store will confirm the payment once the money arrives."),
                )
                return redirect("shop:order-detail", pk=order.pk)
        return self.render_to_response(self._context(order, form), status=400)


PROOF_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}


class PaymentProofFileView(View):
    """A transfer proof, on the dealer's own domain only, to the order's buyer company and the
    dealer's staff. Files are in the tenant's media folder (TenantFileSystemStorage)."""

    def post(self, request, pk: int):
        return self.get(request, pk, allowed=False)

    def get(self, request, pk: int, allowed: bool = True):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.type != "dealer":
            raise Http404
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.has_role(Role.STAFF):
            company_id = None
        else:
            buyer = buyer_of(user)
            if buyer is None:
                raise Http404
            company_id = buyer.company_id
        payment = selectors.proof_payment(pk=pk, company_id=company_id)
        if payment is None:
            raise Http404
        if not allowed:  # a file is only read (405 only where the id means something)
            return HttpResponseNotAllowed(["GET", "HEAD"])
        name = payment.proof.name
        content_type = PROOF_TYPES.get(os.path.splitext(name)[1].lower())
        if content_type is None or not default_storage.exists(name):
            raise Http404
        with default_storage.open(name, "rb") as file:  # at most the upload limit (a few MB)
            response = HttpResponse(file.read(), content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'"
        response["Cache-Control"] = "private, no-store"
        response["Content-Disposition"] = (
            f'inline; filename="proof-{payment.pk}{os.path.splitext(name)[1]}"'
        )
        return response


# --- Notifications -------------------------------------------------------------------------------


class NotificationListView(ShopPageMixin, TemplateView):
    template_name = "orders/storefront/notification_list.html"

    def get_context_data(self, **kwargs):
        page = Paginator(notification_list(user=self.request.user), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        return super().get_context_data(
            page_obj=page,
            notifications=page.object_list,
            page_title=_("Notifications"),
            **kwargs,
        )


class NotificationReadView(ShopPageMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        notification = notification_mark_read(user=request.user, notification_id=pk)
        if notification is None:
            raise Http404
        if notification.link and notification.link.startswith("/") and request.POST.get("open"):
            return redirect(notification.link)
        return redirect("shop:notifications")
