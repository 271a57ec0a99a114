"""BLOB (byte array) functions (reference section 8.3)."""

from __future__ import annotations

import struct

from .._values import Char, Range
from ._util import charge, norm_start, range_start_len, want_arr
# the same on bytearrays as on lists
from .arrays import _start_len, chop, split, splice, truncate
from .arrays import drain_range as drain
from .arrays import retain_range as retain

B = bytearray
I = int
F = float
S = (str,)
RG = (Range,)


def blob(ctx, d, n=0, v=0):
    if n <= 0:
        return bytearray()
    want_arr(ctx, n)
    charge(ctx, n)
    return bytearray([v & 0xFF]) * n


def get(b, i):
    n = len(b)
    if i < 0:
        i += n
    return b[i] if 0 <= i < n else 0


def set_(b, i, v):
    n = len(b)
    if i < 0:
        i += n
    if 0 <= i < n:
        b[i] = v & 0xFF


def push(b, v):
    b.append(v & 0xFF)


def append(b, x):
    t = type(x)
    if t is int:
        b.append(x & 0xFF)
    elif t is bytearray:
        b.extend(x)
    else:
        b.extend(str(x).encode())


def insert(b, i, v):
    n = len(b)
    if i < 0:
        i = max(0, i + n)
    if i >= n:
        b.append(v & 0xFF)
    else:
        b.insert(i, v & 0xFF)


def pop(b):
    return b.pop() if b else 0


def shift(b):
    return b.pop(0) if b else 0


def remove(b, i):
    n = len(b)
    if i < 0:
        i += n
    if 0 <= i < n:
        return b.pop(i)
    return 0


def pad(ctx, d, b, n, v):
    cur = len(b)
    if n <= cur:
        return
    want_arr(ctx, n)
    charge(ctx, n - cur)
    b.extend(bytes([v & 0xFF]) * (n - cur))


def extract(b, start, length=None):
    s, e = _start_len(b, start, length)
    return bytearray(b[s:e])


def contains(b, v):
    return 0 <= v <= 255 and v in b


def to_array(ctx, d, b):
    charge(ctx, len(b))
    return list(b)


def as_string(b):
    return b.decode("utf-8", "replace")


def _span(b, start, length=None):
    """(s, e) clamped byte span for parse_*/write_* (start < 0 from end)."""
    n = len(b)
    if type(start) is Range:
        s, ln = range_start_len(start)
    else:
        s, ln = norm_start(start, n), length
    if s >= n or ln <= 0:
        return s, s
    return s, min(n, s + ln)


def parse_int(order):
    def f(b, start, length=None):
        s, e = _span(b, start, length)
        chunk = bytes(b[s:e][:8])
        if not chunk:
            return 0
        # short reads are zero-padded after the bytes read (both orders)
        return int.from_bytes(chunk + b"\0" * (8 - len(chunk)), order, signed=True)
    return f


def parse_float(order):
    fmt = "<d" if order == "little" else ">d"

    def f(b, start, length=None):
        s, e = _span(b, start, length)
        chunk = bytes(b[s:e][:8])
        if not chunk:
            return 0.0
        chunk = chunk + b"\0" * (8 - len(chunk))
        return struct.unpack(fmt, chunk)[0]
    return f


def write(order):
    def f(b, start, length, v=None):
        if v is None:
            v = length
            length = None
        s, e = _span(b, start, length)
        if e <= s:
            return
        if type(v) is float:
            data = struct.pack("<d" if order == "little" else ">d", v)
        else:
            data = (v & 0xFFFFFFFFFFFFFFFF).to_bytes(8, order)
        data = data[: e - s]
        b[s:s + len(data)] = data
    return f


def write_str(ascii_only):
    def f(b, start, length, text=None):
        if text is None:
            text = length
            length = None
        s, e = _span(b, start, length)
        if e <= s:
            return
        data = text.encode("ascii", "ignore") if ascii_only else text.encode()
        data = data[: e - s]
        b[s:s + len(data)] = data
    return f


def register(reg):
    r = reg.register
    r("blob", (), blob, ctx=True)
    r("blob", (I,), blob, ctx=True)
    r("blob", (I, I), blob, ctx=True)
    r("len", (B,), len)
    r("get$len", (B,), len)
    r("is_empty", (B,), lambda b: not b)
    r("get$is_empty", (B,), lambda b: not b)
    r("get", (B, I), get)
    r("set", (B, I, I), set_, pure=False)
    r("push", (B, I), push, pure=False)
    r("append", (B, (I, B, Char, str)), append, pure=False)
    r("insert", (B, I, I), insert, pure=False)
    r("pop", (B,), pop, pure=False)
    r("shift", (B,), shift, pure=False)
    r("remove", (B, I), remove, pure=False)
    r("clear", (B,), lambda b: b.clear(), pure=False)
    r("truncate", (B, I), truncate, pure=False)
    r("chop", (B, I), chop, pure=False)
    r("reverse", (B,), lambda b: b.reverse(), pure=False)
    r("pad", (B, I, I), pad, pure=False, ctx=True)
    r("extract", (B, I), extract)
    r("extract", (B, RG), extract)
    r("extract", (B, I, I), extract)
    r("split", (B, I), split, pure=False)
    r("splice", (B, RG, B), splice, pure=False)
    r("splice", (B, I, I, B), splice, pure=False)
    r("drain", (B, RG), drain, pure=False)
    r("drain", (B, I, I), drain, pure=False)
    r("retain", (B, RG), retain, pure=False)
    r("retain", (B, I, I), retain, pure=False)
    r("contains", (B, I), contains)
    r("to_array", (B,), to_array, ctx=True)
    r("as_string", (B,), as_string)
    for order, suffix in (("little", "le"), ("big", "be")):
        r(f"parse_{suffix}_int", (B, I, I), parse_int(order))
        r(f"parse_{suffix}_int", (B, RG), parse_int(order))
        r(f"parse_{suffix}_float", (B, I, I), parse_float(order))
        r(f"parse_{suffix}_float", (B, RG), parse_float(order))
        r(f"write_{suffix}", (B, I, I, (I, F)), write(order), pure=False)
        r(f"write_{suffix}", (B, RG, (I, F)), write(order), pure=False)
    for name, asc in (("write_utf8", False), ("write_ascii", True)):
        r(name, (B, I, I, S), write_str(asc), pure=False)
        r(name, (B, RG, S), write_str(asc), pure=False)
