"""People and their credentials, for administrators: disable a user, list and revoke tokens."""

from datetime import datetime

from fastapi import Response
from pydantic import BaseModel

from tracemes import services
from tracemes.api.deps import Admin, Db, api_router
from tracemes.domain.credentials import Token

router = api_router(tags=["users"])


@router.post("/users/{name}/disable", status_code=204)
def disable_user(name: str, db: Db, ctx: Admin) -> Response:
    """Stop a user at once: sign-in refused, sessions ended, API tokens inert."""
    services.users.disable(db, ctx, name)
    return Response(status_code=204)


@router.post("/users/{name}/enable", status_code=204)
def enable_user(name: str, db: Db, ctx: Admin) -> Response:
    """Let a disabled user sign in again; their unexpired API tokens work again."""
    services.users.enable(db, ctx, name)
    return Response(status_code=204)


class TokenOut(BaseModel):
    id: int
    user: str
    kind: str
    created_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, token: Token) -> "TokenOut":
        return cls(
            id=token.id,
            user=token.user_name,
            kind=token.kind.value,
            created_at=token.created_at,
            expires_at=token.expires_at,
        )


@router.get("/tokens")
def list_tokens(db: Db, ctx: Admin) -> list[TokenOut]:
    """The company's API tokens and browser sessions (never the secrets)."""
    return [TokenOut.of(token) for token in services.users.list_tokens(db, ctx)]


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: int, db: Db, ctx: Admin) -> Response:
    """End an API token or session at once."""
    services.users.revoke_token(db, ctx, token_id)
    return Response(status_code=204)
