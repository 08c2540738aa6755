"""Users, passwords, API tokens and browser sessions."""

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.errors import (
    AlreadyExistsError,
    ConflictError,
    NotAuthenticatedError,
    NotFoundError,
)
from tracemes.domain.users import Principal, Role
from tracemes.services.context import Context

SESSION_LIFETIME = timedelta(hours=12)
_hasher = PasswordHasher()
# Verified when the user is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password")


def _token_hash(raw: str) -> str:
    # Tokens are 256 random bits, so a fast hash is safe; passwords get argon2 instead.
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_token() -> str:
    return "tm_" + secrets.token_urlsafe(32)


def create(db: Engine, ctx: Context, name: str, role: str, password: str | None = None) -> Role:
    """Add a user to the tenant; without a password they can only use API tokens."""
    name = domain.codes.check("name", name)
    checked_role = domain.users.parse_role(role)
    if password is not None and len(password) < 4:
        raise domain.errors.InvalidInputError("password", "must have at least 4 characters")
    with db.begin() as conn:
        if store.users.get(conn, ctx.tenant_id, name) is not None:
            raise AlreadyExistsError("user", name)
        store.users.add(
            conn,
            ctx.tenant_id,
            name,
            checked_role,
            _hasher.hash(password) if password else None,
            ctx.now,
        )
        store.ledger.append(conn, ctx.event("user.created", name, {"role": checked_role.value}))
    return checked_role


def create_token(db: Engine, ctx: Context, user_name: str) -> str:
    """A new API token for a user; only its hash is kept, so it is shown this once."""
    raw = _new_token()
    with db.begin() as conn:
        user = store.users.get(conn, ctx.tenant_id, user_name)
        if user is None:
            raise NotFoundError("user", user_name)
        store.users.add_token(
            conn, ctx.tenant_id, user.id, _token_hash(raw), "api", ctx.now, expires_at=None
        )
        store.ledger.append(conn, ctx.event("user.token_created", user_name))
    return raw


def _badge_hash(badge: str) -> str:
    return hashlib.sha256(badge.strip().encode()).hexdigest()


def set_badge(db: Engine, ctx: Context, user_name: str, badge: str) -> None:
    """Give a user the badge card they sign in with at a station (a scan instead of a
    password). Only its hash is kept; a badge belongs to one user of the tenant."""
    badge = badge.strip()
    if len(badge) < 6:
        raise domain.errors.InvalidInputError("badge", "must have at least 6 characters")
    with db.begin() as conn:
        user = store.users.get(conn, ctx.tenant_id, user_name)
        if user is None:
            raise NotFoundError("user", user_name)
        holder = store.users.get_by_badge(conn, ctx.tenant_id, _badge_hash(badge))
        if holder is not None and holder.id != user.id:
            raise ConflictError(f"the badge is already {holder.name}'s", code="badge_in_use")
        store.users.set_badge_hash(conn, ctx.tenant_id, user.id, _badge_hash(badge))
        store.ledger.append(conn, ctx.event("user.badge_set", user_name))


def log_in_badge(db: Engine, now: datetime, tenant_code: str, badge: str) -> str:
    """Open a browser session for the holder of a scanned badge; return the session token."""
    with db.begin() as conn:
        tenant = store.tenants.get_by_code(conn, tenant_code)
        user = store.users.get_by_badge(conn, tenant.id, _badge_hash(badge)) if tenant else None
        if user is None:
            raise NotAuthenticatedError("unknown company or badge")
        raw = _new_token()
        store.users.add_token(
            conn, user.tenant_id, user.id, _token_hash(raw), "session", now, now + SESSION_LIFETIME
        )
    return raw


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def log_in(db: Engine, now: datetime, tenant_code: str, user_name: str, password: str) -> str:
    """Check a password and open a browser session; return the session token."""
    with db.begin() as conn:
        tenant = store.tenants.get_by_code(conn, tenant_code)
        user = store.users.get(conn, tenant.id, user_name) if tenant else None
        if user is None or user.password_hash is None:
            _verify(_DUMMY_HASH, "")  # same cost as a real check; always false
            raise NotAuthenticatedError("unknown company, user or password")
        if not _verify(user.password_hash, password):
            raise NotAuthenticatedError("unknown company, user or password")
        if _hasher.check_needs_rehash(user.password_hash):
            store.users.set_password_hash(conn, user.tenant_id, user.id, _hasher.hash(password))
        raw = _new_token()
        store.users.add_token(
            conn, user.tenant_id, user.id, _token_hash(raw), "session", now, now + SESSION_LIFETIME
        )
    return raw


def log_out(db: Engine, raw_token: str) -> None:
    """End a browser session."""
    with db.begin() as conn:
        store.users.delete_token(conn, _token_hash(raw_token))


def authenticate(db: Engine, raw_token: str, now: datetime) -> Principal:
    """Who holds this token or session, or a refusal."""
    with store.db.reading(db) as conn:
        principal = store.users.principal_for_token(conn, _token_hash(raw_token), now)
    if principal is None:
        raise NotAuthenticatedError("the token is unknown or has expired")
    return principal


def list_all(db: Engine, ctx: Context) -> list[tuple[str, Role]]:
    """The tenant's users and their roles."""
    with store.db.reading(db) as conn:
        return [(user.name, user.role) for user in store.users.list_all(conn, ctx.tenant_id)]


def set_language(db: Engine, ctx: Context, principal: Principal, language: str) -> None:
    """Remember the page language a user chose; pages follow it on every device."""
    chosen = domain.users.check_language(language)
    with db.begin() as conn:
        store.users.set_language(conn, ctx.tenant_id, principal.user_id, chosen)
        store.ledger.append(
            conn, ctx.event("user.language_set", principal.user_name, {"language": chosen})
        )
