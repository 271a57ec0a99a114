"""JSON structured logs: formatter, format choice, and a real server's stderr."""

from __future__ import annotations

import io
import json
import logging
import time
import uuid

import pytest

from picloud.shared import observe
from picloud.shared.logging import (
    ENV_VAR, JsonFormatter, TextFormatter, choose_format, configure_logging, make_formatter,
)
from picloud.shared.outcome import Outcome, OutcomeKind


def record(message="hello %s", args=("world",), level=logging.INFO, extra=None, exc_info=None):
    logger = logging.getLogger("picloud.test")
    rec = logger.makeRecord("picloud.test", level, __file__, 1, message, args, exc_info, extra=extra)
    return rec


def test_json_line_has_time_level_logger_message_and_extra_fields():
    execution_id = uuid.uuid4()
    line = JsonFormatter().format(record(extra={"execution_id": execution_id, "script": "s", "route": "/a/{b}",
                                                "duration_ms": 1.5, "nested": {"k": [1, None]}}))
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "info" and data["logger"] == "picloud.test" and data["message"] == "hello world"
    assert data["time"].endswith("Z") and "T" in data["time"]
    assert data["execution_id"] == str(execution_id)
    assert data["script"] == "s" and data["route"] == "/a/{b}" and data["duration_ms"] == 1.5
    assert data["nested"] == {"k": [1, None]}


def test_json_exception_is_one_line_with_the_traceback():
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        import sys

        line = JsonFormatter().format(record("failed", (), logging.ERROR, exc_info=sys.exc_info()))
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "error"
    assert "ValueError: bad" in data["exception"] and "Traceback" in data["exception"]


def test_text_format_appends_extra_fields():
    line = TextFormatter().format(record(extra={"script": "s"}))
    assert line.endswith("INFO picloud.test: hello world script=s")


def test_format_choice(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert choose_format(io.StringIO(), {}) == "json"
    assert choose_format(Tty(), {}) == "text"
    assert choose_format(Tty(), {ENV_VAR: "json"}) == "json"
    assert choose_format(io.StringIO(), {ENV_VAR: "TEXT"}) == "text"
    assert choose_format(io.StringIO(), {ENV_VAR: "yaml"}) == "json"
    with pytest.raises(ValueError):
        make_formatter("yaml")


def test_configure_logging_replaces_its_own_handler(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "json")
    root = logging.getLogger()
    saved_level, saved = root.level, list(root.handlers)
    first, second = io.StringIO(), io.StringIO()
    try:
        assert configure_logging("debug", stream=first) == "json"
        assert configure_logging("info", stream=second) == "json"
        observe.execution_finished("e-1", "greet", "http",
                                   Outcome(OutcomeKind.SCRIPT_ERROR, started_at=1.0, finished_at=1.002),
                                   "failed")
        observe.execution_finished("e-2", "greet", "http", Outcome(OutcomeKind.SUCCEEDED), "succeeded")
    finally:
        for handler in list(root.handlers):
            if handler not in saved:
                root.removeHandler(handler)
        root.setLevel(saved_level)
    assert first.getvalue() == ""
    lines = [json.loads(line) for line in second.getvalue().splitlines()]
    # Successes are logged at debug, failures at info: only the failure shows at info.
    [line] = [line for line in lines if line["logger"] == "picloud.executions"]
    assert line["execution_id"] == "e-1" and line["script"] == "greet" and line["outcome"] == "script_error"
    assert line["status"] == "failed" and line["trigger"] == "http" and line["duration_ms"] == 2.0


def test_real_server_writes_json_lines_with_execution_fields(server, client):
    client.deploy("obs_logged", '"logged"', "GET", "/obs/logged")
    reply = client.call("GET", "/obs/logged")
    assert reply.status == 200
    execution_id = reply.execution_id
    deadline = time.monotonic() + 10
    while True:
        lines = [line for line in server.serve.output().splitlines() if line.startswith("{")]
        parsed = [json.loads(line) for line in lines]
        mine = [p for p in parsed if p.get("execution_id") == execution_id]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert parsed, server.serve.output()[-2000:]
    assert all({"time", "level", "logger", "message"} <= set(p) for p in parsed)
    [line] = mine
    assert line["script"] == "obs_logged" and line["outcome"] == "succeeded" and line["level"] == "debug"
    assert line["duration_ms"] >= 0 and line["trigger"] == "http"
