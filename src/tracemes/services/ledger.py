"""Checking the ledger's hash chain: has anyone edited, deleted or moved an event?"""

from contextlib import closing

from sqlalchemy.engine import Engine

from tracemes import store
from tracemes.domain import chain


def verify(db: Engine, tenant_id: int) -> chain.Verdict:
    """Walk one tenant's chain from its first event; the first broken link, if any."""
    with store.db.snapshot(db) as conn:
        recorded = store.ledger.head(conn, tenant_id)
        positions = store.ledger.chain_positions(conn, tenant_id)
        with closing(store.ledger.chain_links(conn, tenant_id)) as links:
            return chain.walk(tenant_id, links, positions, recorded)


def head(db: Engine, tenant_id: int) -> chain.Head:
    """The tenant's last link (how many events, last hash), to write down somewhere else."""
    with store.db.reading(db) as conn:
        return store.ledger.head(conn, tenant_id) or chain.Head()
