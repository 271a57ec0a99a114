"""``GET /_picloud/health``: public liveness and readiness of this process."""

from __future__ import annotations

import trio

from picloud import __version__
from picloud.shared.http import Receive, Scope, Send, send_json
from picloud.store.database import Database

# A health check that hangs is worse than one that says "no".
DATABASE_CHECK_TIMEOUT = 2.0


class HealthEndpoint:
    def __init__(self, db: Database):
        self._db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        instance = None
        with trio.move_on_after(DATABASE_CHECK_TIMEOUT):
            try:
                instance = await self._db.fetchval(
                    "SELECT id::text FROM picloud_instance", retry_for=0
                )
            except Exception:
                instance = None
        if instance is None:
            await send_json(send, 503, {"status": "unavailable", "database": "unreachable",
                                        "version": __version__})
            return
        await send_json(send, 200, {"status": "ok", "database": "ok", "instance": instance,
                                    "version": __version__})
