"""The Python API for notebooks and scripts: open or build a store, query it into pandas DataFrames, get the
NetworkX projections, show the interactive view inline, look entities up by any name, read the evidence behind
a fact, and run the analyses and plots researchers ask for. Reference with examples: ``docs/API.md``.

    import ddkg
    store = ddkg.build_store()                      # the five bundled example articles, in memory
    ddkg.named_query(store, "who-met-whom", person="Shoigu")
    ddkg.evidence(store, "شویگو")

Every name here is also importable from ``ddkg`` itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import pandas as pd

from .graph.analysis import (
    AnalysisError,
    centrality,
    compare_transfers,
    country_matrix,
    country_pairs,
    degree_distribution,
    designation_score,
    entity,
    evidence,
    find_entities,
    load_sipri,
    posts,
    timeline,
    transfers,
    who_meets_whom,
)
from .graph.analysis import frame as _frame
from .graph.analysis import named_frame as _named_frame
from .graph.build import BuildReport
from .graph.plots import plot_country_matrix, plot_degree_distribution, plot_posts, plot_timeline
from .graph.project import ProjectionError, country_network, ego_graph, entity_graph, load_graph, person_network
from .graph.query import QueryError, library
from .graph.store import GraphStore, StoreError

__all__ = [
    "AnalysisError", "BuildReport", "GraphStore", "ProjectionError", "QueryError", "StoreError",
    "examples_dir", "open_store", "build_store", "sparql", "named_query", "queries",
    "load_graph", "entity_graph", "person_network", "country_network", "ego_graph", "view",
    "find_entities", "entity", "evidence",
    "who_meets_whom", "centrality", "country_pairs", "country_matrix", "timeline", "posts", "transfers",
    "degree_distribution", "load_sipri", "compare_transfers", "designation_score",
    "plot_timeline", "plot_country_matrix", "plot_degree_distribution", "plot_posts",
]  # ddkg.API lists the same names


def examples_dir() -> Path:
    """The folder of the five bundled example articles (Arabic and Persian, shipped with the package)."""
    return Path(str(resources.files("ddkg") / "examples"))


def open_store(path: str | os.PathLike, *, read_only: bool = False) -> GraphStore:
    """Open an existing store directory (as written by ``ddkg build --store``). ``read_only`` lets a notebook
    read a store another process is writing. A missing directory is an error, not a new empty store."""
    p = Path(path)
    if not p.is_dir():
        raise StoreError(f"{p}: no store there (build one with ddkg build --store {p} or build_store())")
    return GraphStore(p, read_only=read_only)


def build_store(paths: str | os.PathLike | Iterable[str | os.PathLike] | None = None,
                store: GraphStore | str | os.PathLike | None = None, *, force: bool = False,
                quiet: bool = False) -> GraphStore:
    """Ingest files and folders (.txt .html .jsonl .jsonl.gz feeds; default: the bundled examples) into
    ``store`` (a GraphStore, a directory created if needed, or None for a store in memory) and return it.
    Incremental as ``ddkg build``: unchanged documents are skipped. The summary line is printed unless
    ``quiet``; the :class:`BuildReport` is kept as ``store.build_report``."""
    from . import __version__
    from .graph.build import build

    if paths is None:
        paths = [examples_dir()]
    elif isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    for p in paths:
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such file or folder to build from")
    st = store if isinstance(store, GraphStore) else GraphStore(store)
    report = build(paths, st, force=force, version=__version__)
    st.build_report = report
    if not quiet:
        print(report.summary())
    return st


def sparql(store: GraphStore, query: str, *, labels: bool = True) -> pd.DataFrame:
    """Run SPARQL (SELECT or CONSTRUCT; the union of all graphs is the default graph, the prefixes ``ddkg:``,
    ``skos:``, ``prov:``, ``xsd:``, ``rdf:``, ``owl:`` are predeclared) into a DataFrame. With ``labels``, every
    column of IRIs gets a ``<column>_label`` column: the English ``skos:prefLabel`` where known, else another
    preferred or alternative label."""
    return _frame(store, query, labels_for_iris=labels)


def named_query(store: GraphStore, name: str, *, labels: bool = True, **params: str) -> pd.DataFrame:
    """Run a named query from the library (see :func:`queries`) with its parameters as keyword arguments:
    ``named_query(store, "who-met-whom", person="Shoigu")``."""
    return _named_frame(store, name, params, labels_for_iris=labels)


def queries() -> pd.DataFrame:
    """The named queries shipped with ddkg: ``name``, ``title``, ``parameters`` and ``description``."""
    rows = [{"name": q.name, "title": q.title, "parameters": ", ".join(q.params), "description": q.description}
            for q in library().values()]
    return pd.DataFrame(rows, columns=["name", "title", "parameters", "description"])


def view(store, *, view: str = "full", focus: str | None = None, radius: int | None = None, since=None,
         until=None, height: int = 720, **kw):
    """The interactive graph inline in a notebook cell (works offline): ``view`` is ``full``, ``persons`` or
    ``countries``; ``focus`` (an IRI or any name) with ``radius`` cuts to an ego network; ``since``/``until``
    filter by date. ``store`` may also be a graph from :func:`load_graph`. The returned object displays itself;
    ``.save(path)`` writes the page to a file."""
    from .graph.render import notebook_view

    return notebook_view(store, view=view, focus=focus, radius=radius, since=since, until=until, height=height, **kw)
