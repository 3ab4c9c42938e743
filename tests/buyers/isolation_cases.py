"""Rows of tests/test_isolation.py for this area: ``CASES`` (checked across tenants) and
``EXEMPT`` (name: why no cross-tenant check applies).

Storefront account pages are opened by the isolation buyer of each dealer (``who="buyer"``);
``make`` runs in the home dealer's schema (delta) and works on delta's isolation buyer.
"""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from buyers.models import Address, Buyer, BuyerCompany
from tenants.models import Tenant
from tests.isolation_case import Case


def _home_buyer(tenant: Tenant) -> Buyer:
    from tests.test_isolation import buyer_email

    return Buyer.objects.select_related("user", "company").get(
        user=User.objects.get(email=buyer_email(tenant))
    )


def _address(tenant: Tenant, *, default: bool = False) -> Address:
    from tests.test_isolation import pk_unused_elsewhere

    pk_unused_elsewhere(Address)
    buyer = _home_buyer(tenant)
    if default:
        Address.objects.filter(company=buyer.company).update(is_default=False)
    return Address.objects.create(
        company=buyer.company,
        recipient=f"ISO-Recipient-{tenant.slug}",
        phone="13900000000",
        province="浙江省",
        city="杭州市",
        street=f"ISO-Street-{tenant.slug}",
        is_default=default,
    )


def profile_made(tenant: Tenant):
    return {}, _home_buyer(tenant).user.email


def addresses_made(tenant: Tenant):
    return {}, _address(tenant).street


def store_named(tenant: Tenant):
    return {}, tenant.name


def address_made(tenant: Tenant):
    address = _address(tenant)
    return {"pk": address.pk}, address.recipient


def address_post() -> dict:
    return {
        "recipient": "changed from outside",
        "phone": "13900000001",
        "province": "x",
        "city": "x",
        "street": "x",
        "make_default": "on",
    }


def address_kept(kwargs: dict) -> bool:
    address = Address.objects.filter(pk=kwargs["pk"]).first()
    return address is not None and address.recipient.startswith("ISO-Recipient-")


def address_not_default(kwargs: dict) -> bool:
    return address_kept(kwargs) and not Address.objects.get(pk=kwargs["pk"]).is_default


def mobile_unverified_made(tenant: Tenant):
    buyer = _home_buyer(tenant)
    User.objects.filter(pk=buyer.user_id).update(phone="13912340000")
    Buyer.objects.filter(pk=buyer.pk).update(mobile_verified_at=None)
    return {}, "13912340000"


def company_made(tenant: Tenant):
    from tests.test_isolation import pk_unused_elsewhere

    pk_unused_elsewhere(BuyerCompany)
    company = BuyerCompany.objects.create(
        name=f"ISO-Company-{tenant.slug}", tax_number="91310000ISO00000X1"
    )
    user = User.objects.create_user(
        email=f"iso-company-user@{tenant.slug}.test", role="buyer", full_name="ISO user"
    )
    Buyer.objects.create(user=user, company=company, email_verified_at=timezone.now())
    return {"pk": company.pk}, company.name


def companies_made(tenant: Tenant):
    return {}, company_made(tenant)[1]


def terms_post() -> dict:
    return {"on_account": "on", "credit_limit": "99999.00", "payment_terms_days": "90"}


def terms_kept(kwargs: dict) -> bool:
    company = BuyerCompany.objects.get(pk=kwargs["pk"])
    return not company.on_account and company.credit_limit == 0


DEALER = ("dealer",)

CASES: list[Case] = [
    # storefront: the signed-in buyer's own account
    Case("buyers:profile", make=profile_made, types=DEALER, who="buyer"),
    Case("buyers:verify-mobile", make=mobile_unverified_made, types=DEALER, who="buyer"),
    Case("buyers:address-list", make=addresses_made, types=DEALER, who="buyer"),
    Case("buyers:address-create", make=store_named, types=DEALER, who="buyer"),
    Case(
        "buyers:address-update",
        make=address_made,
        types=DEALER,
        who="buyer",
        post=address_post(),
        intact=address_kept,
    ),
    Case(
        "buyers:address-delete",
        make=address_made,
        types=DEALER,
        who="buyer",
        method="post",
        home_status=302,
        intact=address_kept,
    ),
    Case(
        "buyers:address-default",
        make=address_made,
        types=DEALER,
        who="buyer",
        method="post",
        home_status=302,
        intact=address_not_default,
    ),
    # dealer backoffice
    Case("dealer-buyers:company-list", make=companies_made, types=DEALER),
    Case("dealer-buyers:company-detail", make=company_made, types=DEALER),
    Case(
        "dealer-buyers:company-terms",
        make=company_made,
        types=DEALER,
        post=terms_post(),
        intact=terms_kept,
    ),
]

EXEMPT: dict[str, str] = {
    "buyers:register": (
        "a form for visitors; creates in the visitor's own schema: tests/buyers/"
        "test_registration.py::test_register_by_email_then_verify"
    ),
    "buyers:verify-email": (
        "the signed token names the schema: tests/buyers/test_registration.py::"
        "test_email_link_of_one_dealer_does_nothing_at_another"
    ),
    "buyers:verify-resend": (
        "POST-only, for the signed-in buyer's own account: tests/buyers/test_registration.py::"
        "test_resend_is_limited_to_one_per_minute"
    ),
}
