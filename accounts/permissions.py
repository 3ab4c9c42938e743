"""Who may open a page: signed-in users of the active schema, by role.

``RoleRequiredMixin`` is for every backoffice view: anonymous visitors are sent to the sign-in
page of the same domain, signed-in users whose role ranks below ``required_role`` get 403.
A user only exists in their own tenant's schema, so a session or a user id of another tenant
never authenticates here.
"""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Role

BACKOFFICE_LAYOUTS = {"supplier": "layouts/supplier.html", "dealer": "layouts/dealer.html"}


class RoleRequiredMixin(AccessMixin):
    """Signed-in users of this schema whose role ranks at least ``required_role``."""

    required_role = Role.STAFF

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_role(self.required_role):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class TenantBackofficeMixin(RoleRequiredMixin):
    """A backoffice page served on every tenant domain, supplier or dealer, and not on the
    platform's own domain (platform staff use the admin there).

    Puts ``backoffice_layout`` in the context: templates ``{% extends backoffice_layout %}``.
    """

    def dispatch(self, request, *args, **kwargs):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.type not in BACKOFFICE_LAYOUTS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["backoffice_layout"] = BACKOFFICE_LAYOUTS[self.request.tenant.type]
        return context
