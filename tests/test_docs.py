"""Docs cannot drift: every command, route, event type and setting must be documented."""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import typer.main
from typer.core import TyperCommand, TyperGroup, TyperOption

from tracemes.app import create_app
from tracemes.cli import app as cli_app
from tracemes.domain.event_types import PAYLOAD, EventType
from tracemes.store.db import open_database

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
_HEADING = re.compile(r"^#{2,4} ", re.MULTILINE)
_EVENT_ROW = re.compile(r"^\| `([a-z_]+\.[a-z_]+)` \|.*$", re.MULTILINE)
_ERROR_CODE = re.compile(r"""\bcode ?= ?["']([a-z][a-z_]*)["']""")
_SETTING = re.compile(r"\bTRACEMES_[A-Z0-9_]*[A-Z0-9]\b")


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _commands(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, TyperCommand]]:
    """Every runnable command below `command`, as ("tenant create", command)."""
    if isinstance(command, TyperGroup):
        for name, sub in sorted(command.commands.items()):
            if not sub.hidden:
                yield from _commands(sub, (*path, name))
    elif isinstance(command, TyperCommand):
        yield " ".join(path), command


def _sections(text: str) -> dict[str, str]:
    """The text under each heading, keyed by the heading's words."""
    parts = _HEADING.split(text)
    return {part.splitlines()[0].strip(" `#"): part for part in parts[1:] if part.strip()}


def test_every_cli_command_has_a_section_naming_its_arguments_and_options() -> None:
    sections = _sections(_read("cli.md"))
    missing: list[str] = []
    for path, command in _commands(typer.main.get_command(cli_app)):
        section = sections.get(f"tracemes {path}")
        if section is None:
            missing.append(f"heading 'tracemes {path}'")
            continue
        for param in command.params:
            if isinstance(param, TyperOption):
                names = [opt for opt in (*param.opts, *param.secondary_opts) if opt != "--help"]
            else:
                names = [(param.name or "").upper()]
            missing.extend(f"{path}: {name}" for name in names if name not in section)
    assert not missing, f"missing from docs/cli.md: {missing}"


def _api_routes() -> list[str]:
    """Every method and path of the JSON API, as "GET /api/v1/items"."""
    db = open_database("sqlite://")
    paths: dict[str, dict[str, object]] = create_app(db).openapi()["paths"]
    db.dispose()
    return [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        if path.startswith("/api/v1/")
        for method in operations
    ]


def test_every_api_route_is_documented() -> None:
    text = _read("api.md")
    routes = _api_routes()
    missing = [route for route in routes if not re.search(re.escape(route) + r"(?![\w/{}-])", text)]
    assert "GET /api/v1/items" in routes
    assert not missing, f"missing from docs/api.md: {missing}"


def test_every_event_type_is_documented_with_its_payload() -> None:
    """docs/events.md has a row for each type of the vocabulary and no other, and names each
    payload key of the type in its row or in the prose of its section."""
    text = _read("events.md")
    rows = {m.group(1): m.group(0) for m in _EVENT_ROW.finditer(text)}
    assert sorted(rows) == sorted(EventType), "docs/events.md and domain/event_types.py differ"
    sections = {
        event_type: section
        for section in re.split(r"^### ", text, flags=re.MULTILINE)
        for event_type in _EVENT_ROW.findall(section)
    }
    undocumented = [
        (event_type.value, key)
        for event_type, keys in PAYLOAD.items()
        for key in sorted(keys)
        if f"`{key}`" not in rows[event_type]
        and f"`{key}`" not in sections[event_type].split("\n| type |")[0]
    ]
    assert not undocumented, f"payload keys missing from docs/events.md: {undocumented}"


def test_every_setting_is_documented() -> None:
    text = _read("configuration.md")
    sources = [*sorted((ROOT / "src").rglob("*.py")), ROOT / "tests" / "conftest.py"]
    settings = {
        name for source in sources for name in _SETTING.findall(source.read_text(encoding="utf-8"))
    }
    assert "TRACEMES_DATABASE_URL" in settings
    missing = sorted(s for s in settings if f"`{s}`" not in text)
    assert not missing, f"missing from docs/configuration.md: {missing}"


def _refusal_codes(source: str) -> set[str]:
    """Codes given as a literal to the floor's `refuse(message, code)`."""
    return {
        node.args[1].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "refuse"
        and len(node.args) > 1
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    }


def test_every_error_code_is_documented() -> None:
    text = _read("api.md")
    package = ROOT / "src" / "tracemes"
    sources = [*sorted(package.glob("domain/*.py")), *sorted(package.glob("services/*.py"))]
    codes: set[str] = set()
    for source in sources:
        code_text = source.read_text(encoding="utf-8")
        codes |= set(_ERROR_CODE.findall(code_text)) | _refusal_codes(code_text)
    assert {"idempotency_key_reused", "part_already_bound"} <= codes
    missing = sorted(c for c in codes if f"`{c}`" not in text)
    assert not missing, f"error codes missing from docs/api.md: {missing}"
