"""`keel allocate channels`: split stock across sales channels from the terminal."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.output import cli_actor, console, reports_errors, show_table
from api.composition import database
from erp_core.domain.errors import InvalidInput
from pipelines.channel_allocation import (
    DEFAULT_HORIZON_DAYS,
    DEFAULT_LOOKBACK_DAYS,
    AllocationAsk,
    run_allocation,
)

app = typer.Typer(help="Channel allocation.", no_args_is_help=True)
COLUMNS = ["sku", "channel", "qty", "ring_fence", "demand", "expected_sales", "status", "why"]


@app.command("channels")
@reports_errors
def channels(
    sku: Annotated[list[str], typer.Option(help="repeat; default: every SKU with stock")] = [],  # noqa: B006 - typer reads the default, never mutates it
    horizon: Annotated[int, typer.Option(help="days of demand")] = DEFAULT_HORIZON_DAYS,
    lookback: Annotated[int, typer.Option(help="days of sales history")] = DEFAULT_LOOKBACK_DAYS,
    ring_fence: Annotated[list[str], typer.Option(help="CHANNEL:SKU:QTY, repeat")] = [],  # noqa: B006
    fairness: Annotated[float | None, typer.Option(help="fairness floor, 0 to 1")] = None,
    show: Annotated[int, typer.Option(help="SKUs to print")] = 20,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="write every share here")] = None,
) -> None:
    """Split each SKU's available stock across channels, publish it, and print the split."""
    ask = AllocationAsk(
        skus=tuple(sku),
        horizon_days=horizon,
        lookback_days=lookback,
        ring_fences=_fences(ring_fence),
        fairness_floor=fairness,
    )
    with console.status("allocating") as status:
        run = run_allocation(
            database(), cli_actor(), ask, progress=lambda phase: status.update(phase)
        )
    summary = run["summary"]
    console.print(
        f"allocation {run['id']} ({run['status']}, {run['solver']}): {summary['skus']} SKUs, "
        + ", ".join(f"{n} {state}" for state, n in summary["by_status"].items())
        + f"; {summary['allocated_units']} of {summary['available_units']} units placed; "
        f"expected margin {run['objective']:.2f}; {run['wall_time']:.2f} s"
    )
    for problem in summary["infeasible"]:
        console.print(f"[yellow]{problem['sku']}[/yellow]: {problem['reason']}")
    show_table(f"Allocation {run['id']}", _rows(run["skus"][:show]), COLUMNS)
    if csv_out:
        _export(run["skus"], csv_out)


def _fences(given: list[str]) -> dict[str, dict[str, int]]:
    fences: dict[str, dict[str, int]] = {}
    for text in given:
        parts = text.split(":")
        if len(parts) != 3 or not parts[0] or not parts[1] or not parts[2].isdigit():
            raise InvalidInput(f"{text!r} is not CHANNEL:SKU:QTY")
        fences.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return fences


def _rows(skus: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for split in skus:
        if not split["shares"]:
            rows.append({"sku": split["sku"], "status": split["status"], "why": split["reason"]})
        for share in split["shares"]:
            rows.append(
                share
                | {
                    "sku": split["sku"],
                    "status": split["status"],
                    "demand": f"{share['demand']:.1f}",
                    "expected_sales": f"{share['expected_sales']:.1f}",
                }
            )
    return rows


def _export(skus: list[dict[str, Any]], path: Path) -> None:
    rows = _rows(skus)
    with path.open("w", newline="") as handle:
        fields = [*COLUMNS[:-1], "expected_margin", "available", "why"]
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        available = {split["sku"]: split["available"] for split in skus}
        writer.writerows(row | {"available": available[row["sku"]]} for row in rows)
    console.print(f"wrote {len(rows)} shares to {path}")
