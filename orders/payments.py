"""Payments of buyer orders (dealer schema): online through a gateway, bank transfer with a
proof the dealer confirms, and pay on account (settled outside the platform).

The gateway is chosen by ``settings.PAYMENT_GATEWAY`` (a dotted path; default the sandbox).
A gateway turns a pending ``Payment`` into a page where the buyer pays (``start``) and records
the outcome the bank reports (``complete``). The sandbox is a gateway of our own: its "bank"
is a page of this site (``shop:pay-sandbox``) with a Pay and a Fail button, so the whole
flow runs and is tested without a contract with a bank.

Locks: the order row first, then its payment (the lock order of ``orders.workflow``). Every
completion is idempotent: the same outcome reported twice changes nothing the second time.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from orders.models import (
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentRecordStatus,
    PaymentStatus,
)
from orders.workflow.common import WorkflowError
from tenants.validators import document_inspect

DEFAULT_GATEWAY = "orders.payments.SandboxGateway"
PROOF_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


class PaymentError(WorkflowError):
    """A payment step that cannot be taken; ``str()`` is for the user."""


def _order_locked(order_id: int) -> Order:
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise PaymentError(_("This order does not exist."))
    return order


def _payable_check(order: Order, method: str) -> None:
    if order.status == OrderStatus.CANCELLED:
        raise PaymentError(
            _("Order %(number)s was cancelled and cannot be paid.") % {"number": order.number}
        )
    if order.payment_status == PaymentStatus.PAID:
        raise PaymentError(_("Order %(number)s is paid already.") % {"number": order.number})
    if order.payment_method != method:
        raise PaymentError(
            _("Order %(number)s is paid by %(method)s.")
            % {"number": order.number, "method": order.get_payment_method_display()}
        )


def _mark_paid(order: Order) -> None:
    if order.payment_status != PaymentStatus.PAID:
        order.payment_status = PaymentStatus.PAID
        order.updated_at = timezone.now()
        order.save(update_fields=["payment_status", "updated_at"])


# --- Gateways ------------------------------------------------------------------------------------


class PaymentGateway:
    """What a payment gateway does for us. ``name`` is stored in ``Payment.gateway``."""

    name = ""

    def start(self, payment: Payment) -> str:
        """The URL (path) where the buyer pays ``payment`` (pending, saved)."""
        raise NotImplementedError

    def complete(self, reference: str, outcome: str) -> Payment:
        """Record what the gateway reported for ``reference`` ("succeeded" or "failed")."""
        raise NotImplementedError


class SandboxGateway(PaymentGateway):
    """A test bank on this site: ``shop:pay-sandbox`` shows the amount and records the
    buyer's choice. Real payments are recorded (Payment rows, the order's payment status)."""

    name = "sandbox"

    def start(self, payment: Payment) -> str:
        return reverse(
            "shop:pay-sandbox",
            urlconf="platform_site.urls_dealer",
            kwargs={"reference": payment.reference},
        )

    def complete(self, reference: str, outcome: str) -> Payment:
        return payment_complete(gateway=self.name, reference=reference, outcome=outcome)


def gateway_get() -> PaymentGateway:
    return import_string(getattr(settings, "PAYMENT_GATEWAY", DEFAULT_GATEWAY))()


# --- Services ------------------------------------------------------------------------------------


@transaction.atomic
def payment_online_start(*, order_id: int, company_id: int) -> tuple[Payment, str]:
    """A pending online payment of the whole order (the same one again while it is pending:
    a double click starts one payment) and the gateway URL where the buyer pays it."""
    gateway = gateway_get()
    order = _order_locked(order_id)
    if order.company_id != company_id:
        raise Order.DoesNotExist
    _payable_check(order, PaymentMethod.ONLINE)
    payment = Payment.objects.filter(
        order=order,
        method=PaymentMethod.ONLINE,
        gateway=gateway.name,
        status=PaymentRecordStatus.PENDING,
    ).first()
    if payment is None:
        payment = Payment.objects.create(
            order=order,
            method=PaymentMethod.ONLINE,
            amount=order.total - order.refunded_total,
            gateway=gateway.name,
            reference=uuid.uuid4().hex,
        )
    return payment, gateway.start(payment)


@transaction.atomic
def payment_complete(*, gateway: str, reference: str, outcome: str) -> Payment:
    """The gateway's report: the pending payment ``reference`` succeeded or failed. A second
    report of a payment that is no longer pending changes nothing."""
    if outcome not in (PaymentRecordStatus.SUCCEEDED, PaymentRecordStatus.FAILED):
        raise PaymentError(_("Unknown payment outcome."))
    found = Payment.objects.filter(gateway=gateway, reference=reference).values("pk", "order_id")
    found = found.first()
    if found is None:
        raise Payment.DoesNotExist
    order = _order_locked(found["order_id"])
    payment = Payment.objects.select_for_update().get(pk=found["pk"])
    if payment.status != PaymentRecordStatus.PENDING:
        return payment
    payment.status = outcome
    payment.settled_at = timezone.now()
    payment.settled_by_label = gateway
    payment.save(update_fields=["status", "settled_at", "settled_by_label"])
    if outcome == PaymentRecordStatus.SUCCEEDED:
        _mark_paid(order)  # the money has arrived, whatever became of the order meanwhile
        from orders.notify import dealer_tell

        if order.status == OrderStatus.CANCELLED:
            # Paid at the gateway after the order was cancelled: the dealer owes it back.
            title = _("Order %(number)s was paid online after it was cancelled: refund ¥%(amount)s")
        else:
            title = _("Order %(number)s was paid online: ¥%(amount)s")
        dealer_tell(
            order,
            kind="order.paid",
            title=title % {"number": order.number, "amount": f"{payment.amount:,.2f}"},
        )
    return payment


def proof_check(upload) -> str:
    """Check a transfer proof by its content (PDF, JPEG or PNG, size limit); returns the
    file extension to store it under. Raises ``ValidationError``."""
    checked = document_inspect(upload)
    return PROOF_EXTENSIONS[checked.content_type]


@transaction.atomic
def payment_proof_submit(*, order_id: int, company_id: int, upload, actor) -> Payment:
    """The buyer's proof of a bank transfer: a pending payment of the order's total with the
    file; the order's payment becomes "proof submitted" until the dealer confirms it."""
    extension = proof_check(upload)
    order = _order_locked(order_id)
    if order.company_id != company_id:
        raise Order.DoesNotExist
    _payable_check(order, PaymentMethod.BANK_TRANSFER)
    upload.name = f"proof.{extension}"  # never the uploader's name
    payment = Payment(
        order=order,
        method=PaymentMethod.BANK_TRANSFER,
        amount=order.total - order.refunded_total,
        status=PaymentRecordStatus.PENDING,
    )
    payment.proof.save(upload.name, upload, save=False)
    payment.save(force_insert=True)
    if order.payment_status != PaymentStatus.PROOF_SUBMITTED:
        order.payment_status = PaymentStatus.PROOF_SUBMITTED
        order.updated_at = timezone.now()
        order.save(update_fields=["payment_status", "updated_at"])
    from orders.notify import dealer_tell

    dealer_tell(
        order,
        kind="order.payment_proof",
        title=_("Transfer proof for order %(number)s: check the bank account")
        % {"number": order.number},
        body=actor.get_full_name() if actor is not None else "",
    )
    return payment


def _payment_locked(payment_id: int) -> tuple[Order, Payment]:
    found = Payment.objects.filter(pk=payment_id).values("order_id").first()
    if found is None:
        raise PaymentError(_("This payment does not exist."))
    order = _order_locked(found["order_id"])
    return order, Payment.objects.select_for_update().get(pk=payment_id)


@transaction.atomic
def payment_confirm(*, payment_id: int, actor) -> Payment:
    """The dealer saw the money arrive: the payment succeeded, the order is paid. Confirming
    twice changes nothing; a failed (rejected) payment cannot be confirmed."""
    from orders.notify import buyer_tell

    order, payment = _payment_locked(payment_id)
    if payment.status == PaymentRecordStatus.SUCCEEDED:
        return payment
    if payment.status != PaymentRecordStatus.PENDING:
        raise PaymentError(_("This payment was rejected and cannot be confirmed."))
    payment.status = PaymentRecordStatus.SUCCEEDED
    payment.settled_at = timezone.now()
    payment.settled_by_label = actor.get_full_name() if actor is not None else ""
    payment.save(update_fields=["status", "settled_at", "settled_by_label"])
    _mark_paid(order)
    buyer_tell(
        order,
        kind="order.paid",
        title=_("Payment of order %(number)s received") % {"number": order.number},
    )
    return payment


@transaction.atomic
def payment_reject(*, payment_id: int, actor, reason: str = "") -> Payment:
    """The dealer did not find the transfer: the payment failed; the order is unpaid again
    (unless another proof still waits). Rejecting twice changes nothing."""
    from orders.notify import buyer_tell

    order, payment = _payment_locked(payment_id)
    if payment.status == PaymentRecordStatus.FAILED:
        return payment
    if payment.status != PaymentRecordStatus.PENDING:
        raise PaymentError(_("This payment was confirmed and cannot be rejected."))
    payment.status = PaymentRecordStatus.FAILED
    payment.settled_at = timezone.now()
    payment.settled_by_label = actor.get_full_name() if actor is not None else ""
    payment.save(update_fields=["status", "settled_at", "settled_by_label"])
    still_pending = (
        Payment.objects.filter(order=order, status=PaymentRecordStatus.PENDING)
        .exclude(proof="")
        .exists()
    )
    if order.payment_status == PaymentStatus.PROOF_SUBMITTED and not still_pending:
        order.payment_status = PaymentStatus.UNPAID
        order.updated_at = timezone.now()
        order.save(update_fields=["payment_status", "updated_at"])
    buyer_tell(
        order,
        kind="order.payment_rejected",
        title=_("The transfer for order %(number)s was not found") % {"number": order.number},
        body=(reason or "").strip(),
    )
    return payment
