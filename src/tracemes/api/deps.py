"""Shared request dependencies: the database, the clock, who is asking, and whether a
browser's write came from a TraceMES page. The pages take from the API this module only."""

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from tracemes import domain, services
from tracemes.api.models import Day as Day  # the checked text and day types, for pages too
from tracemes.api.models import Note as Note
from tracemes.api.models import Text as Text
from tracemes.config import Settings
from tracemes.domain.credentials import TokenKind
from tracemes.domain.errors import NotAuthenticatedError, PermissionDeniedError
from tracemes.domain.users import Permission, Principal
from tracemes.services.context import Context

SESSION_COOKIE = "tracemes_session"


# The light dependencies are `async def` on purpose: FastAPI runs a plain `def` dependency
# in the thread pool, and three hops per request cost about as much as the request's work.


async def get_db(request: Request) -> Engine:
    """The engine the app was created with."""
    engine: Engine = request.app.state.db
    return engine


async def get_now(request: Request) -> datetime:
    """The current time from the app's clock (fixed in tests)."""
    now: datetime = request.app.state.clock()
    return now


Db = Annotated[Engine, Depends(get_db)]


def _query_aliases(dependant: Dependant) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_aliases(sub)
    return names


async def plain_parameters(request: Request) -> None:
    """Refuse path and query parameters holding NUL, control or broken characters (422).

    The text of JSON bodies and forms is checked by its type (api.models.Text); the
    parameters in the URL are checked here, once for every route of the API and the pages.
    """
    errors: list[dict[str, Any]] = []
    for name, value in request.path_params.items():
        found = domain.text.problem(value) if isinstance(value, str) else None
        if found:
            errors.append({"loc": ("path", name), "msg": found, "type": "value_error"})
    route = request.scope.get("route")
    query = request.query_params
    declared = _query_aliases(route.dependant) if query and isinstance(route, APIRoute) else set()
    for name, value in query.multi_items():
        found = domain.text.problem(value) if name in declared else None
        if found:
            errors.append({"loc": ("query", name), "msg": found, "type": "value_error"})
    if errors:
        raise RequestValidationError(errors)


Now = Annotated[datetime, Depends(get_now)]


async def get_principal(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    """The user behind the bearer token (an API token), or else the browser session cookie
    (a session): neither is accepted in the other's place. A credential checked a moment
    ago is not asked again (services.recent_tokens); else the worker threads ask."""
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise NotAuthenticatedError("use 'Authorization: Bearer <token>'")
        raw, kind = credentials.strip(), TokenKind.API
    else:
        session = request.cookies.get(SESSION_COOKIE)
        if not session:
            raise NotAuthenticatedError("sign in or send 'Authorization: Bearer <token>'")
        raw, kind = session, TokenKind.SESSION
    db, now = request.app.state.db, request.app.state.clock()
    known = services.users.recently_authenticated(db, raw, kind, now)
    if known is not None:
        return known
    return await run_in_threadpool(services.users.authenticate, db, raw, kind, now)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def context_for(permission: Permission) -> Callable[..., Awaitable[Context]]:
    """A dependency giving the request's Context once the role allows `permission`."""

    async def dependency(
        request: Request,
        principal: CurrentPrincipal,
        idempotency_key: Annotated[Text | None, Header(max_length=64)] = None,
    ) -> Context:
        domain.users.require(principal, permission)
        return Context(
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            now=request.app.state.clock(),
            idempotency_key=idempotency_key,
        )

    return dependency


Reader = Annotated[Context, Depends(context_for(Permission.READ))]
Engineer = Annotated[Context, Depends(context_for(Permission.MASTER_DATA))]
Planner = Annotated[Context, Depends(context_for(Permission.PLAN))]
ShopFloor = Annotated[Context, Depends(context_for(Permission.SHOP_FLOOR))]
Quality = Annotated[Context, Depends(context_for(Permission.QUALITY))]
Admin = Annotated[Context, Depends(context_for(Permission.ADMIN))]


# Cross-site request forgery.
# Cross-site request forgery: a write that rides on the browser's session cookie must come
# from a TraceMES page, not from another site's page that made the browser send it.
#
# A request is let through when the browser says it is same-origin (`Sec-Fetch-Site`, or the
# `Origin` header of older browsers matched against this server's own origin or
# `TRACEMES_PUBLIC_URL`). Page forms also carry a token derived from the session (in a hidden
# field, or the `X-CSRF-Token` header htmx and station.js send), and a cookie write whose
# browser sends neither header needs that token on the API too. Requests with an
# `Authorization` header (API tokens) carry no ambient credential and are not checked.


CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SIGN_IN_PATH = "/login"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

CROSS_SITE = "this request came from another site's page, so TraceMES refused it"
STALE_FORM = "this form has expired or came from another site: reload the page and try again"


def csrf_token_for(session: str) -> str:
    """The form token of a session: a keyed hash of the session's secret, so a page of this
    site can show it while another site can neither read nor compute it."""
    return hmac.new(session.encode(), b"tracemes form token", hashlib.sha256).hexdigest()


def settings_of(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def scheme_of(request: Request, settings: Settings) -> str:
    """http or https as the browser used it: X-Forwarded-Proto from a trusted proxy, else the
    connection's own scheme."""
    client = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    if client in settings.trusted_proxies and forwarded in {"http", "https"}:
        return forwarded
    return request.url.scheme


def is_secure(request: Request) -> bool:
    """Whether cookies get `Secure`: an https public URL, or https as the connection (or a
    trusted proxy) says; so a TLS proxy forwarding plain http cannot leave them bare."""
    settings = settings_of(request)
    return settings.is_tls or scheme_of(request, settings) == "https"


def _is_same_origin(request: Request) -> bool | None:
    """True or False as the browser's headers tell; None when it sent neither header."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in {"same-origin", "none"}  # none: the user's own navigation
    origin = request.headers.get("origin")
    if origin is None:
        return None
    settings = settings_of(request)
    own = f"{scheme_of(request, settings)}://{request.headers.get('host', '')}".lower()
    return origin.lower() in {own, settings.public_origin} - {""}


async def _token_sent(request: Request) -> str:
    sent = request.headers.get(CSRF_HEADER)
    if sent:
        return sent
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def _check(request: Request, *, page: bool) -> None:
    if request.method in SAFE_METHODS or "authorization" in request.headers:
        return
    same_origin = _is_same_origin(request)
    if same_origin is False:
        raise PermissionDeniedError(CROSS_SITE)
    session = request.cookies.get(SESSION_COOKIE)
    # Signing in acts with no session, so it is held to the origin check alone.
    if not session or request.url.path == SIGN_IN_PATH or not (page or same_origin is None):
        return
    if not hmac.compare_digest(await _token_sent(request), csrf_token_for(session)):
        raise PermissionDeniedError(STALE_FORM)


async def api_checks(request: Request) -> None:
    """What every API route checks first: plain parameters, then no API write sent with the
    session cookie from another site."""
    await plain_parameters(request)
    await _check(request, page=False)


async def page_checks(request: Request) -> None:
    """What every page checks first: no form posted from another site or without this
    session's token, then plain parameters."""
    await _check(request, page=True)
    await plain_parameters(request)


# Routers. FastAPI resolves an included router on every request, and a nested one twice per
# level: 0.2 ms of a request here. So every router carries its whole path and the checks its
# routes run, and the app holds the routes themselves. Each dependency FastAPI solves costs
# about 15 us, so the checks are one dependency and the clock and database are read from
# the app's state, not depended on.

API_PREFIX = "/api/v1"


def api_router(prefix: str = "", *, tags: list[str]) -> APIRouter:
    """The router of one part of the API under /api/v1, with the checks every API route runs."""
    return APIRouter(
        prefix=API_PREFIX + prefix,
        tags=list(tags),
        dependencies=[Depends(api_checks)],
    )


def page_router(prefix: str = "") -> APIRouter:
    """The router of a group of pages, with the checks every page runs."""
    return APIRouter(
        prefix=prefix,
        tags=["pages"],
        include_in_schema=False,
        dependencies=[Depends(page_checks)],
    )


def hold_routes(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Give the app the routers' routes themselves, not the routers (see above)."""
    for router in routers:
        app.router.routes.extend(router.routes)
