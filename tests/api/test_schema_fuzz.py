"""Promise 11: schemathesis drives every operation of the OpenAPI schema with generated requests,
valid ones and invalid ones, a bounded number of examples each. No reply is a 5xx, and every 4xx
carries the error body {"code", "message", "details"}.

The requests go through a client on the test's own app, so they hit the per-test database
(SQLite, and PostgreSQL when KEEL_TEST_PG_URL is set); the ledger check of conftest runs
afterwards over whatever the fuzzer managed to write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode

from erp_core.adapters.database import Database
from erp_core.domain.access import Role
from erp_core.services import api_keys
from erp_core.services import master_data as md
from erp_core.services.inventory import ReserveCommand, reserve_stock
from tests import factories

# PostgreSQL runs fewer: it is there for what only its types refuse (numeric and integer
# ranges), which the schema's bounds already keep out of most cases.
EXAMPLES_PER_MODE = {"sqlite": 12, "postgres": 6}
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# Revoking keys is fuzzed on its own, with the fuzzer's key kept out of reach.
REVOKE_KEY = ("DELETE", "/v1/api-keys/{key_id}")

# Codes that exist after seeding, per path parameter and per body field, so that a share of the
# generated requests gets past the lookups and into the ledger and master data code.
SEEDED_PATH_CODES = {
    "/v1/items": "SKU-1",
    "/v1/locations": "DC-1",
    "/v1/suppliers": "SUP-1",
    "/v1/channels": "WEB",
    "/v1/customers": "CUST-1",
}
SEEDED_PATH_IDS = {"sku": "SKU-1", "reservation_id": 1}
SEEDED_BODY_CODES = {
    "sku": "SKU-1",
    "location": "DC-1",
    "from_location": "DC-1",
    "to_location": "DC-2",
}


@dataclass(frozen=True)
class Problem:
    operation: str
    mode: str
    status: int
    why: str
    request: str
    response: str

    def __str__(self) -> str:
        return (
            f"{self.operation} [{self.mode}] -> {self.status}: {self.why}\n"
            f"  request:  {self.request}\n  response: {self.response[:300]}"
        )


def seed(db: Database) -> None:
    factories.stocked(db, 50, "SKU-1", "DC-1")
    factories.item(db, "SKU-2")
    factories.location(db, "DC-2")
    md.create_record(db, "seed", md.SUPPLIERS, {"code": "SUP-1", "name": "Supplier"})
    md.create_record(db, "seed", md.CHANNELS, {"code": "WEB", "name": "Web", "kind": "web_store"})
    md.create_record(db, "seed", md.CUSTOMERS, {"code": "CUST-1", "name": "Customer"})
    reserve_stock(db, "seed", ReserveCommand("SKU-1", "DC-1", 5, "order-1"))


def planted(operation: APIOperation, strategy: st.SearchStrategy[Case]) -> st.SearchStrategy[Case]:
    """Half of the cases get seeded codes in their path and body, where they have such fields."""
    path_codes = dict(SEEDED_PATH_IDS)
    for prefix, code in SEEDED_PATH_CODES.items():
        if operation.path.startswith(f"{prefix}/"):
            path_codes["code"] = code
            break

    def plant(pair: tuple[Case, bool]) -> Case:
        case, use_seeded = pair
        if not use_seeded:
            return case
        if isinstance(case.path_parameters, dict):
            for name in case.path_parameters.keys() & path_codes.keys():
                case.path_parameters[name] = path_codes[name]
        if isinstance(case.body, dict):
            for field in case.body.keys() & SEEDED_BODY_CODES.keys():
                case.body[field] = SEEDED_BODY_CODES[field]
        return case

    return st.tuples(strategy, st.booleans()).map(plant)


def send(client: TestClient, case: Case, headers: dict[str, str]) -> tuple[Response, str]:
    """Send a generated case through the client; returns the reply and how to reproduce it."""
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url), headers=headers)
    content = kwargs.get("data")
    if isinstance(content, str):
        content = content.encode()
    # A generated header may hold non-ASCII text, which httpx refuses to encode; a real client
    # can still send those bytes, so they go as UTF-8 and the app must answer them too.
    headers = {
        name: value if value.isascii() else value.encode()
        for name, value in dict(kwargs["headers"]).items()
    }
    response = client.request(
        kwargs["method"],
        kwargs["url"],
        headers=headers,
        params=kwargs.get("params"),
        cookies=kwargs.get("cookies") or None,
        json=kwargs.get("json"),
        content=content,
    )
    body = kwargs.get("json", content)
    return response, f"{kwargs['method']} {response.request.url} body={body!r}"[:600]


def problem_with(response: Response) -> str | None:
    """Why a reply breaks promise 11, or None when it keeps it."""
    if response.status_code >= 500:
        return "server error"
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        return "4xx body is not JSON"
    if not isinstance(body, dict):
        return "4xx body is not an object"
    for field in ("code", "message"):
        if not isinstance(body.get(field), str) or not body[field]:
            return f"4xx body has no {field}"
    if not isinstance(body.get("details"), dict):
        return "4xx body has no details object"
    return None


def fuzz(
    operation: APIOperation,
    mode: GenerationMode,
    run: Callable[[Case], None],
    examples_per_mode: int,
    keep: Callable[[Case], bool] | None = None,
) -> None:
    """Run `run` over `examples_per_mode` generated cases of one operation."""
    strategy = planted(operation, operation.as_strategy(generation_mode=mode))
    if keep is not None:
        strategy = strategy.filter(keep)

    @settings(
        max_examples=examples_per_mode,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def examples(case: Case) -> None:
        run(case)

    try:
        examples()
    except Unsatisfiable:
        # An operation without parameters or body has nothing to make invalid.
        if mode is not GenerationMode.NEGATIVE:
            raise


def _names_key(value: Any, key_id: int) -> bool:
    """Whether a generated path value would be read as this key id ("7", " 07", "+7.0", 7)."""
    try:
        return float(str(value).strip()) == key_id
    except ValueError:
        return False


def key_id_of(client: TestClient, headers: dict[str, str]) -> int:
    prefix = headers["X-API-Key"].split("_")[1]
    listed = client.get("/v1/api-keys", headers=headers).json()
    return next(int(k["id"]) for k in listed if k["prefix"] == prefix)


def test_generated_requests_never_get_a_server_error_and_4xx_bodies_carry_a_code(
    app_client: TestClient, db: Database, admin: dict[str, str], backend: str
) -> None:
    seed(db)
    # A second admin key gives the revoke operation something it may really revoke.
    api_keys.create_key(db, "seed", "spare admin", Role.ADMIN)
    fuzzer_key = key_id_of(app_client, admin)
    # The fixture's client re-raises server errors; this one, on the same app, returns the 500.
    client = TestClient(app_client.app, raise_server_exceptions=False)
    schema = schemathesis.openapi.from_dict(app_client.app.openapi())
    problems: dict[tuple[str, int, str], Problem] = {}
    sent = 0

    def runner(label: str, mode: GenerationMode) -> Callable[[Case], None]:
        def run(case: Case) -> None:
            nonlocal sent
            response, shown = send(client, case, admin)
            sent += 1
            why = problem_with(response)
            if why is None:
                return
            problem = Problem(label, mode.value, response.status_code, why, shown, response.text)
            problems.setdefault((label, response.status_code, why), problem)

        return run

    # Deactivations run last, so the seeded records stay usable for the operations before them.
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda op: (op.path.endswith("/deactivate"), op.method.upper() == "PATCH"),
    )
    assert len(operations) > 30, "the schema lost its operations"
    revoke = [op for op in operations if (op.method.upper(), op.path) == REVOKE_KEY]
    assert len(revoke) == 1, "the revoke-key operation moved; update REVOKE_KEY"
    for operation in operations:
        if operation is revoke[0]:
            continue
        for mode in MODES:
            fuzz(operation, mode, runner(operation.label, mode), EXAMPLES_PER_MODE[backend])
    for mode in MODES:
        fuzz(
            revoke[0],
            mode,
            runner(revoke[0].label, mode),
            EXAMPLES_PER_MODE[backend],
            keep=lambda case: not _names_key(case.path_parameters.get("key_id"), fuzzer_key),
        )

    # The fuzzer's key survived, so the run above was not a string of 401s.
    assert app_client.get("/v1/api-keys", headers=admin).status_code == 200
    assert sent >= len(operations) * len(MODES) * 2
    report = "\n".join(str(p) for p in problems.values())
    assert not problems, f"{len(problems)} kinds of broken replies:\n{report}"
