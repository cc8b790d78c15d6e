"""Master data through the API: create, read, list with filters and cursors, update,
deactivate; supplier terms; every change audited."""

from __future__ import annotations

from fastapi.testclient import TestClient

H = dict[str, str]


def _locations(client: TestClient, admin: H, n: int) -> None:
    for i in range(n):
        reply = client.post(
            "/v1/locations",
            headers=admin,
            json={
                "code": f"L-{i}",
                "name": f"Location {i}",
                "kind": "3pl" if i % 2 else "own_dc",
                "region": "DE" if i < 3 else "FR",
                "latitude": 50.1,
                "longitude": 8.6,
                "daily_order_capacity": 1000,
                "handling_cost_per_order": "1.25",
            },
        )
        assert reply.status_code == 201, reply.json()


def test_lists_page_through_every_record_once_with_cursors(
    app_client: TestClient, admin: H
) -> None:
    _locations(app_client, admin, 7)
    seen, cursor = [], None
    while True:
        page = app_client.get(
            "/v1/locations",
            headers=admin,
            params={"limit": 3, **({"cursor": cursor} if cursor else {})},
        ).json()
        seen += [row["code"] for row in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"L-{i}" for i in range(7)]


def test_lists_filter_by_field_and_text(app_client: TestClient, admin: H) -> None:
    _locations(app_client, admin, 6)
    fr = app_client.get("/v1/locations", headers=admin, params={"region": "FR"}).json()["data"]
    assert [r["code"] for r in fr] == ["L-3", "L-4", "L-5"]
    dcs = app_client.get(
        "/v1/locations", headers=admin, params={"kind": "own_dc", "region": "DE"}
    ).json()["data"]
    assert [r["code"] for r in dcs] == ["L-0", "L-2"]
    found = app_client.get("/v1/locations", headers=admin, params={"q": "tion 4"}).json()["data"]
    assert [r["code"] for r in found] == ["L-4"]


def test_page_size_is_capped_by_settings(app_client: TestClient, admin: H) -> None:
    settings = app_client.app.state.database.settings  # type: ignore[attr-defined]
    settings.page_size_max = 2
    _locations(app_client, admin, 3)
    page = app_client.get("/v1/locations", headers=admin, params={"limit": 1000}).json()
    assert len(page["data"]) == 2 and page["next_cursor"]


def test_update_changes_only_given_fields_and_deactivate_keeps_the_record(
    app_client: TestClient, admin: H
) -> None:
    app_client.post(
        "/v1/channels",
        headers=admin,
        json={"code": "AMZ", "name": "Amazon", "kind": "marketplace", "fee_rate": "0.15"},
    )
    updated = app_client.patch(
        "/v1/channels/AMZ", headers=admin, json={"allocation_priority": 3}
    ).json()
    assert (updated["allocation_priority"], updated["fee_rate"], updated["name"]) == (
        3,
        "0.1500",
        "Amazon",
    )
    gone = app_client.post("/v1/channels/AMZ/deactivate", headers=admin).json()
    assert gone["active"] is False
    assert app_client.get("/v1/channels/AMZ", headers=admin).json()["active"] is False
    active = app_client.get("/v1/channels", headers=admin, params={"active": True}).json()
    assert active["data"] == []
    trail = app_client.get(
        "/v1/audit", headers=admin, params={"entity": "channel", "entity_key": "AMZ"}
    ).json()["data"]
    assert [a["action"] for a in trail] == ["channel.update", "channel.update", "channel.create"]
    assert trail[1]["before"]["allocation_priority"] == 100
    assert trail[1]["after"]["allocation_priority"] == 3


def test_an_explicit_null_for_a_required_field_is_refused(app_client: TestClient, admin: H) -> None:
    app_client.post("/v1/items", headers=admin, json={"sku": "A", "name": "A"})
    reply = app_client.patch("/v1/items/A", headers=admin, json={"name": None})
    assert (reply.status_code, reply.json()["code"]) == (422, "validation_error")
    cleared = app_client.patch("/v1/items/A", headers=admin, json={"category": None})
    assert cleared.status_code == 200


def test_supplier_terms_are_kept_per_supplier_and_item(app_client: TestClient, admin: H) -> None:
    app_client.post("/v1/suppliers", headers=admin, json={"code": "ACME", "name": "Acme"})
    app_client.post("/v1/items", headers=admin, json={"sku": "A", "name": "A"})
    terms = {
        "sku": "A",
        "unit_cost": "3.10",
        "lead_time_days_mean": "12.5",
        "lead_time_days_std": "2",
        "moq": 10,
        "pack_size": 6,
    }
    created = app_client.post("/v1/suppliers/ACME/items", headers=admin, json=terms)
    assert created.status_code == 201, created.json()
    again = app_client.post("/v1/suppliers/ACME/items", headers=admin, json=terms)
    assert (again.status_code, again.json()["code"]) == (409, "already_exists")
    changed = app_client.patch("/v1/suppliers/ACME/items/A", headers=admin, json={"moq": 20})
    assert changed.json()["moq"] == 20
    listed = app_client.get("/v1/suppliers/ACME/items", headers=admin).json()["data"]
    assert [(r["sku"], r["moq"], r["pack_size"]) for r in listed] == [("A", 20, 6)]


def test_customers_are_created_and_found_by_email(app_client: TestClient, admin: H) -> None:
    app_client.post(
        "/v1/customers",
        headers=admin,
        json={"code": "C1", "name": "Zoë Müller", "email": "zoe@example.com"},
    )
    found = app_client.get("/v1/customers", headers=admin, params={"q": "ZOE@"}).json()["data"]
    assert [c["name"] for c in found] == ["Zoë Müller"]
