"""Marketplace settlement files: reading a payout report into rows, refusing it whole when any
line is malformed.

The file is CSV with one header row and one settlement per file:

    settlement_id, posted_date, channel, order_id, type, description, amount

Every row repeats the settlement id, its posted date (ISO) and the marketplace's channel code.
`order_id` is the channel's order id (the external id), required except on adjustments.
`amount` is money to the seller, signed, at most 4 decimals: an order row is what the
marketplace collected for the order (positive), a fee row the fee it kept (negative), a
refund row what it paid back to the customer (negative), an adjustment either sign but not
zero. The payout is the sum of the amounts. A file that breaks any of this is refused whole,
with every problem named by line and column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from erp_core.domain.errors import ImportRejected
from erp_core.domain.journal import ZERO

COLUMNS = ("settlement_id", "posted_date", "channel", "order_id", "type", "description", "amount")
STEP = Decimal("0.0001")  # the scale of Money columns
LARGEST = Decimal("1e10")  # Money(14, 4) holds less than this
MAX_PROBLEMS = 50


class RowType(StrEnum):
    ORDER = "order"
    REFUND = "refund"
    FEE = "fee"
    ADJUSTMENT = "adjustment"


class SettlementFileRejected(ImportRejected):
    code = "invalid_settlement_file"


@dataclass(frozen=True)
class SettlementRow:
    line: int
    type: RowType
    order_ref: str | None
    description: str | None
    amount: Decimal


@dataclass(frozen=True)
class SettlementFile:
    settlement_id: str
    posted_date: date
    channel: str
    rows: tuple[SettlementRow, ...]

    @property
    def payout(self) -> Decimal:
        return sum((row.amount for row in self.rows), ZERO)

    @property
    def digest(self) -> str:
        """The content's hash, blind to layout (line endings, spacing, 10.5 or 10.50)."""
        content = [self.settlement_id, self.posted_date.isoformat(), self.channel] + [
            [r.type.value, r.order_ref, r.description, str(r.amount.quantize(STEP))]
            for r in self.rows
        ]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()


def read_settlement_file(text: str, max_rows: int) -> SettlementFile:
    # Strict: a stray or unclosed quote is an error, not a cell swallowing the next ones.
    reader = csv.DictReader(io.StringIO(text), strict=True)
    try:
        header = [name.strip() for name in reader.fieldnames or []]
        if sorted(header) != sorted(COLUMNS):
            raise SettlementFileRejected(
                f"the header must name the columns {', '.join(COLUMNS)}",
                rejected=[_problem(1, "header", f"found {', '.join(header) or 'nothing'}")],
                columns=list(COLUMNS),
            )
        reader.fieldnames = header
        cells = list(_numbered(reader, max_rows))
    except csv.Error as error:
        line = reader.line_num + 1  # the record being read when the error came
        raise SettlementFileRejected(
            f"the file is not valid CSV near line {line}: {error}",
            rejected=[_problem(line, "-", str(error))],
        ) from None
    return _checked(cells)


def _numbered(reader: csv.DictReader[str], max_rows: int) -> Iterable[tuple[int, dict[str, Any]]]:
    for number, raw in enumerate(reader, start=2):
        if number - 1 > max_rows:
            raise SettlementFileRejected(f"files are limited to {max_rows} rows", limit=max_rows)
        yield number, raw


def _checked(cells: list[tuple[int, dict[str, Any]]]) -> SettlementFile:
    if not cells:
        raise SettlementFileRejected("the file has no rows", rejected=[_problem(2, "-", "no rows")])
    problems: list[dict[str, Any]] = []
    first = {c: (cells[0][1].get(c) or "").strip() for c in COLUMNS[:3]}
    rows = []
    for line, raw in cells:
        row = _row(line, raw, first, problems)
        if row is not None:
            rows.append(row)
    posted = _date(first["posted_date"])
    if problems or posted is None:
        shown = problems[:MAX_PROBLEMS]
        where = f"line {shown[0]['line']}, column {shown[0]['column']}: {shown[0]['reason']}"
        raise SettlementFileRejected(
            f"the settlement file has {len(problems)} problem(s); the first: {where}",
            rejected=shown,
        )
    return SettlementFile(first["settlement_id"], posted, first["channel"], tuple(rows))


def _row(
    line: int, raw: dict[str, Any], first: dict[str, str], problems: list[dict[str, Any]]
) -> SettlementRow | None:
    found = len(problems)
    if None in raw:
        problems.append(_problem(line, "-", "more cells than columns"))
        return None
    cell = {c: (raw.get(c) or "").strip() for c in COLUMNS}
    for column in (c for c in COLUMNS if "\x00" in cell[c]):
        problems.append(_problem(line, column, "contains a NUL character"))
    for column, limit in (("settlement_id", 64), ("channel", 64)):
        if not cell[column] or len(cell[column]) > limit:
            problems.append(_problem(line, column, f"required, at most {limit} characters"))
        elif cell[column] != first[column]:
            problems.append(_problem(line, column, f"differs from line 2's {first[column]!r}"))
    if _date(cell["posted_date"]) is None:
        problems.append(_problem(line, "posted_date", "not an ISO date (YYYY-MM-DD)"))
    elif cell["posted_date"] != first["posted_date"]:
        problems.append(_problem(line, "posted_date", "differs from line 2's date"))
    kind = _type(line, cell["type"], problems)
    order_ref = cell["order_id"] or None
    if kind is not None and kind != RowType.ADJUSTMENT and order_ref is None:
        problems.append(_problem(line, "order_id", f"required on a {kind.value} row"))
    if order_ref is not None and len(order_ref) > 100:
        problems.append(_problem(line, "order_id", "at most 100 characters"))
    if len(cell["description"]) > 200:
        problems.append(_problem(line, "description", "at most 200 characters"))
    amount = _amount(line, cell["amount"], kind, problems)
    if len(problems) > found or kind is None or amount is None:
        return None
    return SettlementRow(line, kind, order_ref, cell["description"] or None, amount)


def _type(line: int, text: str, problems: list[dict[str, Any]]) -> RowType | None:
    try:
        return RowType(text.lower())
    except ValueError:
        allowed = ", ".join(t.value for t in RowType)
        problems.append(_problem(line, "type", f"{text!r} is not one of {allowed}"))
        return None


_SIGN = {
    RowType.ORDER: (lambda a: a > 0, "an order row's amount must be positive"),
    RowType.REFUND: (lambda a: a < 0, "a refund row's amount must be negative"),
    RowType.FEE: (lambda a: a < 0, "a fee row's amount must be negative"),
    RowType.ADJUSTMENT: (lambda a: a != 0, "an adjustment may not be zero"),
}


def _amount(
    line: int, text: str, kind: RowType | None, problems: list[dict[str, Any]]
) -> Decimal | None:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or abs(amount) >= LARGEST or amount != amount.quantize(STEP):
        problems.append(
            _problem(line, "amount", f"{text!r} is not an amount of at most 4 decimals")
        )
        return None
    if kind is not None and not _SIGN[kind][0](amount):
        problems.append(_problem(line, "amount", _SIGN[kind][1]))
        return None
    return amount


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _problem(line: int, column: str, reason: str) -> dict[str, Any]:
    return {"line": line, "column": column, "reason": f"{column}: {reason}"}
