"""The KV store's shared vocabulary: limits, key/value checks, buffered effects.

A script's writes are not applied as it runs: they are buffered in
:class:`KvEffects` and committed in the same transaction that records the
execution's outcome, so a failed, timed-out or retried attempt leaves no
writes behind. ``kv_incr`` is buffered as a delta and applied with an atomic
SQL increment, so concurrent increments never lose one another.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import attrs

MAX_KEY_BYTES = 512
MAX_VALUE_BYTES = 1 << 20
DEFAULT_KEYS_LIMIT = 100
MAX_KEYS_LIMIT = 1000


class KvError(ValueError):
    """A key or value the store refuses; the message names the limit."""


def check_key(key: Any) -> str:
    if not isinstance(key, str):
        raise KvError(f"a KV key must be a string, not {type(key).__name__}")
    size = len(key.encode())
    if size == 0:
        raise KvError("a KV key must not be empty")
    if size > MAX_KEY_BYTES:
        raise KvError(f"a KV key is at most {MAX_KEY_BYTES} bytes, this one has {size}")
    # PostgreSQL's text cannot hold NUL: refuse it here, not at commit time.
    if "\x00" in key:
        raise KvError("a KV key must not contain the NUL character")
    return str(key)


def check_prefix(prefix: Any) -> str:
    if not isinstance(prefix, str):
        raise KvError("a key prefix must be a string")
    if "\x00" in prefix:
        raise KvError("a key prefix must not contain the NUL character")
    return str(prefix)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def encode_value(value: Any) -> str:
    """JSON text of a (JSON-compatible) value, within the size limit."""
    if _has_nul(value):
        raise KvError("a KV value must not contain the NUL character (jsonb cannot store it)")
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    if len(text.encode()) > MAX_VALUE_BYTES:
        raise KvError(f"a KV value is at most {MAX_VALUE_BYTES} bytes of JSON, this one has {len(text.encode())}")
    return text


@attrs.frozen
class KvWrite:
    op: str  # "set" or "delete"
    value_json: str | None = None  # JSON text for "set"


@attrs.define
class KvEffects:
    """What one execution wants to change, applied all at once or not at all."""

    writes: dict[str, KvWrite] = attrs.field(factory=dict)
    increments: dict[str, int] = attrs.field(factory=dict)

    def __bool__(self) -> bool:
        return bool(self.writes or self.increments)


class KvReader(Protocol):
    """Committed state, as an executing script reads it."""

    async def get(self, key: str) -> Any | None:
        """The value's JSON text, or None when the key does not exist."""

    async def keys(self, prefix: str, limit: int) -> list[str]: ...
