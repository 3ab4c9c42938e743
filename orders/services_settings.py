"""The dealer's order settings and shipping methods (dealer schema): every write, audited.

Rules (checked here, whatever form or API calls in):
* a shipping fee is never negative; "free from" is empty or not negative;
* automatic receipt after 1 to 60 days, the after-sales window 0 to 60 days.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit_record
from orders.models import OrderSettings, ShippingMethod
from suppliers.money import money_round

AUTO_RECEIPT_DAYS = (1, 60)
AFTERSALES_DAYS = (0, 60)
NAME_MAX = 100


def _shipping_check(*, name: str, base_fee, per_item_fee, free_over) -> dict:
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Give the shipping method a name.")
    elif len(name.strip()) > NAME_MAX:
        errors["name"] = _("Keep the name under %(max)s characters.") % {"max": NAME_MAX}
    for key, value in (("base_fee", base_fee), ("per_item_fee", per_item_fee)):
        if value is None or Decimal(value) < 0:
            errors[key] = _("Enter an amount of 0 or more.")
    if free_over is not None and Decimal(free_over) < 0:
        errors["free_over"] = _("Enter an amount of 0 or more, or leave it empty.")
    if errors:
        raise ValidationError(errors)
    return {
        "name": name.strip(),
        "base_fee": money_round(Decimal(base_fee)),
        "per_item_fee": money_round(Decimal(per_item_fee)),
        "free_over": money_round(Decimal(free_over)) if free_over is not None else None,
    }


@transaction.atomic
def shipping_method_create(
    *,
    actor,
    name: str,
    base_fee: Decimal,
    per_item_fee: Decimal = Decimal("0"),
    free_over: Decimal | None = None,
    is_active: bool = True,
    position: int = 0,
) -> ShippingMethod:
    values = _shipping_check(
        name=name, base_fee=base_fee, per_item_fee=per_item_fee, free_over=free_over
    )
    method = ShippingMethod.objects.create(**values, is_active=is_active, position=position)
    audit_record(
        actor=actor,
        action="orders.shipping_method.create",
        target=method,
        data={key: str(value) for key, value in values.items()},
    )
    return method


@transaction.atomic
def shipping_method_update(
    *,
    actor,
    method_id: int,
    name: str,
    base_fee: Decimal,
    per_item_fee: Decimal = Decimal("0"),
    free_over: Decimal | None = None,
    is_active: bool = True,
    position: int = 0,
) -> ShippingMethod:
    method = ShippingMethod.objects.select_for_update().get(pk=method_id)
    values = _shipping_check(
        name=name, base_fee=base_fee, per_item_fee=per_item_fee, free_over=free_over
    )
    values.update(is_active=is_active, position=position)
    changed = {
        key: [str(getattr(method, key)), str(value)]
        for key, value in values.items()
        if getattr(method, key) != value
    }
    if not changed:
        return method
    if not is_active and method.is_active:
        others = ShippingMethod.objects.filter(is_active=True).exclude(pk=method.pk)
        if not others.exists():
            raise ValidationError(
                {
                    "is_active": _(
                        "This is your only active shipping method: buyers could not check out "
                        "without it. Add another one first."
                    )
                }
            )
    for key, value in values.items():
        setattr(method, key, value)
    method.save(update_fields=list(values))
    audit_record(actor=actor, action="orders.shipping_method.update", target=method, data=changed)
    return method


@transaction.atomic
def order_settings_update(
    *,
    actor,
    review_orders: bool,
    auto_receipt_days: int,
    aftersales_days: int,
    bank_account: str,
) -> OrderSettings:
    errors = {}
    low, high = AUTO_RECEIPT_DAYS
    if auto_receipt_days is None or not low <= auto_receipt_days <= high:
        errors["auto_receipt_days"] = _("Enter a number of days from %(low)s to %(high)s.") % {
            "low": low,
            "high": high,
        }
    low, high = AFTERSALES_DAYS
    if aftersales_days is None or not low <= aftersales_days <= high:
        errors["aftersales_days"] = _("Enter a number of days from %(low)s to %(high)s.") % {
            "low": low,
            "high": high,
        }
    if len(bank_account or "") > 1000:
        errors["bank_account"] = _("Keep the bank details under %(max)s characters.") % {
            "max": 1000
        }
    if errors:
        raise ValidationError(errors)
    OrderSettings.current()
    settings = OrderSettings.objects.select_for_update().get(singleton=1)
    values = {
        "review_orders": bool(review_orders),
        "auto_receipt_days": auto_receipt_days,
        "aftersales_days": aftersales_days,
        "bank_account": (bank_account or "").strip(),
    }
    changed = {
        key: [str(getattr(settings, key)), str(value)]
        for key, value in values.items()
        if getattr(settings, key) != value
    }
    if not changed:
        return settings
    for key, value in values.items():
        setattr(settings, key, value)
    settings.updated_at = timezone.now()
    settings.save(update_fields=[*values, "updated_at"])
    audit_record(actor=actor, action="orders.settings.update", target=settings, data=changed)
    return settings
