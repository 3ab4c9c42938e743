"""Settlement and the double-entry ledger (public schema).

Settlement reads ``routing.RouteLine`` (one row per order line, written with the order) and
never the tenants' schemas. A run settles a period (daily or monthly, platform timezone) set
by set, in one transaction:

* ``SettledLine``: each line at most once (a unique constraint), with the amounts it settled
  at: the buyer's price, the supply price, the platform fee, the dealer's margin;
* ``Adjustment``: refunds that came after a line was settled, clawed back in the next run
  (never an edit of a settled line or a closed statement);
* ``Rebate``: the supplier's tiered monthly rebate to a dealer on its purchase volume;
* ``JournalEntry`` / ``Posting``: the ledger, one balanced entry per kind of movement per
  (run, supplier, dealer); balances are sums of postings, nothing else;
* ``Statement``: per run and party, with its workflow (issued → confirmed or disputed →
  resolved → paid).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}


class FeePayer(models.TextChoices):
    SUPPLIER = "supplier", _("The supplier")
    DEALER = "dealer", _("The dealer")


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    MONTHLY = "monthly", _("Monthly")


class SettlementSettings(models.Model):
    """The platform's settlement rules (one row)."""

    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    frequency = models.CharField(
        _("settle order lines"), max_length=16, choices=Frequency.choices, default=Frequency.DAILY
    )
    fee_payer = models.CharField(
        _("platform service fee charged to"),
        max_length=16,
        choices=FeePayer.choices,
        default=FeePayer.SUPPLIER,
    )
    default_fee_percent = models.DecimalField(
        _("default service fee (%)"),
        default=2,
        help_text=_("For categories without a fee of their own."),
        **PERCENT,
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("settlement settings")
        verbose_name_plural = _("settlement settings")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=1), name="settlement_settings_singleton"),
            models.CheckConstraint(
                condition=Q(default_fee_percent__gte=0) & Q(default_fee_percent__lte=100),
                name="settlement_default_fee_percent",
            ),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> SettlementSettings:
        settings, _created = cls.objects.get_or_create(singleton=1)
        return settings


class CategoryFee(models.Model):
    """The platform service fee of a category, in percent of the line amount; a category
    without one takes its parent's, then the default."""

    category = models.OneToOneField(
        "catalog.Category", verbose_name=_("category"), on_delete=models.CASCADE, related_name="+"
    )
    percent = models.DecimalField(_("service fee (%)"), **PERCENT)

    class Meta:
        verbose_name = _("category service fee")
        verbose_name_plural = _("category service fees")
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100), name="category_fee_percent"
            ),
        ]

    def __str__(self):
        return f"{self.category_id}: {self.percent} %"


class RebateTier(models.Model):
    """A supplier pays a dealer ``percent`` of the dealer's monthly purchases (at supply
    prices) from this supplier once they reach ``min_volume``; the highest tier reached counts."""

    supplier = models.ForeignKey(
        "tenants.Tenant", verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="+"
    )
    min_volume = models.DecimalField(_("monthly purchases from"), **MONEY)
    percent = models.DecimalField(_("rebate (%)"), **PERCENT)

    class Meta:
        verbose_name = _("rebate tier")
        verbose_name_plural = _("rebate tiers")
        ordering = ["supplier_id", "min_volume"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "min_volume"], name="rebate_tier_unique"),
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100) & Q(min_volume__gte=0),
                name="rebate_tier_values",
            ),
        ]

    def __str__(self):
        return f"{self.supplier_id} ≥ {self.min_volume}: {self.percent} %"


# --- Runs and what they settled -------------------------------------------------------------------


class RunStatus(models.TextChoices):
    DONE = "done", _("Settled")


class SettlementRun(models.Model):
    """One settled period. A run commits whole or not at all; the unique period makes a second
    run of the same period (a retry, a second worker) find it done and change nothing."""

    kind = models.CharField(_("period"), max_length=16, choices=Frequency.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to (exclusive)"))
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.DONE
    )
    lines = models.PositiveIntegerField(_("lines settled"), default=0)
    adjustments = models.PositiveIntegerField(_("adjustments"), default=0)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("settlement run")
        verbose_name_plural = _("settlement runs")
        ordering = ["-period_start", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "period_start"], name="settlement_run_once"),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")), name="settlement_run_period"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_start:%Y-%m-%d}"


class SettledLine(models.Model):
    """An order line as settled, once: ``route_line`` is unique."""

    run = models.ForeignKey(
        SettlementRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="settled_lines"
    )
    route_line = models.OneToOneField(
        "routing.RouteLine",
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    dealer_id = models.BigIntegerField(_("dealer"))
    supplier_id = models.BigIntegerField(_("supplier"))
    sales = models.DecimalField(_("sales (buyer paid)"), **MONEY)
    supply = models.DecimalField(_("supply cost"), **MONEY)
    fee = models.DecimalField(_("platform fee"), **MONEY)
    fee_percent = models.DecimalField(_("fee (%)"), **PERCENT)
    fee_payer = models.CharField(_("fee charged to"), max_length=16, choices=FeePayer.choices)
    margin = models.DecimalField(_("dealer margin"), **MONEY)
    # Refunds already made when the line was settled (settled net of them).
    refunded = models.DecimalField(_("refunded before settlement"), default=0, **MONEY)
    refunded_supply = models.DecimalField(default=0, **MONEY)

    class Meta:
        verbose_name = _("settled line")
        verbose_name_plural = _("settled lines")
        indexes = [
            models.Index(fields=["run", "dealer_id"], name="settled_line_run_dealer"),
            models.Index(fields=["run", "supplier_id"], name="settled_line_run_supplier"),
        ]

    def __str__(self):
        return f"{self.route_line_id}: {self.sales}"


class Adjustment(models.Model):
    """A refund after settlement, clawed back in a later run: the differences to what was
    settled (positive numbers are taken back from the party)."""

    run = models.ForeignKey(
        SettlementRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="+"
    )
    route_line = models.ForeignKey(
        "routing.RouteLine",
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    dealer_id = models.BigIntegerField(_("dealer"))
    supplier_id = models.BigIntegerField(_("supplier"))
    refund = models.DecimalField(_("refunded to the buyer"), **MONEY)
    supply = models.DecimalField(_("taken back from the supplier"), **MONEY)
    fee = models.DecimalField(_("platform fee returned"), **MONEY)
    margin = models.DecimalField(_("taken back from the dealer"), **MONEY)
    fee_payer = models.CharField(_("fee charged to"), max_length=16, choices=FeePayer.choices)

    class Meta:
        verbose_name = _("clawback")
        verbose_name_plural = _("clawbacks")
        constraints = [
            models.UniqueConstraint(fields=["route_line", "run"], name="adjustment_once_per_run"),
        ]

    def __str__(self):
        return f"{self.route_line_id}: −{self.refund}"


class Rebate(models.Model):
    run = models.ForeignKey(
        SettlementRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="+"
    )
    supplier_id = models.BigIntegerField(_("supplier"))
    dealer_id = models.BigIntegerField(_("dealer"))
    volume = models.DecimalField(_("monthly purchases"), **MONEY)
    percent = models.DecimalField(_("rebate (%)"), **PERCENT)
    amount = models.DecimalField(_("rebate"), **MONEY)

    class Meta:
        verbose_name = _("rebate")
        verbose_name_plural = _("rebates")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "supplier_id", "dealer_id"], name="rebate_once_per_run"
            ),
        ]

    def __str__(self):
        return f"{self.supplier_id} → {self.dealer_id}: {self.amount}"


class Override(models.Model):
    """An upper dealer's override commission on a direct sub-dealer's sales of the month,
    paid out of the sub-dealer's margin."""

    run = models.ForeignKey(
        SettlementRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="+"
    )
    dealer_id = models.BigIntegerField(_("upper dealer"))
    sub_dealer_id = models.BigIntegerField(_("sub-dealer"))
    sales = models.DecimalField(_("sub-dealer's sales"), **MONEY)
    percent = models.DecimalField(_("override (%)"), **PERCENT)
    amount = models.DecimalField(_("override commission"), **MONEY)

    class Meta:
        verbose_name = _("override commission")
        verbose_name_plural = _("override commissions")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "dealer_id", "sub_dealer_id"], name="override_once_per_run"
            ),
        ]

    def __str__(self):
        return f"{self.sub_dealer_id} → {self.dealer_id}: {self.amount}"


class RewardKind(models.TextChoices):
    NEW_BUYERS = "new_buyers", _("New buyers registered in the month")
    PRODUCT_BUYERS = "product_buyers", _("Buyers of one product in the month")


class RewardRule(models.Model):
    """A task reward the platform pays a dealer that reaches a target in a month."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("target"), max_length=20, choices=RewardKind.choices)
    target = models.PositiveIntegerField(_("at least"))
    offer = models.ForeignKey(
        "catalog.SupplyOffer",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("For “buyers of one product”: the product (empty: any single product)."),
    )
    bonus = models.DecimalField(_("bonus"), **MONEY)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("task reward rule")
        verbose_name_plural = _("task reward rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(target__gte=1) & Q(bonus__gt=0), name="reward_rule_values"
            ),
        ]

    def __str__(self):
        return self.name


class Reward(models.Model):
    run = models.ForeignKey(
        SettlementRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(
        RewardRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="rewards"
    )
    dealer_id = models.BigIntegerField(_("dealer"))
    measure = models.PositiveIntegerField(_("reached"))
    amount = models.DecimalField(_("bonus"), **MONEY)

    class Meta:
        verbose_name = _("task reward")
        verbose_name_plural = _("task rewards")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "rule", "dealer_id"], name="reward_once_per_run"
            ),
        ]

    def __str__(self):
        return f"{self.rule_id} → {self.dealer_id}: {self.amount}"


class BuyerSignup(models.Model):
    """A buyer company that registered at a dealer's storefront, and through whose referral
    link (written by buyers registration; rewards and earnings count these)."""

    dealer_id = models.BigIntegerField(_("dealer"))
    buyer_company_id = models.BigIntegerField(_("buyer company"))
    referrer_id = models.BigIntegerField(_("referred by (dealer)"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)

    class Meta:
        verbose_name = _("buyer sign-up")
        verbose_name_plural = _("buyer sign-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["dealer_id", "buyer_company_id"], name="buyer_signup_once"
            ),
        ]
        indexes = [models.Index(fields=["referrer_id", "registered_at"], name="signup_referrer")]

    def __str__(self):
        return f"{self.dealer_id}/{self.buyer_company_id}"


# --- The ledger --------------------------------------------------------------------------------


class PartyKind(models.TextChoices):
    PLATFORM = "platform", _("Platform")
    SUPPLIER = "supplier", _("Supplier")
    DEALER = "dealer", _("Dealer")


class AccountKind(models.TextChoices):
    CLEARING = "clearing", _("Buyer payments held")
    PAYABLE = "payable", _("Owed to the party")
    REVENUE = "revenue", _("Service fees")
    EXPENSE = "expense", _("Rewards paid")
    BANK = "bank", _("Paid out")


class LedgerAccount(models.Model):
    party = models.CharField(_("party"), max_length=16, choices=PartyKind.choices)
    tenant_id = models.BigIntegerField(_("company"), null=True, blank=True)
    kind = models.CharField(_("account"), max_length=16, choices=AccountKind.choices)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["party", "tenant_id", "kind"],
                nulls_distinct=False,
                name="ledger_account_unique",
            ),
            models.CheckConstraint(
                condition=(Q(party="platform") & Q(tenant_id__isnull=True))
                | (~Q(party="platform") & Q(tenant_id__isnull=False)),
                name="ledger_account_party_tenant",
            ),
        ]

    def __str__(self):
        return f"{self.party}:{self.tenant_id or '-'}:{self.kind}"


class EntryKind(models.TextChoices):
    SALE = "sale", _("Sales settled")
    FEE = "fee", _("Platform service fee")
    REBATE = "rebate", _("Rebate")
    REWARD = "reward", _("Task reward")
    OVERRIDE = "override", _("Override commission")
    CLAWBACK = "clawback", _("Clawback of a refund")
    PAYOUT = "payout", _("Payout")


class JournalEntry(models.Model):
    """A balanced movement: its postings sum to zero (checked by the database at commit)."""

    run = models.ForeignKey(
        SettlementRun,
        verbose_name=_("run"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    # What the entry is about, unique: "sale:<run>:<supplier>:<dealer>", "payout:<statement>".
    source = models.CharField(_("source"), max_length=100, unique=True)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.source


class Posting(models.Model):
    """One side of an entry: a debit (positive) or credit (negative) of one account."""

    entry = models.ForeignKey(
        JournalEntry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="postings"
    )
    account = models.ForeignKey(
        LedgerAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="postings"
    )
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        indexes = [models.Index(fields=["account"], name="posting_account")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="posting_not_zero"),
        ]

    def __str__(self):
        return f"{self.account_id}: {self.amount}"


# --- Statements --------------------------------------------------------------------------------


class StatementStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    CONFIRMED = "confirmed", _("Confirmed")
    DISPUTED = "disputed", _("Disputed")
    RESOLVED = "resolved", _("Resolved")
    PAID = "paid", _("Paid")


class Statement(models.Model):
    """What a run means for one party: totals, and the lines and adjustments behind them."""

    TRANSITIONS = {
        StatementStatus.ISSUED: {StatementStatus.CONFIRMED, StatementStatus.DISPUTED},
        StatementStatus.DISPUTED: {StatementStatus.RESOLVED},
        StatementStatus.CONFIRMED: {StatementStatus.PAID},
        StatementStatus.RESOLVED: {StatementStatus.PAID},
        StatementStatus.PAID: set(),
    }

    run = models.ForeignKey(
        SettlementRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="statements"
    )
    party = models.CharField(_("party"), max_length=16, choices=PartyKind.choices)
    tenant_id = models.BigIntegerField(_("company"), null=True, blank=True)
    sales = models.DecimalField(_("sales"), default=0, **MONEY)
    supply = models.DecimalField(_("supply"), default=0, **MONEY)
    fees = models.DecimalField(_("service fees"), default=0, **MONEY)
    margin = models.DecimalField(_("margin"), default=0, **MONEY)
    rebates = models.DecimalField(_("rebates"), default=0, **MONEY)
    overrides = models.DecimalField(_("override commissions"), default=0, **MONEY)
    rewards = models.DecimalField(_("task rewards"), default=0, **MONEY)
    clawbacks = models.DecimalField(_("clawbacks"), default=0, **MONEY)
    net = models.DecimalField(
        _("net"),
        default=0,
        help_text=_("What the platform owes the party for this period."),
        **MONEY,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=StatementStatus.choices, default=StatementStatus.ISSUED
    )
    comment = models.TextField(_("comment"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    payout_reference = models.CharField(_("payout reference"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-run__period_start", "party", "tenant_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "party", "tenant_id"],
                nulls_distinct=False,
                name="statement_once_per_party",
            ),
        ]

    def __str__(self):
        return f"{self.run} {self.party}:{self.tenant_id or '-'}"
