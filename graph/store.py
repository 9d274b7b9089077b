"""The persistent RDF store: an Oxigraph (RocksDB) directory, written one document per transaction.

Why Oxigraph: ``../shared/design/stores.md`` measured rdflib's memory store unusable past a few thousand
triples (loading 1.4 M quads: 86 s, a typical query > 120 s) and Oxigraph fast (5 s, 35 ms).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from .rdf import ENTITY_GRAPH, ONT, doc_iri

FORMATS = {
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "turtle": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(out: str | os.PathLike, fill: Callable[[BinaryIO], object]) -> Path:
    """Write ``out`` atomically: ``fill`` writes into a temporary file beside it, which then replaces ``out`` with
    the usual permissions; on any error ``out`` is left as it was. Returns the path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=str(out.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


class StoreError(RuntimeError):
    """The store cannot be opened or written; the message names the directory."""


def _nt(term) -> str:
    return str(term)


def _drop(sha256: str) -> str:
    """SPARQL removing one document: its named graph, its record and its extraction activity."""
    doc = doc_iri(sha256)
    act = ox.NamedNode(doc.value + "#extraction")
    return (f"DROP SILENT GRAPH {_nt(doc)} ; DELETE WHERE {{ {_nt(doc)} ?p ?o }} ; "
            f"DELETE WHERE {{ {_nt(act)} ?p ?o }}")


class GraphStore:
    """A dataset on disk (``path``) or in memory (``path=None``)."""

    def __init__(self, path: str | os.PathLike | None = None, read_only: bool = False, wait: float = 0):
        """Open (or create) the store. One process at a time may write a store directory: opening it for
        writing while another holds it waits up to ``wait`` seconds, then raises :class:`StoreError`."""
        self.path = Path(path) if path is not None else None
        deadline = time.monotonic() + wait
        while True:
            try:
                if self.path is None:
                    self.store = ox.Store()
                elif read_only:
                    self.store = ox.Store.read_only(str(self.path))
                else:
                    self.path.mkdir(parents=True, exist_ok=True)
                    self.store = ox.Store(str(self.path))
                return
            except OSError as exc:
                locked = "lock" in str(exc).lower()
                if locked and time.monotonic() < deadline:
                    time.sleep(0.25)
                    continue
                if locked:
                    raise StoreError(f"{self.path}: the store is in use by another process (a running ddkg build?); "
                                     "wait for it to finish, or pass --wait SECONDS") from None
                raise StoreError(f"{self.path}: cannot open the store ({' '.join(str(exc).split())})") from None

    # -- documents ------------------------------------------------------------------------------
    def document_sha(self, sha256: str) -> bool:
        """Whether a document with these bytes is already in the store."""
        q = f'ASK {{ {_nt(doc_iri(sha256))} <{ONT}sha256> "{sha256}" }}'
        return bool(self.store.query(q))

    def put_document(self, sha256: str, quads: Iterable[ox.Quad] | bytes, replaces: Iterable[str] = ()) -> None:
        """Write one document in a single transaction: what it contributed before (same bytes) and the
        documents it ``replaces`` (earlier versions of the same source, by sha256) are removed first.
        ``quads`` may also be N-Quads bytes (as extraction workers send them)."""
        replaces = [sha for sha in dict.fromkeys(replaces) if sha != sha256]
        if not replaces and not self.document_sha(sha256):  # nothing to remove: a plain atomic insert is faster
            if isinstance(quads, bytes):
                self.store.load(quads, format=ox.RdfFormat.N_QUADS)
            else:
                self.store.extend(quads)
            return
        if isinstance(quads, bytes):
            quads = ox.parse(quads, format=ox.RdfFormat.N_QUADS)
        default, named = [], []
        for q in quads:
            triple = f"{_nt(q.subject)} {_nt(q.predicate)} {_nt(q.object)} ."
            if isinstance(q.graph_name, ox.DefaultGraph):
                default.append(triple)
            else:
                named.append(f"GRAPH {_nt(q.graph_name)} {{ {triple} }}")
        drops = [_drop(sha) for sha in [sha256, *replaces]]
        update = " ;\n".join(drops) + " ;\nINSERT DATA {\n" + "\n".join(default) + "\n" + "\n".join(named) + "\n}"
        self.store.update(update)

    def forget(self, shas: Iterable[str]) -> int:
        """Remove documents (their named graphs and records) in one transaction, then what only they
        said about entities. Returns how many were in the store."""
        present = [sha for sha in dict.fromkeys(shas) if self.document_sha(sha)]
        if present:
            self.store.update(" ;\n".join(_drop(sha) for sha in present))
            self.collect_garbage()
        return len(present)

    def collect_garbage(self) -> int:
        """Drop entity descriptions (labels, KB facts) no remaining document reaches. Returns triples removed."""
        live: set = set()
        for q in self.store:
            if q.graph_name != ENTITY_GRAPH and not isinstance(q.graph_name, ox.DefaultGraph):
                live.add(q.subject)
                if not isinstance(q.object, ox.Literal):
                    live.add(q.object)
        described: dict = {}
        for q in self.store.quads_for_pattern(None, None, None, ENTITY_GRAPH):
            described.setdefault(q.subject, []).append(q)
        reach, todo = set(), [n for n in described if n in live]
        while todo:  # what the entity graph says of live nodes, and of the nodes that says it about
            n = todo.pop()
            if n in reach:
                continue
            reach.add(n)
            todo.extend(q.object for q in described.get(n, ()) if q.object in described and q.object not in reach)
        dead = [q for n, qs in described.items() if n not in reach for q in qs]
        if dead:
            body = "\n".join(f"{_nt(q.subject)} {_nt(q.predicate)} {_nt(q.object)} ." for q in dead)
            self.store.update(f"DELETE DATA {{ GRAPH {_nt(ENTITY_GRAPH)} {{ {body} }} }}")
        return len(dead)

    def documents(self) -> list[tuple[str, str, str]]:
        """(document IRI, sha256, source) of every document in the store."""
        q = (f"SELECT ?d ?sha ?src WHERE {{ ?d a <{ONT}Document> ; <{ONT}sha256> ?sha . "
             f"OPTIONAL {{ ?d <{ONT}sourceFile> ?src }} }} ORDER BY ?src ?sha")
        return [(r["d"].value, r["sha"].value, r["src"].value if r["src"] else "") for r in self.store.query(q)]

    def shas_by_source(self) -> dict[str, list[str]]:
        """Source locator (absolute path, ``#record`` for JSONL/feeds) -> sha256 of the documents read from it."""
        out: dict[str, list[str]] = {}
        for _, sha, src in self.documents():
            out.setdefault(src, []).append(sha)
        return out

    def rdflib(self, copy: bool = False):
        """The dataset through rdflib's API: live over this store (oxrdflib) or, with ``copy``, an rdflib
        in-memory ``Dataset`` holding a copy (for small jobs)."""
        import rdflib

        if copy:
            from .rdf import quads_to_dataset

            return quads_to_dataset(iter(self.store))
        from oxrdflib import OxigraphStore

        return rdflib.Dataset(store=OxigraphStore(store=self.store), default_union=True)

    def __len__(self) -> int:
        return len(self.store)

    def query(self, sparql: str, **kwargs):
        """SPARQL over the store (pyoxigraph keyword arguments pass through: ``substitutions``,
        ``use_default_graph_as_union`` ...)."""
        return self.store.query(sparql, **kwargs)

    def flush(self) -> None:
        if self.path is not None:
            self.store.flush()

    # -- export ---------------------------------------------------------------------------------
    def export(self, out: str | os.PathLike, fmt: str) -> Path:
        """Write the dataset to ``out`` atomically (temporary file, then rename)."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")

        def fill(fh: BinaryIO) -> None:
            if fmt == "turtle":
                self._merged().dump(fh, FORMATS[fmt], from_graph=ox.DefaultGraph())
            else:
                self.store.dump(fh, FORMATS[fmt], prefixes=PREFIXES if fmt == "trig" else None)

        return write_atomic(out, fill)

    def _merged(self) -> ox.Store:
        """All graphs merged into the default graph (for triple-only formats)."""
        merged = ox.Store()
        merged.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in self.store)
        return merged


PREFIXES = {
    "ddkg": ONT,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "id": "https://w3id.org/ddkg/id/",
    "concept": "https://w3id.org/ddkg/concept/",
}
