"""Checkout on the storefront: the cart priced, address, shipping, payment, invoice; one POST
places the order through orders.workflow.checkout.order_place.

The form carries an idempotency key made when the page is rendered and kept through every
re-render after an error: a double submission lands on the same order. It also carries a
token of the cart it showed, so an order is never placed for contents the buyer did not see
(another tab changed the cart).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from buyers.selectors import address_list, buyer_order_refusal
from orders import payments
from orders import selectors_buyer as selectors
from orders.forms_storefront import CheckoutForm
from orders.models import Order, PaymentMethod, ShippingMethod
from orders.views_cart import ShopPageMixin
from orders.workflow.checkout import (
    CheckoutError,
    CheckoutRequest,
    IdempotencyConflict,
    order_place,
)


class CheckoutView(ShopPageMixin, TemplateView):
    template_name = "orders/storefront/checkout.html"

    def _setup(self):
        """Everything the page shows: the cart priced, addresses, shipping options, credit."""
        user = self.request.user
        company = self.buyer.company
        if not hasattr(self, "items"):
            self.items = selectors.cart_items(user=user)
        from orders.quote import quote_build

        self.quote = quote_build(dealer_id=self.dealer_id, items=self.items)
        self.addresses = list(address_list(company=company))
        self.options = selectors.shipping_options(quote=self.quote)
        self.credit_left = selectors.credit_remaining(company=company)
        self.refusal = buyer_order_refusal(user)

    def _form(self, data=None, *, addresses=None, methods=None):
        return CheckoutForm(
            data,
            addresses=self.addresses if addresses is None else addresses,
            methods=[option.method for option in self.options] if methods is None else methods,
            on_account=self.buyer.company.on_account,
            initial=self._initial() if data is None else None,
        )

    def _initial(self):
        company = self.buyer.company
        default = next((a for a in self.addresses if a.is_default), None) or (
            self.addresses[0] if self.addresses else None
        )
        return {
            "address": default.pk if default else None,
            "shipping_method": self.options[0].method.pk if self.options else None,
            "payment_method": PaymentMethod.BANK_TRANSFER,
            "invoice_company": company.name,
            "invoice_tax_number": company.tax_number,
            "idempotency_key": uuid.uuid4().hex,
            "cart_token": selectors.items_token(self.items),
        }

    def _render(self, form, *, error: str = "", line_errors=None, status: int = 200):
        if not hasattr(self, "quote"):
            self._setup()
        line_errors = line_errors or self.quote.line_errors
        groups: dict[str, list] = {}
        for line in self.quote.lines:
            name = line.sku.offer.supplier.name if line.sku else ""
            groups.setdefault(name, []).append(line)
        context = self.get_context_data(
            form=form,
            quote=self.quote,
            groups=list(groups.items()),
            line_errors=line_errors,
            addresses=self.addresses,
            options=self.options,
            credit_left=self.credit_left,
            on_account=self.buyer.company.on_account,
            refusal=self.refusal,
            error=error,
            key=form["idempotency_key"].value(),
            cart_token=form["cart_token"].value(),
            page_title=_("Checkout"),
        )
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        self._setup()
        return self._render(self._form())

    def post(self, request, *args, **kwargs):
        # Placing the order prices the cart itself (order_place): the page's quote, shipping
        # options and credit are built only when the page has to be shown again.
        self.items = selectors.cart_items(user=request.user)
        key = (request.POST.get("idempotency_key") or "").strip()
        if not self.items:
            # A second click after the order was placed (the cart is empty now): same order.
            order = Order.objects.filter(idempotency_key=key, company=self.buyer.company).first()
            if order is not None:
                return redirect("shop:order-detail", pk=order.pk)
            messages.info(request, _("Your cart is empty."))
            return redirect("shop:cart")
        form = self._form(
            request.POST,
            addresses=list(address_list(company=self.buyer.company)),
            methods=list(ShippingMethod.objects.filter(is_active=True)),
        )
        refusal = buyer_order_refusal(request.user)
        if refusal:
            return self._render(form, error=refusal, status=403)
        if not form.is_valid():
            return self._render(form, error=_("Please correct the marked fields."), status=400)
        data = form.cleaned_data
        token = data.get("cart_token") or ""
        if (
            token != selectors.items_token(self.items)
            and not Order.objects.filter(idempotency_key=key).exists()
        ):
            form.data = form.data.copy()
            form.data["cart_token"] = selectors.items_token(self.items)
            return self._render(
                form,
                error=_(
                    "Your cart changed since this page was opened. Check the items and totals "
                    "below and place the order again."
                ),
                status=409,
            )
        checkout = CheckoutRequest(
            buyer_id=request.user.pk,
            items=tuple(self.items),
            address_id=data["address"],
            shipping_method_id=data["shipping_method"],
            payment_method=data["payment_method"],
            idempotency_key=data["idempotency_key"],
            invoice_type=data["invoice_type"],
            invoice_company=data["invoice_company"],
            invoice_tax_number=data["invoice_tax_number"],
            note=data["note"],
        )
        try:
            order, created = order_place(checkout)
        except IdempotencyConflict as error:
            # That key placed another order: this page gets a new one (the buyer reviews the
            # cart as it is now and submits again).
            form.data = form.data.copy()
            form.data["idempotency_key"] = uuid.uuid4().hex
            form.data["cart_token"] = selectors.items_token(self.items)
            return self._render(form, error=str(error), status=409)
        except CheckoutError as error:
            for field, message in error.field_errors.items():
                form.add_error(field if field in form.fields else None, message)
            return self._render(form, error=str(error), line_errors=error.line_errors, status=400)
        if created:
            messages.success(
                request,
                _("Thank you! Order %(number)s has been placed.") % {"number": order.number},
            )
        if created and order.payment_method == PaymentMethod.ONLINE:
            try:
                _payment, url = payments.payment_online_start(
                    order_id=order.pk, company_id=self.buyer.company_id
                )
            except payments.PaymentError as error:
                messages.error(request, str(error))
            else:
                return redirect(url)
        return redirect("shop:order-detail", pk=order.pk)
