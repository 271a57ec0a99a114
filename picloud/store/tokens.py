"""API tokens (table ``api_tokens``): operations for ``Database.run``.

Only the SHA-256 of a token is stored (tokens are 256-bit random strings, so
a fast hash is enough: there is nothing to brute-force). Hashing and token
generation live in :mod:`picloud.manager.auth`; this module sees hashes only.
Deleting a token or replacing its hash NOTIFYs ``picloud_tokens`` (migration
0005), which makes every node drop its cache of verified tokens.
"""

from __future__ import annotations

import datetime as dt
import hmac

import asyncpg
import attrs

ADMIN_NAME = "admin"
# Any fixed 64-bit number; "PiTk" in ASCII. Serialises the first-start check.
TOKENS_LOCK_KEY = 0x5069546B


@attrs.frozen
class Token:
    id: int
    name: str
    admin: bool
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class DuplicateName(Exception):
    def __init__(self, name: str):
        super().__init__(f"a token named {name!r} already exists")
        self.name = name


def _token(row: asyncpg.Record) -> Token:
    return Token(id=row["id"], name=row["name"], admin=row["admin"], created_at=row["created_at"],
                 last_used_at=row["last_used_at"])


async def create_token(conn: asyncpg.Connection, name: str, token_hash: bytes) -> Token:
    """Insert a token; :class:`DuplicateName` if the name is taken."""
    try:
        row = await conn.fetchrow(
            "INSERT INTO api_tokens (name, token_hash) VALUES ($1, $2) RETURNING *", name, token_hash
        )
    except asyncpg.UniqueViolationError as exc:
        if "name" in (exc.constraint_name or ""):
            raise DuplicateName(name) from None
        raise
    return _token(row)


async def list_tokens(conn: asyncpg.Connection) -> list[Token]:
    return [_token(r) for r in await conn.fetch("SELECT * FROM api_tokens ORDER BY id")]


async def get_token(conn: asyncpg.Connection, token_id: int) -> Token | None:
    row = await conn.fetchrow("SELECT * FROM api_tokens WHERE id = $1", token_id)
    return None if row is None else _token(row)


async def delete_token(conn: asyncpg.Connection, token_id: int) -> bool:
    return await conn.fetchval("DELETE FROM api_tokens WHERE id = $1 RETURNING id", token_id) is not None


async def verify_hash(conn: asyncpg.Connection, token_hash: bytes) -> Token | None:
    """The token with this hash (and mark it used), or ``None``: one round trip."""
    row = await conn.fetchrow(
        "UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1 RETURNING *", token_hash
    )
    if row is None or not hmac.compare_digest(bytes(row["token_hash"]), token_hash):
        return None
    return _token(row)


async def set_admin_hash(conn: asyncpg.Connection, token_hash: bytes) -> bool:
    """Make ``token_hash`` the admin token's (PICLOUD_ADMIN_TOKEN); True if anything changed.

    Idempotent: the same hash again changes nothing (and notifies nothing).
    """
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", TOKENS_LOCK_KEY)
        current = await conn.fetchval("SELECT token_hash FROM api_tokens WHERE admin")
        if current is not None and hmac.compare_digest(bytes(current), token_hash):
            return False
        if current is not None:
            await conn.execute("UPDATE api_tokens SET token_hash = $1, last_used_at = NULL WHERE admin",
                               token_hash)
            return True
        # Another (non-admin) token may carry the same secret or the name: replace it.
        await conn.execute("DELETE FROM api_tokens WHERE token_hash = $1 OR name = $2", token_hash, ADMIN_NAME)
        await conn.execute("INSERT INTO api_tokens (name, token_hash, admin) VALUES ($1, $2, true)",
                           ADMIN_NAME, token_hash)
        return True


async def create_first_admin(conn: asyncpg.Connection, token_hash: bytes) -> bool:
    """Insert the admin token only when no token exists at all; True if inserted."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", TOKENS_LOCK_KEY)
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM api_tokens)"):
            return False
        await conn.execute("INSERT INTO api_tokens (name, token_hash, admin) VALUES ($1, $2, true)",
                           ADMIN_NAME, token_hash)
        return True
