"""Settings read from TRACEMES_* environment variables, once, at the edge."""

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "sqlite:///var/tracemes.db"


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the database is, where to serve, how browsers reach it, how long tokens live."""

    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    token_max_days: int = 365
    # The address users type, e.g. https://mes.example.cn: label QR codes point there, its
    # origin is accepted on forms, and https makes the cookies Secure and turns on HSTS.
    public_url: str = ""
    # Reverse proxies whose X-Forwarded-Proto is believed (their addresses, as the server
    # sees them); from anyone else the header is ignored.
    trusted_proxies: frozenset[str] = frozenset()

    @property
    def public_origin(self) -> str:
        """scheme://host[:port] of the public URL, or "" when none is set."""
        if not self.public_url:
            return ""
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @property
    def is_tls(self) -> bool:
        """Whether users reach the server over https (so cookies are Secure, HSTS is sent)."""
        return self.public_origin.startswith("https://")


def check_public_url(value: str) -> str:
    """The public URL without its trailing slash; refuse one that is not http(s)://host."""
    url = value.strip().rstrip("/")
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(
            f"TRACEMES_PUBLIC_URL must look like https://mes.example.cn, not {value!r}"
        )
    return url


def from_environment() -> Settings:
    """Settings from TRACEMES_DATABASE_URL, _HOST, _PORT, _PUBLIC_URL, _TRUSTED_PROXIES and
    _TOKEN_MAX_DAYS."""
    proxies = os.environ.get("TRACEMES_TRUSTED_PROXIES", "")
    return Settings(
        database_url=os.environ.get("TRACEMES_DATABASE_URL", DEFAULT_DATABASE_URL),
        host=os.environ.get("TRACEMES_HOST", "127.0.0.1"),
        port=int(os.environ.get("TRACEMES_PORT", "8000")),
        token_max_days=int(os.environ.get("TRACEMES_TOKEN_MAX_DAYS", "365")),
        public_url=check_public_url(os.environ.get("TRACEMES_PUBLIC_URL", "")),
        trusted_proxies=frozenset(p.strip() for p in proxies.split(",") if p.strip()),
    )
