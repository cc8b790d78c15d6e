"""One table maps errors to HTTP; every error body is {"code", "message", "details"}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException

from erp_core.domain import errors as e

log = logging.getLogger("keel.api")

STATUS: dict[type[e.DomainError], int] = {
    e.NotAuthenticated: 401,
    e.BadSignature: 401,
    e.PermissionDenied: 403,
    e.NotFound: 404,
    e.AlreadyExists: 409,
    e.Conflict: 409,
    e.InsufficientStock: 409,
    e.IllegalTransition: 409,
    e.InactiveRecord: 409,
    e.InvalidInput: 422,
    e.ImportRejected: 422,
    e.IdempotencyKeyMismatch: 422,
    e.DatabaseBusy: 503,
}
_HTTP_CODES = {
    400: "malformed_body",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details or {}}


def _status_of(error: e.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


async def _domain(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, e.DomainError)
    headers = {}
    if isinstance(error, e.NotAuthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, e.DatabaseBusy):
        headers["Retry-After"] = "1"
    return JSONResponse(
        error_body(error.code, error.message, error.details), _status_of(error), headers=headers
    )


async def _validation(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"loc": list(p.get("loc", ())), "type": p.get("type"), "msg": p.get("msg")}
        for p in error.errors()
    ]
    malformed = any(p["type"] == "json_invalid" for p in problems)
    code, message = (
        ("malformed_json", "the request body is not valid JSON")
        if malformed
        else (
            "validation_error",
            "; ".join(f"{'.'.join(map(str, p['loc']))}: {p['msg']}" for p in problems[:5]),
        )
    )
    return JSONResponse(error_body(code, message, {"errors": problems}), 422)


async def _integrity(_: Request, error: Exception) -> JSONResponse:
    log.warning("integrity error: %s", error)
    return JSONResponse(error_body("conflict", "the change conflicts with existing records"), 409)


async def _data(_: Request, error: Exception) -> JSONResponse:
    """A value the database cannot hold that validation let through: still the caller's input,
    and the transaction was rolled back, so 422 rather than 500."""
    log.warning("data error: %s", error)
    return JSONResponse(
        error_body("invalid_input", "a value is out of range for what Keel stores"), 422
    )


async def _http(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    code = _HTTP_CODES.get(error.status_code, f"http_{error.status_code}")
    return JSONResponse(
        error_body(code, str(error.detail)),
        error.status_code,
        headers=getattr(error, "headers", None),
    )


async def _unexpected(_: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=error)
    return JSONResponse(error_body("internal_error", "an unexpected error occurred"), 500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(e.DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(DataError, _data)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
