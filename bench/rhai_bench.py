"""Rhai engine vs hand-written CPython on six workloads.

Run: python bench/rhai_bench.py   (engine runs with limits ON: op counting,
call-depth, expression-depth, string/array/map size limits, wall-clock limit).
"""

from __future__ import annotations

import functools
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import rhai  # noqa: E402

FIB = """
fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
fib(25)
"""


def py_fib():
    def fib(n):
        if n < 2:
            return n
        return fib(n - 1) + fib(n - 2)
    return fib(25)


LOOP = """
let s = 0;
for i in 0..1000000 { s += i; }
s
"""


def py_loop():
    s = 0
    for i in range(0, 1000000):
        s += i
    return s


SIEVE = """
let n = 1000000;
let flags = [];
for i in 0..=n { flags.push(true); }
let count = 0;
for i in 2..=n {
    if flags[i] {
        count += 1;
        let j = i * i;
        while j <= n { flags[j] = false; j += i; }
    }
}
count
"""


def py_sieve():
    n = 1000000
    flags = []
    for i in range(0, n + 1):
        flags.append(True)
    count = 0
    for i in range(2, n + 1):
        if flags[i]:
            count += 1
            j = i * i
            while j <= n:
                flags[j] = False
                j += i
    return count


MATRIX = """
let n = 50;
let a = []; let b = [];
for i in 0..n {
    let ra = []; let rb = [];
    for j in 0..n { ra.push(i + j); rb.push(i - j); }
    a.push(ra); b.push(rb);
}
let c = [];
for i in 0..n {
    let row = [];
    for j in 0..n {
        let s = 0;
        for k in 0..n { s += a[i][k] * b[k][j]; }
        row.push(s);
    }
    c.push(row);
}
c[10][20] + c[49][49]
"""


def py_matrix():
    n = 50
    a = []
    b = []
    for i in range(n):
        ra = []
        rb = []
        for j in range(n):
            ra.append(i + j)
            rb.append(i - j)
        a.append(ra)
        b.append(rb)
    c = []
    for i in range(n):
        row = []
        for j in range(n):
            s = 0
            for k in range(n):
                s += a[i][k] * b[k][j]
            row.append(s)
        c.append(row)
    return c[10][20] + c[49][49]


STRMAP = """
let m = #{};
let words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];
for i in 0..30000 {
    let k = words[i % 8] + "-" + (i % 50);
    if k in m { m[k] += 1; } else { m[k] = 1; }
}
let out = "";
for k in m.keys() { out += k; out += "="; out += m[k]; out += ";"; }
out.len()
"""


def py_strmap():
    m = {}
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    for i in range(30000):
        k = words[i % 8] + "-" + str(i % 50)
        if k in m:
            m[k] += 1
        else:
            m[k] = 1
    out = ""
    for k in sorted(m):
        out += k
        out += "="
        out += str(m[k])
        out += ";"
    return len(out)


CSV = """
let lines = [];
let names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
let cities = ["paris", "berlin", "rome", "madrid", "oslo"];
for i in 0..3000 {
    lines.push(names[i % 8] + "," + cities[i % 5] + "," + (i * 7 % 100) + "," + (i % 3 == 0));
}
let csv = "";
for l in lines { csv += l; csv += "\\n"; }
let rows = csv.split("\\n").filter(|l| l != "").map(|l| {
    let f = l.split(",");
    #{ name: f[0], city: f[1], score: parse_int(f[2]), active: f[3] == "true" }
});
let active = rows.filter(|r| r.active && r.score >= 10);
let totals = #{};
for r in active {
    let k = r.city;
    if k in totals { totals[k] += r.score; } else { totals[k] = r.score; }
}
let keys = totals.keys();
keys.sort();
let out = [];
for k in keys {
    let label = k.to_upper();
    label.pad(8, '.');
    out.push(label + ":" + totals[k]);
}
let best = active.map(|r| r.score).reduce(|s, x| if x > s { x } else { s }, 0);
let tagged = rows.filter(|r| r.name.contains("a")).map(|r| r.name.sub_string(0, 3) + "@" + r.city.index_of("r"));
tagged.sort();
let report = out.reduce(|s, x| s + x + ";", "");
report.len() + best + tagged.len() + tagged[0].len() + tagged[tagged.len() - 1].len()
"""


def py_csv():
    lines = []
    names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
    cities = ["paris", "berlin", "rome", "madrid", "oslo"]
    for i in range(0, 3000):
        lines.append(names[i % 8] + "," + cities[i % 5] + "," + str(i * 7 % 100) + ","
                     + ("true" if i % 3 == 0 else "false"))
    csv = ""
    for l in lines:
        csv += l
        csv += "\\n"

    def row(l):
        f = l.split(",")
        return {"name": f[0], "city": f[1], "score": int(f[2]), "active": f[3] == "true"}
    rows = list(map(row, filter(lambda l: l != "", csv.split("\\n"))))
    active = list(filter(lambda r: r["active"] and r["score"] >= 10, rows))
    totals = {}
    for r in active:
        k = r["city"]
        if k in totals:
            totals[k] += r["score"]
        else:
            totals[k] = r["score"]
    keys = list(totals.keys())
    keys.sort()
    out = []
    for k in keys:
        label = k.upper()
        label = label.ljust(8, ".")
        out.append(label + ":" + str(totals[k]))
    best = functools.reduce(lambda s, x: x if x > s else s, map(lambda r: r["score"], active), 0)
    tagged = list(map(lambda r: r["name"][0:3] + "@" + str(r["city"].find("r")),
                      filter(lambda r: "a" in r["name"], rows)))
    tagged.sort()
    report = functools.reduce(lambda s, x: s + x + ";", out, "")
    return len(report) + best + len(tagged) + len(tagged[0]) + len(tagged[len(tagged) - 1])


WORKLOADS = [
    ("fib(25)", FIB, py_fib),
    ("loop 1e6", LOOP, py_loop),
    ("sieve 1e6", SIEVE, py_sieve),
    ("matmul 50", MATRIX, py_matrix),
    ("string/map", STRMAP, py_strmap),
    ("csv/stdlib", CSV, py_csv),
]


def make_engine():
    e = rhai.Engine()
    e.set_max_operations(1_000_000_000)
    e.set_max_call_levels(64)
    e.set_max_string_size(10_000_000)
    e.set_max_array_size(10_000_000)
    e.set_max_map_size(1_000_000)
    e.set_time_limit(120)
    return e


def main():
    """Best (minimum) of several interleaved repetitions for both sides, so that
    machine noise affects the engine and the hand-written Python alike."""
    repeat = int(os.environ.get("RHAI_BENCH_REPEAT", "7"))
    only = sys.argv[1:]
    engine = make_engine()
    worst = 0.0
    print(f"{'workload':<12} {'rhai (s)':>10} {'python (s)':>11} {'ratio':>7}")
    for name, script, pyfn in WORKLOADS:
        if only and name not in only:
            continue
        ast = engine.compile(script)
        tr = tp = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            rr = engine.eval_ast(ast)
            t1 = time.perf_counter()
            rp = pyfn()
            t2 = time.perf_counter()
            assert rr == rp, (name, rr, rp)
            tr = min(tr, t1 - t0)
            tp = min(tp, t2 - t1)
        ratio = tr / tp
        worst = max(worst, ratio)
        print(f"{name:<12} {tr:>10.4f} {tp:>11.4f} {ratio:>7.2f}x", flush=True)
    print(f"worst ratio: {worst:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
