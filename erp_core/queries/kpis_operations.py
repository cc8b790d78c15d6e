"""The operations view: the KPIs operations staff read to work their queues, each defined in its
description (what the API's catalog and the CSV export show)."""

from __future__ import annotations

from erp_core.queries import kpis_forecast as forecast
from erp_core.queries import kpis_fulfilment as fulfilment
from erp_core.queries import kpis_supply as supply
from erp_core.queries.kpi_frame import Grouping, Kpi, View

CHANNEL, LOCATION, CATEGORY = Grouping.CHANNEL, Grouping.LOCATION, Grouping.CATEGORY

OPERATIONS: tuple[Kpi, ...] = (
    Kpi(
        name="held_orders",
        view=View.OPERATIONS,
        title="Held orders",
        description=(
            "As of now: open holds, the orders they hold, their age in hours since the hold "
            "opened (median and oldest; none without open holds), how many are older than "
            "24 hours, and open holds per reason (open_<reason>). Also the holds opened on the "
            "days of the range (by hold opened_at), whatever became of them. Grouped by the "
            "order's channel."
        ),
        columns=(
            "open_holds",
            "held_orders",
            "age_p50_hours",
            "age_max_hours",
            "open_over_24h",
            "opened_in_range",
            *fulfilment.REASON_COLUMNS,
        ),
        groupings=frozenset({CHANNEL}),
        compute=fulfilment.held_orders,
    ),
    Kpi(
        name="backorders",
        view=View.OPERATIONS,
        title="Backorders",
        description=(
            "As of now: lines of backordered orders still waiting for stock (ordered less "
            "cancelled, allocated and shipped), their orders, units and value (waiting units "
            "x unit price, before the line's discount), and the age in hours of their orders "
            "since the order was created (median and oldest; none without backorders). The "
            "date range is ignored. Grouped by channel or by the line item's category."
        ),
        columns=("orders", "lines", "units", "value", "age_p50_hours", "age_max_hours"),
        groupings=frozenset({CHANNEL, CATEGORY}),
        compute=fulfilment.backorders,
    ),
    Kpi(
        name="pick_delays",
        view=View.OPERATIONS,
        title="Pick delays",
        description=(
            "Shipments shipped on the days of the range (by shipped_at): hours from when the "
            "last of their stock was allocated at the shipping location (the allocation's "
            "created_at, which is the release for orders allocated at release) to shipment, "
            "median and 90th percentile (linear interpolation), and how many and what share "
            f"took longer than {fulfilment.PICK_LATE_HOURS} hours. Time spent backordered "
            "before stock arrived is not a pick delay. Shipments without an allocation "
            "(imported history) are left out. Grouped by channel or shipping location."
        ),
        columns=("shipments", "p50_hours", "p90_hours", "late", "late_share"),
        groupings=frozenset({CHANNEL, LOCATION}),
        compute=fulfilment.pick_delays,
    ),
    Kpi(
        name="split_shipments",
        view=View.OPERATIONS,
        title="Split shipments",
        description=(
            "Orders first shipped on the days of the range (their earliest shipment's "
            "shipped_at): the share shipped in more than one shipment and the share shipped "
            "from more than one location, counting every shipment the order has had up to now, "
            "and shipments per order. Grouped by channel."
        ),
        columns=(
            "orders",
            "split_orders",
            "split_share",
            "multi_location_orders",
            "multi_location_share",
            "shipments_per_order",
        ),
        groupings=frozenset({CHANNEL}),
        compute=fulfilment.split_shipments,
    ),
    Kpi(
        name="replenishment_exceptions",
        view=View.OPERATIONS,
        title="Replenishment exceptions",
        description=(
            "The latest replenishment plan (highest id) planned on or before the range's end "
            "day: its lines, and the lines a planner should look at: cannot be planned (no "
            "forecast, no supplier, ...), cut below what the policy suggested by the plan's "
            "budget, space or capacity limits (and not edited since), or still at least "
            f"{supply.HIGH_STOCKOUT_RISK:.0%} likely to run out with the planned quantity. "
            "A line counts once in exceptions however many of these apply. plan is None "
            "when no plan exists. Grouped by location or category."
        ),
        columns=(
            "plan",
            "lines",
            "exceptions",
            "exception_share",
            "cannot_plan",
            "cut_by_limits",
            "high_risk",
        ),
        groupings=frozenset({LOCATION, CATEGORY}),
        compute=supply.replenishment_exceptions,
    ),
    Kpi(
        name="supplier_delivery",
        view=View.OPERATIONS,
        title="Supplier delays and on-time rate",
        description=(
            "Purchase receipt lines received on the days of the range (by the receipt's "
            "received_at): units received, the share on time (received no later than the PO "
            "line's expected date plus the grace days set when it was received), the late "
            "lines and their mean days late (UTC receipt day less expected date; none without "
            "late lines). Grouped by supplier (one row per supplier code), by the PO's "
            "receiving location or by category."
        ),
        columns=("receipt_lines", "units", "on_time_share", "late_lines", "mean_days_late"),
        groupings=frozenset({Grouping.SUPPLIER, LOCATION, CATEGORY}),
        compute=supply.supplier_delivery,
    ),
    Kpi(
        name="inventory_accuracy",
        view=View.OPERATIONS,
        title="Inventory accuracy",
        description=(
            "Count lines on sheets posted on the days of the range (by posted_at): the share "
            "whose counted quantity equals the system's (the free stock snapshotted when the "
            "sheet was made), the share within the count tolerance, and the absolute unit "
            "variance over the system units (variance_rate; none when the system had no "
            "units). Grouped by the counted location or category."
        ),
        columns=(
            "lines",
            "exact_share",
            "within_tolerance_share",
            "variance_units",
            "system_units",
            "variance_rate",
        ),
        groupings=frozenset({LOCATION, CATEGORY}),
        compute=supply.inventory_accuracy,
    ),
    Kpi(
        name="return_disposition",
        view=View.OPERATIONS,
        title="Return disposition cycle time",
        description=(
            "Returns whose last inspected units were routed (restock, quarantine, refurbish, "
            "write-off, return to vendor) on the days of the range, i.e. closed by the RMA's "
            "closed_at: hours from the parcel's receipt (received_at) to that moment, median, "
            "90th percentile (linear interpolation) and longest. Grouped by the order's channel "
            "or the location the return came back to."
        ),
        columns=("returns", "p50_hours", "p90_hours", "max_hours"),
        groupings=frozenset({CHANNEL, LOCATION}),
        compute=supply.return_disposition,
    ),
    Kpi(
        name="forecast_accuracy",
        view=View.OPERATIONS,
        title="Forecast vs actual",
        description=(
            "The latest succeeded per-SKU forecast run that forecast any day of the range, against "
            "actual demand: units ordered less cancelled on orders not cancelled whole, by SKU "
            "and UTC order day (as the forecaster learns it, before stockout imputation), on "
            "every SKU-day of the range the run forecast (a day without orders is 0 sold; "
            "runs by location or channel are not scored). WAPE = sum |forecast - actual| "
            "/ sum actual; bias = (sum forecast - sum actual) / sum actual, positive when the "
            "forecast was too high; both none when nothing sold. run is None when no run "
            "covers the range. Grouped by category."
        ),
        columns=("run", "sku_days", "forecast_units", "actual_units", "wape", "bias"),
        groupings=frozenset({CATEGORY}),
        compute=forecast.forecast_accuracy,
    ),
)
