"""Kinds of master data records."""

from __future__ import annotations

from enum import StrEnum


class LocationKind(StrEnum):
    OWN_DC = "own_dc"
    THIRD_PARTY = "3pl"
    DROPSHIP_VENDOR = "dropship_vendor"
    STORE = "store"


class ChannelKind(StrEnum):
    WEB_STORE = "web_store"
    MARKETPLACE = "marketplace"
    B2B_PORTAL = "b2b_portal"
    CUSTOMER_SERVICE = "customer_service"
