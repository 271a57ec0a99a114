"""The OpenAPI document: valid, complete, closed request bodies, served with auth."""

from __future__ import annotations

import json

import schemathesis

from picloud.manager import openapi
from picloud.manager.api import routes, schedules

from .conftest import TOKEN


def test_schemathesis_loads_it_and_sees_every_operation():
    document = openapi.build_document()
    assert document["openapi"].startswith("3.1")
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(openapi.router_operations()) + 1  # + the document itself


def test_every_router_endpoint_is_described():
    served = openapi.router_operations()
    undocumented = sorted(served - set(openapi.OPERATIONS))
    assert not undocumented, f"add these to picloud.manager.openapi.OPERATIONS: {undocumented}"
    stale = sorted(set(openapi.OPERATIONS) - served)
    assert not stale, f"no longer served, remove from OPERATIONS: {stale}"
    document = openapi.build_document()
    for method, template in served:
        operation = document["paths"][openapi.openapi_path(template)][method.lower()]
        assert "undocumented" not in operation["tags"]
        assert {"401", "500", "503"} <= set(operation["responses"])


def test_request_bodies_are_closed_and_follow_the_handlers_fields():
    schemas = openapi.build_document()["components"]["schemas"]
    for name, schema in schemas.items():
        if name.endswith(("Create", "Update", "Upload")) or name in ("Rollback", "RetryDeadLetter"):
            assert schema["additionalProperties"] is False, name
            assert all(prop for prop in schema["properties"].values()), f"{name}: a field without a schema"
    assert list(schemas["RouteCreate"]["properties"]) == list(routes.FIELDS)
    assert schemas["RouteCreate"]["required"] == ["method", "path", "script"]
    assert schemas["RouteUpdate"]["required"] == []
    assert list(schemas["ScheduleCreate"]["properties"]) == list(schedules.FIELDS)
    assert schemas["RouteCreate"]["properties"]["dispatch_mode"]["enum"] == ["sync", "async"]
    assert schemas["ScriptUpload"]["properties"]["limits"]["additionalProperties"] is False


def test_method_pattern_accepts_any_letter_case():
    import re

    pattern = re.compile(openapi._ci_pattern(routes.METHODS))
    assert pattern.match("GET") and pattern.match("get") and pattern.match("Options") and pattern.match("any")
    assert not pattern.match("BREW") and not pattern.match("GETS")


def test_served_with_a_token(client):
    path = openapi.OPENAPI_PATH
    assert client.request("GET", path).status == 401
    reply = client.request("GET", path, headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status == 200 and reply.headers["content-type"] == "application/json"
    assert reply.json == json.loads(openapi.document_bytes())
    assert client.request("POST", path, headers={"Authorization": f"Bearer {TOKEN}"}).status == 405
