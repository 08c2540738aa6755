"""create_app(db): the API and pages on one engine; refusals become problem details."""

import gc
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from tracemes import __version__, api, config, web
from tracemes.api.deps import hold_routes
from tracemes.config import Settings
from tracemes.domain.errors import (
    DomainError,
    ImportRejectedError,
    InvalidInputError,
    NotAuthenticatedError,
    NotFoundError,
    PermissionDeniedError,
    TooLargeError,
    TooManyAttemptsError,
)
from tracemes.store.db import open_database

PROBLEM = "application/problem+json"


def create_app(
    db: Engine,
    clock: Callable[[], datetime] | None = None,
    settings: Settings | None = None,
) -> FastAPI:
    """The whole application on one database; `clock` is fixed in tests, `settings` carry
    the public URL and trusted proxies (config.from_environment() when served)."""
    app = FastAPI(
        title="TraceMES",
        version=__version__,
        summary="Manufacturing execution: trace every unit.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # web.api_docs serves it from local files
        redoc_url=None,
    )
    base_openapi = app.openapi
    app.openapi = lambda: api.document_problems(base_openapi())  # type: ignore[method-assign]
    app.state.db = db
    app.state.clock = clock or (lambda: datetime.now(UTC))
    app.state.settings = settings or Settings()
    app.add_middleware(web.headers.SecurityHeaders, settings=app.state.settings)
    hold_routes(app, api.routers)
    web.mount(app)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(HTTPException, _http_error)
    return app


def from_environment() -> FastAPI:
    """The app on the database `TRACEMES_DATABASE_URL` names, with the collector tuned: what
    each server process runs (`tracemes serve` hands uvicorn this factory by name, which
    several worker processes need; the command migrates the database before they start)."""
    settings = config.from_environment()
    app = create_app(open_database(settings.database_url), settings=settings)
    tune_collector()
    return app


def tune_collector() -> None:
    """Set Python's garbage collector for a long-lived server; call once, after start-up.

    A recall list of 50,000 units allocates a few hundred thousand objects that live until
    the response is written; with the default thresholds the collector walks them again and
    again (a third of a 10,000-unit where-used, a sixth of batch ingest). Objects made at
    start-up are frozen out of its walks, and young collections run every 50,000
    allocations rather than 700. The benchmark runs its in-process figures the same way.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _status_of(error: DomainError) -> int:
    if isinstance(error, TooLargeError):
        return 413
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, InvalidInputError):
        return 422
    if isinstance(error, NotAuthenticatedError):
        return 401
    if isinstance(error, PermissionDeniedError):
        return 403
    if isinstance(error, TooManyAttemptsError):
        return 429
    return 409


def problem(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem details response."""
    body = {
        "type": f"https://tracemes.dev/problems/{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = _status_of(exc)
    if status == 401 and _wants_page(request):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    if _wants_page(request):
        return web.error_page(request, status, str(exc))
    extra: dict[str, Any] = {"field": exc.field} if isinstance(exc, InvalidInputError) else {}
    if isinstance(exc, ImportRejectedError):
        extra["problems"] = [asdict(row_problem) for row_problem in exc.problems]
        extra["more_problems"] = exc.more
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, TooManyAttemptsError):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    response = problem(status, exc.code, str(exc), **extra)
    if headers:
        response.headers.update(headers)
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(p) for p in error["loc"]),
            "message": str(error["msg"]).removeprefix("Value error, "),
        }
        for error in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    if _wants_page(request):
        return web.error_page(request, 422, detail)
    return problem(422, "validation", detail, errors=errors)


async def _integrity_error(request: Request, exc: Exception) -> Response:
    # Two requests raced for the same business key; the database kept the first.
    return problem(409, "conflict", "another request changed the same record; try again")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _wants_page(request):
        return web.error_page(request, exc.status_code, str(exc.detail))
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return problem(exc.status_code, code, str(exc.detail))
