"""The `keel` command line against a real SQLite database."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from api.cli.main import app
from api.composition import database
from erp_core.domain.access import Role
from erp_core.domain.orders import PaymentStatus
from erp_core.queries.inventory import inventory_positions
from erp_core.queries.master import list_records
from erp_core.services import master_data as md
from erp_core.services import orders as capture
from erp_core.services.api_keys import authenticate
from erp_core.services.order_commands import LineCommand, OrderCommand

runner = CliRunner()


def test_create_key_prints_a_working_key_alone_on_the_last_line(keel: Path) -> None:
    result = runner.invoke(
        app, ["users", "create-key", "--name", "ops-bot", "--role", "operations"]
    )
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    principal = authenticate(database(), key)
    assert (principal.name, principal.role) == ("ops-bot", Role.OPERATIONS)


def test_an_unknown_role_is_refused_with_a_message(keel: Path) -> None:
    result = runner.invoke(app, ["users", "create-key", "--name", "x", "--role", "boss"])
    assert result.exit_code != 0
    assert "boss" in result.output


def test_master_data_commands_create_update_list_and_deactivate(keel: Path) -> None:
    created = runner.invoke(
        app,
        ["items", "create", "sku=MUG-1", "name=Mug", "unit_cost=2.40", "restricted_regions=US;CA"],
    )
    assert created.exit_code == 0, created.output
    assert runner.invoke(app, ["items", "update", "MUG-1", "list_price=9.90"]).exit_code == 0
    shown = runner.invoke(app, ["items", "get", "MUG-1"])
    assert '"list_price": "9.9000"' in shown.output and '"CA"' in shown.output
    assert "MUG-1" in runner.invoke(app, ["items", "list"]).output
    assert runner.invoke(app, ["items", "deactivate", "MUG-1"]).exit_code == 0
    assert "MUG-1" not in runner.invoke(app, ["items", "list"]).output
    assert "MUG-1" in runner.invoke(app, ["items", "list", "--all"]).output


def test_bad_field_values_exit_non_zero_with_the_reason(keel: Path) -> None:
    result = runner.invoke(app, ["items", "create", "sku=X", "name=X", "unit_cost=-3"])
    assert result.exit_code == 1
    assert "unit_cost" in result.output
    missing = runner.invoke(app, ["items", "update", "NOPE", "name=Y"])
    assert missing.exit_code == 1 and "not_found" in missing.output


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_loads_items_then_opening_stock(keel: Path) -> None:
    items = _write(
        keel / "items.csv",
        "sku,name,unit_cost,category,restricted_regions\n"
        "A-1,Alpha,1.50,kitchen,US;CA\nB-2,Beta,2.00,kitchen,\n",
    )
    result = runner.invoke(app, ["import", str(items)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    runner.invoke(app, ["locations", "create", "code=DC-1", "name=DC", "kind=own_dc", "region=DE"])
    stock = _write(
        keel / "stock.csv", "sku,location,qty,status\nA-1,DC-1,40,available\nB-2,DC-1,5,damaged\n"
    )
    result = runner.invoke(app, ["import", str(stock)])
    assert result.exit_code == 0, result.output
    assert "45 units received" in result.output
    shown = runner.invoke(app, ["inventory", "show", "--sku", "A-1"])
    assert "40" in shown.output
    again = runner.invoke(app, ["import", str(items)])
    assert "2 unchanged" in again.output


def test_a_file_with_a_bad_row_is_rejected_whole_with_every_bad_row_listed(keel: Path) -> None:
    runner.invoke(app, ["locations", "create", "code=DC-1", "name=DC", "kind=own_dc", "region=DE"])
    runner.invoke(app, ["import", str(_write(keel / "i.csv", "sku,name\nA-1,Alpha\n"))])
    stock = _write(
        keel / "stock.csv",
        "sku,location,qty\nA-1,DC-1,10\nZZZ,DC-1,5\nA-1,DC-9,5\nA-1,DC-1,-4\nA-1,DC-1,3,extra\n",
    )
    result = runner.invoke(app, ["import", str(stock)])
    assert result.exit_code == 1
    for line in ("line 3", "line 4", "line 5", "line 6"):
        assert line in result.output
    assert "line 2" not in result.output
    shown = runner.invoke(app, ["inventory", "show", "--sku", "A-1"])
    assert "10" not in shown.output, "nothing from the rejected file was applied"


def test_a_file_with_unknown_columns_is_refused(keel: Path) -> None:
    result = runner.invoke(app, ["import", str(_write(keel / "x.csv", "sku,name,colour\n"))])
    assert result.exit_code == 1 and "colour" in result.output


def test_demo_loads_a_company_and_prints_an_admin_key_without_serving(keel: Path) -> None:
    result = runner.invoke(app, ["demo", "--fast", "--no-serve", "--output", str(keel / "out")])
    assert result.exit_code == 0, result.output
    assert authenticate(database(), result.output.strip().splitlines()[-1]).role == Role.ADMIN
    db = database()
    for kind, at_least in ((md.LOCATIONS, 3), (md.CHANNELS, 3), (md.SUPPLIERS, 3), (md.ITEMS, 20)):
        assert len(list_records(db, kind, {}, None, None, 500).data) >= at_least
    assert inventory_positions(db, None, None, None, 10).data, "opening stock was received"
    again = runner.invoke(app, ["demo", "--fast", "--no-serve", "--output", str(keel / "out")])
    assert again.exit_code == 0 and "already loaded" in again.output


def test_verify_passes_on_a_clean_ledger_and_fails_on_a_tampered_one(keel: Path) -> None:
    runner.invoke(app, ["demo", "--fast", "--no-serve", "--output", str(keel / "out")])
    assert runner.invoke(app, ["inventory", "verify"]).exit_code == 0
    database().transact(lambda s: s.execute(text("UPDATE stock_balances SET qty = qty + 1")))
    result = runner.invoke(app, ["inventory", "verify"])
    assert result.exit_code == 1 and "differ" in result.output


def test_check_passes_on_the_demo_and_names_the_broken_rule_after_tampering(keel: Path) -> None:
    runner.invoke(app, ["demo", "--fast", "--no-serve", "--output", str(keel / "out")])
    assert runner.invoke(app, ["check"]).exit_code == 0
    database().transact(
        lambda s: s.execute(text("UPDATE stock_balances SET qty = qty + 1 WHERE id = 1"))
    )
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1
    assert "ledger" in result.output and "violations" in result.output


def test_demo_refuses_a_scale_beyond_its_limit(keel: Path) -> None:
    result = runner.invoke(app, ["demo", "--scale", "20001", "--no-serve"])
    assert result.exit_code == 1 and "20000" in result.output


def test_supplier_terms_are_kept_from_the_command_line(keel: Path) -> None:
    runner.invoke(app, ["suppliers", "create", "code=ACME", "name=Acme"])
    runner.invoke(app, ["items", "create", "sku=MUG-1", "name=Mug"])
    added = runner.invoke(
        app,
        [
            "suppliers",
            "add-item",
            "ACME",
            "sku=MUG-1",
            "unit_cost=1.20",
            "lead_time_days_mean=14",
            "moq=12",
            "pack_size=6",
        ],
    )
    assert added.exit_code == 0, added.output
    assert (
        runner.invoke(app, ["suppliers", "update-item", "ACME", "MUG-1", "moq=24"]).exit_code == 0
    )
    listed = runner.invoke(app, ["suppliers", "items", "ACME"])
    assert "MUG-1" in listed.output and "24" in listed.output
    bad = runner.invoke(app, ["suppliers", "add-item", "ACME", "sku=MUG-1", "unit_cost=1"])
    assert bad.exit_code == 1 and "lead_time_days_mean" in bad.output


def test_release_run_releases_ready_orders(keel: Path) -> None:
    runner.invoke(app, ["items", "create", "sku=MUG-1", "name=Mug", "unit_cost=2"])
    runner.invoke(app, ["locations", "create", "code=DC-1", "name=DC", "kind=own_dc", "region=FR"])
    runner.invoke(app, ["channels", "create", "code=WEB", "name=Web", "kind=web_store"])
    runner.invoke(
        app, ["import", str(_write(keel / "stock.csv", "sku,location,qty\nMUG-1,DC-1,5\n"))]
    )
    db = database()
    sku = "MUG-1"
    assert inventory_positions(db, sku, None, None, 10).data, "the mug is in stock"
    cmd = OrderCommand(
        channel="WEB",
        external_id="CLI-1",
        lines=(LineCommand(sku, 1, Decimal("9")),),
        ship_to={
            "name": "A",
            "line1": "1 Way",
            "city": "Lyon",
            "postcode": "69001",
            "country": "FR",
        },
        shipping_method="standard",
        payment_status=PaymentStatus.CAPTURED,
    )
    capture.capture_order(db, "test", cmd, lambda _, order_id: {"id": order_id})
    result = runner.invoke(app, ["release", "run"])
    assert result.exit_code == 0 and "1 allocated" in result.output, result.output
    assert "nothing to release" in runner.invoke(app, ["release", "run"]).output
