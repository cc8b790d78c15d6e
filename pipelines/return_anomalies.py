"""The returns scan: serial returners, SKU weeks whose return rate broke its control chart, and
open returns whose refund should wait for a look, raised as anomaly flags in one transaction.

- Customer: purchases are order lines shipped; a line counts as returned once an RMA (not
  cancelled) claims it. anomaly/return_rates.customer_flags smooths each rate towards everyone's
  and flags only when the evidence says so, so one return on one purchase flags nobody.
- SKU: units shipped per ISO week against units on RMAs authorised that week, on the SKU's own
  p-chart (anomaly/return_rates.sku_spikes), once it has a few weeks of history behind it.
- Return: an open RMA with a refund requested or posted while nothing has come back (refund
  without receipt), or one of a serial returner whose flag nobody dismissed. Its free-text
  reason is named by its pattern among all reasons (anomaly/return_reasons.reason_patterns).
Everything is read from the later of the first RMA's week (queries/return_history.py) and a
year back. A rescan refreshes open flags and leaves resolved ones alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from time import perf_counter

import pandas as pd
from sqlalchemy.orm import Session

from anomaly.return_rates import customer_flags, sku_spikes
from anomaly.return_reasons import reason_patterns
from erp_core.adapters.database import Database
from erp_core.clock import utcnow
from erp_core.domain.anomalies import FlagKind, NewFlag
from erp_core.queries.return_history import (
    CustomerPurchases,
    OpenReturn,
    SkuDay,
    cleared_returners,
    customer_purchases,
    open_returns,
    reason_texts,
    sku_days,
    tracking_start,
)
from erp_core.services.anomaly_flags import raise_flags

log = logging.getLogger("keel.anomaly.returns")

# About as many reason patterns as a returns desk tells apart at a glance.
REASON_PATTERNS = 8
# A week with fewer returned units than this is no spike, whatever its rate: where a SKU had no
# returns before, the p-chart's limit collapses to zero and a single return would break it.
MIN_SPIKE_RETURNS = 3
# A SKU's usual rate needs about a month of tracked weeks behind it: returns lag the sales
# they belong to by days, so the first weeks of tracking read low and would make any later
# week look like a spike.
BASELINE_WEEKS = 4
# A year of purchases and returns: long enough to see a returner's habit and a SKU's usual
# rate, short enough that old habits age out and the scan reads a bounded slice.
LOOKBACK_WEEKS = 52


def scan_returns(db: Database, as_of: datetime | None = None) -> dict[str, int]:
    """Scan what happened up to `as_of` (default: now on the business clock) and raise the
    flags found; per kind, how many were found, and how many reason patterns there are.
    Whether a return is still open is read as it is now."""
    until = (as_of or utcnow()).astimezone(UTC)

    def work(session: Session) -> dict[str, int]:
        started = perf_counter()
        counts = {"customer": 0, "sku": 0, "return": 0, "reason_clusters": 0, "opened": 0}
        tracked = tracking_start(session, until)
        if tracked is None:
            return counts
        this_week = until.date() - timedelta(days=until.weekday())
        lookback = this_week - timedelta(weeks=LOOKBACK_WEEKS)
        since = max(tracked, datetime.combine(lookback, time(), UTC))
        customers, returners = _returner_flags(customer_purchases(session, since, until))
        spikes = _spike_flags(sku_days(session, since, until), since.date())
        texts = reason_texts(session, since, until)
        found = reason_patterns([text for _, text in texts], REASON_PATTERNS)
        pattern_of = {
            rma_id: found.names[label]
            for (rma_id, _), label in zip(texts, found.labels, strict=True)
            if label >= 0
        }
        cleared = cleared_returners(session)
        serial = {cid: why for cid, why in returners.items() if cid not in cleared}
        held = _return_flags(open_returns(session, until), serial, pattern_of)
        kinds = ((FlagKind.CUSTOMER, customers), (FlagKind.SKU, spikes), (FlagKind.RETURN, held))
        for kind, flags in kinds:
            counts[kind.value] = len(flags)
            counts["opened"] += raise_flags(session, flags).opened
        counts["reason_clusters"] = sum(1 for size in found.sizes if size)
        wall = perf_counter() - started
        log.info("returns scan since %s: %s in %.2f s", since.date(), counts, wall)
        return counts

    return db.transact(work)


def _returner_flags(
    purchases: list[CustomerPurchases],
) -> tuple[list[NewFlag], dict[int, str]]:
    """Customer flags, and each flagged customer's id with the reason in their words."""
    if not purchases:
        return [], {}
    frame = pd.DataFrame(
        {
            "customer": [p.code for p in purchases],
            "sold": [p.bought for p in purchases],
            "returned": [p.returned for p in purchases],
        }
    )
    rates = customer_flags(frame)
    typical = frame["returned"].sum() / frame["sold"].sum()
    flags, reasons = [], {}
    for p, row in zip(purchases, rates.itertuples(), strict=True):
        if not row.flagged:
            continue
        why = (
            f"returned {p.returned} of {p.bought} purchases "
            f"(smoothed rate {row.smoothed_rate:.0%} vs {typical:.0%} typical)"
        )
        details = {
            "purchases": p.bought,
            "returned": p.returned,
            "smoothed_rate": round(float(row.smoothed_rate), 4),
            "typical_rate": round(float(typical), 4),
            "lower_bound": round(float(row.lower_bound), 4),
        }
        score = float(row.smoothed_rate / typical)
        flags.append(
            NewFlag(FlagKind.CUSTOMER, p.code, score, [why], details, customer_id=p.customer_id)
        )
        reasons[p.customer_id] = f"customer {p.code} is a serial returner: {why}"
    return flags, reasons


def _spike_flags(days: list[SkuDay], since: date) -> list[NewFlag]:
    """SKU weeks out of control, from the BASELINE_WEEKS-th week after `since` (a Monday)."""
    if not days:
        return []
    frame = pd.DataFrame(days)
    frame["week"] = [day - timedelta(days=day.weekday()) for day in frame["day"]]
    weeks = frame.groupby(["sku", "item_id", "week"], as_index=False)[["sold", "returned"]].sum()
    spikes = sku_spikes(weeks)
    first = since + timedelta(weeks=BASELINE_WEEKS)
    spikes = spikes[(spikes["returned"] >= MIN_SPIKE_RETURNS) & (spikes["week"] >= first)]
    flags = []
    for row in spikes.itertuples():
        year, number, _ = row.week.isocalendar()
        label = f"{year}-W{number:02d}"
        why = (
            f"return rate {row.rate:.0%} in week {label} ({row.returned} of {row.sold} units) "
            f"vs {row.centre:.0%} usual (upper limit {row.limit:.0%})"
        )
        details = {
            "week": label,
            "sold": int(row.sold),
            "returned": int(row.returned),
            "rate": round(float(row.rate), 4),
            "usual_rate": round(float(row.centre), 4),
            "upper_limit": round(float(row.limit), 4),
        }
        # The score is how far the week's rate lies above its limit, in rate points.
        flags.append(
            NewFlag(
                FlagKind.SKU,
                f"{row.sku}@{label}",
                round(float(row.rate - row.limit), 4),
                [why],
                details,
                item_id=int(row.item_id),
                day=row.week,
            )
        )
    return flags


def _return_flags(
    returns: Sequence[OpenReturn], serial: dict[int, str], pattern_of: dict[int, str]
) -> list[NewFlag]:
    """One flag per open return with a reason to wait; its score counts the reasons."""
    flags = []
    for rma in returns:
        reasons = []
        if rma.refund_without_receipt:
            reasons.append(
                f"refund without receipt: {rma.refund_total:.2f} requested on "
                f"{rma.first_refund_at:%Y-%m-%d} and nothing has come back yet"
            )
        if rma.customer_id in serial:
            reasons.append(serial[rma.customer_id])
        if not reasons:
            continue
        details: dict[str, object] = {
            "status": rma.status.value,
            "units_received": rma.units_received,
            "refund_total": f"{rma.refund_total:.2f}",
        }
        if rma.return_id in pattern_of:
            details["reason_pattern"] = pattern_of[rma.return_id]
        flags.append(
            NewFlag(
                FlagKind.RETURN,
                f"RMA-{rma.return_id}",
                float(len(reasons)),
                reasons,
                details,
                order_id=rma.order_id,
                return_id=rma.return_id,
                customer_id=rma.customer_id,
            )
        )
    return flags
