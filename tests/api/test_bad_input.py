"""Promises 11 and 13 on the inventory and master data endpoints: bad input gets a 4xx whose body
names the problem with a machine-readable `code` and a human `message`, and nothing is written.

"Nothing" is checked against the tables themselves: every table's rows (stock_moves,
stock_balances, reservations, audit_log, items, locations and the rest) are read before and after
the request and must be identical, so neither an insert nor an update slips through.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from erp_core.adapters.database import Database
from erp_core.adapters.tables import (
    AuditRecord,
    Base,
    Item,
    Location,
    Reservation,
    StockBalance,
    StockMove,
)
from erp_core.queries.pages import encode_cursor
from erp_core.services import master_data as md
from erp_core.services.api_keys import API_KEY_NAME_MAX
from erp_core.services.inventory import ReserveCommand, reserve_stock
from tests import factories

H = dict[str, str]
CAP = 1_000_000_000
ON_SHELF = 10
RESERVED = 3
LEDGER_TABLES = (StockMove, StockBalance, Reservation, AuditRecord, Item, Location)

MOVE = {"sku": "SKU-1", "location": "DC-1", "qty": 1, "to_status": "damaged"}
RESERVE = {"sku": "SKU-1", "location": "DC-1", "qty": 1, "reference": "order-1"}
ADJUST = {"sku": "SKU-1", "location": "DC-1", "delta": 1, "reason": "cycle_count"}
RELOCATE = {"sku": "SKU-1", "from_location": "DC-1", "to_location": "DC-2", "qty": 1}
ITEM = {"sku": "SKU-NEW", "name": "New item"}
LOCATION = {"code": "DC-NEW", "name": "New DC", "kind": "own_dc", "region": "DE"}


# ---------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture
def seeded(db: Database) -> Database:
    """SKU-1 at DC-1 with 10 on the shelf, 3 of them reserved; DC-2 empty; OLD-1 deactivated."""
    factories.stocked(db, ON_SHELF, "SKU-1", "DC-1")
    factories.location(db, "DC-2")
    factories.item(db, "OLD-1")
    md.deactivate_record(db, "test", md.ITEMS, "OLD-1")
    reserve_stock(db, "test", ReserveCommand("SKU-1", "DC-1", RESERVED, "order-0"))
    return db


def row_counts(db: Database) -> dict[str, int]:
    return db.read(
        lambda s: {
            t.__tablename__: s.scalar(select(func.count()).select_from(t)) or 0
            for t in LEDGER_TABLES
        }
    )


def everything(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary key order."""

    def read(session: Any) -> dict[str, list[tuple[Any, ...]]]:
        return {
            table.name: [
                tuple(row)
                for row in session.execute(select(table).order_by(*table.primary_key.columns)).all()
            ]
            for table in Base.metadata.sorted_tables
        }

    return db.read(read)


@pytest.fixture
def refused(app_client: TestClient, seeded: Database, admin: H) -> Iterator[Any]:
    """Send one request and check it changed nothing; returns the reply."""

    def send(method: str, url: str, **kwargs: Any) -> Response:
        headers = {**admin, **kwargs.pop("headers", {})}
        counts, rows = row_counts(seeded), everything(seeded)
        response = app_client.request(method, url, headers=headers, **kwargs)
        assert row_counts(seeded) == counts, f"{method} {url} changed row counts"
        assert everything(seeded) == rows, f"{method} {url} changed stored rows"
        return response

    yield send


def assert_error(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"].strip(), body
    assert isinstance(body["details"], dict), body
    return body


def problem_types(body: dict[str, Any]) -> set[str]:
    return {p["type"] for p in body["details"]["errors"]}


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


def without(base: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in base.items() if k not in keys}


# ---------------------------------------------------------------------------------------------
# Inventory: moves, reservations, adjustments, relocations


@pytest.mark.parametrize(
    ("url", "body", "status", "code"),
    [
        ("/v1/inventory/moves", with_(MOVE, sku="NOPE-1"), 404, "not_found"),
        ("/v1/inventory/moves", with_(MOVE, location="NOWHERE"), 404, "not_found"),
        ("/v1/inventory/reservations", with_(RESERVE, sku="NOPE-1"), 404, "not_found"),
        ("/v1/inventory/reservations", with_(RESERVE, location="NOWHERE"), 404, "not_found"),
        ("/v1/inventory/adjustments", with_(ADJUST, sku="NOPE-1"), 404, "not_found"),
        ("/v1/inventory/adjustments", with_(ADJUST, location="NOWHERE"), 404, "not_found"),
        ("/v1/inventory/relocations", with_(RELOCATE, sku="NOPE-1"), 404, "not_found"),
        ("/v1/inventory/relocations", with_(RELOCATE, to_location="NOWHERE"), 404, "not_found"),
        ("/v1/inventory/moves", with_(MOVE, sku="OLD-1"), 409, "inactive"),
        ("/v1/inventory/reservations", with_(RESERVE, sku="OLD-1"), 409, "inactive"),
    ],
    ids=[
        "move-unknown-sku",
        "move-unknown-location",
        "reserve-unknown-sku",
        "reserve-unknown-location",
        "adjust-unknown-sku",
        "adjust-unknown-location",
        "relocate-unknown-sku",
        "relocate-unknown-target",
        "receive-deactivated-item",
        "reserve-deactivated-item",
    ],
)
def test_stock_actions_on_unknown_or_deactivated_records_are_refused_and_write_nothing(
    refused: Any, url: str, body: dict[str, Any], status: int, code: str
) -> None:
    reply = assert_error(refused("POST", url, json=body), status, code)
    assert reply["details"].get("code") in (body.get("sku"), body.get("location"), "NOWHERE")


@pytest.mark.parametrize("url", ["/v1/inventory/moves", "/v1/inventory/reservations"])
@pytest.mark.parametrize(
    "qty",
    [0, -1, -CAP, CAP + 1, 10**30, 1.5, "many", "", None, [1], {"n": 1}],
    ids=lambda q: repr(q)[:12],
)
def test_a_quantity_that_is_not_a_positive_whole_number_up_to_the_cap_is_refused(
    refused: Any, url: str, qty: Any
) -> None:
    body = with_(MOVE if url.endswith("moves") else RESERVE, qty=qty)
    reply = assert_error(refused("POST", url, json=body), 422, "validation_error")
    assert all(p["loc"][:2] == ["body", "qty"] for p in reply["details"]["errors"])


def test_a_relocation_quantity_beyond_the_cap_is_refused(refused: Any) -> None:
    body = with_(RELOCATE, qty=CAP + 1)
    assert_error(refused("POST", "/v1/inventory/relocations", json=body), 422, "validation_error")


@pytest.mark.parametrize(
    "body",
    [
        with_(MOVE, to_status="lost"),
        with_(MOVE, to_status="AVAILABLE"),
        with_(MOVE, from_status="stolen"),
        with_(MOVE, to_status=None),
        without(MOVE, "to_status"),
        with_(MOVE, to_status=["damaged"]),
    ],
    ids=["unknown", "wrong-case", "unknown-from", "null", "missing", "list"],
)
def test_an_unknown_or_missing_status_is_refused_and_writes_nothing(
    refused: Any, body: dict[str, Any]
) -> None:
    assert_error(refused("POST", "/v1/inventory/moves", json=body), 422, "validation_error")


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/v1/inventory/moves", with_(MOVE, to_status="reserved")),
        ("/v1/inventory/moves", with_(MOVE, from_status="reserved", to_status="available")),
        ("/v1/inventory/moves", with_(MOVE, from_status="damaged", to_status="damaged")),
        ("/v1/inventory/adjustments", with_(ADJUST, status="reserved")),
        ("/v1/inventory/relocations", with_(RELOCATE, status="reserved")),
    ],
    ids=["into-reserved", "out-of-reserved", "same-status", "adjust-reserved", "relocate-reserved"],
)
def test_reserved_stock_is_only_changed_by_reservations_so_other_routes_get_409(
    refused: Any, url: str, body: dict[str, Any]
) -> None:
    assert_error(refused("POST", url, json=body), 409, "illegal_transition")


def test_a_reservation_beyond_free_stock_is_refused_and_writes_nothing(refused: Any) -> None:
    free = ON_SHELF - RESERVED
    body = with_(RESERVE, qty=free + 1)
    reply = assert_error(
        refused("POST", "/v1/inventory/reservations", json=body), 409, "insufficient_stock"
    )
    assert reply["details"] == {
        "sku": "SKU-1",
        "status": "available",
        "on_hand": free,
        "requested": free + 1,
    }


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/v1/inventory/moves", with_(MOVE, from_status="available", qty=ON_SHELF)),
        ("/v1/inventory/moves", with_(MOVE, from_status="quarantine", to_status="available")),
        ("/v1/inventory/adjustments", with_(ADJUST, delta=-(ON_SHELF - RESERVED + 1))),
        ("/v1/inventory/relocations", with_(RELOCATE, qty=ON_SHELF - RESERVED + 1)),
    ],
    ids=["move-more-than-free", "move-from-empty", "adjust-below-zero", "relocate-too-much"],
)
def test_taking_more_than_a_bucket_holds_is_refused_with_the_numbers(
    refused: Any, url: str, body: dict[str, Any]
) -> None:
    reply = assert_error(refused("POST", url, json=body), 409, "insufficient_stock")
    assert {"sku", "status", "on_hand", "requested"} <= set(reply["details"])
    assert reply["details"]["requested"] > reply["details"]["on_hand"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (with_(ADJUST, counted_qty=5), 422, "validation_error"),
        (without(ADJUST, "delta"), 422, "validation_error"),
        (with_(ADJUST, delta=0), 422, "invalid_input"),
        (with_(without(ADJUST, "delta"), counted_qty=ON_SHELF - RESERVED), 422, "invalid_input"),
        (with_(without(ADJUST, "delta"), counted_qty=-1), 422, "validation_error"),
        (with_(ADJUST, delta=-CAP - 1), 422, "validation_error"),
        (with_(ADJUST, delta=CAP + 1), 422, "validation_error"),
        (without(ADJUST, "reason"), 422, "validation_error"),
        (with_(ADJUST, reason="Because I Said So"), 422, "validation_error"),
    ],
    ids=[
        "counted-and-delta",
        "neither",
        "zero-delta",
        "count-equals-current",
        "negative-count",
        "delta-below-cap",
        "delta-above-cap",
        "no-reason",
        "free-text-reason",
    ],
)
def test_an_adjustment_needs_exactly_one_real_change_and_a_reason_code(
    refused: Any, body: dict[str, Any], status: int, code: str
) -> None:
    assert_error(refused("POST", "/v1/inventory/adjustments", json=body), status, code)


def test_a_relocation_to_the_same_location_is_refused(refused: Any) -> None:
    body = with_(RELOCATE, to_location="DC-1")
    assert_error(refused("POST", "/v1/inventory/relocations", json=body), 422, "invalid_input")


@pytest.mark.parametrize(
    "body",
    [
        with_(MOVE, sku=["SKU-1"]),
        with_(MOVE, sku=123),
        with_(MOVE, sku={"code": "SKU-1"}),
        with_(MOVE, sku=None),
        with_(MOVE, location=True),
        with_(MOVE, qty="ten"),
        with_(MOVE, reference=42),
        with_(MOVE, reason=["receipt"]),
    ],
    ids=[
        "sku-list",
        "sku-int",
        "sku-object",
        "sku-null",
        "location-bool",
        "qty-word",
        "ref-int",
        "reason-list",
    ],
)
def test_wrong_types_are_refused_with_the_field_named(refused: Any, body: dict[str, Any]) -> None:
    reply = assert_error(refused("POST", "/v1/inventory/moves", json=body), 422, "validation_error")
    wrong = {k for k, v in body.items() if v != MOVE.get(k, "receipt")}
    assert {p["loc"][1] for p in reply["details"]["errors"]} == wrong


def test_a_boolean_quantity_is_not_taken_for_one(refused: Any) -> None:
    reply = refused("POST", "/v1/inventory/moves", json=with_(MOVE, qty=True))
    assert_error(reply, 422, "validation_error")


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/v1/inventory/moves", with_(MOVE, average_cost="0.01")),
        ("/v1/inventory/moves", with_(MOVE, status="available")),
        ("/v1/inventory/moves", with_(MOVE, actor="someone-else")),
        ("/v1/inventory/moves", with_(MOVE, id=1)),
        ("/v1/inventory/moves", with_(MOVE, created_at="2020-01-01T00:00:00Z")),
        ("/v1/inventory/reservations", with_(RESERVE, reserved=5)),
        ("/v1/inventory/reservations", with_(RESERVE, active=False)),
        ("/v1/inventory/reservations", with_(RESERVE, status="reserved")),
        ("/v1/inventory/adjustments", with_(ADJUST, reserved=0)),
        ("/v1/inventory/relocations", with_(RELOCATE, location="DC-1")),
    ],
    ids=[
        "move-average-cost",
        "move-status",
        "move-actor",
        "move-id",
        "move-created-at",
        "reserve-reserved",
        "reserve-active",
        "reserve-status",
        "adjust-reserved",
        "relocate-location",
    ],
)
def test_unknown_fields_are_refused_so_a_body_cannot_set_what_it_does_not_own(
    refused: Any, url: str, body: dict[str, Any]
) -> None:
    reply = assert_error(refused("POST", url, json=body), 422, "validation_error")
    assert problem_types(reply) == {"extra_forbidden"}


def test_releasing_an_unknown_reservation_is_404_and_a_released_one_409(
    app_client: TestClient, refused: Any, admin: H
) -> None:
    assert_error(refused("DELETE", "/v1/inventory/reservations/999999"), 404, "not_found")
    reservation = app_client.post("/v1/inventory/reservations", headers=admin, json=RESERVE)
    rid = reservation.json()["id"]
    assert app_client.delete(f"/v1/inventory/reservations/{rid}", headers=admin).status_code == 200
    reply = assert_error(
        refused("DELETE", f"/v1/inventory/reservations/{rid}"), 409, "illegal_transition"
    )
    assert reply["details"] == {"id": rid}
    assert_error(refused("DELETE", "/v1/inventory/reservations/abc"), 422, "validation_error")


# ---------------------------------------------------------------------------------------------
# Bodies that are not JSON objects, or are too large


@pytest.mark.parametrize(
    "raw",
    [b'{"sku": "SKU-1",', b"not json", b'{"sku": "SKU-1",}', b"{'sku': 'SKU-1'}", b'{"qty": 1'],
    ids=["truncated", "prose", "trailing-comma", "single-quotes", "unclosed"],
)
@pytest.mark.parametrize("url", ["/v1/inventory/moves", "/v1/items"])
def test_malformed_json_is_422_malformed_json(refused: Any, url: str, raw: bytes) -> None:
    reply = refused("POST", url, content=raw, headers={"Content-Type": "application/json"})
    assert_error(reply, 422, "malformed_json")


@pytest.mark.parametrize(
    "raw",
    [b"", b"[]", b"null", b"42", b'"SKU-1"', b"[" + b'{"sku": "SKU-1"}' + b"]"],
    ids=["empty", "array", "null", "number", "string", "array-of-object"],
)
def test_a_body_that_is_not_one_json_object_is_422(refused: Any, raw: bytes) -> None:
    reply = refused(
        "POST", "/v1/inventory/moves", content=raw, headers={"Content-Type": "application/json"}
    )
    assert_error(reply, 422, "validation_error")


def test_a_body_that_is_not_utf8_is_a_4xx_with_a_code(refused: Any) -> None:
    reply = refused(
        "POST",
        "/v1/inventory/moves",
        content=b'{"sku": "\xff\xfe"}',
        headers={"Content-Type": "application/json"},
    )
    assert 400 <= reply.status_code < 500
    assert reply.json()["code"] and reply.json()["message"]


def _oversized(limit: int) -> bytes:
    padding = "x" * (limit + 1)
    return f'{{"sku": "SKU-1", "location": "DC-1", "qty": 1, "reference": "{padding}"}}'.encode()


def _chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.parametrize("url", ["/v1/inventory/moves", "/v1/inventory/reservations", "/v1/items"])
@pytest.mark.parametrize("how", ["declared", "sent", "chunked"])
def test_an_oversized_body_is_413_before_any_route_sees_it(
    refused: Any, seeded: Database, url: str, how: str
) -> None:
    limit = seeded.settings.max_body_bytes
    json_type = {"Content-Type": "application/json"}
    if how == "declared":
        # Content-Length alone is enough to refuse; the short body is never read.
        reply = refused(
            "POST", url, content=b"{}", headers={**json_type, "Content-Length": str(limit + 1)}
        )
    elif how == "sent":
        reply = refused("POST", url, content=_oversized(limit), headers=json_type)
    else:
        # No Content-Length at all: the streamed bytes are counted.
        reply = refused("POST", url, content=_chunks(_oversized(limit)), headers=json_type)
    body = assert_error(reply, 413, "payload_too_large")
    assert body["details"] == {"limit": limit}


def test_a_body_just_under_the_limit_is_read_and_judged_on_its_content(
    refused: Any, seeded: Database
) -> None:
    limit = seeded.settings.max_body_bytes
    filler = "x" * (limit - 200)
    raw = f'{{"sku": "SKU-1", "location": "DC-1", "qty": 1, "filler": "{filler}"}}'.encode()
    assert len(raw) < limit
    reply = refused(
        "POST",
        "/v1/inventory/reservations",
        content=raw,
        headers={"Content-Type": "application/json"},
    )
    assert_error(reply, 422, "validation_error")


# ---------------------------------------------------------------------------------------------
# Lists and cursors


@pytest.mark.parametrize(
    "url", ["/v1/items", "/v1/locations", "/v1/inventory", "/v1/inventory/SKU-1/moves"]
)
@pytest.mark.parametrize(
    "cursor",
    ["!!!", "", "bm90LWFuLWludA", "8J+Ygw", "MSwyLDM"],
    ids=["not-base64", "empty", "not-a-number", "emoji", "wrong-width"],
)
def test_a_cursor_this_api_did_not_give_out_is_422_invalid_input(
    refused: Any, url: str, cursor: str
) -> None:
    reply = assert_error(refused("GET", url, params={"cursor": cursor}), 422, "invalid_input")
    assert reply["details"] == {"cursor": cursor}


@pytest.mark.parametrize("url", ["/v1/items", "/v1/inventory", "/v1/inventory/SKU-1/moves"])
@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 10_001}, {"limit": "all"}, {"cursor": "x" * 201}]
)
def test_list_limits_and_cursor_lengths_out_of_range_are_422(
    refused: Any, url: str, params: dict[str, Any]
) -> None:
    assert_error(refused("GET", url, params=params), 422, "validation_error")


def test_an_unknown_list_filter_is_refused_rather_than_ignored(refused: Any) -> None:
    reply = assert_error(
        refused("GET", "/v1/items", params={"colour": "red"}), 422, "validation_error"
    )
    assert problem_types(reply) == {"extra_forbidden"}


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/v1/inventory", {"sku": "NOPE-1"}),
        ("/v1/inventory", {"location": "NOWHERE"}),
        ("/v1/inventory/NOPE-1/moves", {}),
        ("/v1/inventory/SKU-1/moves", {"location": "NOWHERE"}),
    ],
)
def test_reading_stock_of_an_unknown_sku_or_location_is_404(
    refused: Any, url: str, params: dict[str, str]
) -> None:
    assert_error(refused("GET", url, params=params), 404, "not_found")


# ---------------------------------------------------------------------------------------------
# Master data


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/v1/items", with_(ITEM, sku="SKU-1")),
        ("/v1/items", with_(ITEM, sku="  SKU-1  ")),
        ("/v1/items", with_(ITEM, sku="OLD-1")),
        ("/v1/locations", with_(LOCATION, code="DC-1")),
    ],
    ids=["same-sku", "same-sku-padded", "deactivated-sku", "same-location"],
)
def test_creating_a_code_that_exists_is_409_already_exists(
    refused: Any, url: str, body: dict[str, Any]
) -> None:
    reply = assert_error(refused("POST", url, json=body), 409, "already_exists")
    assert reply["details"] == {"code": body.get("sku", body.get("code")).strip()}


@pytest.mark.parametrize(
    "sku",
    [
        "",
        "   ",
        "-LEAD",
        ".hidden",
        "has space",
        "SKU/1",
        "SKU?1",
        "SKU#1",
        "ÄPFEL-1",
        "ＳＫＵ１",
        "SKU-\u200b1",
        "SKU-😀",
        "SKU\x00",
        "SKU\n1",
        "A" * 65,
        "'; DROP TABLE items; --",
    ],
    ids=lambda s: repr(s)[:16],
)
@pytest.mark.parametrize("kind", ["item", "location"])
def test_codes_outside_the_code_pattern_are_refused(refused: Any, sku: str, kind: str) -> None:
    url, body = (
        ("/v1/items", with_(ITEM, sku=sku))
        if kind == "item"
        else (
            "/v1/locations",
            with_(LOCATION, code=sku),
        )
    )
    reply = assert_error(refused("POST", url, json=body), 422, "validation_error")
    assert problem_types(reply) <= {"string_pattern_mismatch", "value_error"}


@pytest.mark.parametrize(
    "name",
    [
        "Kaffeebohnen – Äthiopien ☕",
        "日本茶 (煎茶)",
        "Ωmega ∑ sets",
        "emoji 📦🚚",
        "Bread & <Butter> \"quoted\" 'single'",
        "Right-to-left עברית",
        "z" * 200,
    ],
    ids=["german-dash", "japanese", "greek-math", "emoji", "markup", "rtl", "max-length"],
)
def test_names_accept_unicode_and_are_stored_exactly(
    app_client: TestClient, seeded: Database, admin: H, name: str
) -> None:
    created = app_client.post("/v1/items", headers=admin, json=with_(ITEM, name=name))
    assert created.status_code == 201, created.text
    assert app_client.get("/v1/items/SKU-NEW", headers=admin).json()["name"] == name
    location = app_client.post("/v1/locations", headers=admin, json=with_(LOCATION, name=name))
    assert location.status_code == 201, location.text
    assert location.json()["name"] == name


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/v1/items", with_(ITEM, name="")),
        ("/v1/items", with_(ITEM, name="  \t ")),
        ("/v1/items", with_(ITEM, name="z" * 201)),
        ("/v1/items", without(ITEM, "name")),
        ("/v1/items", with_(ITEM, name=None)),
        ("/v1/items", with_(ITEM, name=["a"])),
        ("/v1/items", with_(ITEM, unit_cost="-0.01")),
        ("/v1/items", with_(ITEM, unit_cost="1e20")),
        ("/v1/items", with_(ITEM, unit_cost="0.00001")),
        ("/v1/items", with_(ITEM, list_price="free")),
        ("/v1/items", with_(ITEM, weight_kg=-1)),
        ("/v1/items", with_(ITEM, hazardous="very")),
        ("/v1/items", with_(ITEM, restricted_regions="DE")),
        ("/v1/items", with_(ITEM, restricted_regions=[""])),
        ("/v1/locations", with_(LOCATION, kind="warehouse")),
        ("/v1/locations", with_(LOCATION, latitude=90.5)),
        ("/v1/locations", with_(LOCATION, longitude=-181)),
        ("/v1/locations", with_(LOCATION, daily_order_capacity=-1)),
        ("/v1/locations", without(LOCATION, "region")),
    ],
    ids=[
        "empty-name",
        "blank-name",
        "long-name",
        "no-name",
        "null-name",
        "list-name",
        "negative-cost",
        "huge-cost",
        "sub-cent-precision",
        "word-price",
        "negative-weight",
        "word-bool",
        "regions-not-list",
        "empty-region",
        "unknown-kind",
        "latitude",
        "longitude",
        "negative-capacity",
        "no-region",
    ],
)
def test_invalid_master_data_fields_are_refused_and_write_nothing(
    refused: Any, url: str, body: dict[str, Any]
) -> None:
    assert_error(refused("POST", url, json=body), 422, "validation_error")


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/v1/items", with_(ITEM, active=False)),
        ("POST", "/v1/items", with_(ITEM, id=99)),
        ("POST", "/v1/items", with_(ITEM, created_at="2020-01-01T00:00:00Z")),
        ("POST", "/v1/items", with_(ITEM, reserved=5)),
        ("POST", "/v1/items", with_(ITEM, on_hand=100)),
        ("POST", "/v1/locations", with_(LOCATION, unit_cost="1.00")),
        ("PATCH", "/v1/items/SKU-1", {"sku": "SKU-2"}),
        ("PATCH", "/v1/items/SKU-1", {"reserved": 0}),
        ("PATCH", "/v1/items/SKU-1", {"name": "ok", "status": "available"}),
        ("PATCH", "/v1/locations/DC-1", {"code": "DC-9"}),
    ],
    ids=[
        "create-active",
        "create-id",
        "create-created-at",
        "create-reserved",
        "create-on-hand",
        "location-cost",
        "rename-sku",
        "patch-reserved",
        "patch-status",
        "recode-location",
    ],
)
def test_master_bodies_forbid_fields_they_do_not_own(
    refused: Any, method: str, url: str, body: dict[str, Any]
) -> None:
    reply = assert_error(refused(method, url, json=body), 422, "validation_error")
    assert problem_types(reply) == {"extra_forbidden"}


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/v1/items/NOPE-1", None),
        ("PATCH", "/v1/items/NOPE-1", {"name": "x"}),
        ("POST", "/v1/items/NOPE-1/deactivate", None),
        ("GET", "/v1/locations/NOWHERE", None),
        ("PATCH", "/v1/locations/NOWHERE", {"name": "x"}),
        ("POST", "/v1/locations/NOWHERE/deactivate", None),
    ],
)
def test_master_records_that_do_not_exist_are_404(
    refused: Any, method: str, url: str, body: dict[str, Any] | None
) -> None:
    reply = assert_error(refused(method, url, json=body), 404, "not_found")
    assert reply["details"] == {"code": url.split("/")[3]}


@pytest.mark.parametrize(
    "body",
    [{"name": None}, {"name": ""}, {"hazardous": None}, {"unit_cost": "-1"}, {"active": "no way"}],
)
def test_a_bad_update_changes_nothing_on_the_record(refused: Any, body: dict[str, Any]) -> None:
    assert_error(refused("PATCH", "/v1/items/SKU-1", json=body), 422, "validation_error")


def test_forbidding_negative_stock_while_a_bucket_is_negative_is_409(
    app_client: TestClient, refused: Any, admin: H
) -> None:
    app_client.post(
        "/v1/items", headers=admin, json=with_(ITEM, sku="NEG-1", allow_negative_stock=True)
    )
    shipped = app_client.post(
        "/v1/inventory/adjustments",
        headers=admin,
        json=with_(ADJUST, sku="NEG-1", delta=-2),
    )
    assert shipped.status_code == 201, shipped.text
    reply = refused("PATCH", "/v1/items/NEG-1", json={"allow_negative_stock": False})
    assert_error(reply, 409, "illegal_transition")


# ---------------------------------------------------------------------------------------------
# Regressions: inputs that made the server fail with a 500 when these tests were written.


HUGE = 10**20  # beyond 64-bit integers
BIG = 2**40  # beyond 32-bit integers (api_keys.id is INTEGER on PostgreSQL)
CSV = {"Content-Type": "text/csv"}


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "why"),
    [
        (
            "DELETE",
            f"/v1/inventory/reservations/{HUGE}",
            {},
            "path id beyond 64 bits reaches the database (OverflowError / bigint out of range)",
        ),
        ("DELETE", f"/v1/api-keys/{HUGE}", {}, "path id beyond 64 bits reaches the database"),
        (
            "DELETE",
            f"/v1/api-keys/{BIG}",
            {},
            "path id beyond 32 bits: integer out of range on api_keys.id",
        ),
        (
            "GET",
            "/v1/items",
            {"params": {"cursor": encode_cursor(HUGE)}},
            "decoded cursor key beyond 64 bits reaches the database",
        ),
        (
            "GET",
            "/v1/items",
            {"params": {"cursor": encode_cursor(BIG)}},
            "decoded cursor key beyond 32 bits: integer out of range on items.id",
        ),
        (
            "GET",
            "/v1/inventory",
            {"params": {"cursor": encode_cursor(HUGE, 1)}},
            "decoded cursor key beyond 64 bits reaches the database",
        ),
        (
            "GET",
            "/v1/inventory/SKU-1/moves",
            {"params": {"cursor": encode_cursor(HUGE)}},
            "decoded cursor key beyond 64 bits reaches the database",
        ),
        (
            "GET",
            "/v1/audit",
            {"params": {"cursor": encode_cursor(HUGE)}},
            "decoded cursor key beyond 64 bits reaches the database",
        ),
        (
            "POST",
            "/v1/items",
            {"json": with_(ITEM, name="nul \x00 byte")},
            "PostgreSQL text cannot hold NUL; psycopg DataError",
        ),
        (
            "POST",
            "/v1/inventory/moves",
            {"json": with_(MOVE, reference="\x00")},
            "PostgreSQL text cannot hold NUL; psycopg DataError",
        ),
        (
            "GET",
            "/v1/items",
            {"params": {"q": "a\x00b"}},
            "PostgreSQL text cannot hold NUL; psycopg DataError",
        ),
        ("GET", "/v1/items/SKU%00", {}, "PostgreSQL text cannot hold NUL; psycopg DataError"),
        (
            "GET",
            "/v1/inventory",
            {"params": {"sku": "\x00"}},
            "PostgreSQL text cannot hold NUL; psycopg DataError",
        ),
        (
            "POST",
            "/v1/api-keys",
            {"json": {"name": "n" * 150, "role": "admin"}},
            "Name allows 200 characters, api_keys.name is VARCHAR(100)",
        ),
        (
            "POST",
            "/v1/imports/items",
            {"content": b"sku,name\rA-1,B\n", "headers": CSV},
            "csv.Error (new-line character in unquoted field) is not caught",
        ),
        (
            "POST",
            "/v1/imports/items",
            {"content": b"sku,name\nA-1," + b"x" * 140_000 + b"\n", "headers": CSV},
            "csv.Error (field larger than field limit) is not caught",
        ),
    ],
    ids=[
        "reservation-id-64bit",
        "key-id-64bit",
        "key-id-32bit",
        "items-cursor-64bit",
        "items-cursor-32bit",
        "inventory-cursor-64bit",
        "moves-cursor-64bit",
        "audit-cursor-64bit",
        "nul-in-name",
        "nul-in-reference",
        "nul-in-search",
        "nul-in-path",
        "nul-in-filter",
        "long-key-name",
        "csv-lone-cr",
        "csv-huge-field",
    ],
)
def test_input_that_once_crashed_the_server_gets_a_reply_below_500_and_a_4xx_writes_nothing(
    app_client: TestClient,
    seeded: Database,
    admin: H,
    method: str,
    url: str,
    kwargs: dict[str, Any],
    why: str,
) -> None:
    client = TestClient(app_client.app, raise_server_exceptions=False)
    options = dict(kwargs)
    headers = {**admin, **options.pop("headers", {})}
    counts, rows = row_counts(seeded), everything(seeded)
    reply = client.request(method, url, headers=headers, **options)
    assert reply.status_code < 500, f"{reply.status_code}: {reply.text}"
    if reply.status_code >= 400:
        assert reply.json()["code"] and reply.json()["message"]
        assert row_counts(seeded) == counts and everything(seeded) == rows


def test_a_key_with_the_longest_allowed_name_can_still_write_stock(
    app_client: TestClient, seeded: Database, admin: H
) -> None:
    issued = app_client.post(
        "/v1/api-keys", headers=admin, json={"name": "n" * API_KEY_NAME_MAX, "role": "admin"}
    )
    assert issued.status_code == 201, issued.text
    client = TestClient(app_client.app, raise_server_exceptions=False)
    moved = client.post(
        "/v1/inventory/moves", headers={"X-API-Key": issued.json()["key"]}, json=MOVE
    )
    assert moved.status_code == 201, moved.text
