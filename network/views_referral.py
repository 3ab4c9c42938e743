"""The dealer's referral page (dealer backoffice, /backoffice/referral/): its referral link,
the QR-code poster, and the buyers attributed to it. Staff and up; dealer domains only.
Thin views: every read is in network.referral, always for ``request.tenant``.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.cache import patch_cache_control
from django.views import View
from django.views.generic import TemplateView

from accounts.models import Role
from accounts.permissions import TenantBackofficeMixin
from channels.pricing import yuan
from network import referral
from network.selectors import dealer_profile_of


class _DealerOnlyMixin(TenantBackofficeMixin):
    required_role = Role.STAFF

    def dispatch(self, request, *args, **kwargs):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.type != "dealer":
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class ReferralOverviewView(_DealerOnlyMixin, TemplateView):
    template_name = "network/referral_overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tenant = self.request.tenant
        profile = dealer_profile_of(tenant)
        stats = referral.referral_stats(dealer_id=tenant.pk)
        context.update(
            code=profile.referral_code,
            link=referral.referral_link(tenant, code=profile.referral_code),
            stats=stats,
            amount_display=yuan(stats.amount),
        )
        return context


class ReferralPosterView(_DealerOnlyMixin, View):
    """GET: the poster PNG; ``?download=1``: the same as an attachment."""

    def get(self, request):
        png = referral.referral_poster(request.tenant)
        response = HttpResponse(png, content_type="image/png")
        if request.GET.get("download"):
            code = dealer_profile_of(request.tenant).referral_code
            response["Content-Disposition"] = (
                f'attachment; filename="referral-poster-{request.tenant.slug}-{code}.png"'
            )
        patch_cache_control(response, private=True, no_cache=True)
        return response
