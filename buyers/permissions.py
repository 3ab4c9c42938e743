"""Who may open a storefront account page: a signed-in buyer of this dealer.

``BuyerRequiredMixin`` guards every buyer page of the storefront (account, address book, and
the cart, checkout and order pages of the ``orders`` app)::

    class CartView(BuyerRequiredMixin, TemplateView):
        def get(self, request, *args, **kwargs):
            buyer = self.buyer            # buyers.Buyer, with .user and .company loaded
            company = self.buyer.company  # the buyer's company (scope every query by it)

- anonymous visitors are redirected to the sign-in page of this domain with ``?next=``;
- signed-in users who are not buyers (dealer staff) get 403;
- a buyer user without a ``Buyer`` row, or whose user or company is inactive, gets 403;
- a user exists only in their own dealer's schema, so a buyer of another dealer is never
  signed in here (the session does not authenticate).

It refuses requests on a tenant that is not a dealer with 404.
"""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404

from buyers.selectors import buyer_of


class BuyerRequiredMixin(AccessMixin):
    """A signed-in buyer of this dealer with a ``Buyer`` row: sets ``self.buyer``."""

    buyer = None

    def dispatch(self, request, *args, **kwargs):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.type != "dealer":
            raise Http404
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        buyer = buyer_of(request.user)
        if buyer is None or not buyer.company.is_active:
            raise PermissionDenied
        self.buyer = buyer
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["buyer"] = self.buyer
        return context
