"""Execution records as they travel between the data plane and the store."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import attrs

from .kv import KvEffects


@attrs.frozen
class NewExecution:
    """A row to insert: pending work (async) or a finished sync execution."""

    id: uuid.UUID
    trigger: str
    route_id: int | None
    script_name: str
    script_version: int
    dispatch_mode: str
    status: str
    input: Any
    created_at: dt.datetime
    max_attempts: int = 1
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    idempotency_key: str | None = None
    http_status: int | None = None
    result: Any = None
    error: Any = None
    logs: Sequence[str] = ()
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    chain_depth: int = 0
    trigger_id: int | None = None
    effects: KvEffects | None = None
    """KV writes to commit with this row (a finished sync execution's)."""


@attrs.frozen
class Completion:
    """How an attempt ended and what happens to its row next."""

    id: uuid.UUID
    lease_owner: str
    status: str  # succeeded, failed, pending (retry), dead_lettered
    http_status: int | None
    result: Any
    error: Any
    logs: Sequence[str]
    finished_at: dt.datetime
    next_attempt_at: dt.datetime | None = None
    effects: KvEffects | None = None
    """KV writes to commit, only if this completion still holds the lease."""
    chain_depth: int = 0


@attrs.frozen
class ClaimedExecution:
    id: uuid.UUID
    script_name: str
    script_version: int
    trigger: str
    input: Any
    attempts: int
    max_attempts: int
    chain_depth: int = 0
