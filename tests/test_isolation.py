"""Cross-tenant isolation, proven URL by URL.

Every URL pattern that a supplier or a dealer domain serves is either in ``CASES`` (checked
below across tenants) or in ``EXEMPT`` with the reason. ``test_every_url_pattern_is_covered``
walks both URLconfs and fails for any pattern in neither, so no URL can be added without an
isolation check.

How a case is checked (``test_tenant_data_is_not_reachable_from_another_tenant``), for each
tenant type the URL exists on:

1. ``make(home)`` runs inside the home tenant's schema (acme for supplier URLs, delta for dealer
   URLs). It creates the data the page is about and returns ``(url_kwargs, marker)``: the
   keyword arguments of the URL and a text that the page shows at home (an email, a name...).
2. The owner of every OTHER session tenant (beta, omega and the tenant of the other type), signed
   in at their own domain, requests the same path there. The marker must not appear. A URL with
   an id or slug in it (``url_kwargs`` not empty) must answer 404, for GET (405 for a POST-only
   URL) and for POST (``post`` is the POST body tried); afterwards ``intact(url_kwargs)``, run in the home schema,
   must still be true (nothing was changed from outside).
3. Last, the home owner opens the page at home: it answers ``home_status`` and shows the marker,
   so the 404s above are not the 404 of a page that does not work anywhere.

Adding a URL is one line, e.g.::

    Case("suppliers:product-update", make=product_made, post={"name": "x"}),

Ids: tenant schemas number rows independently, so acme's product 7 and beta's product 7 are
different rows. ``pk_unused_elsewhere(model)`` (call it in ``make`` before creating) moves the
home schema's id sequence past every id used in other schemas, so the id in the URL exists only
at home and "404 elsewhere" is a real check.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role, User
from accounts.services import audit_record
from tenants.models import Tenant
from tests.accounts.helpers import (
    PASSWORD,
    english,
    fresh_cache,
    login_post,
    member_make,
    signed_in,
)
from tests.aftersales import isolation_cases as aftersales_cases
from tests.builders import buyer_make
from tests.buyers import isolation_cases as buyer_cases
from tests.channels import isolation_cases as shop  # dealer backoffice and storefront
from tests.dealer_orders import isolation_cases as dealer_order_cases
from tests.fulfilment import isolation_cases as fulfilment_cases
from tests.isolation_case import Case
from tests.network import isolation_cases as network_cases
from tests.orders import isolation_cases as order_cases
from tests.referral import isolation_cases as referral_cases
from tests.settlement import isolation_cases as settlement_cases
from tests.suppliers import isolation_cases as cat
from tests.sync import isolation_cases as sync_cases

pytestmark = pytest.mark.usefixtures("fresh_cache", "english")
_ = (fresh_cache, english)  # the fixtures, imported for the mark above

URLCONFS = {
    "supplier": "platform_site.urls_supplier",
    "dealer": "platform_site.urls_dealer",
}
HOME = {"supplier": "acme", "dealer": "delta"}
SESSION_SLUGS = ("acme", "beta", "delta", "omega")


def _owner_email(tenant: Tenant) -> str:
    return f"isolation-owner@{tenant.slug}.test"


# --- Helpers for ``make`` functions -------------------------------------------------------------


def pk_unused_elsewhere(model) -> None:
    """Make the next id of ``model`` in the active (home) schema unused in every other schema."""
    table, column = model._meta.db_table, model._meta.pk.column
    home = connection.schema_name
    highest = 0
    with connection.cursor() as cursor:
        for schema in Tenant.objects.exclude(schema_name="public").values_list(
            "schema_name", flat=True
        ):
            qualified = f'"{schema}"."{table}"'
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [qualified])
            if not cursor.fetchone()[0]:
                continue
            cursor.execute(f'SELECT COALESCE(MAX("{column}"), 0) FROM {qualified}')
            highest = max(highest, cursor.fetchone()[0])
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [qualified, column])
            sequence = cursor.fetchone()[0]
            if sequence:
                cursor.execute(f"SELECT last_value FROM {sequence}")
                highest = max(highest, cursor.fetchone()[0])
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
            [f'"{home}"."{table}"', column, highest + 1],
        )


def _member_made(tenant: Tenant, **extra) -> tuple[dict, str]:
    pk_unused_elsewhere(User)
    email = f"isolated-member@{tenant.slug}.test"
    member = User.objects.create_user(email=email, role=Role.STAFF, **extra)
    return {"pk": member.pk}, email


def _inactive_member_made(tenant: Tenant) -> tuple[dict, str]:
    return _member_made(tenant, is_active=False)


def _member_is(**expected) -> Callable[[dict], bool]:
    def check(kwargs: dict) -> bool:
        member = User.objects.get(pk=kwargs["pk"])
        return all(getattr(member, name) == value for name, value in expected.items())

    return check


def _audit_made(tenant: Tenant) -> tuple[dict, str]:
    marker = f"isolation.secret-{tenant.slug}"
    audit_record(actor=None, action=marker)
    return {}, marker


def _team_made(tenant: Tenant) -> tuple[dict, str]:
    return {}, _member_made(tenant)[1]


def _own_profile(tenant: Tenant) -> tuple[dict, str]:
    return {}, _owner_email(tenant)


def _company_name(tenant: Tenant) -> tuple[dict, str]:
    return {}, tenant.name


# --- The table -------------------------------------------------------------------------------


CASES: list[Case] = [
    # accounts (every tenant domain)
    Case("accounts:team-list", make=_team_made),
    Case("accounts:audit-list", make=_audit_made),
    Case("accounts:profile", make=_own_profile),
    Case(
        "accounts:team-update",
        make=_member_made,
        post={"role": Role.OWNER},
        intact=_member_is(role=Role.STAFF),
    ),
    Case("accounts:team-deactivate", make=_member_made, intact=_member_is(is_active=True)),
    Case(
        "accounts:team-reactivate",
        make=_inactive_member_made,
        method="post",
        home_status=302,
        intact=_member_is(is_active=False),
    ),
    # backoffice home pages
    Case("suppliers:dashboard", make=_company_name, types=("supplier",)),
    Case("channels:dashboard", make=_company_name, types=("dealer",)),
    # --- catalogue backoffice (supplier domain); make/intact in tests/suppliers/isolation_cases.py
    Case("suppliers:product-list", make=cat.catalogue_made, types=("supplier",)),
    Case("suppliers:product-export", make=cat.export_made, types=("supplier",)),
    Case(
        "suppliers:product-import-detail",
        make=cat.import_made,
        types=("supplier",),
        home_status=400,  # the page of an upload refused for its errors
    ),
    Case("suppliers:price-bulk-update", make=cat.prices_made, types=("supplier",)),
    Case("suppliers:product-detail", make=cat.product_made, types=("supplier",)),
    Case(
        "suppliers:product-update",
        make=cat.product_made,
        types=("supplier",),
        post={"name": "changed from outside"},
        intact=cat.product_intact,
    ),
    Case(
        "suppliers:product-status",
        make=cat.product_made,
        types=("supplier",),
        method="post",
        home_status=400,  # a POST without "to" at home: the product exists, the request is bad
        post={"to": "listed"},
        intact=cat.product_intact,
    ),
    Case(
        "suppliers:product-image-upload",
        make=cat.product_made,
        types=("supplier",),
        method="post",
        home_status=302,
        intact=cat.product_has_no_images,
    ),
    Case(
        "suppliers:product-image-delete",
        make=cat.image_made,
        types=("supplier",),
        method="post",
        home_status=302,
        intact=cat.image_kept,
    ),
    Case(
        "suppliers:sku-price-update",
        make=cat.sku_made,
        types=("supplier",),
        post={"supply_price": "1.00", "min_resale_price": "1.00", "suggested_retail_price": "1.00"},
        intact=cat.sku_prices_kept,
    ),
    Case("supplychain:warehouse-list", make=cat.warehouses_made, types=("supplier",)),
    Case(
        "supplychain:warehouse-update",
        make=cat.warehouse_made,
        types=("supplier",),
        post={"code": "ISO1", "name": "changed from outside"},
        intact=cat.warehouse_kept,
    ),
    Case(
        "supplychain:warehouse-stock",
        make=cat.stock_made,
        types=("supplier",),
        post={"stock-TOTAL_FORMS": "0", "stock-INITIAL_FORMS": "0"},
        intact=cat.stock_untouched,
    ),
    # --- end of catalogue backoffice
    # --- publishing, stock sync, notifications; make/intact in tests/sync/isolation_cases.py
    Case(
        "suppliers:product-publishing",
        make=sync_cases.product_unpublished_made,
        types=("supplier",),
        post={"action": "publish", "audience": "all"},
        intact=sync_cases.product_not_published,
    ),
    Case("suppliers:publishing-list", make=sync_cases.offers_made, types=("supplier",)),
    Case("suppliers:publishing-dealers", make=sync_cases.authorisation_made, types=("supplier",)),
    Case("supplychain:stock-sync-list", make=sync_cases.batch_made, types=("supplier",)),
    Case("supplychain:alert-list", make=sync_cases.alert_made, types=("supplier",)),
    Case("supplychain:api-token-list", make=sync_cases.tokens_made, types=("supplier",)),
    Case(
        "supplychain:api-token-revoke",
        make=sync_cases.token_made,
        types=("supplier",),
        method="post",
        home_status=302,
        intact=sync_cases.token_active,
    ),
    Case("accounts:notification-list", make=sync_cases.notifications_made),
    Case(
        "accounts:notification-read",
        make=sync_cases.notification_made,
        method="post",
        home_status=302,
        intact=sync_cases.notification_unread,
    ),
    Case("accounts:notification-badge", make=sync_cases.badge_made),
    # --- end of publishing, stock sync, notifications
    # --- dealer backoffice and storefront (dealer domain); make/intact in
    # tests/channels/isolation_cases.py
    Case("storefront:home", make=shop.listed_made, types=("dealer",)),
    Case("storefront:search", make=shop.listed_made, types=("dealer",)),
    Case("storefront:product", make=shop.product_made, types=("dealer",)),
    Case("channels:offer-list", make=shop.catalogue_made, types=("dealer",)),
    Case("channels:offer-detail", make=shop.authorised_offer_made, types=("dealer",)),
    Case(
        "channels:listing-create",
        make=shop.authorised_offer_made,
        types=("dealer",),
        method="post",
        home_status=400,  # a POST without prices at home: the offer exists, the form is bad
        post=shop.listing_price_post(),
        intact=shop.no_listing_of,
    ),
    Case("channels:listing-list", make=shop.listed_made, types=("dealer",)),
    Case(
        "channels:listing-update",
        make=shop.listing_made,
        types=("dealer",),
        post=shop.listing_price_post(),
        intact=shop.listing_kept,
    ),
    Case(
        "channels:listing-status",
        make=shop.listing_made,
        types=("dealer",),
        method="post",
        home_status=302,
        post={"to": "delisted"},
        intact=shop.listing_kept,
    ),
    Case("channels:storefront-settings", make=shop.settings_made, types=("dealer",)),
    Case("channels-api:listing-list", make=shop.api_made, types=("dealer",)),
    # --- end of dealer backoffice and storefront
]
# Orders (issue 4): each area keeps its rows in tests/<area>/isolation_cases.py.
AREAS = (
    buyer_cases,
    order_cases,
    dealer_order_cases,
    fulfilment_cases,
    aftersales_cases,
    network_cases,
    referral_cases,
    settlement_cases,
)
for _area in AREAS:
    CASES += _area.CASES

EXEMPT: dict[str, str] = {
    "healthz": "no tenant data: database and Redis up or down",
    "set_language": "stores the language choice in the visitor's own session/cookie",
    "javascript-catalog": "translation strings only, the same on every domain",
    "accounts:login": "test_user_of_one_tenant_cannot_sign_in_at_another",
    "accounts:logout": "ends the visitor's own session only",
    "accounts:password-reset": "test_password_reset.py: asked at another tenant's domain, no email",
    "accounts:password-reset-done": "static text",
    "accounts:password-reset-confirm": (
        "test_password_reset.py::test_reset_link_of_one_tenant_is_invalid_at_another"
    ),
    "accounts:password-reset-complete": "static text",
    "accounts:password-change": "a form about the signed-in user only; shows no stored data",
    "accounts:team-invite": "a form; what it creates lands in the visitor's own schema",
    # --- catalogue backoffice (supplier domain)
    "suppliers:product-create": "a form over platform categories; creates in the visitor's schema",
    "suppliers:product-bulk-status": (
        "POST-only, ids of the visitor's own schema: tests/suppliers/test_isolation.py::"
        "test_bulk_listing_with_another_suppliers_ids_changes_nothing"
    ),
    "suppliers:product-import": (
        "imports into the visitor's own schema: tests/suppliers/test_isolation.py::"
        "test_an_import_at_beta_only_touches_beta"
    ),
    "suppliers:media": (
        "files of the domain's own schema only: tests/suppliers/test_images.py::"
        "test_media_is_served_only_on_its_own_tenants_domain"
    ),
    "supplychain:warehouse-create": "a form; what it creates lands in the visitor's own schema",
    # --- end of catalogue backoffice
    # --- publishing, stock sync, notifications
    "supplychain:api-stock-sync": (
        "token-authenticated API: tests/sync/test_stock_sync.py::"
        "test_a_token_of_supplier_a_does_not_work_at_supplier_b"
    ),
    "accounts:notification-read-all": (
        "POST-only, marks the visitor's own notifications: tests/sync/test_notifications.py::"
        "test_another_users_notification_cannot_be_marked"
    ),
    # --- end of publishing, stock sync, notifications
    # --- dealer backoffice and storefront
    "storefront:category": (
        "platform categories, on every dealer's domain; what they list: tests/storefront/"
        "test_isolation.py::test_category_pages_show_only_this_dealers_products"
    ),
    "storefront:media": (
        "files of the domain's own schema only: tests/channels/test_storefront_settings.py::"
        "test_storefront_images_are_served_only_on_their_own_domain"
    ),
    "channels:listing-bulk-create": (
        "POST-only, public offer ids: tests/channels/test_listings.py::"
        "test_bulk_add_refuses_an_offer_not_published_to_this_dealer"
    ),
    # --- end of dealer backoffice and storefront
}
for _area in AREAS:
    EXEMPT.update(_area.EXEMPT)


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def session_tenants(db) -> dict[str, Tenant]:
    return {tenant.slug: tenant for tenant in Tenant.objects.filter(slug__in=SESSION_SLUGS)}


@pytest.fixture
def owner_clients(session_tenants, host_client):
    """A signed-in owner's client at each session tenant's own domain."""
    clients = {}
    for slug, tenant in session_tenants.items():
        owner = member_make(tenant, email=_owner_email(tenant), role=Role.OWNER)
        clients[slug] = signed_in(host_client(tenant), tenant, owner)
    return clients


def buyer_email(tenant: Tenant) -> str:
    """The isolation buyer of a dealer (``make`` functions of buyer pages use it)."""
    return f"isolation-buyer@{tenant.slug}.test"


@pytest.fixture
def buyer_clients(session_tenants, owner_clients, host_client):
    """A signed-in buyer's client at each dealer's domain; the owner's at each supplier's."""
    clients = dict(owner_clients)
    for slug, tenant in session_tenants.items():
        if tenant.type == "dealer":
            buyer = buyer_make(tenant, email=buyer_email(tenant), company_name=f"ISO Buyer {slug}")
            clients[slug] = signed_in(host_client(tenant), tenant, buyer)
    return clients


def _params():
    for case in CASES:
        for tenant_type in case.types:
            yield pytest.param(case, tenant_type, id=f"{case.name}@{tenant_type}")


# --- The checks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "tenant_type"), list(_params()))
def test_tenant_data_is_not_reachable_from_another_tenant(
    case, tenant_type, session_tenants, request
):
    clients = request.getfixturevalue("buyer_clients" if case.who == "buyer" else "owner_clients")
    home = session_tenants[HOME[tenant_type]]
    with tenant_context(home):
        kwargs, marker = case.make(home)
    path = reverse(case.name, urlconf=URLCONFS[tenant_type], kwargs=kwargs or None)

    for slug, client in clients.items():
        if slug == home.slug:
            continue
        got = client.get(path)
        assert marker not in got.content.decode(), f"{path} at {slug} shows {home.slug}'s data"
        # 403: the same path is another page at a tenant of the other type (a buyer page at a
        # dealer, say) that this user may not open; it reveals nothing either.
        if kwargs:
            # A POST-only URL answers GET with 405 on every domain alike: that reveals nothing.
            allowed = (403, 404, 405) if case.method == "post" else (403, 404)
            assert got.status_code in allowed, f"GET {path} at {slug}: {got.status_code}"
            posted = client.post(path, case.post)
            assert posted.status_code in (403, 404), f"POST {path} at {slug}: {posted.status_code}"
            assert marker not in posted.content.decode()
        else:
            assert got.status_code in (200, 403, 404), f"GET {path} at {slug}: {got.status_code}"

    if case.intact is not None:
        with tenant_context(home):
            assert case.intact(kwargs), f"{path}: {home.slug}'s data was changed from outside"

    at_home = getattr(clients[home.slug], case.method)(path, follow=False)
    assert at_home.status_code == case.home_status, f"{path} at home: {at_home.status_code}"
    if case.method == "get":
        assert marker in at_home.content.decode(), f"{path} at home does not show {marker!r}"


def _walk(patterns, namespace: str = "", prefix: str = ""):
    """(full name or route, route) of every pattern, following includes."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            yield from _walk(
                entry.url_patterns,
                f"{namespace}{ns}:" if ns else namespace,
                prefix + str(entry.pattern),
            )
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            yield (f"{namespace}{entry.name}" if entry.name else route), route


@pytest.mark.parametrize("tenant_type", sorted(URLCONFS))
def test_every_url_pattern_is_covered(tenant_type):
    covered = {case.name for case in CASES if tenant_type in case.types} | set(EXEMPT)
    missing = sorted(
        f"{name}  (/{route})"
        for name, route in _walk(get_resolver(URLCONFS[tenant_type]).url_patterns)
        if name not in covered
    )
    assert not missing, (
        f"URL patterns of the {tenant_type} domain without an isolation check: add them to "
        f"CASES in tests/test_isolation.py (or to EXEMPT with a reason):\n" + "\n".join(missing)
    )


def test_isolation_table_has_no_stale_entries():
    served = {
        tenant_type: {name for name, _route in _walk(get_resolver(urlconf).url_patterns)}
        for tenant_type, urlconf in URLCONFS.items()
    }
    stale = [
        f"{case.name}@{tenant_type}"
        for case in CASES
        for tenant_type in case.types
        if case.name not in served[tenant_type]
    ]
    stale += [name for name in EXEMPT if not any(name in names for names in served.values())]
    assert not stale, f"entries for URLs that no longer exist: {stale}"


# --- Sign-in and sessions across domains ---------------------------------------------------------


def test_user_of_one_tenant_cannot_sign_in_at_another(session_tenants, host_client):
    acme = session_tenants["acme"]
    member_make(acme, email="clerk@acme.test", password=PASSWORD)
    for slug in ("beta", "delta"):
        client = host_client(session_tenants[slug])
        response = login_post(client, "clerk@acme.test", PASSWORD)
        assert response.status_code == 200, slug
        assert "The email address or the password is not right." in response.content.decode()
        # (not "/": a dealer's domain shows its public storefront there)
        assert client.get("/accounts/profile/").status_code == 302, slug
    assert login_post(host_client(acme), "clerk@acme.test", PASSWORD).status_code == 302


def test_session_cookie_of_one_tenant_does_not_authenticate_at_another(
    session_tenants, host_client
):
    acme, beta = session_tenants["acme"], session_tenants["beta"]
    clerk = member_make(acme, email="clerk@acme.test", password=PASSWORD, role=Role.OWNER)
    # Give beta a user with the same id, the case where a shared session store would log the
    # visitor in as beta's user.
    with tenant_context(beta):
        if not User.objects.filter(pk=clerk.pk).exists():
            twin = User(pk=clerk.pk, email="twin@beta.test", role=Role.OWNER)
            twin.set_unusable_password()
            twin.save()
    client = host_client(acme)
    assert login_post(client, "clerk@acme.test", PASSWORD).status_code == 302
    assert client.get("/accounts/team/").status_code == 200
    # The same cookie jar, sent to beta's and delta's domains.
    for host in (beta.host, session_tenants["delta"].host):
        response = client.get("/accounts/team/", HTTP_HOST=host)
        assert response.status_code == 302, host
        assert response["Location"].startswith("/accounts/login/")


def test_platform_admin_cannot_sign_in_at_a_tenant_domain(session_tenants, host_client):
    from tests.builders import platform_admin

    admin_user = platform_admin()
    for slug in ("acme", "delta"):
        client = host_client(session_tenants[slug])
        response = login_post(client, admin_user.email, "platform-admin-pass-1")
        assert response.status_code == 200, slug
        assert client.get("/accounts/profile/").status_code == 302


def test_platform_admin_session_does_not_authenticate_at_a_tenant_domain(
    session_tenants, platform_client
):
    from tests.builders import platform_admin

    connection.set_schema_to_public()
    platform_client.force_login(platform_admin())
    assert platform_client.get("/admin/").status_code == 200
    response = platform_client.get("/accounts/team/", HTTP_HOST=session_tenants["acme"].host)
    assert response.status_code == 302


def test_tenant_users_cannot_sign_in_to_the_platform_admin(session_tenants, platform_client):
    member_make(session_tenants["acme"], email="boss@acme.test", role=Role.OWNER, password=PASSWORD)
    response = platform_client.post(
        "/admin/login/?next=/admin/", {"username": "boss@acme.test", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert platform_client.get("/admin/").status_code == 302


@pytest.mark.parametrize("slug", ["acme", "delta"])
def test_platform_admin_is_not_served_on_tenant_domains(slug, session_tenants, host_client):
    assert host_client(session_tenants[slug]).get("/admin/").status_code == 404
    assert host_client(session_tenants[slug]).get("/admin/login/").status_code == 404


def test_audit_log_of_one_tenant_shows_nothing_of_another(session_tenants, owner_clients):
    beta = session_tenants["beta"]
    with tenant_context(beta):
        audit_record(actor=None, action="beta.only", data={"secret": "beta-secret-42"})
    page = owner_clients["acme"].get("/accounts/audit/").content.decode()
    assert "beta.only" not in page and "beta-secret-42" not in page
    assert "beta-secret-42" in owner_clients["beta"].get("/accounts/audit/").content.decode()
    with tenant_context(session_tenants["acme"]):
        assert not AuditLog.objects.filter(action="beta.only").exists()
