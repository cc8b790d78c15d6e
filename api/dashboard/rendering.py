"""Turning page data into HTML: the templates, how a figure is written, and the error pages.

Dashboard routes use PageRoute, which answers a browser with pages where the API answers
JSON: no or a bad key sends it to the login form, and a forbidden, missing or invalid request
gets a page saying so with the API's status code.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from api.dashboard.access import login_url
from erp_core.domain.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
UNDEFINED = "–"  # a figure the KPI leaves undefined (null in the API)


def figure(value: Any) -> str:
    """A figure as the page shows it: the API's value (money to the cent, ratios as the KPI
    rounds them), floats of forecasts and projections to four places."""
    if value is None:
        return UNDEFINED
    if isinstance(value, float):
        return str(round(value, 4))
    return str(value)


def raw(value: Any) -> str:
    """The exact value behind a figure, for data-value attributes ("" when undefined)."""
    return "" if value is None else str(value)


TEMPLATES.env.filters["figure"] = figure
TEMPLATES.env.filters["raw"] = raw


def page(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)


def error_page(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    context = {"title": title, "message": message}
    return page(request, "error.html", context, status_code)


class PageRoute(APIRoute):
    """An APIRoute whose errors, also those raised by its dependencies, become pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_page(request: Request) -> Response:
            try:
                return await handle(request)
            except NotAuthenticated:
                return RedirectResponse(login_url(request), status_code=303)
            except PermissionDenied as error:
                return error_page(request, 403, "Not allowed", error.message)
            except NotFound as error:
                return error_page(request, 404, "Not found", error.message)
            except InvalidInput as error:
                return error_page(request, 422, "Cannot show that", error.message)
            except RequestValidationError as error:
                problems = "; ".join(str(p.get("msg")) for p in error.errors()[:3])
                return error_page(request, 422, "Cannot show that", problems)

        return handle_page
