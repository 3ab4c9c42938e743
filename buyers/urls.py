"""Buyer accounts on a dealer's storefront: registration, verification, profile, address book.

Mounted at /account/ on dealer domains (platform_site/urls_dealer.py). Sign-in itself is
accounts:login (email or mobile number, buyers.backends.MobileBackend).
"""

from django.urls import path

from buyers import views

app_name = "buyers"

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("verify/email/<str:token>/", views.EmailVerifyView.as_view(), name="verify-email"),
    path("verify/mobile/", views.MobileVerifyView.as_view(), name="verify-mobile"),
    path("verify/resend/", views.VerificationResendView.as_view(), name="verify-resend"),
    path("", views.ProfileView.as_view(), name="profile"),
    path("addresses/", views.AddressListView.as_view(), name="address-list"),
    path("addresses/create/", views.AddressCreateView.as_view(), name="address-create"),
    path("addresses/<int:pk>/update/", views.AddressUpdateView.as_view(), name="address-update"),
    path("addresses/<int:pk>/delete/", views.AddressDeleteView.as_view(), name="address-delete"),
    path("addresses/<int:pk>/default/", views.AddressDefaultView.as_view(), name="address-default"),
]
