"""Reading item and stock CSV files into checked rows, for the CLI and the import routes."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from pydantic import BaseModel, ValidationError, field_validator

from api.schemas.common import Code, Input, Reference
from api.schemas.inventory import Qty
from api.schemas.master import ItemCreate
from erp_core.adapters.database import Database
from erp_core.domain.errors import InvalidInput
from erp_core.domain.stock import StockStatus
from erp_core.services.imports import ImportReport, RowProblem, import_items, import_stock

ImportKind = Literal["items", "stock"]
LIST_SEPARATOR = ";"


class StockRow(Input):
    sku: Code
    location: Code
    qty: Qty
    status: StockStatus = StockStatus.AVAILABLE
    reference: Reference | None = None

    @field_validator("status")
    @classmethod
    def _not_reserved(cls, status: StockStatus) -> StockStatus:
        if status == StockStatus.RESERVED:
            raise ValueError("opening stock cannot be reserved; reserve it after loading")
        return status


SCHEMAS: dict[ImportKind, type[BaseModel]] = {"items": ItemCreate, "stock": StockRow}


def detect_kind(header: list[str]) -> ImportKind:
    return "stock" if {"location", "qty"} <= set(header) else "items"


def run_import(db: Database, actor: str, text: str, kind: ImportKind | None = None) -> ImportReport:
    reader = csv.DictReader(io.StringIO(text))
    try:
        kind, rows, rejected = _parse(reader, kind, db.settings.max_import_rows)
    except csv.Error as error:
        raise InvalidInput(
            f"the file is not valid CSV near line {reader.line_num}: {error}",
            line=reader.line_num,
        ) from None
    load = import_items if kind == "items" else import_stock
    return load(db, actor, rows, rejected)


def _parse(
    reader: csv.DictReader[str], kind: ImportKind | None, max_rows: int
) -> tuple[ImportKind, list[tuple[int, dict[str, Any]]], list[RowProblem]]:
    header = [h.strip() for h in reader.fieldnames or []]
    if not header:
        raise InvalidInput("the file is empty or has no header line")
    kind = kind or detect_kind(header)
    schema = SCHEMAS[kind]
    unknown = sorted(set(header) - set(schema.model_fields))
    if unknown:
        raise InvalidInput(
            f"unknown columns for a {kind} file: {', '.join(unknown)}",
            unknown=unknown,
            allowed=sorted(schema.model_fields),
        )
    reader.fieldnames = header
    return kind, *_checked_rows(reader, schema, max_rows)


def _checked_rows(
    reader: csv.DictReader[str], schema: type[BaseModel], max_rows: int
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowProblem]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    rejected: list[RowProblem] = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > max_rows:
            raise InvalidInput(f"files are limited to {max_rows} rows", limit=max_rows)
        if None in raw:
            rejected.append(RowProblem(number, "more cells than columns"))
            continue
        values = {k: parse_cell(k, v) for k, v in raw.items() if v not in (None, "")}
        try:
            rows.append((number, schema.model_validate(values).model_dump()))
        except ValidationError as error:
            rejected.append(RowProblem(number, _describe(error)))
    return rows, rejected


def parse_cell(column: str, value: str) -> Any:
    value = value.strip()
    if column == "restricted_regions":
        return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
    return value


def _describe(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in error.errors())
