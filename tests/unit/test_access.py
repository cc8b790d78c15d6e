"""Roles and permissions."""

from __future__ import annotations

from erp_core.domain.access import ROLE_PERMISSIONS, Permission, Principal, Role


def test_every_role_has_a_permission_set() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_only_admins_manage_keys_and_read_the_audit_trail() -> None:
    holders = {r for r, perms in ROLE_PERMISSIONS.items() if Permission.KEYS_MANAGE in perms}
    readers = {r for r, perms in ROLE_PERMISSIONS.items() if Permission.AUDIT_READ in perms}
    assert holders == readers == {Role.ADMIN}


def test_customer_service_cannot_read_cost() -> None:
    assert not Principal(1, "cs", Role.CUSTOMER_SERVICE).may(Permission.COST_READ)
    assert Principal(1, "fin", Role.FINANCE).may(Permission.COST_READ)
