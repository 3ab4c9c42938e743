"""Who hears about an order's moves: in-app notifications and emails.

Each function runs in the schema of the people it tells (the workflow switches first) and
writes in-app notifications in the caller's transaction; emails go out through Celery after
commit, with the tenant named explicitly (``order_email_task``). Links are paths on the
recipient's own domain.

Who is told:
* the supplier's owners and managers: a new order to confirm, after-sales requests to review;
* the dealer's owners and managers: every new order, rejections, after-sales requests;
* the buyer (in-app and, when they have an email address, by email): confirmation, rejection,
  shipment, cancellation, after-sales decisions.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import notification_send, notification_send_managers

DEALER_ORDER_PATH = "/backoffice/orders/{pk}/"
BUYER_ORDER_PATH = "/orders/{pk}/"
SUPPLIER_ORDER_PATH = "/orders/{pk}/"


def supplier_order_placed(supplier_order) -> None:
    """Supplier schema: a new order waits for confirmation."""
    notification_send_managers(
        kind="order.new",
        title=_("New order %(number)s from %(dealer)s")
        % {"number": supplier_order.number, "dealer": supplier_order.dealer_name},
        body=_("Confirm the stock and a ship date, or reject it."),
        link=SUPPLIER_ORDER_PATH.format(pk=supplier_order.pk),
    )


def order_placed(order, *, buyer=None) -> None:
    """Dealer schema: the dealer's managers hear of every new order; the buyer gets an email.
    ``buyer``: the order's buyer (User) when the caller has it at hand."""
    notification_send_managers(
        kind="order.new",
        title=_("New order %(number)s: ¥%(total)s")
        % {"number": order.number, "total": f"{order.total:,.2f}"},
        body=_("Awaiting your review before it goes to the suppliers.")
        if order.status == "review"
        else "",
        link=DEALER_ORDER_PATH.format(pk=order.pk),
    )
    buyer_tell(
        order,
        kind="order.placed",
        title=_("Order %(number)s received") % {"number": order.number},
        buyer=buyer,
    )


def buyer_tell(
    order, *, kind: str, title: str, body: str = "", email: bool = True, buyer=None
) -> None:
    """Dealer schema: tell the order's buyer in-app and, after commit, by email. ``buyer``:
    the order's buyer (User) when the caller has it at hand."""
    buyer_notify(
        user_id=order.buyer_id,
        order_id=order.pk,
        kind=kind,
        title=title,
        body=body,
        link=BUYER_ORDER_PATH.format(pk=order.pk),
        email=email,
        user=buyer,
    )


def buyer_notify(
    *,
    user_id: int,
    order_id: int,
    kind: str,
    title: str,
    link: str,
    body: str = "",
    email: bool = True,
    user=None,
) -> None:
    """Dealer schema: tell an active buyer in-app (``link``: the page it is about) and, after
    commit and when they have an email address, by email about order ``order_id``."""
    if user is None or user.pk != user_id:
        user = User.objects.filter(pk=user_id).first()
    if user is None or not user.is_active:
        return
    notification_send(recipients=[user], kind=kind, title=title, body=body, link=link)
    if email and user.email:
        tenant_id = connection.tenant.pk
        language = translation.get_language() or settings.LANGUAGE_CODE
        transaction.on_commit(
            lambda: order_email_task.delay(
                tenant_id=tenant_id,
                order_id=order_id,
                user_id=user_id,
                subject=str(title),
                body=str(body),
                language=language,
            ),
            robust=True,
        )


def dealer_tell(order, *, kind: str, title: str, body: str = "") -> None:
    """Dealer schema: tell the dealer's owners and managers about an order."""
    notification_send_managers(
        kind=kind, title=title, body=body, link=DEALER_ORDER_PATH.format(pk=order.pk)
    )


@shared_task(name="orders.order_email")
def order_email_task(
    *, tenant_id: int, order_id: int, user_id: int, subject: str, body: str, language: str
) -> bool:
    """Email a buyer about their order (safe to run twice: it only sends)."""
    from platform_site.celery import run_in_tenant

    return run_in_tenant(
        tenant_id,
        _order_email_send,
        order_id=order_id,
        user_id=user_id,
        subject=subject,
        body=body,
        language=language,
    )


def _order_email_send(*, order_id: int, user_id: int, subject: str, body: str, language: str):
    from orders.models import Order

    order = Order.objects.filter(pk=order_id).first()
    user = User.objects.filter(pk=user_id).first()
    if order is None or user is None or not user.email:
        return False
    tenant = connection.tenant
    with translation.override(language):
        text = render_to_string(
            "orders/email/order_update.txt",
            {
                "order": order,
                "user": user,
                "subject": subject,
                "body": body,
                "store": tenant.name,
                "link": tenant.base_url.rstrip("/") + BUYER_ORDER_PATH.format(pk=order.pk),
            },
        )
    send_mail(subject, text, None, [user.email])
    return True
