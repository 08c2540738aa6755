"""Routings: the ordered operations that make an item."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tracemes.domain import characteristics, codes, numbers
from tracemes.domain.characteristics import Characteristic
from tracemes.domain.errors import InvalidInputError

MAX_SEQ = 999_999
"""Highest operation sequence number (they are stored as 32-bit integers)."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One step of a routing, where `binds` lists the key parts scanned there and `checks`
    the characteristics measured there; `inspection` is a free-text work instruction."""

    seq: int
    code: str
    name: str
    standard_seconds: Decimal
    line_code: str | None = None
    station_code: str | None = None
    binds: tuple[str, ...] = ()
    inspection: str | None = None
    rework_operation: str | None = None  # where a failed unit goes back to; itself if None
    checks: tuple[Characteristic, ...] = ()


@dataclass(frozen=True, slots=True)
class Routing:
    """One version of an item's routing; versions never change once stored."""

    item_code: str
    version: int
    operations: tuple[Operation, ...]


def operation(
    index: int,
    seq: object,
    code: str,
    name: str,
    standard_seconds: object,
    line_code: str | None = None,
    station_code: str | None = None,
    binds: Sequence[str] = (),
    inspection: str | None = None,
    rework_operation: str | None = None,
    checks: Sequence[Mapping[str, object]] = (),
) -> Operation:
    """Check the fields of the operation at position `index` of a request."""
    where = f"operations[{index}]"
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= MAX_SEQ:
        raise InvalidInputError(
            f"{where}.seq", f"{seq!r} is not a whole number above zero (at most {MAX_SEQ})"
        )
    return Operation(
        seq=seq,
        code=codes.check(f"{where}.code", code),
        name=codes.check_name(f"{where}.name", name),
        standard_seconds=numbers.seconds(f"{where}.std_time_s", standard_seconds),
        line_code=codes.check(f"{where}.line", line_code) if line_code else None,
        station_code=codes.check(f"{where}.station", station_code) if station_code else None,
        binds=tuple(codes.check(f"{where}.binds", b) for b in binds),
        inspection=(inspection or "").strip() or None,
        rework_operation=(
            codes.check(f"{where}.rework_operation", rework_operation) if rework_operation else None
        ),
        checks=tuple(
            characteristics.parse(f"{where}.checks[{j}]", raw) for j, raw in enumerate(checks)
        ),
    )


def check(operations: Sequence[Operation]) -> tuple[Operation, ...]:
    """Refuse an empty routing, repeated seq numbers or codes, and a part bound twice."""
    if not operations:
        raise InvalidInputError("operations", "a routing needs at least one operation")
    seqs: set[int] = set()
    op_codes: set[str] = set()
    bound: set[str] = set()
    for index, op in enumerate(operations):
        where = f"operations[{index}]"
        if op.seq in seqs:
            raise InvalidInputError(f"{where}.seq", f"seq {op.seq} is used twice")
        if op.code in op_codes:
            raise InvalidInputError(f"{where}.code", f"operation {op.code} is listed twice")
        measured = [check.code for check in op.checks]
        for code in measured:
            if measured.count(code) > 1:
                raise InvalidInputError(f"{where}.checks", f"{code} is checked twice")
        for part in op.binds:
            if part in bound:
                raise InvalidInputError(f"{where}.binds", f"{part} is bound at two operations")
            bound.add(part)
        seqs.add(op.seq)
        op_codes.add(op.code)
    for index, op in enumerate(operations):
        if op.rework_operation and (
            op.rework_operation not in op_codes
            or next(o.seq for o in operations if o.code == op.rework_operation) > op.seq
        ):
            raise InvalidInputError(
                f"operations[{index}].rework_operation",
                f"{op.rework_operation} is not this or an earlier operation",
            )
    return tuple(sorted(operations, key=lambda op: op.seq))
