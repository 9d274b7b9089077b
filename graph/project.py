"""NetworkX views of the store: events as nodes (``entity_graph``) or collapsed (``person_network``,
``country_network``), an ego network around one entity, and a finder of nodes by any of their labels.

Time filter (``since`` / ``until``: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or a ``datetime.date``; both ends
inclusive, ``since="2016"`` starts on 2016-01-01 and ``until="2016-02"`` ends on 2016-02-29). An event's time
is its ``ddkg:date`` (``xsd:date``, ``gYearMonth`` or ``gYear``, read as the whole day, month or year); when the
event has none, the publication date of the article that reports it is used instead; the node's
``date_source`` attribute says which (``"event"``, ``"document"`` or ``None``). An event is kept when its time
overlaps the window; with a filter, an event of unknown time is left out. Posts are filtered the same way on
their ``startDate``..``endDate`` (either end may be open), falling back to the publication dates of the
articles naming them. After filtering, entities left without any edge are dropped; timeless edges (a party to
an agreement, a city's country, a nationality) stay.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations
from typing import Any

import networkx as nx

from .rdf import DCT, ENTITY_GRAPH, ONT, OWL, RDF, SKOS

EVENT_TYPES = ("Meeting", "Visit", "ArmsTransfer", "Signing", "Statement", "Inspection")
TIMED_TYPES = (*EVENT_TYPES, "Post")
# most specific first: the node's ``type`` is the first of these it has
ENTITY_TYPES = ("Person", "Country", "City", "MilitaryOrganization", "GovernmentBody", "InternationalOrganization",
                "NewsAgency", "Organization", "Place", "WeaponSystem", "Agreement", "Conference", "EventSeries")
# the coarse kind drawn and counted (subclasses fold into their base class)
BASE_TYPE = {"City": "Place", "MilitaryOrganization": "Organization", "GovernmentBody": "Organization",
             "InternationalOrganization": "Organization", "NewsAgency": "Organization"}
ORGANIZATION_TYPES = {"Organization", "MilitaryOrganization", "GovernmentBody", "InternationalOrganization",
                      "NewsAgency"}
# predicates whose IRI object is a concept (shown as an attribute), or bookkeeping, never an edge
ATTRIBUTE_PREDICATES = {"role": "role", "rank": "rank", "status": "status", "stance": "stance",
                        "category": "category"}
NOT_EDGES = {"evidence", "denotes", "document", "wasDerivedFrom"}
LITERALS = ("date", "dateText", "startDate", "endDate", "quantity", "orderYear", "deliveryYear", "agreementKind",
            "editionNumber", "confidence")
KB = "kb"  # the ``documents`` entry of an edge the knowledge base (entity graph) asserts


class ProjectionError(ValueError):
    """Bad arguments to a projection (a date that cannot be read, a label that names no node)."""


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


# -- dates ------------------------------------------------------------------------------------------------
def date_span(value: str | dt.date | None) -> tuple[dt.date, dt.date] | None:
    """The first and last day a date literal (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) covers; None if unreadable."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value, value
    m = re.fullmatch(r"\s*(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ].*|Z|[+-]\d{2}:\d{2})?\s*", str(value))
    if not m:
        return None
    try:
        y = int(m[1])
        if m[3]:
            d = dt.date(y, int(m[2]), int(m[3]))
            return d, d
        if m[2]:
            mo = int(m[2])
            return dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1])
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    except ValueError:
        return None


def _window(since, until) -> tuple[dt.date, dt.date] | None:
    if since is None and until is None:
        return None
    lo, hi = dt.date.min, dt.date.max
    for name, v in (("since", since), ("until", until)):
        if v is None:
            continue
        span = date_span(v)
        if span is None:
            raise ProjectionError(f"{name} {v!r}: expected a date as YYYY, YYYY-MM or YYYY-MM-DD")
        if name == "since":
            lo = span[0]
        else:
            hi = span[1]
    if lo > hi:
        raise ProjectionError(f"since {since} is after until {until}")
    return lo, hi


# -- loading ----------------------------------------------------------------------------------------------
def _rows(store, q: str) -> Iterable[Any]:
    return store.query(q)


def _type_of(types: set[str]) -> str:
    for t in (*ENTITY_TYPES, *TIMED_TYPES):
        if t in types:
            return BASE_TYPE.get(t, t)
    return sorted(types)[0]


def _documents(store) -> dict[str, dict]:
    q = f"""SELECT ?d ?sha ?src ?lang ?title ?date ?url WHERE {{ ?d a <{ONT}Document> .
        OPTIONAL {{ ?d <{ONT}sha256> ?sha }} OPTIONAL {{ ?d <{ONT}sourceFile> ?src }}
        OPTIONAL {{ ?d <{ONT}language> ?lang }} OPTIONAL {{ ?d <{DCT}title> ?title }}
        OPTIONAL {{ ?d <{ONT}publicationDate> ?date }} OPTIONAL {{ ?d <https://schema.org/url> ?url }} }}"""
    docs: dict[str, dict] = {}
    for r in _rows(store, q):
        docs.setdefault(r["d"].value, {k: (r[k].value if r[k] is not None else None)
                                       for k in ("sha", "src", "lang", "title", "date", "url")})
    return {d: {"file": v["src"], "language": v["lang"], "title": v["title"], "date": v["date"], "url": v["url"],
                "sha256": v["sha"]} for d, v in docs.items()}


def load_graph(store) -> nx.MultiDiGraph:
    """The whole store as a typed multigraph, without any time filter (see :func:`entity_graph`)."""
    wanted = " ".join(f"<{ONT}{t}>" for t in (*ENTITY_TYPES, *TIMED_TYPES))
    G = nx.MultiDiGraph()
    G.graph["documents"] = docs = _documents(store)
    types: dict[str, set[str]] = defaultdict(set)
    in_docs: dict[str, set[str]] = defaultdict(set)
    eg = ENTITY_GRAPH.value
    for r in _rows(store, f"SELECT ?g ?n ?t WHERE {{ GRAPH ?g {{ ?n a ?t }} VALUES ?t {{ {wanted} }} }}"):
        n, g = r["n"].value, r["g"].value
        types[n].add(_local(r["t"].value))
        if g != eg:
            in_docs[n].add(g)
    for n, ts in types.items():
        t = _type_of(ts)
        G.add_node(n, type=t, types=sorted(ts), documents=sorted(in_docs.get(n, ())),
                   label=None, lang=None, labels=[], label_lang={})
    # labels: skos:prefLabel (entity graph) first, English first; then every surface form in the articles
    pref: dict[str, list[tuple[str, str]]] = defaultdict(list)
    alt: dict[str, list[tuple[str, str]]] = defaultdict(list)
    q = f"""SELECT ?n ?p ?l WHERE {{ GRAPH ?g {{ ?n ?p ?l }} VALUES ?p {{ <{SKOS}prefLabel> <{SKOS}altLabel> }} }}"""
    for r in _rows(store, q):
        lab = r["l"]
        (pref if r["p"].value.endswith("prefLabel") else alt)[r["n"].value].append((lab.value, lab.language or ""))
    concept_label: dict[str, str] = {}
    for n, labs in pref.items():
        if n not in G:
            en = [t for t, lang in labs if lang == "en"]
            concept_label[n] = en[0] if en else sorted(labs)[0][0]
    for n, data in G.nodes(data=True):
        labs = sorted(pref.get(n, ()), key=lambda x: (x[1] != "en", x[1], x[0])) + sorted(set(alt.get(n, ())))
        for text, lang in labs:
            text = " ".join(text.split())
            if text and text not in data["label_lang"]:
                data["labels"].append(text)
                data["label_lang"][text] = lang
        if data["labels"]:
            data["label"] = data["labels"][0]
            data["lang"] = data["label_lang"][data["label"]] or None
    # literal attributes of events and posts (dates, quantities ...)
    lits = " ".join(f"<{ONT}{p}>" for p in LITERALS)
    for r in _rows(store, f"SELECT ?n ?p ?o WHERE {{ GRAPH ?g {{ ?n ?p ?o }} VALUES ?p {{ {lits} }} }}"):
        n = r["n"].value
        if n in G:
            G.nodes[n].setdefault(_local(r["p"].value), set()).add(r["o"].value)
    # edges: every IRI-valued ddkg: property between two nodes; concept values become attributes
    q = f"""SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(isIRI(?o))
        FILTER(STRSTARTS(STR(?p), "{ONT}") || ?p = <{OWL}sameAs>) }}"""
    edges: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for r in _rows(store, q):
        s, p, o, g = r["s"].value, _local(r["p"].value), r["o"].value, r["g"].value
        if s not in G or p in NOT_EDGES:
            continue
        if p in ATTRIBUTE_PREDICATES or p == "sameAs":
            val = concept_label.get(o, _local(o).replace("-", " ")) if p != "sameAs" else o
            G.nodes[s].setdefault(p, set()).add(val)
        elif o in G and o != s:
            edges[(s, o, p)].add(KB if g == eg else g)
    for (s, o, p), where in edges.items():
        G.add_edge(s, o, key=p, relation=p, documents=sorted(where), evidence=[])
    _evidence(store, G)
    for n, data in G.nodes(data=True):
        for k, v in list(data.items()):
            if isinstance(v, set):
                data[k] = sorted(v)
        _time(data, docs)
        if data["label"] is None:
            data["label"] = _fallback_label(G, n, data)
    return G


def _evidence(store, G: nx.MultiDiGraph) -> None:
    """Evidence sentences: on fact nodes (``evidence`` node attribute) and on plain triples (edge attribute)."""
    q = f"""SELECT ?n ?g ?sent ?start ?end ?rule ?conf ?lang ?s ?p ?o WHERE {{ GRAPH ?g {{
        ?n <{ONT}evidence> ?e . ?e <{ONT}sentence> ?sent .
        OPTIONAL {{ ?e <{ONT}startOffset> ?start }} OPTIONAL {{ ?e <{ONT}endOffset> ?end }}
        OPTIONAL {{ ?e <{ONT}rule> ?rule }} OPTIONAL {{ ?e <{ONT}confidence> ?conf }}
        OPTIONAL {{ ?e <{ONT}language> ?lang }}
        OPTIONAL {{ ?n a <{RDF}Statement> ; <{RDF}subject> ?s ; <{RDF}predicate> ?p ; <{RDF}object> ?o }} }} }}"""
    seen: set = set()
    for r in _rows(store, q):
        ev = {"sentence": r["sent"].value, "document": r["g"].value,
              "start": int(r["start"].value) if r["start"] is not None else None,
              "end": int(r["end"].value) if r["end"] is not None else None,
              "rule": r["rule"].value if r["rule"] is not None else None,
              "confidence": float(r["conf"].value) if r["conf"] is not None else None,
              "language": r["lang"].value if r["lang"] is not None else None}
        key = (r["n"].value, ev["document"], ev["start"], ev["end"])
        if key in seen:
            continue
        seen.add(key)
        n = r["n"].value
        if r["s"] is not None:
            s, p, o = r["s"].value, _local(r["p"].value), r["o"].value
            if G.has_edge(s, o, key=p):
                G.edges[s, o, p]["evidence"].append(ev)
            elif s in G and p in ATTRIBUTE_PREDICATES:  # a rank: evidence of the person's attribute
                G.nodes[s].setdefault("evidence", []).append(ev)
        elif n in G:
            G.nodes[n].setdefault("evidence", []).append(ev)
    for _, data in G.nodes(data=True):
        data.setdefault("evidence", [])
        data["evidence"].sort(key=lambda e: (e["document"], e["start"] or 0))


def _time(data: dict, docs: dict[str, dict]) -> None:
    """Set ``date`` / ``date_source`` / ``span`` (first, last day) on events and posts."""
    if data["type"] not in TIMED_TYPES:
        return
    spans = [s for s in map(date_span, data.get("date", [])) if s]
    if data["type"] == "Post":
        starts = [s[0] for s in map(date_span, data.get("startDate", [])) if s]
        ends = [s[1] for s in map(date_span, data.get("endDate", [])) if s]
        if starts or ends:
            spans = [(min(starts, default=dt.date.min), max(ends, default=dt.date.max))]
    data["date"] = sorted(data.get("date", []))[0] if data.get("date") else None
    data["date_source"] = "event" if spans else None
    if not spans:
        pub = [(docs[d]["date"], date_span(docs[d]["date"])) for d in data["documents"]
               if d in docs and docs[d]["date"]]
        pub = [(text, s) for text, s in pub if s]
        if pub:
            spans = [s for _, s in pub]
            data["date"] = min(text for text, _ in pub)
            data["date_source"] = "document"
    data["span"] = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None


def _fallback_label(G: nx.MultiDiGraph, n: str, data: dict) -> str:
    """A readable name for a node without labels: events by kind, place and date; posts by role and office."""
    t = data["type"]
    if t == "Post":
        role = (data.get("role") or ["post"])[0]
        of = [G.nodes[o]["label"] for _, o, k in G.out_edges(n, keys=True) if k == "positionOf"]
        return f"{role[:1].upper()}{role[1:]}" + (f", {of[0]}" if of and of[0] else "")
    if t in EVENT_TYPES:
        where = [G.nodes[o]["label"] for _, o, k in G.out_edges(n, keys=True)
                 if k == "location" and G.nodes[o]["label"]]
        parts = [re.sub(r"(?<=[a-z])(?=[A-Z])", " ", t)] + where[:1] + ([data["date"]] if data.get("date") else [])
        return ", ".join(parts)
    return _local(n).replace("-", " ")


# -- projections ------------------------------------------------------------------------------------------
def _full(store) -> nx.MultiDiGraph:
    return store if isinstance(store, nx.MultiDiGraph) else load_graph(store)


def time_filter(G: nx.MultiDiGraph, since=None, until=None) -> nx.MultiDiGraph:
    """A copy of ``G`` keeping the events and posts whose time overlaps since..until (see the module text)."""
    win = _window(since, until)
    if win is None:
        return G.copy()
    lo, hi = win
    H = G.copy()
    drop = [n for n, d in H.nodes(data=True) if d["type"] in TIMED_TYPES
            and (d.get("span") is None or d["span"][1] < lo or d["span"][0] > hi)]
    H.remove_nodes_from(drop)
    H.remove_nodes_from([n for n in list(H) if H.degree(n) == 0])
    H.graph["since"], H.graph["until"] = lo.isoformat(), hi.isoformat()
    return H


def entity_graph(store, *, since=None, until=None) -> nx.MultiDiGraph:
    """Entities and event nodes (Meeting, Visit, ArmsTransfer, Signing, Statement, Inspection, Post) as a
    MultiDiGraph keyed by IRI.

    Node attributes: ``type`` (Person, Country, Organization, Place, WeaponSystem, Agreement, Conference,
    EventSeries or the event kind), ``types`` (all classes), ``label`` (the English skos:prefLabel where known,
    else a label in the original script), ``lang`` (its language), ``labels`` (all, preferred first) with
    ``label_lang``, ``documents`` (articles naming the node), and for events and posts ``date``,
    ``date_source``, ``span`` and ``evidence`` (dicts: sentence, document, start, end, rule, confidence,
    language). Edges run from the fact to its arguments (a Meeting ``participant`` a Person, an ArmsTransfer
    ``supplier`` a Country, a Person ``holdsPosition`` a Post ``positionOf`` a Country ...), keyed and
    attributed by ``relation``, with ``documents`` (``"kb"`` for the knowledge base), ``dates`` (the event's
    date) and ``evidence`` for plain triples read from a sentence (an agreement's party). ``G.graph`` holds
    ``documents`` (IRI -> file, language, title, date, url, sha256). ``store`` may also be a graph from
    :func:`load_graph`. See the module text for the time filter.
    """
    H = time_filter(_full(store), since, until)
    for s, _o, d in H.edges(data=True):
        sd = H.nodes[s]
        d["dates"] = [sd["date"]] if sd.get("date") else []
    return H


def _args(G: nx.MultiDiGraph, event: str, *relations: str) -> list[str]:
    return [o for _, o, k in G.out_edges(event, keys=True) if k in relations]


def _meeting_key(G: nx.MultiDiGraph, event: str):
    """Reports of one meeting in several articles count once when they give the same day and place."""
    d = G.nodes[event]
    if d.get("date_source") == "event" and d.get("span") and d["span"][0] == d["span"][1]:
        return d["date"], tuple(sorted(_args(G, event, "location")))
    return event


def _collapsed_node(G: nx.MultiDiGraph, C: nx.Graph, n: str) -> None:
    if n not in C:
        C.add_node(n, **{k: v for k, v in G.nodes[n].items() if k != "evidence"})


def _add_pair(C: nx.Graph, G: nx.MultiDiGraph, a: str, b: str, event: str, kind: str, key) -> None:
    if a == b:
        return
    _collapsed_node(G, C, a)
    _collapsed_node(G, C, b)
    if not C.has_edge(a, b):
        C.add_edge(a, b, weight=0, kinds={}, keys=set(), events=[], dates=set(), documents=set(), places=set())
    e = C.edges[a, b]
    if (kind, key) not in e["keys"]:
        e["keys"].add((kind, key))
        e["kinds"][kind] = e["kinds"].get(kind, 0) + 1
        e["weight"] += 1
    e["events"].append(event)
    ed = G.nodes[event]
    if ed.get("date"):
        e["dates"].add(ed["date"])
    e["documents"].update(ed.get("documents", ()))
    e["places"].update(G.nodes[p]["label"] for p in _args(G, event, "location"))


def _finish(C: nx.Graph) -> nx.Graph:
    for _, _, e in C.edges(data=True):
        del e["keys"]
        for k in ("dates", "documents", "places"):
            e[k] = sorted(e[k])
    return C


def person_network(store, *, since=None, until=None, kinds: tuple[str, ...] = ("Meeting",)) -> nx.Graph:
    """Who met whom: persons joined by an edge for every Meeting (``kinds``) both took part in.

    Edge attributes: ``weight`` (distinct meetings: reports of one meeting in several articles count once when
    they give the same day and place), ``dates``, ``documents``, ``places`` (labels), ``events`` (the meeting
    nodes, for their evidence) and ``kinds``. Nodes are the persons, with the attributes of
    :func:`entity_graph`; persons at a meeting with no other person stay as isolated nodes.
    """
    G = entity_graph(store, since=since, until=until)
    P = nx.Graph(documents=G.graph["documents"], view="persons", **_window_attrs(G))
    for ev, d in G.nodes(data=True):
        if d["type"] not in kinds:
            continue
        people = sorted(p for p in _args(G, ev, "participant", "signatory") if G.nodes[p]["type"] == "Person")
        for p in people:
            _collapsed_node(G, P, p)
        for a, b in combinations(people, 2):
            _add_pair(P, G, a, b, ev, d["type"], _meeting_key(G, ev))
    return _finish(P)


def _window_attrs(G: nx.Graph) -> dict:
    return {k: G.graph[k] for k in ("since", "until") if k in G.graph}


def person_countries(G: nx.MultiDiGraph) -> dict[str, list[str]]:
    """Each person's countries: ``ddkg:nationality`` where stated, else the countries of the posts they hold
    (``positionOf`` a Country, or of an Organization whose ``countryOf`` is known)."""
    out: dict[str, list[str]] = {}
    for p, d in G.nodes(data=True):
        if d["type"] != "Person":
            continue
        nat = [o for o in _args(G, p, "nationality") if G.nodes[o]["type"] == "Country"]
        if not nat:
            for post in _args(G, p, "holdsPosition"):
                nat += [c for o in _args(G, post, "positionOf") for c in _country_of(G, o)]
        if nat:
            out[p] = sorted(set(nat))
    return out


def _country_of(G: nx.MultiDiGraph, n: str) -> list[str]:
    t = G.nodes[n]["type"]
    if t == "Country":
        return [n]
    if t in ("Organization", "Place"):
        return [o for o in _args(G, n, "countryOf") if G.nodes[o]["type"] == "Country"]
    return []


def country_network(store, *, since=None, until=None) -> nx.Graph:
    """Countries joined by weighted edges, one count per kind of tie (``kinds`` and one attribute each):

    * ``meetings``: a Meeting between persons of (or representing) the two countries, or with the country
      itself taking part. A person's country is their ``ddkg:nationality``; a person without one counts for the
      countries of the posts they hold (``positionOf`` a Country, or an Organization's ``countryOf``), as
      recorded anywhere in the store, whatever the time filter. Organizations count for their ``countryOf``.
    * ``agreements``: an Agreement with both countries as ``party`` (timeless: kept by the time filter).
    * ``arms_transfers``: an ArmsTransfer from a supplier of one to a recipient of the other; ``transfers``
      lists (supplier, recipient) so the direction is kept.
    * ``visits``: a Visit by a person of one country to a place in (or being) the other.

    ``weight`` is the sum; ``dates``, ``documents``, ``places`` and ``events`` (event and agreement nodes, for
    their evidence) come with each edge.
    """
    full = _full(store)
    nat = person_countries(full)
    G = entity_graph(full, since=since, until=until)
    C = nx.Graph(documents=G.graph["documents"], view="countries", **_window_attrs(G))

    def countries(n: str) -> list[str]:
        return nat.get(n, []) if G.nodes[n]["type"] == "Person" else _country_of(G, n)

    for n, d in G.nodes(data=True):
        t = d["type"]
        if t == "Meeting":
            cs = sorted({c for p in _args(G, n, "participant") for c in countries(p)})
            for a, b in combinations(cs, 2):
                _add_pair(C, G, a, b, n, "meetings", _meeting_key(G, n))
        elif t == "Agreement":
            cs = sorted({c for p in _args(G, n, "party") for c in countries(p)})
            for a, b in combinations(cs, 2):
                _add_pair(C, G, a, b, n, "agreements", n)
        elif t == "ArmsTransfer":
            for s in {c for x in _args(G, n, "supplier") for c in countries(x)}:
                for r in {c for x in _args(G, n, "recipient") for c in countries(x)}:
                    if s != r:
                        _add_pair(C, G, s, r, n, "arms_transfers", n)
                        C.edges[s, r].setdefault("transfers", []).append((s, r))
        elif t == "Visit":
            home = {c for p in _args(G, n, "participant") for c in countries(p)}
            there = {c for x in _args(G, n, "location") for c in _country_of(G, x)}
            for a in home:
                for b in there:
                    _add_pair(C, G, a, b, n, "visits", n)
    for _, _, e in C.edges(data=True):
        for k in ("meetings", "agreements", "arms_transfers", "visits"):
            e[k] = e["kinds"].get(k, 0)
        e["transfers"] = sorted(set(e.get("transfers", [])))
    return _finish(C)


# -- finding nodes ----------------------------------------------------------------------------------------
def _fold(s: str) -> str:
    from ..ingest.normalize import fold

    return fold(s)


def find_node(G: nx.Graph, text: str) -> str:
    """The node an IRI, an IRI's last segment or any label (any language, folded for case, diacritics and
    Arabic/Persian letter variants) names. Entities win over events, then the best-connected node.
    Raises ProjectionError naming the text when nothing matches."""
    if text in G:
        return text
    key = _fold(text)
    if not key:
        raise ProjectionError("empty node label")
    exact, partial = [], []
    for n, d in G.nodes(data=True):
        names = [_fold(x) for x in (d.get("labels") or [d.get("label") or ""])] + [_fold(_local(n).replace("-", " "))]
        if key in names:
            exact.append(n)
        elif any(key in x for x in names):
            partial.append(n)
    found = exact or partial
    if not found:
        raise ProjectionError(f"no node is labelled {text!r}")
    return max(found, key=lambda n: (G.nodes[n].get("type") not in TIMED_TYPES, G.degree(n), n))


def ego_graph(G: nx.Graph, node_or_label: str, radius: int = 1) -> nx.Graph:
    """The nodes within ``radius`` steps (either direction) of a node given by IRI or any label."""
    n = find_node(G, node_or_label)
    H = nx.ego_graph(G, n, radius=radius, undirected=True)
    H.graph.update(G.graph)
    H.graph["focus"] = n
    return H
