"""Terminal output of the CLI: rich tables and colours for people, plain JSON for scripts.

User data (script sources, log lines, KV values) is always wrapped in
:class:`rich.text.Text`, never parsed as rich markup, so ``[red]`` in a log
line prints as written.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

STATUS_STYLES = {
    "succeeded": "green",
    "failed": "red",
    "dead_lettered": "bold red",
    "pending": "yellow",
    "running": "cyan",
}


def _console(stream: Any, *, stderr: bool = False) -> Console:
    # Not a terminal (a pipe, a file, a test): no wrapping of long lines, no colours.
    interactive = hasattr(stream, "isatty") and stream.isatty()
    return Console(file=stream, stderr=stderr, width=None if interactive else 4000, highlight=False)


class Output:
    """Where a command writes: ``out`` (stdout) for results, ``err`` (stderr) for messages and spinners."""

    def __init__(self, *, json_mode: bool = False, stdout: Any = None, stderr: Any = None):
        self.json_mode = json_mode
        self.out = _console(stdout or sys.stdout)
        self.err = _console(stderr or sys.stderr, stderr=True)

    # -- machine output --------------------------------------------------------------------

    def json(self, data: Any) -> None:
        self.out.file.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        self.out.file.flush()

    def json_line(self, data: Any) -> None:
        """One compact JSON document per line (for streams such as ``logs --follow``)."""
        self.out.file.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.out.file.flush()

    # -- people ------------------------------------------------------------------------------

    def print(self, *items: Any, **kw: Any) -> None:
        if self.out.is_terminal:
            self.out.print(*items, **kw)
            return
        # Tables and grids pad every cell; a pipe gets the lines without trailing blanks.
        with self.out.capture() as capture:
            self.out.print(*items, **kw)
        text = "\n".join(line.rstrip() for line in capture.get().split("\n"))
        self.out.file.write(text)
        self.out.file.flush()

    def raw(self, text: str) -> None:
        """Text exactly as given (a script's source, a response body)."""
        self.out.file.write(text if text.endswith("\n") or not text else text + "\n")
        self.out.file.flush()

    def success(self, message: str | Text) -> None:
        self.print(Text.assemble(("✓ ", "green"), message if isinstance(message, Text) else Text(message)))

    def note(self, message: str | Text) -> None:
        self.err.print(message if isinstance(message, Text) else Text(message, style="dim"))

    def warn(self, message: str) -> None:
        self.err.print(Text.assemble(("warning: ", "yellow bold"), message))

    def error(self, message: str) -> None:
        self.err.print(Text.assemble(("picloud: error: ", "red bold"), message))

    def table(self, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, empty: str = "(none)") -> None:
        rows = list(rows)
        if not rows:
            self.note(empty)
            return
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
        for index, column in enumerate(columns):
            values = [row[index] for row in rows if row[index] is not None and row[index] != "-"]
            numeric = bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
            # On a narrow terminal only free text and times wrap; ids, names and statuses stay whole.
            wraps = index > 0 and (column in WRAPPING_COLUMNS or "(UTC)" in column or column == "UPDATED")
            widest = max((len(_cell(row[index])) for row in rows), default=0)
            table.add_column(column, justify="right" if numeric else "left", overflow="fold", no_wrap=not wraps,
                             min_width=None if wraps else min(max(widest, len(column)), 40))
        for row in rows:
            table.add_row(*(cell if isinstance(cell, Text) else Text(_cell(cell)) for cell in row))
        self.print(table)

    def fields(self, pairs: Iterable[tuple[str, Any]]) -> None:
        """A key/value block."""
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column(overflow="fold")
        for key, value in pairs:
            grid.add_row(key, value if isinstance(value, Text) else Text(_cell(value)))
        self.print(grid)

    @contextlib.contextmanager
    def spinner(self, message: str) -> Iterator[None]:
        """A spinner on stderr while something slow runs (only on a terminal)."""
        if self.json_mode or not self.err.is_terminal:
            yield
            return
        with self.err.status(Text(message), spinner="dots"):
            yield


WRAPPING_COLUMNS = {"SCRIPT", "VALUE", "ERROR", "PATH", "PATTERN", "CRON"}


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def status_text(status: str | None) -> Text:
    return Text(status or "-", style=STATUS_STYLES.get(status or "", ""))


def http_status_text(status: int | None) -> Text:
    if status is None:
        return Text("-")
    style = "green" if status < 300 else "yellow" if status < 400 else "red"
    return Text(str(status), style=style)


def timestamp(value: str | None) -> str:
    """``2026-01-02T03:04:05.678Z`` → ``2026-01-02 03:04:05`` (UTC)."""
    if not value:
        return "-"
    return value[:19].replace("T", " ")


def duration(ms: float | None) -> str:
    if ms is None:
        return "-"
    if ms < 1000:
        return f"{ms:.1f} ms"
    return f"{ms / 1000:.2f} s"


def shorten(text: str, width: int = 60) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= width else text[: width - 1] + "…"
