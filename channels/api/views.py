"""``/api/v1/listings/`` on a dealer's domain: the store's listings for the dealer's own systems.

GET lists them (staff and up); POST adds an offer to the store (manager and up) with the
dealer's price per SKU, through the same service as the backoffice, so the supplier's minimum
resale price is enforced here too (400 with the reason per SKU). There is no endpoint that
changes supplier data: offers are read-only to dealers. Authentication: the signed-in session
(DRF's default here); per-tenant API tokens come with the ERP integration.
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from channels import selectors, services
from channels.api.serializers import ListingCreateSerializer, listing_data

MAX_LISTED = 200


class DealerRole(BasePermission):
    """Signed-in users of this dealer: staff to read, managers to write."""

    def has_permission(self, request, view):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.type != "dealer":
            return False
        user = request.user
        if not (user and user.is_authenticated):
            return False
        needed = Role.STAFF if request.method in ("GET", "HEAD", "OPTIONS") else Role.MANAGER
        return user.has_role(needed)


class ListingListApi(APIView):
    permission_classes = [DealerRole]

    def get(self, request):
        listings = selectors.listing_list(
            status=request.query_params.get("status", ""), q=request.query_params.get("q", "")
        )[:MAX_LISTED]
        return Response({"results": [listing_data(listing) for listing in listings]})

    def post(self, request):
        serializer = ListingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            listing = services.listing_create(
                actor=request.user,
                offer_id=serializer.validated_data["offer"],
                prices=serializer.prices_by_sku(),
            )
        except services.ListingPriceError as error:
            body = {"prices": {str(k): v for k, v in error.sku_errors.items()}}
            if error.errors:
                body["non_field_errors"] = error.errors
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        except services.ListingError as error:
            return Response({"non_field_errors": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            listing_data(selectors.listing_get(pk=listing.pk)), status=status.HTTP_201_CREATED
        )
