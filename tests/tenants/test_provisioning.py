"""Approval and provisioning under repetition, concurrency and failure."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from accounts.models import AuditLog
from tenants import provisioning, services
from tenants.models import ApplicationStatus, Domain, Tenant, TenantStatus
from tests.builders import application_build, platform_admin
from tests.tenants.conftest import schema_exists, worker_idle_wait


def _approve(application, reviewer):
    return services.application_approve(application_id=application.pk, reviewer=reviewer)


def _spares(tenant_type: str) -> list[str]:
    return sorted(
        Tenant.objects.filter(type=tenant_type, status=TenantStatus.SPARE).values_list(
            "schema_name", flat=True
        )
    )


# --- repetition ---------------------------------------------------------------------------------


def test_approving_and_provisioning_twice_makes_one_tenant(reviewer):
    application = application_build(slug="twice", tenant_type="supplier")
    _approve(application, reviewer)
    _approve(application, reviewer)  # a second click: nothing more happens
    first = services.tenant_provision(application_id=application.pk)
    second = services.tenant_provision(application_id=application.pk)  # the task redelivered
    _approve(application, reviewer)  # even after it is live
    assert first.pk == second.pk
    assert Tenant.objects.filter(slug="twice").count() == 1
    assert Domain.objects.filter(domain="twice.localhost").count() == 1
    assert schema_exists("t_twice")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.LIVE and application.tenant_id == first.pk
    assert (
        AuditLog.objects.filter(
            action="application.approved", target_id=str(application.pk)
        ).count()
        == 1
    )


def test_rejected_application_cannot_be_approved_or_provisioned(reviewer):
    application = application_build(slug="nope", tenant_type="dealer")
    services.application_reject(application_id=application.pk, reviewer=reviewer, reason="No")
    with pytest.raises(services.ApplicationStateError):
        _approve(application, reviewer)
    with pytest.raises(services.ApplicationStateError):
        services.tenant_provision(application_id=application.pk)
    assert not Tenant.objects.filter(slug="nope").exists()


def test_submitted_application_is_not_provisioned_before_approval(db):
    application = application_build(slug="too-early", tenant_type="dealer")
    with pytest.raises(services.ApplicationStateError):
        services.tenant_provision(application_id=application.pk)
    assert not schema_exists("t_too_early")


def test_retry_is_only_for_failed_applications(reviewer):
    application = application_build(slug="noretry", tenant_type="supplier")
    with pytest.raises(services.ApplicationStateError):
        services.application_retry(application_id=application.pk, reviewer=reviewer)


# --- failures leave a retryable state and no schema --------------------------------------------


def test_subdomain_taken_in_between_fails_then_retry_works(reviewer, admin_client_platform):
    application = application_build(slug="contested", tenant_type="supplier")
    _approve(application, reviewer)
    # Between approval and provisioning, a tenant takes the subdomain by another way.
    squatter = Tenant.objects.create(
        schema_name="t_squatter", type="supplier", name="Squatter", slug="contested"
    )
    with pytest.raises(services.ProvisioningError):
        services.tenant_provision(application_id=application.pk)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FAILED
    assert application.provisioning_error.startswith("ProvisioningError")
    assert "contested" in application.provisioning_error
    assert application.tenant_id is None
    assert not schema_exists("t_contested")

    # The admin shows the error and offers a retry.
    page = admin_client_platform.get(
        f"/admin/tenants/tenantapplication/{application.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Provisioning failed" in page and "contested" in page
    retry = f"/admin/tenants/tenantapplication/{application.pk}/retry/"
    assert retry in page

    squatter.delete()
    response = admin_client_platform.post(retry)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PROVISIONING  # the task is queued on commit
    tenant = services.tenant_provision(application_id=application.pk)  # what the task runs
    application.refresh_from_db()
    assert application.status == ApplicationStatus.LIVE
    assert application.provisioning_error == ""
    assert tenant.slug == "contested" and schema_exists("t_contested")


def test_failure_after_the_schema_is_made_rolls_the_schema_back(reviewer):
    """The domain is taken, which is only found after the schema was claimed or cloned."""
    application = application_build(slug="halfway", tenant_type="dealer")
    _approve(application, reviewer)
    delta = Tenant.objects.get(slug="delta")
    blocker = Domain.objects.create(domain="halfway.localhost", tenant=delta, is_primary=False)
    spares_before = _spares("dealer")

    with pytest.raises(services.ProvisioningError):
        services.tenant_provision(application_id=application.pk)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.FAILED
    assert "IntegrityError" in application.provisioning_error
    assert not schema_exists("t_halfway")
    assert not Tenant.objects.filter(slug="halfway").exists()
    # A spare that was claimed is back in the pool under its own name.
    assert _spares("dealer") == spares_before
    assert all(schema_exists(name) for name in spares_before)

    blocker.delete()
    services.application_retry(application_id=application.pk, reviewer=reviewer)
    tenant = services.tenant_provision(application_id=application.pk)
    assert tenant.slug == "halfway" and schema_exists("t_halfway")


def _drop_migration_row(schema: str) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{schema}".django_migrations WHERE id = '
            f'(SELECT max(id) FROM "{schema}".django_migrations WHERE app = %s) '
            "RETURNING app, name",
            ["accounts"],
        )
        return cursor.fetchone()


def _restore_migration_row(schema: str, row: tuple[str, str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{schema}".django_migrations (app, name, applied) VALUES (%s, %s, now())',
            list(row),
        )


def test_stale_template_is_refused_and_nothing_is_cloned(reviewer):
    template = provisioning.template_schema_name("supplier")
    provisioning.check_fresh(template, "supplier")  # fresh to begin with
    removed = {schema: _drop_migration_row(schema) for schema in [template, *_spares("supplier")]}
    app, name = removed[template]

    with pytest.raises(provisioning.StaleSchemaError) as info:
        provisioning.check_fresh(template, "supplier")
    assert f"{app}.{name}" in str(info.value)

    application = application_build(slug="stale", tenant_type="supplier")
    _approve(application, reviewer)
    with pytest.raises(provisioning.StaleSchemaError):
        services.tenant_provision(application_id=application.pk)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FAILED
    assert "StaleSchemaError" in application.provisioning_error
    assert not schema_exists("t_stale")
    assert not Tenant.objects.filter(slug="stale").exists()
    assert set(_spares("supplier")) == set(removed) - {template}  # stale spares stay unused

    for schema, row in removed.items():
        _restore_migration_row(schema, row)
    services.application_retry(application_id=application.pk, reviewer=reviewer)
    tenant = services.tenant_provision(application_id=application.pk)
    assert schema_exists(tenant.schema_name)
    assert provisioning.missing_migrations(tenant.schema_name, "supplier") == []


def test_clone_path_refuses_a_stale_template_with_no_pool(db):
    template = provisioning.template_schema_name("dealer")
    Tenant.objects.filter(type="dealer", status=TenantStatus.SPARE).update(
        status=TenantStatus.SUSPENDED
    )  # no spare to claim: the template must be cloned
    _drop_migration_row(template)
    from django.db import transaction

    with pytest.raises(provisioning.StaleSchemaError):
        with transaction.atomic():
            provisioning.schema_provide(tenant_type="dealer", schema_name="t_never")
    assert not schema_exists("t_never")


# --- concurrency (committed, real threads) -----------------------------------------------------


def _in_threads(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = work()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.worker
def test_two_admins_approving_at_once_make_one_tenant(committed_db, celery_worker_session, purge):
    worker_idle_wait()
    application = application_build(slug="race-approve", tenant_type="supplier")
    purge(application.pk)
    reviewer = platform_admin()
    try:

        def approve_and_provision():
            services.application_approve(application_id=application.pk, reviewer=reviewer)
            return services.tenant_provision(application_id=application.pk)

        results = _in_threads(2, approve_and_provision)
        errors = [r for r in results if isinstance(r, Exception)]
        assert not errors, errors
        assert results[0].pk == results[1].pk
        worker_idle_wait()  # the worker also ran the queued provisioning tasks
        assert Tenant.objects.filter(slug="race-approve").count() == 1
        assert Domain.objects.filter(domain="race-approve.localhost").count() == 1
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE %s",
                ["t_race_approve%"],
            )
            assert cursor.fetchone()[0] == 1
        application.refresh_from_db()
        assert application.status == ApplicationStatus.LIVE
        assert (
            AuditLog.objects.filter(
                action="application.approved", target_id=str(application.pk)
            ).count()
            == 1
        )
    finally:
        worker_idle_wait()


@pytest.mark.worker
def test_concurrent_provisioning_of_one_application_makes_one_tenant(
    committed_db, celery_worker_session, purge
):
    """Four redelivered tasks (and the worker's own) provision one application at once."""
    worker_idle_wait()
    application = application_build(slug="race-provision", tenant_type="dealer")
    purge(application.pk)
    try:
        services.application_approve(application_id=application.pk, reviewer=platform_admin())
        results = _in_threads(4, lambda: services.tenant_provision(application_id=application.pk))
        errors = [r for r in results if isinstance(r, Exception)]
        assert not errors, errors
        assert len({tenant.pk for tenant in results}) == 1
        worker_idle_wait()
        assert Tenant.objects.filter(slug="race-provision").count() == 1
        assert schema_exists("t_race_provision")
        application.refresh_from_db()
        assert application.status == ApplicationStatus.LIVE
    finally:
        worker_idle_wait()


# --- the sweep of stuck applications --------------------------------------------------------------


def test_an_application_whose_task_was_lost_goes_live_through_the_sweep(reviewer, celery_eager):
    from datetime import timedelta

    from django.utils import timezone

    from tenants.models import TenantApplication

    lost = application_build(slug="lost-msg", tenant_type="dealer")
    recent = application_build(slug="just-now", tenant_type="dealer")
    for application in (lost, recent):
        _approve(application, reviewer)  # in the test's transaction: no task is sent
    TenantApplication.objects.filter(pk=lost.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=11)
    )

    assert services.applications_stuck_requeue() == [lost.pk]

    lost.refresh_from_db()
    recent.refresh_from_db()
    assert lost.status == ApplicationStatus.LIVE and schema_exists("t_lost_msg")
    assert recent.status == ApplicationStatus.APPROVED  # its task may still be on its way
    assert services.applications_stuck_requeue() == []  # live now: nothing left to do
