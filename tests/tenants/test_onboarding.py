"""The public application: forms, pre-check, uploads, and the whole journey with a real worker."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, User
from tenants.models import (
    ApplicationDocument,
    ApplicationStatus,
    Domain,
    Tenant,
    TenantApplication,
    schema_name_for,
)
from tests.builders import (
    PDF_BYTES,
    application_build,
    credit_code_for,
    image_bytes,
    platform_admin,
    upload,
)
from tests.tenants.conftest import application_purge, schema_exists, worker_idle_wait

APPLY_SUPPLIER = "/apply/supplier/"
APPLY_DEALER = "/apply/dealer/"


def form_data(slug: str = "newco", **overrides) -> dict:
    data = {
        "company_name": "Newco Precision 新科精密",
        "credit_code": credit_code_for(f"form:{slug}").lower(),
        "contact_name": "王芳",
        "contact_email": f"wang@{slug}.test",
        "contact_phone": "+86 138 0000 0000",
        "business_scope": "Precision parts for household appliances.",
        "subdomain": slug,
        "business_licence": upload("营业执照.pdf", PDF_BYTES, "application/pdf"),
    }
    data.update(overrides)
    return data


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


# --- pages ------------------------------------------------------------------------------------


def test_landing_page_explains_the_platform_and_links_both_applications(db, platform_client):
    response = platform_client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/apply/supplier/"' in html
    assert 'href="/apply/dealer/"' in html
    for audience in ("For suppliers", "For channel dealers", "For buyers"):
        assert audience in html


def test_application_forms_exist_for_both_types(db, platform_client):
    assert reverse("tenants:apply-supplier") == APPLY_SUPPLIER
    assert reverse("tenants:apply-dealer") == APPLY_DEALER
    for url, heading in (
        (APPLY_SUPPLIER, "Apply as a supplier"),
        (APPLY_DEALER, "Apply as a channel dealer"),
    ):
        response = platform_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        html = response.content.decode()
        assert heading in html
        for name in ("company_name", "credit_code", "contact_email", "business_licence"):
            assert f'name="{name}"' in html
        assert 'enctype="multipart/form-data"' in html
        assert re.search(r'name="other_documents"[^>]*multiple', html)


def test_platform_pages_do_not_exist_on_tenant_domains(db, host_client, supplier_a, dealer):
    for tenant in (supplier_a, dealer):
        client = host_client(tenant)
        assert client.get(APPLY_SUPPLIER).status_code == 404
        assert client.get(APPLY_DEALER).status_code == 404
        assert client.get("/apply/submitted/").status_code == 404
        assert client.get("/admin/").status_code == 404
        assert client.get("/admin/login/").status_code == 404


def test_admin_answers_only_on_the_platform_domain(db, platform_client):
    response = platform_client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- submission -------------------------------------------------------------------------------


def test_supplier_applies_and_sees_what_happens_next(db, platform_client, _media_in_tmp):
    response = platform_client.post(
        APPLY_SUPPLIER,
        form_data(
            other_documents=[
                upload("iso9001.png", image_bytes("PNG"), "image/png"),
                upload("brand.jpg", image_bytes("JPEG"), "image/jpeg"),
            ]
        ),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    thanks = platform_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert thanks.status_code == 200
    html = thanks.content.decode()
    assert "What happens next" in html
    assert "wang@newco.test" in html
    assert "newco.localhost" in html

    application = TenantApplication.objects.get(subdomain="newco")
    assert application.type == "supplier"
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.credit_code == credit_code_for("form:newco")  # uppercased
    assert application.language == "en"
    # The pre-check ran and its results are stored for the reviewer.
    checks = {result["check"]: result for result in application.precheck}
    assert {"documents", "credit_code_format", "credit_code_unique", "subdomain_free"} <= set(
        checks
    )
    assert all(result["ok"] for result in application.precheck)
    assert application.precheck_passed
    # Documents: kind, original name, type judged by content, stored under a generated name.
    documents = list(application.documents.order_by("kind", "original_name"))
    assert [(d.kind, d.original_name, d.content_type) for d in documents] == [
        ("business_licence", "营业执照.pdf", "application/pdf"),
        ("other", "brand.jpg", "image/jpeg"),
        ("other", "iso9001.png", "image/png"),
    ]
    for document in documents:
        assert "营业执照" not in document.file.name and "iso9001" not in document.file.name
        assert Path(document.file.path).is_file()
        assert Path(document.file.path).is_relative_to(_media_in_tmp)
    assert AuditLog.objects.filter(
        action="application.submitted", target_id=str(application.pk)
    ).exists()


def test_dealer_application_is_a_dealer_and_remembers_the_language(db, platform_client):
    response = platform_client.post(
        APPLY_DEALER, form_data("dealerco"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 302
    application = TenantApplication.objects.get(subdomain="dealerco")
    assert application.type == "dealer"
    assert application.language == "zh-hans"


def test_thank_you_page_is_only_for_the_browser_that_applied(db, platform_client):
    platform_client.post(APPLY_SUPPLIER, form_data("onlyme"))
    assert platform_client.get("/apply/submitted/").status_code == 200
    stranger = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    assert stranger.get("/apply/submitted/").status_code == 404


def test_missing_fields_and_licence_store_nothing(db, platform_client, _media_in_tmp):
    data = form_data("nolicence")
    del data["business_licence"]
    data["contact_email"] = "not-an-email"
    response = platform_client.post(APPLY_SUPPLIER, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    form = response.context["form"]
    assert "business_licence" in form.errors
    assert "contact_email" in form.errors
    assert not TenantApplication.objects.filter(subdomain="nolicence").exists()
    assert stored_files(_media_in_tmp) == []


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("91350100M000100Y44", "check character"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100O43", "cannot appear"),
    ],
)
def test_bad_credit_code_is_a_form_error(db, platform_client, code, fragment):
    response = platform_client.post(
        APPLY_SUPPLIER, form_data("badcode", credit_code=code), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert fragment in " ".join(response.context["form"].errors["credit_code"])
    assert not TenantApplication.objects.filter(subdomain="badcode").exists()


def test_credit_code_already_registered_is_refused(db, platform_client):
    application_build(slug="firstco", tenant_type="supplier")
    taken = TenantApplication.objects.get(subdomain="firstco").credit_code
    response = platform_client.post(
        APPLY_SUPPLIER, form_data("secondco", credit_code=taken), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "already registered" in " ".join(response.context["form"].errors["credit_code"])
    assert "Firstco" not in response.content.decode()  # strangers learn nothing about others
    assert not TenantApplication.objects.filter(subdomain="secondco").exists()
    # The same company may still apply as the other type.
    response = platform_client.post(APPLY_DEALER, form_data("secondco", credit_code=taken))
    assert response.status_code == 302


def test_credit_code_of_a_rejected_application_can_apply_again_and_reviewer_sees_history(
    db, platform_client, reviewer
):
    from tenants import services

    first = application_build(slug="retryco", tenant_type="supplier")
    services.application_reject(
        application_id=first.pk, reviewer=reviewer, reason="Licence photo unreadable"
    )
    response = platform_client.post(
        APPLY_SUPPLIER, form_data("retryco", credit_code=first.credit_code)
    )
    assert response.status_code == 302
    again = TenantApplication.objects.get(subdomain="retryco", status="submitted")
    history = next(r for r in again.precheck if r["check"] == "previous_rejections")
    assert history["ok"] is False
    assert "Licence photo unreadable" in history["message"]
    assert again.precheck_passed is False


@pytest.mark.parametrize(
    "subdomain, fragment",
    [
        ("acme", "already taken"),  # a live tenant
        ("admin", "reserved"),
        ("Bad_Name", "lowercase letters"),
        ("-abc", "lowercase letters"),
        ("ab", "3 to 30"),
    ],
)
def test_bad_or_taken_subdomain_is_a_form_error(
    db, platform_client, supplier_a, subdomain, fragment
):
    response = platform_client.post(
        APPLY_SUPPLIER, form_data("x", subdomain=subdomain), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert fragment in " ".join(response.context["form"].errors["subdomain"])
    assert TenantApplication.objects.filter(contact_email="wang@x.test").count() == 0


def test_subdomain_wanted_by_an_open_application_is_taken(db, platform_client):
    application_build(slug="wanted", tenant_type="dealer")
    response = platform_client.post(APPLY_SUPPLIER, form_data("wanted"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "wanted.localhost is already taken" in " ".join(
        response.context["form"].errors["subdomain"]
    )


def test_every_problem_is_reported_in_one_go(db, platform_client, supplier_a):
    application_build(slug="holder", tenant_type="supplier")
    taken_code = TenantApplication.objects.get(subdomain="holder").credit_code
    data = form_data(
        "acme",  # a live tenant's subdomain
        credit_code=taken_code,
        contact_phone="call me",
        business_licence=upload("licence.pdf", b"plain text\n" * 10, "application/pdf"),
    )
    response = platform_client.post(APPLY_SUPPLIER, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"contact_phone", "business_licence", "credit_code", "subdomain"}
    assert "already registered" in errors["credit_code"][0]
    assert "acme.localhost is already taken" in errors["subdomain"][0]


# --- uploads judged by content ------------------------------------------------------------------


def test_png_named_pdf_is_stored_as_png(db, platform_client):
    data = form_data(
        "pngco", business_licence=upload("licence.pdf", image_bytes(), "application/pdf")
    )
    assert platform_client.post(APPLY_SUPPLIER, data).status_code == 302
    document = ApplicationDocument.objects.get(application__subdomain="pngco")
    assert document.content_type == "image/png"
    assert document.file.name.endswith(".png")
    assert document.original_name == "licence.pdf"


def test_text_renamed_pdf_is_refused_naming_the_file(db, platform_client, _media_in_tmp):
    data = form_data(
        "textco",
        business_licence=upload("licence.pdf", b"%This is not a PDF\n" * 30, "application/pdf"),
    )
    response = platform_client.post(APPLY_SUPPLIER, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "licence.pdf" in html and "not a PDF, JPEG or PNG" in html
    assert not TenantApplication.objects.filter(subdomain="textco").exists()
    assert stored_files(_media_in_tmp) == []


def test_each_bad_other_document_is_named(db, platform_client, _media_in_tmp):
    data = form_data(
        "manyco",
        other_documents=[
            upload("good.png", image_bytes(), "image/png"),
            upload("notes.pdf", b"hello\n" * 50, "application/pdf"),
            upload("virus.jpg", b"MZ\x90\x00" + b"\x00" * 100, "image/jpeg"),
        ],
    )
    response = platform_client.post(APPLY_SUPPLIER, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["other_documents"])
    assert "notes.pdf" in errors and "virus.jpg" in errors and "good.png" not in errors
    assert not TenantApplication.objects.filter(subdomain="manyco").exists()
    assert stored_files(_media_in_tmp) == []


def test_too_large_file_is_refused_and_nothing_is_written(
    db, platform_client, settings, _media_in_tmp
):
    settings.APPLICATION_DOCUMENT_MAX_BYTES = 1024
    big = PDF_BYTES + b"%" + b"0" * 2048
    data = form_data(
        "bigco",
        other_documents=[upload("small.png", image_bytes(), "image/png")],
        business_licence=upload("huge-scan.pdf", big, "application/pdf"),
    )
    response = platform_client.post(APPLY_SUPPLIER, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "huge-scan.pdf" in html and "at most 1.0\xa0KB" in html
    assert not TenantApplication.objects.filter(subdomain="bigco").exists()
    assert stored_files(_media_in_tmp) == []


class _UploadThatBreaks(SimpleUploadedFile):
    """A real PNG upload whose stream breaks while it is written (a disk or network error)."""

    def chunks(self, chunk_size=None):
        yield self.read(10)
        raise OSError("disk full")


def test_failure_while_storing_files_leaves_nothing_behind(db, _media_in_tmp):
    from tenants import services

    with pytest.raises(OSError, match="disk full"):
        services.application_submit(
            tenant_type="supplier",
            company_name="Half Co",
            credit_code=credit_code_for("halfco"),
            contact_name="A",
            contact_email="a@halfco.test",
            contact_phone="13800000000",
            business_scope="Parts",
            subdomain="halfco",
            language="en",
            business_licence=upload("licence.pdf", PDF_BYTES),
            other_documents=[
                upload("ok.png", image_bytes(), "image/png"),
                _UploadThatBreaks("broken.png", image_bytes(), "image/png"),
            ],
        )
    assert not TenantApplication.objects.filter(subdomain="halfco").exists()
    assert stored_files(_media_in_tmp) == []


# --- the whole journey, with a real worker ------------------------------------------------------


def _login(client: Client, email: str, password: str):
    # Field names of Django's AuthenticationForm; "email" too, should the form name it so.
    return client.post(
        reverse("accounts:login", urlconf=settings.TENANT_TYPES["supplier"]["URLCONF"]),
        {"username": email, "email": email, "password": password},
    )


def _wait_for(predicate, timeout: float, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


@pytest.mark.worker
def test_onboarding_journey_end_to_end(committed_db, celery_worker_session, purge, _media_in_tmp):
    slug = "journey-co"
    platform = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    admin = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    worker_idle_wait()  # start from a quiet worker, so the timing below is provisioning alone
    try:
        # 1. The applicant applies through the public form, in English.
        response = platform.post(
            APPLY_SUPPLIER,
            form_data(
                slug,
                company_name="Journey Components 旅程元件",
                contact_email="Owner@Journey.test",
                other_documents=[upload("cert.png", image_bytes(), "image/png")],
            ),
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        application = TenantApplication.objects.get(subdomain=slug)
        purge(application.pk)
        assert application.precheck_passed
        assert application.documents.count() == 2

        # 2. A platform admin sees it in the admin, with its documents and pre-check.
        admin.force_login(platform_admin())
        change_url = reverse("admin:tenants_tenantapplication_change", args=[application.pk])
        page = admin.get(change_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Journey Components" in page and "营业执照.pdf" in page and "cert.png" in page
        assert "is free" in page

        # 3. ... and approves it there. The worker provisions in the background.
        approved_at = time.monotonic()
        response = admin.post(
            reverse("admin:tenants_tenantapplication_approve", args=[application.pk])
        )
        assert response.status_code == 302
        tenant = _wait_for(lambda: Tenant.objects.filter(slug=slug).first(), timeout=5)
        elapsed = time.monotonic() - approved_at
        assert tenant is not None, "the worker did not provision the tenant within 5 s"
        assert elapsed < 5, f"provisioning took {elapsed:.2f} s"
        print(f"approval to live tenant: {elapsed:.3f} s")
        application = _wait_for(
            lambda: TenantApplication.objects.filter(pk=application.pk, status="live").first(),
            timeout=5,
        )
        assert application is not None and application.tenant_id == tenant.pk
        assert tenant.schema_name == schema_name_for(slug) and schema_exists(tenant.schema_name)
        assert Domain.objects.get(tenant=tenant).domain == f"{slug}.{settings.PLATFORM_DOMAIN}"

        # 4. The admin now shows the tenant as live, with its address.
        page = admin.get(change_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"{slug}.localhost" in page and "Live" in page

        # 5. The tenant's own domain answers.
        backoffice = Client(HTTP_HOST=tenant.host)
        assert backoffice.get("/accounts/login/").status_code == 200

        # 6. The owner receives an email with a one-time set-password link at that domain.
        message = _wait_for(
            lambda: next(
                (m for m in mail.outbox if "owner@journey.test" in [t.lower() for t in m.to]), None
            ),
            timeout=5,
        )
        assert message is not None, "no approval email"
        assert "Journey Components" in message.subject
        links = re.findall(r"https?://\S+", message.body)
        link = next(url for url in links if "/password-reset/" in url)
        assert link.startswith(f"http://{slug}.localhost")
        path = link.split(tenant.host, 1)[1].split(":", 1)[-1]
        path = path[path.index("/") :]

        # 7. The owner sets a password through the link ...
        response = backoffice.get(path, follow=True)
        assert response.status_code == 200
        form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
        password = "Journey-owner-pass-2024"
        response = backoffice.post(form_url, {"new_password1": password, "new_password2": password})
        assert response.status_code == 302
        with tenant_context(tenant):
            owner = User.objects.get(email="owner@journey.test")
            assert owner.role == "owner" and owner.check_password(password)

        # ... and signs in at the tenant's domain.
        signed_in = Client(HTTP_HOST=tenant.host)
        profile_url = reverse(
            "accounts:profile", urlconf=settings.TENANT_TYPES["supplier"]["URLCONF"]
        )
        assert signed_in.get(profile_url).status_code == 302  # not yet signed in
        response = _login(signed_in, "owner@journey.test", password)
        assert response.status_code == 302
        assert signed_in.get(profile_url).status_code == 200
        with tenant_context(tenant):  # sessions live in the tenant's schema
            assert signed_in.session.get("_auth_user_id") == str(owner.pk)

        # 8. The link does not work a second time.
        again = Client(HTTP_HOST=tenant.host)
        response = again.get(path, follow=True)
        assert response.status_code == 200
        assert response.context["validlink"] is False
        final_url = response.redirect_chain[-1][0] if response.redirect_chain else path
        again.post(
            final_url, {"new_password1": "Other-pass-2024x", "new_password2": "Other-pass-2024x"}
        )
        with tenant_context(tenant):
            assert User.objects.get(email="owner@journey.test").check_password(password)

        # The audit trail tells the story.
        actions = list(
            AuditLog.objects.filter(
                target_type="tenants.TenantApplication", target_id=str(application.pk)
            ).values_list("action", flat=True)
        )
        for action in (
            "application.submitted",
            "application.approved",
            "application.provisioning",
            "application.live",
            "application.notified",
        ):
            assert action in actions
        admin.logout()
    finally:
        worker_idle_wait()


@pytest.mark.worker
def test_rejection_is_mailed_with_the_reason_and_makes_no_tenant(
    committed_db, celery_worker_session, purge
):
    application = application_build(
        slug="rejected-co", tenant_type="dealer", contact_email="boss@rejected.test"
    )
    purge(application.pk)
    admin = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    admin.force_login(platform_admin())
    try:
        reject_url = reverse("admin:tenants_tenantapplication_reject", args=[application.pk])
        page = admin.get(reject_url, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200 and "Reason for rejection" in page.content.decode()
        # An empty reason is refused.
        response = admin.post(reject_url, {"reason": "   "}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        application.refresh_from_db()
        assert application.status == ApplicationStatus.SUBMITTED

        reason = "The business licence has expired (有效期已过)."
        response = admin.post(reject_url, {"reason": reason})
        assert response.status_code == 302
        application.refresh_from_db()
        assert application.status == ApplicationStatus.REJECTED
        assert application.rejection_reason == reason

        message = _wait_for(
            lambda: next((m for m in mail.outbox if m.to == ["boss@rejected.test"]), None),
            timeout=10,
        )
        assert message is not None, "no rejection email"
        assert reason in message.body
        assert "Rejected-Co" in message.subject
        assert not Tenant.objects.filter(slug="rejected-co").exists()
        assert not schema_exists(schema_name_for("rejected-co"))
        admin.logout()
    finally:
        worker_idle_wait()


@pytest.mark.worker
def test_application_purge_helper_removes_everything(committed_db, celery_worker_session):
    """The clean-up the committed tests rely on really removes tenant, schema, rows and files."""
    from tenants import services

    application = application_build(slug="purge-me", tenant_type="supplier")
    try:
        services.application_approve(application_id=application.pk, reviewer=platform_admin())
        tenant = services.tenant_provision(application_id=application.pk)
        path = Path(application.documents.get().file.path)
        assert path.is_file() and schema_exists(tenant.schema_name)
    finally:
        worker_idle_wait()  # the worker has mailed the owner and refilled the pool
        application_purge(application.pk)
    assert not TenantApplication.objects.filter(pk=application.pk).exists()
    assert not Tenant.objects.filter(slug="purge-me").exists()
    assert not Domain.objects.filter(domain="purge-me.localhost").exists()
    assert not schema_exists(schema_name_for("purge-me"))
    assert not path.exists()
    assert not AuditLog.objects.filter(
        target_type="tenants.TenantApplication", target_id=str(application.pk)
    ).exists()
