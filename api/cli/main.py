"""The `keel` command: database, keys, imports, master data, inventory, the API server, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli import (  # noqa: F401
    allocate,
    anomaly,
    check,
    demo,
    finance,
    forecast,
    inventory,
    plan,
    release,
    route,
    settle,
    simulate,
    supplier_items,
)
from api.cli import order_import as orders
from api.cli.master import GROUPS
from api.cli.output import cli_actor, console, reports_errors, show_table
from api.composition import database
from api.csv_import import ImportKind, run_import
from erp_core.adapters.migrations import upgrade
from erp_core.domain.access import Role
from erp_core.queries.governance import api_key_list
from erp_core.services import api_keys
from erp_core.settings import get_settings

app = typer.Typer(help="Keel: ecommerce ERP core with decision support.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="API keys bound to roles.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(inventory.app, name="inventory")
app.add_typer(release.app, name="release")
for name, group in GROUPS.items():
    app.add_typer(group, name=name)
app.add_typer(forecast.forecast_app, name="forecast")
app.add_typer(forecast.models_app, name="models")
app.add_typer(forecast.mlflow_app, name="mlflow")
app.add_typer(plan.app, name="plan")
app.add_typer(simulate.app, name="simulate")
app.add_typer(route.app, name="route")
app.add_typer(allocate.app, name="allocate")
app.add_typer(anomaly.app, name="anomaly")
app.add_typer(settle.app, name="settle")
app.add_typer(finance.app, name="finance")
app.command("check")(check.check)
app.command("demo")(demo.demo)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply Alembic migrations to KEEL_DATABASE_URL."""
    upgrade(get_settings().database_url, revision)
    console.print(f"database at revision {revision}")


@users_app.command("create-key")
@reports_errors
def create_key(
    name: Annotated[str, typer.Option(help="who or what the key is for")],
    role: Annotated[Role, typer.Option(help="the role the key acts in")],
) -> None:
    """Issue an API key; the key is printed alone on the last line, and only once."""
    record, key = api_keys.create_key(database(), cli_actor(), name, role)
    console.print(f"API key {record['id']} for {name} ({role.value}); store it now:")
    print(key)


@users_app.command("list")
def list_keys() -> None:
    show_table(
        "API keys",
        api_key_list(database()),
        ["id", "name", "role", "prefix", "active", "created_by", "created_at"],
    )


@users_app.command("revoke")
@reports_errors
def revoke_key(key_id: int) -> None:
    api_keys.revoke_key(database(), cli_actor(), key_id)
    console.print(f"revoked API key {key_id}")


@app.command("import")
@reports_errors
def import_file(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    kind: Annotated[
        ImportKind | None, typer.Option(help="items or stock; default: from the header")
    ] = None,
    history_format: orders.FormatOption = None,
    column_map: orders.MapOption = None,
    channel: orders.ChannelOption = None,
    location: orders.LocationOption = None,
    start: orders.StartOption = None,
    freq: orders.FreqOption = None,
    date_format: orders.DateFormatOption = None,
    create_missing: orders.CreateMissingOption = False,
) -> None:
    """Load items or opening stock from CSV (every row or none, with the rejected rows listed),
    or an order history as shipped orders (the good rows; exit 3 when some were rejected)."""
    history = orders.OrderImportOptions(
        history_format, column_map, channel, location, start, freq, date_format, create_missing
    )
    layout = orders.history_format(path, kind, history)
    if layout is not None:
        orders.import_order_history(path, layout, history)
        return
    report = run_import(database(), cli_actor(), path.read_text(encoding="utf-8-sig"), kind)
    console.print(
        f"[green]imported[/green] {report.kind}: {report.rows} rows, {report.created} created, "
        f"{report.updated} updated, {report.unchanged} unchanged"
        + (f", {report.units_received} units received" if report.kind == "stock" else "")
    )


@app.command("serve")
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the API under uvicorn."""
    demo.serve_api(host, port, workers)
