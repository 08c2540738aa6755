"""Turning what a scanner typed into the part it names: a serial, or an item's lot."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.errors import DomainError, InvalidInputError
from tracemes.domain.genealogy import ComponentRef
from tracemes.domain.scans import Scan
from tracemes.services.context import Context
from tracemes.store.scans import Candidates


def resolve(db: Engine, ctx: Context, raw: str) -> ComponentRef:
    """What a scanned label names, for a station page to show before binding it."""
    with store.db.reading(db) as conn:
        found = resolve_in(conn, ctx, [raw])[raw]
    if isinstance(found, DomainError):
        raise found
    return found


def resolve_in(
    conn: Connection, ctx: Context, raws: Iterable[str]
) -> dict[str, ComponentRef | DomainError]:
    """Resolve many scans with a few queries; a scan that cannot be read gets its refusal."""
    return read_in(conn, ctx, raws).parts


@dataclass(frozen=True, slots=True)
class Reading:
    """Scanned texts read: the part each names (or why it cannot be read), and the ids of
    those that are station labels."""

    parts: dict[str, ComponentRef | DomainError]
    stations: dict[str, int]


def read_in(conn: Connection, ctx: Context, raws: Iterable[str]) -> Reading:
    """Read scanned texts with a statement or two (a second only for GS1 labels)."""
    parsed: dict[str, Scan | DomainError] = {}
    for raw in dict.fromkeys(raws):
        try:
            parsed[raw] = domain.scans.parse(raw)
        except DomainError as error:
            parsed[raw] = error
    scans = [s for s in parsed.values() if isinstance(s, Scan)]
    gtins = {s.gtin for s in scans if s.gtin}
    plain = {s.raw for s in scans if s.gtin is None}
    by_gtin = store.items.by_gtin(conn, ctx.tenant_id, gtins)
    named = store.scans.candidates(conn, ctx.tenant_id, plain) if plain else Candidates()
    patterns = {
        code: domain.serials.regex(domain.serials.in_force(pattern), code)
        for code, pattern in named.patterns.items()
    }
    resolved: dict[str, ComponentRef | DomainError] = {}
    for raw, scan in parsed.items():
        if isinstance(scan, DomainError):
            resolved[raw] = scan
        elif scan.gtin is not None:
            resolved[raw] = _gs1(scan, by_gtin.get(scan.gtin))
        else:
            resolved[raw] = _plain(scan.raw, named.serials, named.lot_items, patterns)
    return Reading(resolved, named.stations)


def _gs1(scan: Scan, item_code: str | None) -> ComponentRef | DomainError:
    if item_code is None:
        return InvalidInputError("scan", f"no item has GTIN {scan.gtin}", code="unknown_gtin")
    if scan.serial is not None:
        return ComponentRef(serial=scan.serial, item=item_code)
    if scan.lot is not None:
        return ComponentRef(item=item_code, lot=scan.lot, quantity=scan.quantity)
    return InvalidInputError(
        "scan", f"the label names {item_code} but no serial (21) or lot (10)", code="bad_scan"
    )


def _plain(
    text: str,
    known_serials: set[str],
    lot_items: dict[str, list[str]],
    patterns: Mapping[str, re.Pattern[str]],
) -> ComponentRef:
    """A known serial, else a known lot number, else a serial matching one item's pattern."""
    if text in known_serials:
        return ComponentRef(serial=text)
    items = lot_items.get(text, [])
    if len(items) == 1:
        return ComponentRef(item=items[0], lot=text)
    matching = domain.scans.match_serial(patterns, text)
    if len(matching) == 1:
        return ComponentRef(serial=text, item=matching[0])
    return ComponentRef(serial=text)


def substitute(ref: ComponentRef, resolved: ComponentRef) -> ComponentRef:
    """A scanned component replaced by what its label names (a typed quantity wins)."""
    quantity = ref.quantity if ref.quantity is not None else resolved.quantity
    return replace(resolved, quantity=quantity, scan=None)
