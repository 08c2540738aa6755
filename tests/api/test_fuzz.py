"""Schemathesis over the whole OpenAPI document: no route answers 500, every answer is
documented. Each run starts from a fresh database with a small plant in it, on SQLite and
(when configured) PostgreSQL; examples are derandomised, so a failure in CI reproduces.

The operations are walked here rather than by schemathesis' pytest plugin (whose lazy
fixture loader does not run under pytest 9), so one run lists every failing operation.
"""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance
from sqlalchemy.engine import Engine

from tests.conftest import NOW
from tests.factories import make_plant, token_for
from tracemes.app import create_app
from tracemes.services.context import Context

# At most this many cases per operation, per pass and per database: 53 operations x 3
# passes x 15 keeps each database under 3 minutes on a busy 2-core machine.
EXAMPLES = 15
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
# (mode, with the plant's codes): inputs that fit the schema, inputs that break it, and
# inputs that fit it naming real records.
PASSES = ((POSITIVE, False), (NEGATIVE, False), (POSITIVE, True))


# Random codes name nothing, so most writes stop at 404/422. A third pass puts the plant's
# own codes where a request names an item, line, lot, order or unit, so writes go through
# and later reads meet what they stored.
PLANT_CODES = {
    "item": "BIKE",
    "line": "L1",
    "station": "L1-S1",
    "lot": "C-1",
    "work_order": "WO-BIKE",
    "unit": "BK0001",
    "serial": "BK0001",
}
PATH_CODES = {
    "/items/": "BIKE",
    "/work-orders/": "WO-BIKE",
    "/lines/": "L1",
    "/stations/": "L1-S1",
}


def on_the_plant(case: schemathesis.Case[Any]) -> schemathesis.Case[Any]:
    """The case with the plant's codes in the places that name records."""
    if isinstance(case.body, dict):
        for key in case.body.keys() & PLANT_CODES.keys():
            case.body[key] = PLANT_CODES[key]
    for key in list(case.path_parameters or {}):
        prefix = next((p for p in PATH_CODES if case.path.startswith(f"/api/v1{p}")), None)
        code = PATH_CODES[prefix] if key == "code" and prefix else PLANT_CODES.get(key)
        if code is not None and case.path_parameters is not None:
            case.path_parameters[key] = code
    return case


@pytest.fixture
def api_schema(db: Engine, ctx: Context) -> schemathesis.BaseSchema:
    """The OpenAPI document of an app on a fresh database holding a small e-bike plant."""
    make_plant(db, ctx)
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(db, clock=lambda: NOW))


def test_no_route_answers_a_server_error_or_an_undocumented_status(
    db: Engine,
    ctx: Context,
    api_schema: schemathesis.BaseSchema,
    request: pytest.FixtureRequest,
) -> None:
    signed_in = {"Authorization": f"Bearer {token_for(db, ctx, 'admin')}"}
    failures: list[str] = []
    cases = 0
    operations = [result.ok() for result in api_schema.get_all_operations()]  # type: ignore[union-attr]
    for operation in operations:
        for mode, named in PASSES:
            strategy = operation.as_strategy(generation_mode=mode)

            @given(case=strategy.map(on_the_plant) if named else strategy)
            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                print_blob=False,
            )
            def fuzz(case: schemathesis.Case[Any]) -> None:
                nonlocal cases
                cases += 1
                case.call_and_validate(
                    headers=signed_in, checks=[not_a_server_error, status_code_conformance]
                )

            try:
                fuzz()
            except (Exception, BaseExceptionGroup) as failure:  # try all, list every failure
                failures.append(f"{operation.label} ({mode.value}{named * ', plant'}): {failure}")
    # Shown in junit reports (-o junit_family=legacy --junitxml=...).
    request.node.user_properties += [("operations", len(operations)), ("cases", cases)]
    assert len(operations) > 40
    assert cases > len(operations) * len(PASSES)
    assert failures == [], "\n\n".join(failures)
