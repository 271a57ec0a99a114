"""Wiring of the all-in-one process: ``picloud serve``.

One ``trio.run``: the store (database, migrations, LISTEN) comes up first,
then the HTTP server; SIGINT/SIGTERM stop them in reverse order.
"""

from __future__ import annotations

import functools
import logging
import signal

import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve as hypercorn_serve

from picloud import __version__
from picloud.config import Settings
from picloud.manager.health import HealthEndpoint
from picloud.shared.http import ASGIApp, Receive, Scope, Send, send_error
from picloud.store.service import open_store

log = logging.getLogger("picloud")


class RootApp:
    """The one ASGI callable: platform endpoints under /_picloud, the rest later."""

    def __init__(self, health: ASGIApp):
        self._health = health

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/_picloud/health":
            if scope["method"] not in ("GET", "HEAD"):
                await send_error(send, 405, "method_not_allowed", "use GET", [(b"allow", b"GET, HEAD")])
                return
            await self._health(scope, receive, send)
            return
        await send_error(send, 404, "not_found", f"no route for {path}")


async def _lifespan(receive: Receive, send: Send) -> None:
    # Start-up and shutdown are owned by the supervisor, not by the server.
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _hypercorn_config(settings: Settings) -> HypercornConfig:
    config = HypercornConfig()
    host, port = settings.listen_address
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.graceful_timeout = max(settings.shutdown_timeout - 2, 1)
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    return config


async def serve(settings: Settings, *, announce=print) -> None:
    """Run PiCloud until SIGINT/SIGTERM, then shut down gracefully."""
    shutdown = trio.Event()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_wait_for_signal, shutdown)
        async with open_store(
            database_url=settings.database_url,
            data_dir=settings.data_dir,
            pg_bindir=settings.pg_bindir,
        ) as store:
            app = RootApp(HealthEndpoint(store.db))
            config = _hypercorn_config(settings)
            # Once shutdown starts, hypercorn drains within its graceful timeout;
            # this scope is the backstop should anything hang past ours.
            with trio.CancelScope() as http_scope:
                async with trio.open_nursery() as http:
                    await http.start(
                        functools.partial(hypercorn_serve, app, config, shutdown_trigger=shutdown.wait)
                    )
                    announce(f"PiCloud {__version__} listening on http://{settings.listen}")
                    announce(f"data folder: {settings.data_dir.resolve()}; database: {store.description}")
                    await shutdown.wait()
                    announce("PiCloud shutting down")
                    http_scope.deadline = trio.current_time() + settings.shutdown_timeout
        nursery.cancel_scope.cancel()


async def _wait_for_signal(shutdown: trio.Event) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            log.info("received %s", signal.Signals(signum).name)
            shutdown.set()
            return
