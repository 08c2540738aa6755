"""The line board: a supervisor's phone view of a line today, refreshed while it is open."""

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tracemes import services
from tracemes.api.deps import CurrentPrincipal, Day, Db, Reader, page_router
from tracemes.web.layout import render

router = page_router("/board")
REFRESH_SECONDS = 10


@router.get("", response_class=HTMLResponse)
def board_page(
    request: Request,
    db: Db,
    ctx: Reader,
    user: CurrentPrincipal,
    line: str = "",
    day: Day | None = None,
) -> Response:
    """One line's board (the first line when none is named), with tabs for the others;
    today unless another day is asked for."""
    lines = services.lines.list_all(db, ctx)
    if not line:
        if not lines:
            return render(request, "board/index.html", {"lines": [], "board": None}, user=user)
        return RedirectResponse(f"/board?line={lines[0].code}", status_code=303)
    values = {
        "lines": lines,
        "board": services.board.line_board(db, ctx, line, day),
        "now": ctx.now,
        "refresh": REFRESH_SECONDS,
    }
    return render(request, "board/index.html", values, user=user)


@router.get("/panel", response_class=HTMLResponse)
def board_panel(
    request: Request,
    db: Db,
    ctx: Reader,
    user: CurrentPrincipal,
    line: str,
    day: Day | None = None,
) -> HTMLResponse:
    """The figures alone, which the open page fetches again every few seconds."""
    values = {
        "board": services.board.line_board(db, ctx, line, day),
        "now": ctx.now,
        "refresh": REFRESH_SECONDS,
    }
    return render(request, "board/_panel.html", values, user=user)
