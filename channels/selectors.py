"""Reads of the dealer backoffice: the supply catalogue this dealer may carry, and its listings.

Everything runs with the dealer's schema active (search path "<dealer>, public"): listings are
read from the dealer's schema, offers from the public one, in the same query.

Which offers a dealer may see (``offers_visible``): published offers of active suppliers that
publish to all dealers and admit this one, or to authorised dealers only and have authorised
this one (one by one: catalog.DealerAuthorisation; by level, region or exclusive region:
network), of the categories the dealer's level may sell (network.selectors.offer_visibility_q).
Dealers read offers; nothing here or anywhere in the channels app writes them.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from catalog.models import SupplyOffer, SupplyOfferSku
from catalog.search import query_text
from catalog.selectors import category_descendant_ids
from channels.models import Listing, ListingStatus, StorefrontSettings
from network.selectors import offer_visibility_q
from tenants.models import Tenant


def current_dealer_id() -> int:
    """The dealer whose schema is active; every read and write here is about it."""
    tenant = getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "type", None) != "dealer":
        raise RuntimeError("channels reads and writes need a dealer's schema to be active")
    return tenant.pk


def offers_visible(*, dealer_id: int) -> QuerySet[SupplyOffer]:
    """Offers this dealer may browse, list and sell (no ordering, no joins added): the
    suppliers' authorisation rules, exclusive regions and the dealer level's categories
    (network.selectors.offer_visibility_q)."""
    return SupplyOffer.objects.filter(offer_visibility_q(dealer_id=dealer_id))


@lru_cache(maxsize=4096)
def _visible_offer_ids_sql(dealer_id: int) -> tuple[str, tuple]:
    """The SQL of "ids of the offers this dealer may see", compiled once per dealer and process.

    The rule is all subqueries (network.selectors.offer_visibility_q): its SQL depends on the
    dealer id only, never on data, so compiling it again on every request (tens of
    milliseconds of ORM work) buys nothing.

    Without the model's default ordering: Django drops it from ``__in`` querysets but not from
    SQL compiled by hand, and an ``ORDER BY`` keeps PostgreSQL from folding the subquery into
    the caller's query. It then sorted every visible offer of the catalogue to price two SKUs
    (36 ms at 30,000 offers instead of under 1 ms)."""
    query = offers_visible(dealer_id=dealer_id).order_by().values("pk").query
    sql, params = query.sql_with_params()
    return sql, tuple(params)


def offer_ids_visible_sql(*, dealer_id: int) -> RawSQL:
    """``offers_visible`` as a precompiled subquery of ids, for hot paths that check a few
    offers by id (pricing a cart or a checkout): ``offer_id__in=offer_ids_visible_sql(...)``."""
    sql, params = _visible_offer_ids_sql(dealer_id)
    return RawSQL(sql, params)


def search_query(q: str) -> SearchQuery | None:
    """The catalogue search (catalog.search n-grams) for what a person typed; None: no terms."""
    expression = query_text(q or "")
    if expression is None:
        return None
    return SearchQuery(expression, search_type="raw", config="simple")


def active_skus() -> QuerySet[SupplyOfferSku]:
    return SupplyOfferSku.objects.filter(is_active=True).order_by("position", "pk")


def offer_browse(
    *,
    dealer_id: int,
    q: str = "",
    category_id: int | None = None,
    supplier_id: int | None = None,
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    in_stock: bool = False,
    not_in_store: bool = False,
) -> QuerySet[SupplyOffer]:
    """The supply catalogue page: visible offers with supplier, category path, active SKUs and
    this dealer's listing (``listing_id``, ``listing_status``); best matches first when searching.

    ``price_min``/``price_max`` filter on the supply price (what the dealer pays): an offer
    matches when one of its active SKUs is in the range.
    """
    my_listing = Listing.objects.filter(offer_id=OuterRef("pk"))
    offers = (
        offers_visible(dealer_id=dealer_id)
        .select_related("supplier", "category__parent__parent")
        .annotate(
            listing_id=Subquery(my_listing.values("pk")[:1]),
            listing_status=Subquery(my_listing.values("status")[:1]),
        )
        .prefetch_related(Prefetch("skus", queryset=active_skus(), to_attr="active_skus"))
    )
    if category_id:
        offers = offers.filter(category_id__in=category_descendant_ids(category_id=category_id))
    if supplier_id:
        offers = offers.filter(supplier_id=supplier_id)
    if in_stock:
        offers = offers.filter(available__gt=0)
    if price_min is not None or price_max is not None:
        in_range = SupplyOfferSku.objects.filter(offer_id=OuterRef("pk"), is_active=True)
        if price_min is not None:
            in_range = in_range.filter(supply_price__gte=price_min)
        if price_max is not None:
            in_range = in_range.filter(supply_price__lte=price_max)
        offers = offers.filter(Exists(in_range))
    if not_in_store:
        offers = offers.exclude(
            Exists(Listing.objects.filter(offer_id=OuterRef("pk"), status=ListingStatus.LISTED))
        )
    query = search_query(q)
    if query is not None:
        return offers.filter(search_document=query).order_by(
            -SearchRank(F("search_document"), query), "-updated_at", "pk"
        )
    return offers.order_by("-updated_at", "pk")


def offer_for_dealer(*, dealer_id: int, offer_id: int) -> SupplyOffer | None:
    """One visible offer with its active SKUs (``active_skus``), supplier and category."""
    return (
        offers_visible(dealer_id=dealer_id)
        .select_related("supplier", "category__parent__parent")
        .prefetch_related(Prefetch("skus", queryset=active_skus(), to_attr="active_skus"))
        .filter(pk=offer_id)
        .first()
    )


def offers_for_dealer(*, dealer_id: int, offer_ids: list[int]) -> list[SupplyOffer]:
    return list(
        offers_visible(dealer_id=dealer_id)
        .prefetch_related(Prefetch("skus", queryset=active_skus(), to_attr="active_skus"))
        .filter(pk__in=offer_ids)
        .order_by("pk")
    )


def supplier_choices(*, dealer_id: int) -> list[tuple[int, str]]:
    """Suppliers with at least one offer this dealer may see."""
    suppliers = Tenant.objects.filter(
        pk__in=offers_visible(dealer_id=dealer_id).values("supplier_id")
    ).order_by("name")
    return [(supplier.pk, supplier.name) for supplier in suppliers]


def listing_list(*, status: str = "", q: str = "") -> QuerySet[Listing]:
    """This dealer's listings with their offers, prices and the offers' active SKUs, whatever
    the offer's state (the dealer must see a listing the supplier withdrew): ``on_offer`` says
    whether the supplier still offers it to this dealer."""
    listings = (
        Listing.objects.select_related("offer__supplier", "offer__category")
        .prefetch_related(
            "prices",
            Prefetch("offer__skus", queryset=active_skus(), to_attr="active_skus"),
        )
        .annotate(
            on_offer=Exists(
                offers_visible(dealer_id=current_dealer_id()).filter(pk=OuterRef("offer_id"))
            )
        )
    )
    if status:
        listings = listings.filter(status=status)
    query = search_query(q)
    if query is not None:
        listings = listings.filter(offer__search_document=query)
    return listings.order_by("-listed_at", "-pk")


def listing_get(*, pk: int) -> Listing | None:
    return (
        Listing.objects.select_related("offer__supplier", "offer__category__parent__parent")
        .prefetch_related(
            "prices", Prefetch("offer__skus", queryset=active_skus(), to_attr="active_skus")
        )
        .filter(pk=pk)
        .first()
    )


def listing_for_offer(*, offer_id: int) -> Listing | None:
    return Listing.objects.filter(offer_id=offer_id).first()


def listing_choices_for_featuring() -> list[Listing]:
    """Listings in the store, for the "featured products" setting."""
    return list(
        Listing.objects.filter(status=ListingStatus.LISTED)
        .select_related("offer")
        .only("pk", "is_featured", "offer__name", "offer__code")
        .order_by("-is_featured", "offer__name", "pk")
    )


def storefront_settings_get() -> StorefrontSettings:
    """The storefront settings row (an unsaved default when the dealer never saved any)."""
    return StorefrontSettings.objects.filter(singleton=1).first() or StorefrontSettings()
