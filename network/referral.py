"""A dealer's referral link, the attribution of buyers who register through it, and what those
buyers bring (public schema: ``network.DealerProfile``, ``settlement.BuyerSignup``,
``routing.RouteLine``).

* ``referral_link(tenant)``: ``https://<dealer host>/account/register/?ref=<code>``, the dealer's
  own storefront registration page; a sub-dealer is a dealer tenant with a link of its own;
* ``buyer_signup_record``: called by ``buyers.services.buyer_register`` inside its transaction;
  every registration writes one ``BuyerSignup`` (task rewards count new buyers from it), with
  the referrer when the code is valid and belongs to this dealer or one of its sub-dealers.
  A code that is unknown, malformed or of an unrelated dealer is ignored: it never blocks a
  registration;
* ``referral_stats``: the numbers of the referral page, always for the requesting dealer only.

Public tables are on every dealer's search path, so all of this runs in the dealer's own
request without switching schemas.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from channels.selectors_storefront import storefront_load
from network import poster
from network.models import DealerProfile
from network.selectors import dealer_profile_of
from routing.models import RouteLine, RouteLineStatus
from settlement.models import BuyerSignup
from suppliers.money import money_round

REF_PARAM = "ref"
_CODE_SHAPE = re.compile(r"^[A-Z0-9]{4,16}$")
# Deeper than any real network (HQ → region → province → terminal); stops a cycle, too.
MAX_DEPTH = 12


# --- The link ------------------------------------------------------------------------------------


def referral_code_clean(value) -> str:
    """The code as stored (upper case, no spaces), or "" for anything that cannot be one."""
    code = re.sub(r"\s+", "", str(value or "")).upper()
    return code if _CODE_SHAPE.match(code) else ""


def referral_link(tenant, *, code: str | None = None) -> str:
    """The dealer's storefront registration page carrying its referral code."""
    if code is None:
        code = dealer_profile_of(tenant).referral_code
    path = reverse("buyers:register", urlconf="platform_site.urls_dealer")
    return f"{tenant.base_url}{path}?{urlencode({REF_PARAM: code})}"


# --- Attribution ---------------------------------------------------------------------------------


def referrer_resolve(*, dealer_id: int, code: str) -> int | None:
    """The dealer whose code ``code`` is, if that is ``dealer_id`` itself or a dealer below it
    in the hierarchy; otherwise (unknown code, an unrelated dealer, an upper dealer) None."""
    code = referral_code_clean(code)
    if not code:
        return None
    owner = (
        DealerProfile.objects.filter(referral_code=code).values("dealer_id", "parent_id").first()
    )
    if owner is None:
        return None
    if owner["dealer_id"] == dealer_id:
        return dealer_id
    # Walk up from the code's owner: is this dealer one of its ancestors?
    seen: set[int] = set()
    parent_id = owner["parent_id"]
    while parent_id is not None and parent_id not in seen and len(seen) < MAX_DEPTH:
        seen.add(parent_id)
        row = DealerProfile.objects.filter(pk=parent_id).values("dealer_id", "parent_id").first()
        if row is None:
            return None
        if row["dealer_id"] == dealer_id:
            return owner["dealer_id"]
        parent_id = row["parent_id"]
    return None


@transaction.atomic
def buyer_signup_record(*, dealer_id: int, buyer_company_id: int, code: str = "") -> BuyerSignup:
    """Record that buyer company ``buyer_company_id`` registered at dealer ``dealer_id``,
    referred by the owner of ``code`` when that code counts here (see ``referrer_resolve``).

    Runs inside the registration's transaction: both are written or neither. Recording the
    same company twice returns the first row unchanged.
    """
    signup, _created = BuyerSignup.objects.get_or_create(
        dealer_id=dealer_id,
        buyer_company_id=buyer_company_id,
        defaults={
            "referrer_id": referrer_resolve(dealer_id=dealer_id, code=code),
            "registered_at": timezone.now(),
        },
    )
    return signup


# --- The referral page's numbers -----------------------------------------------------------------


@dataclass(frozen=True)
class ReferralStats:
    signups_month: int
    signups_total: int
    # At this dealer's own store: registrations through its sub-dealers' codes.
    sub_dealer_signups_total: int
    orders: int
    amount: Decimal
    buyers_ordering: int


def _month_start(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def referral_stats(*, dealer_id: int, now: dt.datetime | None = None) -> ReferralStats:
    """Buyers attributed to ``dealer_id`` (this month in the platform's time zone, and to
    date) and what the ones who registered at its own store have ordered there since.

    Every read is filtered by ``dealer_id``: a dealer never sees another dealer's numbers."""
    now = now or timezone.now()
    by_sub_dealers = Q(dealer_id=dealer_id, referrer_id__isnull=False) & ~Q(referrer_id=dealer_id)
    counts = BuyerSignup.objects.filter(
        Q(referrer_id=dealer_id) | Q(dealer_id=dealer_id)
    ).aggregate(
        total=Count("id", filter=Q(referrer_id=dealer_id)),
        month=Count("id", filter=Q(referrer_id=dealer_id, registered_at__gte=_month_start(now))),
        sub_dealers=Count("id", filter=by_sub_dealers),
    )
    companies = BuyerSignup.objects.filter(dealer_id=dealer_id, referrer_id=dealer_id).values(
        "buyer_company_id"
    )
    ordered = (
        RouteLine.objects.filter(dealer_id=dealer_id, buyer_company_id__in=companies)
        .exclude(status=RouteLineStatus.CANCELLED)
        .aggregate(
            orders=Count("route__dealer_order_id", distinct=True),
            amount=Sum(F("line_total") - F("refunded_amount")),
            buyers=Count("buyer_company_id", distinct=True),
        )
    )
    return ReferralStats(
        signups_month=counts["month"],
        signups_total=counts["total"],
        sub_dealer_signups_total=counts["sub_dealers"],
        orders=ordered["orders"],
        amount=money_round(ordered["amount"] or Decimal("0")),
        buyers_ordering=ordered["buyers"],
    )


# --- The poster ----------------------------------------------------------------------------------

POSTER_CACHE_SECONDS = 24 * 3600


def _logo_bytes(settings_row) -> bytes | None:
    """The store's logo from the tenant's media storage; None if it has none or it cannot be
    read (a missing file, a path the storage refuses): the poster is drawn without it."""
    if not settings_row.logo:
        return None
    try:
        with settings_row.logo.open("rb") as file:
            return file.read(poster.LOGO_MAX_BYTES + 1)
    except (OSError, ValueError, SuspiciousOperation):
        return None


def referral_poster_content(tenant, *, storefront=None, link: str = "") -> poster.PosterContent:
    """What the dealer's poster shows: its storefront's name, colour, logo and tagline, and
    its referral link (the QR code's payload)."""
    storefront = storefront or storefront_load(dealer=tenant)
    settings_row = storefront.settings
    return poster.PosterContent(
        link=link or referral_link(tenant),
        store_name=storefront.name,
        tagline=settings_row.tagline or _("Register as a buyer and order online"),
        call_to_action=_("Scan the QR code to open your company's account"),
        brand_color=settings_row.brand_color,
        logo=_logo_bytes(settings_row),
        latin_name=tenant.slug,
    )


def referral_poster(tenant) -> bytes:
    """The poster PNG, cached per tenant (the key also carries the storefront settings'
    version, the link and the language, so a new logo, colour or code shows at once)."""
    storefront = storefront_load(dealer=tenant)
    link = referral_link(tenant)
    digest = hashlib.blake2b(
        "|".join([link, get_language() or "", str(poster.cjk_font_path())]).encode(),
        digest_size=12,
    ).hexdigest()
    version = storefront.settings.version
    key = f"referral-poster:{tenant.pk}:{version}:{poster.LAYOUT_VERSION}:{digest}"
    png = cache.get(key)
    if png is None:
        content = referral_poster_content(tenant, storefront=storefront, link=link)
        png = poster.poster_png(content)
        cache.set(key, png, POSTER_CACHE_SECONDS)
    return png
