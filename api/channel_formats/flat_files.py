"""What the flat-file formats share: a header, rows grouped into orders by a key column, a
reference to the lines each order came from, and per-order problems instead of a failed file."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from typing import Any

from erp_core.domain.errors import InvalidInput

Parsed = tuple[str, dict[str, Any] | InvalidInput]
Row = tuple[int, dict[str, Any]]
Build = Callable[[str, list[Row]], dict[str, Any]]


def header(reader: csv.DictReader[str]) -> list[str]:
    """The column names, trimmed; the reader uses them from here on."""
    names = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = names
    return names


def grouped_orders(
    reader: csv.DictReader[str], key: str, max_rows: int, what: str, build: Build
) -> list[Parsed]:
    """One entry per distinct `key`; its ref names the file lines it came from."""
    try:
        groups = _groups(reader, key, max_rows, what)
    except csv.Error as error:
        raise InvalidInput(
            f"the {what} is not readable near line {reader.line_num}: {error}", line=reader.line_num
        ) from None
    parsed: list[Parsed] = []
    for value, rows in groups.items():
        lines = [line for line, _ in rows]
        ref = f"line {lines[0]}" if len(lines) == 1 else f"lines {', '.join(map(str, lines))}"
        try:
            parsed.append((ref, build(value, rows)))
        except InvalidInput as problem:
            problem.details.setdefault("external_id", value or None)
            parsed.append((ref, problem))
    return parsed


def first_of_agreeing(key: str, value: str, rows: list[Row], order_columns: Sequence[str]) -> Any:
    """The first row, once every row has its cells and all agree on the order-level columns."""
    if not value:
        raise InvalidInput(f"{key} is empty")
    for line, row in rows:
        if None in row:
            raise InvalidInput(f"line {line} has more cells than columns", line=line)
    differ = [c for c in order_columns if len({cell(row, c) for _, row in rows}) > 1]
    if differ:
        raise InvalidInput(f"the rows disagree on {', '.join(differ)}", columns=differ)
    return rows[0][1]


def cell(row: dict[str, Any], column: str) -> str:
    value = row.get(column)
    return value.strip() if isinstance(value, str) else ""


def _groups(
    reader: csv.DictReader[str], key: str, max_rows: int, what: str
) -> dict[str, list[Row]]:
    groups: dict[str, list[Row]] = {}
    for count, row in enumerate(reader, start=1):
        if count > max_rows:
            raise InvalidInput(f"a {what} is limited to {max_rows} rows", limit=max_rows)
        groups.setdefault(cell(row, key), []).append((reader.line_num, row))
    return groups
