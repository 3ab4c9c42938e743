from django.views.generic import TemplateView

from accounts.permissions import RoleRequiredMixin


class DashboardView(RoleRequiredMixin, TemplateView):
    template_name = "suppliers/dashboard.html"
