"""Signing in and out of the pages with a session cookie."""

from datetime import UTC
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from tracemes import domain, services
from tracemes.api import deps
from tracemes.api.deps import SESSION_COOKIE, Db, Now, Text, page_router
from tracemes.domain.credentials import TokenKind
from tracemes.domain.errors import (
    NotAuthenticatedError,
    TooManyAttemptsError,
    UserDisabledError,
)
from tracemes.services.context import Context
from tracemes.web import i18n
from tracemes.web.layout import is_htmx, render

router = page_router()


def local_path(target: str) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


COMPANY_COOKIE = "tracemes_company"  # this device's company, so a badge scan is enough


def _login_form(
    request: Request,
    next_path: str,
    tenant: str = "",
    user: str = "",
    failed: str = "",
    status_code: int = 200,
    wait: TooManyAttemptsError | None = None,
) -> Response:
    company = tenant or request.cookies.get(COMPANY_COOKIE, "")
    values = {
        "next": next_path,
        "form": {"tenant": company, "user": user},
        "failed": failed,  # "", "password", "badge", "disabled" or "wait": why it was refused
        "wait_seconds": wait.retry_after_seconds if wait else 0,
        "retry_at": wait.retry_at.astimezone(UTC).strftime("%H:%M:%S") if wait else "",
    }
    headers = {"Retry-After": str(wait.retry_after_seconds)} if wait else None
    return render(request, "auth/login.html", values, status_code=status_code, headers=headers)


@router.get("/login")
def login_page(request: Request, next_path: Annotated[str, Query(alias="next")] = "/") -> Response:
    """The sign-in form: a password, or a badge scan at a station."""
    if is_htmx(request):
        # An htmx action found the session expired: send the whole page to sign in again.
        current = urlsplit(request.headers.get("hx-current-url", "/")).path or "/"
        return Response(headers={"HX-Redirect": f"/login?next={quote(local_path(current))}"})
    return _login_form(request, local_path(next_path))


def _signed_in(request: Request, token: str, tenant: str, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    secure = deps.is_secure(request)  # by configuration, not by the request's scheme
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(services.users.SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    remember = 400 * 24 * 3600
    response.set_cookie(
        COMPANY_COOKIE, tenant, max_age=remember, httponly=True, samesite="lax", secure=secure
    )
    return response


@router.post("/login")
def log_in(
    request: Request,
    db: Db,
    now: Now,
    tenant: Annotated[Text, Form()] = "",
    badge: Annotated[Text, Form()] = "",
    user: Annotated[Text, Form()] = "",
    password: Annotated[Text, Form()] = "",
    next_path: Annotated[Text, Form(alias="next")] = "/",
) -> Response:
    """Sign in with a scanned badge (then on to the station page, unless another page was
    asked for) or with user name and password; set the session cookie."""
    target = local_path(next_path)
    company = tenant.strip()
    address = request.client.host if request.client else ""
    try:
        if badge.strip():
            token = services.users.log_in_badge(db, now, company, badge, address)
            target = "/station" if target == "/" else target
        else:
            token = services.users.log_in(db, now, company, user.strip(), password, address)
    except TooManyAttemptsError as error:
        return _login_form(request, target, tenant, user, "wait", 429, wait=error)
    except UserDisabledError:
        return _login_form(request, target, tenant, user, "disabled", 401)
    except NotAuthenticatedError:
        return _login_form(request, target, tenant, user, "badge" if badge else "password", 401)
    return _signed_in(request, token, company, target)


@router.post("/logout")
def log_out(request: Request, db: Db) -> Response:
    """End the session and forget the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        services.users.log_out(db, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=deps.is_secure(request),
    )
    return response


@router.post("/language")
def choose_language(
    request: Request,
    db: Db,
    now: Now,
    language: Annotated[Text, Form()] = "",
    next_path: Annotated[Text, Form(alias="next")] = "/",
) -> Response:
    """Switch the pages' language: kept on the signed-in user (every device follows), and
    in a cookie for this browser (the sign-in page too)."""
    chosen = domain.users.check_language(language)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            principal = services.users.authenticate(db, token, TokenKind.SESSION, now)
        except NotAuthenticatedError:
            principal = None
        if principal is not None:
            ctx = Context(tenant_id=principal.tenant_id, user_id=principal.user_id, now=now)
            services.users.set_language(db, ctx, principal, chosen)
    response = RedirectResponse(local_path(next_path), status_code=303)
    response.set_cookie(
        i18n.COOKIE,
        chosen,
        max_age=LANGUAGE_COOKIE_SECONDS,
        path="/",
        httponly=True,
        samesite="lax",
        secure=deps.is_secure(request),
    )
    return response


LANGUAGE_COOKIE_SECONDS = 400 * 24 * 3600  # browsers cap cookies at 400 days
