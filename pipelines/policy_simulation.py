"""`keel simulate policy`: Keel's replenishment policy against a static reorder point on
held-out demand, from the ERP's own history or from a wide CSV of demand per period.

From the ERP each series is a SKU at a stocking location (`SKU@LOCATION`). Its supplier is the
one a plan would choose (`replenishment_inputs.choose_supplier`), with that supplier's terms:
unit cost, MOQ, pack. Lead times are drawn from the lane's mean and sd. The lane's figures are
learnt from receipts once there are enough of them, as plans learn them; otherwise they are
the supplier-item's stated terms. A CSV gives every series the same lead time, cost and
rounding. The replay itself is `optimization.policy_comparison`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from erp_core.adapters.database import Database
from erp_core.domain.errors import InvalidInput
from erp_core.queries.planning_facts import planning_facts
from optimization.lead_time_sampler import LeadTimeSampler
from optimization.policy_inputs import PanelTerms
from pipelines.demand_frames import SEPARATOR, demand_frame
from pipelines.replenishment_inputs import choose_supplier, learnt_lead_time


def erp_panel(
    db: Database, until: date, review_period: int, target: float
) -> tuple[pd.DataFrame, PanelTerms]:
    """Daily demand per SKU-location up to `until`, and each series' buying terms."""
    history = demand_frame(db, "location", until=until)
    history = history[history["unique_id"].str.contains(SEPARATOR, regex=False)]
    if history.empty:
        raise InvalidInput("there is no shipped demand per location to replay")
    facts = planning_facts(db, until)
    rows, lanes = {}, {}
    for unique_id in history["unique_id"].unique():
        sku = str(unique_id).split(SEPARATOR, 1)[0]
        terms = choose_supplier(facts.terms.get(sku, []), ())
        if terms is None:
            continue
        mean, sd, _ = learnt_lead_time(facts, sku, terms, db.settings.replenishment_min_receipts)
        lanes[unique_id] = LeadTimeSampler(mean, sd)
        rows[unique_id] = (float(terms.unit_cost), terms.moq, terms.pack_size, unique_id)
    if not rows:
        raise InvalidInput("no SKU with demand has an active supplier")
    table = pd.DataFrame.from_dict(
        rows, orient="index", columns=["unit_cost", "moq", "pack_size", "lane"]
    )
    kept = history[history["unique_id"].isin(rows)][["unique_id", "ds", "y"]]
    return kept.reset_index(drop=True), PanelTerms(table, lanes, review_period, target)


def csv_panel(
    path: Path,
    freq: str,
    start: date | None,
    lead_time: LeadTimeSampler,
    unit_cost: float,
    review_period: int,
    target: float,
) -> tuple[pd.DataFrame, PanelTerms]:
    """A wide CSV: the first column names the series, every other column is a period, headed
    by its date (2001-03, Mar-01) or, with `start`, taken as consecutive periods from it;
    empty cells are periods without observation."""
    wide = pd.read_csv(path)
    id_column = wide.columns[0]
    wide[id_column] = wide[id_column].astype(str)
    periods = list(wide.columns.drop(id_column))
    dates = _period_dates(periods, freq, start)
    long = wide.melt(id_vars=id_column, var_name="period", value_name="y").dropna(subset=["y"])
    long["ds"] = pd.to_datetime(long["period"].map(dict(zip(periods, dates, strict=True))))
    panel = long.rename(columns={id_column: "unique_id"})[["unique_id", "ds", "y"]]
    ids = panel["unique_id"].unique()
    table = pd.DataFrame(
        {"unit_cost": unit_cost, "moq": 0, "pack_size": 1, "lane": "all"}, index=ids
    )
    terms = PanelTerms(table, {"all": lead_time}, review_period, target)
    return panel.sort_values(["unique_id", "ds"], ignore_index=True), terms


def _period_dates(periods: list[str], freq: str, start: date | None) -> list[pd.Timestamp]:
    if start is not None:
        return list(pd.date_range(start, periods=len(periods), freq=freq))
    dates = pd.to_datetime(pd.Series(periods), format="mixed", errors="coerce")
    if dates.isna().any():
        unread = [p for p, d in zip(periods, dates, strict=True) if pd.isna(d)][:3]
        raise InvalidInput(f"period headers are not dates ({unread}); give --start")
    return list(dates)
