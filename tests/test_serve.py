"""`ddkg serve`: the real server in a subprocess over the seed store, talked to with SPARQLWrapper and urllib."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import rdflib

SPARQLWrapper = pytest.importorskip("SPARQLWrapper")

PREFIXES = "PREFIX ddkg: <https://w3id.org/ddkg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
N_DOCS = PREFIXES + "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a ddkg:Document }"
SHOIGU = PREFIXES + ('SELECT DISTINCT ?p ?label WHERE { ?p a ddkg:Person ; skos:prefLabel ?label '
                     'FILTER(CONTAINS(?label, "Shoigu")) }')
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
TOKEN = "t0ken-for-tests"
ENTITIES = "https://w3id.org/ddkg/graph/entities"


@pytest.fixture(scope="module", autouse=True)
def _no_proxy():
    with pytest.MonkeyPatch.context() as mp:  # never send 127.0.0.1 traffic to a proxy from the environment
        mp.setenv("no_proxy", "*")
        mp.setenv("NO_PROXY", "*")
        yield


class Server:
    def __init__(self, store: Path, *args: str, env: dict | None = None, log: Path):
        self.log = log
        self.proc = subprocess.Popen([sys.executable, "-m", "ddkg", "serve", "--store", str(store), "--port", "0",
                                      *args], stdout=subprocess.PIPE, stderr=log.open("w"), text=True,
                                     env={**os.environ, **(env or {})})
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline() if ready else ""
        m = re.search(r"(http://\S+)/sparql", line)
        if not m:
            self.stop()
            pytest.fail(f"server did not start: {line!r} {log.read_text()}")
        self.base = m.group(1)
        self.sparql, self.data = self.base + "/sparql", self.base + "/data"

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            out, _ = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        return self.proc.returncode, out


def http(method: str, url: str, data: bytes | None = None, **headers: str) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, data=data, method=method, headers={k.replace("_", "-"): v
                                                                          for k, v in headers.items()})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def get(server: Server, query: str, **params: str) -> tuple[int, dict, bytes]:
    accept = params.pop("accept", None)
    url = server.sparql + "?" + urllib.parse.urlencode({"query": query, **params})
    return http("GET", url, **({"Accept": accept} if accept else {}))


def value(server: Server, query: str):
    status, _, body = get(server, query)
    assert status == 200, body
    rows = json.loads(body)["results"]["bindings"]
    return int(rows[0]["n"]["value"])


def wrapper(server: Server, query: str, fmt: str):
    sw = SPARQLWrapper.SPARQLWrapper(server.sparql)
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    return sw


@pytest.fixture(scope="module")
def server(seeds_built, tmp_path_factory):
    s = Server(seeds_built[0], "--timeout", "1.5", "--max-results", "50", "--workers", "2",
               log=tmp_path_factory.mktemp("serve") / "ro.log")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def rw_server(seeds_built, tmp_path_factory):
    store = tmp_path_factory.mktemp("serve") / "st<&>'"  # the home page must escape it
    shutil.copytree(seeds_built[0], store)
    s = Server(store, "--timeout", "5", "--max-request-bytes", "200000", env={"DDKG_WRITE_TOKEN": TOKEN},
               log=store.parent / "rw.log")
    s.store = store
    yield s
    s.stop()


# -- reading -------------------------------------------------------------------------------------------------
def test_sparqlwrapper_json(server):
    res = wrapper(server, SHOIGU, SPARQLWrapper.JSON).queryAndConvert()
    rows = res["results"]["bindings"]
    assert [(r["p"]["value"], r["label"]["value"], r["label"]["xml:lang"]) for r in rows] == [
        ("https://w3id.org/ddkg/id/person/sergei-shoigu", "Sergei Shoigu", "en")]
    docs = wrapper(server, N_DOCS, SPARQLWrapper.JSON).queryAndConvert()
    assert docs["results"]["bindings"][0]["n"]["value"] == "5"
    # the default graph is the union: document records (default graph) and their named graphs together
    assert value(server, COUNT_ALL) > value(server, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }") > 0


def test_xml_csv_tsv(server):
    doc = wrapper(server, SHOIGU, SPARQLWrapper.XML).queryAndConvert()
    lits = doc.getElementsByTagName("literal")
    assert [(x.firstChild.data, x.getAttribute("xml:lang")) for x in lits] == [("Sergei Shoigu", "en")]
    rows = list(csv.reader(io.StringIO(wrapper(server, SHOIGU, SPARQLWrapper.CSV).queryAndConvert().decode())))
    assert rows == [["p", "label"], ["https://w3id.org/ddkg/id/person/sergei-shoigu", "Sergei Shoigu"]]
    tsv = wrapper(server, SHOIGU, SPARQLWrapper.TSV).queryAndConvert().decode().splitlines()
    assert tsv == ["?p\t?label", '<https://w3id.org/ddkg/id/person/sergei-shoigu>\t"Sergei Shoigu"@en']
    for accept, ctype in [("application/sparql-results+xml", "application/sparql-results+xml"),
                          ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
                          ("application/json", "application/sparql-results+json"),
                          ("*/*", "application/sparql-results+json")]:
        status, headers, _ = get(server, SHOIGU, accept=accept)
        assert (status, headers["Content-Type"].split(";")[0]) == (200, ctype), accept
    status, headers, body = get(server, SHOIGU, format="csv")  # the format parameter wins over Accept
    assert status == 200 and headers["Content-Type"].startswith("text/csv") and b"Sergei Shoigu" in body
    status, _, body = get(server, SHOIGU, accept="image/png")
    assert status == 406 and b"text/csv" in body
    status, _, body = get(server, "ASK { ?s ?p ?o }")
    assert status == 200 and json.loads(body) == {"head": {}, "boolean": True}


def test_construct_turtle_and_ntriples(server):
    persons = "SELECT DISTINCT ?p ?l WHERE { ?p a ddkg:Person ; skos:prefLabel ?l }"
    q = PREFIXES + f"CONSTRUCT {{ ?p skos:prefLabel ?l }} WHERE {{ {persons} }}"
    n = value(server, PREFIXES + f"SELECT (COUNT(*) AS ?n) WHERE {{ {persons} }}")
    res = wrapper(server, q, SPARQLWrapper.TURTLE).query()
    assert res.info()["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=res.response.read().decode(), format="turtle")
    assert len(g) == n > 0
    assert (rdflib.URIRef("https://w3id.org/ddkg/id/person/sergei-shoigu"), rdflib.SKOS.prefLabel,
            rdflib.Literal("Sergei Shoigu", lang="en")) in g
    status, headers, body = get(server, q, accept="application/n-triples")
    assert status == 200 and headers["Content-Type"] == "application/n-triples"
    assert rdflib.Graph().parse(data=body.decode(), format="nt").isomorphic(g)


def test_dataset_parameters_and_from(server):
    in_entities = value(server, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{ENTITIES}> {{ ?s ?p ?o }} }}")
    assert 0 < in_entities < value(server, COUNT_ALL)
    status, _, body = get(server, COUNT_ALL, **{"default-graph-uri": ENTITIES})
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == str(in_entities)
    assert value(server, f"SELECT (COUNT(*) AS ?n) FROM <{ENTITIES}> WHERE {{ ?s ?p ?o }}") == in_entities
    status, _, body = get(server, COUNT_ALL, **{"default-graph-uri": "not an iri"})
    assert status == 400


def test_update_refused_read_only(server):
    before = value(server, COUNT_ALL)
    sw = wrapper(server, "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }", SPARQLWrapper.JSON)
    sw.setMethod(SPARQLWrapper.POST)
    with pytest.raises(urllib.error.HTTPError) as err:
        sw.query()
    assert err.value.code == 403 and b"read-only" in err.value.read()
    status, _, _ = http("POST", server.sparql, b"DELETE WHERE { ?s ?p ?o }", Content_Type="application/sparql-update")
    assert status == 403
    status, _, _ = http("PUT", server.data + "?graph=http://example.org/g", b"<http://a> <http://b> <http://c> .",
                        Content_Type="application/n-triples")
    assert status == 403
    assert value(server, COUNT_ALL) == before


def test_malformed_query_then_still_answering(server):
    status, _, body = get(server, "SELEC * WHERE { ?s ?p ?o }")
    assert status == 400 and b"malformed query" in body and b"expected" in body
    with pytest.raises(SPARQLWrapper.SPARQLExceptions.QueryBadFormed):
        wrapper(server, "SELECT * WHERE { ?s ?p ", SPARQLWrapper.JSON).query()
    status, _, body = get(server, "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert status == 400 and b"SERVICE" in body
    assert value(server, N_DOCS) == 5


def test_runaway_query_killed(server):
    t0 = time.monotonic()
    status, _, body = get(server, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    elapsed = time.monotonic() - t0
    assert status == 503 and b"time limit" in body, body
    assert elapsed < 6
    pid = int(re.search(rb"worker process (\d+) killed", body).group(1))
    with pytest.raises(ProcessLookupError):  # the work really stopped: the process is gone
        os.kill(pid, 0)
    assert all(value(server, N_DOCS) == 5 for _ in range(5))


def test_result_limit(server):
    status, _, body = get(server, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 422 and b"more than 50 rows" in body
    status, _, body = get(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 50")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 50
    status, _, body = get(server, "CONSTRUCT WHERE { ?s ?p ?o }")
    assert status == 422 and b"triples" in body


def test_concurrent_burst(server):
    results: list = []

    def client():
        for _ in range(10):
            results.append(get(server, N_DOCS)[0:3:2])

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 80
    assert all(status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "5"
               for status, body in results)


# -- the graph store, and writing ------------------------------------------------------------------------------
def test_graph_store_get(server, rw_server):
    entities = "?" + urllib.parse.urlencode({"graph": ENTITIES})
    status, _, body = http("GET", server.data + entities)  # over the 50 triples --max-results allows
    assert status == 422 and b"more than 50 triples" in body
    status, headers, body = http("GET", rw_server.data + entities)
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    n = value(server, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{ENTITIES}> {{ ?s ?p ?o }} }}")
    assert len(rdflib.Graph().parse(data=body.decode(), format="turtle")) == n
    status, _, _ = http("GET", rw_server.data + "?graph=http://example.org/none")
    assert status == 404
    status, _, body = http("GET", rw_server.data + "?default", Accept="application/n-triples")
    g = rdflib.Graph().parse(data=body.decode(), format="nt")
    assert status == 200 and len(set(g.subjects(rdflib.RDF.type, rdflib.URIRef(
        "https://w3id.org/ddkg/ontology#Document")))) == 5


def test_home_page_escapes(rw_server):
    status, headers, body = http("GET", rw_server.base + "/")
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "st&lt;&amp;&gt;&#x27;" in page and "st<&>'" not in page
    status, _, _ = http("GET", rw_server.base + "/", Host="attacker.example")  # DNS rebinding
    assert status == 403


def test_update_needs_token(rw_server):
    triple = "<http://example.org/s> <http://example.org/p> \"added\""
    sw = wrapper(rw_server, f"INSERT DATA {{ {triple} }}", SPARQLWrapper.JSON)
    sw.setMethod(SPARQLWrapper.POST)
    with pytest.raises(SPARQLWrapper.SPARQLExceptions.Unauthorized):
        sw.query()
    assert value(rw_server, f"SELECT (COUNT(*) AS ?n) {{ {triple} }}") == 0
    sw.addCustomHttpHeader("Authorization", "Bearer wrong")
    with pytest.raises(SPARQLWrapper.SPARQLExceptions.Unauthorized):
        sw.query()
    sw.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    sw.query()
    assert value(rw_server, f"SELECT (COUNT(*) AS ?n) {{ {triple} }}") == 1
    status, _, body = http("POST", rw_server.sparql, b"LOAD <http://example.org/data.ttl>",
                           Content_Type="application/sparql-update", Authorization=f"Bearer {TOKEN}")
    assert status == 400 and b"LOAD" in body


def test_graph_store_put_post_delete(rw_server):
    url = rw_server.data + "?graph=" + urllib.parse.quote("http://example.org/g", safe="")
    ttl = b'@prefix ex: <http://example.org/> .\nex:a ex:p "x", "y" ; ex:q [ ex:r 1 ] .\n'
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert http("PUT", url, ttl, Content_Type="text/turtle")[0] == 401
    assert http("PUT", url, ttl, Content_Type="text/turtle", **auth)[0] == 201
    assert http("PUT", url, ttl, Content_Type="text/turtle", **auth)[0] == 204  # replaced: idempotent
    status, _, body = http("GET", url, Accept="text/turtle")
    assert status == 200
    assert rdflib.Graph().parse(data=body.decode(), format="turtle").isomorphic(
        rdflib.Graph().parse(data=ttl.decode(), format="turtle"))
    nt = b'<http://example.org/b> <http://example.org/p> "z" .\n'
    assert http("POST", url, nt, Content_Type="application/n-triples", **auth)[0] == 204
    assert value(rw_server, "SELECT (COUNT(*) AS ?n) { GRAPH <http://example.org/g> { ?s ?p ?o } }") == 5
    status, _, body = http("PUT", url, b"not turtle", Content_Type="text/turtle", **auth)
    assert status == 400 and b"cannot parse" in body
    assert http("PUT", url, b"x" * 300_000, Content_Type="text/turtle", **auth)[0] == 413
    assert http("DELETE", url, **auth)[0] == 204
    assert http("GET", url)[0] == 404
    assert value(rw_server, N_DOCS) == 5


def test_sees_external_writes_and_reports_lock(rw_server):
    store = str(rw_server.store)
    add = ("import pyoxigraph as ox, sys, time\n"
           "for _ in range(100):\n"
           "    try:\n        s = ox.Store(sys.argv[1]); break\n"
           "    except OSError:\n        time.sleep(0.1)\n"  # the server's writer lets go after 2 s idle
           "s.update('INSERT DATA { <http://example.org/ext> <http://example.org/p> 1 }')\n"
           "print('held', flush=True)\n"
           "sys.stdin.readline()\n")
    holder = subprocess.Popen([sys.executable, "-c", add, store], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        status, _, body = http("PUT", rw_server.data + "?graph=http://example.org/locked",
                               b"<http://example.org/a> <http://example.org/b> 1 .", Content_Type="text/turtle",
                               Authorization=f"Bearer {TOKEN}")
        assert status == 503 and b"another process" in body
        assert value(rw_server, "SELECT (COUNT(*) AS ?n) { <http://example.org/ext> ?p ?o }") == 1
    finally:
        holder.communicate("\n", timeout=30)
    assert value(rw_server, N_DOCS) == 5


def test_ctrl_c_stops_cleanly(seeds_built, tmp_path):
    s = Server(seeds_built[0], "--quiet", log=tmp_path / "log")
    children = Path(f"/proc/{s.proc.pid}/task/{s.proc.pid}/children")
    linux = children.exists()
    kids = children.read_text().split() if linux else []
    workers = [int(p) for p in kids if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text()]  # not the tracker
    assert get(s, N_DOCS)[0] == 200
    code, out = s.stop(signal.SIGINT)
    assert code == 0 and out.strip().endswith("stopped")
    assert len(workers) == (2 if linux else 0)
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_no_store_is_one_line_error(tmp_path):
    res = subprocess.run([sys.executable, "-m", "ddkg", "serve", "--store", str(tmp_path), "--port", "0"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and res.stderr.strip().count("\n") == 0
    assert "no store there" in res.stderr and str(tmp_path) in res.stderr
