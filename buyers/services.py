"""Every write of buyer accounts (dealer schema): registration, verification, profile, address
book, and the payment terms the dealer grants a company.

All of it acts on the active (dealer) schema; nothing here switches schemas. Verification:

* email: a link with a signed, expiring token (``TimestampSigner``, a salt per purpose and
  schema, so a link made at one dealer means nothing at another) sets ``email_verified_at``;
* mobile: a 6-digit code sent through ``buyers.sms`` and stored as an HMAC in
  ``VerificationCode`` (10 minutes, 5 attempts) sets ``mobile_verified_at``;
* a new link or code at most once per ``RESEND_SECONDS`` per user (the cache key carries the
  tenant's schema through ``django_tenants.cache.make_key``).

Unverified buyers may sign in and browse; ``buyers.selectors.buyer_can_order`` says whether
they may order.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import audit_record
from buyers.models import (
    Address,
    Buyer,
    BuyerCompany,
    BuyerRole,
    VerificationCode,
    VerificationPurpose,
)
from buyers.phone import mobile_normalise
from buyers.sms import sms_send
from network.referral import buyer_signup_record
from suppliers.money import money_round

EMAIL_TOKEN_MAX_AGE = 3 * 24 * 3600
CODE_VALID_FOR = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
RESEND_SECONDS = 60


class VerificationError(Exception):
    """A verification link or code that does not verify anything; the message says why."""


class ResendTooSoonError(Exception):
    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


def _organisation() -> str:
    tenant = getattr(connection, "tenant", None)
    return getattr(tenant, "name", "") or _("the S2B2B platform")


# --- Registration --------------------------------------------------------------------------------


def _duplicate_errors(*, email: str, phone: str) -> dict[str, str]:
    errors = {}
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = _(
            "An account with this email address already exists. Sign in, or reset your password."
        )
    if phone and User.objects.filter(role=Role.BUYER, phone=phone).exists():
        errors["phone"] = _("An account with this mobile number already exists. Please sign in.")
    return errors


@transaction.atomic
def buyer_register(
    *,
    company_name: str,
    tax_number: str,
    email: str,
    phone: str,
    password: str,
    full_name: str,
    base_url: str,
    referral_code: str = "",
) -> Buyer:
    """Open a buyer company with its first user (company administrator).

    Every registration at a dealer records a ``settlement.BuyerSignup`` in the same
    transaction, attributed to the owner of ``referral_code`` when that code is this dealer's
    or a sub-dealer's (``network.referral``); any other code is ignored, never an error.

    Either an email address or a mobile number is needed (both are allowed); each is sent
    its verification after commit. Raises ``ValidationError`` (a dict by field) for a missing
    contact, a weak password or an email/mobile number already in use; nothing is written then.
    """
    email = (email or "").strip().lower()
    raw_phone = (phone or "").strip()
    phone = mobile_normalise(raw_phone)
    company_name, full_name = company_name.strip(), full_name.strip()
    tax_number = (tax_number or "").strip().upper()
    if raw_phone and not phone:
        raise ValidationError({"phone": _("Enter a valid mainland China mobile number.")})
    if not email and not phone:
        raise ValidationError({"email": _("Enter an email address or a mobile number.")})
    if not company_name:
        raise ValidationError({"company_name": _("Enter your company name.")})
    candidate = User(email=email or None, phone=phone, full_name=full_name, role=Role.BUYER)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    errors = _duplicate_errors(email=email, phone=phone)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():  # a savepoint: the same email or number registered twice
            company = BuyerCompany.objects.create(name=company_name, tax_number=tax_number)
            user = User.objects.create_user(
                email=email or None,
                phone=phone,
                password=password,
                full_name=full_name,
                role=Role.BUYER,
            )
            buyer = Buyer.objects.create(user=user, company=company, role=BuyerRole.ADMIN)
    except IntegrityError:
        raise ValidationError(
            _duplicate_errors(email=email, phone=phone)
            or {"email": _("This account could not be created. Please try again.")}
        ) from None
    tenant = getattr(connection, "tenant", None)
    if getattr(tenant, "type", None) == "dealer":
        buyer_signup_record(dealer_id=tenant.pk, buyer_company_id=company.pk, code=referral_code)
    audit_record(
        actor=user,
        action="buyer.register",
        target=company,
        data={"company": company.name, "email": email, "phone": phone},
    )
    if email:
        _email_verification_queue(buyer=buyer, base_url=base_url)
    if phone:
        _mobile_code_create(buyer=buyer)
    return buyer


# --- Email verification --------------------------------------------------------------------------


def _email_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"buyers.verify-email:{connection.schema_name}")


def email_verification_token(*, user: User) -> str:
    return _email_signer().sign_object({"u": user.pk, "e": user.email})


def _email_verification_queue(*, buyer: Buyer, base_url: str) -> None:
    user = buyer.user
    token = email_verification_token(user=user)
    context = {
        "organisation": _organisation(),
        "user": user,
        "company": buyer.company,
        "link": base_url.rstrip("/") + reverse("buyers:verify-email", args=[token]),
        "hours": EMAIL_TOKEN_MAX_AGE // 3600,
    }
    subject = "".join(
        render_to_string("buyers/email/verify_email_subject.txt", context).splitlines()
    )
    body = render_to_string("buyers/email/verify_email_body.txt", context)
    address = user.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [address]))


@transaction.atomic
def email_verify(*, token: str) -> Buyer:
    """Mark the email address of the token's buyer verified (again: no change)."""
    try:
        data = _email_signer().unsign_object(token, max_age=EMAIL_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise VerificationError(
            _("This verification link has expired. Sign in and ask for a new one.")
        ) from None
    except signing.BadSignature:
        raise VerificationError(_("This verification link is not valid.")) from None
    buyer = (
        Buyer.objects.select_for_update()
        .select_related("user", "company")
        .filter(user_id=data.get("u"))
        .first()
    )
    if buyer is None or not buyer.user.email or buyer.user.email != data.get("e"):
        raise VerificationError(_("This verification link is not valid."))
    if buyer.email_verified_at is None:
        buyer.email_verified_at = timezone.now()
        buyer.save(update_fields=["email_verified_at"])
        audit_record(
            actor=buyer.user,
            action="buyer.email_verified",
            target=buyer.user,
            data={"email": buyer.user.email},
        )
    return buyer


# --- Mobile verification -------------------------------------------------------------------------


def _code_hash(*, user_id: int, code: str) -> str:
    return salted_hmac(
        "buyers.verification-code", f"{connection.schema_name}:{user_id}:{code}"
    ).hexdigest()


def _mobile_code_create(*, buyer: Buyer) -> VerificationCode:
    """A new code for the buyer's mobile number (earlier codes stop working), texted after
    commit."""
    user = buyer.user
    now = timezone.now()
    VerificationCode.objects.filter(
        user=user, purpose=VerificationPurpose.MOBILE, used_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = VerificationCode.objects.create(
        user=user,
        purpose=VerificationPurpose.MOBILE,
        code_hash=_code_hash(user_id=user.pk, code=code),
        created_at=now,
        expires_at=now + CODE_VALID_FOR,
    )
    message = _(
        "[%(organisation)s] Your verification code is %(code)s. It is valid for %(minutes)d "
        "minutes."
    ) % {
        "organisation": _organisation(),
        "code": code,
        "minutes": int(CODE_VALID_FOR.total_seconds() // 60),
    }
    phone = user.phone
    transaction.on_commit(lambda: sms_send(phone=phone, message=message))
    return row


def mobile_code_verify(*, buyer: Buyer, code: str) -> Buyer:
    """Check a code typed by the buyer; sets ``mobile_verified_at`` when it is right.

    A wrong code counts an attempt (committed even though ``VerificationError`` is raised);
    after ``CODE_MAX_ATTEMPTS`` wrong ones, or ``CODE_VALID_FOR`` after it was sent, the code
    no longer works and a new one must be requested.
    """
    code = (code or "").strip()
    error = None
    with transaction.atomic():
        locked = Buyer.objects.select_for_update().select_related("user").get(pk=buyer.pk)
        if locked.mobile_verified_at is not None:
            return locked
        now = timezone.now()
        row = (
            VerificationCode.objects.select_for_update()
            .filter(
                user_id=locked.user_id, purpose=VerificationPurpose.MOBILE, used_at__isnull=True
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None:
            error = _("There is no code waiting to be entered. Ask for a new code.")
        elif row.expires_at <= now:
            error = _("This code has expired. Ask for a new code.")
        elif row.attempts >= CODE_MAX_ATTEMPTS:
            error = _("Too many wrong codes. Ask for a new code.")
        elif not constant_time_compare(
            row.code_hash, _code_hash(user_id=locked.user_id, code=code)
        ):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = CODE_MAX_ATTEMPTS - row.attempts
            if left:
                error = _("The code is not right. Attempts left: %(left)d.") % {"left": left}
            else:
                error = _("Too many wrong codes. Ask for a new code.")
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            locked.mobile_verified_at = now
            locked.save(update_fields=["mobile_verified_at"])
            audit_record(
                actor=locked.user,
                action="buyer.mobile_verified",
                target=locked.user,
                data={"phone": locked.user.phone},
                actor_label=locked.user.login_name,
            )
    if error:
        raise VerificationError(error)
    return locked


# --- Resending -----------------------------------------------------------------------------------


def verification_resend(*, buyer: Buyer, channel: str, base_url: str) -> None:
    """Send a new email link (``channel`` "email") or SMS code ("mobile"), at most one per
    ``RESEND_SECONDS`` per user; raises ``ResendTooSoonError`` otherwise and
    ``VerificationError`` when there is nothing of that kind to verify."""
    user = buyer.user
    if channel == "email":
        if not user.email or buyer.email_verified_at is not None:
            raise VerificationError(_("Your email address needs no verification."))
    elif channel == "mobile":
        if not user.phone or buyer.mobile_verified_at is not None:
            raise VerificationError(_("Your mobile number needs no verification."))
    else:
        raise VerificationError(_("Unknown verification method."))
    key = f"buyers:verification-resend:{user.pk}"
    if not cache.add(key, timezone.now().timestamp(), timeout=RESEND_SECONDS):
        sent_at = cache.get(key) or timezone.now().timestamp()
        wait = max(1, int(RESEND_SECONDS - (timezone.now().timestamp() - sent_at)))
        raise ResendTooSoonError(wait)
    try:
        with transaction.atomic():
            if channel == "email":
                _email_verification_queue(buyer=buyer, base_url=base_url)
            else:
                _mobile_code_create(buyer=buyer)
    except Exception:
        cache.delete(key)
        raise


# --- Profile -------------------------------------------------------------------------------------


@transaction.atomic
def buyer_profile_update(
    *, buyer: Buyer, full_name: str, company_name: str | None = None, tax_number: str | None = None
) -> Buyer:
    """The buyer's own name; the company's name and tax number only for its administrators."""
    user, changes = buyer.user, {}
    full_name = full_name.strip()
    if user.full_name != full_name:
        changes["full_name"] = {"from": user.full_name, "to": full_name}
        user.full_name = full_name
        user.save(update_fields=["full_name"])
    if company_name is not None or tax_number is not None:
        if buyer.role != BuyerRole.ADMIN:
            raise PermissionDenied(_("Only an administrator of your company may change it."))
        company = BuyerCompany.objects.select_for_update().get(pk=buyer.company_id)
        fields = []
        for field, value in (("name", company_name), ("tax_number", tax_number)):
            if value is None:
                continue
            value = value.strip().upper() if field == "tax_number" else value.strip()
            if getattr(company, field) != value:
                changes[f"company.{field}"] = {"from": getattr(company, field), "to": value}
                setattr(company, field, value)
                fields.append(field)
        if fields:
            company.save(update_fields=fields)
        buyer.company = company
    if changes:
        audit_record(
            actor=user,
            action="buyer.profile_update",
            target=buyer.company,
            data=changes,
            actor_label=user.login_name,
        )
    return buyer


# --- Address book --------------------------------------------------------------------------------

ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "district", "street", "postcode")


def _company_locked(company_id: int) -> BuyerCompany:
    """Lock the company row: every change of which address is the default goes through it,
    so two requests cannot both leave a default (or none)."""
    return BuyerCompany.objects.select_for_update().get(pk=company_id)


@transaction.atomic
def address_create(*, buyer: Buyer, make_default: bool = False, **fields) -> Address:
    """Add an address to the company's book; the first one, or ``make_default``, becomes the
    default."""
    company = _company_locked(buyer.company_id)
    data = {name: (fields.get(name) or "").strip() for name in ADDRESS_FIELDS}
    has_default = Address.objects.filter(company=company, is_default=True).exists()
    if make_default and has_default:
        Address.objects.filter(company=company, is_default=True).update(is_default=False)
    return Address.objects.create(
        company=company, is_default=make_default or not has_default, **data
    )


@transaction.atomic
def address_update(
    *, buyer: Buyer, address_id: int, make_default: bool = False, **fields
) -> Address:
    company = _company_locked(buyer.company_id)
    address = Address.objects.get(company=company, pk=address_id)
    for name in ADDRESS_FIELDS:
        if name in fields:
            setattr(address, name, (fields[name] or "").strip())
    address.save(update_fields=list(ADDRESS_FIELDS))
    if make_default and not address.is_default:
        address = _default_set(company=company, address=address)
    return address


def _default_set(*, company: BuyerCompany, address: Address) -> Address:
    Address.objects.filter(company=company, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )
    Address.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


@transaction.atomic
def address_default_set(*, buyer: Buyer, address_id: int) -> Address:
    """Make one address the default; the previous default stops being one."""
    company = _company_locked(buyer.company_id)
    address = Address.objects.get(company=company, pk=address_id)
    if address.is_default:
        return address
    return _default_set(company=company, address=address)


@transaction.atomic
def address_delete(*, buyer: Buyer, address_id: int) -> None:
    """Remove an address; when it was the default, the newest remaining one becomes default."""
    company = _company_locked(buyer.company_id)
    address = Address.objects.filter(company=company, pk=address_id).first()
    if address is None:
        raise Address.DoesNotExist
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(company=company).order_by("-created_at", "-id").first()
        if successor is not None:
            _default_set(company=company, address=successor)


# --- Dealer backoffice: payment terms ------------------------------------------------------------


@transaction.atomic
def company_terms_update(
    *,
    actor: User,
    company_id: int,
    on_account: bool,
    credit_limit: Decimal,
    payment_terms_days: int,
) -> BuyerCompany:
    """Grant or revoke payment on account, with its credit limit and terms (managers and up)."""
    if not actor.has_role(Role.MANAGER):
        raise PermissionDenied(_("Only a manager or an owner may change payment terms."))
    credit_limit = money_round(Decimal(credit_limit))
    if credit_limit < 0:
        raise ValidationError({"credit_limit": _("The credit limit cannot be negative.")})
    if payment_terms_days < 0:
        raise ValidationError({"payment_terms_days": _("Payment terms cannot be negative.")})
    company = _company_locked(company_id)
    changes = {}
    for field, value in (
        ("on_account", bool(on_account)),
        ("credit_limit", credit_limit),
        ("payment_terms_days", int(payment_terms_days)),
    ):
        current = getattr(company, field)
        if current != value:
            changes[field] = {"from": str(current), "to": str(value)}
            setattr(company, field, value)
    if changes:
        company.save(update_fields=list(changes))
        audit_record(actor=actor, action="buyer.terms_update", target=company, data=changes)
    return company
