"""A buyer's after-sales requests on the storefront."""

from django.urls import path

from orders import views_aftersales as views

app_name = "shop-aftersales"

urlpatterns = [
    path("", views.RequestListView.as_view(), name="request-list"),
    path(
        "new/<int:order_pk>/<int:line_pk>/",
        views.RequestCreateView.as_view(),
        name="request-create",
    ),
    path("<int:pk>/", views.RequestDetailView.as_view(), name="request-detail"),
    path("<int:pk>/return/", views.ReturnShipView.as_view(), name="return-ship"),
    path("<int:pk>/withdraw/", views.WithdrawView.as_view(), name="request-withdraw"),
    path("<int:pk>/photos/<int:photo_pk>/", views.PhotoView.as_view(), name="photo"),
]
