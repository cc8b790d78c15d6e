"""Keyset pagination with opaque cursors."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Select

from erp_core.domain.errors import InvalidInput

Q = TypeVar("Q", bound=Select)  # type: ignore[type-arg]


@dataclass(frozen=True)
class Page:
    data: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(*keys: int) -> str:
    return base64.urlsafe_b64encode(",".join(map(str, keys)).encode()).decode().rstrip("=")


INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def decode_cursor(
    cursor: str | None, width: int = 1, max_key: int = INT32_MAX
) -> tuple[int, ...] | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        keys = tuple(int(part) for part in raw.split(","))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("the cursor is not one this API gave out", cursor=cursor) from None
    if len(keys) != width or not all(0 <= key <= max_key for key in keys):
        raise InvalidInput("the cursor is not one this API gave out", cursor=cursor)
    return keys


def page_of(rows: list[Any], limit: int, keys_of: Any) -> tuple[list[Any], str | None]:
    """Given up to limit + 1 rows, the page and the cursor for the next one (None at the end)."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(*keys_of(rows[-1]))


def keyset(
    query: Q, id_column: Any, cursor: str | None, limit: int, newest_first: bool = False
) -> Q:
    """Order by id, start after the cursor, and fetch one row more than the page holds."""
    wide = isinstance(id_column.type, BigInteger)
    after = decode_cursor(cursor, max_key=INT64_MAX if wide else INT32_MAX)
    if newest_first:
        query = query.order_by(id_column.desc())
        if after:
            query = query.where(id_column < after[0])
    else:
        query = query.order_by(id_column)
        if after:
            query = query.where(id_column > after[0])
    return query.limit(limit + 1)
