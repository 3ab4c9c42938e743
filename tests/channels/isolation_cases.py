"""``make`` and ``intact`` functions of the dealer-side rows in tests/test_isolation.py.

Each ``make`` runs inside the home dealer's schema (delta) and returns ``(url kwargs, marker)``.
Offers live in the public schema: the isolation there is that only the dealers an offer is
published to may see it (an offer for authorised dealers, authorised for delta only), and that
a listing, its prices and the storefront settings exist in delta's schema only.
"""

from __future__ import annotations

from decimal import Decimal

from catalog.models import DealerAuthorisation, OfferAudience
from catalog.seed import category_tree_seed
from channels import services
from channels.models import Listing, ListingPrice, ListingStatus
from tenants.models import Tenant
from tests.storefront.builders import offer_build


def _offer(tenant: Tenant, *, audience=OfferAudience.ALL_DEALERS):
    """An offer of acme's: for delta only (authorised) or for every dealer."""
    category_tree_seed()
    acme = Tenant.objects.get(slug="acme")
    if audience == OfferAudience.AUTHORISED:
        DealerAuthorisation.objects.get_or_create(supplier=acme, dealer=tenant)
    return offer_build(
        supplier=acme,
        name=f"ISO-Offer-{tenant.slug}-{audience}",
        code=f"ISO-{tenant.slug}",
        audience=audience,
    )


def _listing(tenant: Tenant) -> Listing:
    from tests.test_isolation import pk_unused_elsewhere

    pk_unused_elsewhere(Listing)
    pk_unused_elsewhere(ListingPrice)
    offer = _offer(tenant)
    return services.listing_create(actor=None, offer_id=offer.pk)


def authorised_offer_made(tenant: Tenant):
    offer = _offer(tenant, audience=OfferAudience.AUTHORISED)
    return {"pk": offer.pk}, offer.name


def catalogue_made(tenant: Tenant):
    return {}, authorised_offer_made(tenant)[1]


def no_listing_of(kwargs: dict) -> bool:
    return not Listing.objects.filter(offer_id=kwargs["pk"]).exists()


def listed_made(tenant: Tenant):
    listing = _listing(tenant)
    return {}, listing.offer.name


def product_made(tenant: Tenant):
    listing = _listing(tenant)
    return {"offer_id": listing.offer_id}, listing.offer.name


def listing_made(tenant: Tenant):
    listing = _listing(tenant)
    return {"pk": listing.pk}, listing.offer.name


def listing_price_post() -> dict:
    # Any SKU id: at another dealer the listing does not exist, whatever is posted.
    return {f"price_{n}": "1.00" for n in range(1, 4)}


def listing_kept(kwargs: dict) -> bool:
    listing = Listing.objects.get(pk=kwargs["pk"])
    prices = list(ListingPrice.objects.filter(listing=listing).values_list("price", flat=True))
    return listing.status == ListingStatus.LISTED and prices == [Decimal("2000.00")]


def settings_made(tenant: Tenant):
    services.storefront_settings_update(actor=None, name=f"ISO-Store-{tenant.slug}")
    return {}, f"ISO-Store-{tenant.slug}"


def api_made(tenant: Tenant):
    return listed_made(tenant)
