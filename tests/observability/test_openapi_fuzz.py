"""Fuzz the control plane from its own OpenAPI document: no input may cause a 5xx.

Schemathesis generates requests (valid and invalid) for every operation and
sends them over real HTTP to a real ``picloud serve`` (tests/observability/
conftest.py), with the admin token. Bounded: a few examples per operation.
"""

from __future__ import annotations

import hypothesis
import requests
import schemathesis

from picloud.manager import openapi

from .conftest import TOKEN

schema = schemathesis.openapi.from_dict(openapi.build_document())
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
_session = requests.Session()


def _admin_token_id(base_url: str) -> int | None:
    reply = requests.get(base_url + openapi.API_PREFIX + "/tokens", headers=HEADERS, timeout=10)
    assert reply.status_code == 200, reply.text
    return next((t["id"] for t in reply.json()["tokens"] if t["admin"]), None)


@schema.parametrize()
@hypothesis.settings(max_examples=6, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(hypothesis.HealthCheck),
                     phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
def test_no_input_causes_a_server_error(case, server):
    base_url = server.serve.base_url + openapi.API_PREFIX
    if case.method == "DELETE" and case.path == "/tokens/{id}":
        # Revoking the token the fuzzer itself uses would turn the rest into 401s.
        if str(case.path_parameters.get("id")) == str(_admin_token_id(server.serve.base_url)):
            case.path_parameters["id"] = str(2**62)
    response = case.call(base_url=base_url, headers=HEADERS, session=_session, timeout=15)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}\n"
        f"reproduce: {case.as_curl_command(headers=HEADERS)}"
    )
