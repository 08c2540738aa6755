"""The home page: what the company has and which work orders are open."""

from collections import Counter

from fastapi import Request
from fastapi.responses import HTMLResponse

from tracemes import services
from tracemes.api.deps import CurrentPrincipal, Db, Reader, page_router
from tracemes.domain.work_orders import Status
from tracemes.web.layout import render

router = page_router()

OPEN_STATUSES = (Status.PLANNED, Status.RELEASED, Status.IN_PROGRESS, Status.COMPLETED)


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request, db: Db, ctx: Reader, user: CurrentPrincipal) -> HTMLResponse:
    """Counts of items, lines and open work orders, with links to each."""
    orders = services.work_orders.list_all(db, ctx, frozenset(OPEN_STATUSES))
    by_status = Counter(order.status for order in orders)
    values = {
        "item_count": len(services.items.list_all(db, ctx)),
        "line_count": len(services.lines.list_all(db, ctx)),
        "open_orders": [(status, by_status[status]) for status in OPEN_STATUSES],
    }
    return render(request, "home/index.html", values, user=user)
