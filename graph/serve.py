"""``ddkg serve``: a SPARQL 1.1 Protocol endpoint and Graph Store over a store directory, read-only by default.

* ``/sparql``: queries by GET ``?query=``, POST form (``query=``) or POST ``application/sparql-query``;
  ``default-graph-uri`` / ``named-graph-uri`` set the dataset. Without them (and without FROM in the query)
  the default graph is the union of all graphs, so ``{ ?s ?p ?o }`` sees everything (once per graph stating it:
  use DISTINCT) and ``GRAPH ?g`` still works.
  The ddkg prefixes (``ddkg:``, ``skos:``, ``id:`` ...) are predeclared. Updates (POST ``update=`` or
  ``application/sparql-update``) need the server's write token (``Authorization: Bearer TOKEN``).
* ``/data`` (also ``/rdf-graph-store``): SPARQL 1.1 Graph Store Protocol. GET/HEAD ``?graph=IRI``, ``?default``
  (the store's own default graph: the document records) or neither (the whole dataset, TriG/N-Quads);
  PUT (replace, one transaction, idempotent), POST (add) and DELETE need the write token.
* Every query runs in a worker process holding a read-only view of the store; one that passes the time limit
  is killed (the work really stops) and replaced, and the client gets 503. Results over ``max_results`` rows
  (or triples) are refused with 422 rather than silently cut: add LIMIT. Workers reopen their view when the
  directory changes, so writes made by this server or by ``ddkg build`` become visible to the next query.
* Writes go through one writer process that opens the store only while writing (released after 2 s idle), so
  ``ddkg build`` can run on the same directory while the server is up; a write that arrives while another
  process holds the store gets 503 naming the lock. SERVICE (federated query) and LOAD are refused: they
  would make the server fetch from the network.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import hmac
import html
import io
import itertools
import json
import multiprocessing
import os
import queue
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

DEFAULT_PORT = 8890
WRITER_IDLE_S = 2.0
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
PREFIXES = {
    "ddkg": "https://w3id.org/ddkg/ontology#",
    "id": "https://w3id.org/ddkg/id/",
    "concept": "https://w3id.org/ddkg/concept/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}

# Media types offered, in order of preference (the first is the default); aliases map to what is sent.
RESULTS = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
           "text/csv": "csv", "text/tab-separated-values": "tsv",
           "application/json": "json", "application/xml": "xml", "text/xml": "xml"}
RESULT_TYPES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "csv": "text/csv; charset=utf-8", "tsv": "text/tab-separated-values; charset=utf-8"}
GRAPHS = {"text/turtle": "text/turtle", "application/n-triples": "application/n-triples",
          "application/rdf+xml": "application/rdf+xml", "application/ld+json": "application/ld+json",
          "application/x-turtle": "text/turtle", "application/turtle": "text/turtle", "text/n3": "text/turtle",
          "text/rdf+n3": "text/turtle", "text/plain": "application/n-triples",
          "application/json": "application/ld+json", "application/xml": "application/rdf+xml",
          "text/xml": "application/rdf+xml"}
DATASETS = {"application/trig": "application/trig", "application/n-quads": "application/n-quads",
            "application/ld+json": "application/ld+json", "text/plain": "application/n-quads"}
FORMAT_NAMES = {  # the ``format`` parameter (SPARQLWrapper sends its names there)
    "json": ["application/sparql-results+json", "application/ld+json"],
    "xml": ["application/sparql-results+xml", "application/rdf+xml"],
    "csv": ["text/csv"], "tsv": ["text/tab-separated-values"],
    "turtle": ["text/turtle"], "ttl": ["text/turtle"], "n3": ["text/turtle"],
    "ntriples": ["application/n-triples"], "nt": ["application/n-triples"], "n-triples": ["application/n-triples"],
    "rdf": ["application/rdf+xml"], "rdf+xml": ["application/rdf+xml"], "rdfxml": ["application/rdf+xml"],
    "json-ld": ["application/ld+json"], "jsonld": ["application/ld+json"],
    "trig": ["application/trig"], "nquads": ["application/n-quads"], "nq": ["application/n-quads"],
}


class ServeError(RuntimeError):
    """The server cannot start; the message says why."""


class HttpError(Exception):
    """An answer other than success: status, one-line message, extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


# -- what a query asks for, read without running it ---------------------------------------------------
_NOISE = re.compile("|".join([
    r'"""(?:[^"\\]|\\.|"(?!""))*"""', r"'''(?:[^'\\]|\\.|'(?!''))*'''",  # long strings
    r'"(?:[^"\\\n\r]|\\.)*"', r"'(?:[^'\\\n\r]|\\.)*'",  # strings
    r'<[^<>"{}|^`\\\x00-\x20]*>', r"#[^\n\r]*",  # IRIs, comments
    r"[?$]\w+", r"(?:[^\W\d][\w.\-]*)?:(?:[\w\-.:%]|\\.)*",  # variables, prefixed names, blank node labels
]), re.S)
_WORD = re.compile(r"(?<!\w)[A-Za-z]+(?!\w)")
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def keywords(sparql: str) -> set[str]:
    """The bare words of a query or update (strings, IRIs, comments, names and variables left out), upper-cased.
    Used to see FROM, SERVICE and LOAD without a parser; a false positive only refuses a harmless request."""
    unescaped = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), sparql)
    return {w.upper() for text in {sparql, unescaped} for w in _WORD.findall(_NOISE.sub(" ", text))}


def negotiate(accept: str | None, offers: dict[str, str]) -> str | None:
    """The offer (value of ``offers``) that best fits an Accept header: highest q, then the most specific
    range, then the client's order, then ours. None when nothing is acceptable."""
    if not accept or not accept.strip():
        return next(iter(offers.values()))
    ranges = []
    for i, part in enumerate(accept.split(",")):
        fields = part.split(";")
        mt, q = fields[0].strip().lower(), 1.0
        for f in fields[1:]:
            k, _, v = f.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if mt:
            ranges.append((mt, q, i))
    best = None
    for j, (offer, sent) in enumerate(offers.items()):
        match = None
        for mt, q, i in ranges:
            spec = 2 if mt == offer else 1 if mt == offer.split("/")[0] + "/*" else 0 if mt == "*/*" else -1
            if spec >= 0 and (match is None or spec > match[0]):
                match = (spec, q, i)
        if match is not None and match[1] > 0:
            key = (match[1], match[0], -match[2], -j)
            if best is None or key > best[0]:
                best = (key, sent)
    return best[1] if best else None


# -- result serializers (own code: the row limit must be checked before anything is written) -----------------
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_REPLACEMENT = "\ufffd"


def _json_term(t) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    return {"type": "triple", "value": {"subject": _json_term(t.subject), "predicate": _json_term(t.predicate),
                                        "object": _json_term(t.object)}}


def _xml_term(t) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{xml_escape(_XML_BAD.sub(_REPLACEMENT, t.value))}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{xml_escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        attr = (f" xml:lang={quoteattr(t.language)}" if t.language else
                f" datatype={quoteattr(t.datatype.value)}" if t.datatype.value != XSD_STRING else "")
        return f"<literal{attr}>{xml_escape(_XML_BAD.sub(_REPLACEMENT, t.value))}</literal>"
    return (f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>{_xml_term(t.predicate)}</predicate>"
            f"<object>{_xml_term(t.object)}</object></triple>")


def _csv_term(t) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    return t.value if isinstance(t, ox.NamedNode | ox.Literal) else str(t)


def serialize_solutions(variables: list[str], rows: list[tuple], fmt: str) -> bytes:
    """SELECT results as SPARQL JSON, XML, CSV or TSV."""
    if fmt == "json":
        bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode()
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        out.append("</head>\n<results>")
        for row in rows:
            out.append("<result>" + "".join(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                                            for v, t in zip(variables, row, strict=True) if t is not None)
                       + "</result>")
        out.append("</results>\n</sparql>\n")
        return "\n".join(out).encode()
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(variables)
        w.writerows([_csv_term(t) for t in row] for row in rows)
        return buf.getvalue().encode()
    lines = ["\t".join(f"?{v}" for v in variables)]  # TSV: terms in N-Triples syntax
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def serialize_boolean(value: bool, fmt: str) -> bytes:
    """An ASK answer."""
    word = "true" if value else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{word}</boolean></sparql>\n").encode()
    return f"{word}\n".encode()


def _offered(offers: dict[str, str]) -> str:
    return ", ".join(dict.fromkeys(RESULT_TYPES.get(v, v).split(";")[0] for v in offers.values()))


def _rdf_content_type(media: str) -> str:
    return f"{media}; charset=utf-8" if media.startswith("text/") else media


# -- worker processes --------------------------------------------------------------------------------------
def _fingerprint(path: str):
    """Names, sizes and times of the store's files: changes whenever anything is written (logs left out)."""
    try:
        return hash(tuple(sorted((e.name, s.st_size, s.st_mtime_ns) for e in os.scandir(path)
                                 if not e.name.startswith("LOG") and (s := e.stat()))))
    except OSError:
        return None


def _open(path: str, read_only: bool) -> ox.Store:
    """Open the store; a read-only open racing a writer's flush can fail briefly, so it is retried."""
    for attempt in range(20):
        try:
            return ox.Store.read_only(path) if read_only else ox.Store(path)
        except (OSError, RuntimeError) as exc:
            msg = str(exc)
            if not read_only and "lock" in msg.lower():
                raise HttpError(503, "the store is being written by another process (a running `ddkg build`?); "
                                     "try again when it ends", {"Retry-After": "5"}) from None
            if attempt == 19 or isinstance(exc, FileNotFoundError) and "CURRENT" in msg:
                raise HttpError(503, f"cannot open the store: {msg}") from None
            time.sleep(0.1)
    raise AssertionError("unreachable")


class _Worker:
    """Runs jobs in a worker process: readers hold a read-only view, the writer opens the store per burst."""

    def __init__(self, path: str, writer: bool):
        self.path, self.writer = path, writer
        self.store: ox.Store | None = None
        self.fp = None

    def view(self, reopen: bool = False) -> ox.Store:
        fp = _fingerprint(self.path)
        if reopen or self.store is None or fp is None or fp != self.fp:
            self.store = None
            self.store = _open(self.path, read_only=True)
            self.fp = fp
        return self.store

    def writable(self) -> ox.Store:
        if self.store is None:
            self.store = _open(self.path, read_only=False)
        return self.store

    def release(self) -> None:
        self.store = None
        gc.collect()

    def handle(self, job: tuple):
        kind = job[0]
        if kind == "ping":
            self.view()
            return 200, "", b""
        if kind in ("query", "get"):
            for attempt in (0, 1):  # a view can lose files to a concurrent compaction: reopen once
                try:
                    store = self.view(reopen=attempt > 0)
                    return self.query(store, *job[1:]) if kind == "query" else self.get(store, *job[1:])
                except (OSError, RuntimeError) as exc:
                    if attempt:
                        raise HttpError(503, f"the store could not be read ({exc}); if `ddkg build` is writing it, "
                                             "try again when it ends", {"Retry-After": "5"}) from None
        return self.write(self.writable(), *job)

    @staticmethod
    def query(store: ox.Store, text: str, dataset, union: bool, select_fmt, graph_fmt, limit: int):
        kwargs = {"prefixes": PREFIXES}
        if dataset is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in dataset[0]]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in dataset[1]]
        elif union:
            kwargs["use_default_graph_as_union"] = True
        try:
            res = store.query(text, **kwargs)
        except SyntaxError as exc:
            raise HttpError(400, f"malformed query: {exc}") from None
        if isinstance(res, ox.QueryBoolean):
            if select_fmt is None:
                raise HttpError(406, f"no acceptable format for an ASK answer; offered: {_offered(RESULTS)}")
            return 200, RESULT_TYPES[select_fmt], serialize_boolean(bool(res), select_fmt)
        if isinstance(res, ox.QuerySolutions):
            if select_fmt is None:
                raise HttpError(406, f"no acceptable format for SELECT results; offered: {_offered(RESULTS)}")
            variables = [v.value for v in res.variables]
            rows = [tuple(sol) for sol in itertools.islice(res, limit + 1)]
            _check_limit(len(rows), limit, "rows")
            return 200, RESULT_TYPES[select_fmt], serialize_solutions(variables, rows, select_fmt)
        if graph_fmt is None:
            raise HttpError(406, f"no acceptable format for CONSTRUCT/DESCRIBE results; offered: {_offered(GRAPHS)}")
        triples = list(itertools.islice(res, limit + 1))
        _check_limit(len(triples), limit, "triples")
        return 200, _rdf_content_type(graph_fmt), _serialize(triples, graph_fmt)

    @staticmethod
    def get(store: ox.Store, graph: str | None, media: str, limit: int):
        if graph is None:
            quads = list(itertools.islice(store, limit + 1))
            _check_limit(len(quads), limit, "quads")
            return 200, _rdf_content_type(media), _serialize(quads, media)
        if graph == "":
            name = ox.DefaultGraph()
        else:
            name = ox.NamedNode(graph)
            if not store.contains_named_graph(name):
                raise HttpError(404, f"no graph <{graph}> in the store")
        triples = [q.triple for q in itertools.islice(store.quads_for_pattern(None, None, None, name), limit + 1)]
        _check_limit(len(triples), limit, "triples")
        return 200, _rdf_content_type(media), _serialize(triples, media)

    @staticmethod
    def write(store: ox.Store, kind: str, *args):
        if kind == "update":
            try:
                store.update(args[0], prefixes=PREFIXES)
            except SyntaxError as exc:
                raise HttpError(400, f"malformed update: {exc}") from None
            return 204, "", b""
        graph = args[0]
        target = ox.DefaultGraph() if graph == "" else ox.NamedNode(graph)
        existed = True if graph == "" else store.contains_named_graph(target)
        where = "DEFAULT" if graph == "" else f"GRAPH {target}"
        if kind == "delete":
            if not existed:
                raise HttpError(404, f"no graph <{graph}> in the store")
            store.update(f"CLEAR {where}" if graph == "" else f"DROP {where}")
            return 204, "", b""
        body, media = args[1], args[2]
        try:
            fmt = ox.RdfFormat.from_media_type(media)
            quads = list(ox.parse(body, format=fmt, base_iri=graph or None, without_named_graphs=True))
        except SyntaxError as exc:
            raise HttpError(400, f"cannot parse the {media} body: {exc}") from None
        except ValueError as exc:
            raise HttpError(400, f"cannot parse the {media} body: {exc}") from None
        data = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
        if graph != "":
            data = f"GRAPH {target} {{\n{data}\n}}"
        ops = [f"INSERT DATA {{\n{data}\n}}"] if quads else []
        if kind == "put":
            ops.insert(0, "CLEAR DEFAULT" if graph == "" else f"DROP SILENT {where} ; CREATE SILENT {where}")
        elif graph != "" and not existed:
            ops.insert(0, f"CREATE SILENT {where}")
        if ops:
            store.update(" ;\n".join(ops))  # one update: one transaction
        return (204 if existed else 201), "", b""


def _check_limit(n: int, limit: int, what: str) -> None:
    if n > limit:
        raise HttpError(422, f"the result has more than {limit} {what} (the server's --max-results); "
                             "narrow the query or page through it with LIMIT/OFFSET")


def _serialize(items: list, media: str) -> bytes:
    fmt = ox.RdfFormat.from_media_type(media)
    prefixes = PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(items, format=fmt, prefixes=prefixes) or b""


def _worker_main(conn, path: str, writer: bool) -> None:
    """Worker process loop: one job at a time from ``conn``; replies ("ok", status, type, body, headers) or
    ("err", status, message, headers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the server does the stopping
    w = _Worker(path, writer)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            if writer and w.store is not None and not conn.poll(WRITER_IDLE_S):
                w.release()  # let `ddkg build` have the directory
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            status, ctype, body = w.handle(job)
            reply = ("ok", status, ctype, body, {})
        except HttpError as exc:
            reply = ("err", exc.status, exc.message, exc.headers)
        except Exception as exc:  # noqa: BLE001 - the message goes back to the client
            reply = ("err", 500, f"{type(exc).__name__}: {exc}", {})
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


class _Proc:
    """The server's handle on one worker process."""

    def __init__(self, ctx, path: str, writer: bool):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, path, writer), daemon=True,
                                name="ddkg-serve-" + ("writer" if writer else "reader"))
        self.proc.start()
        child.close()
        self.pid = self.proc.pid

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            raise TimeoutError("worker did not start")
        self.conn.recv()

    def kill(self, graceful: bool = False) -> None:
        """Stop the process: at once, or (``graceful``) by closing its pipe so it lets go of the store first."""
        with contextlib.suppress(Exception):
            if graceful:
                self.conn.close()
                self.proc.join(3)
            self.proc.kill()
            self.proc.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()


class Pool:
    """Worker processes; a job that passes its time limit gets its worker killed and replaced."""

    def __init__(self, path: str, size: int, writer: bool = False):
        self.path, self.writer = path, writer
        self.ctx = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self.idle: queue.Queue[_Proc] = queue.Queue()
        self.procs: set[_Proc] = set()
        self.lock = threading.Lock()
        self.closed = False
        started = [self._start() for _ in range(size)]
        for p in started:
            p.wait_ready(120)
            self.idle.put(p)

    def _start(self) -> _Proc:
        p = _Proc(self.ctx, self.path, self.writer)
        with self.lock:
            self.procs.add(p)
        return p

    def _replace(self, dead: _Proc) -> None:
        dead.kill()
        with self.lock:
            self.procs.discard(dead)
            if self.closed:
                return

        def spawn():
            for _ in range(3):
                p = self._start()
                try:
                    p.wait_ready(120)
                except (TimeoutError, EOFError, OSError):
                    self._discard(p)
                    continue
                if self.closed:
                    self._discard(p)
                else:
                    self.idle.put(p)
                return

        threading.Thread(target=spawn, daemon=True).start()

    def _discard(self, p: _Proc) -> None:
        p.kill()
        with self.lock:
            self.procs.discard(p)

    def run(self, job: tuple, timeout: float) -> tuple:
        """Reply of one job, or HttpError: 503 when no worker frees up or the job passes ``timeout``."""
        try:
            p = self.idle.get(timeout=timeout)
        except queue.Empty:
            raise HttpError(503, f"all workers stayed busy for {timeout:g} s; try again",
                            {"Retry-After": "2"}) from None
        try:
            p.conn.send(job)
            if not p.conn.poll(timeout):
                self._replace(p)
                what = "write" if self.writer else "query"
                raise HttpError(503, f"the {what} ran past the {timeout:g} s time limit and was stopped "
                                     f"(worker process {p.pid} killed)")
            reply = p.conn.recv()
        except (EOFError, OSError):
            self._replace(p)
            raise HttpError(500, f"worker process {p.pid} died while working; it was replaced") from None
        self.idle.put(p)
        return reply

    def close(self) -> None:
        with self.lock:
            self.closed = True
            procs = list(self.procs)
            self.procs.clear()
        for p in procs:
            p.kill(graceful=True)


# -- HTTP --------------------------------------------------------------------------------------------------
class Config:
    """What the handlers need to know."""

    def __init__(self, store: str, timeout: float, max_results: int, max_request_bytes: int,
                 write_token: str | None, quiet: bool, workers: int):
        self.store, self.timeout, self.max_results = store, timeout, max_results
        self.max_request_bytes, self.quiet, self.workers = max_request_bytes, quiet, workers
        self.token_digest = hashlib.sha256(write_token.encode()).digest() if write_token else None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, host: str, port: int, cfg: Config):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.cfg = cfg
        self.readers: Pool | None = None
        self.writer: Pool | None = None
        self.loopback = host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")
        self.host_names = {"localhost", "127.0.0.1", "::1", host.lower()}
        super().__init__((host, port), Handler)

    def handle_error(self, request, client_address) -> None:
        """A client that went away is no error worth a traceback."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError | TimeoutError) and not self.cfg.quiet:
            sys.stderr.write(f"{client_address[0]} error: {type(exc).__name__}: {exc}\n")


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise HttpError(400, f"give the {name!r} parameter once")
    return values[0]


_CTRL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7f]}


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"
    server_version = "ddkg-serve"
    timeout = 60  # seconds a client may stall mid-request

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code="-", size="-") -> None:  # replaced by one line per request in _dispatch
        pass

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's signature
        if not self.server.cfg.quiet:
            sys.stderr.write(f"{self.address_string()} {(format % args).translate(_CTRL)}\n")

    # -- plumbing
    def _dispatch(self, method: str) -> None:
        t0 = time.monotonic()
        self._method, self._status, self._body_read = method, 0, False
        try:
            self._check_host()
            url = urlsplit(self.path)
            try:
                params = parse_qs(url.query, keep_blank_values=True, errors="strict")
            except UnicodeDecodeError:
                raise HttpError(400, "the query string is not UTF-8") from None
            route = url.path.rstrip("/") or "/"
            if route == "/" or route == "/sparql" and method in ("GET", "HEAD") and not params:
                self._require(method, ("GET", "HEAD"))
                self._send(200, "text/html; charset=utf-8", _home(self.server.cfg).encode(),
                           {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                       "form-action 'self'"})
            elif route == "/sparql":
                self._sparql(method, params)
            elif route in ("/data", "/rdf-graph-store"):
                self._graph_store(method, params)
            else:
                raise HttpError(404, f"nothing at {url.path}; the endpoint is /sparql, the graph store /data")
        except HttpError as exc:
            self.close_connection = True  # a body may be left unread
            self._drain()
            headers = {**exc.headers, "Connection": "close"}
            with contextlib.suppress(ConnectionError):
                self._send(exc.status, "text/plain; charset=utf-8", (exc.message + "\n").encode(), headers)
        except ConnectionError:
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001
            self.close_connection = True
            self.log_message("internal error: %s: %s", type(exc).__name__, exc)
            with contextlib.suppress(Exception):
                self._send(500, "text/plain; charset=utf-8", f"internal error: {type(exc).__name__}\n".encode(),
                           {"Connection": "close"})
        finally:
            if not self.server.cfg.quiet:
                self.log_message('"%s %s" %s %.0f ms', method, self.path[:200], self._status,
                                 1000 * (time.monotonic() - t0))

    def _check_host(self) -> None:
        """On a loopback address, answer only requests addressed to a local name (blocks DNS rebinding)."""
        host = self.headers.get("Host")
        if not self.server.loopback or host is None:
            return
        name = host[1:].split("]")[0] if host.startswith("[") else host.rsplit(":", 1)[0]
        if name.lower() not in self.server.host_names:
            raise HttpError(403, f"Host {host!r} is not served here; use http://127.0.0.1 or http://localhost")

    def _drain(self, most: int = 1 << 20) -> None:
        """Read a small unread body so that closing the socket does not reset the client before it reads."""
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            return
        if not self._body_read and 0 < n <= most:
            with contextlib.suppress(OSError):
                self.rfile.read(n)

    @staticmethod
    def _require(method: str, allowed: tuple[str, ...]) -> None:
        if method not in allowed:
            raise HttpError(405, f"{method} is not allowed here", {"Allow": ", ".join(allowed)})

    def _send(self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self._status = status
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self._method != "HEAD" and status != 204:
            self.wfile.write(body)

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise HttpError(411, "chunked request bodies are not supported; send Content-Length")
        length = self.headers.get("Content-Length")
        if length is None:
            raise HttpError(411, "a request body needs Content-Length")
        try:
            n = int(length)
            if n < 0:
                raise ValueError
        except ValueError:
            raise HttpError(400, f"bad Content-Length {length!r}") from None
        limit = self.server.cfg.max_request_bytes
        if n > limit:
            raise HttpError(413, f"the request body has {n} bytes; this server takes at most {limit} "
                                 "(--max-request-bytes)")
        data = self.rfile.read(n)
        self._body_read = True
        if len(data) < n:
            raise HttpError(400, "the request body ended early")
        return data

    def _media(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def _authorize(self) -> None:
        digest = self.server.cfg.token_digest
        if digest is None:
            raise HttpError(403, "this endpoint is read-only: updates and graph store writes are refused "
                                 "(start `ddkg serve` with --write-token or DDKG_WRITE_TOKEN to allow them)")
        scheme, _, cred = self.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not cred.strip():
            raise HttpError(401, "writes need the header 'Authorization: Bearer <write token>'",
                            {"WWW-Authenticate": 'Bearer realm="ddkg"'})
        if not hmac.compare_digest(hashlib.sha256(cred.strip().encode()).digest(), digest):
            raise HttpError(401, "the write token is wrong",
                            {"WWW-Authenticate": 'Bearer realm="ddkg", error="invalid_token"'})

    def _reply(self, reply: tuple, vary: bool = False) -> None:
        if reply[0] == "err":
            raise HttpError(reply[1], reply[2], reply[3])
        _, status, ctype, body, headers = reply
        self._send(status, ctype, body, {**headers, **({"Vary": "Accept"} if vary else {})})

    def _accept(self, params: dict[str, list[str]]) -> str | None:
        """The Accept header, or the ``format`` parameter(s) standing in for it."""
        given = params.get("format")
        if not given:
            return self.headers.get("Accept")
        types = [t for f in given for t in (FORMAT_NAMES.get(f.strip().lower()) or
                                            ([f.strip().lower()] if "/" in f else []))]
        if not types:
            raise HttpError(400, f"unknown format {given[0]!r}; use one of {', '.join(FORMAT_NAMES)} or a media type")
        return ",".join(types)

    # -- SPARQL protocol
    def _sparql(self, method: str, params: dict[str, list[str]]) -> None:
        self._require(method, ("GET", "HEAD", "POST"))
        query = update = None
        if method in ("GET", "HEAD"):
            if "update" in params:
                raise HttpError(400, "updates must be sent with POST")
            query = _one(params, "query")
            if query is None:
                raise HttpError(400, "no 'query' parameter")
        else:
            media = self._media()
            if media == "application/x-www-form-urlencoded":
                try:
                    form = parse_qs(self._body().decode("utf-8"), keep_blank_values=True, errors="strict")
                except UnicodeDecodeError:
                    raise HttpError(400, "the form is not UTF-8") from None
                for k, v in form.items():
                    params.setdefault(k, []).extend(v)
                query, update = _one(params, "query"), _one(params, "update")
                if query is not None and update is not None:
                    raise HttpError(400, "give either 'query' or 'update', not both")
                if query is None and update is None:
                    raise HttpError(400, "the form has neither 'query' nor 'update'")
            elif media in ("application/sparql-query", "application/sparql-update"):
                if media == "application/sparql-update":
                    self._authorize()
                try:
                    text = self._body().decode("utf-8")
                except UnicodeDecodeError:
                    raise HttpError(400, "the request body is not UTF-8") from None
                query, update = (text, None) if media == "application/sparql-query" else (None, text)
            else:
                raise HttpError(415, f"unsupported Content-Type {media or '(none)'!r}; use "
                                     "application/x-www-form-urlencoded, application/sparql-query or "
                                     "application/sparql-update")
        if update is not None:
            self._update(update, params)
        else:
            self._query(query, params)

    def _query(self, text: str, params: dict[str, list[str]]) -> None:
        cfg = self.server.cfg
        words = keywords(text)
        if "SERVICE" in words:
            raise HttpError(400, "SERVICE (federated query) is disabled on this endpoint")
        dataset = None
        default, named = params.get("default-graph-uri", []), params.get("named-graph-uri", [])
        if default or named:
            for iri in default + named:
                try:
                    ox.NamedNode(iri)
                except ValueError:
                    raise HttpError(400, f"not an absolute IRI: {iri!r}") from None
            dataset = (default, named)
        accept = self._accept(params)
        select_fmt, graph_fmt = negotiate(accept, RESULTS), negotiate(accept, GRAPHS)
        if select_fmt is None and graph_fmt is None:
            raise HttpError(406, f"no acceptable format for {accept!r}; offered: {_offered(RESULTS)}, "
                                 f"{_offered(GRAPHS)}")
        job = ("query", text, dataset, "FROM" not in words, select_fmt, graph_fmt, cfg.max_results)
        self._reply(self.server.readers.run(job, cfg.timeout), vary=True)

    def _update(self, text: str, params: dict[str, list[str]]) -> None:
        self._authorize()
        if params.get("using-graph-uri") or params.get("using-named-graph-uri"):
            raise HttpError(400, "using-graph-uri / using-named-graph-uri are not supported; write USING in "
                                 "the update")
        words = keywords(text)
        if "LOAD" in words or "SERVICE" in words:
            raise HttpError(400, "LOAD and SERVICE are disabled on this endpoint (they would fetch from the "
                                 "network); PUT or POST the data to /data instead")
        self._reply(self.server.writer.run(("update", text), self.server.cfg.timeout))

    # -- Graph Store Protocol
    def _graph_store(self, method: str, params: dict[str, list[str]]) -> None:
        self._require(method, ("GET", "HEAD", "PUT", "POST", "DELETE"))
        cfg = self.server.cfg
        graph = _one(params, "graph")
        if graph is not None:
            if "default" in params:
                raise HttpError(400, "give either ?graph=IRI or ?default")
            try:
                ox.NamedNode(graph)
            except ValueError:
                raise HttpError(400, f"?graph must be an absolute IRI, not {graph!r}") from None
        elif "default" in params:
            graph = ""
        if method in ("GET", "HEAD"):
            offers = DATASETS if graph is None else GRAPHS
            accept = self._accept(params)
            media = negotiate(accept, offers)
            if media is None:
                raise HttpError(406, f"no acceptable format for {accept!r}; offered: {_offered(offers)}")
            self._reply(self.server.readers.run(("get", graph, media, cfg.max_results), cfg.timeout), vary=True)
            return
        self._authorize()
        if graph is None:
            raise HttpError(400, "name the graph: ?graph=IRI or ?default")
        if method == "DELETE":
            self._reply(self.server.writer.run(("delete", graph), cfg.timeout))
            return
        media = self._media()
        fmt = ox.RdfFormat.from_media_type(media) if media else None
        if fmt is None:
            raise HttpError(415, f"unsupported Content-Type {media or '(none)'!r}; send text/turtle, "
                                 "application/n-triples, application/n-quads, application/rdf+xml or JSON-LD")
        body = self._body()
        self._reply(self.server.writer.run((method.lower(), graph, body, fmt.media_type), cfg.timeout))


def _home(cfg: Config) -> str:
    """The page at /: what this endpoint is and a query form (everything escaped)."""
    e = html.escape
    mode = ("writes need 'Authorization: Bearer &lt;token&gt;'" if cfg.token_digest else
            "read-only (no write token)")
    example = ("SELECT ?person ?label WHERE {\n  ?person a ddkg:Person ; skos:prefLabel ?label .\n} LIMIT 20")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ddkg SPARQL endpoint</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto}}textarea{{width:100%;font-family:monospace}}
code{{background:#eee}}</style></head><body>
<h1>ddkg SPARQL endpoint</h1>
<p>Store <code>{e(cfg.store)}</code>; {mode}.</p>
<ul>
<li><code>/sparql</code>: SPARQL 1.1 Protocol (GET <code>?query=</code>, POST form or
<code>application/sparql-query</code>; updates by POST). The default graph is the union of all graphs;
<code>default-graph-uri</code>/<code>named-graph-uri</code> narrow it. Prefixes predeclared:
{e(", ".join(PREFIXES))}.</li>
<li><code>/data</code>: SPARQL 1.1 Graph Store Protocol (<code>?graph=IRI</code> or <code>?default</code>).</li>
<li>Results: SPARQL JSON, XML, CSV, TSV; graphs: Turtle, N-Triples, RDF/XML, JSON-LD (Accept header or
<code>format=</code>).</li>
<li>Limits: {cfg.timeout:g} s per request, {cfg.max_results} result rows, {cfg.max_request_bytes} request bytes,
{cfg.workers} worker processes.</li>
</ul>
<form action="/sparql" method="get">
<textarea name="query" rows="8">{e(example)}</textarea>
<p><select name="format"><option>json</option><option>xml</option><option>csv</option><option>tsv</option>
<option>turtle</option><option>ntriples</option></select> <button type="submit">Run</button></p>
</form></body></html>
"""


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(store_dir: str | os.PathLike, host: str = "127.0.0.1", port: int = DEFAULT_PORT, timeout: float = 30.0,
          max_results: int = 100_000, max_request_bytes: int = 64 << 20, write_token: str | None = None,
          workers: int = 2, quiet: bool = False, echo: Callable[[str], None] | None = None) -> None:
    """Serve the store until interrupted (Ctrl-C or SIGTERM)."""
    echo = echo or (lambda line: print(line, flush=True))
    path = Path(store_dir).resolve()
    if not (path / "CURRENT").is_file():
        if not write_token:
            raise ServeError(f"{path}: no store there (build one with `ddkg build`, or start with a write token "
                             "to serve an empty store that takes writes)")
        try:
            path.mkdir(parents=True, exist_ok=True)
            store = ox.Store(str(path))
            del store
            gc.collect()
        except OSError as exc:
            raise ServeError(f"{path}: cannot create a store ({exc})") from None
    cfg = Config(str(path), timeout, max_results, max_request_bytes, write_token, quiet, workers)
    try:
        server = Server(host, port, cfg)
    except OSError as exc:
        raise ServeError(f"cannot listen on {_url(host, port)}: {exc.strerror or exc}") from None
    pools: list[Pool] = []

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        try:
            server.readers = Pool(str(path), workers)
            pools.append(server.readers)
            reply = server.readers.run(("ping",), 60)
            if write_token:
                server.writer = Pool(str(path), 1, writer=True)
                pools.append(server.writer)
        except HttpError as exc:
            raise ServeError(f"{path}: {exc.message}") from None
        except (TimeoutError, EOFError, OSError) as exc:
            raise ServeError(f"worker processes did not start: {exc}") from None
        if reply[0] == "err":
            raise ServeError(f"{path}: {reply[2]}")
        bound_host, bound_port = server.server_address[:2]
        base = _url(bound_host, bound_port)
        echo(f"SPARQL endpoint: {base}/sparql")
        echo(f"graph store: {base}/data ({'writes need the token' if write_token else 'read-only'}); "
             f"store {path}; {timeout:g} s limit, {max_results} results, {workers} workers. Ctrl-C stops.")
        if not server.loopback:
            echo(f"warning: listening on {host}: reachable from other machines"
                 + ("; plain HTTP carries the write token in clear" if write_token else ""))
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        for pool in pools:
            pool.close()
    echo("stopped")

