"""Tokens and sessions checked a moment ago, kept so the next request need not ask again.

Asking the database who holds a token costs a request more than the question: a hop from
the event loop to a worker thread, a pooled connection, a transaction (0.2 ms of a 1.5 ms
request). A credential checked within FRESH is taken as checked, never past its own expiry.
Whatever ends or changes a credential in this process (sign-out, a revoked token, a new
password, a disabled user, a new language) forgets every kept one at once; another server
process of the same database sees such a change within FRESH.
"""

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from tracemes.domain.users import Principal
from tracemes.services.per_database import PerDatabase

FRESH = timedelta(seconds=5)
# (token hash, kind) -> (holder, when checked, when the token expires)
_kept: PerDatabase[tuple[str, str], tuple[Principal, datetime, datetime]] = PerDatabase(10_000)


def holder(db: Engine, token_hash: str, kind: str, now: datetime) -> Principal | None:
    """Who holds the token, if it was found valid within FRESH and has not expired since."""
    known = _kept.of(db).get((token_hash, kind))
    if known is None:
        return None
    principal, checked_at, expires_at = known
    if not checked_at <= now < min(expires_at, checked_at + FRESH):
        return None
    return principal


def keep(
    db: Engine,
    token_hash: str,
    kind: str,
    principal: Principal,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Remember that the token was found valid now."""
    _kept.of(db)[(token_hash, kind)] = (principal, now, expires_at)


def forget(db: Engine) -> None:
    """Forget every kept credential of this database: one of them has ended or changed."""
    _kept.forget(db)
