"""Fuzz every operation of ``/openapi.json`` with schemathesis: never a 500, and every
answer matches its documented schema and content type.

The default run draws a few examples per operation (seconds); set
``M1ENV_FUZZ_EXAMPLES=500`` for a long run. ``/run_code`` is left out: random programs
in the sandbox cost seconds each and are covered by ``test_compat``.
"""

from __future__ import annotations

import os
import tempfile

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from m1env.queue.config import QueueConfig
from m1env.service import ServiceConfig, create_app

_DB = os.path.join(tempfile.mkdtemp(prefix="m1env-fuzz-"), "fuzz.db")
# schemathesis calls the app as Host "testserver" (its fixed name for ASGI apps).
app = create_app(
    ServiceConfig(
        workers=1,
        queue=QueueConfig(database_url=f"sqlite:///{_DB}"),
        allowed_hosts=frozenset({"testserver"}),
    )
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path="/run_code")
EXAMPLES = int(os.environ.get("M1ENV_FUZZ_EXAMPLES", "15"))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=EXAMPLES <= 15,
)
def test_openapi_operations(case: schemathesis.Case) -> None:
    case.call_and_validate(
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance]
    )
