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

# Cases per operation, per mode (inputs that fit the schema, inputs that break it), per
# database: about 50 operations x 2 x 15 keeps each database well under 3 minutes.
EXAMPLES = 15
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@pytest.fixture
def api_schema(db: Engine, ctx: Context) -> schemathesis.BaseSchema:
    """The OpenAPI document of an app on a fresh database holding a small e-bike plant."""
    make_plant(db, ctx)
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(db, clock=lambda: NOW))


def test_no_route_answers_a_server_error_or_an_undocumented_status(
    db: Engine, ctx: Context, api_schema: schemathesis.BaseSchema
) -> None:
    signed_in = {"Authorization": f"Bearer {token_for(db, ctx, 'admin')}"}
    failures: list[str] = []
    cases = 0
    operations = [result.ok() for result in api_schema.get_all_operations()]  # type: ignore[union-attr]
    for operation in operations:
        for mode in MODES:

            @given(case=operation.as_strategy(generation_mode=mode))
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
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    assert len(operations) > 40
    assert cases > len(operations) * len(MODES)
    assert failures == [], "\n\n".join(failures)
