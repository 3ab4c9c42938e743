"""Payments: the sandbox gateway (paid, failed, twice), bank transfer proofs and their files,
and the dealer's confirmation or rejection of a transfer."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Role
from orders import payments
from orders.models import (
    Order,
    OrderSettings,
    Payment,
    PaymentMethod,
    PaymentRecordStatus,
    PaymentStatus,
)
from tests.builders import PDF_BYTES, buyer_make, image_bytes, upload
from tests.orders.builders import order_build
from tests.orders.shop_helpers import buyer_client, client_for

_ = (buyer_client,)  # fixture


def _order(dealer, shop, buyer, method=PaymentMethod.ONLINE) -> Order:
    return order_build(dealer, buyer, [(shop["acme"][0], 1)], payment_method=method)


def _payments(dealer, order) -> list[Payment]:
    with tenant_context(dealer):
        return list(Payment.objects.filter(order=order).order_by("pk"))


def _reload(dealer, order) -> Order:
    with tenant_context(dealer):
        return Order.objects.get(pk=order.pk)


def test_sandbox_payment_that_succeeds_marks_the_order_paid_once(dealer, shop, buyer, buyer_client):
    order = _order(dealer, shop, buyer)
    start = buyer_client.post(f"/orders/{order.pk}/pay/")
    assert start.status_code == 302 and start["Location"].startswith("/pay/sandbox/")
    again = buyer_client.post(f"/orders/{order.pk}/pay/")  # a double click: the same payment
    assert again["Location"] == start["Location"]
    [payment] = _payments(dealer, order)
    assert (payment.status, payment.gateway, payment.amount) == ("pending", "sandbox", order.total)

    bank = buyer_client.get(start["Location"]).content.decode()
    assert "¥2,012.00" in bank and payment.reference in bank
    paid = buyer_client.post(start["Location"], {"outcome": "succeeded"})
    assert paid["Location"] == f"/orders/{order.pk}/"
    assert _reload(dealer, order).payment_status == PaymentStatus.PAID
    [payment] = _payments(dealer, order)
    assert payment.status == PaymentRecordStatus.SUCCEEDED and payment.settled_at

    # The bank reports it again (or the buyer resubmits): nothing changes.
    buyer_client.post(start["Location"], {"outcome": "failed"})
    with tenant_context(dealer):
        twice = payments.SandboxGateway().complete(payment.reference, "succeeded")
    assert twice.settled_at == payment.settled_at
    assert [p.status for p in _payments(dealer, order)] == ["succeeded"]
    page = buyer_client.get(f"/orders/{order.pk}/").content.decode()
    assert "Pay ¥" not in page
    assert buyer_client.post(f"/orders/{order.pk}/pay/").status_code == 302
    assert len(_payments(dealer, order)) == 1  # paid orders start no new payment


def test_a_failed_sandbox_payment_leaves_the_order_unpaid_and_can_be_retried(
    dealer, shop, buyer, buyer_client
):
    order = _order(dealer, shop, buyer)
    start = buyer_client.post(f"/orders/{order.pk}/pay/")
    response = buyer_client.post(start["Location"], {"outcome": "failed"}, follow=True)
    assert "The payment failed" in response.content.decode()
    assert _reload(dealer, order).payment_status == PaymentStatus.UNPAID
    retry = buyer_client.post(f"/orders/{order.pk}/pay/")
    assert retry["Location"] != start["Location"]
    assert [p.status for p in _payments(dealer, order)] == ["failed", "pending"]


def test_another_companys_buyer_cannot_open_or_complete_a_payment(
    dealer, shop, buyer, buyer_client, host_client
):
    order = _order(dealer, shop, buyer)
    start = buyer_client.post(f"/orders/{order.pk}/pay/")
    stranger = client_for(dealer, buyer_make(dealer, email="x@other.test"), host_client)
    assert stranger.get(start["Location"]).status_code == 404
    assert stranger.post(start["Location"], {"outcome": "succeeded"}).status_code == 404
    assert stranger.post(f"/orders/{order.pk}/pay/").status_code == 404
    assert _reload(dealer, order).payment_status == PaymentStatus.UNPAID


def test_bank_transfer_proof_is_stored_and_shown_with_the_bank_details(
    dealer, shop, buyer, buyer_client
):
    with tenant_context(dealer):
        settings_row = OrderSettings.current()
        settings_row.bank_account = "德尔塔商贸 招商银行 6225 0000 1111"
        settings_row.save()
    order = _order(dealer, shop, buyer, PaymentMethod.BANK_TRANSFER)
    page = buyer_client.get(f"/orders/{order.pk}/proof/").content.decode()
    assert "招商银行 6225 0000 1111" in page and "¥2,012.00" in page
    response = buyer_client.post(
        f"/orders/{order.pk}/proof/", {"proof": upload("receipt.pdf", image_bytes("PNG"))}
    )
    assert response.status_code == 302
    [payment] = _payments(dealer, order)
    assert payment.status == "pending" and payment.method == "bank_transfer"
    assert payment.proof.name.endswith(".png")  # judged by content, not by its name
    assert _reload(dealer, order).payment_status == PaymentStatus.PROOF_SUBMITTED

    file = buyer_client.get(f"/pay/proofs/{payment.pk}/")
    assert file.status_code == 200 and file["Content-Type"] == "image/png"
    assert file.content == image_bytes("PNG")


def test_a_proof_that_is_not_a_pdf_or_image_is_refused(dealer, shop, buyer, buyer_client):
    order = _order(dealer, shop, buyer, PaymentMethod.BANK_TRANSFER)
    response = buyer_client.post(
        f"/orders/{order.pk}/proof/",
        {"proof": upload("receipt.png", b"<html>not a picture</html>", "image/png")},
    )
    assert response.status_code == 400
    assert "is not a PDF, JPEG or PNG file" in response.content.decode()
    assert _payments(dealer, order) == []
    assert _reload(dealer, order).payment_status == PaymentStatus.UNPAID


def test_proof_files_are_for_the_company_and_the_dealers_staff_only(
    dealer, dealer_b, shop, buyer, buyer_client, host_client, tenant_user
):
    order = _order(dealer, shop, buyer, PaymentMethod.BANK_TRANSFER)
    buyer_client.post(f"/orders/{order.pk}/proof/", {"proof": upload("r.pdf", PDF_BYTES)})
    [payment] = _payments(dealer, order)
    path = f"/pay/proofs/{payment.pk}/"
    staff = tenant_user(dealer, email="cashier@delta.test", role=Role.STAFF)
    assert client_for(dealer, staff, host_client).get(path)["Content-Type"] == "application/pdf"
    stranger = client_for(dealer, buyer_make(dealer, email="y@other.test"), host_client)
    assert stranger.get(path).status_code == 404
    assert host_client(dealer).get(path).status_code == 302  # sign in first
    omega_owner = tenant_user(dealer_b, email="boss@omega.test", role=Role.OWNER)
    assert client_for(dealer_b, omega_owner, host_client).get(path).status_code == 404


def test_the_dealer_confirms_or_rejects_a_transfer(dealer, shop, buyer, buyer_client, tenant_user):
    order = _order(dealer, shop, buyer, PaymentMethod.BANK_TRANSFER)
    buyer_client.post(f"/orders/{order.pk}/proof/", {"proof": upload("r.pdf", PDF_BYTES)})
    buyer_client.post(f"/orders/{order.pk}/proof/", {"proof": upload("r2.pdf", PDF_BYTES)})
    first, second = _payments(dealer, order)
    cashier = tenant_user(dealer, email="cashier@delta.test", role=Role.MANAGER)
    with tenant_context(dealer):
        payments.payment_reject(payment_id=first.pk, actor=cashier, reason="not found")
        # another proof still waits: the order stays "proof submitted"
        assert Order.objects.get(pk=order.pk).payment_status == PaymentStatus.PROOF_SUBMITTED
        confirmed = payments.payment_confirm(payment_id=second.pk, actor=cashier)
        assert confirmed.status == "succeeded"
        assert Order.objects.get(pk=order.pk).payment_status == PaymentStatus.PAID
        assert payments.payment_confirm(payment_id=second.pk, actor=cashier).pk == second.pk
        with pytest.raises(payments.PaymentError):
            payments.payment_confirm(payment_id=first.pk, actor=cashier)
    # Paid: no more proofs.
    late = buyer_client.post(f"/orders/{order.pk}/proof/", {"proof": upload("r3.pdf", PDF_BYTES)})
    assert late.status_code == 400 and "is paid already" in late.content.decode()


def test_a_rejected_only_proof_makes_the_order_unpaid_again(dealer, shop, buyer, buyer_client):
    order = _order(dealer, shop, buyer, PaymentMethod.BANK_TRANSFER)
    buyer_client.post(f"/orders/{order.pk}/proof/", {"proof": upload("r.pdf", PDF_BYTES)})
    [payment] = _payments(dealer, order)
    with tenant_context(dealer):
        payments.payment_reject(payment_id=payment.pk, actor=None)
        assert Order.objects.get(pk=order.pk).payment_status == PaymentStatus.UNPAID


def test_a_payment_arriving_after_the_order_was_cancelled_asks_the_dealer_to_refund(
    dealer, shop, buyer, buyer_client
):
    from django.utils import translation

    from accounts.models import Notification
    from orders.workflow.lifecycle import order_cancel

    order = _order(dealer, shop, buyer)
    start = buyer_client.post(f"/orders/{order.pk}/pay/")
    [payment] = _payments(dealer, order)
    with tenant_context(dealer):
        order_cancel(order_id=order.pk, actor=buyer, reason="changed my mind", by="buyer")
        with translation.override("en"):
            payments.SandboxGateway().complete(payment.reference, "succeeded")  # the bank, late
        told = list(Notification.objects.filter(kind="order.paid").values_list("title", flat=True))
    assert start.status_code == 302
    assert told and all("after it was cancelled: refund ¥2,012.00" in title for title in told)
    assert _reload(dealer, order).payment_status == PaymentStatus.PAID  # the money is there
