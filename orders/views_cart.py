"""The buyer's cart on the storefront: the cart page, add (from a product page), update,
remove, clear and quick order. Thin: parse, call orders.cart, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from buyers.permissions import BuyerRequiredMixin
from buyers.views import StorefrontPageMixin
from orders import cart as services
from orders import selectors_buyer as selectors
from orders.forms_storefront import CartAddForm, CartRemoveForm, CartUpdateForm, QuickOrderForm
from orders.quote import quote_build


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


class ShopPageMixin(BuyerRequiredMixin, StorefrontPageMixin):
    """A buyer's page of the storefront (cart, checkout, orders): a signed-in buyer of this
    dealer (``self.buyer``), rendered in the storefront layout."""

    def handle_no_permission(self):
        response = super().handle_no_permission()
        if is_htmx(self.request) and response.status_code == 302:
            # htmx would follow the redirect and swap the sign-in page into the product page.
            hx = HttpResponse(status=204)
            hx["HX-Redirect"] = response["Location"]
            return hx
        return response

    def get_context_data(self, **kwargs):
        title = kwargs.pop("page_title", None)
        context = super().get_context_data(**kwargs)
        if title:
            context["page_title"] = title
        return context

    @property
    def dealer_id(self) -> int:
        return self.request.tenant.pk


class CartView(ShopPageMixin, TemplateView):
    template_name = "orders/storefront/cart.html"
    page_title = ""

    def get_context_data(self, **kwargs):
        quote = selectors.cart_quote(user=self.request.user, dealer_id=self.dealer_id)
        return super().get_context_data(
            quote=quote, page_title=_("Shopping cart"), max_quantity=services.MAX_QUANTITY, **kwargs
        )


class CartAddView(ShopPageMixin, TemplateView):
    """POST: add to the cart (from a product page: htmx answers with a short notice, without
    JavaScript the browser comes here with GET first and confirms)."""

    template_name = "orders/storefront/cart_add.html"

    def get(self, request, *args, **kwargs):
        form = CartAddForm(request.GET or None)
        return self._page(form, status=200)

    def _page(self, form, *, status: int, error: str = ""):
        line = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            quote = quote_build(
                dealer_id=self.dealer_id, items=[(data["offer_sku_id"], data["quantity"])]
            )
            line = quote.lines[0]
        context = self.get_context_data(
            form=form, line=line, error=error, page_title=_("Add to cart")
        )
        return self.render_to_response(context, status=status)

    def post(self, request, *args, **kwargs):
        form = CartAddForm(request.POST)
        if not form.is_valid():
            message = _("Enter a quantity between 1 and %(max)s.") % {
                "max": f"{services.MAX_QUANTITY:,}"
            }
            if is_htmx(request):
                return _notice(request, message, error=True, status=200)
            return self._page(form, status=400, error=message)
        data = form.cleaned_data
        try:
            quantity = services.cart_add(
                user=request.user,
                dealer_id=self.dealer_id,
                offer_sku_id=data["offer_sku_id"],
                quantity=data["quantity"],
            )
        except services.CartError as error:
            if is_htmx(request):
                return _notice(request, str(error), error=True, status=200)
            return self._page(form, status=400, error=str(error))
        message = _("Added to your cart (now %(quantity)s).") % {"quantity": quantity}
        if is_htmx(request):
            return _notice(request, message)
        messages.success(request, message)
        return redirect("shop:cart")


def _notice(request, message: str, *, error: bool = False, status: int = 200):
    return render(
        request,
        "orders/storefront/_cart_notice.html",
        {"message": message, "error": error},
        status=status,
    )


class CartUpdateView(ShopPageMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CartUpdateForm(request.POST)
        if not form.is_valid():
            messages.error(
                request,
                _("Enter a quantity between 0 and %(max)s.")
                % {"max": f"{services.MAX_QUANTITY:,}"},
            )
            return redirect("shop:cart")
        try:
            services.cart_set(
                user=request.user,
                offer_sku_id=form.cleaned_data["offer_sku_id"],
                quantity=form.cleaned_data["quantity"],
            )
        except services.CartError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your cart has been updated."))
        return redirect("shop:cart")


class CartRemoveView(ShopPageMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CartRemoveForm(request.POST)
        if form.is_valid() and services.cart_remove(
            user=request.user, offer_sku_id=form.cleaned_data["offer_sku_id"]
        ):
            messages.success(request, _("The item has been removed from your cart."))
        return redirect("shop:cart")


class CartClearView(ShopPageMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        services.cart_clear(user=request.user)
        messages.success(request, _("Your cart is empty now."))
        return redirect("shop:cart")


class QuickOrderView(ShopPageMixin, TemplateView):
    template_name = "orders/storefront/quick_order.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self._context(QuickOrderForm()))

    def _context(self, form, line_errors=None):
        return self.get_context_data(
            form=form, line_errors=sorted((line_errors or {}).items()), page_title=_("Quick order")
        )

    def post(self, request, *args, **kwargs):
        form = QuickOrderForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self._context(form), status=400)
        try:
            result = services.quick_order_add(
                user=request.user, dealer_id=self.dealer_id, text=form.cleaned_data["text"]
            )
        except services.CartError as error:
            form.add_error(None, str(error))
            return self.render_to_response(self._context(form, error.line_errors), status=400)
        count = len(result.added)
        messages.success(
            request,
            ngettext(
                "%(count)s item added to your cart.", "%(count)s items added to your cart.", count
            )
            % {"count": count},
        )
        return redirect("shop:cart")
