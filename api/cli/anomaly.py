"""`keel anomaly train|promote|scan|flags`: the order anomaly model and the flag queues."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from mlflow.exceptions import MlflowException

from api.cli.output import cli_actor, console, figure, progress_bar, reports_errors, show_table
from api.composition import database
from erp_core.domain.anomalies import FlagKind, FlagStatus
from erp_core.domain.errors import InvalidInput, NotFound
from erp_core.queries.anomalies import flag_page
from erp_core.settings import get_settings
from models.registry import ModelRegistry
from pipelines.demand_anomalies import scan_demand
from pipelines.order_anomaly_training import train_order_model
from pipelines.return_anomalies import scan_returns

app = typer.Typer(help="Order, return and demand anomalies.", no_args_is_help=True)
FIGURES = ("precision", "recall", "f1", "hold_rate")


@app.command("train")
@reports_errors
def train(
    hold_rate: Annotated[
        float | None, typer.Option(help="share of orders to hold at most (default: settings)")
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(help="train on orders from this time on")
    ] = None,
) -> None:
    """Train the order anomaly model on the order history and its resolved holds, log the run
    to MLflow, register it as @challenger, and promote it when it scores the labelled orders
    at least as well as the champion."""
    if hold_rate is not None and not 0 < hold_rate < 1:
        raise InvalidInput("--hold-rate must be between 0 and 1", hold_rate=hold_rate)
    with progress_bar() as bar:
        task = bar.add_task("training", total=1.0)
        outcome = train_order_model(
            database(),
            get_settings(),
            hold_rate=hold_rate,
            since=since,
            progress=lambda done, step: bar.update(task, completed=done, description=step),
        )
    rows = [
        {"scorer": name, **{f: figure(outcome.metrics.get(f"{prefix}_{f}")) for f in FIGURES}}
        for name, prefix in (
            ("model", "model"),
            ("rules only", "rules"),
            ("champion", "champion_model"),
        )
    ]
    show_table(f"At the hold budget (labels: {outcome.labels})", rows, ["scorer", *FIGURES])
    console.print(
        f"MLflow run {outcome.run_id}; version {outcome.version} trained on "
        f"{outcome.metrics['orders']:.0f} orders in {outcome.metrics['training_seconds']:.1f} s"
    )
    colour = "green" if outcome.promoted else "yellow"
    state = "@champion" if outcome.promoted else "@challenger"
    console.print(f"[{colour}]{state}: {outcome.verdict}[/{colour}]")


@app.command("promote")
@reports_errors
def promote(
    version: str,
    reason: Annotated[str, typer.Option(help="why this version should score orders")],
) -> None:
    """Make a version of the order anomaly model the champion the API scores with."""
    if not reason.strip():
        raise InvalidInput("a promotion needs a reason")
    settings = get_settings()
    registry = ModelRegistry.from_settings(settings)
    try:
        registry.client.get_model_version(settings.anomaly_model_name, version)
    except MlflowException:
        raise NotFound(f"{settings.anomaly_model_name} has no version {version!r}") from None
    registry.crown(settings.anomaly_model_name, version, f"by hand: {reason}", cli_actor())
    console.print(f"[green]version {version} is @champion[/green]")


@app.command("scan")
@reports_errors
def scan(
    returns: Annotated[bool, typer.Option(help="returners, SKU spikes, refunds")] = True,
    demand: Annotated[bool, typer.Option(help="demand days outside the forecast")] = True,
) -> None:
    """Raise anomaly flags from returns and daily demand."""
    db = database()
    with console.status("scanning"):
        counts = {
            **({"returns": scan_returns(db)} if returns else {}),
            **({"demand": scan_demand(db)} if demand else {}),
        }
    for scan_name, by_kind in counts.items():
        console.print(f"{scan_name}: " + ", ".join(f"{k} {v}" for k, v in by_kind.items()))


@app.command("flags")
@reports_errors
def flags(
    kind: Annotated[
        FlagKind | None, typer.Option(help="order, return, customer, sku, demand")
    ] = None,
    status: Annotated[
        FlagStatus, typer.Option(help="open, confirmed, dismissed")
    ] = FlagStatus.OPEN,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """The newest anomaly flags with score and reasons."""
    page = database().read(lambda s: flag_page(s, kind, status, None, limit))
    rows = [
        {**flag, "score": f"{flag['score']:.3f}", "reasons": "; ".join(flag["reasons"])}
        for flag in page.data
    ]
    show_table("Anomaly flags", rows, ["id", "kind", "subject", "score", "status", "reasons"])
