"""Each operations KPI on the small shop of tests/kpi_ops_shop.py, read for October 5-7 at
October 8 12:00 UTC, equals the answer computed by hand from the shop's story."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from erp_core.adapters.database import Database
from erp_core.clock import replaying_at
from erp_core.queries.kpi_frame import Grouping, KpiQuery, Rows, View
from erp_core.queries.kpis_operations import OPERATIONS
from tests.kpi_ops_shop import END, NOW, START, ops_shop

KPIS = {kpi.name: kpi for kpi in OPERATIONS}
CHANNEL, LOCATION, CATEGORY = Grouping.CHANNEL, Grouping.LOCATION, Grouping.CATEGORY


@pytest.fixture
def shop(db: Database) -> Database:
    ops_shop(db)
    return db


def read(
    db: Database,
    name: str,
    group_by: Grouping | None = None,
    start: date = START,
    end: date = END,
) -> Rows:
    kpi = KPIS[name]
    with replaying_at(NOW):
        return db.read(lambda session: kpi.compute(session, KpiQuery(start, end, group_by)))


def by_group(rows: Rows, *columns: str) -> dict[str, tuple[Any, ...]]:
    return {row["group"]: tuple(row[c] for c in columns) for row in rows}


def test_every_operations_kpi_answers_its_columns_per_group_in_group_order(
    shop: Database,
) -> None:
    assert len(KPIS) == len(OPERATIONS) == 9
    for kpi in OPERATIONS:
        assert kpi.view == View.OPERATIONS and not kpi.needs_cost
        for group_by in (None, *kpi.groupings):
            rows = read(shop, kpi.name, group_by)
            assert rows, (kpi.name, group_by)
            assert all(list(row) == ["group", *kpi.columns] for row in rows), kpi.name
            groups = [row["group"] for row in rows]
            assert groups == sorted(groups) and len(set(groups)) == len(groups)
            if group_by is None:
                assert groups == ["all"]


def test_held_orders_count_open_holds_by_reason_with_their_age_as_of_now(shop: Database) -> None:
    # Open at Oct 8 12:00: H4 (MKT payment, opened Oct 1 12:00: 7 x 24 = 168 h), H1 (WEB
    # payment, Oct 5 10:00: 72 + 2 = 74 h), H2 (WEB address, Oct 6 12:00: 48 h). H3 (MKT,
    # opened Oct 7 00:00) was released; opened in Oct 5-7: H1, H2, H3 = 3.
    [row] = read(shop, "held_orders")
    assert row["open_holds"] == row["held_orders"] == 3
    # ages sorted 48, 74, 168: median 74, oldest 168, all three older than 24 h
    assert (row["age_p50_hours"], row["age_max_hours"], row["open_over_24h"]) == (74, 168, 3)
    assert row["opened_in_range"] == 3
    assert (row["open_payment"], row["open_address"], row["open_margin"]) == (2, 1, 0)
    columns = ("open_holds", "age_p50_hours", "age_max_hours", "opened_in_range", "open_address")
    assert by_group(read(shop, "held_orders", CHANNEL), *columns) == {
        "MKT": (1, 168.0, 168.0, 1, 0),  # H4 open; H3 opened in range
        "WEB": (2, 61.0, 74.0, 2, 1),  # (48 + 74) / 2 = 61
    }


def test_backorders_are_the_units_still_waiting_valued_at_price_and_aged_by_order(
    shop: Database,
) -> None:
    # O5 (MKT, created Oct 7 09:00: 27 h old): A 6 ordered, the 4 left at DC-1 allocated, 2
    # wait at 10.00 = 20.00. O6 (WEB, Oct 6 12:00: 48 h): C 5 wait at 6.00 = 30.00.
    [row] = read(shop, "backorders")
    assert row == {
        "group": "all",
        "orders": 2,
        "lines": 2,
        "units": 7,  # 2 + 5
        "value": Decimal("50.00"),  # 20.00 + 30.00
        "age_p50_hours": 37.5,  # (27 + 48) / 2
        "age_max_hours": 48.0,
    }
    columns = ("units", "value", "age_max_hours")
    assert by_group(read(shop, "backorders", CHANNEL), *columns) == {
        "MKT": (2, Decimal("20.00"), 27.0),
        "WEB": (5, Decimal("30.00"), 48.0),
    }
    assert by_group(read(shop, "backorders", CATEGORY), *columns) == {
        "toys": (2, Decimal("20.00"), 27.0),  # A
        "uncategorised": (5, Decimal("30.00"), 48.0),  # C has no category
    }


def test_pick_delays_run_from_allocation_to_shipment_for_shipments_in_range(
    shop: Database,
) -> None:
    # Shipped Oct 5-7, hours since the stock was allocated at release: O1 DC-1 WEB 09:00 ->
    # 15:00 = 6; O3 A DC-1 MKT Oct 6 08:00 -> 20:00 = 12; O3 B DC-2 MKT Oct 6 08:00 -> Oct 7
    # 08:00 = 24; O2 DC-2 WEB Oct 5 10:00 -> Oct 7 10:00 = 48. O4 shipped Oct 4: outside.
    [row] = read(shop, "pick_delays")
    # sorted 6, 12, 24, 48: p50 at rank 1.5 = 12 + 0.5 x 12 = 18; p90 at rank 2.7 =
    # 24 + 0.7 x 24 = 40.8; only 48 is over 24 h: 1 of 4
    assert row == {
        "group": "all",
        "shipments": 4,
        "p50_hours": 18.0,
        "p90_hours": 40.8,
        "late": 1,
        "late_share": 0.25,
    }
    columns = ("shipments", "p50_hours", "p90_hours", "late", "late_share")
    assert by_group(read(shop, "pick_delays", LOCATION), *columns) == {
        "DC-1": (2, 9.0, 11.4, 0, 0.0),  # 6, 12: p50 9, p90 6 + 0.9 x 6 = 11.4
        "DC-2": (2, 36.0, 45.6, 1, 0.5),  # 24, 48: p50 36, p90 24 + 0.9 x 24 = 45.6
    }
    assert by_group(read(shop, "pick_delays", CHANNEL), *columns) == {
        "MKT": (2, 18.0, 22.8, 0, 0.0),  # 12, 24: p90 12 + 0.9 x 12 = 22.8
        "WEB": (2, 27.0, 43.8, 1, 0.5),  # 6, 48: p50 27, p90 6 + 0.9 x 42 = 43.8
    }


def test_split_shipments_share_orders_first_shipped_in_range(shop: Database) -> None:
    # First shipped Oct 5-7: O1 (1 shipment), O2 (1), O3 (2, from DC-1 and DC-2); O4 first
    # shipped Oct 4 is not counted.
    [row] = read(shop, "split_shipments")
    assert row == {
        "group": "all",
        "orders": 3,
        "split_orders": 1,
        "split_share": 0.3333,  # 1 / 3
        "multi_location_orders": 1,
        "multi_location_share": 0.3333,
        "shipments_per_order": 1.333,  # 4 / 3
    }
    columns = ("orders", "split_share", "multi_location_share", "shipments_per_order")
    assert by_group(read(shop, "split_shipments", CHANNEL), *columns) == {
        "MKT": (1, 1.0, 1.0, 2.0),
        "WEB": (2, 0.0, 0.0, 1.0),
    }


def test_replenishment_exceptions_flag_unplannable_cut_and_risky_lines_of_the_latest_plan(
    shop: Database,
) -> None:
    # Plan 1 (Oct 6) lines: 1 A DC-1 fine; 2 B DC-2 cut 20 -> 12; 3 C DC-1 cannot plan;
    # 4 P DC-1 risk 0.6; 5 Q DC-2 cut 8 -> 4 and risk 0.7; 6 P DC-2 edited 10 -> 5 by a
    # planner (not a cut); 7 A DC-2 fine. Exceptions: lines 2, 3, 4, 5 = 4 of 7.
    [row] = read(shop, "replenishment_exceptions")
    assert row == {
        "group": "all",
        "plan": 1,
        "lines": 7,
        "exceptions": 4,
        "exception_share": 0.5714,  # 4 / 7
        "cannot_plan": 1,
        "cut_by_limits": 2,
        "high_risk": 2,
    }
    columns = ("lines", "exceptions", "exception_share", "cannot_plan", "cut_by_limits")
    assert by_group(read(shop, "replenishment_exceptions", LOCATION), *columns) == {
        "DC-1": (3, 2, 0.6667, 1, 0),  # lines 1, 3, 4: 3 and 4 flagged
        "DC-2": (4, 2, 0.5, 0, 2),  # lines 2, 5, 6, 7: 2 and 5 flagged
    }
    assert by_group(read(shop, "replenishment_exceptions", CATEGORY), "lines", "exceptions") == {
        "garden": (1, 1),  # B
        "tools": (2, 1),  # P: line 4
        "toys": (2, 0),  # A
        "uncategorised": (2, 2),  # C, Q
    }


def test_replenishment_exceptions_read_the_latest_plan_planned_by_the_range_end(
    shop: Database,
) -> None:
    # Plan 2 (planned for Oct 9) has one line, which cannot be planned; before Oct 6 no plan.
    [later] = read(shop, "replenishment_exceptions", end=date(2026, 10, 9))
    assert (later["plan"], later["lines"], later["exceptions"], later["cannot_plan"]) == (
        2,
        1,
        1,
        1,
    )
    [none] = read(shop, "replenishment_exceptions", start=date(2026, 10, 1), end=date(2026, 10, 5))
    assert (none["plan"], none["lines"], none["exceptions"], none["exception_share"]) == (
        None,
        0,
        0,
        None,
    )


def test_supplier_delivery_measures_receipts_in_range_against_expected_dates(
    shop: Database,
) -> None:
    # Received Oct 5-7: PO1 (SUP1, DC-1) P 10 and Q 4 expected Oct 5, received Oct 5: on
    # time. PO2 (SUP2, DC-2) P 6 expected Oct 4 and Q 2 expected Oct 6, received Oct 7: 3 and
    # 1 days late. PO3's receipt on Oct 3 is outside.
    [row] = read(shop, "supplier_delivery")
    assert row == {
        "group": "all",
        "receipt_lines": 4,
        "units": 22,  # 10 + 4 + 6 + 2
        "on_time_share": 0.5,  # 2 of 4
        "late_lines": 2,
        "mean_days_late": 2.0,  # (3 + 1) / 2
    }
    columns = ("receipt_lines", "units", "on_time_share", "late_lines", "mean_days_late")
    assert by_group(read(shop, "supplier_delivery", Grouping.SUPPLIER), *columns) == {
        "SUP1": (2, 14, 1.0, 0, None),
        "SUP2": (2, 8, 0.0, 2, 2.0),
    }
    assert by_group(read(shop, "supplier_delivery", LOCATION), *columns) == {
        "DC-1": (2, 14, 1.0, 0, None),
        "DC-2": (2, 8, 0.0, 2, 2.0),
    }
    assert by_group(read(shop, "supplier_delivery", CATEGORY), *columns) == {
        "tools": (2, 16, 0.5, 1, 3.0),  # P: 10 on time, 6 three days late
        "uncategorised": (2, 6, 0.5, 1, 1.0),  # Q: 4 on time, 2 one day late
    }


def test_inventory_accuracy_compares_counts_posted_in_range_with_the_system(
    shop: Database,
) -> None:
    # DC-1 Oct 6: P system 15 (PO3 5 + PO1 10) counted 15, Q system 4 counted 3. DC-2 Oct 7:
    # P system 6 counted 4. Exact: 1 of 3; variance 0 + 1 + 2 = 3 of 15 + 4 + 6 = 25 units.
    [row] = read(shop, "inventory_accuracy")
    assert row == {
        "group": "all",
        "lines": 3,
        "exact_share": 0.3333,
        "within_tolerance_share": 0.3333,  # the default tolerance is none
        "variance_units": 3,
        "system_units": 25,
        "variance_rate": 0.12,  # 3 / 25
    }
    columns = ("lines", "exact_share", "variance_units", "system_units", "variance_rate")
    assert by_group(read(shop, "inventory_accuracy", LOCATION), *columns) == {
        "DC-1": (2, 0.5, 1, 19, 0.0526),  # 1 / 19 = 0.05263
        "DC-2": (1, 0.0, 2, 6, 0.3333),  # 2 / 6
    }
    assert by_group(read(shop, "inventory_accuracy", CATEGORY), *columns) == {
        "tools": (2, 0.5, 2, 21, 0.0952),  # P: 2 / (15 + 6) = 0.09524
        "uncategorised": (1, 0.0, 1, 4, 0.25),  # Q
    }


def test_return_disposition_times_returns_closed_in_range_from_their_receipt(
    shop: Database,
) -> None:
    # R1 (WEB) received Oct 5 12:00, closed Oct 6 00:00: 12 h. R2 (MKT) received Oct 7 00:00,
    # closed 18:00: 18 h. R3 closed Oct 8: outside. Both came back to DC-1.
    [row] = read(shop, "return_disposition")
    # sorted 12, 18: p50 15; p90 at rank 0.9 = 12 + 0.9 x 6 = 17.4
    assert row == {
        "group": "all",
        "returns": 2,
        "p50_hours": 15.0,
        "p90_hours": 17.4,
        "max_hours": 18.0,
    }
    columns = ("returns", "p50_hours", "max_hours")
    assert by_group(read(shop, "return_disposition", CHANNEL), *columns) == {
        "MKT": (1, 18.0, 18.0),
        "WEB": (1, 12.0, 12.0),
    }
    assert by_group(read(shop, "return_disposition", LOCATION), *columns) == {
        "DC-1": (2, 15.0, 18.0)
    }


def test_forecast_accuracy_scores_the_latest_run_covering_the_range_against_orders(
    shop: Database,
) -> None:
    # Run 2 forecasts A 3, B 1, C 1 a day from Oct 5 (run 3 starts Oct 9, run 1 is older).
    # Ordered: A 2 (O1 Oct 5), 1 (O3 Oct 6), 6 (O5 Oct 7); B 1 (O2 Oct 5), 1 (O3 Oct 6), 0;
    # C 0, 5 (O6 Oct 6), 0. Held orders bought only Q, which was not forecast.
    # |errors|: A 1 + 2 + 3 = 6, B 0 + 0 + 1 = 1, C 1 + 4 + 1 = 6: 13 of 16 sold.
    [row] = read(shop, "forecast_accuracy")
    assert row == {
        "group": "all",
        "run": 2,
        "sku_days": 9,
        "forecast_units": 15.0,  # 9 + 3 + 3
        "actual_units": 16,  # 9 + 2 + 5
        "wape": 0.8125,  # 13 / 16
        "bias": -0.0625,  # (15 - 16) / 16
    }
    columns = ("forecast_units", "actual_units", "wape", "bias")
    assert by_group(read(shop, "forecast_accuracy", CATEGORY), *columns) == {
        "garden": (3.0, 2, 0.5, 0.5),  # B: 1 / 2, (3 - 2) / 2
        "toys": (9.0, 9, 0.6667, 0.0),  # A: 6 / 9
        "uncategorised": (3.0, 5, 1.2, -0.4),  # C: 6 / 5, (3 - 5) / 5
    }
    # Oct 1-3: only run 1 covers it (A 100 a day); nothing was ordered then.
    [early] = read(shop, "forecast_accuracy", start=date(2026, 10, 1), end=date(2026, 10, 3))
    assert (early["run"], early["forecast_units"], early["actual_units"], early["wape"]) == (
        1,
        300.0,
        0,
        None,
    )
    # Oct 1-20: run 3 (A 50 a day from Oct 9) is the newest with a day in it; Oct 9-20 is 12
    # days, 12 x 50 = 600, and nothing was ordered after Oct 8.
    [wide] = read(shop, "forecast_accuracy", CATEGORY, date(2026, 10, 1), date(2026, 10, 20))
    assert wide == {
        "group": "toys",
        "run": 3,
        "sku_days": 12,
        "forecast_units": 600.0,
        "actual_units": 0,
        "wape": None,
        "bias": None,
    }


def test_a_range_without_events_answers_one_empty_row(shop: Database) -> None:
    quiet = {"start": date(2026, 9, 1), "end": date(2026, 9, 2)}
    assert read(shop, "pick_delays", **quiet) == [
        {
            "group": "all",
            "shipments": 0,
            "p50_hours": None,
            "p90_hours": None,
            "late": 0,
            "late_share": None,
        }
    ]
    assert read(shop, "supplier_delivery", Grouping.SUPPLIER, **quiet) == []
    [split] = read(shop, "split_shipments", **quiet)
    assert (split["orders"], split["split_share"]) == (0, None)
    [returns] = read(shop, "return_disposition", **quiet)
    assert (returns["returns"], returns["p50_hours"]) == (0, None)
    [counted] = read(shop, "inventory_accuracy", **quiet)
    assert (counted["lines"], counted["variance_rate"]) == (0, None)
    [forecast] = read(shop, "forecast_accuracy", **quiet)
    assert (forecast["run"], forecast["sku_days"], forecast["wape"]) == (None, 0, None)
