"""Holds: stop suspect lots and units (and what they went into) until a disposition."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tracemes import services
from tracemes.api.deps import Db, Quality, Reader, api_router
from tracemes.api.models import Note, Text
from tracemes.domain.holds import Hold

router = api_router("/holds", tags=["quality"])


class LotRef(BaseModel):
    item: Text
    lot: Text


class HoldIn(BaseModel):
    reason: Note = Field(min_length=1, max_length=500)
    lots: list[LotRef] = Field(default_factory=list, max_length=1000)
    units: list[Text] = Field(default_factory=list, max_length=10_000)
    extend_to_where_used: bool = False


class ReleaseIn(BaseModel):
    disposition: Literal["use_as_is", "rework", "scrap", "return_to_supplier"]
    note: Note = Field(default="", max_length=500)


class HoldOut(BaseModel):
    code: str
    reason: str
    lots: list[LotRef]
    units: list[str]
    created_at: datetime
    released_at: datetime | None
    disposition: str | None
    note: str | None

    @classmethod
    def of(cls, hold: Hold) -> "HoldOut":
        return cls(
            code=hold.code,
            reason=hold.reason,
            lots=[LotRef(item=item, lot=lot) for item, lot in hold.lots],
            units=list(hold.units),
            created_at=hold.created_at,
            released_at=hold.released_at,
            disposition=hold.disposition.value if hold.disposition else None,
            note=hold.note,
        )


@router.post("", status_code=201)
def place_hold(body: HoldIn, db: Db, ctx: Quality) -> HoldOut:
    """Hold lots and units; held units cannot move on and held lots cannot be bound."""
    hold = services.holds.place(
        db,
        ctx,
        body.reason,
        [(x.item, x.lot) for x in body.lots],
        body.units,
        body.extend_to_where_used,
    )
    return HoldOut.of(hold)


@router.get("/{code}")
def get_hold(code: str, db: Db, ctx: Reader) -> HoldOut:
    """A hold and everything it covers."""
    return HoldOut.of(services.holds.get(db, ctx, code))


@router.post("/{code}/release")
def release_hold(code: str, body: ReleaseIn, db: Db, ctx: Quality) -> HoldOut:
    """Release with a disposition: use as is, rework, scrap or return to supplier."""
    return HoldOut.of(services.holds.release(db, ctx, code, body.disposition, body.note))
