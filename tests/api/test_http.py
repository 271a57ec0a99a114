"""Protocol-level behaviour shared by every endpoint."""

import trio

from picloud.manager.api import MAX_BODY_BYTES

from .conftest import seed_script


async def test_unknown_path_is_404_not_found(api):
    for path in ("/nothing", "/scripts/a/b/c", "/routes/"):
        reply = await api.client.get(path)
        assert reply.status == 404, path
        assert reply.error["kind"] == "not_found"


async def test_wrong_method_is_405_with_allow(api):
    reply = await api.client.request("PATCH", "/scripts/x")
    assert reply.status == 405 and reply.error["kind"] == "method_not_allowed"
    assert set(reply.headers["allow"].split(", ")) == {"GET", "PUT", "DELETE"}
    reply = await api.client.delete("/routes")
    assert reply.status == 405 and set(reply.headers["allow"].split(", ")) == {"GET", "POST"}


async def test_malformed_json_is_400(api):
    for body in [b"{", b"[]", b"null", b'"x"', b"{'a': 1}", b'{"method": NaN}', b"\xff\xfe{", b""]:
        reply = await api.client.post("/routes", body=body, headers={"Content-Type": "application/json"})
        assert reply.status == 400 and reply.error["kind"] == "bad_request", (body, reply.body)


async def test_absent_content_type_and_curls_default_are_taken_as_json(api):
    await seed_script(api.db, "s")
    reply = await api.client.post("/routes", body=b'{"method": "GET", "path": "/s", "script": "s"}')
    assert reply.status == 201, reply.body
    reply = await api.client.post("/routes", body=b'{"method": "GET", "path": "/t", "script": "s"}',
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 201, reply.body
    reply = await api.client.post("/routes", body=b"method=GET&path=/u&script=s",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 400 and "not valid JSON" in reply.error["message"]


async def test_declared_body_over_1_mib_is_413_before_it_is_sent(api):
    # Refused on the Content-Length alone; a raw socket, since http.client
    # would fail writing a body the server never reads.
    stream = await trio.open_tcp_stream(api.client.host, api.client.port)
    async with stream:
        await stream.send_all(
            b"PUT /_picloud/api/v1/scripts/big HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            b"Content-Length: %d\r\n\r\n" % (MAX_BODY_BYTES + 1)
        )
        data = b""
        with trio.fail_after(5):
            while b"payload_too_large" not in data:
                chunk = await stream.receive_some()
                assert chunk, data
                data += chunk
    assert data.startswith(b"HTTP/1.1 413 ")
    assert await api.db.fetchval("SELECT count(*) FROM scripts") == 0


async def test_body_of_exactly_1_mib_is_accepted(api):
    reply = await api.client.put("/scripts/big", body=b"x" * MAX_BODY_BYTES, headers={"Content-Type": "text/plain"})
    assert reply.status != 413


async def test_body_over_1_mib_without_content_length_is_413(api):
    reply = await api.client.put("/scripts/big", body=iter([b"x" * MAX_BODY_BYTES, b"y"]),
                                 headers={"Content-Type": "text/plain"})
    assert reply.status == 413


async def test_responses_are_json(api):
    reply = await api.client.get("/scripts")
    assert reply.status == 200 and reply.headers["content-type"] == "application/json"
    assert reply.json == {"scripts": []}
