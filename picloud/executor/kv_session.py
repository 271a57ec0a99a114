"""One execution's view of the KV store, used from its worker thread.

Reads go to the store (through ``trio.from_thread.run``: the worker thread
borrows the event loop for one query) unless this execution already wrote
the key: a script reads its own writes. Writes only update the buffered
:class:`~picloud.shared.kv.KvEffects`, committed with the outcome.
"""

from __future__ import annotations

import json
from typing import Any

import trio

from picloud.shared.kv import (
    DEFAULT_KEYS_LIMIT,
    MAX_KEYS_LIMIT,
    KvEffects,
    KvError,
    KvReader,
    KvWrite,
    check_key,
    check_prefix,
    encode_value,
)

from .convert import ConversionError, from_json_value, to_json_value

_MISSING = object()


class KvSession:
    def __init__(self, reader: KvReader):
        self._reader = reader
        self.effects = KvEffects()
        self._committed: dict[str, Any] = {}  # key -> decoded committed value or _MISSING

    # -- committed state ---------------------------------------------------------

    def _read_committed(self, key: str) -> Any:
        if key not in self._committed:
            text = trio.from_thread.run(self._reader.get, key)
            self._committed[key] = _MISSING if text is None else json.loads(text)
        return self._committed[key]

    # -- host functions (called by the engine in the worker thread) ----------------

    def kv_get(self, key: Any) -> Any:
        key = check_key(key)
        write = self.effects.writes.get(key)
        if write is not None:
            return None if write.op == "delete" else from_json_value(json.loads(write.value_json))
        value = self._read_committed(key)
        delta = self.effects.increments.get(key)
        if delta is not None:
            return _as_counter(key, value) + delta
        return None if value is _MISSING else from_json_value(value)

    def kv_set(self, key: Any, value: Any) -> None:
        key = check_key(key)
        try:
            text = encode_value(to_json_value(value))
        except (ConversionError, ValueError) as exc:
            raise KvError(f"kv_set({key!r}): {exc}") from None
        self.effects.increments.pop(key, None)
        self.effects.writes[key] = KvWrite("set", text)

    def kv_delete(self, key: Any) -> bool:
        key = check_key(key)
        write = self.effects.writes.get(key)
        if write is not None:
            existed = write.op == "set"
        else:
            existed = key in self.effects.increments or self._read_committed(key) is not _MISSING
        self.effects.increments.pop(key, None)
        self.effects.writes[key] = KvWrite("delete")
        return existed

    def kv_incr(self, key: Any, by: Any = 1) -> int:
        key = check_key(key)
        if type(by) is not int:
            raise KvError(f"kv_incr({key!r}, by): by must be an integer")
        write = self.effects.writes.get(key)
        if write is not None:
            # Already overwritten in this run: fold the increment into that write.
            base = 0 if write.op == "delete" else _as_counter(key, json.loads(write.value_json))
            self.effects.writes[key] = KvWrite("set", encode_value(base + by))
            return base + by
        base = _as_counter(key, self._read_committed(key))
        delta = self.effects.increments.get(key, 0) + by
        self.effects.increments[key] = delta
        return base + delta

    def kv_keys(self, prefix: Any, limit: Any = DEFAULT_KEYS_LIMIT) -> list[str]:
        try:
            prefix = check_prefix(prefix)
        except KvError as exc:
            raise KvError(f"kv_keys(prefix): {exc}") from None
        if type(limit) is not int or not 1 <= limit <= MAX_KEYS_LIMIT:
            raise KvError(f"kv_keys(prefix, limit): limit must be between 1 and {MAX_KEYS_LIMIT}")
        # Over-fetch by the number of keys this run deleted, then merge in its own writes.
        deleted = {k for k, w in self.effects.writes.items() if w.op == "delete"}
        wanted = limit + len(deleted)
        committed = trio.from_thread.run(self._reader.keys, prefix, wanted)
        own = {k for k, w in self.effects.writes.items() if w.op == "set" and k.startswith(prefix)}
        own.update(k for k in self.effects.increments if k.startswith(prefix))
        if len(committed) == wanted:
            # More committed keys may follow the last one fetched; own keys past
            # it would jump that queue.
            own = {k for k in own if k <= committed[-1]}
        keys = {k for k in committed if k not in deleted} | own
        return sorted(keys)[:limit]


def _as_counter(key: str, value: Any) -> int:
    if value is _MISSING or value is None:
        return 0
    if type(value) is not int:
        raise KvError(f"kv_incr({key!r}): the stored value is not an integer")
    return value
