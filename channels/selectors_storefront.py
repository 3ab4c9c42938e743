"""Reads of the storefront (dealer domain, for buyers): fast by design.

What a buyer sees is this dealer's listings joined, at read time, with the public offers
(``listings_visible``): listed by the dealer, published by an active supplier to this dealer,
with at least one active SKU. Nothing is copied, so a supplier withdrawing an offer or
deactivating a SKU takes it off the storefront on the next request.

Queries, whatever the number of products (pinned in tests/storefront):

* every page: the storefront settings with the cache versions (one query, ``storefront_load``);
* a list or search page: the page of products (one) and every facet count in one ``GROUP BY
  GROUPING SETS`` over the same filtered set (one); the category navigation (one);
* a product page: the listing with its offer, supplier and category (one), the SKUs, the
  dealer's prices and the variant axes' names (three).

Caching (channels.views_storefront keeps rendered pages): keys carry the tenant automatically
(django_tenants.cache.make_key), and ``Storefront.cache_version``, which changes with

* ``StorefrontSettings.version``: bumped in the same transaction as every change of this
  dealer's listings, prices or settings (channels.services);
* the catalogue stamp: the latest ``SupplyOffer.updated_at`` (an index-only lookup; the
  publishing sync sets it, with ``version``, whenever it changes an offer or its SKUs: stock,
  prices, status);
* the visibility stamp (``network.VisibilityStamp``), moved by database triggers on every
  change of levels, dealer profiles, authorisation rules and regions, exclusive regions,
  one-by-one authorisations and a tenant's status: a dealer moved to another level or region,
  or a supplier suspended, shows on the next page.

So any change misses the cache on the next request; ``CACHE_SECONDS`` only bounds what no
stamp sees (a category renamed in the admin).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.contrib.postgres.search import SearchRank
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.urls import get_urlconf, reverse
from django.utils.translation import get_language

from catalog.models import Category, CategorySpec, SpecKind, SupplyOffer
from channels.models import Listing, ListingPrice, ListingStatus, StorefrontSettings
from channels.pricing import SkuPriceRules, dealer_tiers, effective_price
from channels.selectors import active_skus, search_query
from network.selectors import offer_visibility_q

CACHE_SECONDS = 300
PAGE_SIZE = 24
LOW_STOCK = 10
BRAND_FACET_SIZE = 15


class Sort:
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"
    ALL = (RELEVANCE, PRICE_ASC, PRICE_DESC, NEWEST)


def _english() -> bool:
    return (get_language() or "").startswith("en")


# --- the storefront and its versions -------------------------------------------------------------


@dataclass
class Storefront:
    settings: StorefrontSettings
    dealer_id: int
    dealer_name: str
    cache_version: str
    categories_version: str
    _categories: list | None = None
    _nav: list | None = None

    @property
    def name(self) -> str:
        return self.settings.name or self.dealer_name

    def categories(self) -> dict[int, CategoryNode]:
        """The platform's category tree by id, fresh nodes on every call (they carry counts)."""
        if self._categories is None:
            self._categories = category_rows(self.categories_version)
        return {row[0]: CategoryNode(*row) for row in self._categories}


_SETTINGS_FIELDS = StorefrontSettings._meta.concrete_fields
# One round trip per page: the settings row (if saved) and the stamps the cache keys carry.
# Plain SQL: the ORM spends longer building this query than PostgreSQL takes to answer it.
_LOAD_SQL = """
SELECT {columns},
    (SELECT max(updated_at) FROM catalog_supplyoffer),
    (SELECT count(*) || '.' || coalesce(max(id), 0) FROM catalog_category),
    (SELECT coalesce(max(version), 0) FROM network_visibilitystamp)
FROM (SELECT 1) AS one LEFT JOIN channels_storefrontsettings s ON s.singleton = 1
""".format(columns=", ".join(f's."{field.column}"' for field in _SETTINGS_FIELDS))


def storefront_load(*, dealer) -> Storefront:
    """The settings (unsaved defaults if the dealer never saved any) and the cache versions.

    Categories: their number and highest id notice one added (a rename waits CACHE_SECONDS).
    """
    with connection.cursor() as cursor:
        cursor.execute(_LOAD_SQL)
        *values, offers_stamp, categories_stamp, network_stamp = cursor.fetchone()
    if values[0] is None:
        settings_row = StorefrontSettings()
    else:
        settings_row = StorefrontSettings.from_db(
            connection.alias, [field.attname for field in _SETTINGS_FIELDS], values
        )
    offers = offers_stamp.timestamp() if offers_stamp else 0
    return Storefront(
        settings=settings_row,
        dealer_id=dealer.pk,
        dealer_name=dealer.name,
        cache_version=f"{settings_row.version}.{offers}.{network_stamp}",
        categories_version=categories_stamp,
    )


def cache_key(*parts) -> str:
    raw = ":".join(str(part) for part in parts)
    return "sf:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


# --- what a buyer may see --------------------------------------------------------------------------


def listings_visible(*, dealer_id: int) -> QuerySet[Listing]:
    """Listings on the storefront: listed, their offer published to this dealer by an active
    supplier.

    The same rule as channels.selectors.offers_visible, written on the join so PostgreSQL reads
    each offer once. A published offer always has an active SKU (suppliers.publishing withdraws
    an offer whose last SKU goes inactive); the product page checks it again.
    """
    return Listing.objects.filter(
        offer_visibility_q(dealer_id=dealer_id, prefix="offer__"), status=ListingStatus.LISTED
    )


# --- categories --------------------------------------------------------------------------------


@dataclass
class CategoryNode:
    id: int
    code: str
    name_zh: str
    name_en: str
    parent_id: int | None
    level: int
    position: int
    count: int = 0
    children: list[CategoryNode] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.name_en if _english() else self.name_zh


def category_rows(version: str) -> list[tuple]:
    """Every category of the platform's tree (one query, cached: public data)."""
    key = cache_key("categories", version)
    rows = cache.get(key)
    if rows is None:
        rows = list(
            Category.objects.order_by("level", "position", "code").values_list(
                "pk", "code", "name_zh", "name_en", "parent_id", "level", "position"
            )
        )
        cache.set(key, rows, CACHE_SECONDS)
    return rows


def _descendants(index: dict[int, CategoryNode], category_id: int) -> list[int]:
    ids = [category_id]
    frontier = [category_id]
    while frontier:
        frontier = [node.id for node in index.values() if node.parent_id in frontier]
        ids += frontier
    return ids


def _tree_with_counts(index: dict[int, CategoryNode], leaf_counts: dict[int, int]):
    """Roots with nested children; each node counts the products below it. Only nodes with
    products are kept."""
    for category_id, count in leaf_counts.items():
        node = index.get(category_id)
        while node is not None:
            node.count += count
            node = index.get(node.parent_id)
    kept = {pk: node for pk, node in index.items() if node.count}
    roots = []
    for node in sorted(kept.values(), key=lambda n: (n.level, n.position, n.code)):
        parent = kept.get(node.parent_id)
        (parent.children if parent is not None else roots).append(node)
    return roots


def category_nav(storefront: Storefront) -> list[CategoryNode]:
    """The three-level navigation: categories with products in this store, with counts (one
    query, once per request)."""
    if storefront._nav is None:
        counts = dict(
            listings_visible(dealer_id=storefront.dealer_id)
            .order_by()
            .values_list("offer__category_id")
            .annotate(n=Count("pk"))
        )
        storefront._nav = _tree_with_counts(storefront.categories(), counts)
    return storefront._nav


def category_by_code(storefront: Storefront, code: str) -> CategoryNode | None:
    return next((node for node in storefront.categories().values() if node.code == code), None)


def category_path(storefront: Storefront, category_id: int | None) -> list[CategoryNode]:
    index = storefront.categories()
    path = []
    node = index.get(category_id) if category_id else None
    while node is not None:
        path.append(node)
        node = index.get(node.parent_id)
    return list(reversed(path))


# --- the product list --------------------------------------------------------------------------


@dataclass(frozen=True)
class ListParams:
    q: str = ""
    category_id: int | None = None
    brand: str = ""
    supplier_id: int | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock: bool = False
    sort: str = ""
    page: int = 1

    @property
    def effective_sort(self) -> str:
        if self.sort in Sort.ALL and (self.sort != Sort.RELEVANCE or self.q):
            return self.sort
        return Sort.RELEVANCE if search_query(self.q) is not None else Sort.NEWEST


@dataclass
class Card:
    listing_id: int
    offer_id: int
    name: str
    brand: str
    supplier: str
    thumb: str
    price_min: Decimal
    price_max: Decimal
    available: int
    moq: int
    unit: str

    @property
    def stock_state(self) -> str:
        return stock_state(self.available)

    @property
    def url(self) -> str:
        return product_url(self.offer_id)

    @property
    def price_text(self) -> str:
        """The price from which the product sells, e.g. "1,999.00" (formatted once, here)."""
        return f"{self.price_min:,.2f}"


def product_url(offer_id: int) -> str:
    """The product page's path, without a ``reverse`` per product card."""
    return _product_url_pattern(get_urlconf()).format(offer_id)


@lru_cache(maxsize=8)
def _product_url_pattern(urlconf) -> str:
    return reverse("storefront:product", urlconf=urlconf, args=[4242424242]).replace(
        "4242424242", "{}"
    )


@dataclass
class Facets:
    categories: list[CategoryNode]
    brands: list[tuple[str, int]]
    suppliers: list[tuple[int, str, int]]
    in_stock: int


@dataclass
class SearchPage:
    cards: list[Card]
    total: int
    facets: Facets
    number: int
    num_pages: int


def stock_state(available: int) -> str:
    if available <= 0:
        return "out"
    if available < LOW_STOCK:
        return "low"
    return "in"


def _filtered(
    storefront: Storefront, params: ListParams, *, prices_visible: bool
) -> QuerySet[Listing]:
    listings = listings_visible(dealer_id=storefront.dealer_id)
    query = search_query(params.q)
    if query is not None:
        listings = listings.filter(offer__search_document=query)
    if params.category_id:
        listings = listings.filter(
            offer__category_id__in=_descendants(storefront.categories(), params.category_id)
        )
    if params.brand:
        listings = listings.filter(offer__brand=params.brand)
    if params.supplier_id:
        listings = listings.filter(offer__supplier_id=params.supplier_id)
    if params.in_stock:
        listings = listings.filter(offer__available__gt=0)
    if prices_visible and params.price_min is not None:
        listings = listings.filter(price_min__gte=params.price_min)
    if prices_visible and params.price_max is not None:
        listings = listings.filter(price_min__lte=params.price_max)
    return listings


# Sort orders over the columns of ``_SEARCH_SQL``'s filtered set.
_ORDERS = {
    Sort.RELEVANCE: "rank DESC, listed DESC, lid DESC",
    Sort.PRICE_ASC: "pmin ASC, lid ASC",
    Sort.PRICE_DESC: "pmin DESC, lid ASC",
    Sort.NEWEST: "listed DESC, lid DESC",
}

# The page of products and every facet count from ONE pass over the filtered set: it is
# materialised once, counted with GROUPING SETS and sorted for the page; both come back as JSON
# (prices as text, so they stay exact Decimals).
_SEARCH_SQL = """
WITH f AS MATERIALIZED ({inner})
SELECT
    (SELECT json_agg(json_build_array(c.cat, c.brand, c.sup, c.sup_name, c.stock, c.g, c.n))::text
       FROM (SELECT cat, brand, sup, sup_name, stock,
                    GROUPING(cat, brand, sup, stock) AS g, count(*) AS n
               FROM f GROUP BY GROUPING SETS ((cat), (brand), (sup, sup_name), (stock), ())) AS c),
    (SELECT json_agg(json_build_array(lid, oid, pmin::text, pmax::text, name, brand, sup_name,
                                      thumb, available, moq, unit) ORDER BY {order})::text
       FROM (SELECT * FROM f ORDER BY {order} LIMIT %s OFFSET %s) AS p)
"""
# GROUPING(...) is a bit mask of the columns NOT grouped in a row's set (first column = 8).
_BY_CATEGORY, _BY_BRAND, _BY_SUPPLIER, _BY_STOCK, _TOTAL = 7, 11, 13, 14, 15


def sort_for(params: ListParams, *, prices_visible: bool) -> str:
    """The order the list is in: what was asked, if it can be honoured."""
    sort = params.effective_sort
    if sort in (Sort.PRICE_ASC, Sort.PRICE_DESC) and not prices_visible:
        sort = Sort.NEWEST
    if sort == Sort.RELEVANCE and search_query(params.q) is None:
        sort = Sort.NEWEST
    return sort


def _search(listings: QuerySet[Listing], *, q: str, sort: str, offset: int) -> tuple[dict, list]:
    columns = {
        "lid": F("pk"),
        "oid": F("offer_id"),
        "pmin": F("price_min"),
        "pmax": F("price_max"),
        "listed": F("listed_at"),
        "name": F("offer__name"),
        "brand": F("offer__brand"),
        "sup": F("offer__supplier_id"),
        "sup_name": F("offer__supplier__name"),
        "thumb": KeyTextTransform("thumb", KeyTransform("0", "offer__images")),
        "available": F("offer__available"),
        "moq": F("offer__moq"),
        "unit": F("offer__unit"),
        "cat": F("offer__category_id"),
        "stock": ExpressionWrapper(Q(offer__available__gt=0), output_field=BooleanField()),
    }
    if sort == Sort.RELEVANCE:
        columns["rank"] = SearchRank(F("offer__search_document"), search_query(q))
    inner, params = listings.order_by().values(**columns).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            _SEARCH_SQL.format(inner=inner, order=_ORDERS[sort]), [*params, PAGE_SIZE, offset]
        )
        facet_json, rows_json = cursor.fetchone()
    counts = {"categories": {}, "brands": [], "suppliers": [], "in_stock": 0, "total": 0}
    for cat, brand, sup, sup_name, stock, grouping, count in json.loads(facet_json or "[]"):
        if grouping == _BY_CATEGORY:
            counts["categories"][cat] = count
        elif grouping == _BY_BRAND and brand:
            counts["brands"].append((brand, count))
        elif grouping == _BY_SUPPLIER:
            counts["suppliers"].append((sup, sup_name, count))
        elif grouping == _BY_STOCK and stock:
            counts["in_stock"] = count
        elif grouping == _TOTAL:
            counts["total"] = count
    counts["brands"] = sorted(counts["brands"], key=lambda b: (-b[1], b[0]))[:BRAND_FACET_SIZE]
    counts["suppliers"] = sorted(counts["suppliers"], key=lambda s: (-s[2], s[1]))
    cards = [
        Card(
            listing_id=lid,
            offer_id=oid,
            name=name,
            brand=brand,
            supplier=supplier,
            thumb=thumb or "",
            price_min=Decimal(pmin),
            price_max=Decimal(pmax),
            available=available,
            moq=moq,
            unit=unit,
        )
        for lid, oid, pmin, pmax, name, brand, supplier, thumb, available, moq, unit in json.loads(
            rows_json or "[]"
        )
    ]
    return counts, cards


def storefront_search(
    storefront: Storefront, params: ListParams, *, prices_visible: bool
) -> SearchPage:
    """One page of products with every facet count, in one query whatever the catalogue size
    (a second one only for a page number beyond the last page)."""
    filtered = _filtered(storefront, params, prices_visible=prices_visible)
    sort = sort_for(params, prices_visible=prices_visible)
    number = max(1, params.page)
    counts, cards = _search(filtered, q=params.q, sort=sort, offset=(number - 1) * PAGE_SIZE)
    num_pages = max(1, -(-counts["total"] // PAGE_SIZE))
    if number > num_pages:
        number = num_pages
        counts, cards = _search(filtered, q=params.q, sort=sort, offset=(number - 1) * PAGE_SIZE)
    return SearchPage(
        cards=cards,
        total=counts["total"],
        facets=Facets(
            categories=_category_facet(
                storefront.categories(), counts["categories"], params.category_id
            ),
            brands=counts["brands"],
            suppliers=counts["suppliers"],
            in_stock=counts["in_stock"],
        ),
        number=number,
        num_pages=num_pages,
    )


def _card_rows(listings, limit: int, **extra) -> list[dict]:
    return list(
        listings.values(
            "pk",
            "offer_id",
            "price_min",
            "price_max",
            name=F("offer__name"),
            brand=F("offer__brand"),
            supplier=F("offer__supplier__name"),
            thumb=KeyTextTransform("thumb", KeyTransform("0", "offer__images")),
            available=F("offer__available"),
            moq=F("offer__moq"),
            unit=F("offer__unit"),
            **extra,
        )[:limit]
    )


def _card(row: dict) -> Card:
    return Card(
        listing_id=row["pk"],
        offer_id=row["offer_id"],
        name=row["name"],
        brand=row["brand"],
        supplier=row["supplier"],
        thumb=row["thumb"] or "",
        price_min=row["price_min"],
        price_max=row["price_max"],
        available=row["available"],
        moq=row["moq"],
        unit=row["unit"],
    )


def _category_facet(
    index: dict[int, CategoryNode], leaf_counts: dict[int, int], category_id: int | None
) -> list[CategoryNode]:
    """The children of the chosen category (the top level without one), with counts."""
    roots = _tree_with_counts(index, leaf_counts)
    if not category_id:
        return roots
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node.id == category_id:
            return node.children
        stack.extend(node.children)
    return []


def featured_cards(storefront: Storefront, *, limit: int = 12) -> tuple[list[Card], bool]:
    """The home page's products: the featured ones, or the newest if none is featured (one
    query); and whether they are the featured ones."""
    rows = _card_rows(
        listings_visible(dealer_id=storefront.dealer_id).order_by(
            "-is_featured", "-listed_at", "-pk"
        ),
        limit,
        featured=F("is_featured"),
    )
    featured = [row for row in rows if row["featured"]]
    return [_card(row) for row in (featured or rows)], bool(featured)


# --- the product page --------------------------------------------------------------------------


@dataclass
class SkuView:
    id: int
    code: str
    variant: dict[str, str]
    variant_display: str
    price: Decimal
    tiers: list[tuple[int, Decimal]]
    available: int
    moq: int

    @property
    def stock_state(self) -> str:
        return stock_state(self.available)


@dataclass
class ProductView:
    listing: Listing
    offer: SupplyOffer
    skus: list[SkuView]
    axes: list[dict]  # [{"code", "label", "values": [str]}]
    parameters: list[tuple[str, str]]
    description_html: str

    @property
    def stock_state(self) -> str:
        return stock_state(sum(sku.available for sku in self.skus))

    def sku_for(self, sku_id) -> SkuView:
        chosen = next((sku for sku in self.skus if str(sku.id) == str(sku_id)), None)
        if chosen is None:  # the first one in stock, else the first one
            chosen = next((sku for sku in self.skus if sku.available > 0), self.skus[0])
        return chosen

    def picker(self, chosen: SkuView) -> list[dict]:
        """Per variant axis: its values, each linking to the SKU closest to the chosen one."""
        rows = []
        for axis in self.axes:
            options = []
            for value in axis["values"]:
                wanted = {**chosen.variant, axis["code"]: value}
                match = next((s for s in self.skus if s.variant == wanted), None) or next(
                    (s for s in self.skus if s.variant.get(axis["code"]) == value), None
                )
                options.append(
                    {
                        "value": value,
                        "sku": match,
                        "selected": chosen.variant.get(axis["code"]) == value,
                    }
                )
            rows.append({"label": axis["label"], "options": options})
        return rows


def _variant_labels(storefront: Storefront, category: Category) -> dict[str, str]:
    """The names of a category's variant axes, by code, in template order (public data:
    cached; an edited name shows within CACHE_SECONDS)."""
    key = cache_key("variant-labels", storefront.categories_version, category.pk, get_language())
    labels = cache.get(key)
    if labels is None:
        labels = {}
        for spec in CategorySpec.objects.filter(
            category_id__in=[node.pk for node in category.ancestors()], kind=SpecKind.VARIANT
        ).order_by("category__level", "position", "pk"):
            labels[spec.code] = spec.label
        cache.set(key, labels, CACHE_SECONDS)
    return labels


def _variant_axes(labels: dict[str, str], skus: list) -> list[dict]:
    """The axes the SKUs differ along, in the category template's order."""
    axes: dict[str, list[str]] = {}
    for sku in skus:
        for code, value in (sku.variant or {}).items():
            if value and value not in axes.setdefault(code, []):
                axes[code].append(str(value))
    order = list(labels) + [code for code in axes if code not in labels]
    return [
        {"code": code, "label": labels.get(code, code), "values": axes[code]}
        for code in order
        if code in axes
    ]


def storefront_product(storefront: Storefront, *, offer_id: int) -> ProductView | None:
    """A product of this storefront by offer id; None when it is not for sale here."""
    listing = (
        listings_visible(dealer_id=storefront.dealer_id)
        .select_related("offer__supplier", "offer__category__parent__parent")
        .filter(offer_id=offer_id)
        .first()
    )
    if listing is None:
        return None
    offer = listing.offer
    skus, axes, parameters, description_html = _product_data(
        listing, offer, _variant_labels(storefront, offer.category)
    )
    if not skus:  # nothing on sale (the sync withdraws such an offer; never show it meanwhile)
        return None
    return ProductView(
        listing=listing,
        offer=offer,
        skus=skus,
        axes=axes,
        parameters=parameters,
        description_html=description_html,
    )


def _product_data(listing: Listing, offer: SupplyOffer, labels: dict[str, str]):
    """The SKUs on sale with the dealer's prices (one query), parameters and description."""
    from suppliers.richtext import rich_text_clean

    dealer_price = ListingPrice.objects.filter(listing=listing, offer_sku_id=OuterRef("pk"))
    offer_skus = list(
        active_skus()
        .filter(offer=offer)
        .annotate(dealer_price=Subquery(dealer_price.values("price")[:1]))
    )
    skus = []
    for sku in offer_skus:
        rules = SkuPriceRules.of(sku)
        price = sku.dealer_price
        variant = {code: str(value) for code, value in (sku.variant or {}).items() if value}
        skus.append(
            SkuView(
                id=sku.pk,
                code=sku.code,
                variant=variant,
                variant_display=" / ".join(variant.values()),
                price=effective_price(price, rules),
                tiers=dealer_tiers(price, rules),
                available=sku.available,
                moq=max(sku.moq or 1, offer.moq or 1),
            )
        )
    english = _english()
    parameters = [
        (
            (p.get("name_en") if english else p.get("name_zh")) or p.get("code", ""),
            str(p.get("value", "")),
        )
        for p in offer.parameters or []
        if str(p.get("value", "")).strip()
    ]
    description = rich_text_clean(offer.description) if offer.description else ""
    return skus, _variant_axes(labels, offer_skus), parameters, description
