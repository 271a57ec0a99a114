"""Values across the sandbox wall: JSON-compatible Python <-> Rhai values.

Scripts only ever see plain data (maps, arrays, strings, numbers, bools and
``()``); what leaves a script is converted back to JSON-compatible Python or
refused with a clear message. Rhai chars are ``str`` subclasses and arrive
here as one-character strings; Rhai maps are dicts with string keys.
"""

from __future__ import annotations

import math
from typing import Any

INT_MIN = -(1 << 63)
INT_MAX = (1 << 63) - 1
MAX_DEPTH = 64


class ConversionError(ValueError):
    """A script value that has no JSON form (a function pointer, NaN...)."""


def to_json_value(value: Any, _depth: int = 0) -> Any:
    """Convert a Rhai result into plain JSON-compatible Python."""
    if _depth > MAX_DEPTH:
        raise ConversionError(f"value nested deeper than {MAX_DEPTH} levels")
    if value is None or type(value) is bool or type(value) is int:
        return value
    if isinstance(value, str):
        return str(value)  # a Rhai char (str subclass) becomes a plain string
    if type(value) is float:
        if math.isnan(value) or math.isinf(value):
            raise ConversionError(f"{value} has no JSON representation")
        return value
    if isinstance(value, list):
        return [to_json_value(item, _depth + 1) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json_value(item, _depth + 1) for key, item in value.items()}
    if isinstance(value, (bytes, bytearray)):
        return list(value)  # a BLOB: its bytes as an array of integers
    raise ConversionError(f"a value of type {type(value).__name__} cannot be converted to JSON")


def from_json_value(value: Any) -> Any:
    """Convert parsed JSON into Rhai values (integers outside i64 become floats)."""
    if type(value) is int:
        return value if INT_MIN <= value <= INT_MAX else float(value)
    if isinstance(value, list):
        return [from_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: from_json_value(item) for key, item in value.items()}
    return value
