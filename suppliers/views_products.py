"""The catalogue backoffice pages (supplier domain).

Who may do what (accounts.models.Role):
* staff and up: see products, prices and stock, export the catalogue as CSV;
* manager and up: create and edit products, SKUs, prices and images, list and delist,
  bulk price edits, CSV import.
Stock edits (supplychain.views) are open to staff.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role
from accounts.permissions import RoleRequiredMixin
from catalog.selectors import (
    category_get,
    category_leaves_with_spec_codes,
    category_parameter_specs,
    category_variant_specs,
)
from suppliers import selectors, services
from suppliers.forms import (
    BulkStatusForm,
    CategoryChooseForm,
    ImageUploadForm,
    PriceFilterForm,
    PriceRowFormSet,
    ProductFilterForm,
    ProductForm,
    ProductImportForm,
    SkuCreateFormSet,
    SkuForm,
    SkuFormSet,
    SkuPriceForm,
    TierFormSet,
    form_errors_apply,
)
from suppliers.models import ImportStatus, ProductImage, ProductImport, ProductStatus

PAGE_SIZE = 25


def _product_or_404(pk: int):
    product = selectors.product_get(pk=pk)
    if product is None:
        raise Http404
    return product


def _ordered(values: dict, specs) -> list[tuple[str, str]]:
    """A product's parameters or a SKU's variant as (label, value), template order first."""
    labels = {spec.code: spec.label for spec in specs}
    rows = [(labels[code], values[code]) for code in labels if values.get(code)]
    rows += [(key, value) for key, value in values.items() if key not in labels]
    return rows


class ProductListView(RoleRequiredMixin, View):
    required_role = Role.STAFF

    def get(self, request):
        filters = ProductFilterForm(request.GET or None)
        cleaned = filters.cleaned_data if filters.is_valid() else {}
        products = selectors.product_list(
            search=cleaned.get("q", ""),
            category_id=cleaned.get("category"),
            status=cleaned.get("status", ""),
        )
        page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "suppliers/product_list.html",
            {"filters": filters, "page_obj": page, "products": page.object_list},
        )


class ProductBulkStatusView(RoleRequiredMixin, View):
    required_role = Role.MANAGER

    def post(self, request):
        form = BulkStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(m for e in form.errors.values() for m in e))
        else:
            moved, refused = services.product_bulk_transition(
                actor=request.user,
                product_ids=form.cleaned_data["products"],
                to=form.cleaned_data["action"],
            )
            if moved:
                messages.success(
                    request,
                    _("%(n)s product(s) are now “%(status)s”.")
                    % {"n": len(moved), "status": ProductStatus(form.cleaned_data["action"]).label},
                )
            for reason in refused:
                messages.error(request, reason)
        return HttpResponseRedirect(request.POST.get("next") or reverse("suppliers:product-list"))


class ProductDetailView(RoleRequiredMixin, View):
    required_role = Role.STAFF

    def dispatch(self, request, *args, **kwargs):
        # An unknown id is a 404 for every method (not a 405 that would tell it exists).
        user = request.user
        if user.is_authenticated and user.has_role(self.required_role):
            self.product = _product_or_404(kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk: int):
        product = self.product
        variant_specs = category_variant_specs(category=product.category)
        skus = [
            {
                "sku": sku,
                "variant": _ordered(sku.variant, variant_specs),
                "tiers": list(sku.tiers.all()),
                "stock": list(sku.stock_levels.all()),
            }
            for sku in product.skus.all()
        ]
        problems = (
            services.product_listing_problems(product)
            if product.status != ProductStatus.LISTED
            else []
        )
        return render(
            request,
            "suppliers/product_detail.html",
            {
                "product": product,
                "parameters": _ordered(
                    product.parameters, category_parameter_specs(category=product.category)
                ),
                "skus": skus,
                "images": list(product.images.all()),
                "listing_problems": problems,
                "image_form": ImageUploadForm(),
                "can_edit": request.user.has_role(Role.MANAGER),
            },
        )


class _ProductEditMixin:
    """Shared by create and update: the product form, the SKU formset, one service call."""

    template_name = "suppliers/product_form.html"

    def forms_build(self, request, *, category, product=None):
        parameter_specs = category_parameter_specs(category=category)
        variant_specs = category_variant_specs(category=category)
        data = request.POST if request.method == "POST" else None
        if product is None:
            product_initial = {"category": category.pk, "unit": "件", "moq": 1}
            sku_initial = []
        else:
            product_initial = ProductForm.initial_for(product, parameter_specs)
            sku_initial = [SkuForm.initial_for(sku, variant_specs) for sku in product.skus.all()]
        form = ProductForm(data, initial=product_initial, parameter_specs=parameter_specs)
        if product is None:
            form.fields["category"].disabled = True
        formset_class = SkuCreateFormSet if product is None else SkuFormSet
        formset = formset_class(
            data,
            initial=sku_initial,
            prefix="skus",
            form_kwargs={"variant_specs": variant_specs},
        )
        return form, formset

    def render_page(self, request, *, form, formset, category, product=None, status=200):
        return render(
            request,
            self.template_name,
            {"form": form, "formset": formset, "category": category, "product": product},
            status=status,
        )

    def save(self, request, *, form, formset, category, product=None):
        if not (form.is_valid() and formset.is_valid()):
            return None
        fields = {
            "code": form.cleaned_data["code"],
            "name": form.cleaned_data["name"],
            "brand": form.cleaned_data["brand"],
            "unit": form.cleaned_data["unit"],
            "moq": form.cleaned_data["moq"],
            "description": form.cleaned_data["description"],
            "parameters": form.parameters(),
        }
        new_category = category_get(category_id=form.cleaned_data["category"])
        if new_category is None:
            form.add_error("category", _("Choose a category."))
            return None
        fields["category"] = new_category
        category_changed = product is not None and new_category.pk != product.category_id
        rows = []
        if not category_changed:
            for sku_form in formset.forms:
                if not sku_form.has_changed() and not sku_form.cleaned_data.get("sku_id"):
                    continue
                data = sku_form.cleaned_data
                rows.append(
                    (
                        sku_form,
                        services.SkuInput(
                            sku_id=data.get("sku_id"),
                            code=data["code"],
                            barcode=data.get("barcode", ""),
                            variant=sku_form.variant(),
                            supply_price=data["supply_price"],
                            suggested_retail_price=data["suggested_retail_price"],
                            min_resale_price=data["min_resale_price"],
                            moq=data.get("moq"),
                            is_active=data.get("is_active", False),
                        ),
                    )
                )
        try:
            saved = services.product_save(
                actor=request.user, product=product, fields=fields, skus=[r for _, r in rows]
            )
        except services.ProductEditError as error:
            if error.product_error is not None:
                form_errors_apply(form, error.product_error, prefix="param_")
            for index, row_error in error.row_errors.items():
                form_errors_apply(rows[index][0], row_error, prefix="variant_")
            return None
        if category_changed:
            messages.warning(
                request,
                _(
                    "The category changed: check the parameters and the SKUs' variants below "
                    "(SKU rows were not saved)."
                ),
            )
        return saved


class ProductCreateView(RoleRequiredMixin, _ProductEditMixin, View):
    required_role = Role.MANAGER

    def _category(self, request):
        chooser = CategoryChooseForm(request.GET or None)
        if chooser.is_valid():
            return chooser, category_get(category_id=chooser.cleaned_data["category"])
        return chooser, None

    def get(self, request):
        chooser, category = self._category(request)
        if category is None:
            return render(request, "suppliers/product_category_choose.html", {"form": chooser})
        form, formset = self.forms_build(request, category=category)
        return self.render_page(request, form=form, formset=formset, category=category)

    def post(self, request):
        chooser, category = self._category(request)
        if category is None:
            return HttpResponseRedirect(reverse("suppliers:product-create"))
        form, formset = self.forms_build(request, category=category)
        product = self.save(request, form=form, formset=formset, category=category)
        if product is None:
            return self.render_page(
                request, form=form, formset=formset, category=category, status=400
            )
        messages.success(
            request, _("Product %(code)s created as a draft.") % {"code": product.code}
        )
        return HttpResponseRedirect(reverse("suppliers:product-detail", args=[product.pk]))


class ProductUpdateView(RoleRequiredMixin, _ProductEditMixin, View):
    required_role = Role.MANAGER

    def get(self, request, pk: int):
        product = _product_or_404(pk)
        form, formset = self.forms_build(request, category=product.category, product=product)
        return self.render_page(
            request, form=form, formset=formset, category=product.category, product=product
        )

    def post(self, request, pk: int):
        product = _product_or_404(pk)
        form, formset = self.forms_build(request, category=product.category, product=product)
        saved = self.save(
            request, form=form, formset=formset, category=product.category, product=product
        )
        if saved is None:
            return self.render_page(
                request,
                form=form,
                formset=formset,
                category=product.category,
                product=product,
                status=400,
            )
        if saved.category_id != product.category_id:
            return HttpResponseRedirect(reverse("suppliers:product-update", args=[saved.pk]))
        messages.success(request, _("Product %(code)s saved.") % {"code": saved.code})
        return HttpResponseRedirect(reverse("suppliers:product-detail", args=[saved.pk]))


class ProductStatusView(RoleRequiredMixin, View):
    """POST ``to=listed`` or ``to=delisted``."""

    required_role = Role.MANAGER

    def post(self, request, pk: int):
        product = _product_or_404(pk)
        to = request.POST.get("to")
        if to not in (ProductStatus.LISTED, ProductStatus.DELISTED):
            return HttpResponse(status=400)
        try:
            product = services.product_transition(actor=request.user, product=product, to=to)
        except services.ProductStateError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(code)s is now “%(status)s”.")
                % {"code": product.code, "status": product.get_status_display()},
            )
        return HttpResponseRedirect(reverse("suppliers:product-detail", args=[product.pk]))


class SkuPriceUpdateView(RoleRequiredMixin, View):
    """The three controlled prices and the tiered prices of one SKU."""

    required_role = Role.MANAGER
    template_name = "suppliers/sku_price_update.html"

    def _sku(self, product_pk: int, pk: int):
        sku = selectors.sku_get(product_id=product_pk, pk=pk)
        if sku is None:
            raise Http404
        return sku

    def _render(self, request, sku, form, tiers, status=200):
        return render(
            request,
            self.template_name,
            {"sku": sku, "product": sku.product, "form": form, "tiers": tiers},
            status=status,
        )

    def get(self, request, product_pk: int, pk: int):
        sku = self._sku(product_pk, pk)
        form = SkuPriceForm(
            initial={
                "supply_price": sku.supply_price,
                "min_resale_price": sku.min_resale_price,
                "suggested_retail_price": sku.suggested_retail_price,
            }
        )
        tiers = TierFormSet(
            prefix="tiers",
            initial=[
                {"min_quantity": t.min_quantity, "unit_price": t.unit_price}
                for t in sku.tiers.all()
            ],
        )
        return self._render(request, sku, form, tiers)

    def post(self, request, product_pk: int, pk: int):
        sku = self._sku(product_pk, pk)
        form = SkuPriceForm(request.POST)
        tiers = TierFormSet(request.POST, prefix="tiers")
        if form.is_valid() and tiers.is_valid():
            try:
                services.sku_prices_set(
                    actor=request.user,
                    sku=sku,
                    supply_price=form.cleaned_data["supply_price"],
                    suggested_retail_price=form.cleaned_data["suggested_retail_price"],
                    min_resale_price=form.cleaned_data["min_resale_price"],
                    tiers=tiers.tiers(),
                )
            except ValidationError as error:
                form_errors_apply(form, error)
            else:
                messages.success(request, _("Prices of %(code)s saved.") % {"code": sku.code})
                return HttpResponseRedirect(
                    reverse("suppliers:product-detail", args=[sku.product_id])
                )
        return self._render(request, sku, form, tiers, status=400)


class ProductImageUploadView(RoleRequiredMixin, View):
    required_role = Role.MANAGER

    def post(self, request, pk: int):
        product = _product_or_404(pk)
        form = ImageUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
        else:
            added = 0
            for upload in form.cleaned_data["images"]:
                try:
                    services.product_image_add(actor=request.user, product=product, upload=upload)
                    added += 1
                except ValidationError as error:
                    for message in error.messages:
                        messages.error(request, message)
            if added:
                messages.success(request, _("%(n)s image(s) added.") % {"n": added})
        return HttpResponseRedirect(reverse("suppliers:product-detail", args=[product.pk]))


class ProductImageDeleteView(RoleRequiredMixin, View):
    required_role = Role.MANAGER

    def post(self, request, pk: int, image_pk: int):
        image = ProductImage.objects.filter(product_id=pk, pk=image_pk).first()
        if image is None:
            raise Http404
        services.product_image_delete(actor=request.user, image=image)
        messages.success(request, _("Image removed."))
        return HttpResponseRedirect(reverse("suppliers:product-detail", args=[pk]))


class PriceBulkUpdateView(RoleRequiredMixin, View):
    """Edit the controlled prices of many SKUs on one page; a page saves all rows or none."""

    required_role = Role.MANAGER
    template_name = "suppliers/price_bulk_update.html"
    page_size = 50

    def _page(self, request):
        filters = PriceFilterForm(request.GET or None)
        cleaned = filters.cleaned_data if filters.is_valid() else {}
        skus = selectors.sku_price_list(
            search=cleaned.get("q", ""), category_id=cleaned.get("category")
        )
        page = Paginator(skus, self.page_size).get_page(request.GET.get("page"))
        return filters, page

    def _render(self, request, filters, page, formset, status=200):
        rows = list(zip(page.object_list, formset.forms, strict=False))
        return render(
            request,
            self.template_name,
            {"filters": filters, "page_obj": page, "formset": formset, "rows": rows},
            status=status,
        )

    def get(self, request):
        filters, page = self._page(request)
        formset = PriceRowFormSet(
            prefix="prices",
            initial=[
                {
                    "sku_id": sku.pk,
                    "supply_price": sku.supply_price,
                    "min_resale_price": sku.min_resale_price,
                    "suggested_retail_price": sku.suggested_retail_price,
                }
                for sku in page.object_list
            ],
        )
        return self._render(request, filters, page, formset)

    def post(self, request):
        filters, page = self._page(request)
        formset = PriceRowFormSet(request.POST, prefix="prices")
        if formset.is_valid():
            changes = {
                form.cleaned_data["sku_id"]: {
                    field: form.cleaned_data[field]
                    for field in ("supply_price", "suggested_retail_price", "min_resale_price")
                }
                for form in formset.forms
                if form.has_changed()
            }
            try:
                count = services.price_bulk_update(actor=request.user, changes=changes)
            except services.BulkPriceError as error:
                by_sku = {form.cleaned_data["sku_id"]: form for form in formset.forms}
                for sku_id, problems in error.row_errors.items():
                    for message in problems:
                        if sku_id in by_sku:
                            by_sku[sku_id].add_error(None, message)
                messages.error(request, _("Nothing was saved: correct the rows marked below."))
            else:
                messages.success(request, _("Prices of %(n)s SKU(s) saved.") % {"n": count})
                return HttpResponseRedirect(request.get_full_path())
        # Show the posted rows against the SKUs they are about.
        by_id = {sku.pk: sku for sku in page.object_list}
        posted_ids = [form["sku_id"].value() for form in formset.forms]
        missing = [int(i) for i in posted_ids if str(i).isdigit() and int(i) not in by_id]
        if missing:
            from suppliers.models import Sku

            by_id.update(
                {s.pk: s for s in Sku.objects.select_related("product").filter(pk__in=missing)}
            )
        rows = [
            (by_id.get(int(i)) if str(i).isdigit() else None, form)
            for i, form in zip(posted_ids, formset.forms, strict=True)
        ]
        return render(
            request,
            self.template_name,
            {"filters": filters, "page_obj": page, "formset": formset, "rows": rows},
            status=400,
        )


class ProductImportView(RoleRequiredMixin, View):
    """Upload a catalogue CSV: it is kept and imported by a worker (a large file never holds
    up the request); the upload's page shows the outcome."""

    required_role = Role.MANAGER
    template_name = "suppliers/product_import.html"
    RECENT = 10

    def _render(self, request, context, status=200):
        context["leaves"] = category_leaves_with_spec_codes()
        context["imports"] = ProductImport.objects.defer("data")[: self.RECENT]
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(request, {"form": ProductImportForm()})

    def post(self, request):
        form = ProductImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, {"form": form}, status=400)
        upload = services.product_import_queue(
            actor=request.user,
            file_name=form.cleaned_data["file"].name,
            data=form.cleaned_data["file"].read(),
        )
        return redirect("suppliers:product-import-detail", pk=upload.pk)


class ProductImportDetailView(RoleRequiredMixin, View):
    """One upload: waiting (the page refreshes itself), imported with its counts, or refused
    with every error by line."""

    required_role = Role.MANAGER
    template_name = "suppliers/product_import_detail.html"

    def get(self, request, pk: int):
        upload = get_object_or_404(ProductImport.objects.defer("data"), pk=pk)
        return render(
            request,
            self.template_name,
            {"upload": upload, "waiting": upload.status == ImportStatus.QUEUED},
            status=400 if upload.status in (ImportStatus.REJECTED, ImportStatus.FAILED) else 200,
        )

    def http_method_not_allowed(self, request, *args, **kwargs):
        # A 405 would say that the id means something here.
        get_object_or_404(ProductImport.objects.only("pk"), pk=kwargs["pk"])
        return super().http_method_not_allowed(request, *args, **kwargs)


class ProductExportView(RoleRequiredMixin, View):
    required_role = Role.STAFF

    def get(self, request):
        buffer = io.StringIO()
        buffer.write("\ufeff")  # BOM: Excel then opens the Chinese text as UTF-8
        services.product_export_csv(out=buffer)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="catalogue-{stamp}.csv"'
        return response
