"""`keel plan create|show|edit|approve|plot`: replenishment plans from the terminal."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.output import cli_actor, console, progress_bar, reports_errors, show_table
from api.composition import database
from erp_core.clock import utcnow
from erp_core.domain.errors import InvalidInput
from erp_core.domain.replenishment import LineStatus
from erp_core.queries.replenishment_plans import get_plan, plan_lines
from erp_core.services.replenishment_plans import approve_plan, edit_line
from pipelines.replenishment_plan import PlanAsk, create_plan
from pipelines.replenishment_plots import line_plot

app = typer.Typer(help="Replenishment plans.", no_args_is_help=True)
Codes = Annotated[list[str], typer.Option(help="repeat for several")]
Pairs = Annotated[list[str], typer.Option(help="NAME=NUMBER, repeat for several")]
COLUMNS = ["line", "sku", "location", "supplier", "qty", "cost", "order_by", "binding", "reason"]
PAGE = 1_000


@app.command("create")
@reports_errors
def create(
    on: Annotated[str | None, typer.Option("--date", help="planning date (default today)")] = None,
    sku: Codes = [],  # noqa: B006 - typer reads the default, never mutates it
    location: Codes = [],  # noqa: B006
    supplier: Codes = [],  # noqa: B006
    budget: Annotated[Decimal | None, typer.Option(help="most the plan may spend")] = None,
    space: Pairs = [],  # noqa: B006
    capacity: Pairs = [],  # noqa: B006
    service: Annotated[list[str], typer.Option(help="CLASS=LEVEL or SKU=LEVEL, e.g. AX=0.99")] = [],  # noqa: B006
    service_type: Annotated[str | None, typer.Option(help="cycle or fill_rate")] = None,
    review_period: Annotated[int | None, typer.Option(help="days between reviews")] = None,
    show: Annotated[int, typer.Option(help="ordering lines to print")] = 20,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="write every line here")] = None,
) -> None:
    """Plan purchases for every SKU-location in scope and print the lines that order."""
    db = database()
    ask = PlanAsk(
        planning_date=date.fromisoformat(on) if on else utcnow().date(),
        skus=tuple(sku),
        locations=tuple(location),
        suppliers=tuple(supplier),
        budget=budget,
        space_by_location={k: int(v) for k, v in _pairs(space).items()},
        units_by_supplier={k: int(v) for k, v in _pairs(capacity).items()},
        service_levels={k: float(v) for k, v in _pairs(service).items()},
        service_type=service_type,
        review_period=review_period,
    )
    with progress_bar() as bar:
        task = bar.add_task("planning", total=None)
        plan_id = create_plan(
            db,
            cli_actor(),
            ask,
            progress=lambda phase, done, total: bar.update(
                task, description=phase, completed=done, total=total
            ),
        )
    _summary(plan_id)
    _print_lines(plan_id, LineStatus.ORDER, show)
    if csv_out:
        _export(plan_id, csv_out)


@app.command("show")
@reports_errors
def show_plan(
    plan_id: int,
    status: Annotated[LineStatus | None, typer.Option(help="only lines in this status")] = None,
    show: Annotated[int, typer.Option(help="lines to print")] = 50,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="write every line here")] = None,
) -> None:
    """A plan's totals and lines."""
    _summary(plan_id)
    _print_lines(plan_id, status, show)
    if csv_out:
        _export(plan_id, csv_out)


@app.command("edit")
@reports_errors
def edit(
    plan_id: int,
    line: int,
    note: Annotated[str, typer.Option(help="why: kept with the line")],
    qty: Annotated[int | None, typer.Option(help="order this many instead")] = None,
    drop: Annotated[bool, typer.Option(help="take the line out of the plan")] = False,
) -> None:
    """Change a line's quantity, or drop it, before approval."""
    if drop == (qty is not None):
        raise InvalidInput("give either --qty or --drop")
    changed = edit_line(database(), cli_actor(), plan_id, line, qty, note)
    show_table(f"Plan {plan_id} line {line}", [changed], COLUMNS)


@app.command("approve")
@reports_errors
def approve(plan_id: int) -> None:
    """Turn the plan's ordering lines into draft purchase orders per supplier and location."""
    plan = approve_plan(database(), cli_actor(), plan_id)
    orders = ", ".join(map(str, plan["purchase_order_ids"])) or "none (nothing to order)"
    console.print(f"plan {plan_id} approved; draft purchase orders: {orders}")


@app.command("plot")
@reports_errors
def plot(
    plan_id: int,
    line: int,
    output: Annotated[Path, typer.Option(help="PNG file to write")] = Path("plan-line.png"),
) -> None:
    """Write a line's inventory projection as a PNG."""
    output.write_bytes(line_plot(database(), plan_id, line))
    console.print(f"wrote {output}")


def _pairs(items: list[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise InvalidInput(f"{item!r} is not NAME=NUMBER")
        pairs[name.strip()] = value.strip()
    return pairs


def _summary(plan_id: int) -> None:
    plan = get_plan(database(), plan_id)
    summary = plan["summary"]
    solver = summary.get("solver", {})
    console.print(
        f"plan {plan_id} ({plan['status'].value}) for {plan['planning_date']}: "
        f"{summary.get('sku_locations', 0)} SKU-locations, "
        + ", ".join(f"{count} {status}" for status, count in plan["lines"].items())
    )
    console.print(
        f"suggested {summary.get('suggested_value')}, planned {summary.get('planned_value')}"
        + (f", budget {plan['budget']:.2f}" if plan["budget"] is not None else "")
        + f"; limits: {solver.get('status')}"
        + (f", binding {', '.join(solver['binding'])}" if solver.get("binding") else "")
        + f"; {summary.get('wall_time_s')} s"
    )


def _print_lines(plan_id: int, status: LineStatus | None, limit: int) -> None:
    page = plan_lines(database(), plan_id, status, None, min(limit, PAGE))
    show_table(f"Plan {plan_id} lines", page.data, COLUMNS)


def _export(plan_id: int, path: Path) -> None:
    db, cursor, written = database(), None, 0
    fields = [c for c in COLUMNS if c != "reason"] + ["suggested_qty", "unit_cost", "status"]
    fields += ["expected_arrival", "stockout_risk", "reason"]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        while True:
            page = plan_lines(db, plan_id, None, cursor, PAGE)
            writer.writerows(_flat(row) for row in page.data)
            written += len(page.data)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    console.print(f"wrote {written} lines to {path}")


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "status": row["status"].value}
