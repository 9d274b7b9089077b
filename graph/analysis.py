"""Analyses of a built store as pandas DataFrames: SPARQL results with labels, entity lookup by any name,
evidence, who meets whom, centrality, country-pair matrices, a timeline of meetings and visits, posts over
time, and a comparison of the graph's arms transfers with SIPRI's trade register.

Every analysis takes ``source``: a :class:`~.store.GraphStore` or a graph from :func:`.project.load_graph`
(load it once and pass it to several analyses to skip re-reading the store).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import os
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pyoxigraph as ox

from . import project
from .query import QueryError, named, run
from .rdf import ONT, SKOS, XSD

ENTITY_TYPES = ("Person", "Country", "Organization", "Place", "WeaponSystem", "Agreement", "Conference",
                "EventSeries")
MATRIX_KINDS = ("meetings", "agreements", "arms_transfers", "visits", "all")
_INTS = {f"{XSD}{t}" for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                               "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong")}
_FLOATS = {f"{XSD}{t}" for t in ("decimal", "double", "float")}


class AnalysisError(ValueError):
    """Bad input to an analysis (unknown kind, unreadable table, a name that names nothing): one-line message."""


# -- SPARQL into DataFrames ---------------------------------------------------------------------------------
def _py(term) -> Any:
    """An RDF term as a Python value: IRIs and plain literals as str, numbers as int/float, booleans as bool."""
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        t = term.datatype.value
        try:
            if t in _INTS:
                return int(term.value)
            if t in _FLOATS:
                return float(term.value)
        except ValueError:
            return term.value
        if t == f"{XSD}boolean":
            return term.value in ("true", "1")
        return term.value
    return term.value


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Integer columns holding gaps as pandas' nullable Int64 instead of float."""
    for c in df.columns:
        vals = df[c].dropna()
        if len(vals) and len(vals) < len(df) and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            df[c] = df[c].astype("Int64")
    return df


def labels(store, iris) -> dict[str, str]:
    """IRI -> display label: English ``skos:prefLabel`` where known, else any prefLabel, else an altLabel."""
    iris = [i for i in dict.fromkeys(iris) if isinstance(i, str) and re.match(r"https?://", i)]
    best: dict[str, tuple] = {}
    for k in range(0, len(iris), 500):
        values = " ".join(str(ox.NamedNode(i)) for i in iris[k:k + 500])
        q = (f"SELECT ?n ?p ?l WHERE {{ VALUES ?n {{ {values} }} ?n ?p ?l . "
             f"VALUES ?p {{ <{SKOS}prefLabel> <{SKOS}altLabel> }} }}")
        for r in run(store, q):
            lab = r["l"]
            if not isinstance(lab, ox.Literal) or not lab.value.strip():
                continue
            rank = (0 if r["p"].value.endswith("prefLabel") else 1, (lab.language or "") != "en", lab.value)
            n = r["n"].value
            if n not in best or rank < best[n]:
                best[n] = rank
    return {n: " ".join(r[2].split()) for n, r in best.items()}


def frame(store, sparql: str, *, labels_for_iris: bool = True) -> pd.DataFrame:
    """A SELECT (or CONSTRUCT) query's results as a DataFrame over the union of all graphs.

    Numbers become int/float, IRIs and other literals stay strings. With ``labels_for_iris``, each column holding
    IRIs gets a ``<column>_label`` column (unless the query already returns ``<column>Label``) when any of its
    IRIs has a label. An ASK query raises :class:`~.query.QueryError` (use ``store.query`` for booleans)."""
    res = run(store, sparql)
    if isinstance(res, ox.QueryBoolean):
        raise QueryError("an ASK query returns a boolean, not a table")
    if isinstance(res, ox.QueryTriples):
        cols = ["subject", "predicate", "object"]
        raw = [(t.subject, t.predicate, t.object) for t in res]
        df = pd.DataFrame([[_py(x) for x in r] for r in raw], columns=cols)
        iri_cols = {c: [r[k].value for r in raw if isinstance(r[k], ox.NamedNode)] for k, c in enumerate(cols)}
    else:
        cols = [v.value for v in res.variables]
        raw = list(res)
        df = pd.DataFrame([[_py(r[c]) for c in cols] for r in raw], columns=cols)
        iri_cols = {c: [r[c].value for r in raw if isinstance(r[c], ox.NamedNode)] for c in cols}
    df = _tidy(df)
    if labels_for_iris:
        wanted = [c for c in cols if iri_cols.get(c) and f"{c}Label" not in cols and f"{c}_label" not in cols]
        found = labels(store, [i for c in wanted for i in iri_cols[c]])
        for c in wanted:
            if any(i in found for i in iri_cols[c]):
                df.insert(df.columns.get_loc(c) + 1, f"{c}_label", [found.get(v) if isinstance(v, str) else None
                                                                     for v in df[c]])
    return df


def named_frame(store, name: str, params: dict[str, str] | None = None, *, labels_for_iris: bool = True
                ) -> pd.DataFrame:
    """A named query of the library (``graph/queries/<name>.rq``) with its parameters bound, as a DataFrame."""
    return frame(store, named(name, {k: str(v) for k, v in (params or {}).items() if v is not None}),
                 labels_for_iris=labels_for_iris)


# -- entities by any name -----------------------------------------------------------------------------------
def _fold(s: str) -> str:
    from ..ingest.normalize import fold

    return fold(s)


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def find_entities(store, name: str, types: str | tuple[str, ...] | None = None) -> pd.DataFrame:
    """Entities named ``name`` in any language, best match first.

    Names are compared after folding case, diacritics and Arabic/Persian letter variants (``"شويغو"``,
    ``"شویگو"`` and ``"shoigu"`` all find Sergei Shoigu); an IRI or an IRI's last segment works too. Columns:
    ``entity``, ``type``, ``label`` (English where known), ``names`` (every name seen, any language),
    ``documents`` (articles naming it) and ``match`` (``exact``, ``word`` or ``partial``)."""
    if not isinstance(name, str) or not name.strip():
        raise AnalysisError("find_entities: empty name")
    wanted = (types,) if isinstance(types, str) else tuple(types or ENTITY_TYPES)
    bad = [t for t in wanted if t not in ENTITY_TYPES]
    if bad:
        raise AnalysisError(f"unknown entity type {bad[0]!r} (choose from {', '.join(ENTITY_TYPES)})")
    tvals = " ".join(f"<{ONT}{t}>" for t in wanted)
    q = (f"SELECT ?e ?t ?l WHERE {{ ?e a ?t . VALUES ?t {{ {tvals} }} "
         f"OPTIONAL {{ ?e ?p ?l . VALUES ?p {{ <{SKOS}prefLabel> <{SKOS}altLabel> }} }} }}")
    ents: dict[str, dict] = {}
    for r in run(store, q):
        e = ents.setdefault(r["e"].value, {"types": set(), "names": set()})
        e["types"].add(_local(r["t"].value))
        if r["l"] is not None:
            e["names"].add(" ".join(r["l"].value.split()))
    key = _fold(name)
    hits: list[tuple[int, str]] = []
    for iri, e in ents.items():
        folded = [_fold(n) for n in e["names"]] + [_fold(_local(iri)), _fold(_local(iri).replace("-", " "))]
        if name.strip() == iri or key in folded:
            hits.append((3, iri))
        elif any(re.search(rf"(?<!\w){re.escape(key)}(?!\w)", f) for f in folded):
            hits.append((2, iri))
        elif any(key in f for f in folded):
            hits.append((1, iri))
    cols = ["entity", "type", "label", "names", "documents", "match"]
    if not hits:
        return pd.DataFrame(columns=cols)
    iris = [i for _, i in hits]
    values = " ".join(str(ox.NamedNode(i)) for i in iris)
    docs = {r["e"].value: int(r["n"].value) for r in run(store, f"""SELECT ?e (COUNT(DISTINCT ?g) AS ?n) WHERE {{
        VALUES ?e {{ {values} }} GRAPH ?g {{ ?e <{SKOS}altLabel> ?x }} }} GROUP BY ?e""")}
    labs = labels(store, iris)
    order = {t: k for k, t in enumerate(project.ENTITY_TYPES)}
    rows = []
    for score, iri in hits:
        ts = sorted(ents[iri]["types"], key=lambda t: order.get(t, 99))
        rows.append({"entity": iri, "type": project.BASE_TYPE.get(ts[0], ts[0]), "label": labs.get(iri),
                     "names": sorted(ents[iri]["names"]), "documents": docs.get(iri, 0),
                     "match": {3: "exact", 2: "word", 1: "partial"}[score], "_score": score})
    df = pd.DataFrame(rows).sort_values(["_score", "documents", "label"], ascending=[False, False, True],
                                        na_position="last")
    return df.drop(columns="_score").reset_index(drop=True)


def entity(store, name: str, types: str | tuple[str, ...] | None = None) -> dict:
    """The best match of :func:`find_entities` as a dict; :class:`AnalysisError` when nothing is so named."""
    df = find_entities(store, name, types)
    if df.empty:
        kind = f" of type {types}" if isinstance(types, str) else ""
        raise AnalysisError(f"no entity{kind} is named {name!r}")
    return df.iloc[0].to_dict()


def _iri_or_entity(store, text: str, types=None) -> str:
    return text if re.match(r"https?://\S+$", text) else entity(store, text, types)["entity"]


def evidence(store, fact: str) -> pd.DataFrame:
    """The evidence behind a fact (its IRI) or behind every fact an entity (IRI or any name) takes part in:
    ``fact``, ``type``, ``source``, ``language``, ``sentence``, ``start``, ``end`` (offsets in the article),
    ``rule`` and ``confidence``."""
    df = named_frame(store, "evidence", {"fact": _iri_or_entity(store, fact)}, labels_for_iris=False)
    return df.rename(columns={"factNode": "fact"})


# -- graph-based analyses -----------------------------------------------------------------------------------
def load(source) -> nx.MultiDiGraph:
    """The store as the full typed multigraph (a graph passed in is returned as is)."""
    return source if isinstance(source, nx.MultiDiGraph) else project.load_graph(source)


def _label(G, n: str) -> str:
    return G.nodes[n].get("label") or _local(n)


def _files(G, docs) -> list[str]:
    meta = G.graph.get("documents", {})
    return sorted({(meta.get(d) or {}).get("file") or d for d in docs if d != project.KB})


def who_meets_whom(source, *, person: str | None = None, top: int | None = None, since=None, until=None
                   ) -> pd.DataFrame:
    """Pairs of persons by how many distinct meetings they had (most first): ``a``, ``a_label``, ``b``,
    ``b_label``, ``meetings``, ``first``/``last`` (dates), ``places``, ``documents`` (articles), ``events``.
    ``person`` (IRI or any name) keeps that person's pairs; ``since``/``until`` filter by date."""
    P = project.person_network(load(source), since=since, until=until)
    focus = project.find_node(P, person) if person else None
    rows = []
    for a, b, e in P.edges(data=True):
        if focus and focus not in (a, b):
            continue
        if focus == b or (not focus and _label(P, a) > _label(P, b)):
            a, b = b, a
        dates = sorted(e["dates"])
        rows.append({"a": a, "a_label": _label(P, a), "b": b, "b_label": _label(P, b), "meetings": e["weight"],
                     "first": dates[0] if dates else None, "last": dates[-1] if dates else None,
                     "places": e["places"], "documents": len(e["documents"]), "events": e["events"]})
    cols = ["a", "a_label", "b", "b_label", "meetings", "first", "last", "places", "documents", "events"]
    df = pd.DataFrame(rows, columns=cols).sort_values(["meetings", "documents", "a_label", "b_label"],
                                                      ascending=[False, False, True, True])
    df = df.reset_index(drop=True)
    return df.head(top) if top else df


def _network(source, of: str, since, until) -> nx.Graph:
    if of in ("persons", "person"):
        return project.person_network(load(source), since=since, until=until)
    if of in ("countries", "country"):
        return project.country_network(load(source), since=since, until=until)
    raise AnalysisError(f"centrality of {of!r}: choose 'persons' or 'countries'")


def centrality(source, of: str = "persons", *, since=None, until=None, top: int | None = None) -> pd.DataFrame:
    """Centrality in the person network (meetings) or the country network (meetings, agreements, transfers,
    visits): ``node``, ``label``, ``partners`` (degree), ``weight`` (ties counted with multiplicity),
    ``degree`` (normalized), ``betweenness`` and ``eigenvector`` (weighted), most connected first."""
    G = _network(source, of, since, until)
    cols = ["node", "label", "partners", "weight", "degree", "betweenness", "eigenvector"]
    if G.number_of_nodes() == 0:
        return pd.DataFrame(columns=cols)
    deg = nx.degree_centrality(G) if len(G) > 1 else {n: 0.0 for n in G}
    btw = nx.betweenness_centrality(G)
    try:
        eig = nx.eigenvector_centrality(G, weight="weight", max_iter=2000, tol=1e-8) if G.number_of_edges() else {}
    except nx.PowerIterationFailedConvergence:
        eig = {}
    rows = [{"node": n, "label": _label(G, n), "partners": G.degree(n), "weight": G.degree(n, weight="weight"),
             "degree": deg[n], "betweenness": btw[n], "eigenvector": eig.get(n, float("nan"))} for n in G]
    df = pd.DataFrame(rows, columns=cols).sort_values(["weight", "betweenness", "label"],
                                                      ascending=[False, False, True]).reset_index(drop=True)
    return df.head(top) if top else df


def country_pairs(source, *, since=None, until=None) -> pd.DataFrame:
    """Ties between pairs of countries, one row per pair: ``a``, ``a_label``, ``b``, ``b_label``, ``meetings``,
    ``agreements``, ``arms_transfers``, ``visits``, ``weight`` (their sum), ``transfers`` (supplier, recipient
    labels: the direction), ``documents``. See :func:`.project.country_network` for what counts."""
    C = project.country_network(load(source), since=since, until=until)
    rows = []
    for a, b, e in C.edges(data=True):
        if _label(C, a) > _label(C, b):
            a, b = b, a
        rows.append({"a": a, "a_label": _label(C, a), "b": b, "b_label": _label(C, b),
                     **{k: e[k] for k in MATRIX_KINDS[:-1]}, "weight": e["weight"],
                     "transfers": [(_label(C, s), _label(C, r)) for s, r in e["transfers"]],
                     "documents": len(e["documents"])})
    cols = ["a", "a_label", "b", "b_label", *MATRIX_KINDS[:-1], "weight", "transfers", "documents"]
    return pd.DataFrame(rows, columns=cols).sort_values(["weight", "a_label", "b_label"],
                                                        ascending=[False, True, True]).reset_index(drop=True)


def country_matrix(source, kind: str = "meetings", *, since=None, until=None, top: int | None = None
                   ) -> pd.DataFrame:
    """A symmetric country x country matrix (English labels as index and columns) counting ``kind``: meetings,
    agreements, arms_transfers, visits or all. Countries with no tie of that kind are left out; ``top`` keeps
    the countries with the most ties. Rows and columns are ordered by total, largest first."""
    if kind not in MATRIX_KINDS:
        raise AnalysisError(f"unknown kind {kind!r} (choose {', '.join(MATRIX_KINDS)})")
    pairs = country_pairs(source, since=since, until=until)
    col = "weight" if kind == "all" else kind
    pairs = pairs[pairs[col] > 0]
    names = sorted(set(pairs["a_label"]) | set(pairs["b_label"]))
    m = pd.DataFrame(0, index=names, columns=names, dtype="int64")
    for a, b, v in zip(pairs["a_label"], pairs["b_label"], pairs[col], strict=True):
        m.loc[a, b] += v
        m.loc[b, a] += v
    order = m.sum(axis=1).sort_values(ascending=False, kind="stable").index
    if top:
        order = order[:top]
    m = m.loc[order, order]
    m.index.name, m.columns.name = "country", kind
    return m


def _ts(d: dt.date | None) -> pd.Timestamp:
    try:
        return pd.Timestamp(d) if d is not None else pd.NaT
    except (OverflowError, ValueError):
        return pd.NaT


def timeline(source, kinds: tuple[str, ...] = ("Meeting", "Visit"), *, since=None, until=None) -> pd.DataFrame:
    """Events in time order (undated last): ``event``, ``type``, ``date`` and ``end`` (first and last day the
    date covers, as Timestamps), ``date_source`` (``event``: stated in the article; ``document``: the article's
    publication date; None: unknown), ``date_text`` (as written), ``label``, ``participants``, ``places``,
    ``sources`` (files) and ``sentence`` (first evidence)."""
    bad = [k for k in kinds if k not in project.EVENT_TYPES]
    if bad:
        raise AnalysisError(f"unknown event kind {bad[0]!r} (choose from {', '.join(project.EVENT_TYPES)})")
    G = project.entity_graph(load(source), since=since, until=until)
    rows = []
    for n, d in G.nodes(data=True):
        if d["type"] not in kinds:
            continue
        span = d.get("span")
        args = defaultdict(list)
        for _, o, k in G.out_edges(n, keys=True):
            args[k].append(_label(G, o))
        ev = d.get("evidence") or []
        rows.append({"event": n, "type": d["type"], "date": _ts(span[0]) if span else pd.NaT,
                     "end": _ts(span[1]) if span else pd.NaT, "date_source": d.get("date_source"),
                     "date_text": "; ".join(d.get("dateText", [])) or None, "label": d.get("label"),
                     "participants": sorted(set(args["participant"])), "places": sorted(set(args["location"])),
                     "sources": _files(G, d.get("documents", [])),
                     "sentence": ev[0]["sentence"].strip() if ev else None})
    cols = ["event", "type", "date", "end", "date_source", "date_text", "label", "participants", "places", "sources",
            "sentence"]
    df = pd.DataFrame(rows, columns=cols)
    df["date"], df["end"] = pd.to_datetime(df["date"]), pd.to_datetime(df["end"])
    return df.sort_values(["date", "type", "event"], na_position="last").reset_index(drop=True)


def _span_ts(value, end: bool) -> pd.Timestamp:
    span = project.date_span(value) if value else None
    return _ts(span[1] if end else span[0]) if span else pd.NaT


def posts(store, person: str | None = None) -> pd.DataFrame:
    """Posts held over time (all persons, or one given by IRI or any name): ``holder``, ``holder_label``,
    ``post``, ``role``, ``of``, ``start``/``end`` as written, ``start_date``/``end_date`` (Timestamps; an
    open end is NaT) and ``source`` (an article, or the knowledge base), in order of start."""
    params = {"person": _iri_or_entity(store, person, "Person")} if person else {}
    df = named_frame(store, "posts", params, labels_for_iris=False)
    df = df.rename(columns={"holderLabel": "holder_label"})
    df["start_date"] = pd.to_datetime(pd.Series([_span_ts(v, False) for v in df["start"]], dtype="object"))
    df["end_date"] = pd.to_datetime(pd.Series([_span_ts(v, True) for v in df["end"]], dtype="object"))
    return df.sort_values(["holder_label", "start_date", "role"], na_position="last").reset_index(drop=True)


def degree_distribution(G: nx.Graph) -> pd.DataFrame:
    """How many nodes have each degree: columns ``degree`` and ``nodes``, by degree."""
    counts = pd.Series([d for _, d in G.degree()], dtype="int64").value_counts().sort_index()
    return pd.DataFrame({"degree": counts.index.astype("int64"), "nodes": counts.values})


# -- arms transfers against SIPRI ---------------------------------------------------------------------------
def _countries_of(G: nx.MultiDiGraph, n: str, nat: dict[str, list[str]]) -> list[str]:
    """The countries an actor stands for: itself, a person's nationality or post, an organization's country."""
    t = G.nodes[n]["type"]
    if t == "Country":
        return [n]
    if t == "Person":
        return nat.get(n, [])
    return [o for _, o, k in G.out_edges(n, keys=True) if k == "countryOf" and G.nodes[o]["type"] == "Country"]


def transfers(source) -> pd.DataFrame:
    """Arms transfers in the graph, one row per (supplier, recipient, system): the countries behind each actor
    (a supplier that is a company counts for its country), ``system``, ``system_label``, ``system_names`` (all
    names), ``category``, ``status`` (all stated), ``transfers`` (fact IRIs), ``dates`` and ``sources``."""
    G = load(source)
    nat = project.person_countries(G)
    groups: dict[tuple, dict] = {}
    for n, d in G.nodes(data=True):
        if d["type"] != "ArmsTransfer":
            continue
        args = defaultdict(list)
        for _, o, k in G.out_edges(n, keys=True):
            args[k].append(o)
        sups = sorted({c for x in args["supplier"] for c in _countries_of(G, x, nat)}) or [None]
        recs = sorted({c for x in args["recipient"] for c in _countries_of(G, x, nat)}) or [None]
        for s in sups:
            for r in recs:
                for sy in sorted(args["system"]) or [None]:
                    g = groups.setdefault((s, r, sy), {"transfers": [], "status": set(), "dates": set(), "docs": set()})
                    g["transfers"].append(n)
                    g["status"].update(d.get("status", []))
                    if d.get("date"):
                        g["dates"].add(d["date"])
                    g["docs"].update(d.get("documents", []))
    rows = []
    for (s, r, sy), g in groups.items():
        rows.append({"supplier": s, "supplier_label": _label(G, s) if s else None, "recipient": r,
                     "recipient_label": _label(G, r) if r else None, "system": sy,
                     "system_label": _label(G, sy) if sy else None,
                     "system_names": list(G.nodes[sy].get("labels", [])) if sy else [],
                     "category": (G.nodes[sy].get("category") or [None])[0] if sy else None,
                     "status": sorted(g["status"]), "transfers": sorted(g["transfers"]), "dates": sorted(g["dates"]),
                     "sources": _files(G, g["docs"])})
    cols = ["supplier", "supplier_label", "recipient", "recipient_label", "system", "system_label", "system_names",
            "category", "status", "transfers", "dates", "sources"]
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(["supplier_label", "recipient_label", "system_label"], na_position="last"
                          ).reset_index(drop=True)


SIPRI_COLUMNS = ("SIPRI AT Database ID", "Supplier", "Recipient", "Designation", "Description", "Armament category",
                 "Order date", "Order date is estimate", "Numbers delivered", "Delivery year", "Status")


def _year(text: str) -> int | None:
    m = re.search(r"\d{4}", text or "")
    return int(m[0]) if m else None


def load_sipri(path: str | os.PathLike) -> pd.DataFrame:
    """SIPRI's trade register export (CSV, optionally gzip; notes above the header line are skipped), one row
    per deal: ``deal_id``, ``supplier``, ``recipient``, ``designation``, ``description``, ``category``,
    ``order_year``, ``order_estimated``, ``delivered`` (numbers delivered), ``delivery_years``, ``status``."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        text = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8-sig")
    except (OSError, gzip.BadGzipFile, EOFError, UnicodeDecodeError) as exc:
        raise AnalysisError(f"{path}: cannot read the SIPRI table ({' '.join(str(exc).split())})") from None
    lines = text.splitlines()
    head = next((i for i, ln in enumerate(lines[:50]) if ln.startswith(SIPRI_COLUMNS[0])), None)
    if head is None:
        raise AnalysisError(f"{path}: no SIPRI trade-register header (a line starting {SIPRI_COLUMNS[0]!r})")
    reader = csv.DictReader(io.StringIO("\n".join(lines[head:])))
    missing = [c for c in SIPRI_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise AnalysisError(f"{path}: the SIPRI table lacks column {missing[0]!r}")
    deals: dict[str, dict] = {}
    for row in reader:
        did = (row["SIPRI AT Database ID"] or "").strip()
        if not did:
            continue
        d = deals.setdefault(did, {
            "deal_id": int(did) if did.isdigit() else did, "supplier": row["Supplier"].strip(),
            "recipient": row["Recipient"].strip(), "designation": row["Designation"].strip(),
            "description": row["Description"].strip(), "category": row["Armament category"].strip(),
            "order_year": _year(row["Order date"]), "order_estimated": row["Order date is estimate"] == "Yes",
            "delivered": 0, "delivery_years": set(), "status": row["Status"].strip()})
        y = _year(row["Delivery year"])
        if y:
            d["delivery_years"].add(y)
        n = (row["Numbers delivered"] or "").strip()
        if n.isdigit():
            d["delivered"] += int(n)
    df = pd.DataFrame(list(deals.values()), columns=["deal_id", "supplier", "recipient", "designation", "description",
                                                     "category", "order_year", "order_estimated", "delivered",
                                                     "delivery_years", "status"])
    df["delivery_years"] = [sorted(v) for v in df["delivery_years"]]
    df["order_year"] = df["order_year"].astype("Int64")
    return df


def _design_key(s: str) -> str:
    return re.sub(r"[^0-9a-z]", "", _fold(s))


def designation_score(names, designation: str) -> float:
    """0-100: how well any of a system's ``names`` matches a SIPRI designation. Names are compared on letters
    and digits only (``S-300`` = ``S300``); a name that starts the designation at a model boundary scores 95
    (``S-300`` in ``S-300PMU2``, ``Su-30`` in ``Su-30MKI``), else rapidfuzz's ratio."""
    from rapidfuzz import fuzz

    d = _design_key(designation)
    best = 0.0
    for n in names or ():
        k = _design_key(n)
        if len(k) < 2 or not d:
            continue
        if k == d:
            return 100.0
        short, long_ = sorted((k, d), key=len)
        if (len(short) >= 3 and long_.startswith(short) and re.search(r"\d", short)
                and not (short[-1].isdigit() and long_[len(short)].isdigit())):
            best = max(best, 95.0)
        best = max(best, fuzz.ratio(k, d))
    return best


SIPRI_ALIASES = {"UAE": "United Arab Emirates"}  # SIPRI's names the knowledge base does not carry


def _sipri_keys() -> dict[str, str]:
    """Folded names (any language) of the knowledge base's countries and organizations -> their IRI."""
    from ..ingest.kb import load_kb

    kb = load_kb()
    out: dict[str, str] = {}
    for kind in ("organization", "country"):  # countries win a name both carry
        for e in kb.by_kind.get(kind, {}).values():
            for _, n in e.all_names():
                out[_fold(n)] = e.iri
    for short, full in SIPRI_ALIASES.items():
        if _fold(full) in out:
            out.setdefault(_fold(short), out[_fold(full)])
    return out


def _sipri_actor(name: str, keys: dict[str, str]) -> str:
    base = _fold(re.sub(r"\s*\(.*\)\s*$", "", name.rstrip("*").strip()))
    return keys.get(base, f"name:{base}")


def compare_transfers(source, sipri: pd.DataFrame | str | os.PathLike, *, threshold: float = 85,
                      years: tuple[int, int] | None = None) -> pd.DataFrame:
    """The graph's arms transfers against SIPRI's trade register for the supplier -> recipient pairs the graph
    covers. Each row has a ``status``: ``matched`` (a graph transfer and a SIPRI deal of the same pair whose
    designation scores at least ``threshold`` against one of the system's names, see
    :func:`designation_score`), ``only in graph`` or ``only in SIPRI`` (a deal of a covered pair no graph
    transfer matched). ``years`` (first, last) keeps the deals ordered or delivered in that range.

    Columns: ``status``, ``supplier``, ``recipient``, ``system`` (graph label), ``designation``, ``score``,
    ``deal_id``, ``order_year``, ``delivery_years``, ``description``, ``graph_status``, ``transfers``,
    ``sources``."""
    deals = sipri if isinstance(sipri, pd.DataFrame) else load_sipri(sipri)
    G = load(source)
    graph = transfers(G)
    keys = _sipri_keys()
    known = set(keys.values())

    def actor_key(iri: str | None) -> str | None:
        if iri is None:
            return None
        return iri if iri in known else f"name:{_fold(_label(G, iri))}"

    graph["_s"] = [actor_key(s) for s in graph["supplier"]]
    graph["_r"] = [actor_key(r) for r in graph["recipient"]]
    deals = deals.copy()
    deals["_s"] = [_sipri_actor(s, keys) for s in deals["supplier"]]
    deals["_r"] = [_sipri_actor(r, keys) for r in deals["recipient"]]
    if years is not None:
        lo, hi = years
        keep = [(oy is not pd.NA and oy is not None and lo <= oy <= hi) or any(lo <= y <= hi for y in dys)
                for oy, dys in zip(deals["order_year"], deals["delivery_years"], strict=True)]
        deals = deals[keep]
    pairs = {(s, r) for s, r in zip(graph["_s"], graph["_r"], strict=True) if s and r}
    deals = deals[[(s, r) in pairs for s, r in zip(deals["_s"], deals["_r"], strict=True)]]
    by_pair: dict[tuple, list] = defaultdict(list)
    for rec in deals.to_dict("records"):
        by_pair[(rec["_s"], rec["_r"])].append(rec)
    rows, used = [], set()

    def row(status, g=None, deal=None, score=None) -> dict:
        return {"status": status,
                "supplier": g["supplier_label"] if g is not None else deal["supplier"],
                "recipient": g["recipient_label"] if g is not None else deal["recipient"],
                "system": g["system_label"] if g is not None else None,
                "designation": deal["designation"] if deal else None, "score": score,
                "deal_id": deal["deal_id"] if deal else None, "order_year": deal["order_year"] if deal else None,
                "delivery_years": deal["delivery_years"] if deal else [],
                "description": deal["description"] if deal else None,
                "graph_status": g["status"] if g is not None else [], "transfers": g["transfers"] if g is not None
                else [], "sources": g["sources"] if g is not None else []}

    for g in graph.to_dict("records"):
        names = [g["system_label"], *g["system_names"]] if g["system"] else []
        hits = [(designation_score(names, d["designation"]), d) for d in by_pair.get((g["_s"], g["_r"]), [])]
        hits = [(sc, d) for sc, d in hits if sc >= threshold]
        for sc, d in sorted(hits, key=lambda h: (-h[0], str(h[1]["deal_id"]))):
            used.add(d["deal_id"])
            rows.append(row("matched", g, d, sc))
        if not hits:
            rows.append(row("only in graph", g))
    for d in deals.to_dict("records"):
        if d["deal_id"] not in used:
            rows.append(row("only in SIPRI", deal=d))
    cols = ["status", "supplier", "recipient", "system", "designation", "score", "deal_id", "order_year",
            "delivery_years", "description", "graph_status", "transfers", "sources"]
    df = pd.DataFrame(rows, columns=cols)
    ids = [r["deal_id"] for r in rows]
    if all(v is None or isinstance(v, int) for v in ids):  # whole numbers, with gaps for graph-only rows
        df["deal_id"] = pd.array(ids, dtype="Int64")
    df["order_year"] = pd.array([None if pd.isna(r["order_year"]) else int(r["order_year"]) for r in rows],
                                dtype="Int64")
    df["_o"] = df["status"].map({"matched": 0, "only in graph": 1, "only in SIPRI": 2})
    df = df.sort_values(["_o", "supplier", "recipient", "system", "order_year"], na_position="last")
    return df.drop(columns="_o").reset_index(drop=True)
