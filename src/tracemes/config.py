"""Settings read from TRACEMES_* environment variables, once, at the edge."""

import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///var/tracemes.db"


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the database is, where to serve, and how long API tokens live."""

    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    token_max_days: int = 365


def from_environment() -> Settings:
    """Settings from TRACEMES_DATABASE_URL, TRACEMES_HOST, TRACEMES_PORT and
    TRACEMES_TOKEN_MAX_DAYS."""
    return Settings(
        database_url=os.environ.get("TRACEMES_DATABASE_URL", DEFAULT_DATABASE_URL),
        host=os.environ.get("TRACEMES_HOST", "127.0.0.1"),
        port=int(os.environ.get("TRACEMES_PORT", "8000")),
        token_max_days=int(os.environ.get("TRACEMES_TOKEN_MAX_DAYS", "365")),
    )
