"""The onboarding journey clicked through in a real browser, Django admin included.

A visitor applies as a supplier on the platform's landing page; a platform admin reviews the
application in the admin and approves it; the real Celery worker provisions the tenant; the
owner sets a password through the one-time link of the approval email and signs in at the new
tenant's own domain. And the other outcome: a rejection with a reason, mailed to the applicant.

Everything these tests commit (application, documents, tenant, domain, schema, users, audit
rows, sessions) is removed afterwards; running the file twice in a row proves it.
"""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.db import connection
from playwright.sync_api import Error as PlaywrightError

from tenants.models import Tenant, TenantApplication, schema_name_for
from tests.builders import PDF_BYTES, application_build, credit_code_for
from tests.tenants.conftest import application_purge, schema_exists, worker_idle_wait

pytestmark = [pytest.mark.browser, pytest.mark.worker]

# How long the worker may take to provision a tenant or send an email, reloads included.
WORKER_TIMEOUT = 10.0


def _wait_for(predicate, timeout: float = WORKER_TIMEOUT, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def _email_to(address: str):
    return next((m for m in mail.outbox if address in [t.lower() for t in m.to]), None)


def _styled(page) -> bool:
    """The page's own stylesheets loaded (not just the browser's defaults)."""
    return page.evaluate(
        "() => [...document.styleSheets].some(s => s.href && s.cssRules.length > 20)"
    )


@pytest.fixture
def site_cleanup(committed_db, celery_worker_session):
    """``site_cleanup(subdomain)`` registers a subdomain whose applications, and everything
    they led to (tenant, domain, schema with its users and sessions, documents, audit rows),
    are removed after the test, once the worker has finished what the test queued."""
    subdomains: list[str] = []

    def purge_all():
        connection.set_schema_to_public()
        for application_id in TenantApplication.objects.filter(
            subdomain__in=subdomains
        ).values_list("pk", flat=True):
            application_purge(application_id)

    def register(subdomain: str) -> None:
        subdomains.append(subdomain)
        purge_all()  # an earlier, interrupted run may have left it behind

    worker_idle_wait()
    yield register
    worker_idle_wait()
    purge_all()
    for subdomain in subdomains:
        assert not TenantApplication.objects.filter(subdomain=subdomain).exists()
        assert not Tenant.objects.filter(slug=subdomain).exists()
        assert not schema_exists(schema_name_for(subdomain))


def _admin_sign_in(page, live_site, user) -> None:
    page.goto(f"{live_site.platform_url}/admin/")
    assert "/admin/login/" in page.url
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", user.raw_password)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{live_site.platform_url}/admin/")
    assert page.locator("#user-tools").is_visible()


def _admin_open_application(page, company: str) -> None:
    """From the admin's home page, through the list of applications, to this one."""
    page.click("a[href$='/admin/tenants/tenantapplication/']")
    page.wait_for_url("**/admin/tenants/tenantapplication/")
    page.locator("#result_list th.field-company_name a", has_text=company).click()
    page.wait_for_url(re.compile(r"/admin/tenants/tenantapplication/\d+/change/$"))
    assert company in page.locator("#content h2").first.inner_text()


def test_supplier_applies_is_approved_in_the_admin_and_the_owner_signs_in(
    live_site, new_page, platform_superuser, site_cleanup, tmp_path, screenshots
):
    slug = "browser-co"
    company = "Browser Bearings 浏览器轴承"
    owner_email = "owner@browser-co.test"
    site_cleanup(slug)

    # 1. A visitor opens the platform's landing page and goes to the supplier application.
    visitor = new_page()
    visitor.goto(f"{live_site.platform_url}/")
    assert _styled(visitor), "the landing page has no stylesheet"
    visitor.screenshot(path=str(screenshots / "1-landing.png"), full_page=True)
    visitor.locator("a[href='/apply/supplier/']").first.click()
    visitor.wait_for_url(f"{live_site.platform_url}/apply/supplier/")
    assert visitor.locator("h1").inner_text() == "Apply as a supplier"

    # 2. ... fills in the application, with a real PDF of the business licence ...
    licence = tmp_path / "营业执照.pdf"
    licence.write_bytes(PDF_BYTES)
    visitor.fill("input[name=company_name]", company)
    visitor.fill("input[name=credit_code]", credit_code_for(f"browser:{slug}"))
    visitor.fill("textarea[name=business_scope]", "Bearings and bushings for machine tools.")
    visitor.fill("input[name=contact_name]", "李明")
    visitor.fill("input[name=contact_email]", owner_email)
    visitor.fill("input[name=contact_phone]", "+86 138 0000 1111")
    visitor.fill("input[name=subdomain]", slug)
    visitor.set_input_files("input[name=business_licence]", str(licence))
    visitor.screenshot(path=str(screenshots / "2-application.png"), full_page=True)
    visitor.click("form.form button[type=submit]")

    # 3. ... and sees the thank-you page, which says what happens next.
    visitor.wait_for_url(f"{live_site.platform_url}/apply/submitted/")
    thanks = visitor.locator("main").inner_text()
    assert "Thank you, your application is in" in thanks
    assert company in thanks and owner_email in thanks and f"{slug}.localhost" in thanks
    application = TenantApplication.objects.get(subdomain=slug)
    assert application.status == "submitted" and application.language == "en"

    # 4. A platform admin signs in to the admin and opens the application from the list.
    admin = new_page()
    _admin_sign_in(admin, live_site, platform_superuser)
    _admin_open_application(admin, company)
    assert _styled(admin), "the admin has no stylesheet"

    # The pre-check results are there, every check passed ...
    precheck = admin.locator("table.precheck")
    assert "Credit code format and check character" in precheck.inner_text()
    assert f"The subdomain {slug}.localhost is free." in precheck.inner_text()
    assert precheck.locator("img[alt=True]").count() >= 4
    assert precheck.locator("img[alt=False]").count() == 0
    # ... and the licence is the very file the visitor uploaded.
    document_link = admin.locator("table.documents a", has_text="营业执照.pdf")
    document = admin.request.get(
        live_site.platform_url + document_link.get_attribute("href"), fail_on_status_code=True
    )
    assert document.headers["content-type"] == "application/pdf"
    assert document.body() == PDF_BYTES
    admin.screenshot(path=str(screenshots / "4-review.png"), full_page=True)

    # 5. The admin approves; the worker provisions; the page shows the tenant live.
    with admin.expect_navigation():
        admin.click(".review-panel input[name=approve]")
    assert "is approved" in admin.locator(".messagelist").inner_text()
    live_badge = admin.locator(".review-panel .badge.status-live")

    def live_on_reload() -> bool:
        if live_badge.count():
            return True
        time.sleep(0.25)
        try:
            admin.reload()
        except PlaywrightError:  # the page's own refresh (every 3 s) came first
            admin.wait_for_load_state()
        return live_badge.count() > 0

    assert _wait_for(live_on_reload), "the admin did not show the tenant live in time"
    assert live_badge.inner_text() == "Live"
    live_link = admin.locator(".review-panel a", has_text=f"{slug}.localhost")
    assert live_link.get_attribute("href") == f"{live_site.tenant_url(slug)}/"
    assert admin.locator(".review-panel input[name=approve]").count() == 0
    admin.screenshot(path=str(screenshots / "5-live.png"), full_page=True)
    tenant = Tenant.objects.get(slug=slug)
    assert tenant.name == company and tenant.type == "supplier"

    # 6. The owner gets the approval email with a one-time link at the tenant's domain ...
    message = _wait_for(lambda: _email_to(owner_email))
    assert message is not None, "no approval email"
    assert company in message.subject
    link = next(
        url for url in re.findall(r"https?://\S+", message.body) if "/password-reset/" in url
    )
    assert link.startswith(f"{live_site.tenant_url(slug)}/accounts/password-reset/")

    # ... chooses a password there ...
    owner = new_page()
    owner.goto(link)
    assert owner.locator("h1").inner_text() == "Choose a password"
    assert owner_email in owner.locator("main").inner_text()
    password = "Bearings-owner-pass-2024"
    owner.fill("input[name=new_password1]", password)
    owner.fill("input[name=new_password2]", password)
    owner.click("main form button[type=submit]")
    owner.wait_for_url(f"{live_site.tenant_url(slug)}/accounts/password-reset/done/")
    assert owner.locator("h1").inner_text() == "Password saved"

    # ... signs in at the tenant's own domain ...
    owner.goto(f"{live_site.tenant_url(slug)}/accounts/login/")
    assert company in owner.locator("main").inner_text()
    owner.fill("input[name=username]", owner_email)
    owner.fill("input[name=password]", password)
    owner.click("main form button[type=submit]")

    # ... and sees the supplier dashboard of the company.
    owner.wait_for_url(f"{live_site.tenant_url(slug)}/")
    assert owner.locator("main h1").inner_text() == company
    dashboard = owner.locator("main").inner_text()
    assert "Owner" in dashboard and "Supplier" in dashboard
    assert _styled(owner), "the dashboard has no stylesheet"
    owner.screenshot(path=str(screenshots / "6-dashboard.png"), full_page=True)

    # 7. The link does not work a second time, not even in another browser.
    stranger = new_page()
    stranger.goto(link)
    assert stranger.locator("h1").inner_text() == "This link no longer works"
    assert stranger.locator("input[name=new_password1]").count() == 0


def test_admin_rejects_with_a_reason_and_the_applicant_is_told_why(
    live_site, new_page, platform_superuser, site_cleanup, screenshots
):
    slug = "browser-no"
    company = "Browser Refused 婉拒商贸"
    site_cleanup(slug)
    application = application_build(
        slug=slug, tenant_type="dealer", company_name=company, contact_email="boss@browser-no.test"
    )

    admin = new_page()
    _admin_sign_in(admin, live_site, platform_superuser)
    _admin_open_application(admin, company)
    admin.click(".review-panel a.deletelink")
    admin.wait_for_url(re.compile(rf"/admin/tenants/tenantapplication/{application.pk}/reject/$"))

    # A blank reason is refused; nothing is decided.
    admin.fill("textarea[name=reason]", "   ")
    with admin.expect_navigation():
        admin.click("#content-main form [type=submit]")
    assert admin.locator(".form-row.errors .errorlist").is_visible()
    application.refresh_from_db()
    assert application.status == "submitted"

    # With a reason, the application is rejected ...
    reason = "The business licence has expired (营业执照已过期)."
    admin.fill("textarea[name=reason]", reason)
    with admin.expect_navigation():
        admin.click("#content-main form [type=submit]")
    admin.wait_for_url(re.compile(rf"/admin/tenants/tenantapplication/{application.pk}/change/$"))
    assert "is rejected" in admin.locator(".messagelist").inner_text()
    assert admin.locator(".review-panel .badge.status-rejected").inner_text() == "Rejected"
    assert admin.locator(".review-panel input[name=approve]").count() == 0
    assert reason in admin.locator(".field-rejection_reason").inner_text()
    admin.screenshot(path=str(screenshots / "rejected.png"), full_page=True)

    # ... the applicant gets an email with the reason, and no tenant exists.
    message = _wait_for(lambda: _email_to("boss@browser-no.test"))
    assert message is not None, "no rejection email"
    assert company in message.subject and reason in message.body
    assert not Tenant.objects.filter(slug=slug).exists()
    assert not schema_exists(schema_name_for(slug))
