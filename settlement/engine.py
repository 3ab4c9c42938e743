"""The settlement run: one period, set-based SQL, one transaction, exactly once.

``settlement_run(kind=..., period_start=...)``:

1. takes a transaction-scoped advisory lock on the period and inserts the ``SettlementRun``
   row; a run that exists already is returned unchanged (a re-run changes nothing, a second
   worker waits for the first and then finds it done, a worker killed mid-run committed
   nothing, so the restart does the whole period);
2. settles every received order line whose after-sales window closed before the period's end
   and that no run settled yet (``INSERT … SELECT``; ``SettledLine.route_line`` is unique);
3. claws back refunds made after earlier runs settled their lines (``Adjustment``);
4. in monthly runs, the suppliers' tiered rebates on each dealer's purchases of the month;
5. writes the ledger: per (supplier, dealer) one balanced entry per movement (sale, fee,
   clawback, rebate), postings by ``INSERT … SELECT`` — the database checks every entry
   balances at commit;
6. issues a statement per party, its net derived from the ledger postings of the run.

Periods are dates in the platform's timezone (``settings.TIME_ZONE``); a daily run of 21 May
covers [21 May 00:00, 22 May 00:00) Beijing time.
"""

from __future__ import annotations

import datetime as dt
import zlib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from settlement.models import Frequency, RunStatus, SettlementRun, SettlementSettings


def period_bounds(kind: str, start: dt.date) -> tuple[dt.date, dt.date]:
    """The period of ``kind`` that begins on ``start`` (a month begins on its 1st)."""
    if kind == Frequency.DAILY:
        return start, start + dt.timedelta(days=1)
    if start.day != 1:
        raise ValueError("a monthly period begins on the 1st")
    following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, following


def _aware(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _lock_key(kind: str, start: dt.date) -> int:
    return zlib.crc32(f"settlement:{kind}:{start.isoformat()}".encode())


def settlement_run(*, kind: str, period_start: dt.date) -> SettlementRun:
    """Settle the period; returns its run (the existing one when it was settled already)."""
    start, end = period_bounds(kind, period_start)
    with transaction.atomic():
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(kind, start)])
        existing = SettlementRun.objects.filter(kind=kind, period_start=start).first()
        if existing is not None:
            return existing
        rules = SettlementSettings.current()
        run = SettlementRun.objects.create(
            kind=kind, period_start=start, period_end=end, status=RunStatus.DONE
        )
        params = {
            "run": run.pk,
            "end": _aware(end),
            # The month as dates (compared with runs' period_start, a date) and as Beijing
            # midnights (compared with timestamps). Never cast the latter to date: the
            # session's time zone is UTC, so 1 May 00:00 +08:00 would become 30 April.
            "month_first": start.replace(day=1),
            "month_after": period_bounds(Frequency.MONTHLY, start.replace(day=1))[1],
            "month_start": _aware(start.replace(day=1)),
            "month_end": _aware(period_bounds(Frequency.MONTHLY, start.replace(day=1))[1]),
            "payer": rules.fee_payer,
            "default_fee": rules.default_fee_percent,
            "now": timezone.now(),
        }
        with connection.cursor() as cursor:
            settles_lines = kind == rules.frequency
            lines = _lines_settle(cursor, params) if settles_lines else 0
            adjustments = _clawbacks(cursor, params) if settles_lines else 0
            if kind == Frequency.MONTHLY:
                _rebates(cursor, params)
                _overrides(cursor, params)
                _rewards(cursor, params)
            _accounts_ensure(cursor, params)
            _ledger_write(cursor, params)
            _statements_issue(cursor, params)
        run.lines, run.adjustments, run.finished_at = lines, adjustments, timezone.now()
        run.save(update_fields=["lines", "adjustments", "finished_at"])
        return run


FEE_CTE = """
    WITH fee AS (
        SELECT c.id, COALESCE(f1.percent, f2.percent, f3.percent, %(default_fee)s) AS percent
        FROM catalog_category c
        LEFT JOIN settlement_categoryfee f1 ON f1.category_id = c.id
        LEFT JOIN catalog_category p ON p.id = c.parent_id
        LEFT JOIN settlement_categoryfee f2 ON f2.category_id = p.id
        LEFT JOIN settlement_categoryfee f3 ON f3.category_id = p.parent_id
    )
"""


def _lines_settle(cursor, params) -> int:
    cursor.execute(
        FEE_CTE
        + """
        INSERT INTO settlement_settledline
            (run_id, route_line_id, dealer_id, supplier_id, sales, supply, fee, fee_percent,
             fee_payer, margin, refunded, refunded_supply)
        SELECT %(run)s, x.id, x.dealer_id, x.supplier_id, x.sales, x.supply, x.fee, x.percent,
               %(payer)s,
               x.sales - x.supply - CASE WHEN %(payer)s = 'dealer' THEN x.fee ELSE 0 END,
               x.refunded_amount, x.refunded_supply
        FROM (
            SELECT rl.id, rl.dealer_id, rl.supplier_id, rl.refunded_amount, rl.refunded_supply,
                   rl.line_total - rl.refunded_amount AS sales,
                   rl.supply_total - rl.refunded_supply AS supply,
                   ROUND((rl.line_total - rl.refunded_amount) * fee.percent / 100, 2) AS fee,
                   fee.percent
            FROM routing_routeline rl
            JOIN fee ON fee.id = rl.category_id
            WHERE rl.status = 'received' AND rl.settleable_at < %(end)s
              AND NOT EXISTS (
                  SELECT 1 FROM settlement_settledline s WHERE s.route_line_id = rl.id
              )
        ) x
        ON CONFLICT (route_line_id) DO NOTHING
        """,
        params,
    )
    return cursor.rowcount


def _clawbacks(cursor, params) -> int:
    """Refunds recorded on lines after an earlier run settled them: the difference, once."""
    cursor.execute(
        """
        INSERT INTO settlement_adjustment
            (run_id, route_line_id, dealer_id, supplier_id, refund, supply, fee, margin, fee_payer)
        SELECT %(run)s, d.id, d.dealer_id, d.supplier_id, d.refund, d.supply, d.fee,
               d.refund - d.supply - CASE WHEN d.fee_payer = 'dealer' THEN d.fee ELSE 0 END,
               d.fee_payer
        FROM (
            SELECT rl.id, rl.dealer_id, rl.supplier_id, s.fee_payer,
                   rl.refunded_amount - s.refunded - COALESCE(a.refund, 0) AS refund,
                   rl.refunded_supply - s.refunded_supply - COALESCE(a.supply, 0) AS supply,
                   ROUND((rl.refunded_amount - s.refunded - COALESCE(a.refund, 0))
                         * s.fee_percent / 100, 2) AS fee
            FROM settlement_settledline s
            JOIN routing_routeline rl ON rl.id = s.route_line_id
            LEFT JOIN (
                SELECT route_line_id, SUM(refund) AS refund, SUM(supply) AS supply
                FROM settlement_adjustment GROUP BY route_line_id
            ) a ON a.route_line_id = rl.id
            WHERE s.run_id <> %(run)s
              AND (rl.refunded_amount > s.refunded + COALESCE(a.refund, 0)
                   OR rl.refunded_supply > s.refunded_supply + COALESCE(a.supply, 0))
        ) d
        ON CONFLICT (route_line_id, run_id) DO NOTHING
        """,
        params,
    )
    return cursor.rowcount


def _rebates(cursor, params) -> None:
    """The month's rebates: the highest tier each dealer's purchases from a supplier reach
    (purchases = supply amounts settled in the month's runs, less clawed-back supply)."""
    cursor.execute(
        """
        INSERT INTO settlement_rebate (run_id, supplier_id, dealer_id, volume, percent, amount)
        SELECT %(run)s, v.supplier_id, v.dealer_id, v.volume, t.percent,
               ROUND(v.volume * t.percent / 100, 2)
        FROM (
            SELECT supplier_id, dealer_id, SUM(amount) AS volume FROM (
                SELECT sl.supplier_id, sl.dealer_id, sl.supply AS amount
                FROM settlement_settledline sl
                JOIN settlement_settlementrun r ON r.id = sl.run_id
                WHERE r.period_start >= %(month_first)s AND r.period_start < %(month_after)s
                UNION ALL
                SELECT a.supplier_id, a.dealer_id, -a.supply
                FROM settlement_adjustment a
                JOIN settlement_settlementrun r ON r.id = a.run_id
                WHERE r.period_start >= %(month_first)s AND r.period_start < %(month_after)s
            ) month GROUP BY supplier_id, dealer_id
        ) v
        JOIN LATERAL (
            SELECT percent FROM settlement_rebatetier t
            WHERE t.supplier_id = v.supplier_id AND t.min_volume <= v.volume
            ORDER BY t.min_volume DESC LIMIT 1
        ) t ON TRUE
        WHERE v.volume > 0
        ON CONFLICT DO NOTHING
        """,
        params,
    )


MONTH_SALES = """
    SELECT dealer_id, SUM(amount) AS sales FROM (
        SELECT sl.dealer_id, sl.sales AS amount
        FROM settlement_settledline sl JOIN settlement_settlementrun r ON r.id = sl.run_id
        WHERE r.period_start >= %(month_first)s AND r.period_start < %(month_after)s
        UNION ALL
        SELECT a.dealer_id, -a.refund
        FROM settlement_adjustment a JOIN settlement_settlementrun r ON r.id = a.run_id
        WHERE r.period_start >= %(month_first)s AND r.period_start < %(month_after)s
    ) month GROUP BY dealer_id
"""


def _overrides(cursor, params) -> None:
    """Each upper dealer's override on its direct sub-dealers' sales of the month, at the
    upper dealer's level's percent, paid out of the sub-dealer's margin."""
    cursor.execute(
        f"""
        INSERT INTO settlement_override (run_id, dealer_id, sub_dealer_id, sales, percent, amount)
        SELECT %(run)s, parent.dealer_id, v.dealer_id, v.sales, level.override_percent,
               ROUND(v.sales * level.override_percent / 100, 2)
        FROM ({MONTH_SALES}) v
        JOIN network_dealerprofile child ON child.dealer_id = v.dealer_id
        JOIN network_dealerprofile parent ON parent.id = child.parent_id
        JOIN network_dealerlevel level ON level.id = parent.level_id
        WHERE level.override_percent > 0 AND v.sales > 0
          AND ROUND(v.sales * level.override_percent / 100, 2) > 0
        ON CONFLICT DO NOTHING
        """,
        params,
    )


def _rewards(cursor, params) -> None:
    """Task rewards of the month: new buyers registered at the dealer, or distinct buyer
    companies of one product (the rule's, or the dealer's best product)."""
    cursor.execute(
        """
        INSERT INTO settlement_reward (run_id, rule_id, dealer_id, measure, amount)
        SELECT %(run)s, rule.id, m.dealer_id, m.measure, rule.bonus
        FROM settlement_rewardrule rule
        JOIN LATERAL (
            SELECT dealer_id, COUNT(*) AS measure FROM settlement_buyersignup
            WHERE rule.kind = 'new_buyers'
              AND registered_at >= %(month_start)s AND registered_at < %(month_end)s
            GROUP BY dealer_id
            UNION ALL
            SELECT dealer_id, MAX(buyers) FROM (
                SELECT rl.dealer_id, sku.offer_id, COUNT(DISTINCT rl.buyer_company_id) AS buyers
                FROM routing_routeline rl
                JOIN catalog_supplyoffersku sku ON sku.id = rl.offer_sku_id
                WHERE rule.kind = 'product_buyers' AND rl.status <> 'cancelled'
                  AND rl.placed_at >= %(month_start)s AND rl.placed_at < %(month_end)s
                  AND (rule.offer_id IS NULL OR sku.offer_id = rule.offer_id)
                GROUP BY rl.dealer_id, sku.offer_id
            ) per_product GROUP BY dealer_id
        ) m ON m.measure >= rule.target
        WHERE rule.is_active
        ON CONFLICT DO NOTHING
        """,
        params,
    )


def _accounts_ensure(cursor, params) -> None:
    cursor.execute(
        """
        INSERT INTO settlement_ledgeraccount (party, tenant_id, kind)
        SELECT 'platform', NULL::bigint, k FROM unnest(ARRAY['clearing', 'revenue', 'expense',
                                                            'bank']) AS k
        UNION
        SELECT 'supplier', supplier_id, 'payable' FROM (
            SELECT supplier_id FROM settlement_settledline WHERE run_id = %(run)s
            UNION SELECT supplier_id FROM settlement_adjustment WHERE run_id = %(run)s
            UNION SELECT supplier_id FROM settlement_rebate WHERE run_id = %(run)s
        ) s
        UNION
        SELECT 'dealer', dealer_id, 'payable' FROM (
            SELECT dealer_id FROM settlement_settledline WHERE run_id = %(run)s
            UNION SELECT dealer_id FROM settlement_adjustment WHERE run_id = %(run)s
            UNION SELECT dealer_id FROM settlement_rebate WHERE run_id = %(run)s
            UNION SELECT dealer_id FROM settlement_override WHERE run_id = %(run)s
            UNION SELECT sub_dealer_id FROM settlement_override WHERE run_id = %(run)s
            UNION SELECT dealer_id FROM settlement_reward WHERE run_id = %(run)s
        ) d
        ON CONFLICT DO NOTHING
        """,
        params,
    )


# Per movement: the grouped amounts of the run (two key columns k1, k2 and amounts a, b, c),
# and the postings each group makes (party, tenant column or NULL, account kind, amount
# expression). Every group's postings sum to zero.
MOVEMENTS = {
    "sale": (
        """SELECT supplier_id AS k1, dealer_id AS k2, SUM(sales) AS a, SUM(supply) AS b,
                  0::numeric AS c
           FROM settlement_settledline WHERE run_id = %(run)s GROUP BY supplier_id, dealer_id""",
        [
            ("platform", None, "clearing", "g.a"),
            ("supplier", "g.k1", "payable", "-g.b"),
            ("dealer", "g.k2", "payable", "-(g.a - g.b)"),
        ],
    ),
    "fee": (
        """SELECT supplier_id AS k1, dealer_id AS k2, SUM(fee) AS a, 0::numeric AS b,
                  0::numeric AS c
           FROM settlement_settledline WHERE run_id = %(run)s GROUP BY supplier_id, dealer_id
           HAVING SUM(fee) <> 0""",
        [
            ("supplier", "g.k1", "payable", "CASE WHEN %(payer)s = 'supplier' THEN g.a ELSE 0 END"),
            ("dealer", "g.k2", "payable", "CASE WHEN %(payer)s = 'dealer' THEN g.a ELSE 0 END"),
            ("platform", None, "revenue", "-g.a"),
        ],
    ),
    "clawback": (
        """SELECT supplier_id AS k1, dealer_id AS k2, SUM(refund) AS a, SUM(supply) AS b,
                  SUM(CASE WHEN fee_payer = 'dealer' THEN -fee ELSE fee END) AS c
           FROM settlement_adjustment WHERE run_id = %(run)s GROUP BY supplier_id, dealer_id""",
        [
            # The buyer's money goes back: out of clearing; the supplier and the dealer give
            # back their shares; the platform gives back its fee to whoever paid it.
            ("platform", None, "clearing", "-g.a"),
            ("supplier", "g.k1", "payable", "g.b - GREATEST(g.c, 0)"),
            ("dealer", "g.k2", "payable", "(g.a - g.b) - GREATEST(-g.c, 0)"),
            ("platform", None, "revenue", "ABS(g.c)"),
        ],
    ),
    "rebate": (
        """SELECT supplier_id AS k1, dealer_id AS k2, SUM(amount) AS a, 0::numeric AS b,
                  0::numeric AS c
           FROM settlement_rebate WHERE run_id = %(run)s GROUP BY supplier_id, dealer_id""",
        [
            ("supplier", "g.k1", "payable", "g.a"),
            ("dealer", "g.k2", "payable", "-g.a"),
        ],
    ),
    "override": (
        """SELECT sub_dealer_id AS k1, dealer_id AS k2, SUM(amount) AS a, 0::numeric AS b,
                  0::numeric AS c
           FROM settlement_override WHERE run_id = %(run)s GROUP BY sub_dealer_id, dealer_id""",
        [
            ("dealer", "g.k1", "payable", "g.a"),
            ("dealer", "g.k2", "payable", "-g.a"),
        ],
    ),
    "reward": (
        """SELECT rule_id AS k1, dealer_id AS k2, SUM(amount) AS a, 0::numeric AS b,
                  0::numeric AS c
           FROM settlement_reward WHERE run_id = %(run)s GROUP BY rule_id, dealer_id""",
        [
            ("platform", None, "expense", "g.a"),
            ("dealer", "g.k2", "payable", "-g.a"),
        ],
    ),
}


def _ledger_write(cursor, params) -> None:
    for kind, (grouped, postings) in MOVEMENTS.items():
        source = f"'{kind}:' || %(run)s || ':' || g.k1 || ':' || g.k2"
        cursor.execute(
            f"""
            INSERT INTO settlement_journalentry (run_id, kind, source, memo, created_at)
            SELECT %(run)s, '{kind}', {source}, '', %(now)s FROM ({grouped}) g
            """,
            params,
        )
        values = ", ".join(
            f"('{party}', {tenant or 'NULL::bigint'}, '{account}', {amount})"
            for party, tenant, account, amount in postings
        )
        cursor.execute(
            f"""
            INSERT INTO settlement_posting (entry_id, account_id, amount)
            SELECT e.id, acc.id, x.amount
            FROM ({grouped}) g
            JOIN settlement_journalentry e ON e.source = {source}
            CROSS JOIN LATERAL (VALUES {values}) AS x(party, tenant_id, kind, amount)
            JOIN settlement_ledgeraccount acc
              ON acc.party = x.party AND acc.kind = x.kind
             AND acc.tenant_id IS NOT DISTINCT FROM x.tenant_id
            WHERE x.amount <> 0
            """,
            params,
        )


def _statements_issue(cursor, params) -> None:
    """One statement per party with movements in the run; ``net`` from the ledger alone, the
    other totals from what the run settled (each aggregated once, then joined by party)."""
    cursor.execute(
        """
        WITH net AS (
            SELECT acc.party, acc.tenant_id, -SUM(p.amount) AS net
            FROM settlement_posting p
            JOIN settlement_journalentry e ON e.id = p.entry_id AND e.run_id = %(run)s
            JOIN settlement_ledgeraccount acc ON acc.id = p.account_id
            WHERE acc.kind IN ('payable', 'revenue', 'expense')
            GROUP BY acc.party, acc.tenant_id
        ), settled AS (
            SELECT 'supplier' AS party, supplier_id AS tenant_id, SUM(sales) AS sales,
                   SUM(supply) AS supply,
                   SUM(fee) FILTER (WHERE fee_payer = 'supplier') AS fees, NULL::numeric AS margin
            FROM settlement_settledline WHERE run_id = %(run)s GROUP BY supplier_id
            UNION ALL
            SELECT 'dealer', dealer_id, SUM(sales), SUM(supply),
                   SUM(fee) FILTER (WHERE fee_payer = 'dealer'), SUM(margin)
            FROM settlement_settledline WHERE run_id = %(run)s GROUP BY dealer_id
            UNION ALL
            SELECT 'platform', NULL::bigint, SUM(sales), SUM(supply), SUM(fee), NULL
            FROM settlement_settledline WHERE run_id = %(run)s
        ), rebates AS (
            SELECT 'supplier' AS party, supplier_id AS tenant_id, SUM(amount) AS amount
            FROM settlement_rebate WHERE run_id = %(run)s GROUP BY supplier_id
            UNION ALL
            SELECT 'dealer', dealer_id, SUM(amount)
            FROM settlement_rebate WHERE run_id = %(run)s GROUP BY dealer_id
        ), clawbacks AS (
            SELECT 'supplier' AS party, supplier_id AS tenant_id, SUM(supply) AS amount
            FROM settlement_adjustment WHERE run_id = %(run)s GROUP BY supplier_id
            UNION ALL
            SELECT 'dealer', dealer_id, SUM(margin)
            FROM settlement_adjustment WHERE run_id = %(run)s GROUP BY dealer_id
            UNION ALL
            SELECT 'platform', NULL::bigint, SUM(fee)
            FROM settlement_adjustment WHERE run_id = %(run)s
        ), overrides AS (
            SELECT 'dealer' AS party, tenant_id, SUM(amount) AS amount FROM (
                SELECT dealer_id AS tenant_id, amount FROM settlement_override
                WHERE run_id = %(run)s
                UNION ALL
                SELECT sub_dealer_id, -amount FROM settlement_override WHERE run_id = %(run)s
            ) o GROUP BY tenant_id
        ), rewards AS (
            SELECT 'dealer' AS party, dealer_id AS tenant_id, SUM(amount) AS amount
            FROM settlement_reward WHERE run_id = %(run)s GROUP BY dealer_id
            UNION ALL
            SELECT 'platform', NULL::bigint, SUM(amount)
            FROM settlement_reward WHERE run_id = %(run)s
        )
        INSERT INTO settlement_statement
            (run_id, party, tenant_id, sales, supply, fees, margin, rebates, clawbacks, net,
             overrides, rewards, status, comment, resolution, payout_reference, updated_at)
        SELECT %(run)s, n.party, n.tenant_id,
               COALESCE(s.sales, 0), COALESCE(s.supply, 0), COALESCE(s.fees, 0),
               COALESCE(s.margin, 0), COALESCE(r.amount, 0), COALESCE(c.amount, 0), n.net,
               COALESCE(o.amount, 0), COALESCE(w.amount, 0), 'issued', '', '', '', %(now)s
        FROM net n
        LEFT JOIN settled s ON s.party = n.party AND s.tenant_id IS NOT DISTINCT FROM n.tenant_id
        LEFT JOIN rebates r ON r.party = n.party AND r.tenant_id IS NOT DISTINCT FROM n.tenant_id
        LEFT JOIN clawbacks c
               ON c.party = n.party AND c.tenant_id IS NOT DISTINCT FROM n.tenant_id
        LEFT JOIN overrides o
               ON o.party = n.party AND o.tenant_id IS NOT DISTINCT FROM n.tenant_id
        LEFT JOIN rewards w ON w.party = n.party AND w.tenant_id IS NOT DISTINCT FROM n.tenant_id
        """,
        params,
    )
