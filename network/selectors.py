"""Reads of the channel network (public schema), always scoped by the requesting tenant.

* ``dealer_profile_of(tenant)``: a dealer's profile, created on first use;
* ``dealer_may(tenant, capability)``: what the dealer's level lets it do;
* ``subtree_ids``/``sub_dealer_*``: an upper dealer's sub-dealers and their orders and earnings
  (read-only; only ever inside the requester's own subtree).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, Q, QuerySet, Subquery, Sum

from catalog.models import Category, DealerAuthorisation, OfferAudience, OfferStatus
from network.models import (
    AuthorisationMode,
    AuthorisationRule,
    DealerLevel,
    DealerProfile,
    ExclusiveRegion,
    RuleRegion,
)
from routing.models import OrderRoute
from settlement.models import PartyKind, SettledLine, Statement
from tenants.models import Tenant, TenantStatus, TenantType

REFERRAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand
REFERRAL_LENGTH = 8


def referral_code_new() -> str:
    return "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(REFERRAL_LENGTH))


def dealer_profile_of(tenant) -> DealerProfile:
    """The dealer's profile (with its level), created on first use with a random unique
    referral code. ``tenant`` is a dealer Tenant (or its id)."""
    dealer_id = getattr(tenant, "pk", tenant)
    profile = DealerProfile.objects.select_related("level").filter(dealer_id=dealer_id).first()
    if profile is not None:
        return profile
    for _attempt in range(10):
        try:
            with transaction.atomic():
                profile, _created = DealerProfile.objects.get_or_create(
                    dealer_id=dealer_id, defaults={"referral_code": referral_code_new()}
                )
        except IntegrityError:
            # Either the code was taken (try another) or another request created the profile.
            existing = (
                DealerProfile.objects.select_related("level").filter(dealer_id=dealer_id).first()
            )
            if existing is not None:
                return existing
            continue
        return DealerProfile.objects.select_related("level").get(pk=profile.pk)
    raise RuntimeError("could not find a free referral code")


# --- What a dealer may do and see ----------------------------------------------------------------

CAPABILITIES = {
    "order_for_buyers": "may_order_for_buyers",
    "promote": "may_promote",
    "recruit": "may_recruit",
}


def dealer_may(tenant, capability: str) -> bool:
    """Whether the dealer's level allows ``capability`` ("order_for_buyers", "promote",
    "recruit"). A dealer without a level may do what a dealer may do by default (order for
    buyers, promote) but not recruit."""
    field = CAPABILITIES[capability]
    profile = dealer_profile_of(tenant)
    if profile.level is None:
        return DealerLevel._meta.get_field(field).default
    return getattr(profile.level, field)


def offer_visibility_q(*, dealer_id: int, prefix: str = "") -> Q:
    """Which supply offers this dealer may see, list and sell, as one condition on the offer
    (``prefix``: the path to the offer, e.g. "offer__" from a listing). Subqueries only, so it
    adds no query and no join:

    * published, by an active supplier;
    * not of a supplier with an exclusive region, held by another dealer, where this dealer is
      located;
    * audience "all": the supplier has no rule, an open rule, or its rule admits this dealer;
      audience "authorised": the supplier authorised this dealer (one by one, by its rule, or
      by an exclusive region this dealer holds);
    * of a top-level category this dealer's level may sell (a level without categories: all).
    """
    profile = DealerProfile.objects.filter(dealer_id=dealer_id)
    level_id = Subquery(profile.values("level_id")[:1])
    province = Subquery(profile.values("province")[:1])
    city = Subquery(profile.values("city")[:1])
    in_region = Q(province=province) & (Q(city="") | Q(city=city))

    restricted = AuthorisationRule.objects.exclude(mode=AuthorisationMode.ALL).values("supplier_id")
    by_level = AuthorisationRule.objects.filter(
        mode=AuthorisationMode.LEVELS, levels=level_id
    ).values("supplier_id")
    by_region = (
        RuleRegion.objects.filter(rule__mode=AuthorisationMode.REGIONS)
        .filter(in_region)
        .values("rule__supplier_id")
    )
    one_by_one = DealerAuthorisation.objects.filter(dealer_id=dealer_id).values("supplier_id")
    holding = ExclusiveRegion.objects.filter(dealer_id=dealer_id).values("supplier_id")
    shut_out = (
        ExclusiveRegion.objects.exclude(dealer_id=dealer_id).filter(in_region).values("supplier_id")
    )
    allowed_tops = DealerLevel.categories.through.objects.filter(dealerlevel_id=level_id).values(
        "category_id"
    )
    allowed_categories = Category.objects.filter(
        Q(pk__in=allowed_tops)
        | Q(parent_id__in=allowed_tops)
        | Q(parent__parent_id__in=allowed_tops)
    ).values("pk")

    supplier = f"{prefix}supplier_id__in"
    authorised = (
        Q(**{supplier: by_level})
        | Q(**{supplier: by_region})
        | Q(**{supplier: one_by_one})
        | Q(**{supplier: holding})
    )
    return (
        Q(**{f"{prefix}status": OfferStatus.PUBLISHED})
        & Q(**{f"{prefix}supplier__status": TenantStatus.ACTIVE})
        & ~Q(**{supplier: shut_out})
        & (
            (
                Q(**{f"{prefix}audience": OfferAudience.ALL_DEALERS})
                & (~Q(**{supplier: restricted}) | authorised)
            )
            | (Q(**{f"{prefix}audience": OfferAudience.AUTHORISED}) & authorised)
        )
        & (~Exists(allowed_tops) | Q(**{f"{prefix}category_id__in": allowed_categories}))
    )


# --- A supplier's rule, for its pages -------------------------------------------------------------


def authorisation_rule_of(supplier) -> AuthorisationRule | None:
    return (
        AuthorisationRule.objects.filter(supplier=supplier)
        .prefetch_related("levels", "regions")
        .first()
    )


def exclusive_region_list(*, supplier) -> QuerySet[ExclusiveRegion]:
    return (
        ExclusiveRegion.objects.filter(supplier=supplier)
        .select_related("dealer")
        .order_by("province", "city", "pk")
    )


def exclusive_region_get(*, supplier, pk: int) -> ExclusiveRegion | None:
    return exclusive_region_list(supplier=supplier).filter(pk=pk).first()


def dealer_choices() -> list[tuple[int, str]]:
    """Live dealers, for the exclusive region form, with their region when known."""
    dealers = (
        Tenant.objects.filter(type=TenantType.DEALER, status=TenantStatus.ACTIVE)
        .select_related("dealer_profile")
        .order_by("name", "pk")
    )
    choices = []
    for dealer in dealers:
        profile = getattr(dealer, "dealer_profile", None)
        where = f"{profile.province} {profile.city}".strip() if profile is not None else ""
        choices.append((dealer.pk, f"{dealer.name} ({where})" if where else dealer.name))
    return choices


# --- The hierarchy (read-only, always inside the requester's subtree) ----------------------------

_SUBTREE_SQL = """
WITH RECURSIVE sub(id, dealer_id, depth) AS (
    SELECT p.id, p.dealer_id, 1 FROM network_dealerprofile p
     WHERE p.parent_id = (SELECT id FROM network_dealerprofile WHERE dealer_id = %s)
    UNION ALL
    SELECT p.id, p.dealer_id, sub.depth + 1 FROM network_dealerprofile p
      JOIN sub ON p.parent_id = sub.id
     WHERE sub.depth < 20
)
SELECT dealer_id, depth FROM sub
"""


def subtree_depths(*, dealer_id: int) -> dict[int, int]:
    """Every dealer below this one (children, their children…): {dealer id: depth}."""
    with connection.cursor() as cursor:
        cursor.execute(_SUBTREE_SQL, [dealer_id])
        return dict(cursor.fetchall())


@dataclass
class SubDealer:
    profile: DealerProfile
    depth: int

    @property
    def dealer(self):
        return self.profile.dealer


def sub_dealer_tree(*, dealer_id: int) -> list[SubDealer]:
    """The dealer's sub-dealers, all levels down, in tree order (each under its parent)."""
    depths = subtree_depths(dealer_id=dealer_id)
    if not depths:
        return []
    profiles = list(
        DealerProfile.objects.filter(dealer_id__in=depths)
        .select_related("dealer", "level", "parent")
        .order_by("dealer__name", "pk")
    )
    children: dict[int, list[DealerProfile]] = {}
    for profile in profiles:
        children.setdefault(profile.parent.dealer_id, []).append(profile)
    tree: list[SubDealer] = []

    def walk(parent_dealer_id: int) -> None:
        for profile in children.get(parent_dealer_id, []):
            tree.append(SubDealer(profile=profile, depth=depths[profile.dealer_id]))
            walk(profile.dealer_id)

    walk(dealer_id)
    return tree


def sub_dealer_get(*, dealer_id: int, sub_dealer_id: int) -> DealerProfile | None:
    """A sub-dealer's profile if it is in this dealer's subtree, else None (never itself, its
    parent or a sibling)."""
    if sub_dealer_id not in subtree_depths(dealer_id=dealer_id):
        return None
    return (
        DealerProfile.objects.select_related("dealer", "level", "parent__dealer")
        .filter(dealer_id=sub_dealer_id)
        .first()
    )


def sub_dealer_orders(*, sub_dealer_id: int) -> QuerySet[OrderRoute]:
    """The sub-dealer's orders, one row per supplier part, newest first, with line counts."""
    return (
        OrderRoute.objects.filter(dealer_id=sub_dealer_id)
        .select_related("supplier")
        .annotate(line_count=Count("lines"), quantity=Sum("lines__quantity"))
        .order_by("-placed_at", "-pk")
    )


def sub_dealer_earnings(*, sub_dealer_id: int) -> dict:
    """The sub-dealer's statements (newest first) and its earnings to date."""
    statements = (
        Statement.objects.filter(party=PartyKind.DEALER, tenant_id=sub_dealer_id)
        .select_related("run")
        .order_by("-run__period_start", "-pk")
    )
    totals = SettledLine.objects.filter(dealer_id=sub_dealer_id).aggregate(
        sales=Sum("sales"), margin=Sum("margin"), lines=Count("pk")
    )
    net = statements.aggregate(net=Sum("net"))["net"]
    return {
        "statements": statements,
        "sales": totals["sales"] or Decimal("0"),
        "margin": totals["margin"] or Decimal("0"),
        "lines": totals["lines"],
        "net": net or Decimal("0"),
    }
