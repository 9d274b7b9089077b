"""The seed articles built with the CLI and scored with the project's shared scorer (the issue's bar)."""

from __future__ import annotations

import hashlib
import importlib.util

import pytest
import rdflib
from conftest import SHARED, shared_or_skip

ONT = "https://w3id.org/ddkg/ontology#"


@pytest.fixture(scope="module")
def score(seeds_built):
    path = shared_or_skip("eval", "score.py")
    spec = importlib.util.spec_from_file_location("ddkg_score", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    _, trig = seeds_built
    return mod.score(trig, SHARED / "eval" / "seeds.gold.json", SHARED / "seeds")


def test_examples_are_the_seeds():
    seeds = shared_or_skip("seeds")
    from conftest import EXAMPLES

    for f in sorted(seeds.iterdir()):
        assert hashlib.sha256(f.read_bytes()).digest() == hashlib.sha256((EXAMPLES / f.name).read_bytes()).digest()


def test_every_document_has_its_graph(score):
    assert score["documents_missing"] == []


def test_entities(score):
    k = score["kinds"]["entities"]
    assert k["f1"] >= 0.95, k


def test_meetings(score):
    # 003's gold meeting is placed in Tehran, a city that article never names: 5 of 6 can be matched.
    assert score["kinds"]["meeting"]["tp"] >= 5


def test_positions_ranks(score):
    assert score["kinds"]["position"]["tp"] >= 11
    assert score["kinds"]["rank"]["tp"] >= 5


def test_agreements_transfers_visits(score):
    assert score["kinds"]["agreement"]["tp"] == 3
    assert score["kinds"]["transfer"]["tp"] == 1
    assert score["kinds"]["visit"]["tp"] >= 4


def test_identity_across_documents(score):
    idn = score["identity"]
    assert idn["split"] == {}
    assert idn["wrongly_merged"] == {}
    assert idn["resolved_to_one_node"] == idn["multi_document_entities"]


def test_provenance_and_evidence(seeds_built, seeds_dir):
    _, trig = seeds_built
    ds = rdflib.Dataset()
    ds.parse(trig, format="trig")
    docs = list(ds.default_context.subjects(rdflib.RDF.type, rdflib.URIRef(ONT + "Document")))
    assert len(docs) == 5
    texts = {hashlib.sha256(f.read_bytes()).hexdigest(): f.read_text(encoding="utf-8") for f in seeds_dir.iterdir()}
    n_ev = 0
    for doc in docs:
        sha = str(ds.default_context.value(doc, rdflib.URIRef(ONT + "sha256")))
        assert sha in texts
        g = ds.graph(doc)
        for ev in g.subjects(rdflib.RDF.type, rdflib.URIRef(ONT + "Evidence")):
            a = int(g.value(ev, rdflib.URIRef(ONT + "startOffset")))
            b = int(g.value(ev, rdflib.URIRef(ONT + "endOffset")))
            assert texts[sha][a:b] == str(g.value(ev, rdflib.URIRef(ONT + "sentence")))
            n_ev += 1
        for m in g.subjects(rdflib.RDF.type, rdflib.URIRef(ONT + "Mention")):
            a = int(g.value(m, rdflib.URIRef(ONT + "startOffset")))
            b = int(g.value(m, rdflib.URIRef(ONT + "endOffset")))
            assert texts[sha][a:b] == str(g.value(m, rdflib.URIRef(ONT + "anchorText")))
    assert n_ev > 20


def test_built_graph_conforms_to_shapes(seeds_built):
    from ddkg.ontology import validate

    _, trig = seeds_built
    ds = rdflib.Dataset()
    ds.parse(trig, format="trig")
    ok, report = validate(ds)
    assert ok, report[:3000]
