"""A dealer's sub-dealers (dealer domain, under /backoffice/network/): the tree below it, and
each sub-dealer's orders and earnings. Read-only, and only ever inside the requester's own
subtree: a parent's, a sibling's or another network's dealer is a 404.

Everything is read from the public exchange (routing.OrderRoute, settlement.Statement /
SettledLine) filtered by the sub-dealer's id; no other tenant's schema is touched.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views import View

from accounts.models import Role
from accounts.permissions import TenantBackofficeMixin
from network import selectors
from orders.models import SplitStatus

PAGE_SIZE = 25


class DealerPageMixin(TenantBackofficeMixin):
    required_role = Role.STAFF

    def dispatch(self, request, *args, **kwargs):
        if getattr(getattr(request, "tenant", None), "type", None) != "dealer":
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class SubDealerPageMixin(DealerPageMixin):
    """A page about one sub-dealer: a dealer outside the requester's subtree is a 404 for every
    method (before the method is even looked at)."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        tenant = getattr(request, "tenant", None)
        if (
            getattr(tenant, "type", None) == "dealer"
            and user.is_authenticated
            and user.has_role(self.required_role)
        ):
            self.sub = selectors.sub_dealer_get(dealer_id=tenant.pk, sub_dealer_id=kwargs["pk"])
            if self.sub is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)


class SubDealerListView(DealerPageMixin, View):
    def get(self, request):
        profile = selectors.dealer_profile_of(request.tenant)
        return render(
            request,
            "network/sub_dealer_list.html",
            {
                "profile": profile,
                "tree": selectors.sub_dealer_tree(dealer_id=request.tenant.pk),
                "may_recruit": selectors.dealer_may(request.tenant, "recruit"),
            },
        )


class SubDealerOrdersView(SubDealerPageMixin, View):
    def get(self, request, pk: int):
        sub = self.sub
        page = Paginator(selectors.sub_dealer_orders(sub_dealer_id=pk), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        labels = dict(SplitStatus.choices)
        for route in page.object_list:
            route.status_label = labels.get(route.status, route.status)
        return render(
            request,
            "network/sub_dealer_orders.html",
            {"sub": sub, "page_obj": page, "routes": page.object_list},
        )


class SubDealerEarningsView(SubDealerPageMixin, View):
    def get(self, request, pk: int):
        sub = self.sub
        earnings = selectors.sub_dealer_earnings(sub_dealer_id=pk)
        page = Paginator(earnings["statements"], PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "network/sub_dealer_earnings.html",
            {"sub": sub, "earnings": earnings, "page_obj": page, "statements": page.object_list},
        )
