"""Execution events for logs and metrics, without the data plane knowing either.

The orchestrator may not import the manager (design notes, section 1), so
the ingress and the dispatcher report each finished attempt here, with one
call; this module logs it (logger ``picloud.executions``) and hands it to the
observers installed with :func:`add_observer` (the Prometheus metrics of
:mod:`picloud.manager.metrics`). An observer that raises is logged and
otherwise ignored: observability never fails a request.
"""

from __future__ import annotations

import logging
from typing import Protocol

import attrs

from .outcome import Outcome, OutcomeKind

log = logging.getLogger("picloud.executions")


@attrs.frozen
class ExecutionFinished:
    """One attempt of one execution ended."""

    execution_id: str
    script: str
    trigger: str
    """What started it: ``http``, ``kv``, ``cron``, ..."""
    outcome: OutcomeKind
    status: str
    """The execution's status afterwards: ``succeeded``, ``failed``, ``pending``
    (a retry is scheduled) or ``dead_lettered``."""
    duration_seconds: float | None
    """Run time in the executor; ``None`` when the script never ran to an end we timed."""
    attempt: int = 1


class Observer(Protocol):
    def execution_finished(self, event: ExecutionFinished) -> None: ...


_observers: list[Observer] = []


def add_observer(observer: Observer) -> None:
    if observer not in _observers:
        _observers.append(observer)


def remove_observer(observer: Observer) -> None:
    if observer in _observers:
        _observers.remove(observer)


def execution_finished(execution_id: object, script: str, trigger: str, outcome: Outcome, status: str,
                       attempt: int = 1) -> None:
    """Report a finished attempt: a log line, then the observers."""
    duration = outcome.finished_at - outcome.started_at if outcome.finished_at and outcome.started_at else None
    event = ExecutionFinished(str(execution_id), script, trigger, outcome.kind, status,
                              duration if duration is None or duration >= 0 else 0.0, attempt)
    level = logging.DEBUG if outcome.succeeded else logging.INFO
    if log.isEnabledFor(level):
        log.log(level, "execution %s of %s: %s", status, script, outcome.kind.value, extra={
            "execution_id": event.execution_id, "script": script, "trigger": trigger,
            "outcome": outcome.kind.value, "status": status, "attempt": attempt,
            "duration_ms": None if event.duration_seconds is None else round(event.duration_seconds * 1000, 3),
        })
    for observer in tuple(_observers):
        try:
            observer.execution_finished(event)
        except Exception:
            log.exception("execution observer %r failed", observer)
