"""The signed-in user's notifications, on every tenant domain (accounts.notifications).

A user sees and marks only their own notifications: another user's id answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from accounts import notifications
from accounts.models import Role
from accounts.permissions import BACKOFFICE_LAYOUTS, TenantBackofficeMixin


class NotificationListView(TenantBackofficeMixin, ListView):
    required_role = Role.STAFF
    template_name = "accounts/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 30

    def get_queryset(self):
        return notifications.notification_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            unread_count=notifications.notification_unread_count(user=self.request.user),
            **kwargs,
        )


class NotificationReadView(TenantBackofficeMixin, View):
    """POST: mark one read; with ``open=1`` go on to the notification's link."""

    required_role = Role.STAFF

    def post(self, request, pk: int):
        notification = notifications.notification_mark_read(user=request.user, notification_id=pk)
        if notification is None:
            raise Http404
        if request.POST.get("open") and notification.link:
            return HttpResponseRedirect(notification.link)
        return HttpResponseRedirect(_back(request))


class NotificationReadAllView(TenantBackofficeMixin, View):
    required_role = Role.STAFF

    def post(self, request):
        count = notifications.notification_mark_all_read(user=request.user)
        if count:
            messages.success(request, _("%(n)s notification(s) marked as read.") % {"n": count})
        return HttpResponseRedirect(_back(request))


class NotificationBadgeView(View):
    """The unread count as a small HTML fragment, loaded by htmx into the top bar.

    Signed out (an expired session), it answers an empty fragment, never the sign-in page.
    """

    def get(self, request):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.type not in BACKOFFICE_LAYOUTS:
            raise Http404
        user = request.user
        count = notifications.notification_unread_count(user=user) if user.is_active else 0
        response = render(request, "accounts/notification_badge.html", {"unread_count": count})
        response["Cache-Control"] = "private, no-store"
        return response


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("accounts:notification-list")
