"""Request-body validation with error messages that name the field.

Hand-written rather than cattrs so that every message reads the same way:
``"<field>: <what is wrong>"`` or ``"unknown field 'sorce'"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from .responses import ApiError, bad_request
from .router import Request

# An absent Content-Type and curl's default for ``-d`` are read as JSON too, so
# ``curl -d '{"version": 2}' .../rollback`` works; the body must still be JSON.
JSON_TYPES = ("application/json", "application/x-www-form-urlencoded")

# Same rule as the CHECK constraint on scripts.name.
SCRIPT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")

MISSING: Any = object()


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def is_json(content_type: str) -> bool:
    return content_type in ("", *JSON_TYPES) or content_type.endswith("+json")


def json_body(request: Request, *, optional: bool = False, hint: str = "") -> dict[str, Any]:
    """The body as a JSON object. An absent Content-Type is taken as JSON.

    With ``optional``, an empty body is an empty object.
    """
    if optional and not request.body.strip():
        return {}
    if not is_json(request.content_type):
        raise ApiError(415, "unsupported_media_type",
                       f"Content-Type {request.content_type!r} is not supported; send application/json{hint}")
    try:
        data = json.loads(request.body, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"the body is not valid JSON: {exc}{hint}") from None
    if not isinstance(data, dict):
        raise bad_request(f"the body must be a JSON object, not {type_name(data)}")
    return data


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


class Fields:
    """Read fields of a JSON object, refusing unknown ones up front."""

    def __init__(self, data: dict[str, Any], known: Iterable[str]):
        self.data = data
        known = list(known)
        for key in data:
            if key not in known:
                raise bad_request(f"unknown field {key!r}; known fields: {', '.join(known)}")

    def get(self, name: str, *, required: bool = False) -> Any:
        if name not in self.data:
            if required:
                raise bad_request(f"{name}: this field is required")
            return MISSING
        return self.data[name]

    def string(self, name: str, *, required: bool = False, max_length: int | None = None) -> Any:
        value = self.get(name, required=required)
        if value is MISSING:
            return value
        return check_string(name, value, max_length=max_length)

    def integer(self, name: str, *, required: bool = False, minimum: int | None = None,
                maximum: int | None = None) -> Any:
        value = self.get(name, required=required)
        if value is MISSING:
            return value
        if type(value) is not int:
            raise bad_request(f"{name}: must be an integer, not {type_name(value)}")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise bad_request(f"{name}: must be between {minimum} and {maximum}")
        return value

    def choice(self, name: str, choices: Iterable[str], *, required: bool = False) -> Any:
        value = self.string(name, required=required)
        choices = list(choices)
        if value is not MISSING and value not in choices:
            raise bad_request(f"{name}: must be one of {', '.join(choices)}, not {value!r}")
        return value


def check_string(name: str, value: Any, *, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise bad_request(f"{name}: must be a string, not {type_name(value)}")
    if "\x00" in value:
        raise bad_request(f"{name}: must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise bad_request(f"{name}: must be valid Unicode (no lone surrogates)") from None
    if max_length is not None and len(value) > max_length:
        raise bad_request(f"{name}: must be at most {max_length} characters")
    return value


def check_script_name(name: str, field: str = "name") -> str:
    if not SCRIPT_NAME.fullmatch(name):
        raise bad_request(
            f"{field}: a script name is 1-128 characters of letters, digits, '_', '.' and '-', "
            f"starting with a letter or digit; got {name!r}"
        )
    return name


def positive_int_param(value: str) -> int | None:
    """A path or query parameter as a positive 64-bit integer, else None."""
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number < 2**63 else None
