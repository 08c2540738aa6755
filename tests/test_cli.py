"""The `tracemes` command line, run in-process on a SQLite file per test."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from tracemes import services
from tracemes.app import create_app
from tracemes.cli import app
from tracemes.domain.credentials import TokenKind
from tracemes.store.db import open_database


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A SQLite file that does not exist yet."""
    return f"sqlite:///{tmp_path / 'var' / 'cli.db'}"


def _run(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(app, [*args, "--database-url", database_url])


@contextmanager
def _api(database_url: str) -> Iterator[TestClient]:
    db = open_database(database_url)
    try:
        with TestClient(create_app(db)) as client:
            yield client
    finally:
        db.dispose()


def _tenant_codes(database_url: str) -> list[str]:
    db = open_database(database_url)
    try:
        return [tenant.code for tenant in services.tenants.list_all(db)]
    finally:
        db.dispose()


def _token(database_url: str, tenant: str, user: str, role: str = "admin") -> str:
    assert _run(database_url, "tenant", "create", tenant, f"{tenant} Ltd").exit_code == 0
    assert (
        _run(database_url, "user", "create", user, "--tenant", tenant, "--role", role).exit_code
        == 0
    )
    result = _run(database_url, "token", "create", "--tenant", tenant, "--user", user)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def test_init_creates_the_database(tmp_path: Path, database_url: str) -> None:
    result = _run(database_url, "init")

    assert result.exit_code == 0, result.output
    assert "up to date" in result.stdout
    assert (tmp_path / "var" / "cli.db").exists()
    assert _tenant_codes(database_url) == []


def test_a_tenant_code_can_be_used_once(database_url: str) -> None:
    first = _run(database_url, "tenant", "create", "ACME", "Acme E-bikes")

    second = _run(database_url, "tenant", "create", "ACME", "Acme again")

    assert first.exit_code == 0
    assert "tenant ACME created" in first.stdout
    assert second.exit_code == 1
    assert "error: tenant ACME already exists" in second.stderr
    assert second.stdout == ""


def test_tenant_list_shows_codes_and_names(database_url: str) -> None:
    _run(database_url, "tenant", "create", "ACME", "Acme E-bikes")

    result = _run(database_url, "tenant", "list")

    assert result.stdout == "ACME\tAcme E-bikes\n"


def test_a_user_with_an_unknown_role_is_refused_naming_the_valid_roles(database_url: str) -> None:
    _run(database_url, "tenant", "create", "ACME", "Acme E-bikes")

    result = _run(database_url, "user", "create", "li", "--tenant", "ACME", "--role", "boss")

    assert result.exit_code == 1
    assert "'boss' is not one of admin, engineer, supervisor, operator, inspector, viewer" in (
        result.stderr
    )


def test_a_user_of_an_unknown_tenant_is_refused(database_url: str) -> None:
    result = _run(database_url, "user", "create", "li", "--tenant", "NOPE", "--role", "admin")

    assert result.exit_code == 1
    assert "error: tenant NOPE not found" in result.stderr


def test_a_token_is_printed_alone_and_opens_the_api(database_url: str) -> None:
    token = _token(database_url, "ACME", "robot")

    with _api(database_url) as client:
        response = client.get("/api/v1/items", headers={"Authorization": f"Bearer {token}"})

    assert "\n" not in token
    assert token.startswith("tm_")
    assert response.status_code == 200
    assert response.json() == []


def test_a_token_of_another_tenant_does_not_see_the_first_tenants_items(
    database_url: str,
) -> None:
    acme = _token(database_url, "ACME", "robot")
    beta = _token(database_url, "BETA", "robot")

    with _api(database_url) as client:
        created = client.post(
            "/api/v1/items",
            json={"code": "FRAME-A1", "name": "Frame", "tracking": "serial"},
            headers={"Authorization": f"Bearer {acme}"},
        )
        mine = client.get("/api/v1/items/FRAME-A1", headers={"Authorization": f"Bearer {acme}"})
        theirs = client.get("/api/v1/items/FRAME-A1", headers={"Authorization": f"Bearer {beta}"})

    assert created.status_code == 201
    assert mine.status_code == 200
    assert theirs.status_code == 404
    assert theirs.json()["code"] == "not_found"


def test_a_token_for_an_unknown_user_is_refused(database_url: str) -> None:
    _run(database_url, "tenant", "create", "ACME", "Acme E-bikes")

    result = _run(database_url, "token", "create", "--tenant", "ACME", "--user", "ghost")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error: user ghost not found" in result.stderr


def test_demo_seeds_the_plant_and_prints_the_sign_in(database_url: str) -> None:
    result = _run(database_url, "demo", "--no-serve")

    assert result.exit_code == 0, result.output
    assert "seeded company DEMO" in result.stdout
    assert "http://127.0.0.1:8000/" in result.stdout
    assert "sign in as company DEMO, user admin, password demo" in result.stdout
    assert "operator" in result.stdout
    assert _tenant_codes(database_url) == ["DEMO"]


def test_demo_run_twice_seeds_once(database_url: str) -> None:
    _run(database_url, "demo", "--no-serve")

    again = _run(database_url, "demo", "--no-serve", "--port", "8123")

    assert again.exit_code == 0, again.output
    assert "nothing was seeded" in again.stdout
    assert "http://127.0.0.1:8123/" in again.stdout
    assert "sign in as company DEMO, user admin, password demo" in again.stdout


def test_a_badge_is_set_once_per_holder_and_opens_a_session(database_url: str) -> None:
    _token(database_url, "ACME", "wang", "operator")
    _run(database_url, "user", "create", "zhao", "--tenant", "ACME", "--role", "inspector")

    given = _run(database_url, "user", "badge", "wang", "W-00417-2026", "--tenant", "ACME")
    taken = _run(database_url, "user", "badge", "zhao", "W-00417-2026", "--tenant", "ACME")

    assert given.exit_code == 0, given.stderr
    assert given.stdout == "badge set for wang\n"
    assert taken.exit_code == 1
    assert "error: the badge is already wang's" in taken.stderr
    db = open_database(database_url)
    try:
        session = services.users.log_in_badge(db, datetime.now(UTC), "ACME", "W-00417-2026", "cli")
        assert (
            services.users.authenticate(db, session, TokenKind.SESSION, datetime.now(UTC)).user_name
            == "wang"
        )
    finally:
        db.dispose()


def test_a_tenant_keeps_its_time_zone_and_an_unknown_one_is_refused(database_url: str) -> None:
    made = _run(
        database_url, "tenant", "create", "KOLN", "Köln Räder", "--timezone", "Europe/Berlin"
    )
    wrong = _run(database_url, "tenant", "create", "MARS", "Mars", "--timezone", "Mars/Olympus")

    assert made.exit_code == 0, made.stderr
    assert wrong.exit_code == 1
    assert "'Mars/Olympus' is not a known time zone" in wrong.stderr
    assert _tenant_codes(database_url) == ["KOLN"]
    db = open_database(database_url)
    try:
        assert services.tenants.get(db, "KOLN").timezone == "Europe/Berlin"
    finally:
        db.dispose()


def test_tokens_are_listed_and_revoked_and_users_disabled_from_the_command_line(
    database_url: str,
) -> None:
    token = _token(database_url, "ACME", "robot", "operator")

    listed = _run(database_url, "token", "list", "--tenant", "ACME")
    token_id = listed.stdout.split("\t")[0]
    disabled = _run(database_url, "user", "disable", "robot", "--tenant", "ACME")
    with _api(database_url) as client:
        while_disabled = client.get("/api/v1/items", headers={"Authorization": f"Bearer {token}"})
    enabled = _run(database_url, "user", "enable", "robot", "--tenant", "ACME")
    revoked = _run(database_url, "token", "revoke", token_id, "--tenant", "ACME")
    again = _run(database_url, "token", "revoke", token_id, "--tenant", "ACME")

    assert listed.exit_code == 0, listed.stderr
    assert listed.stdout.split("\t")[1:3] == ["robot", "api"]
    assert disabled.stdout == "user robot disabled\n"
    assert while_disabled.status_code == 401
    assert enabled.exit_code == 0
    assert revoked.stdout == f"token {token_id} of robot revoked\n"
    assert again.exit_code == 1
    assert f"token {token_id} not found" in again.stderr
    with _api(database_url) as client:
        assert (
            client.get("/api/v1/items", headers={"Authorization": f"Bearer {token}"}).status_code
            == 401
        )


def test_a_password_is_changed_only_to_one_the_rules_accept(database_url: str) -> None:
    _token(database_url, "ACME", "wang", "viewer")

    weak = _run(database_url, "user", "password", "wang", "--tenant", "ACME", "--password", "1234")
    good = _run(
        database_url, "user", "password", "wang", "--tenant", "ACME", "--password", "blue bike gear"
    )
    long_lived = _run(
        database_url, "token", "create", "--tenant", "ACME", "--user", "wang", "--days", "400"
    )

    assert weak.exit_code == 1
    assert "password: must have at least 10 characters" in weak.stderr
    assert good.stdout == "password changed for wang\n"
    assert long_lived.exit_code == 1
    assert "at most 365 days" in long_lived.stderr


def test_the_demo_warns_when_served_beyond_this_machine(database_url: str) -> None:
    local = _run(database_url, "demo", "--no-serve")
    shared = _run(database_url, "demo", "--no-serve", "--host", "0.0.0.0")

    assert "warning" not in local.stderr
    assert "warning: the demo users' password is 'demo' and is published" in shared.stderr


def test_serve_refuses_a_public_url_that_is_not_http_and_says_why(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["serve", "--database-url", f"sqlite:///{tmp_path / 'x.db'}"],
        env={"TRACEMES_PUBLIC_URL": "mes.example.cn"},
    )

    assert result.exit_code == 2
    assert "TRACEMES_PUBLIC_URL must look like https://mes.example.cn" in result.output


def test_ledger_verify_reports_ok_then_names_the_first_edited_event(database_url: str) -> None:
    _run(database_url, "tenant", "create", "ACME", "Acme E-bikes")
    _run(database_url, "user", "create", "li", "--tenant", "ACME", "--role", "operator")
    _run(database_url, "tenant", "create", "BETA", "Beta Blades")

    before = _run(database_url, "ledger", "verify")
    db = open_database(database_url)
    with db.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE events SET payload = '{\"role\": \"admin\"}' WHERE type = 'user.created'"
        )
        row_id = conn.exec_driver_sql("SELECT id FROM events WHERE type = 'user.created'")
        broken_row = row_id.scalar_one()
    db.dispose()
    after = _run(database_url, "ledger", "verify", "--tenant", "ACME")

    assert before.exit_code == 0, before.output
    assert before.stdout.startswith("ACME: OK, 2 events, head ")
    assert "BETA: OK, 1 events" in before.stdout
    assert after.exit_code == 1
    assert after.stdout.startswith("ACME: BROKEN (edited) after 1 good events: event ")
    assert f"(row {broken_row}, position 2) was edited or forged" in after.stdout


def test_ledger_head_prints_the_last_link_to_keep_elsewhere(database_url: str) -> None:
    _run(database_url, "tenant", "create", "ACME", "Acme E-bikes")

    head = _run(database_url, "ledger", "head", "--tenant", "ACME")
    verify = _run(database_url, "ledger", "verify", "--tenant", "ACME")

    _run(database_url, "user", "create", "li", "--tenant", "ACME", "--role", "operator")
    later = _run(database_url, "ledger", "head", "--tenant", "ACME")
    kept = _run(database_url, "ledger", "head", "--tenant", "ACME", "--at", "1")
    beyond = _run(database_url, "ledger", "head", "--tenant", "ACME", "--at", "3")

    code, position, last_hash = head.stdout.strip().split("\t")
    assert (code, position) == ("ACME", "1")
    assert verify.stdout.strip().endswith(f"head {last_hash}")
    assert later.stdout.split("\t")[1] == "2"
    assert later.stdout.split("\t")[2] != f"{last_hash}\n"
    assert kept.stdout == head.stdout
    assert beyond.exit_code == 1
    assert "error: ledger position 3 not found" in beyond.stderr


def test_ledger_verify_of_an_unknown_tenant_is_refused(database_url: str) -> None:
    result = _run(database_url, "ledger", "verify", "--tenant", "NOPE")

    assert result.exit_code == 1
    assert "error: tenant NOPE not found" in result.stderr


def test_rollups_rebuild_counts_each_enterprises_ledger_again(database_url: str) -> None:
    _run(database_url, "tenant", "create", "ACME", "Acme E-bikes")
    _run(database_url, "tenant", "create", "BETA", "Beta Blades")

    every = _run(database_url, "rollups", "rebuild")
    one = _run(database_url, "rollups", "rebuild", "--tenant", "BETA")
    unknown = _run(database_url, "rollups", "rebuild", "--tenant", "GAMMA")

    assert every.exit_code == 0, every.output
    assert every.stdout.splitlines() == [
        "ACME: 0 events counted, 0 rollup rows",
        "BETA: 0 events counted, 0 rollup rows",
    ]
    assert one.stdout.splitlines() == ["BETA: 0 events counted, 0 rollup rows"]
    assert unknown.exit_code == 1
