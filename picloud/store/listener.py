"""PostgreSQL LISTEN/NOTIFY delivered to Trio consumers through bounded channels.

One dedicated connection listens on every channel any consumer subscribed to.
Each subscriber gets its own bounded memory channel. Nothing is ever allowed
to block or raise inside asyncpg's notification callback (an exception escaping
it would take down the whole ``trio.run``), so delivery there is
``send_nowait``. When a subscriber's channel is full, the notification is
dropped but the *fact* that something changed is not: the subscriber receives
an :class:`Overflow` marker as soon as it has room, which tells it to re-read
state from the database instead of relying on individual notifications. The
same marker is sent after a reconnect, because notifications sent while the
connection was down are gone.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import attrs
import trio
import trio_asyncio

from .database import _is_connection_error

log = logging.getLogger(__name__)


@attrs.frozen
class Notification:
    channel: str
    payload: str


@attrs.frozen
class Overflow:
    """Notifications on ``channel`` may have been lost: re-read state."""

    channel: str


Delivery = Notification | Overflow


@attrs.define(eq=False)
class _Subscriber:
    channel: str
    send: trio.MemorySendChannel
    overflow_pending: bool = False
    closed: bool = False


class Listener:
    """Owns the LISTEN connection. Run it as a task; subscribe from anywhere.

    ::

        listener = Listener(connect_kwargs)
        await nursery.start(listener.run)
        changes = await listener.subscribe("routes_changed")
        async for item in changes:   # Notification or Overflow
            ...
    """

    def __init__(self, connect_kwargs: dict[str, Any], *, max_backoff: float = 5.0):
        self._connect_kwargs = connect_kwargs
        self._loop: Any = None  # the trio-asyncio loop, captured by run()
        self._max_backoff = max_backoff
        self._subscribers: list[_Subscriber] = []
        self._listening: set[str] = set()
        self._conn: asyncpg.Connection | None = None
        self._connection_lost = trio.Event()
        self._nursery: trio.Nursery | None = None
        self.reconnects = 0

    async def subscribe(self, channel: str, *, buffer: int = 64) -> trio.MemoryReceiveChannel:
        """A channel of :data:`Delivery` items for ``channel``.

        Close the returned receive channel to unsubscribe.
        """
        send, receive = trio.open_memory_channel[Delivery](buffer)
        self._subscribers.append(_Subscriber(channel, send))
        if self._conn is not None and channel not in self._listening:
            try:
                await self._listen(self._conn, channel)
            except BaseException as exc:
                if not _is_connection_error(exc):
                    raise
                # The reconnect loop will LISTEN and send this subscriber an Overflow.
        return receive

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Connect, listen, and keep reconnecting with back-off until cancelled."""
        self._loop = trio_asyncio.current_loop.get()
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            started = False
            delay = 0.05
            while True:
                try:
                    await self._connect()
                except BaseException as exc:
                    if not _is_connection_error(exc):
                        raise
                    log.warning("LISTEN connection failed (%s); retrying in %.2fs", exc, delay)
                    await trio.sleep(delay)
                    delay = min(delay * 2, self._max_backoff)
                    continue
                delay = 0.05
                if not started:
                    task_status.started()
                    started = True
                else:
                    self.reconnects += 1
                    self._mark_all_overflowed()
                try:
                    await self._connection_lost.wait()
                finally:
                    await self._disconnect()
                log.warning("LISTEN connection lost; reconnecting")

    async def notify(self, channel: str, payload: str = "") -> None:
        """Send a NOTIFY on the listening connection (handy for tests and tools)."""
        conn = self._conn
        if conn is None:
            raise RuntimeError("listener is not connected")
        await self._aio(conn.execute)("SELECT pg_notify($1, $2)", channel, payload)

    # -- connection ----------------------------------------------------------

    def _aio(self, fn: Any) -> Any:
        return trio_asyncio.aio_as_trio(fn, loop=self._loop)

    async def _connect(self) -> None:
        self._connection_lost = trio.Event()
        conn = await self._aio(asyncpg.connect)(**self._connect_kwargs)
        conn.add_termination_listener(self._on_terminated)
        self._conn = conn
        self._listening = set()
        for channel in {s.channel for s in self._subscribers}:
            await self._listen(conn, channel)

    async def _listen(self, conn: asyncpg.Connection, channel: str) -> None:
        await self._aio(conn.add_listener)(channel, self._on_notification)
        self._listening.add(channel)

    async def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None or conn.is_closed():
            return
        with trio.CancelScope(shield=True), trio.move_on_after(2) as scope:
            await self._aio(conn.close)()
        if scope.cancelled_caught:
            conn.terminate()

    # -- callbacks from asyncpg: must never raise ------------------------------

    def _on_terminated(self, conn: asyncpg.Connection) -> None:
        try:
            if conn is self._conn:
                self._connection_lost.set()
        except Exception:  # pragma: no cover - defensive: see module docstring
            log.exception("error in LISTEN termination callback")

    def _on_notification(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        try:
            for subscriber in list(self._subscribers):
                if subscriber.channel == channel:
                    self._deliver(subscriber, Notification(channel, payload))
        except Exception:  # pragma: no cover - defensive: see module docstring
            log.exception("error delivering notification on %s", channel)

    # -- delivery --------------------------------------------------------------

    def _deliver(self, subscriber: _Subscriber, item: Delivery) -> None:
        if subscriber.overflow_pending:
            return  # an Overflow is already on its way; it covers this change
        try:
            subscriber.send.send_nowait(item)
        except trio.WouldBlock:
            self._schedule_overflow(subscriber)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            self._drop(subscriber)

    def _mark_all_overflowed(self) -> None:
        for subscriber in list(self._subscribers):
            if not subscriber.overflow_pending:
                self._schedule_overflow(subscriber)

    def _schedule_overflow(self, subscriber: _Subscriber) -> None:
        subscriber.overflow_pending = True
        assert self._nursery is not None
        self._nursery.start_soon(self._send_overflow, subscriber)

    async def _send_overflow(self, subscriber: _Subscriber) -> None:
        try:
            await subscriber.send.send(Overflow(subscriber.channel))
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            self._drop(subscriber)
        finally:
            subscriber.overflow_pending = False

    def _drop(self, subscriber: _Subscriber) -> None:
        subscriber.closed = True
        if subscriber in self._subscribers:
            self._subscribers.remove(subscriber)
