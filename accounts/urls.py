"""Accounts URLs, included under /accounts/ on every domain (platform_site/urls_common.py).

The team, audit log and profile pages answer on tenant domains only (404 on the platform's).
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views, views_notifications

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("profile/", views.ProfileUpdateView.as_view(), name="profile"),
    path("profile/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("team/", views.TeamListView.as_view(), name="team-list"),
    path("team/invite/", views.TeamInviteView.as_view(), name="team-invite"),
    path("team/<int:pk>/update/", views.TeamUpdateView.as_view(), name="team-update"),
    path("team/<int:pk>/deactivate/", views.TeamDeactivateView.as_view(), name="team-deactivate"),
    path("team/<int:pk>/reactivate/", views.TeamReactivateView.as_view(), name="team-reactivate"),
    path("audit/", views.AuditListView.as_view(), name="audit-list"),
    # In-app notifications (views_notifications.py)
    path(
        "notifications/",
        views_notifications.NotificationListView.as_view(),
        name="notification-list",
    ),
    path(
        "notifications/<int:pk>/read/",
        views_notifications.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path(
        "notifications/read-all/",
        views_notifications.NotificationReadAllView.as_view(),
        name="notification-read-all",
    ),
    path(
        "notifications/badge/",
        views_notifications.NotificationBadgeView.as_view(),
        name="notification-badge",
    ),
]
