"""Channel allocation through the API: a planner splits and publishes, readers see the run, its
lines and what each channel may still sell (margins only with cost:read), the warehouse is
refused, and bad requests get a coded 4xx that writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from erp_core.adapters.database import Database
from erp_core.domain.access import Role
from tests.conftest import KeyFor
from tests.integration.test_channel_allocation import LOOKBACK, two_channel_shop

RUNS = "/v1/allocation/channels"


@pytest.fixture
def shop(db: Database) -> Database:
    return two_channel_shop(db)


def _allocate(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    reply = client.post(RUNS, headers=headers, json={"lookback_days": LOOKBACK} | body)
    assert reply.status_code == 201, reply.text
    return reply.json()


def _split(run: dict[str, Any], sku: str) -> dict[str, Any]:
    return next(s for s in run["skus"] if s["sku"] == sku)


def test_a_planner_splits_and_publishes_and_reads_the_run_and_its_lines(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    planner = key_for(Role.PLANNER)
    run = _allocate(app_client, planner, ring_fences={"AMZ": {"A": 40}})
    assert (run["status"], run["solver"]) == ("optimal", "GLOP")
    assert run["published_at"] and run["wall_time"] > 0 and float(run["objective"]) > 0
    a = _split(run, "A")
    shares = {share["channel"]: share for share in a["shares"]}
    assert a["status"] == "optimal" and sum(s["qty"] for s in shares.values()) == 100
    assert shares["AMZ"]["qty"] >= 40 and shares["AMZ"]["ring_fence"] == 40
    assert all(share["why"] and share["expected_margin"] is not None for share in a["shares"])
    header = app_client.get(f"{RUNS}/{run['id']}", headers=planner).json()
    assert (header["lines"], header["lines_in_force"]) == (4, 4)
    assert header["request"]["ring_fences"] == {"AMZ": {"A": 40}}
    first = app_client.get(f"{RUNS}/{run['id']}/lines", headers=planner, params={"limit": 3})
    rest = app_client.get(
        f"{RUNS}/{run['id']}/lines", headers=planner, params={"cursor": first.json()["next_cursor"]}
    )
    lines = first.json()["data"] + rest.json()["data"]
    assert len(first.json()["data"]) == 3 and rest.json()["next_cursor"] is None
    assert {(line["sku"], line["channel"]) for line in lines} == {
        (sku, channel) for sku in "AB" for channel in ("WEB", "AMZ")
    }
    only_b = app_client.get(f"{RUNS}/{run['id']}/lines", headers=planner, params={"sku": "B"})
    assert {line["sku"] for line in only_b.json()["data"]} == {"B"}


def test_ring_fences_may_be_given_as_a_list(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    fences = [{"channel": "WEB", "sku": "A", "qty": 90}]
    run = _allocate(app_client, key_for(Role.PLANNER), ring_fences=fences)
    assert {s["channel"]: s["qty"] for s in _split(run, "A")["shares"]}["WEB"] >= 90


def test_infeasible_ring_fences_make_the_sku_infeasible_with_the_reason(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    run = _allocate(app_client, key_for(Role.PLANNER), ring_fences={"WEB": {"B": 11}})
    b = _split(run, "B")
    assert (b["status"], b["shares"]) == ("infeasible", [])
    assert "need 11 units but only 10" in b["reason"]
    assert _split(run, "A")["status"] == "optimal"


def test_channels_availability_shows_what_each_channel_may_still_sell(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    reader = key_for(Role.ROUTING_SERVICE)
    before = app_client.get("/v1/channels/WEB/availability", headers=reader, params={"sku": "A"})
    assert before.status_code == 200, before.text
    assert before.json()["data"][0]["allocated"] is None, "nothing published: no limit"
    assert before.json()["data"][0]["sellable"] == 100
    run = _allocate(app_client, key_for(Role.PLANNER))
    web = {s["channel"]: s["qty"] for s in _split(run, "A")["shares"]}["WEB"]
    rows = app_client.get("/v1/channels/WEB/availability", headers=reader).json()["data"]
    assert [row["sku"] for row in rows] == ["A", "B"]
    assert (rows[0]["allocation_id"], rows[0]["allocated"], rows[0]["sellable"]) == (
        run["id"],
        web,
        web,
    )
    paged = app_client.get("/v1/channels/AMZ/availability", headers=reader, params={"limit": 1})
    assert len(paged.json()["data"]) == 1 and paged.json()["next_cursor"]


def test_readers_see_runs_without_margins_and_the_warehouse_is_refused(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    run = _allocate(app_client, key_for(Role.PLANNER))
    body = {"lookback_days": LOOKBACK}
    for role in (Role.OPERATIONS, Role.ROUTING_SERVICE):
        headers = key_for(role)
        assert app_client.post(RUNS, headers=headers, json=body).status_code == 403
        header = app_client.get(f"{RUNS}/{run['id']}", headers=headers)
        assert header.status_code == 200 and header.json()["objective"] is None
        lines = app_client.get(f"{RUNS}/{run['id']}/lines", headers=headers).json()["data"]
        assert lines and all(line["expected_margin"] is None for line in lines)
    warehouse = key_for(Role.WAREHOUSE)
    for reply in (
        app_client.post(RUNS, headers=warehouse, json=body),
        app_client.get(f"{RUNS}/{run['id']}", headers=warehouse),
        app_client.get(f"{RUNS}/{run['id']}/lines", headers=warehouse),
        app_client.get("/v1/channels/WEB/availability", headers=warehouse),
    ):
        assert (reply.status_code, reply.json()["code"]) == (403, "forbidden")
    assert app_client.get(f"{RUNS}/{run['id']}").status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"skus": ["NOPE"]}, 404, "not_found"),
        ({"ring_fences": {"NOPE": {"A": 1}}}, 404, "not_found"),
        ({"ring_fences": {"WEB": {"NOPE": 1}}}, 404, "not_found"),
        ({"horizon_days": 0}, 422, "validation_error"),
        ({"horizon_days": 366}, 422, "validation_error"),
        ({"lookback_days": 0}, 422, "validation_error"),
        ({"fairness_floor": 1.5}, 422, "validation_error"),
        ({"ring_fences": {"WEB": {"A": -1}}}, 422, "validation_error"),
        ({"ring_fences": {"WEB": {"A": True}}}, 422, "validation_error"),
        ({"ring_fences": [{"channel": "WEB", "sku": "A", "qty": 1}] * 2}, 422, "invalid_input"),
        ({"objective": 5}, 422, "validation_error"),
    ],
)
def test_bad_requests_get_a_coded_4xx_and_write_nothing(
    shop: Database,
    app_client: TestClient,
    key_for: KeyFor,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    planner = key_for(Role.PLANNER)
    reply = app_client.post(RUNS, headers=planner, json=body)
    assert (reply.status_code, reply.json()["code"]) == (status, code), reply.text
    assert app_client.get(f"{RUNS}/1", headers=planner).status_code == 404


def test_missing_runs_and_unknown_channels_or_skus_are_404(
    shop: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    reader = key_for(Role.OPERATIONS)
    for path, params in (
        (f"{RUNS}/99", {}),
        (f"{RUNS}/99/lines", {}),
        ("/v1/channels/NOPE/availability", {}),
        ("/v1/channels/WEB/availability", {"sku": "NOPE"}),
    ):
        reply = app_client.get(path, headers=reader, params=params)
        assert (reply.status_code, reply.json()["code"]) == (404, "not_found"), path
