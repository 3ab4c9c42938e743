"""Low-stock alerts (supplier schema).

A stock row is *low* when its warehouse is active, it has a safety stock, and its available
quantity (on hand − reserved) is at or below it — the rule the stock pages already show
("Alert when the available quantity drops to this").

``low_stock_evaluate(stock_level_ids=...)`` runs on every stock write path (through
supplychain.sync.stock_changed), set-based over the touched rows, in the writer's transaction:

* a row that is low and has no open alert gets one — the partial unique constraint on open
  alerts makes this "once per crossing", also under concurrent writers (``ON CONFLICT DO
  NOTHING``), so a stream of sales below the line alerts once;
* an open alert whose row is no longer low is cleared; a later fall opens a new one.

Newly opened alerts notify the supplier's active owners and managers in the app (same
transaction) and by email (a Celery task after commit, which mails each alert once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import notification_send
from accounts.selectors import manager_list
from supplychain.models import LowStockAlert, StockLevel, Warehouse
from tenants.models import Tenant

SUPPLIER_URLCONF = "platform_site.urls_supplier"
# More alerts than this from one stock write: one summary notification instead of one each.
NOTIFY_ONE_BY_ONE_MAX = 10
EMAIL_LINES_MAX = 100
NOTIFICATION_KIND = "stock.low"


@dataclass
class AlertReport:
    opened: list[int] = field(default_factory=list)
    cleared: int = 0


def low_stock_evaluate(*, stock_level_ids: Iterable[int]) -> AlertReport:
    """Open and clear alerts for these stock rows (two statements for any number of rows)."""
    ids = sorted({int(pk) for pk in stock_level_ids})
    if not ids:
        return AlertReport()
    alerts = LowStockAlert._meta.db_table
    stock = StockLevel._meta.db_table
    warehouses = Warehouse._meta.db_table
    low = "w.is_active AND s.safety_stock > 0 AND s.on_hand - s.reserved <= s.safety_stock"
    now = timezone.now()
    # No savepoint of its own: inside a caller's transaction (a checkout, a stock batch) it
    # commits or rolls back with it.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO "{alerts}" (stock_level_id, available, safety_stock, opened_at)
            SELECT s.id, s.on_hand - s.reserved, s.safety_stock, %s
            FROM "{stock}" s JOIN "{warehouses}" w ON w.id = s.warehouse_id
            WHERE s.id = ANY(%s::bigint[]) AND {low}
            ORDER BY s.id
            ON CONFLICT (stock_level_id) WHERE cleared_at IS NULL DO NOTHING
            RETURNING id
            """,
            [now, ids],
        )
        opened = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            f"""
            UPDATE "{alerts}" a
            SET cleared_at = %s, cleared_available = s.on_hand - s.reserved
            FROM "{stock}" s JOIN "{warehouses}" w ON w.id = s.warehouse_id
            WHERE a.cleared_at IS NULL AND a.stock_level_id = ANY(%s::bigint[])
              AND s.id = a.stock_level_id AND NOT ({low})
            """,
            [now, ids],
        )
        cleared = cursor.rowcount
        if opened:
            _alerts_notify(opened)
    return AlertReport(opened=opened, cleared=cleared)


def _stock_page(alert: LowStockAlert) -> str:
    level = alert.stock_level
    path = reverse(
        "supplychain:warehouse-stock", urlconf=SUPPLIER_URLCONF, args=[level.warehouse_id]
    )
    return f"{path}?{urlencode({'q': level.sku.code, 'low': 'on'})}"


def _alerts_with_rows(alert_ids: Iterable[int]):
    return (
        LowStockAlert.objects.filter(pk__in=list(alert_ids))
        .select_related("stock_level__sku__product", "stock_level__warehouse")
        .order_by("stock_level__warehouse__code", "stock_level__sku__code")
    )


def alert_recipients() -> list[User]:
    """Who hears about low stock: the active owners and managers of this supplier."""
    return manager_list()


def _alerts_notify(alert_ids: list[int]) -> None:
    # Only as many rows as a notification names: a big batch may open thousands of alerts.
    alerts = list(_alerts_with_rows(alert_ids)[:NOTIFY_ONE_BY_ONE_MAX])
    recipients = alert_recipients()
    if recipients:
        if len(alert_ids) <= NOTIFY_ONE_BY_ONE_MAX:
            for alert in alerts:
                level = alert.stock_level
                notification_send(
                    recipients=recipients,
                    kind=NOTIFICATION_KIND,
                    title=_("Low stock: %(sku)s in %(warehouse)s")
                    % {"sku": level.sku.code, "warehouse": level.warehouse.name},
                    body=_("%(product)s: %(available)s available, safety stock %(safety)s.")
                    % {
                        "product": level.sku.product.name,
                        "available": alert.available,
                        "safety": alert.safety_stock,
                    },
                    link=_stock_page(alert),
                )
        else:
            codes = ", ".join(alert.stock_level.sku.code for alert in alerts)
            notification_send(
                recipients=recipients,
                kind=NOTIFICATION_KIND,
                title=_("%(count)s low-stock alerts: stock fell to or below the safety stock")
                % {"count": len(alert_ids)},
                body=_("Among them: %(codes)s …") % {"codes": codes},
                link=reverse("supplychain:alert-list", urlconf=SUPPLIER_URLCONF),
            )
    tenant_id = connection.tenant.pk

    def email_later():
        from supplychain.tasks import low_stock_email_task

        low_stock_email_task.delay(tenant_id=tenant_id, alert_ids=alert_ids)

    transaction.on_commit(email_later, robust=True)


@transaction.atomic
def low_stock_email_send(*, alert_ids: Iterable[int]) -> int:
    """Email the owners and managers about these alerts, each alert at most once.

    Runs in the supplier's schema (the task switches). Alerts that were emailed already (a
    task run twice) or that no longer exist are skipped. Returns how many emails were sent.
    """
    tenant = connection.tenant
    alerts = list(
        _alerts_with_rows(alert_ids)
        .filter(emailed_at__isnull=True)
        .select_for_update(skip_locked=True, of=("self",))
    )
    if not alerts:
        return 0
    recipients = [user.email for user in alert_recipients() if user.email]
    if recipients and isinstance(tenant, Tenant):
        base_url = tenant.base_url
        lines = [
            {
                "sku": alert.stock_level.sku.code,
                "product": alert.stock_level.sku.product.name,
                "warehouse": alert.stock_level.warehouse.name,
                "available": alert.available,
                "safety_stock": alert.safety_stock,
                "still_low": alert.cleared_at is None,
                "link": base_url + _stock_page(alert),
            }
            for alert in alerts[:EMAIL_LINES_MAX]
        ]
        context = {
            "organisation": tenant.name,
            "count": len(alerts),
            "lines": lines,
            "more": max(0, len(alerts) - EMAIL_LINES_MAX),
            "alerts_url": base_url + reverse("supplychain:alert-list", urlconf=SUPPLIER_URLCONF),
        }
        subject = "".join(
            render_to_string("supplychain/email/low_stock_subject.txt", context).splitlines()
        )
        body = render_to_string("supplychain/email/low_stock_body.txt", context)
        mail = get_connection()
        mail.send_messages([EmailMessage(subject, body, None, [email]) for email in recipients])
    LowStockAlert.objects.filter(pk__in=[alert.pk for alert in alerts]).update(
        emailed_at=timezone.now()
    )
    return len(recipients)
