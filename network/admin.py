"""Platform administration of the channel network (public schema): dealer levels with what
each may do, and dealer profiles (level, region, upper dealer). A profile's upper dealer is
checked by network.services.dealer_parent_check: no cycle, a dealer, whose level may recruit."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalog.models import Category
from network.models import DealerLevel, DealerProfile, ExclusiveRegion
from network.selectors import referral_code_new
from network.services import NetworkError, dealer_parent_check
from tenants.models import Tenant, TenantType


class DealerLevelForm(forms.ModelForm):
    class Meta:
        model = DealerLevel
        fields = (
            "code",
            "name_zh",
            "name_en",
            "rank",
            "categories",
            "may_order_for_buyers",
            "may_promote",
            "may_recruit",
            "override_percent",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = Category.objects.filter(level=1).order_by(
            "position", "code"
        )


@admin.register(DealerLevel)
class DealerLevelAdmin(admin.ModelAdmin):
    form = DealerLevelForm
    list_display = (
        "code",
        "name_zh",
        "name_en",
        "rank",
        "may_order_for_buyers",
        "may_promote",
        "may_recruit",
        "override_percent",
        "category_list",
    )
    search_fields = ("code", "name_zh", "name_en")
    filter_horizontal = ("categories",)
    fields = (
        "code",
        "name_zh",
        "name_en",
        "rank",
        "categories",
        "may_order_for_buyers",
        "may_promote",
        "may_recruit",
        "override_percent",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("categories")

    @admin.display(description=_("may sell categories"))
    def category_list(self, level: DealerLevel) -> str:
        names = [category.name for category in level.categories.all()]
        return ", ".join(names) if names else _("all")


class DealerProfileForm(forms.ModelForm):
    class Meta:
        model = DealerProfile
        fields = ("dealer", "level", "province", "city", "parent")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "dealer" in self.fields:
            self.fields["dealer"].queryset = Tenant.objects.filter(type=TenantType.DEALER).order_by(
                "name"
            )
        self.fields["parent"].queryset = DealerProfile.objects.select_related(
            "dealer", "level"
        ).order_by("dealer__name")
        self.fields["parent"].label_from_instance = lambda profile: profile.dealer.name

    def clean_dealer(self):
        dealer = self.cleaned_data["dealer"]
        if dealer.type != TenantType.DEALER:
            raise forms.ValidationError(_("Only a dealer has a dealer profile."))
        return dealer

    def clean(self):
        cleaned = super().clean()
        parent = cleaned.get("parent")
        if parent is not None:
            try:
                dealer_parent_check(profile=self.instance, parent=parent)
            except NetworkError as error:
                self.add_error("parent", str(error))
        return cleaned


@admin.register(DealerProfile)
class DealerProfileAdmin(admin.ModelAdmin):
    form = DealerProfileForm
    list_display = ("dealer_name", "level", "province", "city", "parent_name", "referral_code")
    list_filter = ("level",)
    search_fields = ("dealer__name", "dealer__slug", "province", "city", "referral_code")
    list_select_related = ("dealer", "level", "parent__dealer")
    readonly_fields = ("referral_code", "created_at")

    def get_readonly_fields(self, request, obj=None):
        # The dealer of a profile never changes.
        return (*self.readonly_fields, "dealer") if obj is not None else self.readonly_fields

    @admin.display(description=_("dealer"), ordering="dealer__name")
    def dealer_name(self, profile: DealerProfile) -> str:
        return profile.dealer.name

    @admin.display(description=_("upper dealer"), ordering="parent__dealer__name")
    def parent_name(self, profile: DealerProfile) -> str:
        return profile.parent.dealer.name if profile.parent_id else "—"

    def save_model(self, request, obj, form, change):
        if not obj.referral_code:
            obj.referral_code = referral_code_new()
        super().save_model(request, obj, form, change)


@admin.register(ExclusiveRegion)
class ExclusiveRegionAdmin(admin.ModelAdmin):
    """View-only: suppliers manage their exclusive regions (network.services)."""

    list_display = ("supplier", "province", "city", "dealer", "created_at")
    search_fields = ("supplier__name", "dealer__name", "province", "city")
    list_select_related = ("supplier", "dealer")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
