"""Interfaces between parts, so the data plane never imports the store.

The store implements them against PostgreSQL; tests may substitute
in-memory fakes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

import attrs

from .executions import ClaimedExecution, Completion, NewExecution


class ExecutionWriter(Protocol):
    async def insert(self, rows: Sequence[NewExecution]) -> list[uuid.UUID]: ...

    async def complete(self, completion: Completion) -> None: ...


class Outbox(Protocol):
    async def claim(self, owner: str, now: dt.datetime, limit: int) -> list[ClaimedExecution]: ...

    async def next_wake_time(self) -> dt.datetime | None: ...

    async def release_leases_of(self, owner: str, now: dt.datetime) -> int: ...


@attrs.frozen
class ScriptVersion:
    name: str
    version: int
    source: str
    timeout_seconds: float
    limits: dict[str, Any]


@attrs.frozen
class RouteRecord:
    """A route joined with the script version it currently runs."""

    id: int
    method: str
    path: str
    dispatch_mode: str
    max_attempts: int
    script: ScriptVersion
    auth: str = "none"
    """'token': callers need a valid API token (docs/auth.md)."""


class RequestAuthenticator(Protocol):
    """Who sent a request (bearer token or session cookie); ``None`` when nobody valid."""

    async def check_request(self, scope: dict[str, Any]) -> object | None: ...


class ScriptReader(Protocol):
    async def load_version(self, name: str, version: int) -> ScriptVersion | None: ...

    async def load_routes(self) -> list[RouteRecord]: ...
