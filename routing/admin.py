"""Platform administration of the order exchange (public schema): carriers with their callback
secret and tracking page, and the routes of orders between dealers and suppliers (read-only:
routes are written by orders.workflow only)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from routing.models import Carrier, OrderRoute


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "is_active", "has_secret", "tracking_url")
    list_filter = ("is_active",)
    search_fields = ("code", "name_zh", "name_en")
    fields = ("code", "name_zh", "name_en", "tracking_url", "callback_secret", "is_active")

    @admin.display(boolean=True, description=_("callback secret set"))
    def has_secret(self, carrier: Carrier) -> bool:
        return bool(carrier.callback_secret)

    def has_delete_permission(self, request, obj=None):
        # Parcels point at their carrier (PROTECT): deactivate a carrier instead.
        return False


@admin.register(OrderRoute)
class OrderRouteAdmin(admin.ModelAdmin):
    list_display = (
        "dealer_order_number",
        "supplier_order_number",
        "dealer",
        "supplier",
        "status",
        "goods_total",
        "supply_total",
        "placed_at",
    )
    list_filter = ("status",)
    search_fields = ("dealer_order_number", "supplier_order_number")
    list_select_related = ("dealer", "supplier")
    date_hierarchy = "placed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # view-only: the admin shows every field read-only

    def has_delete_permission(self, request, obj=None):
        return False
