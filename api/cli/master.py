"""`keel items|suppliers|locations|channels|customers ...`: master data from the terminal.

Fields are given as field=value pairs and checked by the same schemas as the API.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import BaseModel

from api.cli.output import cli_actor, console, reports_errors, show_table
from api.composition import database
from api.csv_import import parse_cell
from api.schemas import master as s
from erp_core.domain.errors import InvalidInput
from erp_core.queries.master import get_record, list_records
from erp_core.services import master_data as md

Pairs = Annotated[list[str] | None, typer.Argument(help="field=value pairs")]


def parse_pairs(pairs: list[str] | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for pair in pairs or []:
        field, sep, value = pair.partition("=")
        if not sep:
            raise InvalidInput(f"expected field=value, got {pair!r}")
        values[field.strip()] = parse_cell(field.strip(), value)
    return values


def master_commands(
    kind: md.RecordKind, create: type[BaseModel], update: type[BaseModel], columns: list[str]
) -> typer.Typer:
    app = typer.Typer(help=f"Manage {kind.entity} records.", no_args_is_help=True)

    @app.command("list")
    @reports_errors
    def list_all(
        q: Annotated[str | None, typer.Option(help="text in code or name")] = None,
        include_inactive: Annotated[bool, typer.Option("--all", help="include inactive")] = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> None:
        db = database()
        filters = {} if include_inactive else {"active": True}
        page = list_records(db, kind, filters, q, cursor, min(limit, db.settings.page_size_max))
        show_table(f"{kind.entity}s", page.data, columns)
        if page.next_cursor:
            console.print(f"more: --cursor {page.next_cursor}")

    @app.command("get")
    @reports_errors
    def get_one(code: str) -> None:
        console.print_json(data=get_record(database(), kind, code), default=str)

    @app.command("create")
    @reports_errors
    def create_one(pairs: Pairs = None) -> None:
        values = create.model_validate(parse_pairs(pairs)).model_dump()
        record = md.create_record(database(), cli_actor(), kind, values)
        console.print(f"created {kind.entity} {record[kind.key]}")

    @app.command("update")
    @reports_errors
    def update_one(code: str, pairs: Pairs = None) -> None:
        changes = update.model_validate(parse_pairs(pairs)).model_dump(exclude_unset=True)
        md.update_record(database(), cli_actor(), kind, code, changes)
        console.print(f"updated {kind.entity} {code}")

    @app.command("deactivate")
    @reports_errors
    def deactivate_one(code: str) -> None:
        md.deactivate_record(database(), cli_actor(), kind, code)
        console.print(f"deactivated {kind.entity} {code}")

    return app


GROUPS = {
    "items": master_commands(
        md.ITEMS,
        s.ItemCreate,
        s.ItemUpdate,
        ["sku", "name", "category", "unit_cost", "list_price", "active"],
    ),
    "suppliers": master_commands(
        md.SUPPLIERS, s.SupplierCreate, s.SupplierUpdate, ["code", "name", "region", "active"]
    ),
    "locations": master_commands(
        md.LOCATIONS,
        s.LocationCreate,
        s.LocationUpdate,
        ["code", "name", "kind", "region", "daily_order_capacity", "active"],
    ),
    "channels": master_commands(
        md.CHANNELS,
        s.ChannelCreate,
        s.ChannelUpdate,
        ["code", "name", "kind", "fee_rate", "allocation_priority", "active"],
    ),
    "customers": master_commands(
        md.CUSTOMERS,
        s.CustomerCreate,
        s.CustomerUpdate,
        ["code", "name", "email", "region", "active"],
    ),
}
