"""`keel forecast train|run`, `keel models list|promote`, `keel mlflow ui`."""

from __future__ import annotations

import subprocess
from typing import Annotated

import typer

from api.cli.output import (
    cli_actor,
    console,
    errors,
    figure,
    progress_bar,
    reports_errors,
    show_table,
)
from api.composition import database
from erp_core.domain.errors import InvalidInput
from erp_core.queries.demand_history import Grouping
from erp_core.services.forecast_runs import open_run
from erp_core.settings import get_settings
from models.registry import MissingPromotionReason, ModelRegistry
from models.training_run import train_and_log
from pipelines.demand_frames import demand_frame
from pipelines.forecast_publishing import run_forecasts

forecast_app = typer.Typer(help="Demand forecasts.", no_args_is_help=True)
models_app = typer.Typer(help="Registered models (MLflow).", no_args_is_help=True)
mlflow_app = typer.Typer(help="The MLflow tracking UI.", no_args_is_help=True)
By = Annotated[str, typer.Option("--by", help="sku, location or channel")]


@forecast_app.command("train")
@reports_errors
def train(
    by: By = "sku",
    h: Annotated[int, typer.Option(help="days per backtest window")] = 28,
    windows: Annotated[int, typer.Option(help="rolling-origin backtest windows")] = 3,
) -> None:
    """Backtest the candidate models on the ERP's demand history, choose one per series, log
    the run to MLflow and register the forecaster as @challenger."""
    history = demand_frame(database(), _grouping(by))
    if history.empty:
        raise InvalidInput("there is no demand history to train on; run `keel demo` or import")
    with progress_bar() as bar:
        task = bar.add_task("training", total=1.0)
        outcome = train_and_log(
            history,
            get_settings(),
            h=h,
            n_windows=windows,
            freq="D",
            progress=lambda done, step: bar.update(task, completed=done, description=step),
        )
    figures = ("mase", "rmsse", "wape", "bias", "coverage_80", "coverage_95")
    rows = [
        {"model": model, **{f: figure(outcome.metrics.get(f"{f}_{model}")) for f in figures}}
        for model in ("keel", "SeasonalNaive", "AutoETS")
    ]
    show_table("Backtest (all series)", rows, ["model", *figures])
    console.print(f"MLflow run {outcome.run_id}; registered version {outcome.version} @challenger")
    console.print(f"promote it with: keel models promote {outcome.version}")


@forecast_app.command("run")
@reports_errors
def run(
    by: By = "sku",
    horizon: Annotated[int | None, typer.Option(help="days ahead (default 56)")] = None,
    engine: Annotated[str, typer.Option(help="local, or dask")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address")] = None,
) -> None:
    """Forecast every series with the champion and publish the run in the database."""
    db = database()
    days = horizon or db.settings.forecast_default_horizon
    run_id = open_run(db, cli_actor(), _grouping(by), days, db.settings.forecast_model_name)
    with progress_bar() as bar:
        task = bar.add_task(f"forecast run {run_id}", total=None)
        result = run_forecasts(
            db,
            run_id,
            lambda done, total: bar.update(task, completed=done, total=total),
            engine=engine,
            scheduler=scheduler,
        )
    console.print(
        f"forecast run {run_id}: {result['status'].value}, {result['series']} series, "
        f"model {result['model_name']} version {result['model_version'] or '-'}"
    )
    if result["degraded"]:
        reason = result["metrics"].get("degraded_reason")
        console.print(f"[yellow]degraded[/yellow]: baseline forecast used ({reason})")


@models_app.command("list")
def list_models() -> None:
    """Versions of the forecaster with their backtest score and aliases."""
    registry = ModelRegistry.from_settings(get_settings())
    columns = ["version", "aliases", "mase_keel", "created"]
    show_table(get_settings().forecast_model_name, registry.versions(), columns)


@models_app.command("promote")
@reports_errors
def promote(
    version: str,
    force: Annotated[bool, typer.Option(help="promote whatever the scores")] = False,
    reason: Annotated[str | None, typer.Option(help="why (required with --force)")] = None,
) -> None:
    """Move @champion to a version if it beats the champion on the same backtest windows."""
    registry = ModelRegistry.from_settings(get_settings())
    try:
        promotion = registry.promote(
            get_settings().forecast_model_name, version, force, reason, cli_actor()
        )
    except MissingPromotionReason as error:
        errors.print(f"[red]error[/red]: {error}")
        raise typer.Exit(1) from None
    colour = "green" if promotion.promoted else "yellow"
    console.print(f"[{colour}]{promotion.reason}[/{colour}]")
    if not promotion.promoted:
        raise typer.Exit(1)


@mlflow_app.command("ui")
def ui(port: int = 5000) -> None:
    """Open the MLflow UI on the configured tracking store."""
    uri = get_settings().mlflow_tracking_uri
    console.print(f"MLflow UI on http://127.0.0.1:{port} (store {uri})")
    subprocess.run(["mlflow", "ui", "--backend-store-uri", uri, "--port", str(port)], check=False)


def _grouping(by: str) -> Grouping:
    if by not in ("sku", "location", "channel"):
        raise InvalidInput("--by takes sku, location or channel", by=by)
    return by  # type: ignore[return-value]
