"""Shared request dependencies: the database, the clock, and who is asking."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine

from tracemes import domain, services
from tracemes.api.models import Day as Day  # the checked text and day types, for pages too
from tracemes.api.models import Note as Note
from tracemes.api.models import Text as Text
from tracemes.domain.credentials import TokenKind
from tracemes.domain.errors import NotAuthenticatedError
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


def get_principal(
    request: Request,
    db: Db,
    now: Now,
    authorization: Annotated[str | None, Header()] = None,
) -> Principal:
    """The user behind the bearer token (an API token), or else the browser session cookie
    (a session): neither is accepted in the other's place."""
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise NotAuthenticatedError("use 'Authorization: Bearer <token>'")
        return services.users.authenticate(db, credentials.strip(), TokenKind.API, now)
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        raise NotAuthenticatedError("sign in or send 'Authorization: Bearer <token>'")
    return services.users.authenticate(db, session, TokenKind.SESSION, now)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def context_for(permission: Permission) -> Callable[..., Awaitable[Context]]:
    """A dependency giving the request's Context once the role allows `permission`."""

    async def dependency(
        principal: CurrentPrincipal,
        now: Now,
        idempotency_key: Annotated[Text | None, Header(max_length=64)] = None,
    ) -> Context:
        domain.users.require(principal, permission)
        return Context(
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            now=now,
            idempotency_key=idempotency_key,
        )

    return dependency


Reader = Annotated[Context, Depends(context_for(Permission.READ))]
Engineer = Annotated[Context, Depends(context_for(Permission.MASTER_DATA))]
Planner = Annotated[Context, Depends(context_for(Permission.PLAN))]
ShopFloor = Annotated[Context, Depends(context_for(Permission.SHOP_FLOOR))]
Quality = Annotated[Context, Depends(context_for(Permission.QUALITY))]
Admin = Annotated[Context, Depends(context_for(Permission.ADMIN))]
