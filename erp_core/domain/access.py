"""Roles and the permission each action needs. One permission per action; a role holds a set."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    OPERATIONS = "operations"
    WAREHOUSE = "warehouse"
    FINANCE = "finance"
    CUSTOMER_SERVICE = "customer_service"
    DATA_SCIENTIST = "data_scientist"
    ROUTING_SERVICE = "routing_service"


class Permission(StrEnum):
    MASTER_READ = "master:read"
    COST_READ = "cost:read"
    ITEMS_WRITE = "items:write"
    SUPPLIERS_WRITE = "suppliers:write"
    LOCATIONS_WRITE = "locations:write"
    CHANNELS_WRITE = "channels:write"
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    INVENTORY_READ = "inventory:read"
    INVENTORY_MOVE = "inventory:move"
    INVENTORY_ADJUST = "inventory:adjust"
    INVENTORY_RESERVE = "inventory:reserve"
    KEYS_MANAGE = "keys:manage"
    AUDIT_READ = "audit:read"
    ORDERS_CAPTURE = "orders:capture"
    ORDERS_READ = "orders:read"
    HOLDS_RESOLVE = "holds:resolve"
    ORDERS_RELEASE = "orders:release"
    ORDERS_CANCEL = "orders:cancel"
    ORDERS_SHIP = "orders:ship"
    EVENTS_CONSUME = "events:consume"
    PURCHASING_READ = "purchasing:read"
    PURCHASING_WRITE = "purchasing:write"
    PURCHASING_APPROVE = "purchasing:approve"
    PURCHASING_RECEIVE = "purchasing:receive"
    TRANSFERS_WRITE = "transfers:write"
    COUNTS_WRITE = "counts:write"
    ADJUSTMENTS_APPROVE = "adjustments:approve"
    RETURNS_READ = "returns:read"
    RETURNS_AUTHORIZE = "returns:authorize"
    RETURNS_PROCESS = "returns:process"
    REFUNDS_APPROVE = "refunds:approve"
    FORECASTS_READ = "forecasts:read"
    FORECASTS_RUN = "forecasts:run"
    PLANS_READ = "plans:read"
    PLANS_RUN = "plans:run"
    PLANS_APPROVE = "plans:approve"
    ROUTING_QUERY = "routing:query"
    ROUTING_CONFIGURE = "routing:configure"
    ALLOCATION_READ = "allocation:read"
    ALLOCATION_RUN = "allocation:run"
    ANOMALIES_READ = "anomalies:read"
    ANOMALIES_RESOLVE = "anomalies:resolve"
    ANOMALIES_SCORE = "anomalies:score"
    ANOMALIES_SCAN = "anomalies:scan"
    FINANCE_READ = "finance:read"
    FINANCE_POST = "finance:post"
    PERIODS_CLOSE = "periods:close"
    SETTLEMENTS_IMPORT = "settlements:import"
    SETTLEMENTS_RESOLVE = "settlements:resolve"
    KPIS_READ = "kpis:read"


P = Permission
_EVERYONE = {P.MASTER_READ, P.INVENTORY_READ}
# Which holds a role may resolve is narrowed per reason in domain/order_rules.py.
_ORDER_DESK = {P.ORDERS_CAPTURE, P.ORDERS_READ, P.HOLDS_RESOLVE, P.ORDERS_CANCEL}
# Who runs the floor: receipts, transfers, counts and returned goods.
_FLOOR = {P.PURCHASING_READ, P.PURCHASING_RECEIVE, P.TRANSFERS_WRITE, P.COUNTS_WRITE}
_RETURNS_FLOOR = {P.RETURNS_READ, P.RETURNS_PROCESS}
# Who works flags; which kinds a role may resolve is narrowed in domain/anomalies.py.
_ANOMALY_DESK = {P.ANOMALIES_READ, P.ANOMALIES_RESOLVE, P.ANOMALIES_SCAN}
_BOOKS = {P.FINANCE_READ, P.FINANCE_POST, P.PERIODS_CLOSE}
_SETTLEMENTS = {P.SETTLEMENTS_IMPORT, P.SETTLEMENTS_RESOLVE}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PLANNER: frozenset(
        _EVERYONE
        | {P.COST_READ, P.ITEMS_WRITE, P.SUPPLIERS_WRITE, P.ORDERS_READ}
        | {P.HOLDS_RESOLVE, P.PURCHASING_READ, P.PURCHASING_WRITE}
        | {P.FORECASTS_READ, P.FORECASTS_RUN}
        | {P.PLANS_READ, P.PLANS_RUN, P.PLANS_APPROVE}
        | {P.ALLOCATION_READ, P.ALLOCATION_RUN}
        | _ANOMALY_DESK
        | {P.KPIS_READ}
    ),
    Role.OPERATIONS: frozenset(
        _EVERYONE
        | {P.LOCATIONS_WRITE, P.CHANNELS_WRITE, P.CUSTOMERS_READ, P.INVENTORY_MOVE}
        | {P.INVENTORY_RESERVE, P.ORDERS_RELEASE, P.ORDERS_SHIP, P.EVENTS_CONSUME}
        | _ORDER_DESK
        | _FLOOR
        | _RETURNS_FLOOR
        | {P.ADJUSTMENTS_APPROVE, P.RETURNS_AUTHORIZE, P.FORECASTS_READ}
        | {P.ROUTING_QUERY, P.ROUTING_CONFIGURE, P.ALLOCATION_READ}
        | _ANOMALY_DESK
        | {P.ANOMALIES_SCORE, P.KPIS_READ}
    ),
    Role.WAREHOUSE: frozenset(
        _EVERYONE
        | {P.INVENTORY_MOVE, P.INVENTORY_ADJUST, P.ORDERS_READ, P.ORDERS_SHIP}
        | _FLOOR
        | _RETURNS_FLOOR
    ),
    Role.FINANCE: frozenset(
        _EVERYONE
        | {P.COST_READ, P.CUSTOMERS_READ, P.ORDERS_READ, P.HOLDS_RESOLVE}
        | {P.PURCHASING_READ, P.PURCHASING_APPROVE, P.ADJUSTMENTS_APPROVE}
        | {P.RETURNS_READ, P.REFUNDS_APPROVE, P.PLANS_READ, P.ALLOCATION_READ}
        | {P.ANOMALIES_READ, P.ANOMALIES_RESOLVE}
        | _BOOKS
        | _SETTLEMENTS
        | {P.KPIS_READ}
    ),
    Role.CUSTOMER_SERVICE: frozenset(
        _EVERYONE
        | {P.CUSTOMERS_READ, P.CUSTOMERS_WRITE, P.INVENTORY_RESERVE}
        | _ORDER_DESK
        | {P.RETURNS_READ, P.RETURNS_AUTHORIZE}
        | {P.ANOMALIES_READ, P.ANOMALIES_SCORE}
    ),
    Role.DATA_SCIENTIST: frozenset(
        _EVERYONE
        | {P.COST_READ, P.PURCHASING_READ, P.FORECASTS_READ, P.FORECASTS_RUN, P.PLANS_READ}
        | {P.ANOMALIES_READ, P.ANOMALIES_SCORE, P.ANOMALIES_SCAN}
    ),
    Role.ROUTING_SERVICE: frozenset(_EVERYONE | {P.ROUTING_QUERY, P.ALLOCATION_READ}),
}


def role_may(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


@dataclass(frozen=True)
class Principal:
    """Who is calling: the API key's owner and role."""

    key_id: int
    name: str
    role: Role

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}:{self.name}"

    def may(self, permission: Permission) -> bool:
        return role_may(self.role, permission)
