"""``ddkg push``: copy a store into a server-class triple store over the SPARQL 1.1 Graph Store Protocol.

What is sent, in this order:

1. every document's named graph, one ``PUT ?graph=<document IRI>`` each (replace: idempotent);
2. the entity graph (labels, KB facts), which grows with the corpus: split into requests of at most
   ``max_bytes``, the first a ``PUT``, the rest ``POST`` (add);
3. ``DELETE`` of document graphs this push sent earlier that are no longer in the store (forgotten or replaced);
4. the default graph (document records and extraction activities) last, so a server never lists a document whose
   graph has not arrived; chunked like the entity graph. Servers without a writable default graph (Virtuoso)
   take it in a named graph instead (``records_graph``); queries over the union of graphs see the same data.

Requests that fail for a transient reason (connection refused or reset, timeout, HTTP 408/429/5xx) are retried with
exponential backoff. Progress is appended to a state file (one JSON line per request done; a torn last line
is ignored), so a push that was interrupted resumes where it stopped and a later push sends only the graphs
that changed: each request body's SHA-1 is recorded and compared.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from .rdf import ENTITY_GRAPH
from .store import GraphStore

NTRIPLES = "application/n-triples"
RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class PushError(RuntimeError):
    """The push cannot go on; the message names the request and the problem in one line."""


@dataclass
class PushReport:
    graphs: int = 0  # graphs (or chunks of one) sent
    unchanged: int = 0  # already on the server from an earlier push
    deleted: int = 0
    requests: int = 0
    retries: int = 0
    triples: int = 0
    bytes: int = 0

    def summary(self) -> str:
        return (f"{self.graphs} graph(s) sent, {self.unchanged} unchanged, {self.deleted} deleted; "
                f"{self.triples} triples, {self.bytes / 1e6:.1f} MB in {self.requests} request(s), "
                f"{self.retries} retried")


def state_path(store: GraphStore, endpoint: str, records_graph: str | None = None) -> Path:
    """Default state file: beside the store directory, one per endpoint (and records graph)."""
    if store.path is None:
        raise PushError("an in-memory store needs an explicit state file")
    tag = hashlib.sha1(f"{endpoint}\n{records_graph or ''}".encode()).hexdigest()[:10]
    return store.path.parent / f"{store.path.name}.push-{tag}.jsonl"


class _State:
    """Append-only log, one JSON object per line: ``{"unit", "chunk", "sha1"}`` per request done (``"done"``
    added, or alone, when the unit is complete), ``{"unit", "deleted": true}``. Chunk 0 starts a new attempt."""

    def __init__(self, path: Path | None):
        self.path, self.units, self.lock = path, {}, threading.Lock()
        self.fh = None
        if path is None:
            return
        try:
            lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        except (OSError, UnicodeDecodeError) as exc:
            raise PushError(f"{path}: cannot read the push state ({exc})") from None
        for line in lines:
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # a line torn by a crash
            u = rec.get("unit")
            if "deleted" in rec:
                self.units.pop(u, None)
                continue
            if rec.get("chunk") == 0:
                self.units[u] = {"chunks": [rec["sha1"]], "done": False}
            elif "chunk" in rec and u in self.units and rec["chunk"] == len(self.units[u]["chunks"]):
                self.units[u]["chunks"].append(rec["sha1"])
            if "done" in rec:
                self.units.setdefault(u, {"chunks": [], "done": False})["done"] = True
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.fh = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise PushError(f"{path}: cannot write the push state ({exc.strerror or exc})") from None

    def log(self, **rec) -> None:
        with self.lock:
            if rec.get("deleted"):
                self.units.pop(rec["unit"], None)
            if self.fh is not None:
                self.fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                self.fh.flush()

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


def _chunks(triples: Iterator[ox.Triple], max_bytes: int) -> Iterator[tuple[bytes, int]]:
    """N-Triples bodies of at most ``max_bytes`` (unless one triple is larger) and their triple counts."""
    buf: list[bytes] = []
    size = n = 0
    for t in triples:
        line = f"{t.subject} {t.predicate} {t.object} .\n".encode()
        if buf and size + len(line) > max_bytes:
            yield b"".join(buf), n
            buf, size, n = [], 0, 0
        buf.append(line)
        size += len(line)
        n += 1
    if buf:
        yield b"".join(buf), n


class _Client:
    def __init__(self, endpoint: str, token: str | None, user: str | None, timeout: float, retries: int,
                 backoff: float, report: PushReport):
        import requests

        self.requests = requests
        self.endpoint, self.timeout, self.retries, self.backoff, self.report = endpoint, timeout, retries, backoff, \
            report
        self.local = threading.local()
        self.headers = {"User-Agent": "ddkg-push"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.user = tuple(user.split(":", 1)) if user else None
        if self.user and len(self.user) == 1:
            self.user = (self.user[0], "")
        self.scheme: str | None = None
        self.digest_auth = requests.auth.HTTPDigestAuth(*self.user) if self.user else None
        self.lock = threading.Lock()

    def _session(self):
        s = getattr(self.local, "session", None)
        if s is None:
            s = self.local.session = self.requests.Session()
        return s

    def url(self, graph: str | None) -> str:
        sep = "&" if "?" in self.endpoint else "?"
        return f"{self.endpoint}{sep}default" if graph is None else f"{self.endpoint}{sep}graph={quote(graph, safe='')}"

    def _auth(self):
        if not self.user or self.scheme is None:
            return None  # the first request learns the scheme from the server's challenge
        if self.scheme == "digest":  # one instance: it keeps the server's nonce (per thread), saving round trips
            return self.digest_auth
        return self.requests.auth.HTTPBasicAuth(*self.user)

    def send(self, method: str, graph: str | None, body: bytes | None = None) -> int:
        url = self.url(graph)
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = NTRIPLES
        what = f"{method} <{graph}>" if graph else f"{method} default graph"
        for attempt in range(self.retries + 1):
            try:
                auth = self._auth()
                r = self._session().request(method, url, data=body, headers=headers, timeout=self.timeout, auth=auth)
                if r.status_code == 401 and self.user and auth is None:
                    # the challenge names the scheme: Digest (Virtuoso's /sparql-graph-crud-auth) or Basic
                    with self.lock:
                        if self.scheme is None:
                            challenge = r.headers.get("WWW-Authenticate", "").lower()
                            self.scheme = "digest" if "digest" in challenge else "basic"
                    r = self._session().request(method, url, data=body, headers=headers, timeout=self.timeout,
                                                auth=self._auth())
            except self.requests.RequestException as exc:
                status, detail, wait_s = None, type(exc).__name__, None
            else:
                with self.lock:
                    self.report.requests += 1
                if r.status_code < 300 or (method == "DELETE" and r.status_code == 404):
                    return r.status_code
                status, detail = r.status_code, " ".join(r.text.split())[:200]
                wait_s = r.headers.get("Retry-After")
                if status not in RETRY_STATUS:
                    hint = " (give --token or --user)" if status in (401, 403) else ""
                    raise PushError(f"{what} at {self.endpoint}: HTTP {status} {detail}{hint}")
            if attempt == self.retries:
                break
            with self.lock:
                self.report.retries += 1
            try:
                pause = float(wait_s) if wait_s else self.backoff * 2 ** attempt
            except ValueError:
                pause = self.backoff * 2 ** attempt
            time.sleep(min(pause, 30.0))
        reason = f"HTTP {status}: {detail}" if status else detail
        raise PushError(f"{what} at {self.endpoint}: failed after {self.retries + 1} attempts ({reason})")


def push(store: GraphStore, endpoint: str, *, token: str | None = None, user: str | None = None,
         state: str | os.PathLike | None | bool = True, records_graph: str | None = None,
         max_bytes: int = 8 << 20, retries: int = 5, backoff: float = 0.5, timeout: float = 300.0,
         parallel: int = 4, progress: Callable[[str, str], None] | None = None) -> PushReport:
    """Send ``store`` to the Graph Store endpoint ``endpoint`` (e.g. ``http://host:8890/data``).

    ``token``: sent as ``Authorization: Bearer`` (``ddkg serve --write-token``); ``user``: ``NAME:PASSWORD`` for
    HTTP Basic or Digest. ``state``: the state file (``True``: beside the store, :func:`state_path`; ``None``/False:
    none, everything is sent). ``parallel`` document graphs are in flight at once. ``progress(graph, status)``
    is called after each graph (status: sent, unchanged, deleted).
    """
    if not endpoint.startswith(("http://", "https://")):
        raise PushError(f"endpoint {endpoint!r} is not an http(s) URL")
    if records_graph is not None:
        try:
            ox.NamedNode(records_graph)
        except ValueError:
            raise PushError(f"records graph {records_graph!r} is not an absolute IRI") from None
    if state is True:
        state = state_path(store, endpoint, records_graph)
    log = _State(Path(state) if state else None)
    report = PushReport()
    client = _Client(endpoint, token, user, timeout, retries, backoff, report)
    note = progress or (lambda graph, status: None)
    try:
        docs = [iri for iri, _, _ in store.documents()]
        _push_documents(store, docs, client, log, report, note, max(1, parallel))
        _push_chunked(store, ENTITY_GRAPH, ENTITY_GRAPH.value, client, log, report, note, max_bytes)
        have = {f"graph {iri}" for iri in docs}
        gone = sorted(u[len("graph "):] for u in log.units if u.startswith("graph ") and u not in have)
        for iri in gone:
            client.send("DELETE", iri)
            log.log(unit=f"graph {iri}", deleted=True)
            report.deleted += 1
            note(iri, "deleted")
        _push_chunked(store, ox.DefaultGraph(), records_graph, client, log, report, note, max_bytes)
    finally:
        log.close()
    return report


def _graph_triples(store: GraphStore, graph) -> Iterator[ox.Triple]:
    return (q.triple for q in store.store.quads_for_pattern(None, None, None, graph))


def _push_documents(store, docs, client, log, report, note, parallel) -> None:
    def one(iri: str, body: bytes, n: int, digest: str) -> str:
        client.send("PUT", iri, body)
        log.log(unit=f"graph {iri}", chunk=0, sha1=digest, done=1)
        with client.lock:
            report.graphs += 1
            report.triples += n
            report.bytes += len(body)
        return iri

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        pending: set = set()
        for iri in docs:
            body, n = next(_chunks(_graph_triples(store, ox.NamedNode(iri)), 1 << 62), (b"", 0))
            digest = hashlib.sha1(body).hexdigest()
            prev = log.units.get(f"graph {iri}")
            if prev and prev["done"] and prev["chunks"] == [digest]:
                report.unchanged += 1
                note(iri, "unchanged")
                continue
            pending.add(pool.submit(one, iri, body, n, digest))
            if len(pending) >= 2 * parallel:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    note(f.result(), "sent")
        for f in pending:
            note(f.result(), "sent")


def _push_chunked(store, graph, target: str | None, client, log, report, note, max_bytes) -> None:
    """One graph in requests of at most ``max_bytes``: PUT, then POSTs; resumes after the last chunk done."""
    unit = "default" if target is None else f"chunked {target}"
    label = target or "default graph"
    digests = [hashlib.sha1(body).hexdigest() for body, _ in _chunks(_graph_triples(store, graph), max_bytes)]
    prev = log.units.get(unit)
    start = 0
    if prev and prev["chunks"] == digests and (prev["done"] or not digests):
        report.unchanged += 1
        note(label, "unchanged")
        return
    if prev and not prev["done"] and 0 < len(prev["chunks"]) < len(digests) \
            and digests[:len(prev["chunks"])] == prev["chunks"]:
        start = len(prev["chunks"])  # an interrupted push of the same content: go on after the last chunk done
    if not digests:
        client.send("PUT", target, b"")  # empty it on the server too
    for i, (body, n) in enumerate(_chunks(_graph_triples(store, graph), max_bytes)):
        if i < start:
            continue
        client.send("PUT" if i == 0 else "POST", target, body)
        log.log(unit=unit, chunk=i, sha1=digests[i])
        report.graphs += 1
        report.triples += n
        report.bytes += len(body)
    log.log(unit=unit, done=len(digests))
    note(label, "sent")
