"""SPARQL over the store: the named competency queries shipped in ``graph/queries/`` and result formatting.

Queries see the union of all graphs as their default graph, so ``?s ?p ?o`` finds what any document said;
``GRAPH ?g`` still reaches one document's graph. A named query declares its parameters in its header
(``# param: person  ...``); a value given for one is bound with a ``VALUES`` row, serialized by pyoxigraph
(so a quote in a name cannot change the query), and the query's filter treats it as an IRI or a name.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import pyoxigraph as ox

from .rdf import DOC_BASE
from .store import PREFIXES, GraphStore

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}
GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}


class QueryError(ValueError):
    """A query cannot be run: unknown name, bad parameter or SPARQL syntax (one-line message)."""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    sparql: str
    params: dict[str, str] = field(default_factory=dict)  # name -> help


def _parse(name: str, text: str) -> NamedQuery:
    meta: dict[str, str] = {}
    params: dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"#\s*(title|description|param):\s*(.*)", line)
        if not m:
            continue
        if m[1] == "param":
            pname, _, phelp = m[2].partition(" ")
            params[pname] = phelp.strip()
        else:
            meta[m[1]] = m[2].strip()
    return NamedQuery(name, meta.get("title", name), meta.get("description", ""), text, params)


@lru_cache(maxsize=1)
def library() -> dict[str, NamedQuery]:
    """The named queries shipped with the package, by name (file name without ``.rq``)."""
    out = {}
    for f in sorted(resources.files(__package__).joinpath("queries").iterdir(), key=lambda f: f.name):
        if f.name.endswith(".rq"):
            out[f.name[:-3]] = _parse(f.name[:-3], f.read_text(encoding="utf-8"))
    return out


def _term(value: str) -> ox.NamedNode | ox.Literal:
    if re.match(r"https?://\S+$", value):
        return ox.NamedNode(value)
    return ox.Literal(unicodedata.normalize("NFC", value))


def bind(sparql: str, values: dict[str, str]) -> str:
    """``sparql`` with each parameter bound by a ``VALUES`` row at the start of its top-level WHERE."""
    if not values:
        return sparql
    for k in values:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k):
            raise QueryError(f"parameter name {k!r} is not a SPARQL variable name")
    m = re.search(r"\bWHERE\s*\{", sparql, re.I)
    if m is None:
        raise QueryError("parameters need a query with a WHERE clause")
    row = " ".join(str(_term(v)) for v in values.values())
    clause = f"\n  VALUES ({' '.join('?' + k for k in values)}) {{ ({row}) }}\n"
    return sparql[: m.end()] + clause + sparql[m.end():]


def named(name: str, params: dict[str, str] | None = None) -> str:
    """The SPARQL text of a named query with its parameters bound."""
    lib = library()
    if name not in lib:
        raise QueryError(f"no named query {name!r}; known: {', '.join(lib)}")
    q = lib[name]
    unknown = sorted(set(params or {}) - set(q.params))
    if unknown:
        known = ", ".join(q.params) or "none"
        raise QueryError(f"query {name!r} has no parameter {unknown[0]!r} (parameters: {known})")
    return bind(q.sparql, params or {})


def run(store: GraphStore, sparql: str):
    """Run a query with the union of all graphs as default graph; syntax errors become :class:`QueryError`."""
    try:
        return store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {str(exc).splitlines()[0]}") from None


def select_rows(store: GraphStore, sparql: str) -> tuple[list[str], list[dict[str, object]]]:
    """A SELECT query's variables and rows as plain Python values (IRIs and literals as strings)."""
    res = run(store, sparql)
    if not isinstance(res, ox.QuerySolutions):
        raise QueryError("not a SELECT query")
    cols = [v.value for v in res.variables]
    rows = [{c: (None if r[c] is None else r[c].value) for c in cols} for r in res]
    return cols, rows


def _shorten(iri: str) -> str:
    for p, ns in (*PREFIXES.items(), ("doc", DOC_BASE)):
        if iri.startswith(ns) and re.fullmatch(r"[\w\-./#]+", iri[len(ns):]):
            return f"{p}:{iri[len(ns):]}"
    return iri


def display_text(text: str) -> str:
    """Text safe to print on a terminal: control and bidi-override characters shown as ``\\uXXXX`` (they could
    otherwise reorder or hide what is printed); the joiners Persian needs (ZWNJ, ZWJ) are kept."""
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf") and c not in "\u200c\u200d\t\n"
                   else c for c in text)


def _cell(term, width: int) -> str:
    if term is None:
        return ""
    text = _shorten(term.value) if isinstance(term, ox.NamedNode) else term.value
    text = display_text(" ".join(text.split()))
    return text if len(text) <= width else text[: width - 1] + "…"


def format_results(res, fmt: str = "table", width: int = 60) -> str:
    """Query results as text: an aligned table, or SPARQL JSON/CSV/TSV/XML results; graphs as Turtle/N-Triples."""
    if isinstance(res, ox.QueryBoolean):
        if fmt == "table":
            return "true" if bool(res) else "false"
        buf = io.BytesIO()
        res.serialize(buf, RESULT_FORMATS[fmt])
        return buf.getvalue().decode()
    if isinstance(res, ox.QueryTriples):
        buf = io.BytesIO()
        res.serialize(buf, GRAPH_FORMATS.get(fmt, ox.RdfFormat.TURTLE))
        return buf.getvalue().decode()
    if fmt != "table":
        buf = io.BytesIO()
        res.serialize(buf, RESULT_FORMATS[fmt])
        return buf.getvalue().decode()
    cols = [v.value for v in res.variables]
    rows = [[_cell(r[c], width) for c in cols] for r in res]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(cols)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    out = [line(cols), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)
