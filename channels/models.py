"""A dealer's store (dealer schema): the supplier offers it carries, at its own prices, and the
look of its storefront.

The offers themselves live in the public schema (catalog.SupplyOffer, written only by the
suppliers' publishing sync). A dealer never copies them: a ``Listing`` points at an offer and
holds what is the dealer's own, its prices per offer SKU (``ListingPrice``). Storefront queries
join listings with the offers and filter on the offer's status at read time, so a supplier
withdrawing an offer or deactivating a SKU takes it off every storefront at once.

Why the offer key is a foreign key without a database constraint (``db_constraint=False``):

* the join is what every storefront query does, and a ForeignKey gives ``select_related`` and
  lookups across it (``offer__status``) at no cost;
* a constraint from each dealer schema into ``public.catalog_supplyoffer`` would have to
  survive template cloning, and would make the public schema unable to remove an offer for
  reasons it cannot see; ``DO_NOTHING`` and no reverse accessor keep Django's delete collector
  from looking for listings in the public schema, where this table does not exist. A listing
  whose offer is gone simply never shows (the join finds nothing).

Price rules (价格管控): a dealer's price for an offer SKU is never below the supplier's minimum
resale price. The database cannot check it (the floor lives in another schema and may change
later), so channels.services is the one place that enforces it, for the backoffice forms, the
bulk action and the API alike. Should a supplier raise the floor above a dealer's price later,
the storefront sells at the floor (channels.pricing.effective_price) and the backoffice flags
the listing until the dealer sets a new price.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.schema_guard import SchemaBoundModel

hex_colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as # and six hexadecimal digits, e.g. #1a6fd4.")
)


class ListingStatus(models.TextChoices):
    LISTED = "listed", _("In the store")
    DELISTED = "delisted", _("Delisted")


class Listing(SchemaBoundModel):
    """A supplier offer this dealer sells in its storefront."""

    # Allowed moves of ``status``; channels.services.listing_transition is the only mover.
    TRANSITIONS = {
        ListingStatus.LISTED: {ListingStatus.DELISTED},
        ListingStatus.DELISTED: {ListingStatus.LISTED},
    }

    offer = models.ForeignKey(
        "catalog.SupplyOffer",
        verbose_name=_("supply offer"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the unique constraint's index serves the joins
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ListingStatus.choices, default=ListingStatus.LISTED
    )
    # The dealer's lowest and highest SKU price, kept by channels.services whenever prices are
    # set: the storefront sorts and filters 10,000s of listings by price without a join.
    price_min = models.DecimalField(_("price from"), max_digits=12, decimal_places=2)
    price_max = models.DecimalField(_("price up to"), max_digits=12, decimal_places=2)
    is_featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Shown on the storefront's home page.")
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    listed_at = models.DateTimeField(_("in the store since"), default=timezone.now)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["-listed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["offer"], name="listing_one_per_offer"),
            models.CheckConstraint(
                condition=Q(price_min__gte=0) & Q(price_max__gte=models.F("price_min")),
                name="listing_price_range_sane",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "price_min"], name="listing_status_price"),
            models.Index(fields=["status", "-listed_at"], name="listing_status_newest"),
        ]

    def __str__(self):
        return f"listing of offer {self.offer_id}"

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]


class ListingPrice(SchemaBoundModel):
    """The dealer's unit price of one SKU of a listed offer (before volume tiers)."""

    listing = models.ForeignKey(
        Listing, verbose_name=_("listing"), on_delete=models.CASCADE, related_name="prices"
    )
    # Same reasoning as Listing.offer: no constraint into the public schema.
    offer_sku = models.ForeignKey(
        "catalog.SupplyOfferSku",
        verbose_name=_("offer SKU"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    price = models.DecimalField(_("your price"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("listing price")
        verbose_name_plural = _("listing prices")
        ordering = ["listing_id", "offer_sku_id"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "offer_sku"], name="listing_price_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="listing_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.offer_sku_id}: {self.price}"


class PriceVisibility(models.TextChoices):
    EVERYONE = "everyone", _("Everyone, guests included")
    SIGNED_IN = "signed_in", _("Signed-in buyers only")


def storefront_upload_path(instance: StorefrontSettings, filename: str) -> str:
    # The stored name never comes from the uploader; the storage adds the schema folder.
    return f"storefront/{filename}"


class StorefrontSettings(SchemaBoundModel):
    """The look of the dealer's storefront (店铺装修): one row per dealer schema."""

    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    name = models.CharField(
        _("store name"),
        max_length=100,
        blank=True,
        help_text=_("Leave empty to use your company name."),
    )
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    logo = models.FileField(_("logo"), upload_to=storefront_upload_path, max_length=200, blank=True)
    brand_color = models.CharField(
        _("brand colour"),
        max_length=7,
        blank=True,
        validators=[hex_colour_validator],
        help_text=_("The colour of buttons and links, e.g. #1a6fd4. Empty: the platform's."),
    )
    banner_title = models.CharField(_("banner title"), max_length=100, blank=True)
    banner_text = models.CharField(_("banner text"), max_length=300, blank=True)
    banner_image = models.FileField(
        _("banner image"), upload_to=storefront_upload_path, max_length=200, blank=True
    )
    price_visibility = models.CharField(
        _("prices are shown to"),
        max_length=16,
        choices=PriceVisibility.choices,
        default=PriceVisibility.EVERYONE,
    )
    # Bumped in the same transaction as every change of listings, prices or these settings:
    # storefront caches carry it in their keys, so a change is visible on the next request.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("storefront settings")
        verbose_name_plural = _("storefront settings")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=1), name="storefront_settings_singleton"),
            models.CheckConstraint(
                condition=Q(brand_color="") | Q(brand_color__regex=r"^#[0-9a-fA-F]{6}$"),
                name="storefront_brand_color_hex",
            ),
        ]

    def __str__(self):
        return self.name or "storefront"

    @property
    def prices_for_guests(self) -> bool:
        return self.price_visibility == PriceVisibility.EVERYONE
