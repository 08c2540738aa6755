"""Lists of keys asked in chunks: one key or many, the same rows, inside one tenant."""

import pytest
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.engine import Engine

from tests.factories import make_item
from tracemes import store
from tracemes.services.context import Context
from tracemes.store.chunks import one_value


@pytest.mark.parametrize("codes", [["A"], ["A", "B", "C"], ["C", "A"], ["NONE"], []])
def test_one_key_or_many_find_the_same_rows_of_the_tenant_only(
    db: Engine, ctx: Context, other_ctx: Context, codes: list[str]
) -> None:
    for code in ("A", "B", "C"):
        make_item(db, ctx, code)
        make_item(db, other_ctx, code)
    with db.connect() as conn:
        ours = store.floor.item_ids(conn, ctx.tenant_id, ["A", "B", "C"])
        found = store.floor.item_ids(conn, ctx.tenant_id, codes)
        each = {
            c: i
            for code in codes
            for c, i in store.floor.item_ids(conn, ctx.tenant_id, [code]).items()
        }

    assert found == each == {code: ours[code] for code in codes if code in ours}


def test_a_single_key_keeps_the_row_locks_of_its_statement() -> None:
    postgres = PGDialect()  # type: ignore[no-untyped-call]
    one = str(one_value(store.floor._LOTS_BY_ID[True]).compile(dialect=postgres))
    assert "FOR UPDATE OF lots" in one
    assert "lots.id = " in one
    assert " IN " not in one
