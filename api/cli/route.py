"""`keel route order|cost-model`: where an order should ship from, and the cost model routing
prices with, from the terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.output import cli_actor, console, reports_errors, show_table
from api.composition import database
from api.schemas.routing import CostModel
from erp_core.services.routing_cost_model import cost_model, replace_cost_model
from pipelines.routing_answers import route
from pipelines.routing_waves import route_wave_of, waveable_orders

app = typer.Typer(help="Fulfillment routing.", no_args_is_help=True)
cost_app = typer.Typer(help="The routing cost model.", no_args_is_help=True)
app.add_typer(cost_app, name="cost-model")
INFEASIBLE_EXIT = 3


@app.command("order")
@reports_errors
def route_order(order_id: int) -> None:
    """Route a stored order's open lines (reserves nothing). Exit 3 when it cannot ship."""
    answer = route(database(), order_id, None)
    _print(answer)
    if answer["status"] == "infeasible":
        raise typer.Exit(INFEASIBLE_EXIT)


@app.command("wave")
@reports_errors
def wave(
    limit: Annotated[int, typer.Option(help="most orders in the wave")] = 5_000,
    time_limit: Annotated[float | None, typer.Option(help="seconds to search")] = None,
    show: Annotated[int, typer.Option(help="orders to print")] = 20,
) -> None:
    """Route the orders waiting to ship (ready, released, backordered) jointly; reserves nothing."""
    db = database()
    orders = waveable_orders(db, limit)
    if not orders:
        console.print("no orders are waiting to ship")
        return
    with console.status(f"routing a wave of {len(orders)} orders"):
        answer = route_wave_of(db, orders, time_limit)
    console.print(
        f"{answer['status']}: {answer['orders']} orders, objective {answer['objective']} "
        f"(bound {answer['bound']}, gap {100 * answer['gap']:.2f}%), routing cost "
        f"{answer['routing_cost']}, {answer['unfilled_units']} units unfilled; "
        f"{answer['saving_vs_greedy']} cheaper than greedy one by one; "
        f"{answer['wall_time_ms'] / 1000:.1f} s"
    )
    rows = [
        {
            "order": route["order_id"],
            "cost": route["cost"],
            "unfilled": route["unfilled_units"] or "",
            "from": "; ".join(f"{line['sku']}: {_sources(line)}" for line in route["lines"]),
        }
        for route in answer["routes"][:show]
    ]
    show_table("wave", rows, ["order", "cost", "unfilled", "from"])


@cost_app.command("show")
@reports_errors
def show(
    out: Annotated[Path | None, typer.Option("--json", help="write the model here")] = None,
) -> None:
    """Print the lanes (or write the whole model as JSON, ready to edit and load)."""
    model = CostModel.model_validate(cost_model(database()))
    if out:
        out.write_text(model.model_dump_json(indent=2), encoding="utf-8")
        console.print(f"wrote {len(model.zones)} zones and {len(model.lanes)} lanes to {out}")
        return
    rows = [
        {
            "location": lane.location,
            "zone": lane.zone,
            "days": lane.transit_days,
            "bands": ", ".join(
                f"<={band.max_weight_kg or 'any'} kg {band.price}+{band.price_per_kg}/kg"
                for band in lane.rates
            ),
        }
        for lane in model.lanes
    ]
    show_table("lanes", rows, ["location", "zone", "days", "bands"])
    console.print(model.parameters.model_dump_json())


@cost_app.command("load")
@reports_errors
def load(path: Path) -> None:
    """Replace the whole cost model with a JSON file shaped like `show --json` writes."""
    body = CostModel.model_validate(json.loads(path.read_text(encoding="utf-8")))
    loaded = replace_cost_model(database(), cli_actor(), body.to_command())
    console.print(f"loaded {len(loaded['zones'])} zones and {len(loaded['lanes'])} lanes")


def _sources(line: dict[str, Any]) -> str:
    return ", ".join(f"{s['location']} x{s['qty']}" for s in line["sources"])


def _print(answer: dict[str, Any]) -> None:
    colour = "green" if answer["status"] == "optimal" else "yellow"
    console.print(
        f"[{colour}]{answer['status']}[/{colour}] channel {answer['channel']}, "
        f"zone {answer['zone'] or '-'}, promised {answer['promised_delivery_date'] or '-'}"
    )
    rows = [
        {
            "line": line["line"],
            "sku": line["sku"],
            "qty": line["qty"],
            "from": _sources(line),
            "short": line["short"] or "",
        }
        for line in answer["lines"]
    ]
    show_table("route", rows, ["line", "sku", "qty", "from", "short"])
    if answer["cost"]:
        cost = answer["cost"]
        console.print(
            f"cost {cost['total']} = handling {cost['handling']} + shipping {cost['shipping']}"
            f" + split penalty {cost['split_penalty']}"
        )
    if answer["alternatives"]:
        show_table("alternatives", answer["alternatives"], ["name", "cost", "why_lost"])
    for reason in answer["reasons"]:
        console.print(f"[yellow]{reason}[/yellow]")
