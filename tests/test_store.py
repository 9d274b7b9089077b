"""The persistent store: idempotent and incremental builds, replacement, forgetting, identity across runs."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pyoxigraph as ox
from ddkg.graph.build import build
from ddkg.graph.rdf import ENTITY_GRAPH
from ddkg.graph.store import GraphStore

SHOIGU_AR = ("وصل وزير الدفاع الروسي الفريق أول سيرغي شويغو إلى دمشق اليوم في زيارة رسمية، "
             "والتقى شويغو خلال الزيارة نظيره السوري العماد علي عبد الله أيوب وبحث معه التعاون العسكري.")


def ddkg(*args):
    return subprocess.run([sys.executable, "-m", "ddkg", *map(str, args)], capture_output=True, text=True)


def _persons(store: GraphStore, name: str) -> set[str]:
    q = f"""SELECT DISTINCT ?p WHERE {{ GRAPH ?g {{ ?p a <https://w3id.org/ddkg/ontology#Person> ;
            <http://www.w3.org/2004/02/skos/core#altLabel> ?l }} FILTER(CONTAINS(STR(?l), "{name}")) }}"""
    return {r["p"].value for r in store.query(q)}


def _nodes(store: GraphStore) -> set:
    return {q.subject for q in store.store} | {q.object for q in store.store if not isinstance(q.object, ox.Literal)}


def test_rebuild_changes_nothing_and_a_new_article_reuses_nodes(tmp_path, seeds_dir):
    store = GraphStore(tmp_path / "st")
    first = build([seeds_dir], store)
    assert first.added == 5
    quads = set(store.store)
    nodes = _nodes(store)
    again = build([seeds_dir], store)
    assert (again.added, again.unchanged) == (0, 5)
    assert set(store.store) == quads and _nodes(store) == nodes
    shoigu = _persons(store, "شويغو")
    assert len(shoigu) == 1
    new = tmp_path / "in" / "005.txt"
    new.parent.mkdir()
    new.write_text(SHOIGU_AR, encoding="utf-8")
    third = build([seeds_dir, new.parent], store)
    assert (third.added, third.unchanged) == (1, 5)
    assert _persons(store, "شويغو") == shoigu  # the sixth article's شويغو lands on the existing node
    doc_graphs = {q.graph_name for q in store.store if q.graph_name != ENTITY_GRAPH
                  and not isinstance(q.graph_name, ox.DefaultGraph)}
    assert len(doc_graphs) == 6


def test_unknown_person_is_one_node_across_documents_and_scripts(tmp_path):
    """Not in the knowledge base: identity comes from the script-independent name key, in any order."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(
        "Russian Deputy Foreign Minister Mikhail Bogdanov met the Iranian ambassador in Moscow on Monday "
        "to discuss the situation in Syria.", encoding="utf-8")
    (src / "b.txt").write_text(
        "التقى نائب وزير الخارجية الروسي ميخائيل بوغدانوف في موسكو اليوم السفير الإيراني لدى روسيا "
        "وبحث معه الأوضاع في سوريا.", encoding="utf-8")
    stores = []
    for order in ([src / "a.txt", src / "b.txt"], [src / "b.txt", src / "a.txt"]):
        st = GraphStore(tmp_path / f"st{len(stores)}")
        build(order, st)
        stores.append(st)
    found = [_persons(st, "Bogdanov") | _persons(st, "بوغدانوف") for st in stores]
    assert len(found[0]) == 1 and found[0] == found[1]


def test_changed_file_replaces_its_graph_and_forget_removes_it(tmp_path, seeds_dir):
    src = tmp_path / "in"
    shutil.copytree(seeds_dir, src)
    store_dir = tmp_path / "st"
    assert ddkg("build", src, "--store", store_dir, "-q").returncode == 0
    st = GraphStore(store_dir)
    before = {sha for _, sha, _ in st.documents()}
    st.store.flush()
    del st
    target = src / "000_75d71566662e0591.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\n" + SHOIGU_AR, encoding="utf-8")
    res = ddkg("build", src, "--store", store_dir, "-q")
    assert "1 document(s) added; 1 replaced; 4 unchanged" in res.stdout, res.stdout
    st = GraphStore(store_dir, read_only=True)
    after = {sha for _, sha, _ in st.documents()}
    assert len(after) == 5 and len(before - after) == 1
    old = (before - after).pop()
    assert not bool(st.query(f"ASK {{ GRAPH <https://w3id.org/ddkg/doc/{old[:24]}> {{ ?s ?p ?o }} }}"))
    del st
    # forget the Persian articles by path: their graphs go, and what only they said about entities
    target = src / "004_6d8fd06e54dabc97.txt"
    res = ddkg("forget", "--store", store_dir, target)
    assert res.returncode == 0 and "1 document(s) forgotten; 4 remain" in res.stdout, res.stdout + res.stderr
    st = GraphStore(store_dir, read_only=True)
    assert not _persons(st, "سنایی")  # the Iranian ambassador was named only in 004
    labels = {r["l"].value for r in st.query(
        "SELECT ?l WHERE { GRAPH ?g { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } }")}
    assert "مهدی سنایی" not in labels and "Sergei Shoigu" in labels
    del st
    (src / "003_4391a88c9299c2af.txt").unlink()
    res = ddkg("forget", "--store", store_dir, "--missing")
    assert "1 document(s) forgotten; 3 remain" in res.stdout, res.stdout + res.stderr
    assert ddkg("forget", "--store", store_dir).returncode == 1


def test_stats_counts_the_seeds(seeds_built):
    import json

    store, _ = seeds_built
    res = ddkg("stats", "--store", store, "--json")
    assert res.returncode == 0, res.stderr
    s = json.loads(res.stdout)
    assert s["documents"] == 5 and s["languages"] == {"ar": 3, "fa": 2}
    assert s["entities"]["Person"] >= 5 and s["facts"]["Meeting"] >= 5 and s["facts"]["ArmsTransfer"] == 1
    assert len(s["facts_per_document"]) == 5 and all(n > 0 for n in s["facts_per_document"].values())
    text = ddkg("stats", "--store", store)
    assert "documents  5" in text.stdout


def test_rdflib_views_of_the_store(seeds_built):
    import rdflib

    store = GraphStore(seeds_built[0], read_only=True)
    live = store.rdflib()
    q = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <https://w3id.org/ddkg/ontology#Document> }"
    assert int(next(iter(live.query(q)))[0]) == 5
    copy = store.rdflib(copy=True)
    assert isinstance(copy.store, rdflib.plugins.stores.memory.Memory)
    assert sum(1 for _ in copy.quads((None, None, None, None))) == len(store)
