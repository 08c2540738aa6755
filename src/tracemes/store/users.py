"""Users, and the hashed tokens and sessions they sign in with."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.credentials import Token, TokenKind
from tracemes.domain.users import Principal, Role
from tracemes.store.chunks import TENANT, VALUES, rows_in
from tracemes.store.schema import tokens, users


@dataclass(frozen=True, slots=True)
class StoredUser:
    """A user row with its password hash (never leaves the services layer)."""

    id: int
    tenant_id: int
    name: str
    role: Role
    password_hash: str | None
    disabled_at: datetime | None = None


def get(conn: Connection, tenant_id: int, name: str) -> StoredUser | None:
    """The user of a tenant with this name."""
    row = (
        conn.execute(sa.select(users).where(users.c.tenant_id == tenant_id, users.c.name == name))
        .mappings()
        .one_or_none()
    )
    return _user(row) if row else None


def get_by_badge(conn: Connection, tenant_id: int, badge_hash: str) -> StoredUser | None:
    """The user of a tenant who carries this badge."""
    row = (
        conn.execute(
            sa.select(users).where(users.c.tenant_id == tenant_id, users.c.badge_hash == badge_hash)
        )
        .mappings()
        .one_or_none()
    )
    return _user(row) if row else None


def set_badge_hash(conn: Connection, tenant_id: int, user_id: int, badge_hash: str) -> None:
    """Give a user a (new) badge; the old one stops working."""
    conn.execute(
        sa.update(users)
        .where(users.c.tenant_id == tenant_id, users.c.id == user_id)
        .values(badge_hash=badge_hash)
    )


def list_all(conn: Connection, tenant_id: int) -> list[StoredUser]:
    """A tenant's users by name."""
    rows = conn.execute(
        sa.select(users).where(users.c.tenant_id == tenant_id).order_by(users.c.name)
    ).mappings()
    return [_user(row) for row in rows]


_USER_IDS = sa.select(users.c.name, users.c.id).where(
    users.c.tenant_id == TENANT, users.c.name.in_(VALUES)
)


def ids_by_name(conn: Connection, tenant_id: int, names: set[str]) -> dict[str, int]:
    """Surrogate ids of a tenant's users by name (those that exist)."""
    rows = rows_in(conn, _USER_IDS, tenant_id, sorted(names))
    return {name: int(user_id) for name, user_id in rows}


def add(
    conn: Connection,
    tenant_id: int,
    name: str,
    role: Role,
    password_hash: str | None,
    created_at: datetime,
) -> int:
    """Store a user and return its id."""
    result = conn.execute(
        sa.insert(users)
        .values(
            tenant_id=tenant_id,
            name=name,
            role=role.value,
            password_hash=password_hash,
            created_at=created_at,
        )
        .returning(users.c.id)
    )
    return int(result.scalar_one())


def set_password_hash(conn: Connection, tenant_id: int, user_id: int, password_hash: str) -> None:
    """Replace a user's password hash (after a rehash or a reset)."""
    conn.execute(
        sa.update(users)
        .where(users.c.tenant_id == tenant_id, users.c.id == user_id)
        .values(password_hash=password_hash)
    )


def add_token(
    conn: Connection,
    tenant_id: int,
    user_id: int,
    token_hash: str,
    kind: str,
    created_at: datetime,
    expires_at: datetime,
) -> int:
    """Store the hash of a new API token or session; return its id."""
    result = conn.execute(
        sa.insert(tokens)
        .values(
            tenant_id=tenant_id,
            user_id=user_id,
            token_hash=token_hash,
            kind=kind,
            created_at=created_at,
            expires_at=expires_at,
        )
        .returning(tokens.c.id)
    )
    return int(result.scalar_one())


# Built once: every request runs it, and building it cost twice as long as running it.
_PRINCIPAL = (
    sa.select(
        users.c.tenant_id,
        users.c.id,
        users.c.name,
        users.c.role,
        users.c.language,
        tokens.c.expires_at,
    )
    .select_from(tokens.join(users, tokens.c.user_id == users.c.id))
    .where(
        tokens.c.token_hash == sa.bindparam("token_hash"),
        tokens.c.kind == sa.bindparam("kind"),
        tokens.c.tenant_id == users.c.tenant_id,
        tokens.c.expires_at > sa.bindparam("now"),
        users.c.disabled_at.is_(None),
    )
)


def principal_for_token(
    conn: Connection, token_hash: str, kind: str, now: datetime
) -> tuple[Principal, datetime] | None:
    """Who holds a token of this kind ("api" or "session") that has not expired, while the
    user is not disabled, and when the token expires."""
    row = conn.execute(
        _PRINCIPAL, {"token_hash": token_hash, "kind": kind, "now": now}
    ).one_or_none()
    if row is None:
        return None
    principal = Principal(
        tenant_id=row[0], user_id=row[1], user_name=row[2], role=Role(row[3]), language=row[4]
    )
    return principal, row[5]


def set_language(conn: Connection, tenant_id: int, user_id: int, language: str) -> None:
    """Remember a user's page language."""
    conn.execute(
        sa.update(users)
        .where(users.c.tenant_id == tenant_id, users.c.id == user_id)
        .values(language=language)
    )


def delete_token(conn: Connection, token_hash: str) -> None:
    """End a session (sign-out). Tokens are credentials, not history, so they may go."""
    conn.execute(sa.delete(tokens).where(tokens.c.token_hash == token_hash))


def _user(row: sa.RowMapping) -> StoredUser:
    return StoredUser(
        id=row["id"],
        tenant_id=row["tenant_id"],
        name=row["name"],
        role=Role(row["role"]),
        password_hash=row["password_hash"],
        disabled_at=row["disabled_at"],
    )


def set_disabled(
    conn: Connection, tenant_id: int, user_id: int, disabled_at: datetime | None
) -> None:
    """Disable a user from `disabled_at`, or enable them again (None)."""
    conn.execute(
        sa.update(users)
        .where(users.c.tenant_id == tenant_id, users.c.id == user_id)
        .values(disabled_at=disabled_at)
    )


def delete_tokens_of(conn: Connection, tenant_id: int, user_id: int, kind: str) -> int:
    """End every token of one kind a user holds (their sessions on disabling); return how many."""
    result = conn.execute(
        sa.delete(tokens).where(
            tokens.c.tenant_id == tenant_id, tokens.c.user_id == user_id, tokens.c.kind == kind
        )
    )
    return result.rowcount


def list_tokens(conn: Connection, tenant_id: int) -> list[Token]:
    """A tenant's tokens and sessions, by user and age."""
    rows = conn.execute(
        sa.select(
            tokens.c.id, users.c.name, tokens.c.kind, tokens.c.created_at, tokens.c.expires_at
        )
        .select_from(tokens.join(users, tokens.c.user_id == users.c.id))
        .where(tokens.c.tenant_id == tenant_id, users.c.tenant_id == tenant_id)
        .order_by(users.c.name, tokens.c.created_at, tokens.c.id)
    )
    return [_token(row) for row in rows]


def get_token(conn: Connection, tenant_id: int, token_id: int) -> Token | None:
    """One token of a tenant."""
    row = conn.execute(
        sa.select(
            tokens.c.id, users.c.name, tokens.c.kind, tokens.c.created_at, tokens.c.expires_at
        )
        .select_from(tokens.join(users, tokens.c.user_id == users.c.id))
        .where(tokens.c.tenant_id == tenant_id, tokens.c.id == token_id)
    ).one_or_none()
    return _token(row) if row else None


def delete_token_by_id(conn: Connection, tenant_id: int, token_id: int) -> None:
    """Revoke one token of a tenant."""
    conn.execute(sa.delete(tokens).where(tokens.c.tenant_id == tenant_id, tokens.c.id == token_id))


def _token(row: sa.Row[Any, Any, Any, Any, Any]) -> Token:
    return Token(
        id=row[0], user_name=row[1], kind=TokenKind(row[2]), created_at=row[3], expires_at=row[4]
    )
