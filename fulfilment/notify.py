"""What the dealer's people hear when a supplier confirms, rejects or ships (dealer schema).

Called by orders.workflow.fulfilment inside its transaction, with the dealer's tenant active:
in-app notifications to the dealer's owners and managers and to the buyer who placed the
order, and (shipping) an email to the buyer after commit when the buyer has an email address.
"""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.notifications import notification_send

DEALER_URLCONF = "platform_site.urls_dealer"
KIND_CONFIRMED = "order.confirmed"
KIND_REJECTED = "order.rejected"
KIND_SHIPPED = "order.shipped"


def _link(name: str, pk: int) -> str:
    """A page of the dealer's domain, or "" while that page does not exist."""
    try:
        return reverse(name, urlconf=DEALER_URLCONF, kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


def _send(order, *, kind: str, title: str, body: str) -> None:
    staff = list(
        User.objects.filter(role__in=(Role.OWNER, Role.MANAGER), is_active=True).order_by("pk")
    )
    notification_send(
        recipients=staff,
        kind=kind,
        title=title,
        body=body,
        link=_link("dealer-orders:order-detail", order.pk),
    )
    buyer = User.objects.filter(pk=order.buyer_id, is_active=True).first()
    if buyer is not None:
        notification_send(
            recipients=[buyer],
            kind=kind,
            title=title,
            body=body,
            link=_link("shop:order-detail", order.pk),
        )


def split_confirmed(order, *, supplier_name: str, promised_ship_date) -> None:
    _send(
        order,
        kind=KIND_CONFIRMED,
        title=_("Order %(number)s confirmed by %(supplier)s")
        % {"number": order.number, "supplier": supplier_name},
        body=_("Expected to ship by %(date)s.") % {"date": promised_ship_date.isoformat()},
    )


def split_rejected(order, *, supplier_name: str, reason: str) -> None:
    _send(
        order,
        kind=KIND_REJECTED,
        title=_("%(supplier)s cannot supply part of order %(number)s")
        % {"number": order.number, "supplier": supplier_name},
        body=_("Those items are cancelled. Reason: %(reason)s") % {"reason": reason},
    )


def split_shipped(order, *, supplier_name: str, carrier_name: str, tracking_number: str) -> None:
    title = _("Order %(number)s shipped: %(carrier)s %(tracking)s") % {
        "number": order.number,
        "carrier": carrier_name,
        "tracking": tracking_number,
    }
    body = _("%(supplier)s sent a parcel of your order.") % {"supplier": supplier_name}
    _send(order, kind=KIND_SHIPPED, title=title, body=body)
    email = User.objects.filter(pk=order.buyer_id, is_active=True).values_list("email", flat=True)
    address = next(iter(email), None)
    if address:
        text = "\n\n".join(
            [
                body,
                _("Carrier: %(carrier)s\nTracking number: %(tracking)s")
                % {"carrier": carrier_name, "tracking": tracking_number},
            ]
        )
        transaction.on_commit(lambda: send_mail(title, text, None, [address]), robust=True)
