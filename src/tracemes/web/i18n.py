"""Page languages: Chinese first, English too.

The catalogues are Babel `.po` files in `web/translations/`, read once when the pages are
set up (no compiled `.mo` files in the repository). A page's language is the signed-in
user's choice, else the one this browser picked on the sign-in page (a cookie), else the
browser's Accept-Language, else Chinese.
"""

import io
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, negotiate_locale
from babel.dates import format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations
from fastapi import Request

from tracemes.domain.users import LANGUAGES, Principal

TRANSLATIONS = Path(__file__).parent / "translations"
DEFAULT = LANGUAGES[0]
COOKIE = "tracemes_lang"
NAMES = {"zh_CN": "中文", "en": "English"}  # each language in its own words, for the switch


@cache
def translations(language: str) -> Translations:
    """The catalogue of a language (English is the source text: an empty catalogue)."""
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def language_of(request: Request, user: Principal | None) -> str:
    """The language to answer this request in."""
    if user is not None and user.language in LANGUAGES:
        return user.language
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return from_header(request.headers.get("accept-language", ""))


def from_header(header: str) -> str:
    """The best of our languages for an Accept-Language header ("zh-CN,zh;q=0.9,en;q=0.8")."""
    wanted = []
    for part in header.split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        if tag:
            wanted.append((weight, tag.replace("-", "_")))
    preferred = [tag for _, tag in sorted(wanted, key=lambda w: -w[0])]
    # "zh" alone, "zh_Hans" or "zh_TW" readers get Simplified Chinese before English.
    preferred = [("zh_CN" if tag.lower().startswith("zh") else tag) for tag in preferred]
    found = negotiate_locale(preferred, list(LANGUAGES), sep="_")
    return found or DEFAULT


def decimal_in(language: str, value: Decimal | None) -> str:
    """A quantity as the language writes numbers (grouping, decimal sign), exact."""
    if value is None:
        return ""
    return format_decimal(
        value.normalize(), locale=Locale.parse(language), decimal_quantization=False
    )


def time_in(language: str, value: datetime | None) -> str:
    """A time, shown as the language writes dates and times (in UTC, as the pages say)."""
    if value is None:
        return ""
    return format_datetime(value, "medium", tzinfo=None, locale=Locale.parse(language))


def percent_in(language: str, value: Decimal | None) -> str:
    """A ratio as a percentage to one place (99.5 %), or a dash when there is none yet."""
    if value is None:
        return "—"
    return format_percent(value, "#,##0.0%", locale=Locale.parse(language))


def clock_in(language: str, value: datetime, timezone: str) -> str:
    """A time of day where the plant is, as the language writes it."""
    return format_time(value, "medium", tzinfo=ZoneInfo(timezone), locale=Locale.parse(language))
