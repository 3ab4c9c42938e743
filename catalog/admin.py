"""The category tree in the platform administration (public schema only)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, CategorySpec, DealerAuthorisation, SupplyOffer, SupplyOfferSku
from catalog.services import category_check_placement, category_save


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["code", "name_zh", "name_en", "parent", "position", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only levels 1 and 2 can have subcategories.
        self.fields["parent"].queryset = Category.objects.filter(level__lt=3).select_related(
            "parent"
        )

    def clean(self):
        cleaned = super().clean()
        try:
            category_check_placement(category=self.instance, parent=cleaned.get("parent"))
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class CategorySpecInline(admin.TabularInline):
    model = CategorySpec
    extra = 0
    fields = [
        "position",
        "code",
        "name_zh",
        "name_en",
        "kind",
        "value_type",
        "choices",
        "unit",
        "required",
    ]


class LevelFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("1", _("Level 1")), ("2", _("Level 2")), ("3", _("Level 3 (leaf)"))]

    def queryset(self, request, queryset):
        return queryset.filter(level=self.value()) if self.value() else queryset


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ["path", "code", "level", "position", "is_active"]
    list_filter = [LevelFilter, "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["parent__parent"]
    ordering = ["level", "position", "code"]
    inlines = [CategorySpecInline]

    @admin.display(description=_("category"))
    def path(self, obj):
        return f"{obj.path_display}  ·  {obj.name_en}"

    def save_model(self, request, obj, form, change):
        category_save(category=obj)

    def has_delete_permission(self, request, obj=None):
        # Products in every supplier's schema point at categories: deactivate instead.
        return False


# --- The supply catalogue (written only by suppliers.publishing): read-only here ---------------


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to platform staff, changed only by the suppliers (through their backoffice)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SupplyOfferSkuInline(admin.TabularInline):
    model = SupplyOfferSku
    extra = 0
    can_delete = False
    fields = [
        "code",
        "variant",
        "supply_price",
        "min_resale_price",
        "suggested_retail_price",
        "price_tiers",
        "moq",
        "available",
        "is_active",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SupplyOffer)
class SupplyOfferAdmin(_ReadOnlyAdmin):
    list_display = [
        "name",
        "code",
        "supplier",
        "category",
        "audience",
        "status",
        "available",
        "version",
        "updated_at",
    ]
    list_filter = ["status", "audience", "supplier"]
    search_fields = ["name", "code", "brand", "supplier__name"]
    list_select_related = ["supplier", "category__parent__parent"]
    date_hierarchy = "updated_at"
    exclude = ["search_document"]
    inlines = [SupplyOfferSkuInline]


@admin.register(DealerAuthorisation)
class DealerAuthorisationAdmin(_ReadOnlyAdmin):
    list_display = ["supplier", "dealer", "created_at"]
    list_filter = ["supplier"]
    search_fields = ["supplier__name", "dealer__name"]
    list_select_related = ["supplier", "dealer"]
