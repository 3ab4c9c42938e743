"""After-sales requests in the dealer's backoffice."""

from django.urls import path

from orders import views_aftersales_backoffice as views

app_name = "dealer-aftersales"

urlpatterns = [
    path("", views.RequestListView.as_view(), name="request-list"),
    path("<int:pk>/", views.RequestDetailView.as_view(), name="request-detail"),
    path("<int:pk>/decide/", views.RequestDecideView.as_view(), name="request-decide"),
    path("<int:pk>/refund/", views.RefundCreateView.as_view(), name="refund-create"),
    path("<int:pk>/photos/<int:photo_pk>/", views.PhotoView.as_view(), name="photo"),
]
