"""schemathesis against the app's own OpenAPI document, for every operation under ``/api``:
generated requests (valid and invalid) never get a 5xx, and every answer — status code,
content type, body — conforms to what the document promises.

Console operations are called as a signed-in admin (session cookie + X-CSRF-Token), so they
are exercised beyond the login wall; the session is renewed if a generated call ended it.
The event stream (endless by design) and logout are left out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import positive_data_acceptance

from .console_support import Console, console_on_template_copy

SKIP = ("/api/console/stream", "/api/console/logout")
#: Valid values of these parameters depend on the stored data (a dashboard filter takes a
#: region or service the data has), so a schema-valid value may rightly get a 422.
DATA_DEPENDENT = ("/api/console/dashboard",)
#: per operation and mode; CARELINE_FUZZ_PROFILE=long raises it
EXAMPLES = 100 if os.environ.get("CARELINE_FUZZ_PROFILE") == "long" else 8


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Any,
            nlu: Any) -> Iterator[Console]:
    yield from console_on_template_copy(tmp_path_factory.mktemp("openapi"), sqlite_template, nlu)


@pytest.fixture(scope="module")
def api_schema(console: Console) -> Any:
    schema = schemathesis.openapi.from_asgi("/openapi.json", console.client.app)
    return schema.include(path_regex="^/api/").exclude(path=list(SKIP))


class Admin:
    """A signed-in admin session for the generated calls."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.client = TestClient(console.client.app)
        self.csrf = console.login("ada", self.client)

    def credentials(self) -> tuple[dict[str, str], dict[str, str]]:
        if self.client.get("/api/console/me").status_code != 200:
            self.csrf = self.console.login("ada", self.client)
        return {"X-CSRF-Token": self.csrf}, dict(self.client.cookies)


@pytest.fixture(scope="module")
def admin(console: Console) -> Admin:
    return Admin(console)


MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]


def test_api_conforms_to_its_openapi_document(api_schema: Any, admin: Admin) -> None:
    # (schemathesis' pytest plugin does not run under this pytest; the operations are
    # walked here, each with its own hypothesis run, and every failure is reported.)
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20, [op.label for op in operations]
    for operation in operations:
        for mode in MODES:

            @given(operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, database=None,
                      suppress_health_check=[HealthCheck.filter_too_much])
            def call(case: Any) -> None:
                headers, cookies = admin.credentials()
                if case.path == "/api/console/login":
                    cookies = {}
                excluded = ([positive_data_acceptance]
                            if case.path.startswith(DATA_DEPENDENT) else [])
                case.call_and_validate(headers=headers, cookies=cookies, excluded_checks=excluded)

            try:
                call()
            except Unsatisfiable:
                continue  # no parameters and no body: nothing invalid to send
            except (Exception, BaseExceptionGroup) as exc:  # collected: one run shows every mismatch
                failures[f"{operation.label} ({mode.value})"] = str(exc)[:1500]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
