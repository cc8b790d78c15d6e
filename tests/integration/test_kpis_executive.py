"""Every executive KPI on the ten-day shop of tests/kpi_shop.py, against figures worked out by
hand from its story (the arithmetic is beside each figure); margin to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from erp_core.adapters.database import Database
from erp_core.clock import replaying_at
from erp_core.queries.kpi_catalog import kpi_named
from erp_core.queries.kpi_frame import Grouping, KpiQuery, View
from tests.kpi_shop import AS_OF, END, START, open_shop

G = Grouping


@pytest.fixture
def shop(db: Database) -> Database:
    open_shop(db)
    return db


def rows(
    db: Database,
    name: str,
    group_by: Grouping | None = None,
    start: date = START,
    end: date = END,
) -> dict[str, dict[str, Any]]:
    """The KPI's rows keyed by group, computed on the evening of the last day."""
    kpi = kpi_named(View.EXECUTIVE, name)
    with replaying_at(AS_OF):
        found = db.read(lambda s: kpi.compute(s, KpiQuery(start, end, group_by)))
    assert [r["group"] for r in found] == sorted(r["group"] for r in found)
    return {r.pop("group"): r for r in found}


def test_backlog_is_what_was_ordered_by_the_end_and_not_shipped_then(shop: Database) -> None:
    # O3: 4 - 2 shipped = 2 A at 10.00 - 2.00 / 4 = 9.50 -> 19.00; O4: 1 B at 25.00.
    # O1 and O2 shipped whole; O5 was cancelled.
    assert rows(shop, "backlog") == {"all": {"orders": 2, "units": 3, "value": Decimal("44.00")}}
    assert rows(shop, "backlog", G.CHANNEL) == {
        "AMZ": {"orders": 1, "units": 2, "value": Decimal("19.00")},
        "WEB": {"orders": 1, "units": 1, "value": Decimal("25.00")},
    }
    assert rows(shop, "backlog", G.CATEGORY) == {
        "tools": {"orders": 1, "units": 2, "value": Decimal("19.00")},
        "uncategorised": {"orders": 1, "units": 1, "value": Decimal("25.00")},
    }
    # At the end of 10-02 O1 had shipped and O2 (2 B at 25.00, shipped 10-05) had not.
    assert rows(shop, "backlog", end=date(2026, 10, 2)) == {
        "all": {"orders": 1, "units": 2, "value": Decimal("50.00")}
    }


def test_fill_rate_counts_units_shipped_within_48_hours_of_receipt(shop: Database) -> None:
    # Ordered (O5 cancelled, left out): O1 3 + O2 2 + O3 4 + O4 1 = 10.
    # Within 48 h: O1 3 (12 h), O3 2 (6 h); O2 shipped after 72 h, O4 not at all: 5 / 10.
    assert rows(shop, "fill_rate") == {
        "all": {"units_ordered": 10, "units_filled": 5, "fill_rate": 0.5}
    }
    # AMZ: O2 2 + O3 4 = 6 ordered, 2 filled; WEB: O1 3 + O4 1 = 4, 3 filled.
    assert rows(shop, "fill_rate", G.CHANNEL) == {
        "AMZ": {"units_ordered": 6, "units_filled": 2, "fill_rate": 0.3333},
        "WEB": {"units_ordered": 4, "units_filled": 3, "fill_rate": 0.75},
    }
    # tools (A): O1 3 + O3 4 = 7 ordered, 3 + 2 = 5 filled: 0.7143; B: 3 ordered, 0 filled.
    assert rows(shop, "fill_rate", G.CATEGORY)["tools"]["fill_rate"] == 0.7143


def test_on_time_shipment_compares_the_ship_day_with_the_ship_by_day(shop: Database) -> None:
    # O1 shipped 10-01, ship-by 10-01 + 2 = 10-03: on time. O3 shipped 10-03, asked for
    # delivery 10-06: on time. O2 shipped 10-05, ship-by 10-02 + 2 = 10-04: late. 2 of 3.
    assert rows(shop, "on_time_shipment") == {
        "all": {"shipments": 3, "on_time": 2, "on_time_rate": 0.6667}
    }
    assert rows(shop, "on_time_shipment", G.LOCATION) == {
        "DC-1": {"shipments": 2, "on_time": 2, "on_time_rate": 1.0},
        "DC-2": {"shipments": 1, "on_time": 0, "on_time_rate": 0.0},
    }


def test_cycle_time_percentiles_run_from_receipt_to_each_shipment(shop: Database) -> None:
    # Hours: O3 6, O1 12, O2 72. p50 = 12; p90 at rank 0.9 x 2 = 1.8: 12 + 0.8 x 60 = 60;
    # p95 at 1.9: 12 + 0.9 x 60 = 66.
    assert rows(shop, "cycle_time") == {
        "all": {"shipments": 3, "p50_hours": 12.0, "p90_hours": 60.0, "p95_hours": 66.0}
    }
    # AMZ: 6 and 72: p50 = 6 + 0.5 x 66 = 39, p90 = 6 + 0.9 x 66 = 65.4, p95 = 68.7.
    assert rows(shop, "cycle_time", G.CHANNEL)["AMZ"] == {
        "shipments": 2,
        "p50_hours": 39.0,
        "p90_hours": 65.4,
        "p95_hours": 68.7,
    }
    # Only O2 shipped in 10-04..10-10.
    assert rows(shop, "cycle_time", start=date(2026, 10, 4))["all"]["p95_hours"] == 72.0


def test_inventory_turns_annualise_cost_shipped_over_average_stock_value(shop: Database) -> None:
    # COGS: O1 3 x 4 + O3 2 x 4 + O2 2 x 10 = 40.00. Opening (10-01 00:00): 10 A x 4 +
    # 5 B x 10 = 90; closing: 6 A x 4 + 8 B x 10 = 104; average 97.00.
    # Turns: 40 x 365 / 10 days / 97 = 15.0515 -> 15.05.
    assert rows(shop, "inventory_turns") == {
        "all": {
            "cogs": Decimal("40.00"),
            "average_inventory_value": Decimal("97.00"),
            "turns": 15.05,
        }
    }
    # DC-1: COGS 20, stock 40 -> 24, average 32: 20 x 36.5 / 32 = 22.81.
    # DC-2: COGS 20, stock 50 -> 80, average 65: 730 / 65 = 11.23.
    assert rows(shop, "inventory_turns", G.LOCATION) == {
        "DC-1": {
            "cogs": Decimal("20.00"),
            "average_inventory_value": Decimal("32.00"),
            "turns": 22.81,
        },
        "DC-2": {
            "cogs": Decimal("20.00"),
            "average_inventory_value": Decimal("65.00"),
            "turns": 11.23,
        },
    }


def test_stockout_risk_flags_skus_whose_free_stock_is_short_of_lead_time_demand(
    shop: Database,
) -> None:
    # A: free 10 - 3 - 4 reserved + 1 restocked = 4 < 0.5 a day x 10 days = 5: at risk.
    # B: free 5 + 5 - 2 = 8 >= 1.0 x 5 = 5. The stale 99 a day of 10-09 does not count.
    assert rows(shop, "stockout_risk") == {
        "all": {"skus_assessed": 2, "skus_at_risk": 1, "at_risk_rate": 0.5}
    }
    assert rows(shop, "stockout_risk", G.CATEGORY) == {
        "tools": {"skus_assessed": 1, "skus_at_risk": 1, "at_risk_rate": 1.0},
        "uncategorised": {"skus_assessed": 1, "skus_at_risk": 0, "at_risk_rate": 0.0},
    }


def test_cash_in_inventory_values_every_owned_unit_at_current_cost(shop: Database) -> None:
    # A at DC-1: 10 - 3 - 2 + 1 back = 6 (2 of them reserved) x 4.00 = 24.00;
    # B at DC-2: 5 + 5 - 2 = 8 x 10.00 = 80.00.
    assert rows(shop, "cash_in_inventory") == {"all": {"units": 14, "value": Decimal("104.00")}}
    assert rows(shop, "cash_in_inventory", G.LOCATION) == {
        "DC-1": {"units": 6, "value": Decimal("24.00")},
        "DC-2": {"units": 8, "value": Decimal("80.00")},
    }


def test_gross_margin_by_channel_equals_the_hand_computation_to_the_cent(shop: Database) -> None:
    margin = rows(shop, "gross_margin", G.CHANNEL)
    # AMZ invoices: O3's first 2 of 4 A: goods 20.00, discount 2.00 x 2/4 = 1.00, shipping
    # 5.00, total 24.00; O2: goods 50.00, tax 9.50, total 59.50.
    # Net revenue 20 + 50 - 1 + 5 = 74.00; fees 0.12 x (24.00 + 59.50) = 10.02;
    # carriers 4.20 + 6.10 = 10.30; COGS 2 x 4 + 2 x 10 = 28.00;
    # margin 74 - 10.02 - 10.30 - 28 = 25.68 = 34.70% of 74.
    assert margin["AMZ"] == {
        "revenue": Decimal("70.00"),
        "discounts": Decimal("1.00"),
        "shipping_income": Decimal("5.00"),
        "refunds": Decimal("0.00"),
        "net_revenue": Decimal("74.00"),
        "fees": Decimal("10.02"),
        "shipping_expense": Decimal("10.30"),
        "cogs": Decimal("28.00"),
        "gross_margin": Decimal("25.68"),
        "margin_pct": 34.70,
    }
    # WEB: O1 goods 30.00, discount 3.00, shipping 4.90 (tax 5.13 is not revenue); refund of
    # one damaged A: 10.00 - 3.00 / 3 = 9.00 (its 1.71 tax aside); COGS 3 x 4 = 12 less the
    # restocked unit at 4 = 8.00; carrier 3.80. Net 30 - 3 + 4.90 - 9 = 22.90; margin
    # 22.90 - 0 - 3.80 - 8 = 11.10 = 48.47% of 22.90.
    assert margin["WEB"] == {
        "revenue": Decimal("30.00"),
        "discounts": Decimal("3.00"),
        "shipping_income": Decimal("4.90"),
        "refunds": Decimal("9.00"),
        "net_revenue": Decimal("22.90"),
        "fees": Decimal("0.00"),
        "shipping_expense": Decimal("3.80"),
        "cogs": Decimal("8.00"),
        "gross_margin": Decimal("11.10"),
        "margin_pct": 48.47,
    }
    # Both: 25.68 + 11.10 = 36.78 of 74.00 + 22.90 = 96.90: 37.96%.
    everything = rows(shop, "gross_margin")["all"]
    assert (everything["gross_margin"], everything["margin_pct"]) == (Decimal("36.78"), 37.96)


def test_return_rate_is_units_back_over_units_shipped(shop: Database) -> None:
    # Shipped 3 + 2 + 2 = 7; 1 came back: 1 / 7 = 0.1429. WEB: 1 / 3; AMZ 0 / 4.
    assert rows(shop, "return_rate") == {
        "all": {"units_shipped": 7, "units_returned": 1, "return_rate": 0.1429}
    }
    assert rows(shop, "return_rate", G.CHANNEL) == {
        "AMZ": {"units_shipped": 4, "units_returned": 0, "return_rate": 0.0},
        "WEB": {"units_shipped": 3, "units_returned": 1, "return_rate": 0.3333},
    }


def test_a_range_where_nothing_happened_answers_one_row_with_undefined_rates(
    shop: Database,
) -> None:
    quiet = {"start": date(2026, 8, 1), "end": date(2026, 8, 31)}
    assert rows(shop, "fill_rate", **quiet) == {
        "all": {"units_ordered": 0, "units_filled": 0, "fill_rate": None}
    }
    assert rows(shop, "gross_margin", **quiet)["all"]["margin_pct"] is None
    assert rows(shop, "cycle_time", G.CHANNEL, **quiet) == {}
