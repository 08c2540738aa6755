"""The ledger line: one thing that happened, who did it, when, and its facts."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """One append-only ledger entry. `event_id` is client-chosen so a retry is stored once."""

    tenant_id: int
    event_id: str
    type: str
    subject: str
    occurred_at: datetime
    recorded_at: datetime
    user_id: int | None = None
    station: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
