"""Per-script sandbox limits: the defaults, the ceilings, and validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

# Defaults suit request handlers on a small box; a script may ask for more,
# up to the ceilings, in its upload.
DEFAULTS: dict[str, int] = {
    "max_operations": 5_000_000,
    "max_call_levels": 64,
    "max_expr_depth": 64,
    "max_string_size": 1 << 20,
    "max_array_size": 100_000,
    "max_map_size": 100_000,
}

CEILINGS: dict[str, int] = {
    "max_operations": 1_000_000_000,
    "max_call_levels": 256,
    "max_expr_depth": 256,
    "max_string_size": 16 << 20,
    "max_array_size": 10_000_000,
    "max_map_size": 10_000_000,
}

DEFAULT_TIMEOUT_SECONDS = 5.0
MAX_TIMEOUT_SECONDS = 300.0


class LimitsError(ValueError):
    """An invalid limit; ``field`` names it as the API user wrote it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


@attrs.frozen
class ScriptLimits:
    max_operations: int = DEFAULTS["max_operations"]
    max_call_levels: int = DEFAULTS["max_call_levels"]
    max_expr_depth: int = DEFAULTS["max_expr_depth"]
    max_string_size: int = DEFAULTS["max_string_size"]
    max_array_size: int = DEFAULTS["max_array_size"]
    max_map_size: int = DEFAULTS["max_map_size"]

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None, *, field: str = "limits") -> ScriptLimits:
        """Validate user-given limits; missing ones take the defaults."""
        if values is None:
            return cls()
        if not isinstance(values, Mapping):
            raise LimitsError(field, "must be an object")
        unknown = sorted(set(values) - set(DEFAULTS))
        if unknown:
            raise LimitsError(
                f"{field}.{unknown[0]}", f"unknown limit; known limits are {', '.join(DEFAULTS)}"
            )
        checked = {}
        for name, value in values.items():
            if type(value) is not int:
                raise LimitsError(f"{field}.{name}", "must be an integer")
            if not 1 <= value <= CEILINGS[name]:
                raise LimitsError(f"{field}.{name}", f"must be between 1 and {CEILINGS[name]}")
            checked[name] = value
        return cls(**checked)

    def to_mapping(self) -> dict[str, int]:
        return attrs.asdict(self)


def check_timeout(value: Any, *, field: str = "timeout_seconds") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LimitsError(field, "must be a number of seconds")
    if not 0 < value <= MAX_TIMEOUT_SECONDS:
        raise LimitsError(field, f"must be more than 0 and at most {MAX_TIMEOUT_SECONDS:g}")
    return float(value)
