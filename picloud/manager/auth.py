"""Bearer tokens for the control plane (docs/auth.md).

Tokens are ``pc_`` + ``secrets.token_urlsafe(32)`` (256 random bits). The
database keeps only their SHA-256 (:mod:`picloud.store.tokens`); a fast hash
is right for secrets of that entropy.

A request carries a token in ``Authorization: Bearer <token>`` or, for the
browser dashboard, in the ``picloud_session`` cookie
(:func:`session_cookie`). :class:`Authenticator` verifies it and caches the
verified hash for ``ttl`` seconds, so authentication costs no database round
trip per API call. A revocation clears the cache: at once on the node that
revoked, and on every other node when the ``picloud_tokens`` NOTIFY arrives
(:meth:`Authenticator.watch`); the TTL bounds the delay should a notification
be lost.

For code serving other pages under ``/_picloud`` (the dashboard)::

    principal = await auth.check_request(scope)     # Principal | None
    if principal is None:
        await send_unauthorized(send)               # or redirect to a login page
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs
import trio

from picloud.shared.http import Headers, Scope, Send, send_error
from picloud.store import tokens as store
from picloud.store.database import DatabaseUnavailable

log = logging.getLogger(__name__)

TOKEN_PREFIX = "pc_"
SESSION_COOKIE = "picloud_session"
ADMIN_TOKEN_FILE = "admin-token"
DEFAULT_CACHE_SECONDS = 30.0
MAX_TOKEN_LENGTH = 512
UNAUTHORIZED_MESSAGE = "a valid token is required"
WWW_AUTHENTICATE = (b"www-authenticate", b"Bearer")
# Paths that need a token (``/_picloud/health`` stays public). Pages of the
# dashboard check for themselves with :meth:`Authenticator.check_request`.
PROTECTED_PREFIXES = ("/_picloud/api", "/_picloud/metrics")


def is_protected(path: str) -> bool:
    return path.startswith(PROTECTED_PREFIXES)


@attrs.frozen
class Principal:
    """Who made a request: the token's id and name."""

    token_id: int
    name: str
    admin: bool = False


def new_token() -> str:
    """A fresh secret: ``pc_`` and 43 URL-safe characters."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


# -- reading the token off a request ---------------------------------------------


def token_from_headers(headers: Headers) -> str | None:
    """The bearer token, else the session cookie's value, else ``None``."""
    cookie_token = None
    for raw_name, raw_value in headers:
        name = raw_name.lower()
        if name == b"authorization":
            scheme, _, value = raw_value.decode("latin-1").strip().partition(" ")
            if scheme.lower() == "bearer" and value.strip():
                return value.strip()
        elif name == b"cookie" and cookie_token is None:
            cookie_token = _cookie_value(raw_value.decode("latin-1"), SESSION_COOKIE)
    return cookie_token


def _cookie_value(header: str, wanted: str) -> str | None:
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name == wanted:
            value = value.strip().strip('"')
            return value or None
    return None


def token_from_scope(scope: Scope) -> str | None:
    return token_from_headers(scope.get("headers", ()))


# -- responses and cookies ------------------------------------------------------------


async def send_unauthorized(send: Send) -> None:
    """401 with ``WWW-Authenticate: Bearer``; the same answer for a missing, unknown or revoked token."""
    await send_error(send, 401, "unauthorized", UNAUTHORIZED_MESSAGE, [WWW_AUTHENTICATE])


def session_cookie(token: str, *, max_age: int | None = None, path: str = "/_picloud") -> tuple[bytes, bytes]:
    """A ``Set-Cookie`` header that logs a browser in with ``token``.

    Secure, HttpOnly, SameSite=Strict, limited to ``/_picloud``. Without
    ``max_age`` it is a session cookie (gone when the browser closes).
    Browsers accept Secure cookies from ``http://localhost``; elsewhere serve
    the dashboard over HTTPS (Caddy, docs/deployment.md).
    """
    value = f"{SESSION_COOKIE}={token}; Path={path}; Secure; HttpOnly; SameSite=Strict"
    if max_age is not None:
        value += f"; Max-Age={int(max_age)}"
    return b"set-cookie", value.encode("latin-1")


def clear_session_cookie(*, path: str = "/_picloud") -> tuple[bytes, bytes]:
    """A ``Set-Cookie`` header that logs the browser out."""
    return (b"set-cookie",
            f"{SESSION_COOKIE}=; Path={path}; Secure; HttpOnly; SameSite=Strict; Max-Age=0".encode())


# -- verification -----------------------------------------------------------------------

Lookup = Callable[[bytes], Awaitable["Principal | None"]]
Subscribe = Callable[[str], Awaitable[trio.MemoryReceiveChannel]]


class Authenticator:
    """Verifies tokens against the database, caching verified hashes briefly.

    ``lookup(hash) -> Principal | None`` is the database check (use
    :meth:`for_database`); tests may pass a fake.
    """

    def __init__(self, lookup: Lookup, *, ttl: float = DEFAULT_CACHE_SECONDS, max_entries: int = 1024,
                 clock: Callable[[], float] = time.monotonic):
        self._lookup = lookup
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._cache: dict[bytes, tuple[Principal, float]] = {}
        self._generation = 0
        self.lookups = 0

    @classmethod
    def for_database(cls, db: Any, **kwargs: Any) -> Authenticator:
        async def lookup(token_hash: bytes) -> Principal | None:
            token = await db.run(store.verify_hash, token_hash, retry_for=2.0)
            return None if token is None else Principal(token.id, token.name, token.admin)

        return cls(lookup, **kwargs)

    async def verify(self, token: str | None) -> Principal | None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        token_hash = hash_token(token)
        now = self._clock()
        cached = self._cache.get(token_hash)
        if cached is not None and cached[1] > now:
            return cached[0]
        generation = self._generation
        self.lookups += 1
        principal = await self._lookup(token_hash)
        if principal is None:
            self._cache.pop(token_hash, None)
        elif generation == self._generation:  # no revocation happened while we looked
            if len(self._cache) >= self._max_entries:
                self._cache = {h: e for h, e in self._cache.items() if e[1] > now}
                if len(self._cache) >= self._max_entries:
                    self._cache.clear()
            self._cache[token_hash] = (principal, now + self._ttl)
        return principal

    async def check_request(self, scope: Scope) -> Principal | None:
        """The principal behind the request's bearer token or session cookie, else ``None``."""
        return await self.verify(token_from_scope(scope))

    async def guard(self, scope: Scope, send: Send) -> Principal | None:
        """The request's principal; else answer 401 (or 503 when the database is down) and return None."""
        try:
            principal = await self.check_request(scope)
        except DatabaseUnavailable:
            log.warning("auth: database unavailable for %s %s", scope.get("method"), scope.get("path"))
            await send_error(send, 503, "unavailable", "the database is unreachable; try again shortly",
                             [(b"retry-after", b"2")])
            return None
        if principal is None:
            await send_unauthorized(send)
        return principal

    def invalidate(self) -> None:
        """Forget every verified token (a token was revoked or replaced)."""
        self._cache.clear()
        self._generation += 1

    async def watch(self, subscribe: Subscribe, *,
                    task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        """Clear the cache on every ``picloud_tokens`` notification (or overflow)."""
        changes = await subscribe("picloud_tokens")
        self.invalidate()  # anything cached before we listened is suspect
        task_status.started()
        async with changes:
            async for _ in changes:
                self.invalidate()


# -- the first token ----------------------------------------------------------------------


def write_secret_file(path: Path, secret: str) -> None:
    """Write ``secret`` to ``path`` readable by the owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (secret + "\n").encode())
    finally:
        os.close(fd)


async def ensure_admin_token(db: Any, *, admin_token: str | None, data_dir: Path,
                             announce: Callable[[str], None] = print) -> str | None:
    """Make sure someone can log in; the new secret when one was generated.

    With ``admin_token`` (PICLOUD_ADMIN_TOKEN) the admin token is set to it,
    idempotently. Otherwise, when no token exists at all, an admin token is
    generated, announced once and written to ``<data_dir>/admin-token``.
    """
    if admin_token:
        if await db.run(store.set_admin_hash, hash_token(admin_token)):
            log.info("admin token set from PICLOUD_ADMIN_TOKEN")
        return None
    secret = new_token()
    if not await db.run(store.create_first_admin, hash_token(secret)):
        return None
    path = data_dir / ADMIN_TOKEN_FILE
    try:
        await trio.to_thread.run_sync(write_secret_file, path, secret)
        where = f"; also written to {path.resolve()} (mode 0600)"
    except OSError as exc:
        log.error("could not write the admin token to %s: %s", path, exc)
        where = f"; it could NOT be written to {path} ({exc}), so copy it now"
    announce(f"created the admin API token (shown once{where}):\n    {secret}")
    return secret


# -- ``picloud token ...`` ------------------------------------------------------------------


async def run_token_command(settings: Any, action: str, argument: str | None,
                            out: Callable[[str], None] = print) -> int:
    """``picloud token create NAME | list | revoke ID``, straight against the database.

    Uses the same settings as ``picloud migrate`` (and applies pending
    migrations), so it works before any token exists. An embedded PostgreSQL
    that a running ``picloud serve`` owns is used and left running; one this
    command had to start is stopped again. Returns the exit code.
    """
    import contextlib

    from picloud.store.database import open_asyncio_loop, open_database
    from picloud.store.embedded import EmbeddedPostgres, default_bindir
    from picloud.store.migrations import apply_migrations, load_migrations

    migrations = load_migrations()
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(open_asyncio_loop())
        if settings.database_url:
            connect_kwargs: dict[str, Any] = {"dsn": settings.database_url}
        else:
            server = EmbeddedPostgres(data_dir=settings.data_dir.resolve(),
                                      bindir=settings.pg_bindir or default_bindir())
            running = (server.cluster_dir / "PG_VERSION").exists() and server._is_running()
            await trio.to_thread.run_sync(server.start)
            if not running:
                stack.push_async_callback(trio.to_thread.run_sync, server.stop)
            connect_kwargs = server.connect_kwargs()
        db = await stack.enter_async_context(open_database(connect_kwargs, max_size=1))
        await apply_migrations(db, migrations)
        return await _token_action(db, action, argument, out)
    return 1  # unreachable


async def _token_action(db: Any, action: str, argument: str | None, out: Callable[[str], None]) -> int:
    from picloud.manager.api.responses import iso
    from picloud.manager.api.tokens import TOKEN_NAME

    if action == "create":
        name = argument or ""
        if not TOKEN_NAME.fullmatch(name) or name == store.ADMIN_NAME:
            out(f"picloud: invalid token name {name!r}: 1-64 letters, digits, '_', '.', '-' "
                f"(and not {store.ADMIN_NAME!r})")
            return 2
        secret = new_token()
        try:
            token = await db.run(store.create_token, name, hash_token(secret))
        except store.DuplicateName as exc:
            out(f"picloud: {exc}")
            return 1
        out(f"created token {token.id} ({token.name}); the secret is shown only now:")
        out(secret)
        return 0
    if action == "list":
        tokens = await db.run(store.list_tokens)
        out(f"{'ID':>4}  {'NAME':<24} {'CREATED':<24} LAST USED")
        for token in tokens:
            name = token.name + (" (admin)" if token.admin else "")
            out(f"{token.id:>4}  {name:<24} {iso(token.created_at):<24} {iso(token.last_used_at) or '-'}")
        return 0
    if action == "revoke":
        if argument is None or not argument.isdigit():
            out(f"picloud: token id must be a number, got {argument!r}")
            return 2
        if not await db.run(store.delete_token, int(argument)):
            out(f"picloud: no token with id {argument}")
            return 1
        out(f"revoked token {argument}")
        return 0
    out(f"picloud: unknown token command {action!r}")
    return 2
