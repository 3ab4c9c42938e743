"""Publishing to dealers (supplier domain): per product, the supplier's offers, authorised dealers.

Who may do what: staff and up see what is published; managers and up publish, withdraw and
authorise dealers. Writes go through suppliers.publishing.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.models import Role
from accounts.permissions import RoleRequiredMixin
from catalog.models import OfferAudience, OfferStatus
from suppliers import publishing
from suppliers.models import Product, ProductStatus


class PublishForm(forms.Form):
    audience = forms.ChoiceField(
        label=gettext_lazy("Who may carry it"),
        choices=OfferAudience.choices,
        widget=forms.RadioSelect,
        initial=OfferAudience.ALL_DEALERS,
    )


class OfferFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All"))] + list(OfferStatus.choices),
    )


def _product_or_404(pk: int) -> Product:
    product = Product.objects.select_related("category__parent__parent").filter(pk=pk).first()
    if product is None:
        raise Http404
    return product


class ProductPublishingView(RoleRequiredMixin, View):
    """One product's place in the supply catalogue: publish (to whom), withdraw."""

    required_role = Role.STAFF
    template_name = "suppliers/publishing_update.html"

    def _render(self, request, product, form, status=200):
        return render(
            request,
            self.template_name,
            {
                "product": product,
                "offer": publishing.offer_of_product(product_id=product.pk),
                "form": form,
                "can_edit": request.user.has_role(Role.MANAGER),
                "is_listed": product.status == ProductStatus.LISTED,
                "authorised_count": publishing.authorised_dealer_count(),
            },
            status=status,
        )

    def get(self, request, pk: int):
        product = _product_or_404(pk)
        form = PublishForm(
            initial={"audience": product.published_audience or OfferAudience.ALL_DEALERS}
        )
        return self._render(request, product, form)

    def post(self, request, pk: int):
        product = _product_or_404(pk)
        if not request.user.has_role(Role.MANAGER):
            raise PermissionDenied
        if request.POST.get("action") == "withdraw":
            publishing.product_withdraw(actor=request.user, product=product)
            messages.success(
                request,
                _("%(code)s was withdrawn from the supply catalogue.") % {"code": product.code},
            )
            return HttpResponseRedirect(reverse("suppliers:product-publishing", args=[pk]))
        form = PublishForm(request.POST)
        if form.is_valid():
            try:
                publishing.product_publish(
                    actor=request.user, product=product, audience=form.cleaned_data["audience"]
                )
            except publishing.PublishError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("%(code)s is published to %(audience)s.")
                    % {
                        "code": product.code,
                        "audience": OfferAudience(form.cleaned_data["audience"]).label.lower(),
                    },
                )
                return HttpResponseRedirect(reverse("suppliers:product-publishing", args=[pk]))
        return self._render(request, product, form, status=400)


class PublishingListView(RoleRequiredMixin, View):
    """What this supplier has in the supply catalogue, as dealers see it."""

    required_role = Role.STAFF
    page_size = 50

    def get(self, request):
        filters = OfferFilterForm(request.GET or None)
        cleaned = filters.cleaned_data if filters.is_valid() else {}
        offers = publishing.offer_list(status=cleaned.get("status", ""), query=cleaned.get("q", ""))
        page = Paginator(offers, self.page_size).get_page(request.GET.get("page"))
        return render(
            request,
            "suppliers/publishing_list.html",
            {
                "filters": filters,
                "page_obj": page,
                "offers": page.object_list,
                "authorised_count": publishing.authorised_dealer_count(),
            },
        )


class DealerAuthorisationView(RoleRequiredMixin, View):
    """Every live dealer with a checkbox: which may carry offers for authorised dealers only."""

    required_role = Role.MANAGER
    template_name = "suppliers/publishing_dealers.html"
    page_size = 50

    def get(self, request):
        query = request.GET.get("q", "").strip()[:100]
        page = Paginator(publishing.dealer_list(query=query), self.page_size).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            self.template_name,
            {"page_obj": page, "dealers": page.object_list, "query": query},
        )

    def post(self, request):
        def ids(name):
            return {int(value) for value in request.POST.getlist(name) if value.isdigit()}

        shown, checked = ids("shown"), ids("authorised")
        try:
            added, removed = publishing.dealer_authorisations_update(
                actor=request.user, authorise=checked & shown, revoke=shown - checked
            )
        except publishing.PublishError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(request.get_full_path())
        if added:
            messages.success(request, _("Authorised: %(names)s.") % {"names": ", ".join(added)})
        if removed:
            messages.success(
                request, _("No longer authorised: %(names)s.") % {"names": ", ".join(removed)}
            )
        if not added and not removed:
            messages.info(request, _("Nothing changed."))
        return HttpResponseRedirect(request.get_full_path())
