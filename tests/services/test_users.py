"""Users, passwords, tokens and sessions."""

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.factories import statements_run
from tracemes import services
from tracemes.domain.credentials import TokenKind
from tracemes.domain.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidInputError,
    NotAuthenticatedError,
    NotFoundError,
)
from tracemes.domain.users import Role
from tracemes.services.context import Context
from tracemes.store.schema import metadata

ADDRESS = "192.0.2.7"
FRESH_ENOUGH = timedelta(seconds=4.999)


def test_a_token_identifies_its_user_tenant_and_role(db: Engine, ctx: Context) -> None:
    services.users.create(db, ctx, "li.wei", "operator")
    token = services.users.create_token(db, ctx, "li.wei")

    principal = services.users.authenticate(db, token, TokenKind.API, ctx.now)

    assert (principal.tenant_id, principal.user_name, principal.role) == (
        ctx.tenant_id,
        "li.wei",
        Role.OPERATOR,
    )


def test_an_unknown_token_is_refused(db: Engine, ctx: Context) -> None:
    with pytest.raises(NotAuthenticatedError, match="unknown or has expired"):
        services.users.authenticate(db, "tm_not-a-token", TokenKind.API, ctx.now)


def test_a_password_opens_a_session_that_expires(db: Engine, ctx: Context) -> None:
    services.users.create(db, ctx, "wang", "supervisor", password="s3cret horse 77")

    session = services.users.log_in(db, ctx.now, "ACME", "wang", "s3cret horse 77", ADDRESS)

    assert services.users.authenticate(db, session, TokenKind.SESSION, ctx.now).user_name == "wang"
    with pytest.raises(NotAuthenticatedError):
        services.users.authenticate(db, session, TokenKind.SESSION, ctx.now + timedelta(hours=13))


def test_signing_out_ends_the_session(db: Engine, ctx: Context) -> None:
    services.users.create(db, ctx, "wang", "supervisor", password="s3cret horse 77")
    session = services.users.log_in(db, ctx.now, "ACME", "wang", "s3cret horse 77", ADDRESS)

    services.users.log_out(db, session)

    with pytest.raises(NotAuthenticatedError):
        services.users.authenticate(db, session, TokenKind.SESSION, ctx.now)


@pytest.mark.parametrize(
    ("tenant", "user", "password"),
    [
        ("ACME", "wang", "wrong"),
        ("ACME", "nobody", "s3cret horse 77"),
        ("BETA", "wang", "s3cret horse 77"),
    ],
)
def test_a_wrong_company_user_or_password_gives_one_answer(
    db: Engine, ctx: Context, tenant: str, user: str, password: str
) -> None:
    services.users.create(db, ctx, "wang", "supervisor", password="s3cret horse 77")
    with pytest.raises(NotAuthenticatedError, match="unknown company, user or password"):
        services.users.log_in(db, ctx.now, tenant, user, password, ADDRESS)


def test_a_token_only_user_cannot_log_in_with_a_password(db: Engine, ctx: Context) -> None:
    services.users.create(db, ctx, "robot", "operator")
    with pytest.raises(NotAuthenticatedError):
        services.users.log_in(db, ctx.now, "ACME", "robot", "", ADDRESS)


def test_user_names_are_unique_per_tenant(db: Engine, ctx: Context, other_ctx: Context) -> None:
    services.users.create(db, ctx, "wang", "viewer")
    with pytest.raises(AlreadyExistsError):
        services.users.create(db, ctx, "wang", "admin")
    services.users.create(db, other_ctx, "wang", "admin")

    assert services.users.list_all(db, ctx) == [("wang", Role.VIEWER)]


def test_a_short_password_or_unknown_role_is_refused(db: Engine, ctx: Context) -> None:
    with pytest.raises(InvalidInputError, match="at least 10 characters"):
        services.users.create(db, ctx, "wang", "viewer", password="123")
    with pytest.raises(InvalidInputError, match="not one of"):
        services.users.create(db, ctx, "wang", "king")
    assert services.users.list_all(db, ctx) == []


def test_a_token_is_shown_once_and_stored_only_as_a_hash(db: Engine, ctx: Context) -> None:
    services.users.create(db, ctx, "wang", "viewer")
    token = services.users.create_token(db, replace(ctx), "wang")

    with db.connect() as conn:
        dump = "\n".join(str(row) for row in conn.exec_driver_sql("SELECT * FROM tokens"))
    assert token.startswith("tm_")
    assert token not in dump


def test_a_badge_opens_a_session_for_its_holder_only_in_its_company(
    db: Engine, ctx: Context, other_ctx: Context
) -> None:
    services.users.create(db, ctx, "wang", "operator")
    services.users.create(db, other_ctx, "li", "operator")
    services.users.set_badge(db, ctx, "wang", " CARD-0001 ")  # a scanner's spaces don't count
    services.users.set_badge(db, other_ctx, "li", "CARD-0002")
    session = services.users.log_in_badge(db, ctx.now, "ACME", "CARD-0001", ADDRESS)
    principal = services.users.authenticate(db, session, TokenKind.SESSION, ctx.now)
    assert (principal.user_name, principal.tenant_id) == ("wang", ctx.tenant_id)
    for company, badge in (("ACME", "CARD-0002"), ("BETA", "CARD-0001"), ("ACME", "card-0001")):
        with pytest.raises(NotAuthenticatedError, match="unknown company or badge"):
            services.users.log_in_badge(db, ctx.now, company, badge, ADDRESS)


def test_a_new_badge_replaces_the_old_and_one_badge_has_one_holder(
    db: Engine, ctx: Context
) -> None:
    services.users.create(db, ctx, "wang", "operator")
    services.users.create(db, ctx, "zhao", "inspector")
    services.users.set_badge(db, ctx, "wang", "CARD-0001")
    services.users.set_badge(db, ctx, "wang", "CARD-0009")  # lost card
    with pytest.raises(NotAuthenticatedError):
        services.users.log_in_badge(db, ctx.now, "ACME", "CARD-0001", ADDRESS)
    services.users.log_in_badge(db, ctx.now, "ACME", "CARD-0009", ADDRESS)
    with pytest.raises(ConflictError, match="already wang's") as taken:
        services.users.set_badge(db, ctx, "zhao", "CARD-0009")
    assert taken.value.code == "badge_in_use"
    with pytest.raises(InvalidInputError, match="at least 6"):
        services.users.set_badge(db, ctx, "zhao", "C-1")
    with pytest.raises(NotFoundError):
        services.users.set_badge(db, ctx, "nobody", "CARD-0003")


def test_the_badge_itself_is_not_stored(db: Engine, ctx: Context) -> None:
    services.users.create(db, ctx, "wang", "operator")
    services.users.set_badge(db, ctx, "wang", "CARD-0001")
    with db.connect() as conn:
        rows = [
            str(row)
            for table in metadata.sorted_tables
            for row in conn.execute(sa.select(table)).all()
        ]
    assert rows
    assert not [row for row in rows if "CARD-0001" in row]


def test_a_token_checked_a_moment_ago_is_not_asked_again_until_five_seconds_pass(
    db: Engine, ctx: Context
) -> None:
    services.users.create(db, ctx, "robot", "operator")
    token = services.users.create_token(db, ctx, "robot")
    services.users.authenticate(db, token, TokenKind.API, ctx.now)
    # Another server process disables the user: this process is not told.
    with db.begin() as conn:
        conn.execute(sa.update(metadata.tables["users"]).values(disabled_at=ctx.now))

    with statements_run(db) as seen:
        kept = services.users.authenticate(db, token, TokenKind.API, ctx.now + FRESH_ENOUGH)
    assert (kept.user_name, seen) == ("robot", [])
    with pytest.raises(NotAuthenticatedError):
        services.users.authenticate(db, token, TokenKind.API, ctx.now + timedelta(seconds=5))


def test_a_kept_token_stops_at_its_own_expiry_and_a_session_is_no_api_token(
    db: Engine, ctx: Context
) -> None:
    services.users.create(db, ctx, "robot", "operator")
    token = services.users.create_token(db, ctx, "robot", days=1)
    expires = ctx.now + timedelta(days=1)
    services.users.authenticate(db, token, TokenKind.API, expires - timedelta(seconds=1))

    with pytest.raises(NotAuthenticatedError):
        services.users.authenticate(db, token, TokenKind.API, expires)
    with pytest.raises(NotAuthenticatedError):
        services.users.authenticate(db, token, TokenKind.SESSION, expires - timedelta(seconds=1))


@pytest.mark.parametrize("change", ["revoke", "disable", "password", "language"])
def test_what_ends_or_changes_a_credential_here_is_seen_by_the_next_request(
    db: Engine, ctx: Context, change: str
) -> None:
    services.users.create(db, ctx, "robot", "operator", "correct horse")
    token = services.users.create_token(db, ctx, "robot")
    session = services.users.log_in(db, ctx.now, "ACME", "robot", "correct horse", ADDRESS)
    principal = services.users.authenticate(db, session, TokenKind.SESSION, ctx.now)
    services.users.authenticate(db, token, TokenKind.API, ctx.now)

    if change == "revoke":
        for listed in services.users.list_tokens(db, ctx):
            services.users.revoke_token(db, ctx, listed.id)
    elif change == "disable":
        services.users.disable(db, ctx, "robot")
    elif change == "password":
        services.users.set_password(db, ctx, "robot", "a new horse battery")
    else:
        services.users.set_language(db, ctx, principal, "en")

    if change == "language":
        assert services.users.authenticate(db, session, TokenKind.SESSION, ctx.now).language == "en"
        return
    with pytest.raises(NotAuthenticatedError):
        services.users.authenticate(db, session, TokenKind.SESSION, ctx.now)
    if change != "password":  # a new password ends sessions, not API tokens
        with pytest.raises(NotAuthenticatedError):
            services.users.authenticate(db, token, TokenKind.API, ctx.now)
