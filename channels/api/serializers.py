"""Serializers of the listings API: parse and present, no rules (those are channels.services)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from channels.models import Listing


class PriceInSerializer(serializers.Serializer):
    sku = serializers.IntegerField(min_value=1, help_text=_("Offer SKU id (from the catalogue)."))
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)


class ListingCreateSerializer(serializers.Serializer):
    offer = serializers.IntegerField(min_value=1, help_text=_("Supply offer id."))
    prices = PriceInSerializer(many=True, required=False, default=list)

    def validate_prices(self, value):
        skus = [row["sku"] for row in value]
        if len(skus) != len(set(skus)):
            raise serializers.ValidationError(_("Each SKU may appear once."))
        return value

    def prices_by_sku(self) -> dict:
        return {row["sku"]: row["price"] for row in self.validated_data["prices"]}


def listing_data(listing: Listing) -> dict:
    """A listing as the API shows it (offer and prices must be loaded)."""
    skus = {sku.pk: sku for sku in getattr(listing.offer, "active_skus", [])}
    return {
        "id": listing.pk,
        "offer": listing.offer_id,
        "name": listing.offer.name,
        "status": listing.status,
        # False when the supplier no longer offers it to this dealer (withdrawn, authorisation,
        # exclusive region, the dealer level's categories); None where not computed.
        "on_offer": getattr(listing, "on_offer", None),
        "price_min": str(listing.price_min),
        "price_max": str(listing.price_max),
        "prices": [
            {
                "sku": price.offer_sku_id,
                "code": skus[price.offer_sku_id].code if price.offer_sku_id in skus else None,
                "price": str(price.price),
                "min_resale_price": (
                    str(skus[price.offer_sku_id].min_resale_price)
                    if price.offer_sku_id in skus
                    else None
                ),
            }
            for price in listing.prices.all()
        ],
    }
