"""A self-contained HTML view of the graph (pyvis / vis-network inlined, no request leaves the page).

Entities and event nodes (meetings, visits, transfers ...) are drawn with their relations; a node's tooltip
lists its type and, for events, the evidence sentences. Text from articles is escaped before it reaches
the page.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from pathlib import Path

from pyvis.network import Network

from .rdf import ONT
from .store import GraphStore, _umask

STYLE = {  # type -> (colour, shape)
    "Person": ("#e4572e", "dot"), "Country": ("#17bebb", "diamond"), "Organization": ("#76b041", "square"),
    "Place": ("#ffc914", "triangle"), "WeaponSystem": ("#7d5ba6", "star"), "Agreement": ("#2e86ab", "box"),
    "Conference": ("#f49d37", "hexagon"), "EventSeries": ("#f49d37", "hexagon"),
    "Meeting": ("#999999", "ellipse"), "Visit": ("#999999", "ellipse"), "ArmsTransfer": ("#c1292e", "ellipse"),
    "Signing": ("#999999", "ellipse"), "Statement": ("#bbbbbb", "ellipse"), "Inspection": ("#bbbbbb", "ellipse"),
}
CORE = ["Person", "Country", "Organization", "Place", "WeaponSystem", "Agreement", "Conference", "EventSeries",
        "Meeting", "Visit", "ArmsTransfer", "Signing", "Statement", "Inspection"]
SKIP_PREDICATES = {"evidence", "denotes", "document", "category", "status", "stance", "role", "rank"}
_REMOTE_TAG = re.compile(r'<(?:link|script)[^>]+(?:href|src)="https?://[^"]*"[^>]*>(?:\s*</script>)?', re.I)


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _nodes(store: GraphStore) -> dict[str, dict]:
    q = f"""SELECT ?n ?t (SAMPLE(?en) AS ?label) (SAMPLE(?alt) AS ?alt) WHERE {{
        GRAPH ?g {{ ?n a ?t . FILTER(STRSTARTS(STR(?t), "{ONT}")) }}
        OPTIONAL {{ GRAPH ?g2 {{ ?n <http://www.w3.org/2004/02/skos/core#prefLabel> ?en }} }}
        OPTIONAL {{ GRAPH ?g3 {{ ?n <http://www.w3.org/2004/02/skos/core#altLabel> ?alt }} }}
    }} GROUP BY ?n ?t"""
    nodes: dict[str, dict] = {}
    for r in store.query(q):
        t = _local(r["t"].value)
        if t not in STYLE:
            continue
        n = nodes.setdefault(r["n"].value, {"types": set(), "label": None})
        n["types"].add(t)
        label = r["label"] or r["alt"]
        if label is not None and not n["label"]:
            n["label"] = label.value
    return nodes


def _evidence(store: GraphStore) -> dict[str, list[str]]:
    q = f"""SELECT ?n ?s WHERE {{ GRAPH ?g {{ ?n <{ONT}evidence> ?e . ?e <{ONT}sentence> ?s }} }}"""
    out: dict[str, list[str]] = {}
    for r in store.query(q):
        out.setdefault(r["n"].value, []).append(r["s"].value)
    return out


def render_html(store: GraphStore, out: str | os.PathLike, max_nodes: int = 5000) -> Path:
    """Write the graph as one HTML file that works offline; returns its path."""
    nodes = _nodes(store)
    ev = _evidence(store)
    net = Network(height="800px", width="100%", directed=True, cdn_resources="in_line", bgcolor="#ffffff")
    shown = list(nodes.items())[:max_nodes]
    ids = {iri for iri, _ in shown}
    for iri, n in shown:
        t = next((c for c in CORE if c in n["types"]), sorted(n["types"])[0])
        colour, shape = STYLE[t]
        label = n["label"] or t
        tip = [f"{t}: {label}"] + [f"— {s}" for s in ev.get(iri, [])[:3]]
        # vis-network writes titles as text; escaping keeps markup in articles inert either way
        net.add_node(iri, label=html.escape(label[:60]), title=html.escape("\n".join(tip)), color=colour, shape=shape)
    q = "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o . FILTER(isIRI(?o)) } }"
    for r in store.query(q):
        s, p, o = r["s"].value, _local(r["p"].value), r["o"].value
        if s in ids and o in ids and s != o and p not in SKIP_PREDICATES:
            net.add_edge(s, o, label=p, title=p)
    net.toggle_physics(len(shown) <= 300)
    page = _REMOTE_TAG.sub("", net.generate_html())
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=str(out.parent))
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(page)
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, out)
    return out
