"""Writes of the channel network (public schema): a supplier's authorisation rule and exclusive
regions, a dealer's place in the hierarchy.

Every write is one transaction with its audit row (in the active schema's audit log: the
supplier's for its rules; the platform's for the admin). Offers of a supplier whose rule or
exclusive regions change get a new version, so dealers' storefront caches see the change.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record
from catalog.models import DealerAuthorisation
from network.models import (
    AuthorisationMode,
    AuthorisationRule,
    DealerLevel,
    DealerProfile,
    ExclusiveRegion,
    RuleRegion,
)
from tenants.models import Tenant, TenantStatus, TenantType


class NetworkError(Exception):
    """The change is refused; the message is for the person who asked for it."""


def region_label(province: str, city: str) -> str:
    return f"{province} {city}".strip() if city else province


def _supplier_locked(supplier: Tenant) -> Tenant:
    """The supplier's tenant row, locked: its network changes happen one at a time."""
    return Tenant.objects.select_for_update().get(pk=supplier.pk, type=TenantType.SUPPLIER)


# --- A supplier's rule ------------------------------------------------------------------------------


@transaction.atomic
def authorisation_rule_update(
    *,
    actor: User | None,
    supplier: Tenant,
    mode: str,
    level_ids: Iterable[int] = (),
    regions: Iterable[tuple[str, str]] = (),
) -> AuthorisationRule:
    """Set which dealers the supplier admits. ``levels`` needs at least one level, ``regions``
    at least one region (province, city or "" for the whole province)."""
    if mode not in AuthorisationMode.values:
        raise NetworkError(_("Choose which dealers you admit."))
    levels = list(DealerLevel.objects.filter(pk__in=set(level_ids)).order_by("rank", "pk"))
    regions = sorted(
        {(province.strip(), city.strip()) for province, city in regions if province.strip()}
    )
    if mode == AuthorisationMode.LEVELS and not levels:
        raise NetworkError(_("Choose at least one dealer level."))
    if mode == AuthorisationMode.REGIONS and not regions:
        raise NetworkError(_("Enter at least one region (a province, or a province and a city)."))
    supplier = _supplier_locked(supplier)
    rule, _created = AuthorisationRule.objects.get_or_create(supplier=supplier)
    rule.mode = mode
    rule.updated_at = timezone.now()
    rule.save(update_fields=["mode", "updated_at"])
    rule.levels.set(levels if mode == AuthorisationMode.LEVELS else [])
    RuleRegion.objects.filter(rule=rule).delete()
    if mode == AuthorisationMode.REGIONS:
        RuleRegion.objects.bulk_create(
            [RuleRegion(rule=rule, province=province, city=city) for province, city in regions]
        )
    audit_record(
        actor=actor,
        action="network.rule_changed",
        target=rule,
        data={
            "mode": mode,
            "levels": [level.code for level in levels] if mode == AuthorisationMode.LEVELS else [],
            "regions": [list(region) for region in regions]
            if mode == AuthorisationMode.REGIONS
            else [],
        },
    )
    return rule


# --- Exclusive regions ------------------------------------------------------------------------------


def _located_in(province: str, city: str) -> Q:
    """Dealer profiles located in the region (a city, or anywhere in the province)."""
    located = Q(province=province)
    if city:
        located &= Q(city=city)
    return located


def exclusive_conflicts(*, supplier_id: int, dealer_ids: Iterable[int]) -> dict[int, str]:
    """Dealers (of ``dealer_ids``) located in an exclusive region of the supplier held by
    another dealer: {dealer id: the region}. They cannot be authorised for that supplier."""
    conflicts: dict[int, str] = {}
    profiles = list(
        DealerProfile.objects.filter(dealer_id__in=set(dealer_ids))
        .exclude(province="")
        .values_list("dealer_id", "province", "city")
    )
    if not profiles:
        return conflicts
    regions = list(
        ExclusiveRegion.objects.filter(
            supplier_id=supplier_id, province__in={province for _d, province, _c in profiles}
        ).values_list("province", "city", "dealer_id")
    )
    for dealer_id, province, city in profiles:
        for region_province, region_city, holder_id in regions:
            if holder_id == dealer_id or region_province != province:
                continue
            if region_city in ("", city):
                conflicts[dealer_id] = region_label(region_province, region_city)
                break
    return conflicts


@transaction.atomic
def exclusive_region_create(
    *, actor: User | None, supplier: Tenant, province: str, city: str, dealer_id: int
) -> ExclusiveRegion:
    """Make a region exclusive to one dealer. Refused when the region (or a city in it, or the
    province around it) is already exclusive to another dealer, or when another dealer located
    there is authorised one by one (revoke it first)."""
    province, city = province.strip(), city.strip()
    if not province:
        raise NetworkError(_("Enter the province."))
    supplier = _supplier_locked(supplier)
    dealer = Tenant.objects.filter(
        pk=dealer_id, type=TenantType.DEALER, status=TenantStatus.ACTIVE
    ).first()
    if dealer is None:
        raise NetworkError(_("Choose a live dealer."))
    label = region_label(province, city)
    overlapping = ExclusiveRegion.objects.filter(supplier=supplier, province=province)
    if city:
        overlapping = overlapping.filter(Q(city="") | Q(city=city))
    clash = overlapping.select_related("dealer").order_by("city").first()
    if clash is not None:
        if clash.dealer_id == dealer.pk and (clash.city, clash.province) == (city, province):
            return clash  # the same request twice: already done
        raise NetworkError(
            _("%(region)s overlaps %(existing)s, which is already exclusive to %(dealer)s.")
            % {
                "region": label,
                "existing": region_label(clash.province, clash.city),
                "dealer": clash.dealer.name,
            }
        )
    if not city:
        inner = (
            ExclusiveRegion.objects.filter(supplier=supplier, province=province)
            .exclude(dealer=dealer)
            .select_related("dealer")
            .first()
        )
        if inner is not None:
            raise NetworkError(
                _("%(existing)s is already exclusive to %(dealer)s: remove it first.")
                % {
                    "existing": region_label(inner.province, inner.city),
                    "dealer": inner.dealer.name,
                }
            )
    others = list(
        Tenant.objects.filter(
            pk__in=DealerAuthorisation.objects.filter(supplier=supplier)
            .exclude(dealer=dealer)
            .values("dealer_id"),
            dealer_profile__in=DealerProfile.objects.filter(_located_in(province, city)),
        )
        .order_by("name")
        .values_list("name", flat=True)
    )
    if others:
        raise NetworkError(
            _(
                "Dealers located in %(region)s are authorised for your products: %(names)s. "
                "Revoke their authorisation first."
            )
            % {"region": label, "names": ", ".join(others)}
        )
    try:
        with transaction.atomic():
            region = ExclusiveRegion.objects.create(
                supplier=supplier, province=province, city=city, dealer=dealer
            )
    except IntegrityError:
        raise NetworkError(_("This region is already exclusive to a dealer.")) from None
    audit_record(
        actor=actor,
        action="network.exclusive_region_created",
        target=region,
        data={"province": province, "city": city, "dealer": dealer.pk, "name": dealer.name},
    )
    return region


@transaction.atomic
def exclusive_region_delete(*, actor: User | None, supplier: Tenant, pk: int) -> bool:
    """Remove one of the supplier's exclusive regions; False if it no longer exists."""
    supplier = _supplier_locked(supplier)
    region = ExclusiveRegion.objects.filter(supplier=supplier, pk=pk).first()
    if region is None:
        return False
    data = {"province": region.province, "city": region.city, "dealer": region.dealer_id}
    region.delete()
    audit_record(actor=actor, action="network.exclusive_region_deleted", data=data)
    return True


# --- The hierarchy ------------------------------------------------------------------------------


def dealer_parent_check(*, profile: DealerProfile, parent: DealerProfile | None) -> None:
    """Refuse an upper dealer that would make a cycle, is not a dealer, or may not recruit."""
    if parent is None:
        return
    if parent.dealer.type != TenantType.DEALER:
        raise NetworkError(_("The upper dealer must be a dealer."))
    if profile.pk is not None and parent.pk == profile.pk:
        raise NetworkError(_("A dealer cannot be its own upper dealer."))
    if parent.level is None or not parent.level.may_recruit:
        raise NetworkError(
            _("%(dealer)s may not recruit sub-dealers (its level does not allow it).")
            % {"dealer": parent.dealer.name}
        )
    if profile.pk is None:
        return
    seen = {profile.pk}
    node = parent
    while node is not None:
        if node.pk in seen:
            raise NetworkError(
                _("%(dealer)s is below this dealer: that would make a cycle.")
                % {"dealer": parent.dealer.name}
            )
        seen.add(node.pk)
        node = node.parent
