"""The look every page shares: layouts, navigation by role, language switcher, error pages, assets.

Pages are fetched through the real middleware on the tenant's own host. Texts are asserted in
English (the language cookie), so the assertions do not depend on the Chinese catalogue; the
language test checks the Chinese side as soon as the catalogue translates the strings.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django_tenants.utils import tenant_context

from accounts.models import Role

SUPPLIER_URLCONF = "platform_site.urls_supplier"
LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME
HTMX_PATH = "/static/vendor/htmx/htmx.min.js"

pytestmark = pytest.mark.django_db


# --- helpers -------------------------------------------------------------------------------------


def english(client: Client) -> Client:
    client.cookies[LANGUAGE_COOKIE] = "en"
    return client


def signed_in(host_client, tenant_user, tenant, role: str) -> Client:
    """A client on the tenant's host with a session of a new user of that role."""
    user = tenant_user(tenant, email=f"{role}@layouts.test", role=role)
    client = english(host_client(tenant))
    with tenant_context(tenant):
        client.force_login(user)
    return client


def tenant_url(name: str) -> str | None:
    """The path of a tenant-domain URL name, or None while its owner has not added it yet."""
    try:
        return reverse(name, urlconf=SUPPLIER_URLCONF)
    except NoReverseMatch:
        return None


def dashboard_path(tenant) -> str:
    """Where a tenant's backoffice dashboard is: "/" for suppliers; dealers have their storefront
    at "/" and the backoffice under /backoffice/."""
    urlconf = f"platform_site.urls_{tenant.type}"
    name = "channels:dashboard" if tenant.type == "dealer" else "suppliers:dashboard"
    return reverse(name, urlconf=urlconf)


def sidenav(html: str) -> str:
    match = re.search(r'<nav class="sidenav".*?</nav>', html, re.S)
    assert match, "the backoffice side navigation is missing"
    return match.group(0)


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "no <html lang> attribute"
    return match.group(1)


def request_for(path: str = "/", **extra):
    request = RequestFactory().get(path, **extra)
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


# --- backoffice dashboards and navigation by role ------------------------------------------------


@pytest.mark.parametrize("tenant_fixture", ["supplier_a", "dealer"])
def test_dashboard_shows_company_role_and_owner_navigation(
    request, tenant_fixture, host_client, tenant_user
):
    tenant = request.getfixturevalue(tenant_fixture)
    client = signed_in(host_client, tenant_user, tenant, Role.OWNER)
    dashboard = dashboard_path(tenant)

    response = client.get(dashboard)

    assert response.status_code == 200
    html = response.content.decode()
    assert tenant.name in html
    assert "<h1>" + tenant.name + "</h1>" in html
    assert "Owner" in html
    assert tenant.get_type_display() in html
    nav = sidenav(html)
    assert f'href="{dashboard}" aria-current="page"' in nav, "Dashboard is the current page"
    # Signing out is a POST form, never a link.
    assert re.search(r'<form class="signout" method="post" action="/accounts/logout/">', html)
    assert "Sign out" in html
    for name, label in [
        ("accounts:team-list", "Team"),
        ("accounts:audit-list", "Audit log"),
        ("accounts:profile", "Profile"),
    ]:
        url = tenant_url(name)
        if url is None:
            continue  # not built yet: the layout must simply not show it
        assert f'href="{url}"' in nav, f"owner should see {label} in the navigation"
        assert label in nav


def test_supplier_navigation_links_the_catalogue_for_staff(host_client, tenant_user, supplier_a):
    products = tenant_url("suppliers:product-list")
    warehouses = tenant_url("supplychain:warehouse-list")
    if products is None or warehouses is None:
        pytest.skip("the catalogue pages (suppliers:product-list) are not built yet")
    html = signed_in(host_client, tenant_user, supplier_a, Role.STAFF).get("/").content.decode()

    nav = sidenav(html)
    assert f'href="{products}"' in nav and f'href="{warehouses}"' in nav
    # ... and the dashboard no longer calls the catalogue "coming next".
    assert "your product catalogue, stock" not in html


def test_sign_in_page_uses_the_auth_layout(host_client, dealer):
    html = english(host_client(dealer)).get("/accounts/login/").content.decode()

    assert 'class="card auth-card"' in html
    assert dealer.name in html
    assert 'action="/i18n/setlang/"' in html
    assert '<input type="hidden" name="next" value="/accounts/login/">' in html
    assert 'class="sidenav"' not in html, "no backoffice navigation before signing in"


def test_dashboard_coming_next_note_is_discreet_and_honest(host_client, tenant_user, dealer):
    client = signed_in(host_client, tenant_user, dealer, Role.OWNER)
    html = client.get(dashboard_path(dealer)).content.decode()

    note = re.search(r'<aside class="note".*?</aside>', html, re.S)
    assert note and "next release" in note.group(0)
    # No invented figures or widgets: the page holds no numbers beyond the company facts.
    assert "¥" not in html and "orders today" not in html.lower()


@pytest.mark.parametrize("tenant_fixture", ["supplier_a", "dealer"])
def test_staff_does_not_see_team_or_audit_links(request, tenant_fixture, host_client, tenant_user):
    tenant = request.getfixturevalue(tenant_fixture)
    client = signed_in(host_client, tenant_user, tenant, Role.STAFF)

    html = client.get(dashboard_path(tenant)).content.decode()

    nav = sidenav(html)
    assert tenant.name in html
    assert "Staff" in html
    assert ">Team<" not in html
    assert ">Audit log<" not in html
    for name in ("accounts:team-list", "accounts:audit-list"):
        url = tenant_url(name)
        if url:
            assert f'href="{url}"' not in html
    profile = tenant_url("accounts:profile")
    if profile:
        assert f'href="{profile}"' in nav


def test_manager_sees_team_but_not_audit_log(host_client, tenant_user, supplier_a):
    team, audit = tenant_url("accounts:team-list"), tenant_url("accounts:audit-list")
    if team is None or audit is None:
        pytest.skip("accounts:team-list / accounts:audit-list are not built yet")
    html = signed_in(host_client, tenant_user, supplier_a, Role.MANAGER).get("/").content.decode()

    nav = sidenav(html)
    assert f'href="{team}"' in nav
    assert f'href="{audit}"' not in html


def test_dashboard_query_count_stays_small(
    host_client, tenant_user, supplier_a, django_assert_max_num_queries
):
    client = signed_in(host_client, tenant_user, supplier_a, Role.OWNER)
    # Domain lookup, session, user (plus a SET search_path before each): the role checks of
    # the navigation and the cards must not add any.
    with django_assert_max_num_queries(6):
        assert client.get("/").status_code == 200


def test_anonymous_visitor_is_sent_to_sign_in(host_client, supplier_a):
    response = host_client(supplier_a).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_platform_top_bar_offers_applications_and_admin_only_to_staff(platform_client):
    from tests.builders import platform_admin

    anonymous = english(platform_client).get("/").content.decode()
    topnav = re.search(r'<nav class="topnav".*?</nav>', anonymous, re.S).group(0)
    assert f'href="{reverse("tenants:apply-supplier")}"' in topnav
    assert f'href="{reverse("tenants:apply-dealer")}"' in topnav
    assert 'href="/admin/"' not in anonymous

    platform_client.force_login(platform_admin())
    staff = platform_client.get("/").content.decode()
    assert 'href="/admin/"' in staff
    assert "Administration" in staff


# --- language ------------------------------------------------------------------------------------


def test_language_switcher_round_trip(host_client, tenant_user, supplier_a):
    user = tenant_user(supplier_a, email="polyglot@layouts.test", role=Role.OWNER)
    client = host_client(supplier_a)
    with tenant_context(supplier_a):
        client.force_login(user)

    first = client.get("/").content.decode()
    assert html_lang(first) == "zh-hans", "Chinese is the default language"
    assert 'action="/i18n/setlang/"' in first
    assert '<input type="hidden" name="next" value="/">' in first

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert switched.status_code == 302 and switched["Location"] == "/"
    english_page = client.get("/").content.decode()
    assert html_lang(english_page) == "en"
    assert "Dashboard" in english_page
    assert re.search(r'value="en"[^>]*is-active"[^>]*aria-current="true"', english_page)

    back = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert back.status_code == 302
    chinese_page = client.get("/").content.decode()
    assert html_lang(chinese_page) == "zh-hans"
    with translation.override("zh-hans"):
        translated = translation.gettext("Dashboard")
    if translated != "Dashboard":  # the catalogue translates it: the visible text must change
        assert translated in chinese_page
        assert ">Dashboard<" not in chinese_page


def test_switcher_keeps_the_current_path(platform_client):
    url = "/?utm=x"
    html = english(platform_client).get(url).content.decode()
    assert '<input type="hidden" name="next" value="/?utm=x">' in html


@pytest.mark.parametrize(
    "layout",
    [
        "layouts/platform.html",
        "layouts/supplier.html",
        "layouts/dealer.html",
        "layouts/auth.html",
        "layouts/error.html",
    ],
)
def test_every_layout_has_the_language_switcher_and_htmx(layout):
    request = request_for("/some/page/")
    html = render_to_string(layout, request=request)

    assert 'action="/i18n/setlang/"' in html
    assert '<input type="hidden" name="next" value="/some/page/">' in html
    assert 'name="language" value="en"' in html and 'name="language" value="zh-hans"' in html
    assert f'<script src="{HTMX_PATH}" defer></script>' in html
    assert re.search(r"<body[^>]*hx-headers='\{\"X-CSRFToken\": \"\w+\"\}'", html)


def test_admin_is_branded_and_has_the_language_switcher(platform_client):
    response = english(platform_client).get("/admin/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "S2B2B Platform administration" in html
    assert "Django administration" not in html
    assert 'action="/i18n/setlang/"' in html
    assert html_lang(html) == "en"


# --- error pages ---------------------------------------------------------------------------------


def test_unknown_host_names_the_host_and_links_to_the_platform(host_client):
    response = host_client("nobody-here.localhost").get("/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "nobody-here.localhost" in html
    platform = f'href="{settings.PLATFORM_SCHEME}://{settings.PLATFORM_DOMAIN}'
    assert platform in html
    assert 'class="error-code">404' in html


def test_unknown_page_on_a_tenant_domain_is_a_styled_404(host_client, supplier_a):
    response = english(host_client(supplier_a)).get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "/no-such-page/" in html
    assert supplier_a.name in html, "the 404 keeps the company's brand"
    assert "/static/css/app.css" in html


def test_staff_opening_an_owner_only_page_gets_the_403_page(host_client, tenant_user, supplier_a):
    audit = tenant_url("accounts:audit-list")
    if audit is None:
        pytest.skip("accounts:audit-list (/accounts/audit/) is not built yet by the accounts work")
    client = signed_in(host_client, tenant_user, supplier_a, Role.STAFF)

    response = client.get(audit)

    assert response.status_code == 403
    html = response.content.decode()
    assert "Access denied" in html
    assert "staff@layouts.test" in html
    assert 'class="error-code">403' in html


def test_500_page_needs_no_request_context_or_database(django_assert_num_queries):
    from django.views.defaults import server_error

    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert 'class="error-code">500' in html
    assert "/static/css/app.css" in html


# --- assets are local ----------------------------------------------------------------------------


def _pages(platform_client, host_client, tenant_user, supplier_a):
    owner = signed_in(host_client, tenant_user, supplier_a, Role.OWNER)
    return {
        "landing": platform_client.get("/"),
        "admin login": platform_client.get("/admin/login/"),
        "tenant login": host_client(supplier_a).get("/accounts/login/"),
        "dashboard": owner.get("/"),
        "404": host_client(supplier_a).get("/missing/"),
        "unknown host": host_client("ghost.localhost").get("/"),
    }


def test_pages_load_no_assets_from_other_hosts(
    platform_client, host_client, tenant_user, supplier_a
):
    for page, response in _pages(platform_client, host_client, tenant_user, supplier_a).items():
        html = response.content.decode().lower()
        for marker in ("cdn", "//unpkg", "jsdelivr", "googleapis", "cloudflare"):
            assert marker not in html, f"{page} mentions {marker}"
        for url in re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', html):
            assert url.startswith("/"), f"{page} loads {url} from elsewhere"


def test_htmx_is_on_every_page(platform_client, host_client, tenant_user, supplier_a):
    pages = _pages(platform_client, host_client, tenant_user, supplier_a)
    for page in ("landing", "dashboard", "404", "unknown host"):
        assert HTMX_PATH in pages[page].content.decode(), page


def test_vendored_htmx_is_served_in_debug(settings):
    settings.DEBUG = True
    settings.WHITENOISE_USE_FINDERS = True
    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)  # a new handler reads the settings

    response = client.get(HTMX_PATH)

    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    vendored = Path(settings.BASE_DIR, "static", "vendor", "htmx", "htmx.min.js").read_bytes()
    assert body == vendored
    assert body.startswith(b"var htmx=")
    assert Path(settings.BASE_DIR, "static", "vendor", "htmx", "LICENSE").exists()


# --- partials ------------------------------------------------------------------------------------


class _SampleForm(forms.Form):
    company = forms.CharField(label="Company name", help_text="As on the business licence.")
    agree = forms.BooleanField(label="I agree")

    def clean(self):
        raise forms.ValidationError("Something about the whole form.")


def test_form_partial_shows_labels_help_and_errors():
    with translation.override("en"):
        form = _SampleForm(data={"company": ""})
        assert not form.is_valid()
        html = render_to_string("partials/form.html", {"form": form})

    assert '<label class="field-label" for="id_company">Company name' in html
    assert 'id="id_company_helptext">As on the business licence.</p>' in html
    assert html.count('class="errorlist') >= 3  # non-field, company, agree
    assert "Something about the whole form." in html
    assert 'class="form-errors" role="alert"' in html
    assert 'class="field field-checkbox has-error"' in html
    assert "This field is required." in html


def test_pagination_partial_keeps_filters():
    page = Paginator(list(range(45)), 10).page(2)
    request = request_for("/things/", data={"q": "螺丝", "page": "2"})

    html = render_to_string("partials/pagination.html", {"page_obj": page}, request=request)

    assert "Page 2 of 5" in html or "2" in html
    assert 'href="?q=%E8%9E%BA%E4%B8%9D&amp;page=3"' in html
    assert 'href="?q=%E8%9E%BA%E4%B8%9D&amp;page=1"' in html
    assert 'rel="next"' in html and 'rel="prev"' in html


def test_pagination_partial_is_silent_for_a_single_page():
    page = Paginator([1, 2], 10).page(1)
    html = render_to_string("partials/pagination.html", {"page_obj": page}, request=request_for())
    assert "pagination" not in html


def test_messages_render_as_dismissible_notices():
    request = request_for("/")
    request._messages.add(message_levels.SUCCESS, "Member invited.")
    request._messages.add(message_levels.ERROR, "Could not save.")

    html = render_to_string("layouts/supplier.html", request=request)

    assert re.search(r'class="notice notice-success"[^>]*role="status"', html)
    assert re.search(r'class="notice notice-error"[^>]*role="alert"', html)
    assert "Member invited." in html and "Could not save." in html
    assert html.count('data-dismiss=".notice"') == 2


def test_brand_colour_hook_accepts_a_colour_and_refuses_anything_else():
    request = request_for("/")
    good = render_to_string("layouts/platform.html", {"brand_color": "#0a7d5a"}, request=request)
    bad = render_to_string(
        "layouts/platform.html",
        {"brand_color": "red;}</style><script>alert(1)</script>"},
        request=request,
    )

    assert "--color-brand: #0a7d5a;" in good
    assert "--color-brand:" not in bad.split("app.css")[1].split("</head>")[0]
    assert "<script>alert(1)</script>" not in bad
