"""What makes a password acceptable, and how long an API token lives."""

from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tracemes.domain.errors import InvalidInputError

MIN_PASSWORD_LENGTH = 10
MIN_PASSPHRASE_WORDS = 4  # "红 色 电动 车": a phrase of short words (Chinese ones are short)
MIN_PASSPHRASE_LENGTH = 8  # "a b c d" is not a phrase
MAX_PASSWORD_LENGTH = 1000  # argon2 hashes anything, but nobody types more


def check_password(password: str, user_name: str, common: Container[str]) -> str:
    """A password of at least 10 characters (or a phrase of 4 words), not one of the common
    ones, and not the user's name."""
    words = len(password.split())
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInputError("password", f"must have at most {MAX_PASSWORD_LENGTH} characters")
    is_phrase = words >= MIN_PASSPHRASE_WORDS and len(password) >= MIN_PASSPHRASE_LENGTH
    if len(password) < MIN_PASSWORD_LENGTH and not is_phrase:
        raise InvalidInputError(
            "password",
            f"must have at least {MIN_PASSWORD_LENGTH} characters, "
            f"or be a phrase of {MIN_PASSPHRASE_WORDS} words or more",
        )
    if password.strip().lower() == user_name.strip().lower():
        raise InvalidInputError("password", "must not be the user name")
    if password.lower() in common or password.strip().lower() in common:
        raise InvalidInputError(
            "password",
            "is one of the most common passwords; choose another",
            code="common_password",
        )
    return password


DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365


def token_expiry(created_at: datetime, days: int, max_days: int) -> datetime:
    """When a new API token stops working: `days` after creation, no more than `max_days`."""
    if days < 1:
        raise InvalidInputError("days", "a token must live at least 1 day")
    if days > max_days:
        raise InvalidInputError(
            "days", f"a token may live at most {max_days} days (TRACEMES_TOKEN_MAX_DAYS)"
        )
    return created_at + timedelta(days=days)


class TokenKind(StrEnum):
    """What a token is for: a script's API token, or a browser's session cookie."""

    API = "api"  # sent as `Authorization: Bearer ...`, never accepted as a cookie
    SESSION = "session"  # the sign-in cookie, never accepted as a bearer token


@dataclass(frozen=True, slots=True)
class Token:
    """An API token or session as an administrator sees it (never the secret)."""

    id: int
    user_name: str
    kind: TokenKind
    created_at: datetime
    expires_at: datetime
