"""Wiring of the all-in-one process: ``picloud serve``.

One ``trio.run``, one root supervisor; its children start in this order and
stop in the reverse one (design notes, section 2)::

    root
     ├─ store        PostgreSQL (embedded or not), migrations, LISTEN
     ├─ recorder     group-commits execution rows
     ├─ executor-N   run scripts in worker threads
     ├─ routes       in-memory route table, refreshed on NOTIFY
     ├─ dispatcher   runs outbox rows: async calls, retries, dead letters
     ├─ scheduler    fires cron schedules into the outbox
     └─ http         hypercorn (trio worker): user routes + control plane

Components that need the database are built when their child starts, from
the store the first child opened; :class:`Node` holds them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import signal
import socket
from typing import Any

import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve as hypercorn_serve

from actors import ChildSpec, Supervisor
from picloud import __version__
from picloud.config import Settings
from picloud.executor.library import ScriptLibrary
from picloud.executor.pool import ExecutorPool
from picloud.manager.api import ControlPlane
from picloud.manager.auth import Authenticator, ensure_admin_token, is_protected
from picloud.manager.dashboard import Dashboard, is_dashboard_path
from picloud.manager.health import HealthEndpoint
from picloud.manager.metrics import METRICS_PATH, Metrics
from picloud.manager.openapi import OPENAPI_PATH, openapi_endpoint
from picloud.manager.scheduler import Scheduler
from picloud.orchestrator.dispatcher import Dispatcher, RetryPolicy
from picloud.orchestrator.ingress import Ingress
from picloud.orchestrator.routes import RouteTable
from picloud.shared import observe
from picloud.shared.http import ASGIApp, Receive, Scope, Send, answer_lifespan, send_error
from picloud.store.catalog import PgScriptReader
from picloud.store.janitor import Janitor, Retention
from picloud.store.kv import PgKvReader
from picloud.store.outbox import PgOutbox
from picloud.store.recorder import Recorder
from picloud.store.schedules import PgSchedules
from picloud.store.service import Store, open_store

log = logging.getLogger("picloud")


def announce_line(text: str) -> None:
    """Tell the operator something, now: stdout is block-buffered when it is not a terminal."""
    print(text, flush=True)

API_PREFIX = "/_picloud/api/v1/"


class RootApp:
    """The one ASGI callable: platform endpoints under /_picloud, user routes otherwise."""

    def __init__(self, health: ASGIApp, control_plane: ASGIApp | None = None, ingress: ASGIApp | None = None,
                 auth: Authenticator | None = None, dashboard: ASGIApp | None = None,
                 metrics: ASGIApp | None = None):
        self._health = health
        self._control_plane = control_plane
        self._ingress = ingress
        self._auth = auth  # None: the control plane is open (tests only)
        self._dashboard = dashboard  # /_picloud/ and /_picloud/ui/... (docs/dashboard.md)
        self._metrics = metrics  # GET /_picloud/metrics (docs/observability.md)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await answer_lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope["path"]
        if not path.startswith("/_picloud"):
            if self._ingress is not None:
                await self._ingress(scope, receive, send)
            else:
                await send_error(send, 404, "not_found", f"no route for {path}")
            return
        if path == "/_picloud/health":
            if scope["method"] not in ("GET", "HEAD"):
                await send_error(send, 405, "method_not_allowed", "use GET", [(b"allow", b"GET, HEAD")])
                return
            await self._health(scope, receive, send)
        elif self._auth is not None and is_protected(path) and await self._auth.guard(scope, send) is None:
            return  # answered 401 (docs/auth.md)
        elif path == METRICS_PATH and self._metrics is not None:
            await self._metrics(scope, receive, send)
        elif path == OPENAPI_PATH:
            await openapi_endpoint(scope, receive, send)
        elif path.startswith(API_PREFIX) and self._control_plane is not None:
            await self._control_plane(scope, receive, send)
        elif self._dashboard is not None and is_dashboard_path(path):
            await self._dashboard(scope, receive, send)  # checks its own session (login page)
        else:
            await send_error(send, 404, "not_found", f"no such endpoint: {path}")


def _hypercorn_config(settings: Settings) -> HypercornConfig:
    config = HypercornConfig()
    host, port = settings.listen_address
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.graceful_timeout = max(settings.shutdown_timeout - 2, 1)
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    return config


def node_id_for(settings: Settings) -> str:
    """Stable across restarts of the same installation, distinct between hosts.

    Stability lets a restarted process release at once the leases its
    killed predecessor held (see ``Dispatcher.run``).
    """
    where = str(settings.data_dir.resolve()) + (settings.database_url or "")
    return f"{socket.gethostname()}-{hashlib.sha256(where.encode()).hexdigest()[:8]}"


class Node:
    """The components of one all-in-one process, built as their children start."""

    def __init__(self, settings: Settings, *, announce=None):
        self.settings = settings
        self.announce = announce or announce_line
        workers = settings.executor_workers or max(2, 2 * (os.cpu_count() or 1))
        self.pool = ExecutorPool(size=workers, queue=settings.executor_queue)
        self.metrics = Metrics(self.pool)  # fed by picloud.shared.observe (docs/observability.md)
        observe.add_observer(self.metrics)
        self.shutdown = trio.Event()
        self.store: Store | None = None
        self.recorder: Recorder | None = None
        self.library: ScriptLibrary | None = None
        self.routes: RouteTable | None = None
        self.dispatcher: Dispatcher | None = None
        self.auth: Authenticator | None = None
        self.scheduler: Scheduler | None = None

    def supervisor(self) -> Supervisor:
        timeout = self.settings.shutdown_timeout
        return Supervisor(
            [
                ChildSpec("store", self._run_store),
                ChildSpec("auth", self._run_auth),
                ChildSpec("recorder", self._run_recorder, request_stop=lambda: self.recorder.request_stop(),
                          shutdown=timeout),
                *self.pool.child_specs(shutdown=timeout),
                ChildSpec("routes", self._run_routes),
                ChildSpec("dispatcher", self._run_dispatcher,
                          request_stop=lambda: self.dispatcher.request_stop(), shutdown=timeout),
                ChildSpec("scheduler", self._run_scheduler, request_stop=lambda: self.scheduler.request_stop()),
                ChildSpec("janitor", self._run_janitor),
                ChildSpec("http", self._run_http, request_stop=self._begin_shutdown, shutdown=timeout),
                *self._caddy_specs(),
            ],
            name="root",
        )

    def _caddy_specs(self) -> list[ChildSpec]:
        """Caddy in front (``--caddy``): started last, stopped first (docs/deployment.md)."""
        if not self.settings.caddy:
            return []
        from picloud.caddy import GRACE_SECONDS, CaddyProcess

        caddy = CaddyProcess(self.settings)
        return [ChildSpec("caddy", caddy.run, request_stop=caddy.request_stop, shutdown=GRACE_SECONDS + 3)]

    def _begin_shutdown(self) -> None:
        self.pool.draining = True
        self.shutdown.set()

    async def _run_store(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        settings = self.settings
        async with open_store(database_url=settings.database_url, data_dir=settings.data_dir,
                              pg_bindir=settings.pg_bindir) as store:
            self.store = store
            self.library = ScriptLibrary(PgScriptReader(store.db))
            task_status.started()
            await trio.sleep_forever()

    async def _run_auth(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        settings = self.settings
        await ensure_admin_token(self.store.db, admin_token=settings.admin_token, data_dir=settings.data_dir,
                                 announce=self.announce)
        if self.auth is None:  # one instance for the process: the HTTP app holds it
            self.auth = Authenticator.for_database(self.store.db, ttl=settings.auth_cache_seconds)
        await self.auth.watch(self.store.listener.subscribe, task_status=task_status)

    async def _run_recorder(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        self.recorder = Recorder(self.store.db, max_chain_depth=self.settings.max_chain_depth)
        await self.recorder.run(task_status=task_status)

    async def _run_routes(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        self.routes = RouteTable(PgScriptReader(self.store.db), self.library, self.store.listener.subscribe)
        await self.routes.run(task_status=task_status)

    async def _run_dispatcher(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        self.dispatcher = Dispatcher(
            PgOutbox(self.store.db), self.recorder, self.library, self.pool,
            node_id=node_id_for(self.settings), subscribe=self.store.listener.subscribe,
            policy=RetryPolicy(self.settings.retry_base_seconds, self.settings.retry_max_seconds),
            kv_reader=PgKvReader(self.store.db),
        )
        await self.dispatcher.run(task_status=task_status)

    async def _run_scheduler(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        self.scheduler = Scheduler(PgSchedules(self.store.db), wake_dispatcher=self._wake_dispatcher,
                                   subscribe=self.store.listener.subscribe)
        await self.scheduler.run(task_status=task_status)

    async def _run_janitor(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        retention = Retention(dt.timedelta(days=self.settings.execution_retention_days),
                              self.settings.execution_retention_rows)
        await Janitor(self.store.db, retention).run(task_status=task_status)

    def app(self) -> RootApp:
        ingress = Ingress(self.routes, self.pool, self.recorder, self._wake_dispatcher,
                          PgKvReader(self.store.db), max_body_bytes=self.settings.max_body_bytes, auth=self.auth)
        control_plane = ControlPlane(self.store.db, self.library.cache, self.routes.refresh,
                                     self._wake_dispatcher, max_chain_depth=self.settings.max_chain_depth,
                                     on_tokens_changed=self.auth.invalidate)
        dashboard = Dashboard(self.store.db, self.library.cache, self.routes.refresh, self._wake_dispatcher,
                              self.auth, max_chain_depth=self.settings.max_chain_depth,
                              on_tokens_changed=self.auth.invalidate)
        return RootApp(HealthEndpoint(self.store.db), control_plane, ingress, auth=self.auth,
                       dashboard=dashboard, metrics=self.metrics.endpoint)

    def _wake_dispatcher(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()

    async def _run_http(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        config = _hypercorn_config(self.settings)
        await hypercorn_serve(self.metrics.measure(self.app()), config, shutdown_trigger=self.shutdown.wait,
                              task_status=task_status)


async def serve(settings: Settings, *, announce=None) -> None:
    """Run PiCloud until SIGINT/SIGTERM, then shut down gracefully."""
    announce = announce or announce_line
    node = Node(settings, announce=announce)
    root = node.supervisor()
    async with trio.open_nursery() as nursery:

        async def run_root(*, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
            await root.run(task_status=task_status)
            nursery.cancel_scope.cancel()  # stopped: the signal watcher is no longer needed

        nursery.start_soon(_stop_on_signal, root)
        await nursery.start(run_root)
        announce(f"PiCloud {__version__} listening on http://{settings.listen}")
        announce(f"data folder: {settings.data_dir.resolve()}; database: {node.store.description}")
        if settings.caddy:
            from picloud.caddy import public_url

            announce(f"Caddy serving {public_url(settings)}")
    announce("PiCloud stopped")


async def _stop_on_signal(root: Supervisor) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            log.info("received %s; shutting down", signal.Signals(signum).name)
            root.stop()
            return
