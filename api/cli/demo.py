"""`keel demo`: build the living demo company, print where to look, and serve the API."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from api.cli.output import cli_actor, console, figure, show_table
from api.composition import database, order_router
from erp_core.adapters.migrations import upgrade
from erp_core.domain.access import Role
from erp_core.services import api_keys
from erp_core.settings import get_settings
from pipelines.demo import DemoConfig, DemoFigures, build_demo, company_exists

MAX_SKUS = 20_000

# What the demo's anomaly scans counted, as the summary names it.
SCANNED = (
    ("returns", "customer", "serial returners"),
    ("returns", "sku", "SKU return spikes"),
    ("returns", "return", "returns"),
    ("demand", "flagged", "demand days"),
)


class BarProgress:
    """The demo's phases as one rich progress bar each."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task: TaskID | None = None

    def phase(self, name: str, total: int) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=self.bar.tasks[self.task].total)
        self.task = self.bar.add_task(name, total=total)

    def advance(self, amount: int = 1) -> None:
        if self.task is not None:
            self.bar.update(self.task, advance=amount)


def serve_api(host: str, port: int, workers: int = 1) -> None:
    uvicorn.run("api.asgi:app", host=host, port=port, workers=workers, log_level="info")


def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="serve the API after")] = True,
    fast: Annotated[bool, typer.Option(help="a few SKUs over a few months, in seconds")] = False,
    scale: Annotated[int | None, typer.Option(help=f"SKUs (default 300, up to {MAX_SKUS})")] = None,
    days: Annotated[int | None, typer.Option(help="days of history (default 730)")] = None,
    live_days: Annotated[
        int | None, typer.Option(help="last days replayed through the services (default 14)")
    ] = None,
    seed: int = 7,
    output: Annotated[Path, typer.Option(help="where settlement files go")] = Path("keel-demo"),
) -> None:
    """Create the database, build the demo company (history, live replay, settlement files),
    check its invariants, print an admin key and serve the API."""
    if scale is not None and not 1 <= scale <= MAX_SKUS:
        console.print(f"[red]error[/red]: --scale takes 1 to {MAX_SKUS} SKUs")
        raise typer.Exit(1)
    settings = get_settings()
    upgrade(settings.database_url)
    db = database()
    if company_exists(db):
        console.print("demo company already loaded; serving it as it is")
    else:
        base = DemoConfig.fast() if fast else DemoConfig()
        config = DemoConfig(
            skus=scale or base.skus,
            days=days or base.days,
            live_days=live_days or base.live_days,
            customers=base.customers if scale is None else max(base.customers, scale * 12),
            seed=seed,
            output=output,
        )
        _summary(_build(config), config)
    _, key = api_keys.create_key(db, cli_actor(), "demo-admin", Role.ADMIN)
    console.print(f"database: {settings.database_url}")
    console.print(f"API docs: http://{host}:{port}/docs")
    console.print(f"MLflow UI: keel mlflow ui   (store {settings.mlflow_tracking_uri})")
    console.print(f"admin API key (send as X-API-Key):\n{key}")
    if serve:
        serve_api(host, port)


def _build(config: DemoConfig) -> tuple[DemoFigures, float]:
    started = time.monotonic()
    columns = (TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as bar:
        figures = build_demo(database(), order_router(), config, BarProgress(bar))
    return figures, time.monotonic() - started


def _summary(built: tuple[DemoFigures, float], config: DemoConfig) -> None:
    figures, seconds = built
    rows = [
        ("SKUs", figures.skus),
        ("history days (bulk)", config.days - config.live_days),
        ("historical orders", figures.history.orders),
        ("historical ledger moves", figures.history.moves),
        ("live days (through the services)", config.live_days),
        ("live orders captured", figures.live.orders),
        ("live orders shipped", figures.live.shipped),
        ("purchase orders raised", figures.live.purchase_orders),
        ("purchase receipts", figures.live.receipts),
        ("returns authorised", figures.live.returns),
        ("planted anomalies", figures.history.planted + len(figures.live.planted)),
        (f"settlement files in {config.output / 'settlements'}", figures.settlement_files),
        ("order anomaly model version (MLflow)", figures.anomaly_model.version),
        (
            "anomaly model precision / recall at the hold budget",
            f"{figure(figures.anomaly_model.metrics.get('model_precision'))} / "
            f"{figure(figures.anomaly_model.metrics.get('model_recall'))} "
            f"({figures.anomaly_model.labels})",
        ),
        (
            "anomaly flags raised by the scans",
            ", ".join(
                f"{name} {figures.anomaly_scans[scan][kind]}" for scan, kind, name in SCANNED
            ),
        ),
        ("forecaster version (MLflow)", figures.forecaster.version),
        ("backtest MASE: Keel selection", figure(figures.forecaster.metrics.get("mase_keel"))),
        (
            "backtest MASE: AutoETS on every SKU",
            figure(figures.forecaster.metrics.get("mase_AutoETS")),
        ),
        (
            "backtest MASE: SeasonalNaive",
            figure(figures.forecaster.metrics.get("mase_SeasonalNaive")),
        ),
        ("forecast run (56 days, every SKU)", figures.forecaster.run_id),
        ("replenishment plan (keel plan show ID)", figures.plan_id),
        ("build time (s)", round(seconds, 1)),
    ]
    show_table("Demo company", [{"what": w, "count": n} for w, n in rows], ["what", "count"])
    console.print(f"champion: {figures.forecaster.promotion}")
    console.print("[green]every invariant holds (keel check)[/green]")
