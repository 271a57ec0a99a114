"""PiCloud's settings: command-line flags, then ``PICLOUD_*`` variables, then
an optional TOML file, then defaults (earlier sources win).

Every setting has one name used everywhere: ``data_dir`` is ``--data-dir``,
``PICLOUD_DATA_DIR`` and ``data_dir = "..."`` in the file. The file is the one
named by ``--config`` / ``PICLOUD_CONFIG``, else ``./picloud.toml`` when it
exists. Unknown keys and values of the wrong type are errors that name the
key, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import cattrs

DEFAULT_CONFIG_FILE = Path("picloud.toml")


class ConfigError(ValueError):
    """A setting is missing, unknown or malformed; the message names it."""


def _parse_listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"listen must look like HOST:PORT (e.g. 127.0.0.1:8080), got {value!r}")
    return host.strip("[]"), int(port)


@attrs.frozen(kw_only=True)
class Settings:
    database_url: str | None = None
    """PostgreSQL URL; when unset, an embedded PostgreSQL runs in ``data_dir``."""
    data_dir: Path = Path(".picloud")
    """Where PiCloud keeps its state (the embedded database among it)."""
    listen: str = "127.0.0.1:8080"
    """HOST:PORT of the HTTP server."""
    pg_bindir: Path | None = None
    """PostgreSQL binaries for the embedded server (default: the bundled ones)."""
    log_level: str = "info"
    """debug, info, warning or error."""
    shutdown_timeout: float = 8.0
    """Seconds granted to drain in-flight work on SIGINT/SIGTERM."""
    executor_workers: int = 0
    """Scripts running at once; 0 means two per CPU core."""
    executor_queue: int = 16
    """Calls waiting per executor before sync calls are refused with 503."""
    max_body_bytes: int = 1 << 20
    """Largest request body a route accepts (413 above)."""
    retry_base_seconds: float = 1.0
    """Delay before the first retry of a failed async execution; doubles each time."""
    retry_max_seconds: float = 300.0
    """Longest delay between two attempts."""
    execution_retention_days: float = 7.0
    """Finished executions older than this are deleted (dead letters are kept)."""
    execution_retention_rows: int = 1_000_000
    """At most this many finished executions are kept; the oldest go first."""
    max_chain_depth: int = 8
    """How many KV-trigger hops may follow one another before the next is dead-lettered."""
    admin_token: str | None = attrs.field(default=None, repr=False)
    """The admin API token (stored hashed); unset: one is generated on first start."""
    auth_cache_seconds: float = 30.0
    """How long a verified token is trusted without asking the database again."""
    caddy: bool = False
    """Run Caddy in front of PiCloud as a supervised child process."""
    domain: str | None = None
    """Public domain name for Caddy; set: automatic HTTPS."""
    http_port: int = 8000
    """Caddy's HTTP port (with a domain: only redirects to HTTPS and ACME challenges)."""
    https_port: int = 443
    """Caddy's HTTPS port, used when a domain is set."""

    @property
    def listen_address(self) -> tuple[str, int]:
        return _parse_listen(self.listen)


FIELD_NAMES = tuple(f.name for f in attrs.fields(Settings))

_converter = cattrs.Converter(forbid_extra_keys=True)
_converter.register_structure_hook(Path, lambda value, _: Path(value))


def _parse_bool(value: Any, _: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {value!r}")


_converter.register_structure_hook(bool, _parse_bool)


def _env_values(environ: Mapping[str, str]) -> dict[str, str]:
    values = {}
    for name in FIELD_NAMES:
        raw = environ.get(f"PICLOUD_{name.upper()}")
        if raw is not None and raw != "":
            values[name] = raw
    return values


def _file_values(path: Path, *, required: bool) -> dict[str, Any]:
    if not path.exists():
        if required:
            raise ConfigError(f"config file {path} does not exist")
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - set(FIELD_NAMES))
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown setting(s) {', '.join(unknown)}; "
            f"known settings are {', '.join(FIELD_NAMES)}"
        )
    return data


def load_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Merge the sources by precedence and validate the result.

    ``flags`` holds only the flags the user actually gave (None = not given).
    """
    environ = os.environ if environ is None else environ
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    if config_file is None and environ.get("PICLOUD_CONFIG"):
        config_file = Path(environ["PICLOUD_CONFIG"])
    file_values = (
        _file_values(config_file, required=True)
        if config_file is not None
        else _file_values(DEFAULT_CONFIG_FILE, required=False)
    )
    merged: dict[str, Any] = {**file_values, **_env_values(environ), **flags}
    try:
        settings = _converter.structure(merged, Settings)
    except cattrs.BaseValidationError as exc:
        messages = cattrs.transform_error(exc)
        raise ConfigError("invalid settings: " + "; ".join(messages)) from exc
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc
    _check(settings)
    return settings


LOG_LEVELS = ("debug", "info", "warning", "error")
_DOMAIN = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*")


def _check(settings: Settings) -> None:
    """Checks that need the merged values, each with a message naming the setting."""
    settings.listen_address  # raises ConfigError when malformed
    if settings.log_level not in LOG_LEVELS:
        raise ConfigError(f"log_level must be one of {', '.join(LOG_LEVELS)}, got {settings.log_level!r}")
    if settings.executor_workers < 0 or settings.executor_queue < 0:
        raise ConfigError("executor_workers and executor_queue must not be negative")
    if not 0 < settings.retry_base_seconds <= settings.retry_max_seconds:
        raise ConfigError("retry_base_seconds must be positive and at most retry_max_seconds")
    if settings.execution_retention_days <= 0 or settings.execution_retention_rows < 1:
        raise ConfigError("execution_retention_days and execution_retention_rows must be positive")
    if not 1 <= settings.max_chain_depth <= 100:
        raise ConfigError(f"max_chain_depth must be between 1 and 100, got {settings.max_chain_depth}")
    if settings.max_body_bytes < 1:
        raise ConfigError(f"max_body_bytes must be positive, got {settings.max_body_bytes}")
    if settings.admin_token is not None and len(settings.admin_token) < 16:
        raise ConfigError("admin_token must be at least 16 characters (use a long random string)")
    if settings.auth_cache_seconds < 0:
        raise ConfigError(f"auth_cache_seconds must not be negative, got {settings.auth_cache_seconds}")
    for name in ("http_port", "https_port"):
        if not 1 <= getattr(settings, name) <= 65535:
            raise ConfigError(f"{name} must be a port number (1-65535), got {getattr(settings, name)}")
    if settings.domain is not None and not _DOMAIN.fullmatch(settings.domain):
        raise ConfigError(f"domain must be a host name such as picloud.example.com, got {settings.domain!r}")
    if settings.shutdown_timeout <= 0:
        raise ConfigError(f"shutdown_timeout must be positive, got {settings.shutdown_timeout}")
