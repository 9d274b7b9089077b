"""The ddkg ontology, its concept schemes and SHACL shapes, with namespace constants.

Installed as ``ddkg.ontology``: the Turtle files beside this module are read as package
resources, so they must ship as package data (``*.ttl``, ``schemes/*.ttl``).
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

import rdflib
from rdflib import Dataset, Graph, Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

__all__ = [
    "CONCEPT", "DCTERMS", "DDKG", "DOC", "FOAF", "ID", "NIF", "ONTOLOGY_DIR", "ONTOLOGY_IRI", "ORG",
    "OWL", "PROV", "RDF", "RDFS", "SCHEMA", "SEM", "SHAPES", "SKOS", "XSD",
    "ontology_graph", "scheme_files", "schemes_graph", "shapes_graph", "validate",
]

DDKG = Namespace("https://w3id.org/ddkg/ontology#")
ONTOLOGY_IRI = rdflib.URIRef("https://w3id.org/ddkg/ontology")
ID = Namespace("https://w3id.org/ddkg/id/")
CONCEPT = Namespace("https://w3id.org/ddkg/concept/")
DOC = Namespace("https://w3id.org/ddkg/doc/")
SHAPES = Namespace("https://w3id.org/ddkg/shapes#")

SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")

ONTOLOGY_DIR: Traversable = files(__name__)


def _bind(g: Graph) -> Graph:
    for prefix, ns in {"ddkg": DDKG, "ddkgsh": SHAPES, "skos": SKOS, "sem": SEM, "org": ORG,
                       "schema": SCHEMA, "prov": PROV, "nif": NIF}.items():
        g.bind(prefix, ns, override=True)
    return g


def _parse(g: Graph, resource: Traversable) -> None:
    g.parse(data=resource.read_text(encoding="utf-8"), format="turtle")


def scheme_files() -> list[Traversable]:
    """The concept-scheme Turtle files under ``schemes/``, sorted by name."""
    return sorted((f for f in (ONTOLOGY_DIR / "schemes").iterdir() if f.name.endswith(".ttl")),
                  key=lambda f: f.name)


def schemes_graph() -> Graph:
    """A new graph holding every concept scheme (posts, ranks, stances, statuses, weapon categories)."""
    g = _bind(Graph())
    for f in scheme_files():
        _parse(g, f)
    return g


def ontology_graph() -> Graph:
    """A new graph holding ``ddkg.ttl`` and every concept scheme."""
    g = schemes_graph()
    _parse(g, ONTOLOGY_DIR / "ddkg.ttl")
    return g


def shapes_graph() -> Graph:
    """A new graph holding the SHACL shapes of ``shapes.ttl``."""
    g = _bind(Graph())
    _parse(g, ONTOLOGY_DIR / "shapes.ttl")
    return g


def _union(data: Graph | Dataset) -> Graph:
    """A new graph with every triple of ``data``: for a dataset, its default and named graphs together.

    Facts live in per-document named graphs while the documents themselves are in the
    default graph, so checks such as "every fact cites a hashed document" need the union.
    """
    g = _bind(Graph())
    if hasattr(data, "quads"):
        for s, p, o, _ in data.quads((None, None, None, None)):
            g.add((s, p, o))
    else:
        g += data
    return g


def validate(data: Graph | Dataset, inference: str = "rdfs") -> tuple[bool, str]:
    """Validate data against the ddkg shapes; return ``(conforms, report text)``.

    A dataset is validated as the union of its graphs. The concept schemes are added to the
    data (pyshacl copies only class and property axioms from ``ont_graph``), so role, rank,
    stance and status values are checked against their schemes; the ontology is the
    ``ont_graph``, with RDFS inference by default, so subclasses count. ``data`` is not changed.
    """
    from pyshacl import validate as shacl_validate

    graph = _union(data)
    graph += schemes_graph()
    conforms, _report, text = shacl_validate(
        graph,
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph(),
        inference=inference,
        abort_on_first=False,
        allow_warnings=False,
        meta_shacl=False,
        advanced=True,
    )
    return bool(conforms), str(text)
