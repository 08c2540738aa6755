"""Security headers on every response: what the browser may load, frame and tell others.

The pages run no inline script or style (charts read their data from data-* attributes in
static files; htmx is told not to inject its indicator style nor to eval), so the policy can
forbid both. The API reference at /api/docs (Swagger UI, served from our own files) runs no
inline script either, but its widgets set style attributes: that path alone allows them.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tracemes.config import Settings
from tracemes.web.api_docs import PATH as DOCS_PATH

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DOCS_POLICY = POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
HSTS_SECONDS = 365 * 24 * 3600


def headers_for(path: str, settings: Settings) -> list[tuple[bytes, bytes]]:
    """The security headers of a response to `path`."""
    policy = DOCS_POLICY if path == DOCS_PATH else POLICY
    headers = [
        (b"content-security-policy", policy.encode()),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if settings.is_tls:  # only once the server is known to be reached over https
        headers.append((b"strict-transport-security", f"max-age={HSTS_SECONDS}".encode()))
    return headers


class SecurityHeaders:
    """ASGI middleware adding `headers_for` to every HTTP response, errors included."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope["path"], self.settings)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                added = [(name, value) for name, value in extra if name not in names]
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)
