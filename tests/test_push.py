"""``ddkg push``: the store copied over the Graph Store Protocol to ``ddkg serve`` (and to Virtuoso when Debian's
virtuoso-opensource is installed), retried, resumed, and kept in step with the local store."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from ddkg.graph.push import PushError, push, state_path
from ddkg.graph.store import GraphStore

TOKEN = "s3cret-token"
RECORDS = "https://w3id.org/ddkg/graph/records"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    monkeypatch.setenv("no_proxy", "*")  # never send 127.0.0.1 traffic to a proxy from the environment
    monkeypatch.setenv("NO_PROXY", "*")


@pytest.fixture
def served(tmp_path):
    """``ddkg serve`` with a write token over an empty store; yields its Graph Store URL."""
    log = tmp_path / "serve.log"
    proc = subprocess.Popen([sys.executable, "-m", "ddkg", "serve", "--store", str(tmp_path / "remote"), "--port",
                             "0", "--write-token", TOKEN, "-q"], stdout=subprocess.PIPE, stderr=log.open("w"),
                            text=True)
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    m = re.search(r"(http://\S+)/sparql", proc.stdout.readline() if ready else "")
    if not m:
        proc.kill()
        pytest.fail(f"ddkg serve did not start: {log.read_text()}")
    yield m.group(1) + "/data"
    proc.terminate()
    proc.communicate(timeout=20)


def served_quads(data_url: str) -> set[str]:
    req = urllib.request.Request(data_url, headers={"Accept": "application/n-quads"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return {str(q) for q in ox.parse(r.read(), format=ox.RdfFormat.N_QUADS)}


def local_quads(store: GraphStore) -> set[str]:
    return {str(q) for q in store.store}


def test_cli_push_copies_the_store_and_sends_nothing_twice(tmp_path, seeds_built, served):
    base = [sys.executable, "-m", "ddkg", "push", "--store", str(seeds_built[0]), "--endpoint", served,
            "--state", str(tmp_path / "state.jsonl"), "-q"]
    res = subprocess.run(base, capture_output=True, text=True, env={**os.environ, "DDKG_WRITE_TOKEN": TOKEN})
    assert res.returncode == 0, res.stderr
    store = GraphStore(seeds_built[0], read_only=True)
    n_docs = len(store.documents())
    assert res.stdout.startswith(f"{n_docs + 2} graph(s) sent, 0 unchanged")  # documents, entities, records
    assert served_quads(served) == local_quads(store)
    again = subprocess.run([*base, "--token", TOKEN], capture_output=True, text=True)
    assert again.returncode == 0 and again.stdout.startswith(f"0 graph(s) sent, {n_docs + 2} unchanged")
    assert "in 0 request(s)" in again.stdout
    wrong = subprocess.run([*base, "--token", "nope", "--fresh"], capture_output=True, text=True)
    assert wrong.returncode == 1 and "HTTP 401" in wrong.stderr and len(wrong.stderr.strip().splitlines()) == 1


def test_interrupted_push_resumes_where_it_stopped(tmp_path, seeds_built, served):
    store = GraphStore(seeds_built[0], read_only=True)
    state = tmp_path / "state.jsonl"
    sent: list[str] = []

    def crash_after_two(graph: str, status: str) -> None:
        sent.append(graph)
        if len(sent) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        push(store, served, token=TOKEN, state=state, parallel=1, progress=crash_after_two)
    assert 0 < len(served_quads(served)) < len(local_quads(store))
    done = [json.loads(line) for line in state.read_text().splitlines()]
    assert len(done) >= 2 and all(d["done"] for d in done)  # at least the two reported, maybe one more in flight
    # a torn last line, as a crash in mid-write leaves it, is ignored
    with state.open("a") as fh:
        fh.write('{"unit": "graph https://w3id.org/ddkg/doc/x", "chu')
    rep = push(store, served, token=TOKEN, state=state, parallel=1)
    assert rep.unchanged == len(done) and rep.graphs == len(store.documents()) - len(done) + 2
    assert served_quads(served) == local_quads(store)


def test_small_requests_and_forgotten_documents(tmp_path, seeds_built, served):
    """The entity and default graphs split into many requests; a document forgotten locally disappears from the
    server (its graph deleted, its record gone with the default graph's replacement)."""
    shutil.copytree(seeds_built[0], tmp_path / "st")
    store = GraphStore(tmp_path / "st")
    first = push(store, served, token=TOKEN, max_bytes=4000)
    assert first.requests == first.graphs >= len(store.documents()) + 6  # the two chunked graphs: 3+ requests each
    assert state_path(store, served).parent == tmp_path and state_path(store, served).exists()
    assert served_quads(served) == local_quads(store)
    _, sha, _ = store.documents()[0]
    assert store.forget([sha]) == 1
    second = push(store, served, token=TOKEN, max_bytes=4000)
    assert second.deleted == 1 and second.unchanged >= len(store.documents())
    assert served_quads(served) == local_quads(store)


class _FlakyStore(BaseHTTPRequestHandler):
    """A minimal Graph Store that answers 503 to every other request (and keeps what it is sent)."""

    graphs: dict[str, set[str]] = {}
    calls = 0
    always_fail = False

    def log_message(self, *args) -> None:
        pass

    def _handle(self) -> None:
        cls = type(self)
        cls.calls += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if cls.always_fail or cls.calls % 2:
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.end_headers()
            return
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)
        graph = q["graph"][0] if "graph" in q else ""
        lines = {line for line in body.decode().splitlines() if line}
        if self.command == "PUT":
            cls.graphs[graph] = lines
        elif self.command == "POST":
            cls.graphs.setdefault(graph, set()).update(lines)
        else:
            cls.graphs.pop(graph, None)
        self.send_response(204)
        self.end_headers()

    do_PUT = do_POST = do_DELETE = _handle


def test_transient_failures_are_retried_and_persistent_ones_reported(seeds_built):
    store = GraphStore(seeds_built[0], read_only=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyStore)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/store"
    try:
        rep = push(store, url, state=None, backoff=0.01, max_bytes=50_000, parallel=1)
        assert rep.retries == rep.requests // 2 > 0
        got = {(g, line) for g, lines in _FlakyStore.graphs.items() for line in lines}
        want = {("" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value,
                 f"{q.subject} {q.predicate} {q.object} .") for q in store.store}
        assert got == want
        _FlakyStore.always_fail = True
        t = time.monotonic()
        with pytest.raises(PushError, match=r"failed after 3 attempts \(HTTP 503") as err:
            push(store, url, state=None, retries=2, backoff=0.01)
        assert "\n" not in str(err.value) and time.monotonic() - t < 10
    finally:
        server.shutdown()


def test_bad_arguments_fail_in_one_line(seeds_built):
    store = GraphStore(seeds_built[0], read_only=True)
    with pytest.raises(PushError, match="not an http"):
        push(store, "ftp://example.org/data", state=None)
    with pytest.raises(PushError, match="not an absolute IRI"):
        push(store, "http://127.0.0.1:9/data", state=None, records_graph="records")
    with pytest.raises(PushError, match=r"failed after 1 attempts \(ConnectionError\)"):
        push(store, "http://127.0.0.1:9/data", state=None, retries=0)


# -- Virtuoso (Debian: virtuoso-opensource) ---------------------------------------------------------------------
VIRTUOSO_INI = """[Database]
DatabaseFile = virtuoso.db
ErrorLogFile = virtuoso.log
LockFile = virtuoso.lck
TransactionFile = virtuoso.trx
xa_persistent_file = virtuoso.pxa
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = virtuoso-temp.db
TransactionFile = virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = {sql}
ServerThreads = 4
CheckpointInterval = 0
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
[HTTPServer]
ServerPort = {http}
ServerRoot = .
ServerThreads = 4
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(shutil.which("virtuoso-t") is None, reason="Virtuoso is not installed "
                    "(Debian: apt-get install virtuoso-opensource-7-bin)")
def test_push_to_virtuoso(tmp_path, seeds_built):
    sql, http = _free_port(), _free_port()
    (tmp_path / "virtuoso.ini").write_text(VIRTUOSO_INI.format(sql=sql, http=http))
    proc = subprocess.Popen(["virtuoso-t", "-f", "-c", "virtuoso.ini"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(base + "/sparql?query=ASK%7B%7D", timeout=2).read()
                break
            except OSError:
                time.sleep(0.25)
        else:
            pytest.fail("Virtuoso did not start in 60 s")
        store = GraphStore(seeds_built[0], read_only=True)
        endpoint = base + "/sparql-graph-crud-auth"  # Digest-authenticated Graph Store (user dba)
        rep = push(store, endpoint, user="dba:dba", state=tmp_path / "state.jsonl", records_graph=RECORDS)
        assert rep.graphs == len(store.documents()) + 2 and rep.retries == 0
        query = ("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
                 "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/ddkg/')) }")
        url = base + "/sparql?" + urllib.parse.urlencode({"query": query})
        req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        rows = json.load(urllib.request.urlopen(req, timeout=60))["results"]["bindings"]

        def term(b):
            if b["type"] == "uri":
                return ox.NamedNode(b["value"])
            if "xml:lang" in b:
                return ox.Literal(b["value"], language=b["xml:lang"])
            return ox.Literal(b["value"], datatype=ox.NamedNode(b.get("datatype", ox.Literal("").datatype.value)))

        remote = {str(ox.Quad(term(r["s"]), term(r["p"]), term(r["o"]),
                              ox.DefaultGraph() if r["g"]["value"] == RECORDS else ox.NamedNode(r["g"]["value"])))
                  for r in rows}
        assert remote == local_quads(store)
        again = push(store, endpoint, user="dba:dba", state=tmp_path / "state.jsonl", records_graph=RECORDS)
        assert again.requests == 0
        with pytest.raises(PushError, match="HTTP 401"):
            push(store, endpoint, user="dba:wrong", state=None, records_graph=RECORDS, retries=0)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_state_file_name_depends_on_endpoint(tmp_path):
    store = GraphStore(tmp_path / "st")
    a, b = state_path(store, "http://a/data"), state_path(store, "http://b/data")
    assert a != b and a.parent == tmp_path and a.name.startswith("st.push-")
    with pytest.raises(PushError, match="in-memory"):
        state_path(GraphStore(), "http://a/data")
    assert Path(a).suffix == ".jsonl"
