"""Background work of the supplier catalogue. Tasks take ids, name their supplier explicitly,
and are safe to run twice (suppliers.publishing does the work)."""

from celery import shared_task

from suppliers import publishing


@shared_task(
    name="suppliers.offer_sync",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=2,
    max_retries=5,
)
def offer_sync_task(tenant_id: int) -> int:
    """Carry the supplier's changed products to the supply catalogue; returns offers changed.

    A failed run puts its products back into the dirty set and is retried with backoff.
    """
    report = publishing.offer_sync_run(
        tenant_id=tenant_id, run_id=offer_sync_task.request.id or "direct"
    )
    return report.offers_changed if report is not None else 0


@shared_task(name="suppliers.offer_sync_sweep")
def offer_sync_sweep_task() -> int:
    """Periodic safety net: schedule a sync for suppliers with changes but no pending run."""
    return publishing.offer_sync_sweep()


@shared_task(name="suppliers.product_import", acks_late=True)
def product_import_task(*, tenant_id: int, import_id: int, language: str = "zh-hans") -> str:
    """Import an uploaded catalogue CSV in its supplier's schema; returns the outcome. The
    report's messages are written in ``language``, the uploader's."""
    from django.utils import translation
    from django.utils.translation import gettext as _

    from platform_site.celery import run_in_tenant
    from suppliers import services

    with translation.override(language):
        try:
            upload = run_in_tenant(tenant_id, services.product_import_run, import_id=import_id)
        except Exception:
            run_in_tenant(
                tenant_id,
                services.product_import_fail,
                import_id=import_id,
                message=_("The import stopped on an unexpected error; nothing was changed."),
            )
            raise
    return upload.status
