"""The storefront (dealer domain, for buyers): home, category and search lists, product pages.

Open to everybody; prices are shown to guests only when the dealer allows it. Every page reads
the storefront once (settings and cache versions) and the rest from channels.selectors_storefront.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable

from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils._os import safe_join
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import cache_control

from channels import selectors_storefront as sf
from channels.forms import StorefrontFilterForm
from channels.selectors_storefront import ListParams, Sort


class StorefrontMixin:
    """Loads the storefront (one query) and renders a page in its layout.

    The main content of a page and the category navigation are rendered once per cache
    version (channels.selectors_storefront: any change of the dealer's listings or settings,
    of an offer or of the dealer's authorisations gives a new version) and kept in the cache:
    a page seen before costs the storefront query and one cache round trip. The fragments hold
    nothing of the visitor but whether prices are shown; the layout around them (user, CSRF
    token, language switcher) is rendered on every request.
    """

    def dispatch(self, request, *args, **kwargs):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.type != "dealer":
            raise Http404
        self.storefront = sf.storefront_load(dealer=tenant)
        return super().dispatch(request, *args, **kwargs)

    @property
    def prices_visible(self) -> bool:
        return self.storefront.settings.prices_for_guests or self.request.user.is_authenticated

    def _fragment_context(self) -> dict:
        return {
            "storefront": self.storefront,
            "store_name": self.storefront.name,
            "store_settings": self.storefront.settings,
            "prices_visible": self.prices_visible,
        }

    def render_cached(self, template: str, build: Callable[[], tuple[str, dict]]):
        """The page whose content is ``template`` rendered with ``build()``'s context.

        ``build`` returns (page title, context); it runs, with its queries, only when the
        page is not cached for this version, and may raise Http404 (never cached).
        """
        storefront, request = self.storefront, self.request
        language = get_language()
        version = (storefront.cache_version, language, self.prices_visible)
        page_key = sf.cache_key("page", *version, request.get_full_path())
        nav_key = sf.cache_key("nav", language)
        cached = cache.get_many([page_key, nav_key])
        page = cached.get(page_key)
        hit = page is not None
        if page is None:
            title, context = build()
            html = render_to_string(
                template, {**self._fragment_context(), **context}, request=request
            )
            page = {"title": str(title), "html": str(html)}
            cache.set(page_key, page, sf.CACHE_SECONDS)
        nav_html = self._nav_html(nav_key, cached.get(nav_key))
        settings_row = storefront.settings
        response = render(
            request,
            "layouts/storefront.html",
            {
                **self._fragment_context(),
                "page_title": page["title"],
                "content_html": mark_safe(page["html"]),  # rendered from our templates
                "nav_html": mark_safe(nav_html),
                "logo_url": settings_row.logo.url if settings_row.logo else "",
                "brand_color": settings_row.brand_color,
            },
        )
        response["X-Storefront-Cache"] = "hit" if hit else "miss"
        return response

    def _nav_html(self, nav_key: str, cached: tuple[str, str] | None) -> str:
        """The category navigation; rebuilt by one request per new version while the others
        show the previous one (its counts may lag a moment; the lists never do)."""
        version = self.storefront.cache_version
        if cached is not None and cached[0] == version:
            return cached[1]
        rebuild_lock = sf.cache_key("nav-rebuild", nav_key, version)
        if cached is not None and not cache.add(rebuild_lock, 1, 30):
            return cached[1]
        html = str(
            render_to_string(
                "storefront/partials/category_nav.html",
                {"nav": sf.category_nav(self.storefront)},
                request=self.request,
            )
        )
        cache.set(nav_key, (version, html), sf.CACHE_SECONDS)
        return html


class StorefrontHomeView(StorefrontMixin, View):
    def get(self, request):
        storefront = self.storefront

        def build():
            settings_row = storefront.settings
            cards, featured = sf.featured_cards(storefront)
            return _("Home"), {
                "cards": cards,
                "featured": featured,
                "nav": sf.category_nav(storefront),
                "banner_url": settings_row.banner_image.url if settings_row.banner_image else "",
            }

        return self.render_cached("storefront/home.html", build)


class ProductListView(StorefrontMixin, View):
    """A category's products (/c/<code>/) or the search (/search/?q=), with filters and facets."""

    def get(self, request, code: str | None = None):
        storefront = self.storefront
        prices_visible = self.prices_visible

        def build():
            category = None
            if code is not None:
                category = sf.category_by_code(storefront, code)
                if category is None:
                    raise Http404
            form = StorefrontFilterForm(request.GET)
            data = form.cleaned_data if form.is_valid() else {}
            params = ListParams(
                q=(data.get("q") or "").strip(),
                category_id=category.id if category else None,
                brand=(data.get("brand") or "").strip(),
                supplier_id=data.get("supplier"),
                price_min=data.get("price_min"),
                price_max=data.get("price_max"),
                in_stock=bool(data.get("in_stock")),
                sort=data.get("sort") or "",
                page=data.get("page") or 1,
            )
            result = sf.storefront_search(storefront, params, prices_visible=prices_visible)
            sorts = [(Sort.RELEVANCE, _("Best match"))] if params.q else []
            sorts.append((Sort.NEWEST, _("Newest")))
            if prices_visible:
                sorts += [
                    (Sort.PRICE_ASC, _("Price: low to high")),
                    (Sort.PRICE_DESC, _("Price: high to low")),
                ]
            if category is not None:
                title = category.name
            elif params.q:
                title = _("“%(q)s”") % {"q": params.q}
            else:
                title = _("All products")
            return title, {
                "category": category,
                "category_path": sf.category_path(storefront, category.id) if category else [],
                "params": params,
                "sort": sf.sort_for(params, prices_visible=prices_visible),
                "sorts": sorts,
                "result": result,
                "cards": result.cards,
                "page_obj": _PageInfo(result.number, result.num_pages, result.total),
                "supplier_name": next(
                    (name for pk, name, _n in result.facets.suppliers if pk == params.supplier_id),
                    "",
                ),
            }

        return self.render_cached("storefront/product_list.html", build)


class _Paginator:
    def __init__(self, num_pages: int, count: int):
        self.num_pages = num_pages
        self.count = count


class _PageInfo:
    """What partials/pagination.html reads from a Django Page, without a COUNT query."""

    def __init__(self, number: int, num_pages: int, count: int):
        self.number = number
        self.paginator = _Paginator(num_pages, count)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.paginator.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


class ProductDetailView(StorefrontMixin, View):
    def get(self, request, offer_id: int):
        storefront = self.storefront

        def build():
            product = sf.storefront_product(storefront, offer_id=offer_id)
            if product is None:
                raise Http404
            chosen = product.sku_for(request.GET.get("sku"))
            return product.offer.name, {
                "product": product,
                "offer": product.offer,
                "chosen": chosen,
                "picker": product.picker(chosen),
                "category_path": sf.category_path(storefront, product.offer.category_id),
            }

        return self.render_cached("storefront/product_detail.html", build)

    def http_method_not_allowed(self, request, *args, **kwargs):
        # A product this store does not sell is a 404 whatever the method (a 405 would say
        # the id means something here).
        if sf.storefront_product(self.storefront, offer_id=kwargs["offer_id"]) is None:
            raise Http404
        return super().http_method_not_allowed(request, *args, **kwargs)


IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


@method_decorator(cache_control(public=True, max_age=7 * 24 * 3600), name="get")
class StorefrontMediaView(View):
    """The storefront's uploaded images (logo, banner), only on the dealer's own domain.

    Stored under MEDIA_ROOT/<schema>/storefront/ (TenantFileSystemStorage); every name is
    made by channels.services, never by the uploader.
    """

    def get(self, request, schema: str, path: str):
        if schema != connection.schema_name:
            raise Http404
        if "\\" in path or "\x00" in path or posixpath.normpath(path) != path:
            raise Http404
        if not path.startswith("storefront/") or ".." in path.split("/"):
            raise Http404
        try:
            full = safe_join(default_storage.location, path)
        except (SuspiciousFileOperation, ValueError):
            raise Http404 from None
        content_type = IMAGE_TYPES.get(os.path.splitext(full)[1].lower())
        if content_type is None or not os.path.isfile(full):
            raise Http404
        response = FileResponse(open(full, "rb"), content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'"
        return response
