"""Cross-site request forgery: a write that rides on the browser's session cookie must come
from a TraceMES page, not from another site's page that made the browser send it.

A request is let through when the browser says it is same-origin (`Sec-Fetch-Site`, or the
`Origin` header of older browsers matched against this server's own origin or
`TRACEMES_PUBLIC_URL`). Page forms also carry a token derived from the session (in a hidden
field, or the `X-CSRF-Token` header htmx and station.js send), and a cookie write whose
browser sends neither header needs that token on the API too. Requests with an
`Authorization` header (API tokens) carry no ambient credential and are not checked.
"""

import hashlib
import hmac

from fastapi import Request

from tracemes.api.deps import SESSION_COOKIE
from tracemes.config import Settings
from tracemes.domain.errors import PermissionDeniedError

HEADER = "x-csrf-token"
FIELD = "csrf_token"
SIGN_IN_PATH = "/login"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

CROSS_SITE = "this request came from another site's page, so TraceMES refused it"
STALE_FORM = "this form has expired or came from another site: reload the page and try again"


def token_for(session: str) -> str:
    """The form token of a session: a keyed hash of the session's secret, so a page of this
    site can show it while another site can neither read nor compute it."""
    return hmac.new(session.encode(), b"tracemes form token", hashlib.sha256).hexdigest()


def settings_of(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def scheme_of(request: Request, settings: Settings) -> str:
    """http or https as the browser used it: X-Forwarded-Proto from a trusted proxy, else the
    connection's own scheme."""
    client = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    if client in settings.trusted_proxies and forwarded in {"http", "https"}:
        return forwarded
    return request.url.scheme


def is_secure(request: Request) -> bool:
    """Whether cookies get `Secure`: an https public URL, or https as the connection (or a
    trusted proxy) says; so a TLS proxy forwarding plain http cannot leave them bare."""
    settings = settings_of(request)
    return settings.is_tls or scheme_of(request, settings) == "https"


def _is_same_origin(request: Request) -> bool | None:
    """True or False as the browser's headers tell; None when it sent neither header."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in {"same-origin", "none"}  # none: the user's own navigation
    origin = request.headers.get("origin")
    if origin is None:
        return None
    settings = settings_of(request)
    own = f"{scheme_of(request, settings)}://{request.headers.get('host', '')}".lower()
    return origin.lower() in {own, settings.public_origin} - {""}


async def _token_sent(request: Request) -> str:
    sent = request.headers.get(HEADER)
    if sent:
        return sent
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get(FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def _check(request: Request, *, page: bool) -> None:
    if request.method in SAFE_METHODS or "authorization" in request.headers:
        return
    same_origin = _is_same_origin(request)
    if same_origin is False:
        raise PermissionDeniedError(CROSS_SITE)
    session = request.cookies.get(SESSION_COOKIE)
    # Signing in acts with no session, so it is held to the origin check alone.
    if not session or request.url.path == SIGN_IN_PATH or not (page or same_origin is None):
        return
    if not hmac.compare_digest(await _token_sent(request), token_for(session)):
        raise PermissionDeniedError(STALE_FORM)


async def refuse_cross_site_api(request: Request) -> None:
    """Refuse an API write sent with the session cookie from another site."""
    await _check(request, page=False)


async def refuse_cross_site_page(request: Request) -> None:
    """Refuse a page form posted from another site, or without this session's token."""
    await _check(request, page=True)
