"""What the dealer's people hear when a supplier confirms, rejects or ships (dealer schema).

Called by orders.workflow.fulfilment inside its transaction, with the dealer's tenant active.
The telling itself is orders.notify's: in-app notifications to the dealer's owners and
managers and to the buyer of the order, and (shipping) an email to the buyer, sent by Celery
after commit when the buyer has an email address.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from orders.notify import buyer_tell, dealer_tell

KIND_CONFIRMED = "order.confirmed"
KIND_REJECTED = "order.rejected"
KIND_SHIPPED = "order.shipped"


def _send(order, *, kind: str, title: str, body: str, email: bool = False) -> None:
    dealer_tell(order, kind=kind, title=title, body=body)
    buyer_tell(order, kind=kind, title=title, body=body, email=email)


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
    body = "\n\n".join(
        [
            _("%(supplier)s sent a parcel of your order.") % {"supplier": supplier_name},
            _("Carrier: %(carrier)s\nTracking number: %(tracking)s")
            % {"carrier": carrier_name, "tracking": tracking_number},
        ]
    )
    _send(order, kind=KIND_SHIPPED, title=title, body=body, email=True)
