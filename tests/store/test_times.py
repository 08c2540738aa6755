"""Times are stored as the instant they name, whatever zone they come in."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tracemes.store.schema import UtcDateTime

_moments = sa.Table(
    "test_moments",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
)


def _stored(db: Engine, times: list[datetime]) -> list[datetime]:
    _moments.create(db)
    try:
        with db.begin() as conn:
            conn.execute(sa.insert(_moments), [{"id": n, "at": at} for n, at in enumerate(times)])
        with db.connect() as conn:
            return list(conn.execute(sa.select(_moments.c.at).order_by(_moments.c.id)).scalars())
    finally:
        _moments.drop(db)  # the schema is shared with the migration tests' comparisons


def test_each_time_is_stored_as_its_own_instant_through_repeats_zones_and_folds(
    db: Engine,
) -> None:
    """A batch repeats its moments (each is converted once); the same instant in another
    offset reads back equal; the two 01:30s of a night the clocks go back stay an hour
    apart, though Python calls them equal."""
    shanghai = timezone(timedelta(hours=8))
    berlin = ZoneInfo("Europe/Berlin")
    noon = datetime(2026, 12, 4, 12, 0, 0, 123456, tzinfo=UTC)
    first = datetime(2026, 10, 25, 2, 30, tzinfo=berlin)  # CEST, 00:30 UTC
    second = first.replace(fold=1)  # CET, 01:30 UTC
    times = [noon, noon, noon.astimezone(shanghai), first, second, noon + timedelta(0, 1)]

    stored = _stored(db, times)

    assert stored[:3] == [noon, noon, noon]
    assert stored[3] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert stored[4] == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert stored[5] == noon + timedelta(seconds=1)
    assert all(at.utcoffset() == timedelta(0) for at in stored)
