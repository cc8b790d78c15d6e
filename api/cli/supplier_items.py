"""`keel suppliers items|add-item|update-item`: what each supplier sells, from the terminal."""

from __future__ import annotations

import typer

from api.cli.master import GROUPS, Pairs, parse_pairs
from api.cli.output import cli_actor, console, reports_errors, show_table
from api.composition import database
from api.schemas.master import SupplierItemCreate, SupplierItemUpdate
from erp_core.queries.master import list_supplier_items
from erp_core.services import supplier_items as si

suppliers: typer.Typer = GROUPS["suppliers"]


@suppliers.command("items")
@reports_errors
def list_items(code: str, limit: int = 50, cursor: str | None = None) -> None:
    """Items this supplier sells, with cost, lead time, MOQ and pack size."""
    page = list_supplier_items(database(), code, cursor, limit)
    show_table(
        f"items of {code}",
        page.data,
        [
            "sku",
            "unit_cost",
            "lead_time_days_mean",
            "lead_time_days_std",
            "moq",
            "pack_size",
            "active",
        ],
    )
    if page.next_cursor:
        console.print(f"more: --cursor {page.next_cursor}")


@suppliers.command("add-item")
@reports_errors
def add_item(code: str, pairs: Pairs = None) -> None:
    """e.g. keel suppliers add-item ACME sku=MUG-1 unit_cost=1.20 lead_time_days_mean=14"""
    values = SupplierItemCreate.model_validate(parse_pairs(pairs)).model_dump()
    si.create_supplier_item(database(), cli_actor(), code, values)
    console.print(f"{code} now supplies {values['sku']}")


@suppliers.command("update-item")
@reports_errors
def update_item(code: str, sku: str, pairs: Pairs = None) -> None:
    changes = SupplierItemUpdate.model_validate(parse_pairs(pairs)).model_dump(exclude_unset=True)
    si.update_supplier_item(database(), cli_actor(), code, sku, changes)
    console.print(f"updated {code}'s terms for {sku}")
