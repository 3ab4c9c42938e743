"""`manage.py demo_seed`: the demo platform that `make demo` prints logins for really works."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from catalog.models import Category
from platform_site.demo_orders import DEMO_BUYERS
from tenants.management.commands.demo_seed import (
    DEMO_COMPANIES,
    DEMO_PASSWORD,
    PLATFORM_ADMIN_EMAIL,
)
from tenants.models import ApplicationStatus, Domain, Tenant, TenantApplication, TenantStatus

pytestmark = pytest.mark.django_db

# GB 32100-2015, written out here independently of the code under test.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def gb32100_valid(code: str) -> bool:
    if len(code) != 18 or any(ch not in ALPHABET for ch in code):
        return False
    total = sum(ALPHABET.index(ch) * weight for ch, weight in zip(code[:17], WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31] == code[17]


def seed() -> str:
    out = StringIO()
    call_command("demo_seed", stdout=out)
    connection.set_schema_to_public()
    return out.getvalue()


def login(client, email: str, password: str = DEMO_PASSWORD):
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_the_reference_checker_knows_a_published_code():
    assert gb32100_valid("91350100M000100Y43")
    assert not gb32100_valid("91350100M000100Y44")


def test_demo_companies_have_valid_distinct_credit_codes():
    codes = [company.credit_code for company in DEMO_COMPANIES]
    assert all(gb32100_valid(code) for code in codes), codes
    assert all(code[:2] == "91" and code[2:8].isdigit() for code in codes)
    assert len(set(codes)) == len(codes)


def test_seed_onboards_two_suppliers_and_two_dealers_through_the_services():
    output = seed()

    types = sorted(company.type for company in DEMO_COMPANIES)
    assert types == ["dealer", "dealer", "supplier", "supplier"]
    for company in DEMO_COMPANIES:
        tenant = Tenant.objects.get(slug=company.slug)
        assert tenant.type == company.type
        assert tenant.status == TenantStatus.ACTIVE
        assert tenant.name == company.company_name
        assert Domain.objects.filter(tenant=tenant, domain=tenant.host, is_primary=True).exists()
        application = TenantApplication.objects.get(tenant=tenant)
        assert application.status == ApplicationStatus.LIVE
        assert application.credit_code == company.credit_code
        assert application.reviewed_by.email == PLATFORM_ADMIN_EMAIL
        assert application.precheck_passed, application.precheck
        licence = application.documents.get()
        assert licence.content_type == "image/png"
        assert licence.file.storage.exists(licence.file.name)
        with tenant_context(tenant):
            roles = dict(User.objects.exclude(role="buyer").values_list("email", "role"))
            buyers = set(User.objects.filter(role="buyer").values_list("email", flat=True))
        assert roles == {company.email(user): user.role for user in company.users}
        # Demo buyers at the dealers (platform_site.demo_orders), none at the suppliers.
        assert buyers == {email for email, *_rest in DEMO_BUYERS.get(company.slug, [])}
        # The banner names every tenant URL and login.
        assert f"{tenant.base_url}/" in output
        for user in company.users:
            assert company.email(user) in output
    assert "http://localhost:8000/admin/" in output
    assert Category.objects.filter(parent__isnull=True).exists()
    assert PLATFORM_ADMIN_EMAIL in output and DEMO_PASSWORD in output


def test_every_printed_login_signs_in_at_its_own_domain_only(host_client, platform_client):
    seed()
    for company in DEMO_COMPANIES:
        tenant = Tenant.objects.get(slug=company.slug)
        for user in company.users:
            client = host_client(tenant)
            response = login(client, company.email(user))
            assert response.status_code == 302, (company.slug, user.role, response.status_code)
            dashboard = client.get("/")
            assert dashboard.status_code == 200
            assert company.name_zh in dashboard.content.decode()

    # A supplier's owner is nobody at a dealer: the form comes back, no redirect inside.
    supplier, dealer = DEMO_COMPANIES[0], DEMO_COMPANIES[2]
    dealer_client = host_client(Tenant.objects.get(slug=dealer.slug))
    assert login(dealer_client, supplier.email(supplier.owner)).status_code == 200

    response = platform_client.post(
        "/admin/login/?next=/admin/",
        {"username": PLATFORM_ADMIN_EMAIL, "password": DEMO_PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert platform_client.get("/admin/").status_code == 200


def test_seed_twice_changes_nothing_and_restores_demo_passwords(host_client):
    seed()
    tenants_before = Tenant.objects.count()
    applications_before = TenantApplication.objects.count()
    company = DEMO_COMPANIES[1]
    tenant = Tenant.objects.get(slug=company.slug)
    with tenant_context(tenant):
        owner = User.objects.get(role=Role.OWNER)
        owner.set_password("someone changed it 123")
        owner.save(update_fields=["password"])
        users_before = User.objects.count()
    connection.set_schema_to_public()

    output = seed()

    assert "provisioned" not in output
    assert Tenant.objects.count() == tenants_before
    assert TenantApplication.objects.count() == applications_before
    with tenant_context(tenant):
        assert User.objects.count() == users_before
    connection.set_schema_to_public()
    assert login(host_client(tenant), company.email(company.owner)).status_code == 302
