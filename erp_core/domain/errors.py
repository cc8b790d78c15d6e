"""Errors in the business's words; each carries a machine-readable code.

The API maps the classes to HTTP statuses in one table (api/errors.py); the CLI prints the
message and exits non-zero.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = "not_found"


class AlreadyExists(DomainError):
    code = "already_exists"


class Conflict(DomainError):
    """A change that collided with another one made at the same time."""

    code = "conflict"


class InsufficientStock(DomainError):
    code = "insufficient_stock"


class IllegalTransition(DomainError):
    code = "illegal_transition"


class InvalidInput(DomainError):
    code = "invalid_input"


class InactiveRecord(DomainError):
    code = "inactive"


class PermissionDenied(DomainError):
    code = "forbidden"


class NotAuthenticated(DomainError):
    code = "not_authenticated"


class BadSignature(DomainError):
    """A channel webhook whose signature is missing or does not match its body."""

    code = "bad_signature"


class ImportRejected(DomainError):
    """A bulk import with at least one bad row; nothing from the file was applied."""

    code = "import_rejected"


class IdempotencyKeyMismatch(DomainError):
    """The same Idempotency-Key sent with a different request."""

    code = "idempotency_key_mismatch"


class DatabaseBusy(DomainError):
    """Deadlocks or lock timeouts persisted through every retry."""

    code = "database_busy"
