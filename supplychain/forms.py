from django import forms
from django.utils.translation import gettext_lazy as _

from supplychain.models import Warehouse


class WarehouseForm(forms.ModelForm):
    class Meta:
        model = Warehouse
        fields = [
            "code",
            "name",
            "province",
            "city",
            "address",
            "contact_name",
            "contact_phone",
            "is_active",
        ]


class StockRowForm(forms.Form):
    sku_id = forms.IntegerField(widget=forms.HiddenInput)
    on_hand = forms.IntegerField(
        label=_("On hand"), min_value=0, widget=forms.NumberInput(attrs={"class": "num", "min": 0})
    )
    safety_stock = forms.IntegerField(
        label=_("Safety stock"),
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "num", "min": 0}),
    )


StockRowFormSet = forms.formset_factory(StockRowForm, extra=0, max_num=200)


class StockFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    low = forms.BooleanField(label=_("Only low stock"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name, product code or SKU code")
