"""Users, passwords, API tokens and browser sessions."""

import functools
import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.credentials import Token, TokenKind
from tracemes.domain.errors import (
    AlreadyExistsError,
    ConflictError,
    DomainError,
    NotAuthenticatedError,
    NotFoundError,
    UserDisabledError,
)
from tracemes.domain.event_types import EventType
from tracemes.domain.sign_in import Backoff
from tracemes.domain.users import Principal, Role
from tracemes.services import recent_tokens
from tracemes.services.context import Context
from tracemes.store.users import StoredUser

SESSION_LIFETIME = timedelta(hours=12)
_hasher = PasswordHasher()
# Verified when the user is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password")


def _token_hash(raw: str) -> str:
    # Tokens are 256 random bits, so a fast hash is safe; passwords get argon2 instead.
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_token() -> str:
    return "tm_" + secrets.token_urlsafe(32)


@functools.cache
def _common_passwords() -> frozenset[str]:
    # The 30,000 most common passwords (from leaked sets) that zxcvbn ships; read once.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _checked_password(password: str, user_name: str) -> str:
    return domain.credentials.check_password(password, user_name, _common_passwords())


def create(
    db: Engine,
    ctx: Context,
    name: str,
    role: str,
    password: str | None = None,
    *,
    demo: bool = False,
) -> Role:
    """Add a user to the tenant; without a password they can only use API tokens.

    `demo` lets the demo seed give its users the documented password "demo", which the
    password rules would refuse; nothing else passes it.
    """
    name = domain.codes.check("name", name)
    checked_role = domain.users.parse_role(role)
    if password is not None and not demo:
        _checked_password(password, name)
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
        store.ledger.append(
            conn, ctx.event(EventType.USER_CREATED, name, {"role": checked_role.value})
        )
    return checked_role


def _user(conn: Connection, ctx: Context, name: str) -> StoredUser:
    user = store.users.get(conn, ctx.tenant_id, name)
    if user is None:
        raise NotFoundError("user", name)
    return user


def set_password(db: Engine, ctx: Context, user_name: str, password: str) -> None:
    """Give a user a new password; their open sessions end (tokens stay)."""
    _checked_password(password, user_name)
    with db.begin() as conn:
        user = _user(conn, ctx, user_name)
        store.users.set_password_hash(conn, ctx.tenant_id, user.id, _hasher.hash(password))
        store.users.delete_tokens_of(conn, ctx.tenant_id, user.id, TokenKind.SESSION)
        store.ledger.append(conn, ctx.event(EventType.USER_PASSWORD_CHANGED, user_name))
    recent_tokens.forget(db)


def disable(db: Engine, ctx: Context, user_name: str) -> None:
    """Stop a user at once: no sign-in, their sessions end, their API tokens stop working."""
    with db.begin() as conn:
        user = _user(conn, ctx, user_name)
        if ctx.user_id == user.id:
            raise ConflictError("you cannot disable yourself", code="own_account")
        if user.disabled_at is not None:
            return
        store.users.set_disabled(conn, ctx.tenant_id, user.id, ctx.now)
        ended = store.users.delete_tokens_of(conn, ctx.tenant_id, user.id, TokenKind.SESSION)
        store.ledger.append(
            conn, ctx.event(EventType.USER_DISABLED, user_name, {"sessions_ended": ended})
        )
    recent_tokens.forget(db)


def enable(db: Engine, ctx: Context, user_name: str) -> None:
    """Let a disabled user sign in again; their unexpired API tokens work again."""
    with db.begin() as conn:
        user = _user(conn, ctx, user_name)
        if user.disabled_at is None:
            return
        store.users.set_disabled(conn, ctx.tenant_id, user.id, None)
        store.ledger.append(conn, ctx.event(EventType.USER_ENABLED, user_name))


def create_token(
    db: Engine,
    ctx: Context,
    user_name: str,
    days: int = domain.credentials.DEFAULT_TOKEN_DAYS,
    max_days: int = domain.credentials.MAX_TOKEN_DAYS,
) -> str:
    """A new API token for a user, valid for `days`; only its hash is kept, so it is shown
    this once."""
    expires_at = domain.credentials.token_expiry(ctx.now, days, max_days)
    raw = _new_token()
    with db.begin() as conn:
        user = _user(conn, ctx, user_name)
        token_id = store.users.add_token(
            conn, ctx.tenant_id, user.id, _token_hash(raw), TokenKind.API, ctx.now, expires_at
        )
        payload = {"token": token_id, "expires_at": expires_at.isoformat()}
        store.ledger.append(conn, ctx.event(EventType.USER_TOKEN_CREATED, user_name, payload))
    return raw


def list_tokens(db: Engine, ctx: Context) -> list[Token]:
    """The tenant's API tokens and open sessions (expired ones too, until revoked)."""
    with store.db.reading(db) as conn:
        return store.users.list_tokens(conn, ctx.tenant_id)


def revoke_token(db: Engine, ctx: Context, token_id: int) -> Token:
    """End an API token or session at once."""
    if not 0 < token_id <= domain.numbers.MAX_ID:  # the database would refuse to look
        raise NotFoundError("token", token_id)
    with db.begin() as conn:
        token = store.users.get_token(conn, ctx.tenant_id, token_id)
        if token is None:
            raise NotFoundError("token", token_id)
        store.users.delete_token_by_id(conn, ctx.tenant_id, token_id)
        payload = {"token": token_id, "kind": token.kind.value}
        store.ledger.append(conn, ctx.event(EventType.USER_TOKEN_REVOKED, token.user_name, payload))
    recent_tokens.forget(db)
    return token


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
        store.ledger.append(conn, ctx.event(EventType.USER_BADGE_SET, user_name))


def _key(*parts: str) -> str:
    # Hashed: the counters keep no user names or addresses in the clear.
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _refuse_while_waiting(
    conn: Connection, counters: list[tuple[str, Backoff]], now: datetime, *, lock: bool
) -> None:
    """Refuse any try, right or wrong, while an account or address waits out its backoff.

    With `lock`, the counters stay locked to the end of the transaction, so that concurrent
    tries are decided one after the other and none slips past the count.
    """
    read = functools.partial(store.sign_in.lock, now=now) if lock else store.sign_in.get
    waits = [
        allowed_at
        for key, rule in counters
        if (allowed_at := domain.sign_in.retry_at(read(conn, key), rule, now))
    ]
    if waits:
        raise domain.sign_in.refuse_until(max(waits), now)


def _count_failure(
    conn: Connection,
    now: datetime,
    counters: list[tuple[str, Backoff]],
    tenant_id: int | None,
    subject: str,
    method: str,
    address: str,
) -> None:
    """Count a failed try against each counter, and put it (and a lockout it starts) in the
    company's ledger when the company is known."""
    forgotten = now - max(rule.forget_after for _, rule in counters)
    store.sign_in.delete_older(conn, forgotten)
    counted = []
    for key, rule in counters:
        failures = domain.sign_in.after_failure(store.sign_in.get(conn, key), rule, now)
        store.sign_in.set_failures(conn, key, failures)
        counted.append((rule, failures))
    if tenant_id is None:
        return
    ctx = Context(tenant_id=tenant_id, user_id=None, now=now)
    payload: dict[str, object] = {
        "method": method,
        "address": address,
        "failures": counted[0][1].count,
    }
    store.ledger.append(conn, ctx.event(EventType.USER_SIGN_IN_FAILED, subject, payload))
    for rule, failures in counted:
        if domain.sign_in.starts_waiting(failures, rule):
            retry = failures.last_failed_at + domain.sign_in.wait_after(failures.count, rule)
            lockout = {
                "by": "account" if rule is domain.sign_in.ACCOUNT else "address",
                "address": address,
                "failures": failures.count,
                "retry_at": retry.isoformat(),
            }
            store.ledger.append(conn, ctx.event(EventType.USER_LOCKED_OUT, subject, lockout))


UNKNOWN_BADGE = "(unknown badge)"  # the ledger subject of a refused badge scan


def log_in_badge(db: Engine, now: datetime, tenant_code: str, badge: str, address: str) -> str:
    """Open a browser session for the holder of a scanned badge; return the session token.

    Failed scans are counted per client address (a badge names no account until it
    matches); past the free ones every scan waits, even a good one.
    """
    counters = [(_key("address", address), domain.sign_in.ADDRESS)]
    refusal: DomainError | None = None
    with db.begin() as conn:
        _refuse_while_waiting(conn, counters, now, lock=True)
        tenant = store.tenants.get_by_code(conn, tenant_code)
        user = store.users.get_by_badge(conn, tenant.id, _badge_hash(badge)) if tenant else None
        if user is None:
            tenant_id = tenant.id if tenant else None
            _count_failure(conn, now, counters, tenant_id, UNKNOWN_BADGE, "badge", address)
            refusal = NotAuthenticatedError("unknown company or badge")
        elif user.disabled_at is not None:
            refusal = UserDisabledError(f"user {user.name} is disabled; ask an administrator")
        else:
            raw = _open_session(conn, user, now)
    if refusal is not None:
        raise refusal
    return raw


def _open_session(conn: Connection, user: StoredUser, now: datetime) -> str:
    """A new browser session for a user who has proved who they are; its raw token."""
    raw = _new_token()
    store.users.add_token(
        conn,
        user.tenant_id,
        user.id,
        _token_hash(raw),
        TokenKind.SESSION,
        now,
        now + SESSION_LIFETIME,
    )
    return raw


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def log_in(
    db: Engine, now: datetime, tenant_code: str, user_name: str, password: str, address: str
) -> str:
    """Check a password and open a browser session; return the session token.

    Failures are counted per account and per client address; past the free ones each try
    waits longer (domain.sign_in), and a try during the wait is refused unchecked, even with
    the right password.
    """
    account = _key("account", tenant_code, user_name)
    counters = [
        (account, domain.sign_in.ACCOUNT),
        (_key("address", address), domain.sign_in.ADDRESS),
    ]
    # First a read: a try during the wait is refused before any password is checked, and
    # the slow argon2 check below holds no write lock (on SQLite: the whole database).
    with store.db.reading(db) as conn:
        _refuse_while_waiting(conn, counters, now, lock=False)
        tenant = store.tenants.get_by_code(conn, tenant_code)
        user = store.users.get(conn, tenant.id, user_name) if tenant else None
    if user is None or user.password_hash is None:
        _verify(_DUMMY_HASH, "")  # same cost as a real check; always false
        right = False
    else:
        right = _verify(user.password_hash, password)
    refusal: DomainError | None = None
    with db.begin() as conn:
        # Decided again with the counters locked: tries racing from other processes have
        # been counted meanwhile, and past the free ones even a right password waits.
        _refuse_while_waiting(conn, counters, now, lock=True)
        if user is None or user.password_hash is None:
            _count_failure(conn, now, counters, None, user_name, "password", address)
            refusal = NotAuthenticatedError("unknown company, user or password")
        elif not right:
            _count_failure(conn, now, counters, user.tenant_id, user.name, "password", address)
            refusal = NotAuthenticatedError("unknown company, user or password")
        elif user.disabled_at is not None:
            refusal = UserDisabledError(f"user {user.name} is disabled; ask an administrator")
        else:
            if _hasher.check_needs_rehash(user.password_hash):
                new_hash = _hasher.hash(password)
                store.users.set_password_hash(conn, user.tenant_id, user.id, new_hash)
            store.sign_in.clear(conn, account)
            raw = _open_session(conn, user, now)
    if refusal is not None:
        raise refusal
    return raw


def log_out(db: Engine, raw_token: str) -> None:
    """End a browser session."""
    with db.begin() as conn:
        store.users.delete_token(conn, _token_hash(raw_token))
    recent_tokens.forget(db)


def recently_authenticated(
    db: Engine, raw_token: str, kind: TokenKind, now: datetime
) -> Principal | None:
    """Who holds this token, if `authenticate` found it valid a moment ago; no query."""
    return recent_tokens.holder(db, _token_hash(raw_token), kind, now)


def authenticate(db: Engine, raw_token: str, kind: TokenKind, now: datetime) -> Principal:
    """Who holds this API token (kind api) or session (kind session), or a refusal: a
    session is no API token and an API token no session."""
    token_hash = _token_hash(raw_token)
    known = recent_tokens.holder(db, token_hash, kind, now)
    if known is not None:
        return known
    with store.db.reading(db) as conn:
        found = store.users.principal_for_token(conn, token_hash, kind, now)
    if found is None:
        raise NotAuthenticatedError("the token is unknown or has expired")
    principal, expires_at = found
    recent_tokens.keep(db, token_hash, kind, principal, now, expires_at)
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
            conn, ctx.event(EventType.USER_LANGUAGE_SET, principal.user_name, {"language": chosen})
        )
    recent_tokens.forget(db)
