"""Lots: a quantity of one item from one supplier receipt or one production batch."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from tracemes.domain import codes, numbers, times
from tracemes.domain.errors import InvalidInputError
from tracemes.domain.items import Item, Tracking


class LotStatus(StrEnum):
    """What may be done with a lot now."""

    AVAILABLE = "available"
    ON_HOLD = "on_hold"
    REJECTED = "rejected"
    CONSUMED = "consumed"


@dataclass(frozen=True, slots=True)
class Lot:
    """A received or produced lot and how much of it is left."""

    item_code: str
    lot: str
    quantity: Decimal
    remaining: Decimal
    supplier: str | None
    received_at: datetime
    unit_cost: Decimal | None = None
    on_hold: bool = False
    rejected: bool = False

    @property
    def status(self) -> LotStatus:
        """Rejected and held lots are blocked whatever is left; an empty lot is consumed."""
        if self.rejected:
            return LotStatus.REJECTED
        if self.on_hold:
            return LotStatus.ON_HOLD
        if self.remaining <= 0:
            return LotStatus.CONSUMED
        return LotStatus.AVAILABLE


def receive(
    item: Item,
    lot: str,
    quantity: object,
    received_at: datetime,
    supplier: str | None = None,
    unit_cost: object = None,
) -> Lot:
    """Check a receipt of a lot-tracked item."""
    if item.tracking is not Tracking.LOT:
        raise InvalidInputError(
            "item", f"{item.code} is {item.tracking}-tracked; only lot-tracked items come in lots"
        )
    amount = numbers.quantity("quantity", quantity)
    return Lot(
        item_code=item.code,
        lot=codes.check("lot", lot),
        quantity=amount,
        remaining=amount,
        supplier=codes.check_name("supplier", supplier) if supplier else None,
        received_at=times.moment("received_at", received_at),
        unit_cost=None if unit_cost in (None, "") else numbers.cost("unit_cost", unit_cost),
    )
