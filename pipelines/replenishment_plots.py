"""A plan line's picture: projected net stock, stock on order and inventory position against
the line's reorder point, order-up-to level and safety stock, with the planned order arriving
on its expected day. Figures come from what the plan recorded, not from today's stock."""

from __future__ import annotations

import io
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from erp_core.adapters.database import Database
from erp_core.domain.errors import InvalidInput
from erp_core.queries.replenishment_plans import get_line
from optimization.projection import Projection, project_inventory

# At least four weeks, else twice the protection interval: enough to see the next order land.
MIN_DAYS = 28


def line_plot(db: Database, plan_id: int, line_no: int) -> bytes:
    line = get_line(db, plan_id, line_no)
    why = line["explanation"]
    if not why:
        raise InvalidInput(f"line {line_no} could not be planned: {line['reason']}")
    planning_date: date = line["planning_date"]
    arrivals = [(_offset(planning_date, day), qty) for day, qty in why["inbound_schedule"]]
    if line["qty"] and line["expected_arrival"]:
        arrivals.append((_offset(planning_date, line["expected_arrival"]), line["qty"]))
    days = max(MIN_DAYS, 2 * int(why["protection_days"]))
    net = why["on_hand"] - why["reserved"] - why["backorders"]
    projection = project_inventory(net, why["daily_demand"], arrivals, days)
    return _png(projection, why, f"{line['sku']} at {line['location']} (plan {plan_id})")


def _offset(start: date, day: date | str) -> int:
    return (
        date.fromisoformat(day) if isinstance(day, str) else day
    ).toordinal() - start.toordinal()


def _png(projection: Projection, why: dict, title: str) -> bytes:
    figure = Figure(figsize=(9, 4.5))
    axes = figure.subplots()
    axes.step(projection.day, projection.net_stock, where="post", label="net stock")
    axes.step(projection.day, projection.position, where="post", label="inventory position")
    axes.fill_between(
        projection.day, 0, projection.on_order, step="post", alpha=0.2, label="on order"
    )
    axes.axhline(why["reorder_point"], color="tab:red", linestyle="--", label="reorder point")
    axes.axhline(why["order_up_to"], color="tab:green", linestyle=":", label="order-up-to")
    axes.axhline(why["safety_stock"], color="tab:orange", linestyle="-.", label="safety stock")
    axes.axhline(0, color="black", linewidth=0.6)
    axes.set(title=title, xlabel="days from the planning date", ylabel="units")
    axes.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()
