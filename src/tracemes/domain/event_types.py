"""The event vocabulary: every type of line the ledger holds, and the facts each one carries.

The ledger is a contract: the trace pages, the EPCIS export, the county's aggregates and
every integrator read it. So each type is named here once, services write it through
`EventType`, and `PAYLOAD` lists the keys its payload may hold. The test suite checks every
ledger line any test writes against this module, and docs/events.md against it both ways.
"""

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, get_args, get_origin, get_type_hints


class EventType(StrEnum):
    """A ledger line's `type`; the value is what the ledger stores and the API shows."""

    # Companies and people
    TENANT_CREATED = "tenant.created"
    USER_CREATED = "user.created"
    USER_TOKEN_CREATED = "user.token_created"
    USER_TOKEN_REVOKED = "user.token_revoked"
    USER_PASSWORD_CHANGED = "user.password_changed"
    USER_DISABLED = "user.disabled"
    USER_ENABLED = "user.enabled"
    USER_SIGN_IN_FAILED = "user.sign_in_failed"
    USER_LOCKED_OUT = "user.locked_out"
    USER_BADGE_SET = "user.badge_set"
    USER_LANGUAGE_SET = "user.language_set"
    # Master data
    ITEM_CREATED = "item.created"
    ITEM_UPDATED = "item.updated"
    BOM_REPLACED = "bom.replaced"
    LINE_CREATED = "line.created"
    STATION_CREATED = "station.created"
    ROUTING_REPLACED = "routing.replaced"
    # Work orders
    WORK_ORDER_CREATED = "work_order.created"
    WORK_ORDER_RELEASED = "work_order.released"
    WORK_ORDER_UNITS_CREATED = "work_order.units_created"
    WORK_ORDER_CANCELLED = "work_order.cancelled"
    WORK_ORDER_CLOSED = "work_order.closed"
    # Receipts
    LOT_RECEIVED = "lot.received"
    SERIALS_RECEIVED = "serials.received"
    # Shop floor: units
    STEP_STARTED = "step.started"
    STEP_COMPLETED = "step.completed"
    PART_BOUND = "part.bound"
    PART_UNBOUND = "part.unbound"
    UNIT_SCRAPPED = "unit.scrapped"
    UNIT_SHIPPED = "unit.shipped"
    # Shop floor: production lots
    LOT_STARTED = "lot.started"
    LOT_STEP_REPORTED = "lot.step_reported"
    LOT_TRANSFERRED = "lot.transferred"
    LOT_SPLIT = "lot.split"
    LOT_MERGED = "lot.merged"
    MATERIAL_CONSUMED = "material.consumed"
    LOT_SHIPPED = "lot.shipped"
    # Quality and holds
    HOLD_PLACED = "hold.placed"
    HOLD_RELEASED = "hold.released"
    INSPECTION_PLAN_SET = "inspection_plan.set"
    INSPECTION_LOT_OPENED = "inspection_lot.opened"
    INSPECTION_LOT_DECIDED = "inspection_lot.decided"


_LOT = frozenset({"item", "lot"})

PAYLOAD: Mapping[EventType, frozenset[str]] = {
    EventType.TENANT_CREATED: frozenset({"name", "timezone"}),
    EventType.USER_CREATED: frozenset({"role"}),
    EventType.USER_TOKEN_CREATED: frozenset({"token", "expires_at"}),
    EventType.USER_TOKEN_REVOKED: frozenset({"token", "kind"}),
    EventType.USER_PASSWORD_CHANGED: frozenset(),
    EventType.USER_DISABLED: frozenset({"sessions_ended"}),
    EventType.USER_ENABLED: frozenset(),
    EventType.USER_SIGN_IN_FAILED: frozenset({"method", "address", "failures"}),
    EventType.USER_LOCKED_OUT: frozenset({"by", "address", "failures", "retry_at"}),
    EventType.USER_BADGE_SET: frozenset(),
    EventType.USER_LANGUAGE_SET: frozenset({"language"}),
    EventType.ITEM_CREATED: frozenset(
        {"code", "name", "uom", "tracking", "gtin", "standard_cost", "serial_pattern"}
    ),
    EventType.ITEM_UPDATED: frozenset(
        {"code", "name", "uom", "tracking", "gtin", "standard_cost", "serial_pattern"}
    ),
    EventType.BOM_REPLACED: frozenset({"version", "components"}),
    EventType.LINE_CREATED: frozenset({"name", "site"}),
    EventType.STATION_CREATED: frozenset({"name", "line"}),
    EventType.ROUTING_REPLACED: frozenset({"version", "operations"}),
    EventType.WORK_ORDER_CREATED: frozenset({"item", "quantity", "line", "due"}),
    EventType.WORK_ORDER_RELEASED: frozenset({"bom_version", "routing_version"}),
    EventType.WORK_ORDER_UNITS_CREATED: frozenset({"item", "serials"}),
    EventType.WORK_ORDER_CANCELLED: frozenset({"reason"}),
    EventType.WORK_ORDER_CLOSED: frozenset({"reason"}),
    EventType.LOT_RECEIVED: _LOT | {"quantity", "supplier", "unit_cost"},
    EventType.SERIALS_RECEIVED: frozenset({"serials", "supplier", "lot"}),
    EventType.STEP_STARTED: frozenset({"unit", "operation", "operator"}),
    EventType.STEP_COMPLETED: frozenset(
        {"unit", "operation", "result", "measurements", "defects", "operator"}
    ),
    EventType.PART_BOUND: frozenset({"unit", "component", "operation", "operator"}),
    EventType.PART_UNBOUND: frozenset({"unit", "component", "reason", "operator"}),
    EventType.UNIT_SCRAPPED: frozenset({"unit", "reason", "operator"}),
    EventType.UNIT_SHIPPED: frozenset({"unit", "customer", "order", "delivery", "operator"}),
    EventType.LOT_STARTED: _LOT | {"work_order", "quantity"},
    EventType.LOT_STEP_REPORTED: _LOT
    | {"operation", "good", "scrap", "rework", "defects", "operator"},
    EventType.LOT_TRANSFERRED: _LOT | {"operation", "quantity", "operator"},
    EventType.LOT_SPLIT: _LOT | {"operation", "quantity", "new_lot", "operator"},
    EventType.LOT_MERGED: _LOT | {"operation", "sources", "operator"},
    EventType.MATERIAL_CONSUMED: _LOT
    | {"material", "material_lot", "quantity", "operation", "reason", "operator"},
    EventType.LOT_SHIPPED: _LOT | {"quantity", "customer", "sales_order", "delivery", "operator"},
    EventType.HOLD_PLACED: frozenset({"reason", "units", "lots"}),
    EventType.HOLD_RELEASED: frozenset({"disposition", "note"}),
    EventType.INSPECTION_PLAN_SET: frozenset(
        {"code", "item", "stage", "operation", "level", "aql_major", "aql_minor", "full"}
        | {"characteristics", "defects"}
    ),
    EventType.INSPECTION_LOT_OPENED: frozenset(
        {"plan", "item", "lot_size", "lot", "work_order", "operation"}
    ),
    EventType.INSPECTION_LOT_DECIDED: frozenset(
        {"accepted", "status", "defectives", "reasons", "hold", "shipped"}
    ),
}


def unexpected_facts(type_: str, payload: Mapping[str, object]) -> str | None:
    """What is wrong with a ledger line's type or payload keys by this vocabulary, or None."""
    try:
        known = EventType(type_)
    except ValueError:
        return f"unknown event type {type_!r}"
    extra = sorted(set(payload) - PAYLOAD[known])
    return f"{type_} carries keys outside its schema: {extra}" if extra else None


def payload(command: object, operator: str | None = None) -> dict[str, Any]:
    """A shop-floor event's facts as the ledger stores them: its fields by name, absent
    when None; quantities as decimal strings; (key, value) pairs as an object, other
    tuples as lists; a part reference as an object of its own; a step's `passed` as
    `result` pass or fail; and who did it, when the station named an operator."""
    facts = _facts(command)
    if "passed" in facts:  # the ledger speaks the API's words
        facts["result"] = "pass" if facts.pop("passed") else "fail"
    if operator is not None:
        facts["operator"] = operator
    return facts


def _facts(value: Any) -> dict[str, Any]:
    """A slotted dataclass as JSON-safe facts, without the deep copies of asdict."""
    pairs = _pair_fields(type(value))
    facts: dict[str, Any] = {}
    for name in value.__slots__:
        item = getattr(value, name)
        if item is None:
            continue
        if name in pairs:
            item = {str(key): str(amount) for key, amount in item}
        elif isinstance(item, Decimal):
            item = str(item)
        elif isinstance(item, tuple):
            item = list(item)
        elif hasattr(item, "__slots__"):
            item = _facts(item)
        facts[name] = item
    return facts


_PAIRS: dict[type, frozenset[str]] = {}


def _pair_fields(cls: type) -> frozenset[str]:
    """The fields of a command typed as a tuple of (key, value) pairs (by its type hints,
    so an empty one is an empty object, like a full one); worked out once per class."""
    found = _PAIRS.get(cls)
    if found is None:
        found = _PAIRS[cls] = frozenset(
            name
            for name, hint in get_type_hints(cls).items()
            if get_origin(hint) is tuple
            and get_args(hint)
            and get_origin(get_args(hint)[0]) is tuple
        )
    return found
