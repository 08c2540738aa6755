"""What a process keeps per database to spare itself round trips.

Only speed depends on what is kept here: a process that keeps nothing reads the same
answers again. Each kind is bounded: past its limit it starts empty again, which is enough
for values that are few per plant (plans, ids, signed-in credentials).
"""

import weakref
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine

K = TypeVar("K")
V = TypeVar("V")


class PerDatabase(Generic[K, V]):
    """A dict per database engine, emptied when it reaches `limit` entries."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._dicts: weakref.WeakKeyDictionary[Engine, dict[K, V]] = weakref.WeakKeyDictionary()

    def of(self, db: Engine) -> dict[K, V]:
        """The dict kept for this database (a new one past the limit)."""
        kept = self._dicts.setdefault(db, {})
        if len(kept) >= self.limit:
            kept.clear()
        return kept

    def forget(self, db: Engine) -> None:
        """Drop everything kept for this database."""
        self._dicts.pop(db, None)
