"""The line board: a line's output, work in progress and yields for the plant's day."""

from collections import Counter
from datetime import date

from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.board import LineBoard, OperationLoad, OrderLine
from tracemes.domain.errors import NotFoundError
from tracemes.domain.units import UnitStatus
from tracemes.domain.work_orders import Status
from tracemes.services.context import Context

RUNNING = frozenset({Status.RELEASED, Status.IN_PROGRESS})


def line_board(db: Engine, ctx: Context, line_code: str, day: date | None = None) -> LineBoard:
    """One line's figures for a working day (today by default), read in one snapshot: the
    day's flow from the rollups, units waiting and in work as of now from the units."""
    with store.db.reading(db) as conn:
        line = store.lines.get(conn, ctx.tenant_id, line_code)
        if line is None:
            raise NotFoundError("line", line_code)
        timezone = store.tenants.get_by_id(conn, ctx.tenant_id).timezone
        today = domain.board.today(ctx.now, timezone)
        day = day or today
        start, end = domain.board.day_bounds(day, timezone)
        line_id = store.lines.id_of(conn, ctx.tenant_id, line_code)
        routings = store.board.routing_operations(conn, ctx.tenant_id, line_id)
        counts = store.board.unit_counts(conn, ctx.tenant_id, line_id)
        places = store.board.positions(conn, ctx.tenant_id, line_id)
        hours = store.rollups.line_hours(conn, ctx.tenant_id, line.code, start, end)
        orders = store.work_orders.list_all(conn, ctx.tenant_id, RUNNING, line_code)
    by_order: dict[str, dict[UnitStatus, int]] = {}
    for code, status, n in counts:
        by_order.setdefault(code, {})[status] = n
    waiting: Counter[str | None] = Counter()
    in_work: Counter[str | None] = Counter()
    for operation, busy, _, n in places:
        (in_work if busy else waiting)[operation] += n
    passed, failed, tries, first_passes = (
        Counter[str](),
        Counter[str](),
        Counter[str](),
        Counter[str](),
    )
    for _, operation, done in hours:
        passed[operation] += done.passed
        failed[operation] += done.failed
        tries[operation] += done.first_tries
        first_passes[operation] += done.first_passes
    finished = [(hour, done.finished) for hour, _, done in hours]
    loads = tuple(
        OperationLoad(
            code=code,
            name=name,
            waiting=waiting[code],
            in_work=in_work[code],
            passed=passed[code],
            failed=failed[code],
            first_tries=tries[code],
            first_passes=first_passes[code],
        )
        for code, name in domain.board.operations_in_order(routings)
    )
    return LineBoard(
        line_code=line.code,
        line_name=line.name,
        day=day,
        today=today,
        timezone=timezone,
        output=sum(n for _, n in finished),
        hourly=domain.rollups.by_hour_of_day(finished, timezone),
        queued=sum(n for _, status, n in counts if status is UnitStatus.QUEUED),
        wip=sum(n for *_, n in places),
        on_hold=sum(n for _, _, held, n in places if held),
        operations=loads,
        orders=tuple(
            OrderLine(order, domain.work_orders.progress(order, by_order.get(order.code, {})))
            for order in reversed(orders)  # oldest first: the one to finish first
        ),
    )
