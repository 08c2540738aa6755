from sqlalchemy.engine import Engine

from tests.factories import make_released_order
from tracemes import services
from tracemes.services.context import Context


def test_smoke(db: Engine, ctx: Context) -> None:
    order = make_released_order(db, ctx, 3)
    serials = services.work_orders.add_units(db, ctx, order.code, count=2)
    assert serials == ["BK2603160001", "BK2603160002"]
