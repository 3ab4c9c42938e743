"""The dealer backoffice (dealer domain, under /backoffice/).

Who may do what (accounts.models.Role):
* staff and up: browse the supply catalogue (with live stock) and the store's listings;
* manager and up: add products to the store (one or in bulk), change prices, delist, and the
  storefront settings.

Supplier data is read-only here: there is no page or API that changes an offer.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.models import Role
from accounts.permissions import RoleRequiredMixin
from channels import selectors, services
from channels.forms import (
    BulkListingForm,
    ListingFilterForm,
    ListingPriceForm,
    ListingStatusForm,
    OfferFilterForm,
    StorefrontSettingsForm,
)
from channels.models import ListingStatus
from channels.pricing import SkuPriceRules, dealer_tiers, effective_price, margin_percent

PAGE_SIZE = 25


class DashboardView(RoleRequiredMixin, TemplateView):
    template_name = "channels/dashboard.html"


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _sku_rows(offer, current: dict | None = None) -> list[dict]:
    """Each active SKU of an offer with its price control and, if listed, the dealer's price."""
    rows = []
    for sku in offer.active_skus:
        rules = SkuPriceRules.of(sku)
        price = (current or {}).get(sku.pk)
        row = {"sku": sku, "rules": rules, "supplier_tiers": list(rules.price_tiers)}
        if current is not None:
            shown = effective_price(price, rules)
            row.update(
                price=price,
                effective=shown,
                below_floor=price is not None and price < rules.min_resale_price,
                unpriced=price is None,
                tiers=dealer_tiers(price, rules),
                margin=margin_percent(shown, rules),
            )
        rows.append(row)
    return rows


class OfferListView(RoleRequiredMixin, View):
    """The supply catalogue of the suppliers that publish to this dealer."""

    required_role = Role.STAFF

    def get(self, request):
        dealer_id = selectors.current_dealer_id()
        filters = OfferFilterForm(
            request.GET or None,
            supplier_choices=selectors.supplier_choices(dealer_id=dealer_id),
        )
        cleaned = filters.cleaned_data if filters.is_valid() else {}
        offers = selectors.offer_browse(
            dealer_id=dealer_id,
            q=cleaned.get("q", ""),
            category_id=cleaned.get("category"),
            supplier_id=cleaned.get("supplier"),
            price_min=cleaned.get("price_min"),
            price_max=cleaned.get("price_max"),
            in_stock=cleaned.get("in_stock", False),
            not_in_store=cleaned.get("not_in_store", False),
        )
        page = Paginator(offers, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "channels/offer_list.html",
            {
                "filters": filters,
                "page_obj": page,
                "offers": [(offer, _sku_rows(offer)) for offer in page.object_list],
                "bulk_form": BulkListingForm(),
            },
        )


class OfferDetailView(RoleRequiredMixin, View):
    """One offer: specifications, SKUs with live stock and price control, and the form that
    adds it to the store (POSTed to ListingCreateView)."""

    required_role = Role.STAFF
    template_name = "channels/offer_detail.html"

    def dispatch(self, request, *args, **kwargs):
        # An offer this dealer may not see is a 404 for every method and every role.
        user = request.user
        if user.is_authenticated and user.has_role(self.required_role):
            self.offer = selectors.offer_for_dealer(
                dealer_id=selectors.current_dealer_id(), offer_id=kwargs["pk"]
            )
            if self.offer is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, request, form=None, status=200):
        offer = self.offer
        listing = selectors.listing_for_offer(offer_id=offer.pk)
        if form is None and request.user.has_role(Role.MANAGER):
            form = ListingPriceForm(offer=offer)
        return render(
            request,
            self.template_name,
            {
                "offer": offer,
                "skus": _sku_rows(offer),
                "listing": listing,
                "form": form,
                "can_list": request.user.has_role(Role.MANAGER)
                and (listing is None or listing.status != ListingStatus.LISTED),
            },
            status=status,
        )

    def get(self, request, pk: int):
        return self.render_page(request)


class ListingCreateView(OfferDetailView):
    """POST: add the offer to the store at the prices of the form."""

    required_role = Role.MANAGER
    http_method_names = ["get", "post"]

    def get(self, request, pk: int):
        return HttpResponseRedirect(reverse("channels:offer-detail", args=[pk]))

    def post(self, request, pk: int):
        form = ListingPriceForm(request.POST, offer=self.offer)
        if form.is_valid():
            try:
                listing = services.listing_create(
                    actor=request.user, offer_id=self.offer.pk, prices=form.prices()
                )
            except services.ListingPriceError as error:
                form.errors_apply(error)
            except services.ListingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, _("“%(name)s” is now in your store.") % {"name": self.offer.name}
                )
                return HttpResponseRedirect(reverse("channels:listing-update", args=[listing.pk]))
        return self.render_page(request, form=form, status=400)


class ListingBulkCreateView(RoleRequiredMixin, View):
    """POST from the catalogue page: list the selected offers at a price rule, all or none."""

    required_role = Role.MANAGER

    def post(self, request):
        back = _safe_next(request, reverse("channels:offer-list"))
        form = BulkListingForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
            return HttpResponseRedirect(back)
        try:
            listings = services.listing_bulk_create(
                actor=request.user,
                offer_ids=form.cleaned_data["offers"],
                basis=form.cleaned_data["basis"],
                percent=form.cleaned_data["percent"],
            )
        except services.BulkListingError as error:
            messages.error(request, _("Nothing was added to your store:"))
            for message in error.messages():
                messages.error(request, message)
        else:
            messages.success(
                request, _("%(n)s product(s) added to your store.") % {"n": len(listings)}
            )
        return HttpResponseRedirect(back)


class ListingListView(RoleRequiredMixin, View):
    required_role = Role.STAFF

    def get(self, request):
        filters = ListingFilterForm(request.GET or None)
        cleaned = filters.cleaned_data if filters.is_valid() else {}
        listings = selectors.listing_list(status=cleaned.get("status", ""), q=cleaned.get("q", ""))
        page = Paginator(listings, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = []
        for listing in page.object_list:
            current = {p.offer_sku_id: p.price for p in listing.prices.all()}
            skus = _sku_rows(listing.offer, current)
            rows.append(
                {
                    "listing": listing,
                    "skus": skus,
                    "on_sale": listing.on_offer and bool(skus),
                    "below_floor": any(row["below_floor"] for row in skus),
                    "unpriced": any(row["unpriced"] for row in skus),
                }
            )
        return render(
            request,
            "channels/listing_list.html",
            {"filters": filters, "page_obj": page, "rows": rows},
        )


class _ListingMixin:
    def listing_or_404(self, pk: int):
        listing = selectors.listing_get(pk=pk)
        if listing is None:
            raise Http404
        return listing


class ListingUpdateView(RoleRequiredMixin, _ListingMixin, View):
    """The dealer's prices of one listing, with the tiers buyers get."""

    required_role = Role.MANAGER
    template_name = "channels/listing_update.html"

    def _render(self, request, listing, form, status=200):
        current = {p.offer_sku_id: p.price for p in listing.prices.all()}
        return render(
            request,
            self.template_name,
            {
                "listing": listing,
                "offer": listing.offer,
                "form": form,
                "skus": _sku_rows(listing.offer, current),
                "status_form": ListingStatusForm(),
            },
            status=status,
        )

    def get(self, request, pk: int):
        listing = self.listing_or_404(pk)
        current = {p.offer_sku_id: p.price for p in listing.prices.all()}
        return self._render(
            request, listing, ListingPriceForm(offer=listing.offer, current=current)
        )

    def post(self, request, pk: int):
        listing = self.listing_or_404(pk)
        form = ListingPriceForm(request.POST, offer=listing.offer)
        if form.is_valid():
            try:
                services.listing_prices_set(
                    actor=request.user, listing=listing, prices=form.prices()
                )
            except services.ListingPriceError as error:
                form.errors_apply(error)
            except services.ListingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Prices saved."))
                return HttpResponseRedirect(reverse("channels:listing-update", args=[listing.pk]))
        return self._render(request, listing, form, status=400)


class ListingStatusView(RoleRequiredMixin, _ListingMixin, View):
    """POST ``to=delisted`` (take off the storefront) or ``to=listed`` (put back)."""

    required_role = Role.MANAGER

    def post(self, request, pk: int):
        listing = self.listing_or_404(pk)
        form = ListingStatusForm(request.POST)
        back = _safe_next(request, reverse("channels:listing-list"))
        if not form.is_valid():
            messages.error(request, _("Choose whether to delist or list again."))
            return HttpResponseRedirect(back)
        try:
            listing = services.listing_transition(
                actor=request.user, listing=listing, to=form.cleaned_data["to"]
            )
        except services.ListingError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("“%(name)s”: %(status)s.")
                % {"name": listing.offer.name, "status": listing.get_status_display()},
            )
        return HttpResponseRedirect(back)


class StorefrontSettingsUpdateView(RoleRequiredMixin, View):
    """Storefront settings (店铺装修): name, logo, colour, banner, featured, price visibility."""

    required_role = Role.MANAGER
    template_name = "channels/storefront_settings_update.html"

    def _render(self, request, form, settings_row, status=200):
        return render(
            request,
            self.template_name,
            {"form": form, "settings_row": settings_row},
            status=status,
        )

    def get(self, request):
        settings_row = selectors.storefront_settings_get()
        listings = selectors.listing_choices_for_featuring()
        form = StorefrontSettingsForm(
            listings=listings,
            initial={
                "name": settings_row.name,
                "tagline": settings_row.tagline,
                "brand_color": settings_row.brand_color,
                "banner_title": settings_row.banner_title,
                "banner_text": settings_row.banner_text,
                "price_visibility": settings_row.price_visibility,
                "featured": [listing.pk for listing in listings if listing.is_featured],
            },
        )
        return self._render(request, form, settings_row)

    def post(self, request):
        settings_row = selectors.storefront_settings_get()
        form = StorefrontSettingsForm(
            request.POST, request.FILES, listings=selectors.listing_choices_for_featuring()
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.storefront_settings_update(
                    actor=request.user,
                    name=data["name"],
                    tagline=data["tagline"],
                    brand_color=data["brand_color"],
                    banner_title=data["banner_title"],
                    banner_text=data["banner_text"],
                    price_visibility=data["price_visibility"],
                    featured_listing_ids=data["featured"],
                    logo=data["logo"] or None,
                    remove_logo=data["remove_logo"],
                    banner_image=data["banner_image"] or None,
                    remove_banner_image=data["remove_banner_image"],
                )
            except ValidationError as error:
                for field, messages_ in error.message_dict.items():
                    for message in messages_:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Storefront settings saved."))
                return HttpResponseRedirect(reverse("channels:storefront-settings"))
        return self._render(request, form, settings_row, status=400)
