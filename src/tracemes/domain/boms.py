"""Bills of materials: which components go into an item, and which are key parts."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tracemes.domain import codes, numbers
from tracemes.domain.errors import ConflictError, InvalidInputError
from tracemes.domain.items import Item, Tracking
from tracemes.domain.routings import Operation


@dataclass(frozen=True, slots=True)
class BomLine:
    """One component of a BOM. A key part is scanned and bound at `operation_code`."""

    item_code: str
    quantity: Decimal
    is_key: bool = False
    operation_code: str | None = None


@dataclass(frozen=True, slots=True)
class Bom:
    """One version of an item's BOM; versions never change once stored."""

    item_code: str
    version: int
    lines: tuple[BomLine, ...]


def line(
    index: int, item_code: str, quantity: object, is_key: bool, operation: str | None
) -> BomLine:
    """Check the fields of the component at position `index` of a request."""
    where = f"components[{index}]"
    return BomLine(
        item_code=codes.check(f"{where}.item", item_code),
        quantity=numbers.quantity(f"{where}.quantity", quantity),
        is_key=is_key,
        operation_code=codes.check(f"{where}.operation", operation) if operation else None,
    )


def check(
    parent: Item,
    lines: Sequence[BomLine],
    components: Mapping[str, Item],
    children_of: Mapping[str, frozenset[str]],
) -> tuple[BomLine, ...]:
    """Refuse a BOM with unknown, repeated or cyclic components or untrackable key parts.

    `components` holds the stored items named by the lines; `children_of` maps every item
    with a current BOM to its components, so a cycle through other BOMs is found.
    """
    seen: set[str] = set()
    for index, bom_line in enumerate(lines):
        where = f"components[{index}]"
        component = components.get(bom_line.item_code)
        if component is None:
            raise InvalidInputError(
                f"{where}.item", f"unknown item {bom_line.item_code}", code="unknown_item"
            )
        if bom_line.item_code in seen:
            raise InvalidInputError(f"{where}.item", f"{bom_line.item_code} is listed twice")
        seen.add(bom_line.item_code)
        if bom_line.item_code == parent.code or parent.code in _descendants(
            bom_line.item_code, children_of
        ):
            raise InvalidInputError(
                f"{where}.item",
                f"{bom_line.item_code} contains {parent.code}; a BOM cannot contain itself",
                code="bom_cycle",
            )
        if bom_line.is_key and component.tracking is Tracking.NONE:
            raise InvalidInputError(
                f"{where}.key",
                f"{component.code} is not serial- or lot-tracked, so it cannot be a key part",
            )
        if (
            component.tracking is Tracking.SERIAL
            and bom_line.quantity != bom_line.quantity.to_integral()
        ):
            raise InvalidInputError(
                f"{where}.quantity", f"{component.code} is serialised; use a whole number"
            )
    return tuple(lines)


def _descendants(code: str, children_of: Mapping[str, frozenset[str]]) -> set[str]:
    found: set[str] = set()
    stack = [code]
    while stack:
        for child in children_of.get(stack.pop(), frozenset()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def key_part_operations(bom: Bom, operations: Sequence[Operation]) -> dict[str, str]:
    """Where each key part is bound: the BOM's operation, else the routing's, else the last.

    BOM and routing must agree; a work order is not released while they contradict.
    """
    if not operations:
        raise ConflictError(f"item {bom.item_code} has no routing", code="no_routing")
    by_code = {op.code for op in operations}
    bound_at = {item: op.code for op in operations for item in op.binds}
    keys = {bom_line.item_code for bom_line in bom.lines if bom_line.is_key}
    for item in bound_at:
        if item not in keys:
            raise ConflictError(
                f"routing operation {bound_at[item]} binds {item}, "
                f"which is not a key part of the BOM of {bom.item_code}",
                code="bom_routing_mismatch",
            )
    result: dict[str, str] = {}
    for bom_line in bom.lines:
        if not bom_line.is_key:
            continue
        routed = bound_at.get(bom_line.item_code)
        chosen = bom_line.operation_code or routed or operations[-1].code
        if chosen not in by_code or (routed and routed != chosen):
            raise ConflictError(
                f"the BOM of {bom.item_code} binds {bom_line.item_code} at operation "
                f"{bom_line.operation_code}, but the routing "
                + (f"binds it at {routed}" if routed else "has no such operation"),
                code="bom_routing_mismatch",
            )
        result[bom_line.item_code] = chosen
    return result
