"""Characteristics measured at an operation: their limits are checked when stored, and a
pass must carry every measured value within them."""

from decimal import Decimal

import pytest

from tracemes.domain.characteristics import Characteristic, Kind, check_pass, parse
from tracemes.domain.errors import ConflictError, InvalidInputError

SPEED = Characteristic("top_speed_kmh", "Top speed", usl=Decimal(25), unit="km/h")
OCV = Characteristic("ocv_v", "Voltage", lsl=Decimal("52.0"), usl=Decimal("54.6"), unit="V")
LIGHTS = Characteristic("lights", "Lights", Kind.ATTRIBUTE)


def test_a_value_on_a_limit_is_within_it() -> None:
    assert SPEED.breach(Decimal(25)) is None
    assert OCV.breach(Decimal("52.0")) is None
    assert SPEED.breach(Decimal("25.1")) == (
        "top_speed_kmh = 25.1 km/h is above the upper limit 25 km/h"
    )
    assert OCV.breach(Decimal("51.99")) == "ocv_v = 51.99 V is below the lower limit 52.0 V"


def test_a_pass_needs_every_measured_value_within_its_limits() -> None:
    checks = (SPEED, OCV, LIGHTS)
    check_pass(checks, {"top_speed_kmh": 24.6, "ocv_v": "53.2", "noise_db": 71}, "unit BK1")
    with pytest.raises(ConflictError, match="without measuring ocv_v") as missing:
        check_pass(checks, {"top_speed_kmh": 24.6}, "unit BK1")
    assert missing.value.code == "measurement_missing"
    with pytest.raises(ConflictError, match=r"27\.1 km/h is above") as out:
        check_pass(checks, {"top_speed_kmh": 27.1, "ocv_v": 53}, "unit BK1")
    assert out.value.code == "measurement_out_of_limits"


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ({"code": "t", "name": "T"}, "checks[0]", "needs lsl, usl or both"),
        ({"code": "t", "name": "T", "lsl": 5, "usl": 1}, "checks[0]", "lsl 5 is above usl 1"),
        ({"code": "t", "name": "T", "kind": "attribute", "usl": 1}, "checks[0]", "no limits"),
        ({"code": "t", "name": "T", "kind": "colour", "usl": 1}, "checks[0].kind", "'colour'"),
        ({"code": "t", "name": "T", "usl": "high"}, "checks[0].usl", "'high' is not a number"),
        ({"code": "t", "name": "T", "usl": 1, "tol": 2}, "checks[0]", "unknown fields: tol"),
        ({"code": "", "name": "T", "usl": 1}, "checks[0].code", "must not be empty"),
    ],
)
def test_a_malformed_characteristic_is_refused_by_name(
    raw: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(InvalidInputError, match=words) as refused:
        parse("checks[0]", raw)
    assert refused.value.field == field


def test_negative_limits_are_allowed() -> None:
    cold = parse("c", {"code": "temp_c", "name": "Cold start", "lsl": -20, "usl": "-5.5"})
    assert (cold.lsl, cold.usl) == (Decimal(-20), Decimal("-5.5"))
