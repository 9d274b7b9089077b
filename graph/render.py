"""The graph as one self-contained HTML page: vis-network, its stylesheet and the page's own script and style are
inlined, nothing is fetched (a Content-Security-Policy forbids every load and every script but the page's own),
so the file opens with the network cable pulled.

Views: ``full`` (entities and event nodes), ``persons`` (who met whom) and ``countries`` (weighted country ties),
each optionally cut to the ego network of one entity and to a time window (see :mod:`.project`). Layout is
computed here (NetworkX spring layout for small graphs, a particle-mesh force layout in NumPy for large ones);
the browser runs physics only on small graphs, so 20,000 nodes open and pan; above ``max_nodes`` the page shows
the best-connected nodes and says so.

Article text is data, never markup: it travels as JSON in a ``<script type="application/json">`` block with
``<``, ``>``, ``&``, U+2028 and U+2029 escaped, and the page builds its panel with DOM calls and
``textContent`` only. Node labels are drawn on the canvas as text; no ``title`` HTML is given to vis-network.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import time
from importlib import resources
from pathlib import Path

import networkx as nx
import numpy as np

from . import project
from .store import write_atomic

VIEWS = ("full", "persons", "countries")
MAX_NODES = 20_000
PHYSICS_MAX = 300  # above this many nodes the browser draws the Python layout as is
SPRING_MAX = 400  # up to this size NetworkX's spring layout; above it the particle-mesh layout
FACTS_MAX = 200  # facts listed per node in the side panel
EVIDENCE_PER_FACT = 3
DOCS_MAX = 20  # documents listed per node or edge

STYLE = {  # type -> (colour, vis shape, legend text)
    "Person": ("#e4572e", "dot", "Person"), "Country": ("#17bebb", "diamond", "Country"),
    "Organization": ("#76b041", "square", "Organization"), "Place": ("#f2b705", "triangle", "Place"),
    "WeaponSystem": ("#7d5ba6", "star", "Weapon system"), "Agreement": ("#2e86ab", "triangleDown", "Agreement"),
    "Conference": ("#f49d37", "hexagon", "Conference"), "EventSeries": ("#c97b2a", "hexagon", "Conference series"),
    "Meeting": ("#6c757d", "dot", "Event: meeting"), "Visit": ("#8d99ae", "dot", "Event: visit"),
    "ArmsTransfer": ("#c1292e", "dot", "Event: arms transfer"), "Signing": ("#3d5a80", "dot", "Event: signing"),
    "Statement": ("#a5a5a5", "dot", "Event: statement"), "Inspection": ("#b5838d", "dot", "Event: inspection"),
    "Post": ("#d4a373", "square", "Post (position held)"),
}
OTHER = ("#999999", "dot", "Other")
ATTRIBUTES = (  # node attribute -> panel row name
    ("date_text", "date as written"), ("rank", "rank"), ("role", "role"), ("status", "status"), ("stance", "stance"),
    ("category", "category"), ("quantity", "quantity"), ("agreementKind", "kind"), ("editionNumber", "edition"),
    ("sameAs", "same as"), ("confidence", "confidence"))


# -- assets -----------------------------------------------------------------------------------------------
def _vis_assets() -> tuple[str, str]:
    """vis-network's JavaScript and CSS as shipped inside the pyvis wheel (newest version there)."""
    lib = resources.files("pyvis") / "templates" / "lib"
    found = []
    for d in lib.iterdir():
        m = re.fullmatch(r"vis-(\d+)\.(\d+)\.(\d+)", d.name)
        if m and (d / "vis-network.min.js").is_file():
            found.append((tuple(map(int, m.groups())), d))
    if not found:
        raise RuntimeError(f"vis-network is not inside the installed pyvis ({lib}); reinstall pyvis>=0.3.2")
    d = max(found)[1]
    js = (d / "vis-network.min.js").read_text(encoding="utf-8")
    css = (d / "vis-network.css").read_text(encoding="utf-8")
    if re.search(r"</script|<!--", js, re.I) or re.search(r"</style", css, re.I):
        raise RuntimeError(f"{d}: vis-network cannot be inlined as is (it contains a closing tag)")
    return js, css


def _json_for_script(data) -> str:
    """JSON safe inside <script type="application/json">: no '<', '>', '&', U+2028 or U+2029 left raw."""
    s = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


# -- views ------------------------------------------------------------------------------------------------
def build_view(store, view: str = "full", *, focus: str | None = None, radius: int | None = None,
               since=None, until=None) -> tuple[nx.Graph, nx.MultiDiGraph]:
    """The graph to draw and the (time-filtered) entity graph behind it, for its events' evidence."""
    if view not in VIEWS:
        raise project.ProjectionError(f"unknown view {view!r} (choose {', '.join(VIEWS)})")
    full = store if isinstance(store, nx.MultiDiGraph) else project.load_graph(store)
    E = project.entity_graph(full, since=since, until=until)
    if view == "persons":
        G = project.person_network(full, since=since, until=until)
    elif view == "countries":
        G = project.country_network(full, since=since, until=until)
    else:
        G = E
    if focus:
        G = project.ego_graph(G, focus, radius=radius if radius is not None else (2 if view == "full" else 1))
    G.graph["view"] = view
    return G, E


# -- layout -----------------------------------------------------------------------------------------------
def _hilbert(p: int, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of a 2^p x 2^p Hilbert curve at indices ``d`` (neighbours on the curve are neighbours on the grid)."""
    x = np.zeros_like(d)
    y = np.zeros_like(d)
    t = d.copy()
    s = 1
    while s < (1 << p):
        rx = 1 & (t // 2)
        ry = 1 & (t ^ rx)
        swap = ry == 0
        flip = swap & (rx == 1)
        x = np.where(flip, s - 1 - x, x)
        y = np.where(flip, s - 1 - y, y)
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        x = x + s * rx
        y = y + s * ry
        t //= 4
        s *= 2
    return x, y


def _bfs_order(U: nx.Graph, index: dict) -> np.ndarray:
    """Nodes component by component (largest first), each in breadth-first order from its best-connected node."""
    order: list[int] = []
    for comp in sorted(nx.connected_components(U), key=len, reverse=True):
        root = max(comp, key=lambda n: (len(U.adj[n]), str(n)))
        order.append(index[root])
        order += [index[v] for _, v in nx.bfs_edges(U, root)]
    return np.asarray(order, dtype=np.int64)


def _close_pairs(pos: np.ndarray, cut: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) of points in the same or adjacent grid cells of side ``cut`` (a superset of the pairs
    closer than ``cut``), without looping in Python."""
    n = len(pos)
    c = np.floor(pos / cut).astype(np.int64)
    c -= c.min(0)
    m = int(c[:, 1].max()) + 3
    key = (c[:, 0] + 1) * m + (c[:, 1] + 1)
    order = np.argsort(key, kind="stable")
    sk = key[order]
    uk, st, cnt = np.unique(sk, return_index=True, return_counts=True)
    out_i, out_j = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1), (1, -1)):
        nk = sk + dx * m + dy
        ix = np.minimum(np.searchsorted(uk, nk), len(uk) - 1)
        cc = np.where(uk[ix] == nk, cnt[ix], 0)
        tot = int(cc.sum())
        if not tot:
            continue
        ip = np.repeat(np.arange(n), cc)
        jp = np.repeat(st[ix], cc) + np.arange(tot) - np.repeat(np.cumsum(cc) - cc, cc)
        if dx == dy == 0:
            keep = jp > ip
            ip, jp = ip[keep], jp[keep]
        out_i.append(order[ip])
        out_j.append(order[jp])
    return np.concatenate(out_i), np.concatenate(out_j)


def pm_layout(n: int, u: np.ndarray, v: np.ndarray, order: np.ndarray, iterations: int = 80,
              seed: int = 1) -> np.ndarray:
    """A force layout in O(n + g^2 log g) per step (g: mesh side): Fruchterman-Reingold repulsion from a density
    mesh convolved by FFT (particle-mesh, cloud-in-cell), plus exact repulsion between points closer than one
    unit (what the mesh smooths away), linear attraction along edges and a pull to the centre. Starts from a
    breadth-first walk laid along a Hilbert curve, so neighbours start close. Unit: the ideal node spacing."""
    rng = np.random.default_rng(seed)
    p = max(1, int(np.ceil(np.log2(max(2.0, np.sqrt(n))))))
    hx, hy = _hilbert(p, (np.arange(n, dtype=np.int64) * (1 << (2 * p))) // max(n, 1))
    pos = np.empty((n, 2))
    pos[order, 0], pos[order, 1] = hx, hy
    pos = pos * (np.sqrt(n) / (1 << p)) + rng.uniform(-0.3, 0.3, (n, 2))
    g = int(min(512, max(32, 2 ** np.ceil(np.log2(np.sqrt(n) * 1.5)))))
    off = np.arange(2 * g, dtype=float)
    off = np.where(off < g, off, off - 2 * g)
    DX, DY = np.meshgrid(off, off, indexing="ij")
    temp = np.sqrt(n) / 6
    cells = 4 * g * g
    for _ in range(iterations):
        lo = pos.min(0)
        h = (pos.max(0) - lo).max() / (g - 2) + 1e-9
        r2 = (DX * DX + DY * DY) * h * h + 0.25 * h * h
        cg = (pos - lo) / h
        i0 = np.minimum(np.floor(cg).astype(np.int64), g - 2)
        f = cg - i0
        corners = []
        for ax, ay in ((0, 0), (1, 0), (0, 1), (1, 1)):
            w = (f[:, 0] if ax else 1 - f[:, 0]) * (f[:, 1] if ay else 1 - f[:, 1])
            corners.append(((i0[:, 0] + ax) * (2 * g) + i0[:, 1] + ay, w))
        rho = sum(np.bincount(ix, weights=w, minlength=cells) for ix, w in corners).reshape(2 * g, 2 * g)
        R = np.fft.rfft2(rho)
        FX = np.fft.irfft2(R * np.fft.rfft2(DX * h / r2), s=rho.shape).ravel()
        FY = np.fft.irfft2(R * np.fft.rfft2(DY * h / r2), s=rho.shape).ravel()
        disp = np.zeros((n, 2))
        for ix, w in corners:
            disp[:, 0] += FX[ix] * w
            disp[:, 1] += FY[ix] * w
        ci, cj = _close_pairs(pos, 1.0)
        d = pos[ci] - pos[cj]
        d2 = (d * d).sum(1)
        near = d2 < 1.0
        ci, cj, d, d2 = ci[near], cj[near], d[near], d2[near]
        same = d2 < 1e-8
        d[same] = rng.normal(0, 0.01, (int(same.sum()), 2))
        fr = d * (1.0 / np.maximum(d2, 1e-4) - 1.0)[:, None]
        d = pos[u] - pos[v]
        fa = 3.0 * d
        for k in (0, 1):
            disp[:, k] += (np.bincount(ci, fr[:, k], n) - np.bincount(cj, fr[:, k], n)
                           + np.bincount(v, fa[:, k], n) - np.bincount(u, fa[:, k], n))
        disp -= 0.6 * (pos - pos.mean(0))
        ln = np.sqrt((disp * disp).sum(1)) + 1e-9
        pos += disp * (np.minimum(ln, temp) / ln)[:, None]
        temp = max(temp * 0.95, 0.02)
    return pos


def layout(G: nx.Graph, seed: int = 1) -> dict:
    """Node -> (x, y) in screen pixels (about 90 px between neighbours). Components of three or more nodes are
    laid out together (NetworkX spring layout up to SPRING_MAX nodes, else :func:`pm_layout`); isolated nodes
    and pairs are packed in rows under them."""
    U = nx.Graph()
    U.add_nodes_from(G)
    U.add_edges_from((a, b) for a, b, *_ in G.edges() if a != b)
    comps = sorted(nx.connected_components(U), key=lambda c: (-len(c), min(map(str, c))))
    main = [x for c in comps if len(c) >= 3 for x in c]
    small = [sorted(c, key=str) for c in comps if len(c) < 3]
    unit = 90.0
    out: dict = {}
    if main:
        M = U.copy()
        M.remove_nodes_from([x for c in small for x in c])
        if len(M) <= SPRING_MAX:
            pos = nx.spring_layout(M, seed=seed, iterations=80)
            scale = unit * 0.6 * np.sqrt(len(M))
            out = {k: (float(x * scale), float(y * scale)) for k, (x, y) in pos.items()}
        else:
            nodes = list(M)
            index = {k: i for i, k in enumerate(nodes)}
            e = np.array([(index[a], index[b]) for a, b in M.edges()], dtype=np.int64).reshape(-1, 2)
            xy = pm_layout(len(nodes), e[:, 0], e[:, 1], _bfs_order(M, index), seed=seed) * unit
            xy -= xy.mean(0)
            out = {k: (float(xy[i, 0]), float(xy[i, 1])) for i, k in enumerate(nodes)}
    if small:
        xs = [x for x, _ in out.values()] or [0.0]
        ys = [y for _, y in out.values()] or [-unit]
        left, top = min(xs), max(ys) + 1.5 * unit
        cols = max(4, int(np.ceil(np.sqrt(len(small) * 2))), int((max(xs) - left) / (1.5 * unit)) + 1)
        for i, comp in enumerate(small):
            r, c = divmod(i, cols)
            for j, k in enumerate(comp):
                out[k] = (left + c * 1.5 * unit + j * 0.6 * unit, top + r * unit + j * 0.3 * unit)
    return out


# -- page data --------------------------------------------------------------------------------------------
def _href(doc: dict) -> str:
    """A link to the source: its web address (http/https only) or its local file; '' when there is neither."""
    url = (doc.get("url") or "").strip()
    if re.match(r"https?://[^\s\"'<>]+$", url, re.I):
        return url
    src = doc.get("file") or ""
    if src and os.path.isabs(src) and "#" not in src:
        try:
            return Path(src).as_uri()
        except ValueError:
            return ""
    return ""


class _Page:
    """Collects the JSON the page script reads: nodes, edges, side-panel facts, evidence and documents."""

    def __init__(self, G: nx.Graph, E: nx.MultiDiGraph):
        self.G, self.E = G, E
        self.nodes = list(G)
        self.idx = {n: i for i, n in enumerate(self.nodes)}
        self.docs: list[list] = []
        self.doc_idx: dict[str, int] = {}
        self.ev: list[list] = []
        self.ev_idx: dict[tuple, int] = {}
        self.alldocs = G.graph.get("documents") or E.graph.get("documents") or {}
        self.labels: dict = {}
        self.node_ev: dict = {}

    def doc(self, iri: str) -> int:
        if iri not in self.doc_idx:
            d = self.alldocs.get(iri, {})
            name = d.get("file") or iri
            self.doc_idx[iri] = len(self.docs)
            self.docs.append([name, d.get("language") or "", d.get("title") or "", d.get("date") or "", _href(d)])
        return self.doc_idx[iri]

    def evidence(self, evs: list[dict]) -> list[int]:
        out = []
        for e in evs:
            key = (e["document"], e.get("start"), e.get("end"), e["sentence"])
            if key not in self.ev_idx:
                self.ev_idx[key] = len(self.ev)
                conf = e.get("confidence")
                self.ev.append([e["sentence"], self.doc(e["document"]), e.get("language") or "", e.get("rule") or "",
                                round(conf, 2) if conf is not None else None])
            if self.ev_idx[key] not in out:
                out.append(self.ev_idx[key])
        return out

    def label(self, n) -> str:
        if n not in self.labels:
            d = self.G.nodes[n] if n in self.G else self.E.nodes[n] if n in self.E else {}
            self.labels[n] = d.get("label") or project._local(str(n))
        return self.labels[n]

    def ref(self, n) -> dict:
        return {"t": self.label(n), "n": self.idx.get(n)}

    def docs_part(self, iris) -> list:
        docs = [i for i in iris if i != project.KB]
        out: list = [{"d": self.doc(i)} for i in docs[:DOCS_MAX]]
        if len(docs) > DOCS_MAX:
            out.append(f", … and {len(docs) - DOCS_MAX} more")
        if project.KB in iris:
            out.append(", knowledge base" if out else "knowledge base")
        return out

    def event_evidence(self, n) -> list[int]:
        if n not in self.node_ev:
            self.node_ev[n] = self.evidence((self.E.nodes[n].get("evidence") or []) if n in self.E else [])
        return self.node_ev[n]

    # -- side panel of a node
    def node_info(self, n) -> dict:
        d = self.G.nodes[n]
        labels = [[t, (d.get("label_lang") or {}).get(t, "")] for t in d.get("labels") or []]
        a: list[list] = []
        types = [t for t in d.get("types", []) if t != d.get("type")]
        a.append(["type", [d.get("type", "")] + ([f" ({', '.join(types)})"] if types else [])])
        if d.get("date"):
            note = " (publication date of the article)" if d.get("date_source") == "document" else ""
            a.append(["date", [d["date"] + note]])
        if d.get("type") == "Post":
            for k, name in (("startDate", "from"), ("endDate", "until")):
                if d.get(k):
                    a.append([name, [", ".join(d[k])]])
        for k, name in ATTRIBUTES:
            v = d.get(k if k != "date_text" else "dateText")
            if v:
                a.append([name, [", ".join(map(str, v)) if isinstance(v, list | tuple) else str(v)]])
        if d.get("documents"):
            a.append(["documents", self.docs_part(d["documents"])])
        facts = []
        if self.G.graph.get("view") in ("persons", "countries"):
            adj = self.G.adj[n]
            for nb in sorted(adj, key=lambda x: -adj[x].get("weight", 1)):
                e = adj[nb]
                ev = [i for x in dict.fromkeys(e.get("events", [])) for i in self.event_evidence(x)]
                facts.append({"t": [self.ref(nb), " — " + _kinds_text(e)], "e": ev[:EVIDENCE_PER_FACT]})
        elif n in self.E:
            for o, keyed in self.E.succ[n].items():
                for k, e in keyed.items():
                    facts.append({"t": [k + ": ", self.ref(o)], "e": self.evidence(e.get("evidence") or [])})
            for s, keyed in self.E.pred[n].items():
                for k, e in keyed.items():
                    ev = self.evidence(e.get("evidence") or []) + self.event_evidence(s)
                    facts.append({"t": [self.ref(s), f" — {k}"], "e": ev[:EVIDENCE_PER_FACT]})
        more = len(facts) - FACTS_MAX
        info = {"iri": str(n), "l": labels, "a": a, "f": facts[:FACTS_MAX],
                "e": self.event_evidence(n) if n in self.E else []}
        if more > 0:
            info["more"] = more
        return info

    # -- side panel of an edge
    def edge_info(self, s, o, k, e: dict) -> dict:
        a: list[list] = []
        if self.G.graph.get("view") in ("persons", "countries"):
            title = [self.ref(s), " — ", self.ref(o)]
            a.append(["ties", [_kinds_text(e)]])
            if e.get("transfers"):
                a.append(["arms transfers", [", ".join(f"{self.label(x)} → {self.label(y)}"
                                                       for x, y in e["transfers"])]])
            for key in ("dates", "places"):
                if e.get(key):
                    a.append([key, [", ".join(e[key])]])
            a.append(["documents", self.docs_part(e.get("documents", []))])
            facts = []
            for ev in dict.fromkeys(e.get("events", [])):
                ed = self.E.nodes[ev] if ev in self.E else {}
                facts.append({"t": [ed.get("label") or project._local(ev)], "e": self.event_evidence(ev)})
            return {"t": title, "a": a, "f": facts[:FACTS_MAX], "e": []}
        title = [self.ref(s), f" — {k} → ", self.ref(o)]
        a.append(["relation", [k]])
        if e.get("dates"):
            a.append(["dates", [", ".join(e["dates"])]])
        a.append(["asserted in", self.docs_part(e.get("documents", []))])
        ev = self.evidence(e.get("evidence") or []) + self.event_evidence(s)
        return {"t": title, "a": a, "f": [], "e": ev}


def _kinds_text(e: dict) -> str:
    names = {"Meeting": "meeting", "meetings": "meeting", "agreements": "agreement", "arms_transfers": "arms transfer",
             "visits": "visit", "Signing": "signing"}
    parts = []
    for k, c in sorted(e.get("kinds", {}).items(), key=lambda kv: -kv[1]):
        w = names.get(k, k)
        parts.append(f"{c} {w}{'s' if c != 1 else ''}")
    return ", ".join(parts) or f"weight {e.get('weight', 1)}"


def _truncate(G: nx.Graph, max_nodes: int) -> tuple[nx.Graph, str | None]:
    n = G.number_of_nodes()
    if n <= max_nodes:
        return G, None
    keep = sorted(G, key=lambda x: (-G.degree(x), str(x)))[:max_nodes]
    H = G.subgraph(keep).copy()
    H.graph.update(G.graph)
    return H, (f"Summary view: the {max_nodes:,} best-connected of {n:,} nodes are shown. Narrow the view "
               "(ddkg render --focus LABEL, --view persons|countries, --since/--until) to see the rest.")


def _notes(G: nx.Graph) -> list[str]:
    out = []
    if G.graph.get("since") or G.graph.get("until"):
        out.append(f"Events from {G.graph.get('since', '…')} to {G.graph.get('until', '…')}: an event's own date, "
                   "else its article's publication date; events with neither are left out.")
    if G.graph.get("focus"):
        out.append("Ego network of one entity (selected).")
    return out


def page_data(G: nx.Graph, E: nx.MultiDiGraph, *, max_nodes: int = MAX_NODES, title: str | None = None,
              stats: dict | None = None) -> dict:
    """Everything the page shows, as plain JSON-able data (positions computed here)."""
    view = G.graph.get("view", "full")
    total = G.number_of_nodes()
    G, cut = _truncate(G, max_nodes)
    t0 = time.perf_counter()
    pos = layout(G)
    if stats is not None:
        stats["layout_s"] = round(time.perf_counter() - t0, 2)
    p = _Page(G, E)
    types = sorted({G.nodes[n].get("type", "") for n in G}, key=lambda t: list(STYLE).index(t) if t in STYLE else 99)
    nodes, info, keys = [], [], []
    for n in p.nodes:
        d = G.nodes[n]
        label = p.label(n)
        short = label if len(label) <= 48 else label[:46] + "…"
        x, y = pos.get(n, (0.0, 0.0))
        nodes.append([short, d.get("type", ""), round(x, 1), round(y, 1), G.degree(n)])
        info.append(p.node_info(n))
        names = [*(d.get("labels") or [label]), project._local(str(n)).replace("-", " ")]
        keys.append("\u241f".join(dict.fromkeys(project._fold(x) for x in names if x)))
    directed = G.is_directed()
    edges, einfo = [], []
    for s, o, k, e in (G.edges(keys=True, data=True) if G.is_multigraph() else
                       ((s, o, None, e) for s, o, e in G.edges(data=True))):
        lab = k if view == "full" else str(e.get("weight", ""))
        edges.append([p.idx[s], p.idx[o], lab, e.get("weight", 1)])
        einfo.append(p.edge_info(s, o, k, e))
    notes = ([cut] if cut else []) + _notes(G)
    focus = G.graph.get("focus")
    view_name = {"full": "entities and events", "persons": "who met whom", "countries": "country ties"}[view]
    if stats is not None:
        stats.update(nodes=len(nodes), edges=len(edges), total_nodes=total)
    return {
        "meta": {"title": title or f"ddkg graph: {view_name}", "view": view, "notes": notes,
                 "physics": len(nodes) <= PHYSICS_MAX, "directed": directed, "big": len(nodes) > 2000,
                 "focus": p.idx.get(focus) if focus is not None else None},
        "styles": {t: list(STYLE.get(t, OTHER)) for t in types},
        "nodes": nodes, "edges": edges, "info": info, "einfo": einfo, "keys": keys, "ev": p.ev, "docs": p.docs,
    }


# -- the page ---------------------------------------------------------------------------------------------
def page_html(data: dict, *, csp: bool = True) -> str:
    """The HTML document for ``page_data``'s data. ``csp=False`` leaves out the Content-Security-Policy (tests
    use it to check that the escaping alone keeps article text inert)."""
    js, css = _vis_assets()
    title = html.escape(data["meta"]["title"])
    policy = (f"default-src 'none'; script-src '{_sha256(js)}' '{_sha256(APP_JS)}'; style-src 'unsafe-inline'; "
              "img-src data:; font-src data:; base-uri 'none'; form-action 'none'")
    meta_csp = f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n' if csp else ""
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n{meta_csp}'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="referrer" content="no-referrer">\n<title>{title}</title>\n'
            f"<style>\n{css}\n</style>\n<style>\n{APP_CSS}\n</style>\n</head>\n<body>\n{BODY}\n"
            f'<script type="application/json" id="ddkg-data">{_json_for_script(data)}</script>\n'
            f"<script>{js}</script>\n<script>{APP_JS}</script>\n</body>\n</html>\n")


def _write(out: str | os.PathLike, text: str) -> Path:
    return write_atomic(out, lambda fh: fh.write(text.encode("utf-8")))


def render_page(store, *, view: str = "full", focus: str | None = None, radius: int | None = None, since=None,
                until=None, max_nodes: int = MAX_NODES, title: str | None = None, csp: bool = True,
                stats: dict | None = None) -> str:
    """The page as a string (``store``: a GraphStore or a graph from :func:`project.load_graph`)."""
    G, E = build_view(store, view, focus=focus, radius=radius, since=since, until=until)
    return page_html(page_data(G, E, max_nodes=max_nodes, title=title, stats=stats), csp=csp)


def render_html(store, out: str | os.PathLike, *, view: str = "full", focus: str | None = None,
                radius: int | None = None, since=None, until=None, max_nodes: int = MAX_NODES,
                title: str | None = None, csp: bool = True, stats: dict | None = None) -> Path:
    """Write the view as one HTML file that works offline (written atomically); returns its path.

    ``view``: full | persons | countries; ``focus`` (an IRI or any label) with ``radius`` (default 2 steps in the
    full view, where events sit between entities, else 1) cuts to an ego network; ``since``/``until`` filter
    events by date (see :mod:`.project`); above ``max_nodes`` the best-connected nodes are kept and the page
    says so. ``stats``, if given, receives node and edge counts and the layout time."""
    return _write(out, render_page(store, view=view, focus=focus, radius=radius, since=since, until=until,
                                   max_nodes=max_nodes, title=title, csp=csp, stats=stats))


class NotebookView:
    """The page inline in Jupyter (classic, JupyterLab, VS Code): an ``<iframe srcdoc>`` holding the whole
    escaped page, sandboxed to scripts (and links opening in a new tab)."""

    def __init__(self, page: str, height: int = 720):
        self.page, self.height = page, int(height)

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.page, quote=True)}" sandbox="allow-scripts allow-popups" '
                f'style="width:100%;height:{self.height}px;border:1px solid #ddd" loading="eager"></iframe>')

    def save(self, out: str | os.PathLike) -> Path:
        return _write(out, self.page)


def notebook_view(store, *, height: int = 720, **kw) -> NotebookView:
    """``render_page`` for a notebook cell: ``notebook_view(GraphStore(dir), view="persons")`` displays inline."""
    return NotebookView(render_page(store, **kw), height=height)


# -- headless Chromium (tests, benchmark) -----------------------------------------------------------------
def chromium_binary() -> str | None:
    """The Chromium (or Chrome) executable: $DDKG_CHROMIUM, else the first of the usual names on PATH."""
    env = os.environ.get("DDKG_CHROMIUM")
    if env:
        return env if shutil.which(env) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_flags(profile_dir: str | os.PathLike) -> list[str]:
    """Headless, sandbox and GPU off, and no network: every request goes to a dead proxy, every name fails."""
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-default-apps", "--mute-audio",
            "--hide-scrollbars", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile_dir}"]


BODY = """<header id="top">
  <h1 id="title"></h1>
  <div id="search-box"><input id="search" type="search" placeholder="Find a node by name (any language)"
    autocomplete="off" spellcheck="false" aria-label="Find a node by name" dir="auto">
    <ul id="results" hidden></ul></div>
  <span id="counts"></span>
</header>
<div id="notes"></div>
<main id="main"><div id="graph" aria-label="graph"></div>
  <aside id="panel" aria-live="polite">
    <p class="hint">Click a node or an edge to see its facts and evidence.</p></aside>
</main>
<footer id="legend"></footer>
<output id="ddkg-status" data-state="loading" hidden></output>"""

APP_CSS = """
html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, "Segoe UI", "Noto Sans", "Noto Naskh Arabic",
  Tahoma, sans-serif; color: #222; }
body { display: flex; flex-direction: column; }
#top { display: flex; gap: 1em; align-items: center; padding: 6px 12px; border-bottom: 1px solid #ddd; }
#top h1 { font-size: 16px; margin: 0; white-space: nowrap; }
#counts { color: #666; font-size: 12px; margin-inline-start: auto; }
#search-box { position: relative; flex: 0 1 28em; }
#search { width: 100%; box-sizing: border-box; padding: 4px 8px; font: inherit; }
#results { position: absolute; z-index: 10; inset-inline: 0; top: 100%; margin: 0; padding: 0; list-style: none;
  background: #fff; border: 1px solid #ccc; max-height: 60vh; overflow: auto; box-shadow: 0 2px 6px #0002; }
#results li { padding: 3px 8px; cursor: pointer; }
#results li:hover, #results li.active { background: #eef3fb; }
#results .type, .type { color: #777; font-size: 12px; }
#notes:empty { display: none; }
#notes { background: #fff6dd; border-bottom: 1px solid #eed; padding: 4px 12px; font-size: 13px; }
#main { flex: 1; display: flex; min-height: 0; }
#graph { flex: 1; min-width: 0; position: relative; }
#panel { width: 30em; max-width: 45%; overflow: auto; border-inline-start: 1px solid #ddd; padding: 8px 12px;
  box-sizing: border-box; }
#panel h2 { font-size: 17px; margin: 4px 0; unicode-bidi: isolate; }
#panel h3 { font-size: 13px; margin: 12px 0 4px; text-transform: uppercase; color: #555; }
#panel dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 6px 0; }
#panel dt { color: #666; }
#panel dd { margin: 0; }
#panel ul { margin: 0; padding-inline-start: 1.2em; }
#panel li { margin: 3px 0; }
#panel .iri { color: #888; font-size: 11px; word-break: break-all; }
#panel .more { color: #777; font-style: italic; }
a.ref { color: #1a5fb4; cursor: pointer; text-decoration: underline dotted; }
blockquote.ev { margin: 4px 0; padding: 4px 8px; border-inline-start: 3px solid #ccd; background: #f7f7fa;
  unicode-bidi: plaintext; white-space: pre-wrap; }
.src { color: #666; font-size: 12px; margin-bottom: 6px; }
.lang { color: #999; font-size: 11px; margin-inline-start: 4px; }
#legend { display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 5px 12px; border-top: 1px solid #ddd;
  font-size: 12px; }
#legend button { border: 0; background: none; font: inherit; cursor: pointer; display: inline-flex;
  align-items: center; gap: 4px; padding: 0; }
#legend button.off { opacity: .35; }
#legend .edges { color: #666; }
bdi { unicode-bidi: isolate; }
"""

APP_JS = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("ddkg-data").textContent);
  var M = D.meta;
  var status = document.getElementById("ddkg-status");
  var panel = document.getElementById("panel");

  // DOM helpers: every piece of data goes in as a text node or a checked attribute, never as markup
  function h(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === "") return;
        if (k === "text") e.textContent = String(v);
        else if (k === "onclick") e.addEventListener("click", v);
        else e.setAttribute(k, String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      e.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }
  function bdi(text, lang) { return h("bdi", {dir: "auto", lang: lang || null, text: text}); }
  function safeHref(u) { return /^(https?:\/\/|file:\/\/\/)/i.test(u || "") ? u : null; }

  var FOLD = {"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627", "\u0649": "\u06cc",
    "\u064a": "\u06cc", "\u0626": "\u06cc", "\u0624": "\u0648", "\u0643": "\u06a9", "\u0629": "\u0647",
    "\u06c0": "\u0647"};
  function fold(s) {
    s = String(s).normalize("NFKD").toLowerCase()
      .replace(/[\u0300-\u036f\u064b-\u065f\u0670\u0640\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, "");
    var out = "";
    for (var ch of s) {
      var c = ch.charCodeAt(0);
      if (c >= 0x660 && c <= 0x669) ch = String(c - 0x660);
      else if (c >= 0x6f0 && c <= 0x6f9) ch = String(c - 0x6f0);
      out += FOLD[ch] || ch;
    }
    return out.replace(/\s+/g, " ").trim();
  }

  // -- the network
  var styles = D.styles;
  var hiddenTypes = {};
  var nodes = new vis.DataSet(D.nodes.map(function (n, i) {
    var st = styles[n[1]] || ["#999999", "dot"];
    var ev = /^(Meeting|Visit|ArmsTransfer|Signing|Statement|Inspection|Post)$/.test(n[1]);
    var node = {id: i, label: n[0], x: n[2], y: n[3], value: ev ? 1 : 1 + n[4], shape: st[1],
                color: {background: st[0], border: st[0], highlight: {background: st[0], border: "#000"}}};
    if (ev) node.font = {size: 11, color: "#555"};
    return node;
  }));
  var edges = new vis.DataSet(D.edges.map(function (e, j) {
    var edge = {id: j, from: e[0], to: e[1], label: e[2]};
    if (M.view !== "full") edge.value = e[3];
    return edge;
  }));
  var big = M.big;
  var options = {
    autoResize: true,
    layout: {improvedLayout: false, randomSeed: 1},
    physics: M.physics ? {enabled: true, solver: "barnesHut", barnesHut: {springLength: 110, avoidOverlap: 0.2},
                          stabilization: {enabled: true, iterations: 200, fit: true}} : false,
    interaction: {hover: !big, hideEdgesOnDrag: big, hideEdgesOnZoom: big, tooltipDelay: 300, keyboard: false},
    nodes: {borderWidth: big ? 0 : 1,
            font: {size: 14, face: "system-ui, sans-serif", strokeWidth: 3, strokeColor: "#fff"},
            scaling: {min: 7, max: 34, label: {enabled: true, min: 11, max: 22, drawThreshold: 6}}},
    edges: {smooth: big ? false : {enabled: true, type: "continuous", roundness: 0.3},
            arrows: M.directed && !big ? {to: {enabled: true, scaleFactor: 0.45}} : {to: {enabled: false}},
            color: {color: "#b9b9b9", highlight: "#222", hover: "#666"}, selectionWidth: 2,
            font: {size: 10, color: "#666", strokeWidth: 3, strokeColor: "#fff", align: "middle"},
            scaling: {min: 1, max: 10, label: {enabled: false}}}
  };
  var container = document.getElementById("graph");
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, options);
  var drawn = false;
  // draw at once rather than on the next animation frame (frames can be late in headless or hidden tabs)
  function kick() { if (!drawn) network.redraw(); }
  if (M.physics) {
    network.once("stabilizationIterationsDone", function () { network.setOptions({physics: false}); kick(); });
  } else {
    setTimeout(kick, 0);
  }
  setTimeout(kick, 2000);

  // the page reports that it drew (tests and benchmark read this element)
  network.on("afterDrawing", function () {
    if (drawn) return;
    drawn = true;
    var ink = 0, cv = container.querySelector("canvas");
    try {
      var px = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height).data;
      for (var i = 3; i < px.length; i += 64) if (px[i] > 0) ink++;
    } catch (err) { ink = -1; }
    var shown = network.body.nodeIndices.length;
    status.setAttribute("data-state", "drawn");
    status.setAttribute("data-nodes", String(shown));
    status.setAttribute("data-edges", String(network.body.edgeIndices.length));
    status.setAttribute("data-ink", String(ink));
    status.setAttribute("data-ms", String(Math.round(performance.now())));
    document.title = M.title + " (" + shown + " nodes drawn)";
    if (location.hash === "#bench") {  // benchmark: a frame while dragging (edges hidden on big graphs), a full one
      setTimeout(function () {
        var c = network.getViewPosition(), r = network.renderer;
        network.redraw();  // warm-up
        [["data-pan-ms", true], ["data-redraw-ms", false]].forEach(function (what) {
          r.dragging = what[1];
          var t0 = performance.now();
          for (var k = 1; k <= 5; k++) { network.moveTo({position: {x: c.x + 40 * k, y: c.y}}); network.redraw(); }
          status.setAttribute(what[0], String(Math.round((performance.now() - t0) / 5)));
        });
        r.dragging = false;
      }, 0);
    }
  });

  // -- header, notes, legend
  document.getElementById("title").textContent = M.title;
  document.getElementById("counts").textContent = D.nodes.length + " nodes, " + D.edges.length + " edges";
  var notes = document.getElementById("notes");
  M.notes.forEach(function (t) { notes.append(h("div", {text: t})); });
  var legend = document.getElementById("legend");
  var counts = {};
  D.nodes.forEach(function (n) { counts[n[1]] = (counts[n[1]] || 0) + 1; });
  var SVGNS = "http://www.w3.org/2000/svg";
  function swatch(color, shape) {
    var s = document.createElementNS(SVGNS, "svg");
    s.setAttribute("width", "14"); s.setAttribute("height", "14"); s.setAttribute("viewBox", "0 0 14 14");
    var pts = {diamond: "7,1 13,7 7,13 1,7", triangle: "7,1 13,13 1,13", triangleDown: "1,1 13,1 7,13",
               star: "7,0 9,5 14,5 10,8 12,14 7,10 2,14 4,8 0,5 5,5", hexagon: "4,1 10,1 13,7 10,13 4,13 1,7",
               square: "2,2 12,2 12,12 2,12"}[shape];
    var el;
    if (pts) { el = document.createElementNS(SVGNS, "polygon"); el.setAttribute("points", pts); }
    else { el = document.createElementNS(SVGNS, "circle"); el.setAttribute("cx", "7"); el.setAttribute("cy", "7");
           el.setAttribute("r", "6"); }
    el.setAttribute("fill", color);
    s.append(el);
    return s;
  }
  Object.keys(styles).forEach(function (t) {
    var st = styles[t];
    var b = h("button", {type: "button", title: "show or hide this type"}, swatch(st[0], st[1]),
              st[2] + " (" + (counts[t] || 0) + ")");
    b.addEventListener("click", function () {
      hiddenTypes[t] = !hiddenTypes[t];
      b.classList.toggle("off", hiddenTypes[t]);
      nodes.update(D.nodes.map(function (n, i) { return n[1] === t ? {id: i, hidden: !!hiddenTypes[t]} : null; })
        .filter(Boolean));
    });
    legend.append(b);
  });
  legend.append(h("span", {"class": "edges", text: M.view === "full"
    ? "Edges: relation from the fact to its arguments (participant, location, supplier ...)."
    : "Edges: number of ties (width grows with it); click one for its events and evidence."}));

  // -- side panel
  function refLink(t, n) {
    if (n === null || n === undefined) return bdi(t);
    var a = h("a", {"class": "ref", role: "button", tabindex: "0"}, bdi(t));
    a.addEventListener("click", function (ev) { ev.preventDefault(); selectNode(n); });
    return a;
  }
  function docLink(k) {
    var d = D.docs[k];
    var name = (d[0] || "").split(/[\\/]/).pop() || d[0];
    var href = safeHref(d[4]);
    var a = href ? h("a", {href: href, target: "_blank", rel: "noopener noreferrer", title: d[0]}, bdi(name))
                 : h("span", {title: d[0]}, bdi(name));
    var extra = [d[1], d[3]].filter(Boolean).join(", ");
    return h("span", {"class": "doc"}, a, extra ? " (" + extra + ")" : "", d[2] ? " " : "",
             d[2] ? bdi("\u201c" + d[2] + "\u201d") : null);
  }
  function parts(list) {
    var f = document.createDocumentFragment();
    (list || []).forEach(function (p, i) {
      if (typeof p === "string") f.append(p);
      else if (p.d !== undefined) { if (i) f.append(", "); f.append(docLink(p.d)); }
      else f.append(refLink(p.t, p.n));
    });
    return f;
  }
  function evidenceList(ids) {
    var ul = h("ul", {"class": "evidence"});
    ids.forEach(function (k) {
      var e = D.ev[k];
      var src = h("div", {"class": "src"}, "\u2014 ", docLink(e[1]));
      if (e[3]) src.append(" \u00b7 rule " + e[3]);
      if (e[4] !== null && e[4] !== undefined) src.append(" \u00b7 confidence " + e[4]);
      ul.append(h("li", null, h("blockquote", {"class": "ev", dir: "auto", lang: e[2] || D.docs[e[1]][1] || null,
                                              text: e[0]}), src));
    });
    return ul;
  }
  function showInfo(head, sub, info) {
    panel.replaceChildren();
    panel.append(head);
    if (sub) panel.append(sub);
    var dl = h("dl");
    (info.a || []).forEach(function (row) { dl.append(h("dt", {text: row[0]}), h("dd", null, parts(row[1]))); });
    panel.append(dl);
    if (info.l && info.l.length > 1) {
      var ul = h("ul", {"class": "names"});
      info.l.forEach(function (l) {
        ul.append(h("li", null, bdi(l[0], l[1]), l[1] ? h("span", {"class": "lang", text: l[1]}) : null));
      });
      panel.append(h("h3", {text: "Names"}), ul);
    }
    if (info.e && info.e.length) panel.append(h("h3", {text: "Evidence"}), evidenceList(info.e));
    if (info.f && info.f.length) {
      var fl = h("ul", {"class": "facts"});
      info.f.forEach(function (f) {
        var li = h("li", null, parts(f.t));
        if (f.e && f.e.length) li.append(evidenceList(f.e));
        fl.append(li);
      });
      panel.append(h("h3", {text: "Facts (" + (info.f.length + (info.more || 0)) + ")"}), fl);
      if (info.more) panel.append(h("p", {"class": "more", text: "\u2026 and " + info.more + " more"}));
    }
    if (info.iri) panel.append(h("p", {"class": "iri", dir: "ltr", text: info.iri}));
    panel.scrollTop = 0;
  }
  function showNode(i) {
    var info = D.info[i];
    var st = styles[D.nodes[i][1]] || ["", "", D.nodes[i][1]];
    var label = info.l && info.l.length ? info.l[0] : [D.nodes[i][0], ""];
    showInfo(h("h2", null, bdi(label[0], label[1])), h("div", {"class": "type", text: st[2]}), info);
    status.setAttribute("data-selected", "node:" + i);
  }
  function showEdge(j) {
    var info = D.einfo[j];
    showInfo(h("h2", null, parts(info.t)), null, info);
    status.setAttribute("data-selected", "edge:" + j);
  }
  function selectNode(i) {
    if (hiddenTypes[D.nodes[i][1]]) return;
    network.selectNodes([i]);
    network.focus(i, {scale: Math.max(network.getScale(), 1.0), animation: big ? false : {duration: 400}});
    showNode(i);
  }
  network.on("click", function (p) {
    if (p.nodes.length) showNode(p.nodes[0]);
    else if (p.edges.length) showEdge(p.edges[0]);
  });

  // -- search by any label (folded like the Python side: case, diacritics, Arabic/Persian letter variants)
  var input = document.getElementById("search"), results = document.getElementById("results");
  function find(q, limit) {
    q = fold(q);
    if (!q) return [];
    var hits = [];
    for (var i = 0; i < D.keys.length; i++) {
      var k = D.keys[i], at = k.indexOf(q);
      if (at < 0) continue;
      var exact = k.split("\u241f").indexOf(q) >= 0;
      hits.push([exact ? 0 : (at === 0 || k.charAt(at - 1) === "\u241f" || k.charAt(at - 1) === " ") ? 1 : 2,
                 -D.nodes[i][4], i]);
    }
    hits.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; });
    return hits.slice(0, limit).map(function (x) { return x[2]; });
  }
  function showResults() {
    results.replaceChildren();
    var hits = find(input.value, 20);
    hits.forEach(function (i) {
      var st = styles[D.nodes[i][1]] || ["", "", D.nodes[i][1]];
      var li = h("li", {role: "option"}, bdi(D.nodes[i][0]), " ", h("span", {"class": "type", text: st[2]}));
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); results.hidden = true; selectNode(i); });
      results.append(li);
    });
    results.hidden = hits.length === 0;
  }
  input.addEventListener("input", showResults);
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      var hit = find(input.value, 1);
      if (hit.length) { results.hidden = true; selectNode(hit[0]); }
    } else if (ev.key === "Escape") results.hidden = true;
  });
  input.addEventListener("blur", function () { results.hidden = true; });

  // -- start: #node=<label, IRI or index> or #edge=<index> selects; else the ego view's centre
  var m = /^#(node|edge)=(.*)$/.exec(location.hash || "");
  if (m) {
    var key = decodeURIComponent(m[2]);
    if (m[1] === "edge") {
      var j = parseInt(key, 10);
      if (j >= 0 && j < D.edges.length) { network.selectEdges([j]); showEdge(j); }
    } else {
      var i = /^\d+$/.test(key) ? parseInt(key, 10) : -1;
      if (i < 0) { for (var x = 0; x < D.info.length; x++) if (D.info[x].iri === key) { i = x; break; } }
      if (i < 0) { var hit = find(key, 1); if (hit.length) i = hit[0]; }
      if (i >= 0 && i < D.nodes.length) selectNode(i);
    }
  } else if (M.focus !== null && M.focus !== undefined) {
    network.selectNodes([M.focus]);
    showNode(M.focus);
  }
})();
"""
