"""Side-by-side line diff of two script versions, as table rows for a template."""

from __future__ import annotations

import difflib

import attrs

CONTEXT = 3


@attrs.frozen
class Row:
    kind: str
    """``equal``, ``changed``, ``removed``, ``added`` or ``skip`` (a run of unchanged lines left out)."""
    left_no: int | None = None
    left: str = ""
    right_no: int | None = None
    right: str = ""
    skipped: int = 0


def side_by_side(a: str, b: str, context: int = CONTEXT) -> list[Row]:
    left, right = a.splitlines(), b.splitlines()
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    opcodes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            lines = list(range(i2 - i1))
            first, last = index == 0, index == len(opcodes) - 1
            keep_head = 0 if first else context
            keep_tail = 0 if last else context
            if len(opcodes) == 1:  # identical
                keep_head, keep_tail = len(lines), 0
            if len(lines) > keep_head + keep_tail + 1:
                shown = lines[:keep_head] + [-1] + lines[len(lines) - keep_tail:]
            else:
                shown = lines
            for k in shown:
                if k == -1:
                    rows.append(Row("skip", skipped=len(lines) - keep_head - keep_tail))
                else:
                    rows.append(Row("equal", i1 + k + 1, left[i1 + k], j1 + k + 1, right[j1 + k]))
        elif tag == "replace":
            for k in range(max(i2 - i1, j2 - j1)):
                has_left, has_right = i1 + k < i2, j1 + k < j2
                rows.append(Row(
                    "changed" if has_left and has_right else ("removed" if has_left else "added"),
                    i1 + k + 1 if has_left else None, left[i1 + k] if has_left else "",
                    j1 + k + 1 if has_right else None, right[j1 + k] if has_right else "",
                ))
        elif tag == "delete":
            for k in range(i1, i2):
                rows.append(Row("removed", k + 1, left[k], None, ""))
        elif tag == "insert":
            for k in range(j1, j2):
                rows.append(Row("added", None, "", k + 1, right[k]))
    return rows


def stats(rows: list[Row]) -> tuple[int, int]:
    """(lines added, lines removed)."""
    added = sum(1 for r in rows if r.kind in ("added", "changed"))
    removed = sum(1 for r in rows if r.kind in ("removed", "changed"))
    return added, removed
