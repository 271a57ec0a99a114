"""Helpers for Trio's exception groups at component boundaries."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


def sole_exception(group: BaseExceptionGroup) -> BaseException | None:
    """The one leaf exception inside (nested) single-member groups, else None."""
    exc: BaseException = group
    while isinstance(exc, BaseExceptionGroup):
        if len(exc.exceptions) != 1:
            return None
        exc = exc.exceptions[0]
    return exc


@contextlib.contextmanager
def unwrap_single_exception_groups() -> Iterator[None]:
    """Re-raise a group holding exactly one exception as that exception.

    Nurseries wrap whatever escapes them in an ExceptionGroup. Where a
    component uses a nursery only as an implementation detail, its callers
    should see the error it raised (``MigrationError``, ``OSError``) rather
    than a group; groups of several real failures are left as they are.
    """
    try:
        yield
    except BaseExceptionGroup as group:
        leaf = sole_exception(group)
        if leaf is None:
            raise
        raise leaf from leaf.__cause__
