"""What a scan at a station means, decided on an in-memory floor: no database."""

import pytest

from tests.domain.test_genealogy import NOW, a_bike, a_floor
from tracemes.domain.errors import DomainError
from tracemes.domain.floor import StepRunState, UnitState
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.station import Meaning, decide, due_operation, verdict
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.domain.units import UnitStatus


def _running(bike: UnitState, operation: str = "OP10") -> StepRunState:
    return StepRunState(
        id=7, unit=bike, operation=operation, station_id=None, operator_id=None, started_at=NOW
    )


def test_a_unit_due_here_starts_its_step() -> None:
    bike = a_bike(status=UnitStatus.QUEUED, current_operation=None)
    decision = decide(a_floor(bike), " BK1 ", "", is_station=False)

    assert decision.meaning is Meaning.UNIT
    assert decision.unit == "BK1"
    assert decision.command == StartStep("BK1", "OP10")


def test_a_unit_whose_step_runs_is_shown_without_an_event() -> None:
    bike = a_bike()
    floor = a_floor(bike)
    floor.start(_running(bike))

    decision = decide(floor, "BK1", "", is_station=False)

    assert (decision.meaning, decision.unit, decision.command) == (Meaning.UNIT, "BK1", None)


@pytest.mark.parametrize(
    ("word", "passed"),
    [
        ("pass", True),
        ("OK", True),
        ("合格", True),
        ("FAIL", False),
        ("ng", False),
        ("不合格", False),
    ],
)
def test_a_pass_or_fail_word_completes_the_running_step(word: str, passed: bool) -> None:
    bike = a_bike()
    floor = a_floor(bike)
    floor.start(_running(bike, "OP10"))

    decision = decide(floor, word, "BK1", is_station=False)

    assert decision.meaning is Meaning.VERDICT
    assert decision.unit == ""  # the station is ready for the next unit
    assert decision.command == CompleteStep("BK1", "OP10", passed, {}, ())


def test_a_verdict_for_a_unit_with_no_running_step_is_refused() -> None:
    with pytest.raises(DomainError) as refusal:
        decide(a_floor(a_bike()), "PASS", "BK1", is_station=False)
    assert refusal.value.code == "step_not_started"


def test_a_pass_word_with_no_unit_shown_is_not_a_verdict() -> None:
    with pytest.raises(DomainError) as refusal:
        decide(a_floor(), "PASS", "", is_station=False)
    assert refusal.value.code == "scan_a_unit_first"


def test_a_station_label_moves_the_device() -> None:
    decision = decide(a_floor(a_bike()), "L1-S2", "BK1", is_station=True)

    assert (decision.meaning, decision.unit, decision.station, decision.command) == (
        Meaning.STATION,
        "",
        "L1-S2",
        None,
    )


def test_any_other_text_is_a_part_for_the_unit_shown() -> None:
    decision = decide(a_floor(a_bike()), "FR-001", "BK1", is_station=False)

    assert decision.meaning is Meaning.PART
    assert decision.unit == "BK1"
    assert decision.command == BindPart("BK1", ComponentRef(scan="FR-001"))


def test_a_part_with_no_unit_shown_is_refused_in_the_operators_words() -> None:
    with pytest.raises(DomainError) as refusal:
        decide(a_floor(), "FR-001", "", is_station=False)
    assert refusal.value.code == "scan_a_unit_first"
    assert "FR-001 is not a unit made here" in str(refusal.value)


def test_a_finished_unit_scanned_while_another_is_shown_goes_into_it() -> None:
    pack = UnitState(
        id=2,
        serial="PK1",
        item_code="PACK",
        status=UnitStatus.COMPLETED,
        work_order=a_bike().work_order,
        plan=a_bike().plan,
    )
    floor = a_floor(a_bike(), pack)

    decision = decide(floor, "PK1", "BK1", is_station=False)
    shown_alone = decide(floor, "PK1", "", is_station=False)

    assert decision.command == BindPart("BK1", ComponentRef(scan="PK1"))
    assert (shown_alone.meaning, shown_alone.unit, shown_alone.command) == (
        Meaning.UNIT,
        "PK1",
        None,
    )


def test_the_unit_shown_scanned_again_is_shown_not_bound_into_itself() -> None:
    bike = a_bike(status=UnitStatus.COMPLETED, current_operation=None)
    decision = decide(a_floor(bike), "BK1", "BK1", is_station=False)
    assert (decision.meaning, decision.command) == (Meaning.UNIT, None)


def test_an_empty_scan_changes_nothing() -> None:
    decision = decide(a_floor(a_bike()), "  ", "BK1", is_station=False)
    assert (decision.meaning, decision.unit, decision.command) == (Meaning.NOTHING, "BK1", None)


def test_the_operation_due() -> None:
    queued = a_bike(status=UnitStatus.QUEUED, current_operation=None)
    between = a_bike(current_operation="OP20")
    done = a_bike(status=UnitStatus.COMPLETED, current_operation="OP20")
    running = a_bike(current_operation="OP10")
    floor = a_floor(running)
    floor.start(_running(running, "OP10"))

    assert due_operation(a_floor(queued), queued) == "OP10"
    assert due_operation(a_floor(between), between) == "OP20"
    assert due_operation(a_floor(done), done) is None
    assert due_operation(floor, running) == "OP10"


def test_a_serial_two_items_made_here_share_is_refused_as_ambiguous() -> None:
    twin = a_bike()
    other = UnitState(
        id=2,
        serial="BK1",
        item_code="PACK",
        status=UnitStatus.QUEUED,
        work_order=twin.work_order,
        plan=twin.plan,
    )
    with pytest.raises(DomainError) as refusal:
        decide(a_floor(twin, other), "BK1", "", is_station=False)
    assert refusal.value.code == "ambiguous_serial"


def test_a_bought_in_part_scanned_with_no_unit_shown_is_not_a_unit() -> None:
    bought = UnitState(id=3, serial="M-1", item_code="MOTOR", status=UnitStatus.RECEIVED)
    with pytest.raises(DomainError) as refusal:
        decide(a_floor(bought), "M-1", "", is_station=False)
    assert refusal.value.code == "scan_a_unit_first"


def test_a_verdict_carries_what_was_measured_and_found() -> None:
    bike = a_bike()
    floor = a_floor(bike)
    floor.start(_running(bike, "OP10"))

    step = verdict(floor, "BK1", False, {"torque_nm": 11.5}, ("LOOSE",))

    assert step == CompleteStep("BK1", "OP10", False, {"torque_nm": 11.5}, ("LOOSE",))
