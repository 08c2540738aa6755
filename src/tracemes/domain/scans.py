"""What a scanner typed into a station's scan field: a GS1 label, a Digital Link or plain text.

GS1 is recognised only where the scan says so, because a numeric serial can look like an
element string: a GS1 symbology identifier (``]C1``, ``]d2``, ``]Q3``...), bracketed AIs
``(01)...``, a group separator (``\\x1d``, what scanners send for FNC1), a URL with a Digital
Link key in its path (``/01/``...), or unbracketed text opening with a GTIN (``01`` or ``02`` and
14 digits), the way GS1-128 supplier labels start. Such a scan is read by ``biip`` and must be
sound; anything else is plain text, matched to serials and lots by the items' patterns.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from urllib.parse import urlsplit

from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString, GS1ElementStrings
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from biip.symbology import GS1Symbology

from tracemes.domain import gs1
from tracemes.domain.errors import InvalidInputError

GROUP_SEPARATOR = "\x1d"
_SYMBOLOGY = re.compile(r"\][A-Za-z][0-9A-Za-z]")  # ISO/IEC 15424: "]", code, modifier
_BRACKETED = re.compile(r"\(\d{2,4}\)")
_OPENS_WITH_GTIN = re.compile(r"0[12]\d{14}")
_BIIP_AI = re.compile(r"GS1 AI \((\d{2,4})\)")
# The primary keys a GS1 Digital Link path can carry; a URL with none of them is not GS1.
_LINK_KEYS = frozenset(
    {"00", "01", "253", "255", "401", "402", "414", "415", "417"}
    | {"8003", "8004", "8006", "8010", "8013", "8017", "8018"}
)


class ScanKind(StrEnum):
    """How a scan was read."""

    GS1 = "gs1"
    DIGITAL_LINK = "digital_link"
    PLAIN = "plain"


@dataclass(frozen=True, slots=True)
class Scan:
    """One scan: the text as read and, for a GS1 label, the item, lot, serial and expiry on it."""

    raw: str
    gtin: str | None = None
    serial: str | None = None
    lot: str | None = None
    expires_on: date | None = None
    quantity: Decimal | None = None
    kind: ScanKind = ScanKind.PLAIN


def parse(raw: str) -> Scan:
    """Read one scan; a GS1 label that is damaged or misprinted is refused, never taken as plain."""
    text = raw.strip()  # also drops a trailing CR/LF and a leading or trailing separator
    if not text:
        raise InvalidInputError("scan", "is empty")
    body, symbology = _split_symbology(text)
    if not body:
        raise InvalidInputError("scan", "is empty")
    if symbology in GS1Symbology.with_gtin():
        return Scan(raw=text, gtin=_bare_gtin(body), kind=ScanKind.GS1)
    if _is_digital_link(body):
        return _scan(text, ScanKind.DIGITAL_LINK, _read_digital_link(body))
    if (
        symbology in GS1Symbology.with_gs1_messages()
        or GROUP_SEPARATOR in body
        or _BRACKETED.match(body)
        or _OPENS_WITH_GTIN.match(body)
    ):
        return _scan(text, ScanKind.GS1, _read_element_string(body))
    return Scan(raw=body)


def match_serial(pattern_regexes: Mapping[str, re.Pattern[str]], text: str) -> list[str]:
    """The item codes, in code order, whose serial pattern fits the whole text (case counts)."""
    return sorted(code for code, regex in pattern_regexes.items() if regex.fullmatch(text))


def _split_symbology(text: str) -> tuple[str, GS1Symbology | None]:
    """The scan without a leading symbology identifier, and that identifier's GS1 meaning."""
    if not _SYMBOLOGY.match(text):
        return text, None
    try:
        symbology: GS1Symbology | None = GS1Symbology(text[1:3])
    except ValueError:  # ]C0, ]Q1, ]d1...: a symbology that carries no GS1 data of its own
        symbology = None
    return text[3:].strip(GROUP_SEPARATOR), symbology


def _is_digital_link(body: str) -> bool:
    if not body.lower().startswith(("http://", "https://")):
        return False
    return any(segment in _LINK_KEYS for segment in urlsplit(body).path.split("/"))


def _read_digital_link(body: str) -> GS1ElementStrings:
    try:
        return GS1DigitalLinkURI.parse(body).element_strings
    except ParseError as error:
        raise _refusal(_explain(error, "GS1 Digital Link")) from error


def _read_element_string(body: str) -> GS1ElementStrings:
    try:
        if _BRACKETED.match(body):
            return GS1Message.parse_hri(body).element_strings
        return GS1Message.parse(body).element_strings
    except ParseError as error:
        raise _refusal(_explain(error, "GS1 label")) from error


def _bare_gtin(body: str) -> str:
    try:
        return Gtin.parse(body).as_gtin_14()
    except ParseError as error:
        if body.isdigit() and len(body) in gs1.GTIN_LENGTHS:
            raise _refusal(_wrong_check_digit(body)) from error
        raise _refusal(f"{body} is not a GTIN of 8, 12, 13 or 14 digits") from error


def _scan(raw: str, kind: ScanKind, elements: GS1ElementStrings) -> Scan:
    fields: dict[str, GS1ElementString] = {}
    for element in elements:
        first = fields.setdefault(element.ai.ai, element)
        if first.value != element.value:
            raise _refusal(
                f"the label has two different ({element.ai.ai}) values, "
                f"{first.value} and {element.value}"
            )
    product = fields.get("01") or fields.get("02")  # (02): the goods inside a logistic unit
    if product is not None and product.gtin is None:
        raise _refusal(_wrong_check_digit(product.value))
    expiry = fields.get("17")
    count = fields.get("30") or fields.get("37")
    return Scan(
        raw=raw,
        gtin=product.gtin.as_gtin_14() if product and product.gtin else None,
        serial=_value(fields, "21"),
        lot=_value(fields, "10"),
        expires_on=expiry.date if expiry else None,
        quantity=Decimal(count.value) if count else None,
        kind=kind,
    )


def _value(fields: Mapping[str, GS1ElementString], ai: str) -> str | None:
    element = fields.get(ai)
    return element.value if element else None


def _wrong_check_digit(gtin: str) -> str:
    expected = gs1.check_digit(gtin[:-1])  # biip refuses a GTIN of the right shape only for this
    return f"GTIN {gtin} has a wrong check digit (it should end in {expected})"


def _explain(error: ParseError, what: str) -> str:
    """Biip's reason in an operator's words: which field of the label is wrong."""
    found = _BIIP_AI.search(str(error))
    if found is None:
        return f"looks like a {what} but cannot be read; check the label or scan it again"
    ai = GS1ApplicationIdentifier.extract(found.group(1))
    return f"the {what} has a wrong {ai} field: {ai.description}"


def _refusal(reason: str) -> InvalidInputError:
    return InvalidInputError("scan", reason, code="bad_scan")
