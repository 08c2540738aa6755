"""Sign-in hardening through HTTP: the wait, disabling, tokens listed and revoked, and
sessions and API tokens kept apart."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import token_for
from tracemes import services
from tracemes.api.deps import SESSION_COOKIE
from tracemes.services.context import Context

PASSWORD = "correct horse"
PAGE = {"Accept": "text/html", "Accept-Language": "en"}


def _sign_in(client: TestClient, password: str) -> int:
    form = {"tenant": "ACME", "user": "wang", "password": password}
    return client.post("/login", data=form, headers=PAGE, follow_redirects=False).status_code


def test_after_failures_the_sign_in_page_answers_429_with_retry_after_even_when_right(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    services.users.create(db, ctx, "wang", "viewer", PASSWORD)
    assert [_sign_in(app_client, "wrong guess!") for _ in range(6)] == [401] * 6

    form = {"tenant": "ACME", "user": "wang", "password": PASSWORD}
    response = app_client.post("/login", data=form, headers=PAGE, follow_redirects=False)

    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert "Too many failed sign-ins: try again in 2 seconds (at 08:30:02 UTC)." in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_a_session_cookie_is_no_bearer_token_and_an_api_token_no_cookie(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    services.users.create(db, ctx, "wang", "viewer", PASSWORD)
    assert _sign_in(app_client, PASSWORD) == 303
    session = app_client.cookies[SESSION_COOKIE]
    assert app_client.get("/api/v1/items").status_code == 200
    app_client.cookies.clear()

    as_bearer = app_client.get("/api/v1/items", headers={"Authorization": f"Bearer {session}"})
    app_client.cookies.set(SESSION_COOKIE, token_for(db, ctx, "viewer"))
    as_cookie = app_client.get("/api/v1/items")

    assert as_bearer.status_code == 401
    assert as_cookie.status_code == 401


def test_a_disabled_user_gets_401_on_the_next_request(
    db: Engine, ctx: Context, client: TestClient
) -> None:
    services.users.create(db, ctx, "robot", "operator")
    robot = {"Authorization": f"Bearer {services.users.create_token(db, ctx, 'robot')}"}
    assert client.get("/api/v1/items", headers=robot).status_code == 200

    disabled = client.post("/api/v1/users/robot/disable")

    assert disabled.status_code == 204
    refused = client.get("/api/v1/items", headers=robot)
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"
    assert client.post("/api/v1/users/robot/enable").status_code == 204
    assert client.get("/api/v1/items", headers=robot).status_code == 200
    assert client.post("/api/v1/users/nobody/disable").status_code == 404


def test_an_admin_lists_and_revokes_tokens_and_the_revoked_one_stops(
    db: Engine, ctx: Context, client: TestClient
) -> None:
    services.users.create(db, ctx, "robot", "operator")
    robot = {"Authorization": f"Bearer {services.users.create_token(db, ctx, 'robot')}"}

    listed = client.get("/api/v1/tokens").json()
    mine = next(token for token in listed if token["user"] == "robot")
    revoked = client.delete(f"/api/v1/tokens/{mine['id']}")

    assert mine["kind"] == "api"
    assert mine["expires_at"] == "2026-06-14T08:30:00Z"
    assert "token_hash" not in mine
    assert revoked.status_code == 204
    assert client.get("/api/v1/items", headers=robot).status_code == 401
    assert client.delete(f"/api/v1/tokens/{mine['id']}").status_code == 404


def test_only_an_admin_manages_users_and_tokens(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    services.users.create(db, ctx, "robot", "operator")
    app_client.headers["Authorization"] = f"Bearer {token_for(db, ctx, 'engineer')}"

    assert app_client.get("/api/v1/tokens").status_code == 403
    assert app_client.post("/api/v1/users/robot/disable").status_code == 403
    assert app_client.delete("/api/v1/tokens/1").status_code == 403


def test_a_disabled_user_is_told_so_on_the_sign_in_page_only_with_the_right_password(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    services.users.create(db, ctx, "wang", "viewer", PASSWORD)
    services.users.disable(db, ctx, "wang")

    form = {"tenant": "ACME", "user": "wang"}
    right = app_client.post("/login", data={**form, "password": PASSWORD}, headers=PAGE)
    wrong = app_client.post("/login", data={**form, "password": "wrong guess!"}, headers=PAGE)

    assert right.status_code == 401
    assert "This user is disabled; ask an administrator." in right.text
    assert "disabled" not in wrong.text
    assert SESSION_COOKIE not in app_client.cookies


@pytest.mark.parametrize("token_id", [0, -1, 2**31, 3140196279827855360])
def test_revoking_a_token_id_no_record_can_have_is_not_found(
    client: TestClient, token_id: int
) -> None:
    refused = client.delete(f"/api/v1/tokens/{token_id}")

    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    assert client.get("/api/v1/tokens").status_code == 200  # the admin's own token still works
