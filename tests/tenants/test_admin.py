"""Review of applications in the Django admin (platform domain, public schema)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog, User
from tenants import services
from tenants.models import ApplicationStatus, Tenant, TenantApplication
from tests.builders import application_build, image_bytes, upload

CHANGELIST = "/admin/tenants/tenantapplication/"


def change_url(application) -> str:
    return reverse("admin:tenants_tenantapplication_change", args=[application.pk])


def review_url(application, name: str) -> str:
    return reverse(f"admin:tenants_tenantapplication_{name}", args=[application.pk])


def names_listed(response) -> set[str]:
    return {application.company_name for application in response.context["cl"].result_list}


@pytest.fixture
def applications(db, reviewer):
    """Four applications in different states."""
    made = {
        "north": application_build(
            slug="north", tenant_type="supplier", company_name="North Steel"
        ),
        "south": application_build(slug="south", tenant_type="dealer", company_name="South Trade"),
        "east": application_build(slug="east-co", tenant_type="dealer", company_name="East Goods"),
        "west": application_build(
            slug="west-co",
            tenant_type="supplier",
            company_name="West Foods",
            contact_email="buyer@westfoods.test",
        ),
    }
    services.application_reject(application_id=made["east"].pk, reviewer=reviewer, reason="Blurry")
    TenantApplication.objects.filter(pk=made["west"].pk).update(
        precheck_passed=False, submitted_at=timezone.now() - timedelta(days=40)
    )
    return made


# --- list ---------------------------------------------------------------------------------------


def test_list_filters_by_status_type_precheck_and_date(admin_client_platform, applications):
    client = admin_client_platform
    ours = {"North Steel", "South Trade", "East Goods", "West Foods"}

    listed = names_listed(client.get(CHANGELIST, {"status__exact": "rejected"}))
    assert listed & ours == {"East Goods"}
    listed = names_listed(client.get(CHANGELIST, {"type__exact": "dealer"}))
    assert listed & ours == {"South Trade", "East Goods"}
    listed = names_listed(client.get(CHANGELIST, {"precheck_passed__exact": "0"}))
    assert listed & ours == {"West Foods"}
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    listed = names_listed(client.get(CHANGELIST, {"submitted_at__gte": since}))
    assert "West Foods" not in listed and {"North Steel", "South Trade"} <= listed


@pytest.mark.parametrize(
    "query, expected",
    [
        ("north", {"North Steel"}),  # company name and subdomain
        ("buyer@westfoods.test", {"West Foods"}),  # email
        ("east-co", {"East Goods"}),  # subdomain
    ],
)
def test_list_search(admin_client_platform, applications, query, expected):
    ours = {application.company_name for application in applications.values()}
    listed = names_listed(admin_client_platform.get(CHANGELIST, {"q": query}))
    assert listed & ours == expected


def test_list_search_by_credit_code(admin_client_platform, applications):
    code = applications["south"].credit_code
    assert names_listed(admin_client_platform.get(CHANGELIST, {"q": code})) == {"South Trade"}
    lowercase = names_listed(admin_client_platform.get(CHANGELIST, {"q": code.lower()}))
    assert lowercase == {"South Trade"}


def test_list_query_count_does_not_grow_with_rows(
    admin_client_platform, applications, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        admin_client_platform.get(CHANGELIST)
    for n in range(15):
        application_build(slug=f"bulk-{n}", tenant_type="supplier")
    # (django-tenants sends a SET search_path before each query: 8 queries count as 16)
    with django_assert_max_num_queries(16):
        response = admin_client_platform.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 19
    with CaptureQueriesContext(connection) as many:
        admin_client_platform.get(CHANGELIST)
    assert len(many) == len(few)


def test_tenant_and_domain_lists(admin_client_platform, supplier_a, dealer):
    response = admin_client_platform.get("/admin/tenants/tenant/", {"q": "acme"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme Electronics" in html and "acme.localhost" in html
    response = admin_client_platform.get("/admin/tenants/tenant/", {"type__exact": "dealer"})
    listed = {tenant.name for tenant in response.context["cl"].result_list}
    assert dealer.name in listed and supplier_a.name not in listed
    response = admin_client_platform.get("/admin/tenants/domain/")
    assert "delta.localhost" in response.content.decode()
    # Read-only: nothing can be added, changed or deleted here.
    assert admin_client_platform.get("/admin/tenants/tenant/add/").status_code == 403
    tenant_page = admin_client_platform.get(
        reverse("admin:tenants_tenant_change", args=[supplier_a.pk])
    )
    assert tenant_page.status_code == 200
    assert 'name="_save"' not in tenant_page.content.decode()


# --- detail -------------------------------------------------------------------------------------


def test_change_page_shows_documents_precheck_and_history(admin_client_platform, reviewer):
    application = application_build(
        slug="detailed",
        tenant_type="supplier",
        company_name="Detailed Works",
        other_documents=[upload("factory.png", image_bytes(), "image/png")],
    )
    services.application_precheck_refresh(application_id=application.pk, actor=reviewer)
    response = admin_client_platform.get(change_url(application), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    # documents, linked to the admin's own document view
    for document in application.documents.all():
        assert (
            reverse("admin:tenants_tenantapplication_document", args=[application.pk, document.pk])
            in html
        )
    assert "licence.pdf" in html and "factory.png" in html
    # pre-check results
    assert "Subdomain free" in html and "detailed.localhost is free" in html
    # history from the audit log
    assert "Submitted" in html and "Pre-check run again" in html and reviewer.email in html
    # review buttons, and no save button
    assert review_url(application, "approve") in html
    assert review_url(application, "reject") in html
    assert 'name="_save"' not in html


def test_applications_are_read_only(admin_client_platform, reviewer):
    application = application_build(slug="readonly", tenant_type="supplier")
    assert admin_client_platform.get(f"{CHANGELIST}add/").status_code == 403
    response = admin_client_platform.post(
        change_url(application), {"company_name": "Changed", "subdomain": "changed"}
    )
    assert response.status_code == 403
    delete = reverse("admin:tenants_tenantapplication_delete", args=[application.pk])
    assert admin_client_platform.post(delete, {"post": "yes"}).status_code == 403
    application.refresh_from_db()
    assert application.company_name == "Readonly"


def test_documents_are_served_only_to_signed_in_staff(
    admin_client_platform, host_client, supplier_a
):
    application = application_build(
        slug="docs-co",
        tenant_type="supplier",
        other_documents=[upload("photo.pdf", image_bytes("JPEG"), "application/pdf")],
    )
    licence, photo = application.documents.order_by("kind")
    url = reverse("admin:tenants_tenantapplication_document", args=[application.pk, photo.pk])

    response = admin_client_platform.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"  # by content, not by the name
    assert b"".join(response.streaming_content) == image_bytes("JPEG")
    assert "photo.pdf" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    licence_url = reverse(
        "admin:tenants_tenantapplication_document", args=[application.pk, licence.pk]
    )
    assert admin_client_platform.get(licence_url)["Content-Type"] == "application/pdf"

    # Anonymous visitors are sent to the admin login; tenant domains have no admin at all.
    anonymous = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    response = anonymous.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert host_client(supplier_a).get(url).status_code == 404
    # Documents have no public URL under MEDIA_URL either.
    media_path = settings.MEDIA_URL + "public/" + photo.file.name
    assert anonymous.get(media_path).status_code == 404
    assert host_client(supplier_a).get(media_path).status_code == 404
    # A document of another application is not reachable through this one.
    other = application_build(slug="docs-other", tenant_type="supplier")
    foreign = other.documents.get()
    wrong = reverse("admin:tenants_tenantapplication_document", args=[application.pk, foreign.pk])
    assert admin_client_platform.get(wrong).status_code == 404


def test_staff_without_permission_cannot_see_or_review(db):
    clerk = User.objects.create_user(email="clerk@platform.test", password="x" * 12, is_staff=True)
    application = application_build(slug="noperm", tenant_type="supplier")
    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    client.force_login(clerk)
    assert client.get(change_url(application)).status_code == 403
    document = application.documents.get()
    doc_url = reverse(
        "admin:tenants_tenantapplication_document", args=[application.pk, document.pk]
    )
    assert client.get(doc_url).status_code == 403

    # With view permission only: may look, may not decide.
    clerk.user_permissions.add(Permission.objects.get(codename="view_tenantapplication"))
    clerk = User.objects.get(pk=clerk.pk)
    client.force_login(clerk)
    page = client.get(change_url(application))
    assert page.status_code == 200
    assert review_url(application, "approve") not in page.content.decode()
    assert client.get(doc_url).status_code == 200
    assert client.post(review_url(application, "approve")).status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


# --- review actions -----------------------------------------------------------------------------


def test_approve_button(admin_client_platform, reviewer):
    application = application_build(slug="approve-me", tenant_type="dealer")
    assert admin_client_platform.get(review_url(application, "approve")).status_code == 405
    response = admin_client_platform.post(review_url(application, "approve"), follow=True)
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.reviewed_by == reviewer
    page = response.content.decode()
    assert review_url(application, "approve") not in page  # no second approve button
    # Approving again changes nothing.
    admin_client_platform.post(review_url(application, "approve"))
    assert (
        AuditLog.objects.filter(
            action="application.approved", target_id=str(application.pk)
        ).count()
        == 1
    )


def test_reject_needs_a_reason_on_an_intermediate_page(admin_client_platform):
    application = application_build(slug="reject-me", tenant_type="supplier")
    page = admin_client_platform.get(review_url(application, "reject"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    response = admin_client_platform.post(review_url(application, "reject"), {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    response = admin_client_platform.post(
        review_url(application, "reject"), {"reason": "Credit code belongs to another company"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.rejection_reason == "Credit code belongs to another company"
    html = admin_client_platform.get(change_url(application), HTTP_ACCEPT_LANGUAGE="en")
    assert "Credit code belongs to another company" in html.content.decode()


def test_bulk_approve(admin_client_platform, applications):
    chosen = [applications["north"], applications["south"], applications["east"]]  # east: rejected
    response = admin_client_platform.post(
        CHANGELIST,
        {"action": "approve_selected", "_selected_action": [a.pk for a in chosen], "index": 0},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    statuses = dict(
        TenantApplication.objects.filter(pk__in=[a.pk for a in chosen]).values_list(
            "company_name", "status"
        )
    )
    assert statuses == {
        "North Steel": "approved",
        "South Trade": "approved",
        "East Goods": "rejected",
    }
    text = " ".join(str(m) for m in response.context["messages"])
    assert "East Goods" in text and "North Steel" in text


def test_bulk_reject_asks_for_one_reason(admin_client_platform, applications):
    chosen = [applications["north"], applications["south"]]
    ids = [a.pk for a in chosen]
    page = admin_client_platform.post(
        CHANGELIST, {"action": "reject_selected", "_selected_action": ids, "index": 0}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="reason"' in html and "North Steel" in html and "South Trade" in html
    assert TenantApplication.objects.filter(pk__in=ids, status="rejected").count() == 0

    empty = admin_client_platform.post(
        CHANGELIST,
        {"action": "reject_selected", "_selected_action": ids, "apply": "yes", "reason": " "},
    )
    assert empty.status_code == 200 and empty.context["form"].errors
    assert TenantApplication.objects.filter(pk__in=ids, status="rejected").count() == 0

    done = admin_client_platform.post(
        CHANGELIST,
        {
            "action": "reject_selected",
            "_selected_action": ids,
            "apply": "yes",
            "reason": "Outside the categories we accept this quarter",
        },
    )
    assert done.status_code == 302
    rejected = TenantApplication.objects.filter(pk__in=ids, status="rejected")
    assert set(rejected.values_list("rejection_reason", flat=True)) == {
        "Outside the categories we accept this quarter"
    }
    assert rejected.count() == 2


def test_precheck_can_be_run_again(admin_client_platform, reviewer, supplier_a):
    application = application_build(slug="late-clash", tenant_type="supplier")
    assert application.precheck_passed
    # Someone registers the same subdomain by another way in the meantime.
    Tenant.objects.filter(pk=supplier_a.pk).update(slug="late-clash")
    response = admin_client_platform.post(review_url(application, "precheck"), follow=True)
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.precheck_passed is False
    failed = [r["check"] for r in application.precheck if not r["ok"]]
    assert failed == ["subdomain_free"]


def test_audit_trail_times_are_in_the_platform_timezone(admin_client_platform, reviewer):
    application = application_build(
        slug="clockwork", tenant_type="supplier", company_name="Clockwork"
    )
    # 22:30 UTC on 1 Jan is 06:30 on 2 Jan in Asia/Shanghai, the platform's time zone.
    AuditLog.objects.filter(target_id=str(application.pk)).update(
        created_at=datetime(2026, 1, 1, 22, 30, tzinfo=UTC)
    )
    html = admin_client_platform.get(
        change_url(application), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Jan. 2, 2026, 6:30 a.m." in html
    assert "10:30 p.m." not in html
