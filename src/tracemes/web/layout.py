"""The page layout: templates, filters, and the pages shown when a request is refused."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from tracemes import domain
from tracemes.api import deps
from tracemes.api.deps import SESSION_COOKIE
from tracemes.domain.errors import (
    ConflictError,
    DomainError,
    InvalidInputError,
)
from tracemes.domain.users import LANGUAGES, Permission, Principal
from tracemes.web import i18n

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def iso_time(value: datetime | None) -> str:
    """A time in UTC, ISO 8601, to the second (the `datetime` of a <time> element)."""
    if value is None:
        return ""
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def html_attributes(values: Mapping[str, object]) -> Markup:
    """Extra attributes of an input: True gives a bare one (required), False or None none."""
    parts = [
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in values.items()
        if value is not False and value is not None
    ]
    return Markup("".join(parts))


@jinja2.pass_context
def csrf_token(context: jinja2.runtime.Context) -> str:
    """The session's form token ("" before signing in), for forms and htmx headers."""
    request: Request = context["request"]
    session = request.cookies.get(SESSION_COOKIE)
    return deps.csrf_token_for(session) if session else ""


@jinja2.pass_context
def csrf_input(context: jinja2.runtime.Context) -> Markup:
    """The hidden field that proves a posted form came from a page of this site."""
    token = csrf_token(context)
    if not token:
        return Markup("")
    return Markup(f'<input type="hidden" name="{deps.CSRF_FIELD}" value="{escape(token)}">')


def can(user: Principal | None, permission: str) -> bool:
    """Whether the signed-in user's role allows an action, to show only usable forms."""
    return user is not None and domain.users.can(user.role, Permission(permission))


def _environment(language: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # One environment per language: the i18n extension binds `_` to one catalogue, and a
    # shared environment switched per request would mix languages between requests.
    env.install_gettext_translations(  # type: ignore[attr-defined]
        i18n.translations(language), newstyle=True
    )
    env.filters["decimal"] = lambda value: i18n.decimal_in(language, value)
    env.filters["utc"] = lambda value: i18n.time_in(language, value)
    env.filters["percent"] = lambda value: i18n.percent_in(language, value)
    env.filters["clock"] = lambda value, zone: i18n.clock_in(language, value, zone)
    env.filters["days_after"] = lambda day, n: (day + timedelta(days=n)).isoformat()
    env.filters["iso"] = iso_time  # for machines: <time datetime="...">
    env.filters["attributes"] = html_attributes
    env.globals["can"] = can
    env.globals["csrf_token"] = csrf_token
    env.globals["csrf_input"] = csrf_input
    env.globals["language"] = language
    env.globals["languages"] = i18n.NAMES
    return env


templates = {language: Jinja2Templates(env=_environment(language)) for language in LANGUAGES}


def is_htmx(request: Request) -> bool:
    """Whether htmx sent this request, so a partial answers it rather than a whole page."""
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    name: str,
    values: Mapping[str, object] | None = None,
    *,
    user: Principal | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A template rendered for the signed-in user (None on the sign-in and error pages)."""
    context: dict[str, object] = {"user": user, **(values or {})}
    language = i18n.language_of(request, user)
    response = templates[language].TemplateResponse(
        request, name, context, status_code=status_code, headers=headers
    )
    response.headers["Content-Language"] = language.replace("_", "-")
    return response


# Refusals a form shows next to itself; the rest (not found, forbidden) get an error page.
FORM_REFUSALS = (InvalidInputError, ConflictError)


def refusal_status(error: DomainError) -> int:
    """The status the API gives the same refusal: 422 for bad input, 409 for a conflict."""
    return 422 if isinstance(error, InvalidInputError) else 409


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """A friendly page for a refusal; for htmx, a message swapped into the page's alert area."""
    values = {"status": status, "message": message}
    if is_htmx(request):
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        return render(request, "errors/_message.html", values, status_code=status, headers=headers)
    return render(request, "errors/page.html", values, status_code=status)


def inline_file(body: bytes | str, media_type: str, name: str) -> Response:
    """A document the browser shows (a PDF) or saves under `name`."""
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'inline; filename="{quote(name)}"'},
    )
