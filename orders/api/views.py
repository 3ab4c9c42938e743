"""``/api/v1/`` on a dealer's domain: the buyer's cart and checkout as JSON, for procurement
systems and scripts. Cart → order is two requests (``POST cart/lines/``, ``POST orders/``).

Lean on purpose (it is the checkout's hot path): JSON only (no browsable API, no templates),
the signed-in buyer read once per request (``buyers.selectors.buyer_of``), the cart read and
priced once, the order placed by ``orders.workflow.checkout.order_place`` under the same rules
as the storefront's checkout page (``orders.views_checkout``): an idempotency key per order,
an optional cart token so an order is never placed for contents the client did not see, an
empty cart after a placed key answering with that order. Authentication: the signed-in
session with its CSRF token (DRF's default here). See docs/buyer-api.md.
"""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from buyers.selectors import buyer_of, buyer_order_refusal
from orders import cart, payments
from orders import selectors_buyer as selectors
from orders.api.serializers import (
    CheckoutSerializer,
    ItemsShapeError,
    cart_data,
    field_errors,
    items_parse,
    order_data,
    order_row,
    order_url,
)
from orders.models import Order, OrderLine, OrderSplit, OrderStatus, PaymentMethod, PaymentStatus
from orders.quote import quote_build
from orders.workflow.checkout import (
    IDEMPOTENCY_KEY_RE,
    CheckoutError,
    CheckoutRequest,
    IdempotencyConflict,
    order_place,
)

MAX_ORDERS_LISTED = 50


class IsBuyerOfThisDealer(BasePermission):
    """The rules of ``buyers.permissions.BuyerRequiredMixin`` for the API: another kind of
    tenant 404; anonymous 403 (DRF's "not authenticated"); dealer staff, a buyer user without
    a ``Buyer`` row, an inactive user or company 403. Sets ``view.buyer``."""

    message = ""

    def has_permission(self, request, view):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.type != "dealer":
            raise NotFound
        if not request.user.is_authenticated:
            return False
        buyer = buyer_of(request.user)
        if buyer is None:
            self.message = _("This API is for the store's buyers: sign in with a buyer account.")
            return False
        if not buyer.company.is_active:
            self.message = _("Your company's account has been suspended. Please contact the store.")
            return False
        view.buyer = buyer
        return True


class BuyerApi(APIView):
    permission_classes = [IsBuyerOfThisDealer]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    buyer = None


def _cart_response(*, quote, items) -> Response:
    return Response(cart_data(quote=quote, token=selectors.items_token(items)))


class CartApi(BuyerApi):
    """GET the cart priced now; DELETE empties it."""

    def get(self, request):
        get_token(request)  # the CSRF cookie, for a script that starts here (docs/buyer-api.md)
        items = selectors.cart_items(user=request.user)
        return _cart_response(
            quote=quote_build(dealer_id=request.tenant.pk, items=items), items=items
        )

    def delete(self, request):
        cart.cart_clear(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartLinesApi(BuyerApi):
    """POST items to add (all or nothing); answers with the cart as GET cart/ does."""

    def post(self, request):
        try:
            items = items_parse(request.data)
            result = cart.cart_items_add(
                user=request.user, dealer_id=request.tenant.pk, items=items
            )
        except ItemsShapeError as error:
            body = {"detail": str(error), "items": {str(k): v for k, v in error.items.items()}}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        except cart.CartError as error:
            body = {
                "detail": str(error),
                "items": {str(k): v for k, v in error.line_errors.items()},
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return _cart_response(quote=result.quote, items=result.items)


def _order_with_lines(order: Order) -> Order:
    """``order`` with its supplier parts and their lines loaded, as ``order_data`` shows them:
    as ``order_place`` wrote them when it just did (``placed_parts``), else two queries."""
    if getattr(order, "placed_parts", None) is not None:
        return order
    prefetch_related_objects(
        [order],
        Prefetch(
            "splits",
            queryset=OrderSplit.objects.order_by("supplier_name", "pk").prefetch_related(
                Prefetch("lines", queryset=OrderLine.objects.order_by("position", "pk"))
            ),
        ),
    )
    return order


def _error(detail: str, status_code: int, **extra) -> Response:
    return Response({"detail": detail, **extra}, status=status_code)


class OrderListApi(BuyerApi):
    """GET the company's orders (newest first, at most 50, ``?status=``); POST places an order
    from the buyer's cart."""

    def get(self, request):
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in OrderStatus.values:
            return _error(
                _("Unknown order status “%(status)s”. Use one of: %(statuses)s.")
                % {"status": wanted, "statuses": ", ".join(OrderStatus.values)},
                status.HTTP_400_BAD_REQUEST,
            )
        orders = selectors.order_list(company_id=self.buyer.company_id, status=wanted)
        return Response({"results": [order_row(order) for order in orders[:MAX_ORDERS_LISTED]]})

    def post(self, request):
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if not IDEMPOTENCY_KEY_RE.match(key):
            return _error(
                _(
                    "Send an Idempotency-Key header: 8 to 64 letters, digits, “-” or “_”, new "
                    "for every order and the same when you retry one."
                ),
                status.HTTP_400_BAD_REQUEST,
            )
        user, company_id = request.user, self.buyer.company_id
        items = selectors.cart_items(user=user)
        if not items:
            # A retry after the order was placed (which emptied the cart): the same order.
            order = Order.objects.filter(idempotency_key=key, company_id=company_id).first()
            if order is not None:
                return self._placed(order, created=False)
            return _error(_("Your cart is empty."), status.HTTP_400_BAD_REQUEST)
        refusal = buyer_order_refusal(user)
        if refusal:
            return _error(refusal, status.HTTP_403_FORBIDDEN)
        serializer = CheckoutSerializer(data=request.data)
        if not serializer.is_valid():
            return _error(
                _("Please correct the marked fields."),
                status.HTTP_400_BAD_REQUEST,
                fields=field_errors(serializer.errors),
                lines={},
            )
        data = serializer.validated_data
        token = selectors.items_token(items)
        if data["cart_token"] and data["cart_token"] != token:
            return _error(
                _(
                    "Your cart changed since you read it. Read the cart again, check the items "
                    "and totals, and place the order with its new cart_token."
                ),
                status.HTTP_409_CONFLICT,
                cart_token=token,
            )
        checkout = CheckoutRequest(
            buyer_id=user.pk,
            items=tuple(items),
            address_id=data["address"],
            shipping_method_id=data["shipping_method"],
            payment_method=data["payment_method"],
            idempotency_key=key,
            invoice_type=data["invoice_type"],
            invoice_company=data["invoice_company"],
            invoice_tax_number=data["invoice_tax_number"],
            note=data["note"],
        )
        try:
            order, created = order_place(checkout)
        except IdempotencyConflict as error:
            return _error(str(error), status.HTTP_409_CONFLICT, cart_token=token)
        except CheckoutError as error:
            return _error(
                str(error),
                status.HTTP_400_BAD_REQUEST,
                fields=dict(error.field_errors),
                lines={str(k): v for k, v in error.line_errors.items()},
            )
        return self._placed(order, created=created)

    def _placed(self, order: Order, *, created: bool) -> Response:
        """201 for a new order, 200 for the one this key placed before (the same body, so a
        retried request learns what the lost answer said), with its payment page when it is
        paid online and not yet paid."""
        body = order_data(_order_with_lines(order))
        if (
            order.payment_method == PaymentMethod.ONLINE
            and order.payment_status == PaymentStatus.UNPAID
        ):
            try:
                _payment, body["pay_url"] = payments.payment_online_start(
                    order_id=order.pk, company_id=self.buyer.company_id
                )
            except payments.PaymentError as error:
                body["pay_url"], body["pay_error"] = None, str(error)
        response = Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
        response["Location"] = order_url(order)
        return response


class OrderDetailApi(BuyerApi):
    """GET one order of the buyer's company; any other id is a 404 whatever the method."""

    def get(self, request, pk: int):
        try:
            order = selectors.order_detail(company_id=self.buyer.company_id, pk=pk)
        except Order.DoesNotExist:
            raise NotFound from None
        return Response(order_data(order))

    def http_method_not_allowed(self, request, *args, **kwargs):
        # A 405 would say that the id means something here.
        if not Order.objects.filter(company_id=self.buyer.company_id, pk=kwargs["pk"]).exists():
            raise NotFound
        return super().http_method_not_allowed(request, *args, **kwargs)
