"""Characteristics: what is checked on a product and within which limits.

A routing operation lists the characteristics measured at it (in-process checks); a pass
with a value missing or outside its limits is a contradiction and is refused, so the
numbers on a pass can be trusted by SPC and by an auditor. Quality inspection plans use
the same kind of characteristic.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tracemes.domain import codes, numbers
from tracemes.domain.errors import ConflictError, InvalidInputError


class Kind(StrEnum):
    """A measured number, or a judgement (OK / not OK) recorded as a defect when it fails."""

    VARIABLE = "variable"
    ATTRIBUTE = "attribute"


@dataclass(frozen=True, slots=True)
class Characteristic:
    """One check; `code` is the measurement's name in `step.completed`'s `measurements`."""

    code: str
    name: str
    kind: Kind = Kind.VARIABLE
    unit: str | None = None
    lsl: Decimal | None = None  # lower specification limit, inclusive
    usl: Decimal | None = None  # upper specification limit, inclusive

    def breach(self, value: Decimal) -> str | None:
        """Why `value` is out of specification, or None when it is within it."""
        unit = f" {self.unit}" if self.unit else ""
        if self.lsl is not None and value < self.lsl:
            return f"{self.code} = {value}{unit} is below the lower limit {self.lsl}{unit}"
        if self.usl is not None and value > self.usl:
            return f"{self.code} = {value}{unit} is above the upper limit {self.usl}{unit}"
        return None

    def as_dict(self) -> dict[str, str | None]:
        """The characteristic as stored and as the API shows it (limits as exact text)."""
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind.value,
            "unit": self.unit,
            "lsl": None if self.lsl is None else str(self.lsl),
            "usl": None if self.usl is None else str(self.usl),
        }


def from_dict(stored: Mapping[str, object]) -> Characteristic:
    """A characteristic as `Characteristic.as_dict` wrote it."""
    lsl, usl = stored.get("lsl"), stored.get("usl")
    return Characteristic(
        code=str(stored["code"]),
        name=str(stored["name"]),
        kind=Kind(str(stored["kind"])),
        unit=None if stored.get("unit") is None else str(stored["unit"]),
        lsl=None if lsl is None else Decimal(str(lsl)),
        usl=None if usl is None else Decimal(str(usl)),
    )


def parse(where: str, raw: Mapping[str, object]) -> Characteristic:
    """Check one characteristic of a request: a code, a name, limits in order; a variable
    needs at least one limit, an attribute has none."""
    unknown = set(raw) - {"code", "name", "kind", "unit", "lsl", "usl"}
    if unknown:
        raise InvalidInputError(where, f"unknown fields: {', '.join(sorted(unknown))}")
    try:
        kind = Kind(str(raw.get("kind") or Kind.VARIABLE.value))
    except ValueError:
        raise InvalidInputError(
            f"{where}.kind", f"{raw.get('kind')!r} is not 'variable' or 'attribute'"
        ) from None
    lsl = None if raw.get("lsl") is None else numbers.measurement(f"{where}.lsl", raw["lsl"])
    usl = None if raw.get("usl") is None else numbers.measurement(f"{where}.usl", raw["usl"])
    if kind is Kind.VARIABLE and lsl is None and usl is None:
        raise InvalidInputError(where, "a variable characteristic needs lsl, usl or both")
    if kind is Kind.ATTRIBUTE and (lsl is not None or usl is not None):
        raise InvalidInputError(where, "an attribute characteristic has no limits")
    if lsl is not None and usl is not None and lsl > usl:
        raise InvalidInputError(where, f"lsl {lsl} is above usl {usl}")
    unit = str(raw["unit"]).strip() if raw.get("unit") else None
    return Characteristic(
        code=codes.check(f"{where}.code", str(raw.get("code") or "")),
        name=codes.check_name(f"{where}.name", str(raw.get("name") or "")),
        kind=kind,
        unit=unit,
        lsl=lsl,
        usl=usl,
    )


def check_pass(
    checks: tuple[Characteristic, ...], measurements: Mapping[str, object], subject: str
) -> None:
    """Refuse a pass that lacks a measured value or has one outside its limits; values of
    other names (a test stand's extra readings) are kept as they come."""
    missing = [c.code for c in checks if c.kind is Kind.VARIABLE and c.code not in measurements]
    if missing:
        raise ConflictError(
            f"{subject} cannot pass without measuring {', '.join(missing)}",
            code="measurement_missing",
        )
    for check in checks:
        if check.kind is Kind.VARIABLE:
            why = check.breach(
                numbers.measurement(f"measurements.{check.code}", measurements[check.code])
            )
            if why:
                raise ConflictError(
                    f"{subject} cannot pass: {why}; record it as a fail",
                    code="measurement_out_of_limits",
                )
