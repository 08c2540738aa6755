"""Property tests: random sequences of binds and unbinds, sent in random batches, never leave a
serial live in two units and never make lot stock negative."""

import itertools
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from tests.factories import accept, make_plant
from tracemes import services
from tracemes.domain.errors import NotFoundError
from tracemes.domain.genealogy import BindPart, ComponentRef, UnbindPart
from tracemes.domain.shop_floor import Command
from tracemes.domain.step_runs import StartStep
from tracemes.services.context import Context
from tracemes.services.shop_floor import FloorEvent
from tracemes.store.db import open_database

FRAMES = ["F-1", "F-2", "F-3"]
LOTS = {"C-SMALL": Decimal(9), "C-TINY": Decimal(5)}
_copies = itertools.count()


@dataclass(frozen=True)
class Bind:
    unit: int
    part: int


@dataclass(frozen=True)
class Unbind:
    unit: int
    part: int


@dataclass(frozen=True)
class Draw:
    pack: int
    lot: int
    quantity: int


actions = st.lists(
    st.one_of(
        st.builds(Bind, st.integers(0, 2), st.integers(0, 2)),
        st.builds(Unbind, st.integers(0, 2), st.integers(0, 2)),
        st.builds(Draw, st.integers(0, 2), st.integers(0, 1), st.integers(1, 4)),
    ),
    min_size=1,
    max_size=25,
)


@pytest.fixture(scope="module")
def plant_file(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the plant built once: three bikes at OP10, three packs at P10."""
    path = tmp_path_factory.mktemp("plant") / "plant.db"
    shutil.copy(sqlite_template, path)
    db = open_database(f"sqlite:///{path}")
    ctx = Context(
        tenant_id=services.tenants.create(db, NOW, "ACME", "Acme").id, user_id=None, now=NOW
    )
    plant = make_plant(db, ctx, bikes=3, packs=3)
    for lot, quantity in LOTS.items():
        services.lots.receive(db, ctx, "CELL", lot, quantity)
    accept(db, ctx, *(StartStep(b, "OP10") for b in plant.bikes))
    accept(db, ctx, *(StartStep(p, "P10") for p in plant.packs))
    db.dispose()
    return path


NOW = datetime(2026, 3, 16, 8, 30, tzinfo=UTC)
CTX = Context(tenant_id=1, user_id=None, now=NOW)
BIKES = ["BK0001", "BK0002", "BK0003"]
PACKS = ["PK0001", "PK0002", "PK0003"]


def command(action: Bind | Unbind | Draw) -> Command:
    if isinstance(action, Bind):
        return BindPart(BIKES[action.unit], ComponentRef(serial=FRAMES[action.part], item="FRAME"))
    if isinstance(action, Unbind):
        return UnbindPart(BIKES[action.unit], ComponentRef(serial=FRAMES[action.part]), "test")
    lot = list(LOTS)[action.lot]
    return BindPart(
        PACKS[action.pack], ComponentRef(item="CELL", lot=lot, quantity=Decimal(action.quantity))
    )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=actions, cuts=st.lists(st.integers(1, 6), min_size=1, max_size=25))
def test_binds_and_unbinds_keep_serials_single_and_stock_non_negative(
    plant_file: Path, tmp_path: Path, steps: list[Bind | Unbind | Draw], cuts: list[int]
) -> None:
    path = tmp_path / f"run-{next(_copies)}.db"
    shutil.copy(plant_file, path)
    db: Engine = open_database(f"sqlite:///{path}")
    try:
        drawn = dict.fromkeys(LOTS, Decimal(0))
        events = [FloorEvent(uuid.uuid4().hex, command(a)) for a in steps]
        batches, start = [], 0
        for cut in itertools.cycle(cuts):
            if start >= len(events):
                break
            batches.append(events[start : start + cut])
            start += cut
        for batch in batches:
            for event, outcome in zip(
                batch, services.shop_floor.record(db, CTX, batch), strict=True
            ):
                command_ = event.command
                if outcome.accepted and isinstance(command_, BindPart) and command_.component.lot:
                    drawn[command_.component.lot] += command_.component.quantity or 0

        for frame in FRAMES:
            try:
                holders = services.trace.where_used_serial(db, CTX, frame).units
            except NotFoundError:
                holders = []  # never bound
            assert len(holders) <= 1, f"{frame} is live in {[h.unit.serial for h in holders]}"
        for lot, received in LOTS.items():
            remaining = services.lots.get(db, CTX, "CELL", lot).remaining
            assert remaining >= 0
            assert remaining == received - drawn[lot]
        for pack in PACKS:
            cells = sum(
                (n.edge.quantity for n in services.trace.backward(db, CTX, pack).parts), Decimal(0)
            )
            assert cells <= 4  # the BOM quantity
    finally:
        db.dispose()
