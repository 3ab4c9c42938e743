"""The channel network (public schema): what each dealer is and may do, and under whom.

* ``DealerLevel``: levels the platform defines (provincial, city, terminal…) with what a dealer
  of that level may do, and the override commission an upper dealer earns on its sub-dealers;
* ``DealerProfile``: one per dealer tenant: its level, its region, its upper dealer (the
  hierarchy HQ → region → province → terminal), its referral code.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class DealerLevel(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60)
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=1, help_text=_("1 for the top of the network; higher ranks sit below.")
    )
    categories = models.ManyToManyField(
        "catalog.Category",
        verbose_name=_("may sell categories"),
        blank=True,
        related_name="+",
        help_text=_("Top-level categories a dealer of this level may sell; none: all."),
    )
    may_order_for_buyers = models.BooleanField(_("may place orders for buyers"), default=True)
    may_promote = models.BooleanField(_("may run promotions"), default=True)
    may_recruit = models.BooleanField(_("may recruit sub-dealers"), default=False)
    override_percent = models.DecimalField(
        _("override commission (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text=_("What a dealer of this level earns on its direct sub-dealers' sales."),
    )

    class Meta:
        verbose_name = _("dealer level")
        verbose_name_plural = _("dealer levels")
        ordering = ["rank", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(override_percent__gte=0) & Q(override_percent__lte=100),
                name="dealer_level_override_percent",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class DealerProfile(models.Model):
    dealer = models.OneToOneField(
        "tenants.Tenant",
        verbose_name=_("dealer"),
        on_delete=models.CASCADE,
        related_name="dealer_profile",
    )
    level = models.ForeignKey(
        DealerLevel,
        verbose_name=_("level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dealers",
    )
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("upper dealer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    referral_code = models.CharField(_("referral code"), max_length=16, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("dealer profile")
        verbose_name_plural = _("dealer profiles")
        ordering = ["dealer_id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="dealer_not_own_parent"
            ),
        ]

    def __str__(self):
        return str(self.dealer_id)


# --- A supplier's authorisation of dealers --------------------------------------------------------


class AuthorisationMode(models.TextChoices):
    ALL = "all", _("Open to all dealers")
    LEVELS = "levels", _("Dealers of the chosen levels")
    REGIONS = "regions", _("Dealers in the chosen regions")
    ONE_BY_ONE = "one_by_one", _("Only the dealers I authorise one by one")


class AuthorisationRule(models.Model):
    """Which dealers a supplier admits (network.selectors.offer_visibility_q).

    * ``all``: every dealer sees the offers published to all dealers; offers for authorised
      dealers only go to the dealers authorised one by one (catalog.DealerAuthorisation);
    * ``levels`` / ``regions``: dealers of those levels / located in those regions are
      authorised, for every offer; so are the dealers authorised one by one;
    * ``one_by_one``: only the dealers authorised one by one, for every offer.

    No rule is the same as ``all``. A dealer holding an exclusive region of the supplier is
    always authorised; another dealer located in that region never is.
    """

    supplier = models.OneToOneField(
        "tenants.Tenant",
        verbose_name=_("supplier"),
        on_delete=models.CASCADE,
        related_name="authorisation_rule",
    )
    mode = models.CharField(
        _("dealers admitted"),
        max_length=16,
        choices=AuthorisationMode.choices,
        default=AuthorisationMode.ALL,
    )
    levels = models.ManyToManyField(
        DealerLevel, verbose_name=_("levels"), blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("dealer authorisation rule")
        verbose_name_plural = _("dealer authorisation rules")

    def __str__(self):
        return f"{self.supplier_id}: {self.mode}"


class RuleRegion(models.Model):
    """A region a supplier's ``regions`` rule admits: a province, or one city of it."""

    rule = models.ForeignKey(
        AuthorisationRule,
        verbose_name=_("rule"),
        on_delete=models.CASCADE,
        related_name="regions",
    )
    province = models.CharField(_("province"), max_length=50)
    city = models.CharField(_("city"), max_length=50, blank=True, help_text=_("Blank: all."))

    class Meta:
        verbose_name = _("authorised region")
        verbose_name_plural = _("authorised regions")
        ordering = ["province", "city"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "province", "city"], name="rule_region_unique"),
            models.CheckConstraint(condition=~Q(province=""), name="rule_region_has_province"),
        ]

    def __str__(self):
        return f"{self.province} {self.city}".strip()


class ExclusiveRegion(models.Model):
    """A supplier's region (a province, or one city of it) where only ``dealer`` may carry its
    offers: that dealer is authorised; any other dealer located there is not."""

    supplier = models.ForeignKey(
        "tenants.Tenant",
        verbose_name=_("supplier"),
        on_delete=models.CASCADE,
        related_name="exclusive_regions",
    )
    province = models.CharField(_("province"), max_length=50)
    city = models.CharField(
        _("city"), max_length=50, blank=True, help_text=_("Blank: the whole province.")
    )
    dealer = models.ForeignKey(
        "tenants.Tenant",
        verbose_name=_("dealer"),
        on_delete=models.CASCADE,
        related_name="exclusive_regions_held",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("exclusive region")
        verbose_name_plural = _("exclusive regions")
        ordering = ["province", "city"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "province", "city"],
                name="exclusive_region_once_per_supplier",
                violation_error_message=_("This region is already exclusive to a dealer."),
            ),
            models.CheckConstraint(condition=~Q(province=""), name="exclusive_region_has_province"),
        ]

    def __str__(self):
        return f"{self.province} {self.city}".strip()


class VisibilityStamp(models.Model):
    """One row whose ``version`` moves whenever anything that decides which offers a dealer
    may see changes: levels and their categories, dealer profiles (level, region), suppliers'
    authorisation rules, their regions and levels, exclusive regions, one-by-one
    authorisations, a tenant's status. Database triggers move it (migration 0004), so every
    writer counts: services, the admin, a data fix in psql.

    The storefront puts it in its cache keys (channels.selectors_storefront.storefront_load):
    a changed rule shows on the next page, not after the cache expires.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("visibility stamp")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="visibility_stamp_one_row")]

    def __str__(self):
        return f"{self.version}"
