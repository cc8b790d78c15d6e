"""What a plan reads into the policy, without a database: where a SKU is planned, who supplies
it, which lead time counts, how a per-SKU forecast is split and which target applies."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from erp_core.queries.planning_facts import LeadTimeActuals, PlanningFacts, SupplyTerms
from pipelines.replenishment_inputs import PlanRequest, plan_inputs

DAY = date(2026, 5, 1)


def _facts(**extra: object) -> PlanningFacts:
    facts = PlanningFacts(items={"A": Decimal(10)}, locations=["DC-1", "DC-2"], suppliers=["S1"])
    facts.terms = {
        "A": [
            SupplyTerms("S2", Decimal(9), 10.0, 2.0, 1, 1),
            SupplyTerms("S1", Decimal(9), 5.0, 1.0, 1, 1),
            SupplyTerms("S3", Decimal(12), 2.0, 0.0, 1, 1),
        ]
    }
    facts.forecast_run, facts.forecast_grouping = 1, "sku"
    facts.forecast = {
        ("A", ""): [(DAY + timedelta(days=d), 8.0, 4.0, 12.0) for d in range(30)],
    }
    for name, value in extra.items():
        setattr(facts, name, value)
    return facts


def _history(dc1: float, dc2: float, days: int = 56) -> pd.DataFrame:
    ds = pd.date_range(end=pd.Timestamp(DAY) - pd.Timedelta(days=1), periods=days)
    return pd.concat(
        [
            pd.DataFrame({"unique_id": "A@DC-1", "ds": ds, "y": dc1}),
            pd.DataFrame({"unique_id": "A@DC-2", "ds": ds, "y": dc2}),
        ]
    )


def _request(**extra: object) -> PlanRequest:
    values: dict[str, object] = {
        "planning_date": DAY,
        "service_type": "cycle",
        "review_period": 7,
        "min_receipts": 3,
    }
    return PlanRequest(**(values | extra))  # type: ignore[arg-type]


def test_a_per_sku_forecast_is_split_by_each_locations_share_of_shipments() -> None:
    inputs = plan_inputs(_facts(), _history(3, 1), _request())
    demand = {p.key[1]: p.daily_demand for p in inputs.positions}
    assert demand == pytest.approx({"DC-1": 6.0, "DC-2": 2.0})
    sd = {p.key[1]: p.daily_sd for p in inputs.positions}
    assert sd["DC-1"] == pytest.approx(0.75 * 8 / (2 * 1.2816), rel=1e-3)


def test_the_cheapest_supplier_then_the_shortest_lead_time_is_chosen() -> None:
    inputs = plan_inputs(_facts(), _history(3, 1), _request())
    assert {p.supplier for p in inputs.positions} == {"S1"}
    only = plan_inputs(_facts(), _history(3, 1), _request(suppliers=("S3",)))
    assert {p.supplier for p in only.positions} == {"S3"}
    none = plan_inputs(_facts(), _history(3, 1), _request(suppliers=("S9",)))
    assert not none.positions and "S9" in none.unplannable[0].reason


def test_lead_times_are_learnt_from_enough_receipts_else_taken_from_the_terms() -> None:
    few = _facts(actuals={("A", "S1"): LeadTimeActuals(2, 9.0, 3.0)})
    taken = plan_inputs(few, _history(3, 1), _request()).positions[0]
    assert (taken.lead_time_mean, taken.lead_time_source) == (5.0, "supplier-item terms")
    enough = _facts(actuals={("A", "S1"): LeadTimeActuals(4, 9.0, 3.0)})
    learnt = plan_inputs(enough, _history(3, 1), _request()).positions[0]
    assert (learnt.lead_time_mean, learnt.lead_time_sd) == (9.0, 3.0)
    assert learnt.lead_time_source == "learnt from 4 receipts"


def test_backorders_count_once_at_the_location_serving_most_demand() -> None:
    facts = _facts(backorders={"A": 12})
    positions = plan_inputs(facts, _history(1, 3), _request()).positions
    assert {p.key[1]: p.backorders for p in positions} == {"DC-1": 0, "DC-2": 12}


def test_a_skus_own_target_beats_its_class_target_which_beats_the_default() -> None:
    default = plan_inputs(_facts(), _history(3, 1), _request()).positions[0]
    grades = plan_inputs(_facts(), _history(3, 1), _request()).service_classes
    by_class = _request(class_targets={grades[default.key]: 0.91})
    assert plan_inputs(_facts(), _history(3, 1), by_class).positions[0].service_level == 0.91
    by_sku = _request(class_targets={grades[default.key]: 0.91}, sku_targets={"A": 0.99})
    assert plan_inputs(_facts(), _history(3, 1), by_sku).positions[0].service_level == 0.99


def test_a_sku_without_a_forecast_cannot_be_planned_and_says_so() -> None:
    inputs = plan_inputs(_facts(forecast={}), _history(3, 1), _request())
    assert not inputs.positions
    assert all("forecast run 1 has no forecast" in u.reason for u in inputs.unplannable)
