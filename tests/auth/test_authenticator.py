"""The token verifier on its own: parsing, caching, invalidation (fakes, no database)."""

from __future__ import annotations

import trio
import trio.testing

from picloud.manager import auth
from picloud.manager.auth import Authenticator, Principal


class FakeTokens:
    def __init__(self):
        self.valid: dict[bytes, Principal] = {}
        self.lookups = 0
        self.gate: trio.Event | None = None

    def add(self, token: str, principal: Principal) -> None:
        self.valid[auth.hash_token(token)] = principal

    async def lookup(self, token_hash: bytes) -> Principal | None:
        self.lookups += 1
        if self.gate is not None:
            await self.gate.wait()
        return self.valid.get(token_hash)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def headers(**values: str) -> list[tuple[bytes, bytes]]:
    return [(k.replace("_", "-").encode(), v.encode()) for k, v in values.items()]


def test_new_tokens_are_random_and_prefixed():
    tokens = {auth.new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(t.startswith("pc_") and len(t) == 46 for t in tokens)
    assert len(auth.hash_token("pc_x")) == 32


def test_token_from_headers():
    assert auth.token_from_headers(headers(authorization="Bearer pc_abc")) == "pc_abc"
    assert auth.token_from_headers(headers(authorization="bearer   pc_abc ")) == "pc_abc"
    assert auth.token_from_headers(headers(authorization="Basic dXNlcjpwYXNz")) is None
    assert auth.token_from_headers(headers(authorization="Bearer")) is None
    assert auth.token_from_headers(headers(cookie="a=1; picloud_session=pc_c; b=2")) == "pc_c"
    assert auth.token_from_headers(headers(cookie="picloud_session=")) is None
    assert auth.token_from_headers(headers(cookie="xpicloud_session=pc_c")) is None
    # The header wins over the cookie.
    both = headers(cookie="picloud_session=pc_cookie", authorization="Bearer pc_header")
    assert auth.token_from_headers(both) == "pc_header"
    assert auth.token_from_headers([]) is None


def test_session_cookie_headers():
    name, value = auth.session_cookie("pc_abc", max_age=3600)
    assert name == b"set-cookie"
    text = value.decode()
    assert text.startswith("picloud_session=pc_abc;")
    for attribute in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/_picloud", "Max-Age=3600"):
        assert attribute in text
    assert "Max-Age=0" in auth.clear_session_cookie()[1].decode()


async def test_verified_tokens_are_cached_until_the_ttl():
    fake, clock = FakeTokens(), Clock()
    fake.add("pc_good", Principal(1, "ci"))
    authenticator = Authenticator(fake.lookup, ttl=30, clock=clock)
    assert await authenticator.verify("pc_good") == Principal(1, "ci")
    assert await authenticator.verify("pc_good") == Principal(1, "ci")
    assert fake.lookups == 1
    clock.now += 31
    assert await authenticator.verify("pc_good") == Principal(1, "ci")
    assert fake.lookups == 2


async def test_unknown_tokens_are_asked_every_time_and_never_cached():
    fake = FakeTokens()
    authenticator = Authenticator(fake.lookup)
    for _ in range(3):
        assert await authenticator.verify("pc_bad") is None
    assert fake.lookups == 3
    assert await authenticator.verify("") is None
    assert await authenticator.verify(None) is None
    assert await authenticator.verify("x" * 600) is None
    assert fake.lookups == 3


async def test_invalidate_forgets_revoked_tokens_at_once():
    fake = FakeTokens()
    fake.add("pc_good", Principal(1, "ci"))
    authenticator = Authenticator(fake.lookup, ttl=3600)
    assert await authenticator.verify("pc_good") is not None
    fake.valid.clear()  # revoked in the database
    assert await authenticator.verify("pc_good") is not None  # still cached
    authenticator.invalidate()
    assert await authenticator.verify("pc_good") is None


async def test_a_lookup_racing_a_revocation_is_not_cached():
    fake = FakeTokens()
    fake.add("pc_good", Principal(1, "ci"))
    fake.gate = trio.Event()
    authenticator = Authenticator(fake.lookup, ttl=3600)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(authenticator.verify, "pc_good")
        await trio.testing.wait_all_tasks_blocked()
        authenticator.invalidate()  # the token was revoked while the lookup ran
        fake.gate.set()
    fake.gate = None
    fake.valid.clear()
    assert await authenticator.verify("pc_good") is None


async def test_the_cache_is_bounded():
    fake = FakeTokens()
    for i in range(50):
        fake.add(f"pc_{i}", Principal(i, f"t{i}"))
    authenticator = Authenticator(fake.lookup, max_entries=10)
    for i in range(50):
        assert await authenticator.verify(f"pc_{i}") == Principal(i, f"t{i}")
    assert len(authenticator._cache) <= 10


async def test_check_request_and_guard():
    fake = FakeTokens()
    fake.add("pc_good", Principal(1, "ci"))
    authenticator = Authenticator(fake.lookup)
    scope = {"type": "http", "method": "GET", "path": "/_picloud/api/v1/routes",
             "headers": headers(authorization="Bearer pc_good")}
    assert await authenticator.check_request(scope) == Principal(1, "ci")
    sent = []

    async def send(message):
        sent.append(message)

    assert await authenticator.guard(scope, send) == Principal(1, "ci")
    assert sent == []
    assert await authenticator.guard({**scope, "headers": []}, send) is None
    assert sent[0]["status"] == 401
    assert (b"www-authenticate", b"Bearer") in sent[0]["headers"]
    assert sent[1]["body"] == b'{"error":{"kind":"unauthorized","message":"a valid token is required"}}'


async def test_watch_invalidates_on_notifications():
    fake = FakeTokens()
    fake.add("pc_good", Principal(1, "ci"))
    authenticator = Authenticator(fake.lookup, ttl=3600)
    send_channel, receive_channel = trio.open_memory_channel(10)

    async def subscribe(channel):
        assert channel == "picloud_tokens"
        return receive_channel

    async with trio.open_nursery() as nursery:
        await nursery.start(authenticator.watch, subscribe)
        await authenticator.verify("pc_good")
        fake.valid.clear()
        await send_channel.send("DELETE")
        await trio.testing.wait_all_tasks_blocked()
        assert await authenticator.verify("pc_good") is None
        nursery.cancel_scope.cancel()


def test_is_protected():
    assert auth.is_protected("/_picloud/api/v1/routes")
    assert auth.is_protected("/_picloud/api")
    assert auth.is_protected("/_picloud/metrics")
    assert not auth.is_protected("/_picloud/health")
    assert not auth.is_protected("/hello")
