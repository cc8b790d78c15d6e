"""`keel route` on the small routing company: route a stored order, an order that cannot ship
exits 3 with the reason; the cost model goes out as JSON and comes back in; bad files are a
message and exit 1."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import app
from api.composition import database
from erp_core.domain.orders import PaymentStatus
from erp_core.services import orders as capture
from erp_core.services.order_commands import LineCommand, OrderCommand
from tests.integration.test_order_capture import as_is
from tests.routing_company import BERLIN, routing_company

runner = CliRunner()


@pytest.fixture
def shop(keel: Path) -> Path:
    routing_company(database())
    return keel


def _order(external_id: str, channel: str, *lines: tuple[str, int]) -> int:
    cmd = OrderCommand(
        channel=channel,
        external_id=external_id,
        lines=tuple(LineCommand(sku, qty, Decimal("5")) for sku, qty in lines),
        ship_to=BERLIN,
        shipping_method="standard",
        payment_status=PaymentStatus.CAPTURED,
    )
    return int(capture.capture_order(database(), "test", cmd, as_is).body["id"])


def test_an_order_is_routed_and_one_that_cannot_ship_exits_3_with_why(shop: Path) -> None:
    routed = runner.invoke(app, ["route", "order", str(_order("C-1", "WEB", ("A", 3)))])
    assert routed.exit_code == 0, routed.output
    assert "optimal" in routed.output and "DC-MUC x3" in routed.output
    assert "all from DC-BER" in routed.output
    stuck = runner.invoke(app, ["route", "order", str(_order("C-2", "B2B", ("A", 12)))])
    assert stuck.exit_code == 3, stuck.output
    assert "no one node can ship the whole order" in stuck.output
    assert "DC-MUC: line 1 (A) only 10 in stock" in stuck.output


def test_the_cost_model_goes_out_as_json_and_comes_back(shop: Path) -> None:
    out = shop / "model.json"
    shown = runner.invoke(app, ["route", "cost-model", "show", "--json", str(out)])
    assert shown.exit_code == 0, shown.output
    model = json.loads(out.read_text())
    model["lanes"] = model["lanes"][:2]
    out.write_text(json.dumps(model))
    loaded = runner.invoke(app, ["route", "cost-model", "load", str(out)])
    assert loaded.exit_code == 0 and "2 lanes" in loaded.output, loaded.output
    listed = runner.invoke(app, ["route", "cost-model", "show"])
    assert "DC-BER" in listed.output and listed.output.count("DE-BER") == 2


def test_a_bad_cost_model_or_order_is_a_message_and_exit_1(shop: Path) -> None:
    bad = shop / "bad.json"
    bad.write_text(json.dumps({"parameters": {}, "zones": [], "lanes": []}))
    refused = runner.invoke(app, ["route", "cost-model", "load", str(bad)])
    assert refused.exit_code == 1 and "split_penalty" in refused.output
    missing = runner.invoke(app, ["route", "order", "999999"])
    assert missing.exit_code == 1 and "not_found" in missing.output


def test_the_orders_waiting_to_ship_are_routed_as_one_wave(shop: Path) -> None:
    empty = runner.invoke(app, ["route", "wave"])
    assert empty.exit_code == 0 and "no orders are waiting to ship" in empty.output
    for n in range(3):
        _order(f"V-{n}", "WEB", ("B", 4))
    waved = runner.invoke(app, ["route", "wave", "--time-limit", "5"])
    assert waved.exit_code == 0, waved.output
    assert "3 orders" in waved.output and "4 units unfilled" in waved.output
