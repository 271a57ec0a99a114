"""The ``picloud`` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import trio

from picloud import __version__
from picloud.config import ConfigError, Settings, load_settings
from picloud.store.embedded import EmbeddedPostgresError
from picloud.store.migrations import MigrationError

# Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration.
EXIT_FAILURE = 1
EXIT_USAGE = 2


def _add_common_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML settings file (default: ./picloud.toml if present)")
    parser.add_argument("--database-url", help="PostgreSQL URL; default: embedded PostgreSQL in the data folder")
    parser.add_argument("--data-dir", type=Path, help="state folder (default: ./.picloud)")
    parser.add_argument("--pg-bindir", type=Path, help="PostgreSQL binaries for the embedded server")
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="picloud", description="PiCloud: a self-hosted serverless platform")
    parser.add_argument("--version", action="version", version=f"picloud {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the all-in-one server")
    _add_common_flags(serve)
    serve.add_argument("--listen", help="HOST:PORT for HTTP (default: 127.0.0.1:8080)")
    serve.add_argument("--caddy", action="store_true", default=None,
                       help="run Caddy in front of PiCloud (docs/deployment.md)")
    serve.add_argument("--domain", help="public domain for Caddy: automatic HTTPS")
    serve.add_argument("--http-port", type=int, help="Caddy's HTTP port (default: 8000)")

    migrate = commands.add_parser("migrate", help="apply database migrations and exit")
    _add_common_flags(migrate)

    token = commands.add_parser("token", help="create, list or revoke API tokens (docs/auth.md)")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="create a token and print its secret once")
    create.add_argument("name")
    _add_common_flags(create)
    _add_common_flags(token_commands.add_parser("list", help="list tokens (never their secrets)"))
    revoke = token_commands.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("id")
    _add_common_flags(revoke)
    return parser


def _settings_from(args: argparse.Namespace) -> Settings:
    flags = {name: getattr(args, name, None) for name in
             ("database_url", "data_dir", "pg_bindir", "log_level", "listen", "caddy", "domain", "http_port")}
    return load_settings(flags, config_file=args.config)


def _configure_logging(level: str) -> None:
    from picloud.shared.logging import configure_logging

    configure_logging(level)  # JSON lines unless stderr is a terminal; PICLOUD_LOG_FORMAT (docs/observability.md)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings_from(args)
    except ConfigError as exc:
        print(f"picloud: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _configure_logging(settings.log_level)
    try:
        if args.command == "serve":
            from picloud.app import serve

            trio.run(serve, settings)
        elif args.command == "migrate":
            trio.run(_migrate, settings)
        elif args.command == "token":
            from picloud.manager.auth import run_token_command

            argument = getattr(args, "name", None) or getattr(args, "id", None)
            return trio.run(run_token_command, settings, args.token_command, argument)
    except (EmbeddedPostgresError, MigrationError) as exc:
        print(f"picloud: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 0
    return 0


async def _migrate(settings: Settings) -> None:
    from picloud.store.service import open_store

    async with open_store(
        database_url=settings.database_url, data_dir=settings.data_dir, pg_bindir=settings.pg_bindir
    ) as store:
        applied = store.migrations.applied
        print(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else "")
              + f"; database: {store.description}")


if __name__ == "__main__":
    sys.exit(main())
