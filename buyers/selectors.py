"""Reads of buyer accounts (dealer schema)."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role
from buyers.models import Address, Buyer, BuyerCompany


def buyer_of(user) -> Buyer | None:
    """The ``Buyer`` row (with user and company) of a signed-in buyer user, else None.

    None for anonymous users, dealer staff, inactive users, and buyer users without a row.
    Cached on the user object for the request.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if getattr(user, "role", None) != Role.BUYER:
        return None
    cached = getattr(user, "_buyer_cache", None)
    if cached is not None:
        return cached
    buyer = Buyer.objects.select_related("company", "user").filter(user_id=user.pk).first()
    if buyer is not None:
        buyer.user = user
        user._buyer_cache = buyer
    return buyer


def address_list(*, company: BuyerCompany) -> QuerySet[Address]:
    """The company's address book, default first."""
    return Address.objects.filter(company=company)


def address_get(*, company: BuyerCompany, pk: int) -> Address:
    """One address of the company; raises ``Address.DoesNotExist`` for any other."""
    return Address.objects.get(company=company, pk=pk)


def company_list(*, search: str = "", verified: str = "") -> QuerySet[BuyerCompany]:
    """Buyer companies of this dealer for the backoffice list, with user counts and whether
    any of their users is verified. ``verified``: "yes", "no" or "" (all)."""
    verified_buyer = Buyer.objects.filter(company=OuterRef("pk")).filter(
        Q(email_verified_at__isnull=False) | Q(mobile_verified_at__isnull=False)
    )
    companies = BuyerCompany.objects.annotate(
        user_count=Count("buyers", distinct=True),
        is_verified=Exists(verified_buyer),
    )
    search = search.strip()
    if search:
        user_match = Buyer.objects.filter(company=OuterRef("pk")).filter(
            Q(user__email__icontains=search)
            | Q(user__phone__icontains=search)
            | Q(user__full_name__icontains=search)
        )
        companies = companies.filter(
            Q(name__icontains=search) | Q(tax_number__icontains=search) | Exists(user_match)
        )
    if verified == "yes":
        companies = companies.filter(is_verified=True)
    elif verified == "no":
        companies = companies.filter(is_verified=False)
    return companies.order_by("-created_at", "-id")


def company_detail(*, pk: int) -> BuyerCompany:
    """One company with its users and addresses loaded; raises ``DoesNotExist``."""
    return BuyerCompany.objects.prefetch_related("buyers__user", "addresses").get(pk=pk)


def buyer_order_refusal(user) -> str:
    """Why ``user`` may not place an order at this dealer, or "" when they may.

    Checkout pages show the message; ``buyer_can_order`` is the yes/no of the same rule.
    """
    buyer = buyer_of(user)
    if buyer is None:
        return _("Sign in with a buyer account to place orders.")
    if not buyer.company.is_active:
        return _("Your company's account has been suspended. Please contact the store.")
    if not buyer.is_verified:
        if buyer.user.email and not buyer.user.phone:
            return _("Please verify your email address before placing an order.")
        if buyer.user.phone and not buyer.user.email:
            return _("Please verify your mobile number before placing an order.")
        return _("Please verify your email address or mobile number before placing an order.")
    return ""


def buyer_can_order(user) -> bool:
    """True when ``user`` is an active, verified buyer of this dealer (see
    ``buyer_order_refusal`` for the reason when not)."""
    return buyer_order_refusal(user) == ""
