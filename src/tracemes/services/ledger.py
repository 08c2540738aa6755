"""Checking the ledger's hash chain: has anyone edited, deleted or moved an event?"""

from contextlib import closing

from sqlalchemy.engine import Engine

from tracemes import store
from tracemes.domain import chain
from tracemes.domain.errors import NotFoundError


def verify(db: Engine, tenant_id: int) -> chain.Verdict:
    """Walk one tenant's chain from its first event; the first broken link, if any."""
    with store.db.snapshot(db) as conn:
        recorded = store.ledger.head(conn, tenant_id)
        positions = store.ledger.chain_positions(conn, tenant_id)
        with closing(store.ledger.chain_links(conn, tenant_id)) as links:
            return chain.walk(tenant_id, links, positions, recorded)


def head(db: Engine, tenant_id: int, at: int | None = None) -> chain.Head:
    """The tenant's last link (how many events, last hash), to write down somewhere else;
    with `at`, the link at that position, to compare with one written down before."""
    with store.db.reading(db) as conn:
        if at is None:
            return store.ledger.head(conn, tenant_id) or chain.Head()
        link = store.ledger.link_at(conn, tenant_id, at)
    if link is None:
        raise NotFoundError("ledger position", at)
    return link
