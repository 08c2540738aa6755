"""Tenants: creating enterprises and finding them by code."""

from datetime import datetime

from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.errors import AlreadyExistsError, NotFoundError
from tracemes.domain.event_types import EventType
from tracemes.domain.tenants import Tenant
from tracemes.services.context import Context


def create(
    db: Engine,
    now: datetime,
    code: str,
    name: str,
    timezone: str = domain.tenants.DEFAULT_TIMEZONE,
) -> Tenant:
    """Add an enterprise to this deployment."""
    code, name = domain.tenants.check(code, name)
    timezone = domain.tenants.check_timezone(timezone)
    with db.begin() as conn:
        if store.tenants.get_by_code(conn, code) is not None:
            raise AlreadyExistsError("tenant", code)
        tenant_id = store.tenants.add(conn, code, name, now, timezone)
        ctx = Context(tenant_id=tenant_id, user_id=None, now=now)
        payload = {"name": name, "timezone": timezone}
        store.ledger.append(conn, ctx.event(EventType.TENANT_CREATED, code, payload))
    return Tenant(tenant_id, code, name, timezone)


def current(db: Engine, ctx: Context) -> Tenant:
    """The enterprise this request works for."""
    with store.db.reading(db) as conn:
        return store.tenants.get_by_id(conn, ctx.tenant_id)


def get(db: Engine, code: str) -> Tenant:
    """The tenant with this code."""
    with store.db.reading(db) as conn:
        tenant = store.tenants.get_by_code(conn, code)
    if tenant is None:
        raise NotFoundError("tenant", code)
    return tenant


def list_all(db: Engine) -> list[Tenant]:
    """Every tenant of the deployment."""
    with store.db.reading(db) as conn:
        return store.tenants.list_all(conn)
