"""Recently authenticated keys, so a busy client does not cost a database read per request.

Entries live for `auth_cache_seconds`. Revoking a key through this process's API clears the
cache at once; a key revoked elsewhere (the CLI, another worker) stops working within that
time.
"""

from __future__ import annotations

import hashlib
import threading
import time

from erp_core.adapters.database import Database
from erp_core.domain.access import Principal
from erp_core.services.api_keys import authenticate

_MAX_ENTRIES = 10_000


class KeyCache:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def principal(self, db: Database, presented: str) -> Principal:
        digest = hashlib.sha256(presented.encode()).hexdigest()
        now = time.monotonic()
        hit = self._entries.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        principal = authenticate(db, presented)
        with self._lock:
            if len(self._entries) >= _MAX_ENTRIES:
                self._entries.clear()
            self._entries[digest] = (now + self.seconds, principal)
        return principal

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
