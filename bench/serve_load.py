"""Load test of `ddkg serve` on loopback: N clients x M queries (named queries, ad-hoc SPARQL, malformed
queries mixed in), reporting errors, throughput and latency percentiles.

    python bench/serve_load.py --store STORE [--clients 16] [--queries 50] [--out bench/SERVE_LOAD.md]

Without --store it builds the bundled seed articles into a temporary store first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from ddkg.graph.query import library, named

MALFORMED = ["SELEC ?x WHERE { ?x ?y ?z }", "SELECT * WHERE { ?s ?p ", "ASK { <x:a> ?p \"unterminated }"]


def _workload() -> list[tuple[str, int]]:
    """(query, expected HTTP status): every named query, with and without a parameter, plus malformed ones."""
    out = [(named(n), 200) for n in library()]
    out += [(named(n, {p: "Shoigu"}), 200) for n, q in library().items() for p in q.params]
    out += [("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", 200)]
    out += [(m, 400) for m in MALFORMED]
    return out


def _get(base: str, query: str) -> tuple[int, float]:
    url = f"{base}/sparql?" + urllib.parse.urlencode({"query": query})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"}),
                                    timeout=60) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        e.read()
        status = e.code
    return status, time.perf_counter() - t


def run(store: Path, clients: int, queries: int) -> dict:
    os.environ["no_proxy"] = os.environ["NO_PROXY"] = "*"
    proc = subprocess.Popen([sys.executable, "-m", "ddkg", "serve", "--store", str(store), "--port", "0", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        base = re.search(r"(http://\S+)/sparql", line)[1]
        work = _workload()
        lat: list[float] = []
        wrong: list[str] = []
        lock = threading.Lock()

        def client(k: int) -> None:
            for i in range(queries):
                q, expected = work[(k * 7 + i) % len(work)]
                status, secs = _get(base, q)
                with lock:
                    lat.append(secs)
                    if status != expected:
                        wrong.append(f"{status} (expected {expected})")

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        alive = proc.poll() is None and _get(base, "ASK { ?s ?p ?o }")[0] == 200
    finally:
        proc.terminate()
        proc.wait(15)
    lat.sort()
    pct = statistics.quantiles(lat, n=100, method="inclusive")
    return {"clients": clients, "queries": queries, "requests": len(lat), "wrong": wrong, "alive": alive,
            "wall": wall, "rps": len(lat) / wall, "p50": pct[49], "p90": pct[89], "p99": pct[98], "max": lat[-1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = a.store
        if store is None:
            from importlib import resources

            store = Path(tmp) / "store"
            with resources.as_file(resources.files("ddkg") / "examples") as ex:
                subprocess.run([sys.executable, "-m", "ddkg", "build", str(ex), "--store", str(store), "-q"],
                               check=True, capture_output=True)
        r = run(store, a.clients, a.queries)
    ms = {k: f"{r[k] * 1000:.1f} ms" for k in ("p50", "p90", "p99", "max")}
    load = os.getloadavg()
    text = (f"# `ddkg serve` under load ({dt.date.today()})\n\n"
            f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
            f"load average at end {load[0]:.1f}. Store: {'seed articles' if a.store is None else a.store}.\n"
            f"Command: `python bench/serve_load.py --clients {a.clients} --queries {a.queries}`\n\n"
            "| clients x queries | requests | unexpected status | server alive | throughput | p50 | p90 | p99 | max |\n"
            f"|---|---|---|---|---|---|---|---|---|\n"
            f"| {a.clients} x {a.queries} | {r['requests']} | {len(r['wrong'])} | {r['alive']} | "
            f"{r['rps']:.0f} req/s | {ms['p50']} | {ms['p90']} | {ms['p99']} | {ms['max']} |\n\n"
            "The workload cycles through every named query (with and without a parameter), a full count, and "
            "three malformed queries (expected: 400).\n")
    print(text)
    if a.out:
        a.out.write_text(text, encoding="utf-8")
    if r["wrong"] or not r["alive"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
