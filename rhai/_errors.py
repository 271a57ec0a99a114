"""Rhai error hierarchy: every failure is an ``EvalAltResult``."""

from __future__ import annotations

__all__ = ["EvalAltResult", "ParseError", "Position", "UNCATCHABLE"]


class Position(tuple):
    """(line, column), both 1-based; ``Position.NONE`` has no location."""

    __slots__ = ()

    def __new__(cls, line=0, col=0):
        return tuple.__new__(cls, (line, col))

    @property
    def line(self):
        return self[0]

    @property
    def column(self):
        return self[1]

    position = column

    def is_none(self):
        return self[0] == 0

    def __str__(self):
        return "none" if self[0] == 0 else f"{self[0]}:{self[1]}"

    def __repr__(self):
        return f"Position({self[0]}, {self[1]})"


Position.NONE = Position(0, 0)

UNCATCHABLE = frozenset(
    {
        "ErrorParsing",
        "ErrorTooManyOperations",
        "ErrorTooManyVariables",
        "ErrorTooManyModules",
        "ErrorStackOverflow",
        "ErrorDataTooLarge",
        "ErrorTerminated",
        "ErrorSystem",
        "ErrorCustomSyntax",
        "Exit",  # exit(value): ends the whole run with a value (not an error for the host)
    }
)


class EvalAltResult(Exception):
    """Base of all Rhai errors.

    ``kind`` is the Rhai variant name (``"ErrorArithmetic"``), ``message`` the
    Rhai display text without position, ``position`` a :class:`Position` or
    ``None``. ``fields`` holds variant data (``variable``, ``index``...).
    """

    def __init__(self, kind, message, position=None, **fields):
        self.kind = kind
        self.message = message
        self.position = position
        self.fields = fields
        self.inner = fields.get("inner")
        self.value = fields.get("value")
        super().__init__(message)

    @property
    def catchable(self):
        return self.kind not in UNCATCHABLE

    def __str__(self):
        p = self.position
        if p is None or p.is_none():
            return self.message
        return f"{self.message} (line {p[0]}, position {p[1]})"

    def __repr__(self):
        return f"{self.kind}({self.message!r}, {self.position!r})"


class ParseError(EvalAltResult):
    def __init__(self, parse_error_type, message, position=None, **fields):
        super().__init__("ErrorParsing", message, position, **fields)
        self.parse_error_type = parse_error_type

    def __str__(self):
        p = self.position
        s = "Syntax error: " + self.message
        if p is None or p.is_none():
            return s
        return f"{s} (line {p[0]}, position {p[1]})"


def err(kind, message, position=None, **fields):
    return EvalAltResult(kind, message, position, **fields)
