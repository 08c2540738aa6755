"""Sign-in backoff, disabled users, token expiry and revocation, password changes."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tracemes import services, store
from tracemes.domain.credentials import TokenKind
from tracemes.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotAuthenticatedError,
    NotFoundError,
    TooManyAttemptsError,
)
from tracemes.services.context import Context
from tracemes.store.db import open_database
from tracemes.store.schema import sign_in_failures

PASSWORD = "correct horse"
HERE = "192.0.2.7"


def _wrong(db: Engine, ctx: Context, times: int, user: str = "wang", address: str = HERE) -> None:
    for _ in range(times):
        with pytest.raises(NotAuthenticatedError):
            services.users.log_in(db, ctx.now, "ACME", user, "not it at all", address)


def _types(db: Engine, ctx: Context, subject: str) -> list[str]:
    with db.connect() as conn:
        return store.ledger.types_for(conn, ctx.tenant_id, subject)


def test_after_five_failures_even_the_right_password_waits_and_then_signs_in(
    db: Engine, ctx: Context
) -> None:
    services.users.create(db, ctx, "wang", "viewer", PASSWORD)
    _wrong(db, ctx, 6)

    with pytest.raises(TooManyAttemptsError, match="try again in 2 seconds") as refused:
        services.users.log_in(db, ctx.now, "ACME", "wang", PASSWORD, HERE)

    assert refused.value.retry_after_seconds == 2
    later = ctx.now + timedelta(seconds=2)
    session = services.users.log_in(db, later, "ACME", "wang", PASSWORD, HERE)
    assert services.users.authenticate(db, session, TokenKind.SESSION, later).user_name == "wang"


def test_the_wait_holds_from_another_address_and_another_server_process(
    db: Engine, ctx: Context
) -> None:
    services.users.create(db, ctx, "wang", "viewer", PASSWORD)
    _wrong(db, ctx, 6)
    later = ctx.now + timedelta(seconds=2)
    with pytest.raises(NotAuthenticatedError):
        services.users.log_in(db, later, "ACME", "wang", "still not it", HERE)
    other_process = open_database(db.url.render_as_string(hide_password=False))
    try:
        with pytest.raises(TooManyAttemptsError, match="try again in 4 seconds"):
            services.users.log_in(other_process, later, "ACME", "wang", PASSWORD, "198.51.100.9")
    finally:
        other_process.dispose()


def test_an_address_guessing_across_many_accounts_is_made_to_wait(db: Engine, ctx: Context) -> None:
    services.users.create(db, ctx, "wang", "viewer", PASSWORD)
    for number in range(21):
        _wrong(db, ctx, 1, user=f"guess-{number}")

    with pytest.raises(TooManyAttemptsError):
        services.users.log_in(db, ctx.now, "ACME", "wang", PASSWORD, HERE)
    services.users.log_in(db, ctx.now, "ACME", "wang", PASSWORD, "198.51.100.9")


def test_badge_scans_are_throttled_per_address_too(db: Engine, ctx: Context) -> None:
    services.users.create(db, ctx, "wang", "operator")
    services.users.set_badge(db, ctx, "wang", "CARD-0001")
    for number in range(21):
        with pytest.raises(NotAuthenticatedError):
            services.users.log_in_badge(db, ctx.now, "ACME", f"GUESS-{number:04}", HERE)

    with pytest.raises(TooManyAttemptsError):
        services.users.log_in_badge(db, ctx.now, "ACME", "CARD-0001", HERE)
    assert _types(db, ctx, "(unknown badge)")[-2:] == ["user.sign_in_failed", "user.locked_out"]


def test_failures_and_the_lockout_are_in_the_ledger_and_a_refused_wait_adds_nothing(
    db: Engine, ctx: Context
) -> None:
    services.users.create(db, ctx, "wang", "viewer", PASSWORD)
    _wrong(db, ctx, 6)
    with pytest.raises(TooManyAttemptsError):
        services.users.log_in(db, ctx.now, "ACME", "wang", PASSWORD, HERE)

    types = _types(db, ctx, "wang")
    assert types == ["user.created", *["user.sign_in_failed"] * 6, "user.locked_out"]
    with db.connect() as conn:
        lockout = store.ledger.list_for(conn, ctx.tenant_id, "wang")[-1]
    assert lockout.payload["by"] == "account"
    assert lockout.payload["address"] == HERE


def test_a_disabled_user_is_stopped_at_once_and_enabling_brings_the_token_back(
    db: Engine, ctx: Context
) -> None:
    services.users.create(db, ctx, "wang", "viewer", PASSWORD)
    token = services.users.create_token(db, ctx, "wang")
    session = services.users.log_in(db, ctx.now, "ACME", "wang", PASSWORD, HERE)

    services.users.disable(db, ctx, "wang")

    with pytest.raises(NotAuthenticatedError):
        services.users.authenticate(db, token, TokenKind.API, ctx.now)
    with pytest.raises(NotAuthenticatedError):
        services.users.authenticate(db, session, TokenKind.SESSION, ctx.now)
    with pytest.raises(NotAuthenticatedError, match="wang is disabled"):
        services.users.log_in(db, ctx.now, "ACME", "wang", PASSWORD, HERE)
    services.users.enable(db, ctx, "wang")
    assert services.users.authenticate(db, token, TokenKind.API, ctx.now).user_name == "wang"
    with pytest.raises(NotAuthenticatedError):  # sessions ended for good
        services.users.authenticate(db, session, TokenKind.SESSION, ctx.now)
    assert _types(db, ctx, "wang")[-2:] == ["user.disabled", "user.enabled"]


def test_an_admin_cannot_disable_themselves(db: Engine, ctx: Context) -> None:
    services.users.create(db, ctx, "boss", "admin")
    principal = services.users.authenticate(
        db, services.users.create_token(db, ctx, "boss"), TokenKind.API, ctx.now
    )
    me = Context(tenant_id=ctx.tenant_id, user_id=principal.user_id, now=ctx.now)

    with pytest.raises(ConflictError, match="cannot disable yourself"):
        services.users.disable(db, me, "boss")


def test_a_token_expires_after_its_days(db: Engine, ctx: Context) -> None:
    services.users.create(db, ctx, "robot", "operator")
    token = services.users.create_token(db, ctx, "robot", days=30)

    almost = ctx.now + timedelta(days=30) - timedelta(seconds=1)
    assert services.users.authenticate(db, token, TokenKind.API, almost).user_name == "robot"
    with pytest.raises(NotAuthenticatedError, match="expired"):
        services.users.authenticate(db, token, TokenKind.API, ctx.now + timedelta(days=30))
    with pytest.raises(InvalidInputError, match="at most 365 days"):
        services.users.create_token(db, ctx, "robot", days=400)


def test_tokens_are_listed_and_a_revoked_one_stops_working(db: Engine, ctx: Context) -> None:
    services.users.create(db, ctx, "robot", "operator")
    first = services.users.create_token(db, ctx, "robot")
    second = services.users.create_token(db, ctx, "robot")

    listed = services.users.list_tokens(db, ctx)
    revoked = services.users.revoke_token(db, ctx, listed[0].id)

    assert [(t.user_name, t.kind) for t in listed] == [("robot", TokenKind.API)] * 2
    assert listed[0].expires_at == ctx.now + timedelta(days=90)
    assert revoked.id == listed[0].id
    with pytest.raises(NotAuthenticatedError):
        services.users.authenticate(db, first, TokenKind.API, ctx.now)
    assert services.users.authenticate(db, second, TokenKind.API, ctx.now).user_name == "robot"
    assert _types(db, ctx, "robot")[-1] == "user.token_revoked"
    with pytest.raises(NotFoundError):
        services.users.revoke_token(db, ctx, listed[0].id)


def test_another_companys_token_cannot_be_listed_or_revoked(
    db: Engine, ctx: Context, other_ctx: Context
) -> None:
    services.users.create(db, other_ctx, "robot", "operator")
    token = services.users.create_token(db, other_ctx, "robot")
    theirs = services.users.list_tokens(db, other_ctx)[0]

    assert services.users.list_tokens(db, ctx) == []
    with pytest.raises(NotFoundError):
        services.users.revoke_token(db, ctx, theirs.id)
    assert services.users.authenticate(db, token, TokenKind.API, ctx.now).user_name == "robot"


def test_a_session_is_no_api_token_and_an_api_token_no_session(db: Engine, ctx: Context) -> None:
    services.users.create(db, ctx, "wang", "viewer", PASSWORD)
    token = services.users.create_token(db, ctx, "wang")
    session = services.users.log_in(db, ctx.now, "ACME", "wang", PASSWORD, HERE)

    with pytest.raises(NotAuthenticatedError):
        services.users.authenticate(db, session, TokenKind.API, ctx.now)
    with pytest.raises(NotAuthenticatedError):
        services.users.authenticate(db, token, TokenKind.SESSION, ctx.now)


def test_a_new_password_follows_the_rules_and_ends_the_sessions(db: Engine, ctx: Context) -> None:
    services.users.create(db, ctx, "wang", "viewer", PASSWORD)
    session = services.users.log_in(db, ctx.now, "ACME", "wang", PASSWORD, HERE)

    with pytest.raises(InvalidInputError, match="most common passwords"):
        services.users.set_password(db, ctx, "wang", "password123")
    services.users.set_password(db, ctx, "wang", "blue bike tall gear")

    with pytest.raises(NotAuthenticatedError):
        services.users.authenticate(db, session, TokenKind.SESSION, ctx.now)
    services.users.log_in(db, ctx.now, "ACME", "wang", "blue bike tall gear", HERE)
    assert _types(db, ctx, "wang")[-1] == "user.password_changed"


def test_a_short_or_common_password_is_refused_when_a_user_is_made(
    db: Engine, ctx: Context
) -> None:
    with pytest.raises(InvalidInputError, match="at least 10 characters"):
        services.users.create(db, ctx, "wang", "viewer", "s3cret")
    with pytest.raises(InvalidInputError, match="most common"):
        services.users.create(db, ctx, "wang", "viewer", "iloveyou12")
    assert services.users.list_all(db, ctx) == []


def test_counters_of_made_up_names_are_deleted_once_forgotten(db: Engine, ctx: Context) -> None:
    for number in range(3):
        _wrong(db, ctx, 1, user=f"made-up-{number}", address=f"198.51.100.{number}")
    with pytest.raises(NotAuthenticatedError):
        services.users.log_in(db, ctx.now + timedelta(hours=2), "ACME", "x", "wrong one!", HERE)

    with db.connect() as conn:
        left = conn.execute(sa.select(sa.func.count()).select_from(sign_in_failures)).scalar()
    assert left == 2  # the account "x" and this address: the rest were forgotten


def test_guesses_racing_from_several_server_processes_get_no_extra_tries(
    db: Engine, ctx: Context
) -> None:
    services.users.create(db, ctx, "wang", "viewer", PASSWORD)
    processes = [open_database(db.url.render_as_string(hide_password=False)) for _ in range(4)]

    def guess(number: int) -> str:
        try:
            engine = processes[number % len(processes)]
            services.users.log_in(engine, ctx.now, "ACME", "wang", "not it at all", HERE)
        except TooManyAttemptsError:
            return "wait"
        except NotAuthenticatedError:
            return "wrong"
        return "in"

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(guess, range(24)))
    finally:
        for engine in processes:
            engine.dispose()

    assert answers.count("wrong") == 6  # the 5 free failures and the one that starts the wait
    assert answers.count("wait") == 18
