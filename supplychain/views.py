"""Warehouses and stock pages (supplier domain).

Staff and up see warehouses and stock and may edit stock quantities (they count the goods);
managers and up create and edit warehouses.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role
from accounts.permissions import RoleRequiredMixin
from suppliers.forms import form_errors_apply
from supplychain import selectors, services
from supplychain.forms import StockFilterForm, StockRowFormSet, WarehouseForm


def _warehouse_or_404(pk: int):
    warehouse = selectors.warehouse_get(pk=pk)
    if warehouse is None:
        raise Http404
    return warehouse


class WarehouseListView(RoleRequiredMixin, View):
    required_role = Role.STAFF

    def get(self, request):
        return render(
            request, "supplychain/warehouse_list.html", {"warehouses": selectors.warehouse_list()}
        )


class WarehouseCreateView(RoleRequiredMixin, View):
    required_role = Role.MANAGER
    template_name = "supplychain/warehouse_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": WarehouseForm()})

    def post(self, request):
        form = WarehouseForm(request.POST)
        if form.is_valid():
            try:
                warehouse = services.warehouse_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_errors_apply(form, error)
            else:
                messages.success(
                    request, _("Warehouse %(code)s created.") % {"code": warehouse.code}
                )
                return HttpResponseRedirect(reverse("supplychain:warehouse-list"))
        return render(request, self.template_name, {"form": form}, status=400)


class WarehouseUpdateView(RoleRequiredMixin, View):
    required_role = Role.MANAGER
    template_name = "supplychain/warehouse_form.html"

    def get(self, request, pk: int):
        warehouse = _warehouse_or_404(pk)
        return render(
            request,
            self.template_name,
            {"form": WarehouseForm(instance=warehouse), "warehouse": warehouse},
        )

    def post(self, request, pk: int):
        warehouse = _warehouse_or_404(pk)
        form = WarehouseForm(request.POST, instance=warehouse)
        if form.is_valid():
            try:
                services.warehouse_update(
                    actor=request.user,
                    warehouse=_warehouse_or_404(pk),
                    **form.cleaned_data,
                )
            except ValidationError as error:
                form_errors_apply(form, error)
            else:
                messages.success(request, _("Warehouse %(code)s saved.") % {"code": warehouse.code})
                return HttpResponseRedirect(reverse("supplychain:warehouse-list"))
        return render(
            request, self.template_name, {"form": form, "warehouse": warehouse}, status=400
        )


class WarehouseStockView(RoleRequiredMixin, View):
    """Stock of every SKU in one warehouse; the page's quantities are saved in one go."""

    required_role = Role.STAFF
    template_name = "supplychain/warehouse_stock.html"
    page_size = 50

    def _page(self, request, warehouse):
        filters = StockFilterForm(request.GET or None)
        cleaned = filters.cleaned_data if filters.is_valid() else {}
        rows = selectors.warehouse_stock_rows(
            warehouse=warehouse, search=cleaned.get("q", ""), low_only=cleaned.get("low", False)
        )
        return filters, Paginator(rows, self.page_size).get_page(request.GET.get("page"))

    def _render(self, request, warehouse, filters, page, formset, rows, status=200):
        return render(
            request,
            self.template_name,
            {
                "warehouse": warehouse,
                "filters": filters,
                "page_obj": page,
                "formset": formset,
                "rows": rows,
            },
            status=status,
        )

    def get(self, request, pk: int):
        warehouse = _warehouse_or_404(pk)
        filters, page = self._page(request, warehouse)
        skus = list(page.object_list)
        formset = StockRowFormSet(
            prefix="stock",
            initial=[
                {
                    "sku_id": sku.pk,
                    "on_hand": sku.here[0].on_hand if sku.here else 0,
                    "safety_stock": sku.here[0].safety_stock if sku.here else 0,
                }
                for sku in skus
            ],
        )
        rows = [
            (sku, sku.here[0] if sku.here else None, form)
            for sku, form in zip(skus, formset.forms, strict=True)
        ]
        return self._render(request, warehouse, filters, page, formset, rows)

    def post(self, request, pk: int):
        warehouse = _warehouse_or_404(pk)
        filters, page = self._page(request, warehouse)
        formset = StockRowFormSet(request.POST, prefix="stock")
        if formset.is_valid():
            changes = {
                form.cleaned_data["sku_id"]: {
                    "on_hand": form.cleaned_data["on_hand"],
                    "safety_stock": form.cleaned_data["safety_stock"],
                }
                for form in formset.forms
                if form.has_changed()
            }
            try:
                count = services.stock_bulk_update(
                    actor=request.user, warehouse=warehouse, changes=changes
                )
            except services.StockError as error:
                by_sku = {form.cleaned_data["sku_id"]: form for form in formset.forms}
                for (sku_id, _warehouse_id), problems in error.row_errors.items():
                    for message in problems:
                        if sku_id in by_sku:
                            by_sku[sku_id].add_error(None, message)
                messages.error(request, _("Nothing was saved: correct the rows marked below."))
            else:
                messages.success(request, _("Stock of %(n)s SKU(s) saved.") % {"n": count})
                return HttpResponseRedirect(request.get_full_path())
        posted = [form["sku_id"].value() for form in formset.forms]
        ids = [int(value) for value in posted if str(value).isdigit()]
        skus = {
            sku.pk: sku
            for sku in selectors.warehouse_stock_rows(warehouse=warehouse).filter(pk__in=ids)
        }
        rows = []
        for value, form in zip(posted, formset.forms, strict=True):
            sku = skus.get(int(value)) if str(value).isdigit() else None
            rows.append((sku, sku.here[0] if sku and sku.here else None, form))
        return self._render(request, warehouse, filters, page, formset, rows, status=400)
