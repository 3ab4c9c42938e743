"""After-sales requests in the supplier's backoffice."""

from django.urls import path

from fulfilment import views_aftersales as views

app_name = "supplier-aftersales"

urlpatterns = [
    path("", views.RequestListView.as_view(), name="request-list"),
    path("<int:pk>/", views.RequestDetailView.as_view(), name="request-detail"),
    path("<int:pk>/decide/", views.RequestDecideView.as_view(), name="request-decide"),
    path("<int:pk>/receive/", views.RequestReceiveView.as_view(), name="request-receive"),
    path("<int:pk>/replacement/", views.ReplacementShipView.as_view(), name="replacement-ship"),
    path("<int:pk>/photos/<str:name>", views.PhotoView.as_view(), name="photo"),
]
