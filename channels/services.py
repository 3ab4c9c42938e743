"""Every write of the dealer's store: listings, their prices, and the storefront settings.

All of it acts on the active dealer schema. The price floor (the supplier's minimum resale
price) is enforced here, and only here: the backoffice form, the bulk action and the API all
call these functions. Each write bumps ``StorefrontSettings.version`` in the same transaction,
which is what the storefront caches key on (channels.selectors_storefront).

Dealers never write supplier data: nothing here touches catalog.SupplyOffer or its SKUs.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record
from catalog.models import SupplyOffer
from channels import selectors
from channels.models import (
    Listing,
    ListingPrice,
    ListingStatus,
    PriceVisibility,
    StorefrontSettings,
    hex_colour_validator,
)
from channels.pricing import (
    SkuPriceRules,
    default_price,
    price_by_rule,
    price_floor_errors,
    yuan,
)

MAX_FEATURED = 12


class ListingError(Exception):
    """A listing change the rules forbid; the message is for the person who tried it."""


class ListingStateError(ListingError):
    """A move of a listing's status that its transition map forbids."""


class ListingPriceError(ListingError):
    """Prices that break the supplier's price control.

    ``sku_errors``: messages by offer SKU id; ``errors``: messages about the request as a whole.
    """

    def __init__(self, *, sku_errors: dict[int, list[str]], errors: list[str]):
        self.sku_errors = sku_errors
        self.errors = errors
        super().__init__(" ".join(self.messages()))

    def messages(self) -> list[str]:
        return self.errors + [m for ms in self.sku_errors.values() for m in ms]


class BulkListingError(ListingError):
    """The bulk action listed nothing: messages by offer id."""

    def __init__(self, *, offer_errors: dict[int, list[str]]):
        self.offer_errors = offer_errors
        super().__init__(" ".join(self.messages()))

    def messages(self) -> list[str]:
        return [m for ms in self.offer_errors.values() for m in ms]


# --- helpers -------------------------------------------------------------------------------------


def storefront_touch() -> None:
    """Bump the storefront's version (creating the settings row on first use): every cached
    storefront page of this dealer is stale from this transaction's commit on."""
    updated = StorefrontSettings.objects.filter(singleton=1).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        StorefrontSettings.objects.get_or_create(singleton=1)


def _resolve_prices(
    offer: SupplyOffer, prices: dict[int, Decimal] | None
) -> tuple[dict[int, Decimal], ListingPriceError | None]:
    """The price of every active SKU of ``offer`` (given or the default), and what is wrong."""
    skus = {sku.pk: sku for sku in offer.active_skus}
    prices = dict(prices or {})
    errors: list[str] = [
        _("SKU %(sku)s is not an active SKU of “%(name)s”.") % {"sku": sku_id, "name": offer.name}
        for sku_id in prices
        if sku_id not in skus
    ]
    if not skus:
        errors.append(_("“%(name)s” has no SKU on sale at the moment.") % {"name": offer.name})
    sku_errors: dict[int, list[str]] = {}
    resolved: dict[int, Decimal] = {}
    for sku_id, sku in skus.items():
        rules = SkuPriceRules.of(sku)
        price = prices[sku_id] if sku_id in prices else default_price(rules)
        problems = price_floor_errors(price, rules)
        if problems:
            sku_errors[sku_id] = [
                _("%(sku)s: %(problem)s") % {"sku": sku.code, "problem": problem}
                for problem in problems
            ]
        else:
            resolved[sku_id] = price
    if errors or sku_errors:
        return resolved, ListingPriceError(sku_errors=sku_errors, errors=errors)
    return resolved, None


def _prices_write(listing: Listing, prices: dict[int, Decimal]) -> None:
    existing = {p.offer_sku_id: p for p in ListingPrice.objects.filter(listing=listing)}
    for sku_id, price in prices.items():
        row = existing.get(sku_id)
        if row is None:
            ListingPrice.objects.create(listing=listing, offer_sku_id=sku_id, price=price)
        elif row.price != price:
            row.price = price
            row.save(update_fields=["price"])
    listing.price_min = min(prices.values())
    listing.price_max = max(prices.values())


def _price_snapshot(offer: SupplyOffer, prices: dict[int, Decimal]) -> dict[str, str]:
    codes = {sku.pk: sku.code for sku in offer.active_skus}
    return {codes.get(sku_id, str(sku_id)): str(price) for sku_id, price in prices.items()}


def _offer_or_error(offer_id: int) -> SupplyOffer:
    offer = selectors.offer_for_dealer(dealer_id=selectors.current_dealer_id(), offer_id=offer_id)
    if offer is None:
        raise ListingError(
            _("This product is not (or no longer) offered to your store by its supplier.")
        )
    return offer


# --- listings ------------------------------------------------------------------------------------


@transaction.atomic
def listing_create(
    *, actor: User | None, offer_id: int, prices: dict[int, Decimal] | None = None
) -> Listing:
    """Put an offer in the store. ``prices`` by offer SKU id; a SKU without one gets the
    suggested retail price. A delisted listing of the same offer is listed again."""
    offer = _offer_or_error(offer_id)
    resolved, error = _resolve_prices(offer, prices)
    if error is not None:
        raise error
    listing = Listing.objects.select_for_update().filter(offer_id=offer.pk).first()
    if listing is not None and listing.status == ListingStatus.LISTED:
        raise ListingError(_("“%(name)s” is already in your store.") % {"name": offer.name})
    now = timezone.now()
    if listing is None:
        listing = Listing(offer=offer, price_min=0, price_max=0, created_at=now, listed_at=now)
        try:
            with transaction.atomic():
                listing.save()
        except IntegrityError:
            raise ListingError(
                _("“%(name)s” is already in your store.") % {"name": offer.name}
            ) from None
        action = "listing.create"
    else:
        listing.status = ListingStatus.LISTED
        listing.listed_at = now
        action = "listing.relist"
    _prices_write(listing, resolved)
    listing.updated_at = now
    listing.save()
    audit_record(
        actor=actor,
        action=action,
        target=listing,
        data={"offer": offer.pk, "name": offer.name, "prices": _price_snapshot(offer, resolved)},
    )
    storefront_touch()
    return listing


@transaction.atomic
def listing_bulk_create(
    *, actor: User | None, offer_ids: list[int], basis: str, percent: Decimal
) -> list[Listing]:
    """Put several offers in the store at ``percent`` % of each SKU's suggested retail price or
    supply price. All or nothing: one price below a floor and nothing is listed."""
    dealer_id = selectors.current_dealer_id()
    wanted = sorted(set(offer_ids))
    offers = {
        offer.pk: offer
        for offer in selectors.offers_for_dealer(dealer_id=dealer_id, offer_ids=wanted)
    }
    listed = set(
        Listing.objects.filter(offer_id__in=wanted, status=ListingStatus.LISTED).values_list(
            "offer_id", flat=True
        )
    )
    errors: dict[int, list[str]] = {}
    plans: list[tuple[SupplyOffer, dict[int, Decimal]]] = []
    for offer_id in wanted:
        offer = offers.get(offer_id)
        if offer is None:
            errors[offer_id] = [
                _("Product %(id)s is not (or no longer) offered to your store.") % {"id": offer_id}
            ]
            continue
        if offer_id in listed:
            errors[offer_id] = [_("“%(name)s” is already in your store.") % {"name": offer.name}]
            continue
        prices = {
            sku.pk: price_by_rule(SkuPriceRules.of(sku), basis=basis, percent=percent)
            for sku in offer.active_skus
        }
        resolved, error = _resolve_prices(offer, prices)
        if error is not None:
            errors[offer_id] = [
                _("“%(name)s”: %(problem)s") % {"name": offer.name, "problem": message}
                for message in error.messages()
            ]
            continue
        plans.append((offer, resolved))
    if errors:
        raise BulkListingError(offer_errors=errors)
    return [
        listing_create(actor=actor, offer_id=offer.pk, prices=resolved) for offer, resolved in plans
    ]


@transaction.atomic
def listing_prices_set(
    *, actor: User | None, listing: Listing, prices: dict[int, Decimal]
) -> Listing:
    """Change the dealer's prices of a listing (by offer SKU id); the floor still holds."""
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    offer = _offer_or_error(listing.offer_id)
    current = dict(
        ListingPrice.objects.filter(listing=listing).values_list("offer_sku_id", "price")
    )
    merged = {sku.pk: current[sku.pk] for sku in offer.active_skus if sku.pk in current}
    merged.update(prices)
    resolved, error = _resolve_prices(offer, merged)
    if error is not None:
        raise error
    before = {str(k): str(v) for k, v in current.items()}
    _prices_write(listing, resolved)
    listing.updated_at = timezone.now()
    listing.save(update_fields=["price_min", "price_max", "updated_at"])
    audit_record(
        actor=actor,
        action="listing.prices",
        target=listing,
        data={"offer": offer.pk, "before": before, "after": _price_snapshot(offer, resolved)},
    )
    storefront_touch()
    return listing


@transaction.atomic
def listing_transition(*, actor: User | None, listing: Listing, to: str) -> Listing:
    """The one function that moves ``listing.status`` (delist, or list again)."""
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if not listing.can_move_to(to):
        raise ListingStateError(
            _("A listing that is “%(from)s” cannot become “%(to)s”.")
            % {"from": listing.get_status_display(), "to": ListingStatus(to).label}
        )
    if to == ListingStatus.LISTED:
        offer = _offer_or_error(listing.offer_id)
        current = dict(
            ListingPrice.objects.filter(listing=listing).values_list("offer_sku_id", "price")
        )
        resolved, error = _resolve_prices(
            offer, {sku.pk: current[sku.pk] for sku in offer.active_skus if sku.pk in current}
        )
        if error is not None:
            raise error
        _prices_write(listing, resolved)
        listing.listed_at = timezone.now()
    else:
        listing.is_featured = False
    from_status = listing.status
    listing.status = to
    listing.updated_at = timezone.now()
    listing.save()
    audit_record(
        actor=actor,
        action=f"listing.{to}",
        target=listing,
        data={"offer": listing.offer_id, "from": from_status, "to": to},
    )
    storefront_touch()
    return listing


def listing_delist(*, actor: User | None, listing: Listing) -> Listing:
    return listing_transition(actor=actor, listing=listing, to=ListingStatus.DELISTED)


# --- storefront settings -------------------------------------------------------------------------


def _image_store(upload, old_name: str) -> str:
    """Validate and re-encode an uploaded image (suppliers.images) and store it per tenant."""
    from suppliers.images import image_process

    processed = image_process(upload)
    name = default_storage.save(f"storefront/{processed.image_name}", ContentFile(processed.image))
    if old_name:
        transaction.on_commit(lambda: default_storage.delete(old_name))
    return name


@transaction.atomic
def storefront_settings_update(
    *,
    actor: User | None,
    name: str,
    tagline: str = "",
    brand_color: str = "",
    banner_title: str = "",
    banner_text: str = "",
    price_visibility: str = PriceVisibility.EVERYONE,
    featured_listing_ids: list[int] | None = None,
    logo=None,
    remove_logo: bool = False,
    banner_image=None,
    remove_banner_image: bool = False,
) -> StorefrontSettings:
    """Save the storefront's look; images are validated by content and re-encoded."""
    errors: dict[str, list[str]] = {}
    if brand_color:
        try:
            hex_colour_validator(brand_color)
        except ValidationError as error:
            errors["brand_color"] = error.messages
    if price_visibility not in PriceVisibility.values:
        errors["price_visibility"] = [_("Choose who may see prices.")]
    featured = sorted(set(featured_listing_ids or []))
    if len(featured) > MAX_FEATURED:
        errors["featured"] = [_("Feature at most %(n)s products.") % {"n": MAX_FEATURED}]
    listed = set(
        Listing.objects.filter(pk__in=featured, status=ListingStatus.LISTED).values_list(
            "pk", flat=True
        )
    )
    if set(featured) - listed:
        errors.setdefault("featured", []).append(_("Only products in your store can be featured."))
    if errors:
        raise ValidationError(errors)

    storefront_touch()
    settings_row = StorefrontSettings.objects.select_for_update().get(singleton=1)
    old_logo, old_banner = settings_row.logo.name, settings_row.banner_image.name
    if logo is not None:
        try:
            settings_row.logo.name = _image_store(logo, old_logo)
        except ValidationError as error:
            raise ValidationError({"logo": error.messages}) from None
    elif remove_logo and old_logo:
        settings_row.logo.name = ""
        transaction.on_commit(lambda: default_storage.delete(old_logo))
    if banner_image is not None:
        try:
            settings_row.banner_image.name = _image_store(banner_image, old_banner)
        except ValidationError as error:
            raise ValidationError({"banner_image": error.messages}) from None
    elif remove_banner_image and old_banner:
        settings_row.banner_image.name = ""
        transaction.on_commit(lambda: default_storage.delete(old_banner))

    settings_row.name = name.strip()
    settings_row.tagline = tagline.strip()
    settings_row.brand_color = brand_color.lower()
    settings_row.banner_title = banner_title.strip()
    settings_row.banner_text = banner_text.strip()
    settings_row.price_visibility = price_visibility
    settings_row.full_clean(exclude=["logo", "banner_image"])
    settings_row.save()

    Listing.objects.filter(is_featured=True).exclude(pk__in=featured).update(is_featured=False)
    Listing.objects.filter(pk__in=featured).update(is_featured=True)
    audit_record(
        actor=actor,
        action="storefront.settings",
        target=settings_row,
        data={
            "name": settings_row.name,
            "brand_color": settings_row.brand_color,
            "price_visibility": price_visibility,
            "featured": featured,
            "logo": settings_row.logo.name,
            "banner_image": settings_row.banner_image.name,
        },
    )
    return settings_row


def price_summary(listing: Listing) -> str:
    """The listing's own price range: ¥1,999.00, or ¥1,999.00 – ¥2,199.00."""
    if listing.price_min == listing.price_max:
        return yuan(listing.price_min)
    return f"{yuan(listing.price_min)} – {yuan(listing.price_max)}"
