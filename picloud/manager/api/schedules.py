"""``/schedules``: run a script at the ticks of a cron expression (docs/schedules.md).

Writes commit, then the database trigger NOTIFYs ``picloud_schedules`` and
every scheduler (this node's included) re-plans; nothing else to call.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from picloud.manager.scheduler import CronError, CronSpec
from picloud.shared.clock import SystemClock, WallClock
from picloud.store import schedules as store

from .context import Context
from .responses import Response, bad_request, iso, location, not_found
from .router import Request, Router
from .validation import MISSING, Fields, check_script_name, json_body, positive_int_param, type_name

FIELDS = ("cron", "timezone", "script", "enabled")
DEFAULT_TIMEZONE = "UTC"

# "now" for fires_after and next_fire_at; replaceable in tests.
clock: WallClock = SystemClock()


def next_fire_at(schedule: store.Schedule, now: dt.datetime) -> dt.datetime | None:
    """The first tick after ``now`` (``None`` when disabled or never again)."""
    if not schedule.enabled:
        return None
    try:
        return CronSpec.parse(schedule.cron, schedule.timezone).next_after(now)
    except CronError:
        return None


def schedule_json(schedule: store.Schedule, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": schedule.id,
        "cron": schedule.cron,
        "timezone": schedule.timezone,
        "script": schedule.script,
        "enabled": schedule.enabled,
        "next_fire_at": iso(next_fire_at(schedule, now)),
        "last_fired_at": iso(schedule.last_fired_at),
        "created_at": iso(schedule.created_at),
        "updated_at": iso(schedule.updated_at),
    }


def _read(fields: Fields, *, required: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    cron = fields.string("cron", required=required)
    if cron is not MISSING:
        values["cron"] = cron.strip()
    timezone = fields.string("timezone", max_length=128)
    if timezone is not MISSING:
        values["timezone"] = timezone
    script = fields.string("script", required=required)
    if script is not MISSING:
        values["script"] = check_script_name(script, "script")
    enabled = fields.get("enabled")
    if enabled is not MISSING:
        if not isinstance(enabled, bool):
            raise bad_request(f"enabled: must be a boolean, not {type_name(enabled)}")
        values["enabled"] = enabled
    return values


def _check_cron(cron: str, timezone: str) -> None:
    """400 naming the field: the time zone first (the expression is read in it)."""
    try:
        CronSpec.parse("* * * * *", timezone)
    except CronError as exc:
        raise bad_request(f"timezone: {exc}") from None
    try:
        CronSpec.parse(cron, timezone)
    except CronError as exc:
        raise bad_request(f"cron: {exc}") from None


def _schedule_id(request: Request) -> int:
    schedule_id = positive_int_param(request.params["id"])
    if schedule_id is None:
        raise not_found(f"no schedule with id {request.params['id']}")
    return schedule_id


async def create_schedule(ctx: Context, request: Request) -> Response:
    values = _read(Fields(json_body(request), FIELDS), required=True)
    timezone = values.get("timezone", DEFAULT_TIMEZONE)
    _check_cron(values["cron"], timezone)
    now = clock.now()
    try:
        schedule = await ctx.db.run(
            store.create_schedule, values["cron"], timezone, values["script"], values.get("enabled", True), now
        )
    except store.UnknownScript as exc:
        raise bad_request(f"script: {exc}") from None
    return Response(201, schedule_json(schedule, now), (location(f"/schedules/{schedule.id}"),))


async def list_schedules(ctx: Context, request: Request) -> Response:
    request.query(set())
    schedules = await ctx.db.run(store.list_schedules)
    now = clock.now()
    return Response(200, {"schedules": [schedule_json(s, now) for s in schedules]})


async def get_schedule(ctx: Context, request: Request) -> Response:
    schedule_id = _schedule_id(request)
    schedule = await ctx.db.run(store.get_schedule, schedule_id)
    if schedule is None:
        raise not_found(f"no schedule with id {schedule_id}")
    return Response(200, schedule_json(schedule, clock.now()))


async def patch_schedule(ctx: Context, request: Request) -> Response:
    schedule_id = _schedule_id(request)
    values = _read(Fields(json_body(request), FIELDS), required=False)
    if "cron" in values or "timezone" in values:
        current = await ctx.db.run(store.get_schedule, schedule_id)
        if current is None:
            raise not_found(f"no schedule with id {schedule_id}")
        _check_cron(values.get("cron", current.cron), values.get("timezone", current.timezone))
    now = clock.now()
    try:
        schedule = await ctx.db.run(store.update_schedule, schedule_id, values, now)
    except store.UnknownScript as exc:
        raise bad_request(f"script: {exc}") from None
    if schedule is None:
        raise not_found(f"no schedule with id {schedule_id}")
    return Response(200, schedule_json(schedule, now))


async def delete_schedule(ctx: Context, request: Request) -> Response:
    schedule_id = _schedule_id(request)
    if not await ctx.db.run(store.delete_schedule, schedule_id):
        raise not_found(f"no schedule with id {schedule_id}")
    return Response(204)


def register(router: Router) -> None:
    router.add("GET", "/schedules", list_schedules)
    router.add("POST", "/schedules", create_schedule)
    router.add("GET", "/schedules/{id}", get_schedule)
    router.add("PATCH", "/schedules/{id}", patch_schedule)
    router.add("DELETE", "/schedules/{id}", delete_schedule)
