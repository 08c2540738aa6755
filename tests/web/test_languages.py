"""Pages in Chinese first and English too: the user's choice, else the browser's."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import make_bike
from tracemes import services, store
from tracemes.api import deps
from tracemes.api.deps import SESSION_COOKIE
from tracemes.app import create_app
from tracemes.services.context import Context
from tracemes.web import i18n

from ..conftest import NOW

PASSWORD = "correct horse"
HTML = {"Accept": "text/html"}
TEMPLATES = Path(i18n.__file__).parent / "templates"


@pytest.fixture
def pages(db: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(db, clock=lambda: NOW), headers=HTML) as client:
        yield client


def _sign_in(client: TestClient, db: Engine, ctx: Context, name: str) -> None:
    services.users.create(db, ctx, name, "admin", PASSWORD)
    response = client.post(
        "/login",
        data={"tenant": "ACME", "user": name, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303
    # What the page's forms send with every post (the form token of the session).
    client.headers["X-CSRF-Token"] = deps.csrf_token_for(client.cookies[SESSION_COOKIE])


@pytest.mark.parametrize(
    ("accept_language", "lang", "words"),
    [
        (None, "zh-CN", "登录 TraceMES"),  # no preference: Chinese first
        ("zh-CN,zh;q=0.9", "zh-CN", "登录 TraceMES"),
        ("zh-TW,zh;q=0.9,en;q=0.5", "zh-CN", "登录 TraceMES"),  # Simplified before English
        ("en-US,en;q=0.9", "en", "Sign in to TraceMES"),
        ("fr-FR,fr;q=0.9,en;q=0.5", "en", "Sign in to TraceMES"),
        ("de-DE", "zh-CN", "登录 TraceMES"),  # nothing we have: Chinese
    ],
)
def test_the_browsers_language_picks_the_catalogue(
    pages: TestClient, accept_language: str | None, lang: str, words: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    page = pages.get("/login", headers=headers)
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    assert words in page.text
    assert page.headers["content-language"] == lang


def test_a_browser_can_switch_before_signing_in(pages: TestClient) -> None:
    chinese = {"Accept-Language": "zh-CN"}
    response = pages.post(
        "/language",
        data={"language": "en", "next": "/login"},
        headers=chinese,
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert "Sign in to TraceMES" in pages.get("/login", headers=chinese).text


def test_the_switch_never_sends_anyone_to_another_site(pages: TestClient) -> None:
    response = pages.post(
        "/language", data={"language": "en", "next": "//evil.example/x"}, follow_redirects=False
    )
    assert response.headers["location"] == "/"


def test_an_unknown_language_is_refused(pages: TestClient) -> None:
    response = pages.post("/language", data={"language": "fr"}, follow_redirects=False)
    assert response.status_code == 422
    assert "is not one of zh_CN, en" in response.text


def test_a_users_choice_follows_them_to_another_device(
    db: Engine, ctx: Context, pages: TestClient
) -> None:
    """Chosen on one browser, kept on the user: a second browser that asks for Chinese
    shows English once the same user signs in there."""
    _sign_in(pages, db, ctx, "wang")
    pages.post("/language", data={"language": "en", "next": "/"})
    with TestClient(create_app(db, clock=lambda: NOW), headers=HTML) as other:
        other.headers["Accept-Language"] = "zh-CN"
        assert "登录 TraceMES" in other.get("/login").text
        response = other.post(
            "/login", data={"tenant": "ACME", "user": "wang", "password": PASSWORD}
        )
        assert "Open work orders" in response.text
        assert '<html lang="en">' in response.text
    with db.connect() as conn:
        assert "user.language_set" in store.ledger.types_for(conn, ctx.tenant_id, "wang")


def test_numbers_and_times_are_written_as_the_language_writes_them(
    db: Engine, ctx: Context, pages: TestClient
) -> None:
    make_bike(db, ctx, "BIKE")
    services.items.create(db, ctx, "CHAIN", "Chain", "pcs", "none", standard_cost=Decimal("1234.5"))
    _sign_in(pages, db, ctx, "li")
    chinese = pages.get("/admin/items", headers={"Accept-Language": "zh-CN"}).text
    assert "1,234.5" in chinese
    assert "物料" in chinese
    when = datetime(2026, 3, 16, 8, 30, tzinfo=UTC)
    assert i18n.time_in("zh_CN", when) == "2026年3月16日 08:30:00"
    assert i18n.time_in("en", when) == "Mar 16, 2026, 8:30:00\u202fAM"
    assert i18n.decimal_in("en", Decimal("1234567.250")) == "1,234,567.25"


def test_every_string_of_the_pages_is_in_the_catalogue_and_translated() -> None:
    """The template file matches what the sources ask for, and Chinese has every message
    with the same placeholders."""
    root = TEMPLATES.parent.parent  # src/tracemes
    method_map = [("**.py", "python"), ("web/templates/**.html", "jinja2")]
    options = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    asked = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(root, method_map, options_map=options)
    }
    with (i18n.TRANSLATIONS / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        chinese = read_po(po, locale="zh_CN")
    translated = {(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in chinese if m.id}
    assert asked - set(translated) == set(), "run pybabel extract/update (docs/development.md)"
    for msgid, msgstr in translated.items():
        text = msgstr if isinstance(msgstr, str) else (msgstr or ("",))[0]
        assert text, f"no Chinese for {msgid!r}"
        placeholders = sorted(re.findall(r"%\(\w+\)[sd]", msgid))
        assert sorted(re.findall(r"%\(\w+\)[sd]", text)) == placeholders, msgid


def test_no_words_in_templates_outside_the_catalogue() -> None:
    """Every word a person reads on a page goes through `_()` (the brand name aside)."""
    allowed = {"TraceMES"}
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\{#.*?#\}", r"\{\{.*?\}\}", r"\{%.*?%\}", r"<(script|style)\b.*?</\1>"):
            text = re.sub(pattern, " ", text, flags=re.S)
        readable = re.findall(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"', text)
        text = re.sub(r"<[^>]*>", " ", text, flags=re.S)
        text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
        words = set(re.findall(r"[A-Za-z\u4e00-\u9fff]+", " ".join([text, *readable])))
        assert words <= allowed, f"{path.name}: {sorted(words - allowed)}"
