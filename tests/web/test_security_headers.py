"""Security headers on every response, no inline script for the policy to allow, and cookies
that are Secure by configuration rather than by the request's scheme (issue #12, finding 10)."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tracemes import services
from tracemes.app import create_app
from tracemes.config import Settings
from tracemes.services.context import Context
from tracemes.web.layout import TEMPLATES_DIR

PASSWORD = "correct horse"
LOGIN = {"tenant": "ACME", "user": "alice", "password": PASSWORD}


@pytest.mark.parametrize(
    "path",
    ["/login", "/", "/api/v1/items", "/api/v1/nothing-here", "/static/tracemes.css", "/trace"],
)
def test_every_response_forbids_inline_script_framing_and_sniffing(
    app_client: TestClient, path: str
) -> None:
    response = app_client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)

    policy = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # not configured for TLS


def test_hsts_is_sent_once_the_public_url_is_https(db: Engine) -> None:
    settings = Settings(public_url="https://mes.example.cn")
    with TestClient(create_app(db, settings=settings)) as client:
        response = client.get("/login")

    assert response.headers["strict-transport-security"] == "max-age=31536000"


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>"  # a script element without src
    r"|\son[a-z]+\s*="  # an event handler attribute
    r"|\shx-on|javascript:|\sstyle=|<style",
    re.IGNORECASE,
)


def test_no_page_template_has_inline_script_or_style() -> None:
    found = [
        f"{path.relative_to(TEMPLATES_DIR)}: {match.group(0)}"
        for path in sorted(Path(TEMPLATES_DIR).rglob("*.html"))
        for match in INLINE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def _cookies(response: object) -> dict[str, str]:
    """Each Set-Cookie of a response by cookie name."""
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return {header.split("=", 1)[0]: header for header in headers}


def _sign_in(db: Engine, ctx: Context, client: TestClient, **headers: str) -> dict[str, str]:
    services.users.create(db, ctx, "alice", "admin", PASSWORD)
    response = client.post("/login", data=LOGIN, headers=headers, follow_redirects=False)
    assert response.status_code == 303
    return _cookies(response)


def test_an_https_public_url_makes_the_session_and_company_cookies_secure(
    db: Engine, ctx: Context
) -> None:
    # Behind a TLS proxy that forwards plain http and no X-Forwarded-Proto.
    settings = Settings(public_url="https://mes.example.cn")
    with TestClient(create_app(db, settings=settings)) as client:
        cookies = _sign_in(db, ctx, client)

    assert "; secure" in cookies["tracemes_session"].lower()
    assert "; secure" in cookies["tracemes_company"].lower()


def test_a_forwarded_https_is_believed_only_from_a_trusted_proxy(db: Engine, ctx: Context) -> None:
    untrusted = Settings()
    trusted = Settings(trusted_proxies=frozenset({"testclient"}))  # the test client's address
    with TestClient(create_app(db, settings=untrusted)) as client:
        spoofed = _sign_in(db, ctx, client, **{"X-Forwarded-Proto": "https"})
    with TestClient(create_app(db, settings=trusted)) as client:
        response = client.post(
            "/login", data=LOGIN, headers={"X-Forwarded-Proto": "https"}, follow_redirects=False
        )
        forwarded = _cookies(response)

    assert "secure" not in spoofed["tracemes_session"].lower()
    assert "; secure" in forwarded["tracemes_session"].lower()
    assert "; secure" in forwarded["tracemes_company"].lower()


def test_the_api_reference_page_loads_nothing_from_elsewhere(app_client: TestClient) -> None:
    """Swagger UI from our own files, started by a static script: no CDN, no inline script;
    only style attributes (its widgets set them) are allowed, on that page alone."""
    response = app_client.get("/api/docs")

    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert "http" not in policy
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert len(sources) == 3  # the style sheet, the bundle, the script that starts it
    assert all(source.startswith("/static/") for source in sources)
    assert INLINE.search(response.text) is None
