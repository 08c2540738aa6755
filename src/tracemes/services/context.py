"""Who is acting, for which tenant, and when: passed into every use case."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from tracemes import store
from tracemes.domain.errors import IdempotencyConflictError
from tracemes.domain.event_types import EventType
from tracemes.domain.events import Event


@dataclass(frozen=True, slots=True)
class Context:
    """The acting user of one tenant at one instant.

    `idempotency_key` is the client's id for this request: the ledger stores it as the event
    id, so the same request sent twice is carried out once.
    """

    tenant_id: int
    user_id: int | None
    now: datetime
    idempotency_key: str | None = None

    def event(self, type_: EventType, subject: str, payload: dict[str, Any] | None = None) -> Event:
        """The ledger line for what this request did."""
        return Event(
            tenant_id=self.tenant_id,
            event_id=self.idempotency_key or uuid.uuid4().hex,
            type=type_,
            subject=subject,
            occurred_at=self.now,
            recorded_at=self.now,
            user_id=self.user_id,
            payload=payload or {},
        )


def replayed(conn: Connection, ctx: Context, type_: EventType, subject: str | None) -> Event | None:
    """The earlier event of a retried request, or None when this request is new.

    A key reused for a different request is refused rather than silently ignored. A None
    subject (a code the server generates) matches any subject.
    """
    if ctx.idempotency_key is None:
        return None
    prior = store.ledger.get(conn, ctx.tenant_id, ctx.idempotency_key)
    if prior is None:
        return None
    if prior.type != type_ or subject not in (None, prior.subject):
        raise IdempotencyConflictError(
            f"idempotency key {ctx.idempotency_key} was already used for "
            f"{prior.type} of {prior.subject}"
        )
    return prior
