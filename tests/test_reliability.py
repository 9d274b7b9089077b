"""Reliability: bad and hostile input, a build killed mid-run, two builds on one store."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import rdflib
from ddkg.graph.query import named, select_rows
from ddkg.graph.store import GraphStore

DATA = Path(__file__).parent / "data"


def ddkg(*args, **kw):
    return subprocess.run([sys.executable, "-m", "ddkg", *map(str, args)], capture_output=True, text=True, **kw)


def _sources(store_dir) -> dict[str, str]:
    st = GraphStore(store_dir, read_only=True)
    return {src: sha for _, sha, src in st.documents()}


def test_bad_input_is_skipped_file_by_file_with_a_summary(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:  # 100 MB of text
        f.write(("وزير الدفاع " * 10).encode() * (100 * 2**20 // 210))
    many = tmp_path / "many"
    many.mkdir()
    for i in range(10_000):
        (many / f"{i:05d}.txt").touch()
    res = ddkg("build", DATA / "bad", big, many, tmp_path / "missing.txt", "--store", tmp_path / "st", "-q")
    assert res.returncode == 0, res.stderr
    lines = res.stderr.splitlines()
    expect = {"empty.txt": "file is empty", "binary.txt": "not a text file", "no_body.html": "no article text found",
              "mixed.jsonl:2": "not valid JSON", "mixed.jsonl:3": 'no "text"', "german.txt": "not handled",
              "big.txt": "file too large", "missing.txt": "no such file"}
    for name, problem in expect.items():
        hits = [ln for ln in lines if f"{name}:" in ln]
        assert len(hits) == 1 and problem in hits[0], (name, hits)
    assert sum("many/" in ln and "file is empty" in ln for ln in lines) == 10_000
    assert all(ln.startswith("skipped: ") for ln in lines)
    assert "5 document(s) added" in res.stdout and "10008 skipped" in res.stdout
    assert "file is empty 10001" in res.stdout  # the summary counts what was skipped and why
    docs = _sources(tmp_path / "st")
    names = sorted(Path(s).name for s in docs)
    assert names == ["mixed.jsonl#ok-1", "mixed.jsonl#ok-2", "truncated_utf8.txt", "utf16.txt", "windows1256.txt"]
    # the unusual encodings were read as text, not mojibake: Shoigu is found in each
    st = GraphStore(tmp_path / "st", read_only=True)
    q = """SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { <https://w3id.org/ddkg/id/person/sergei-shoigu>
           <http://www.w3.org/2004/02/skos/core#altLabel> ?l } }"""
    assert int(next(iter(st.query(q)))["n"].value) == 5
    strict = ddkg("build", DATA / "bad", "--store", tmp_path / "st2", "--strict", "-q")
    assert strict.returncode == 1 and len(strict.stderr.strip().splitlines()) == 1


def test_hostile_articles_stay_data(tmp_path):
    store, page, trig = tmp_path / "st", tmp_path / "out" / "g.html", tmp_path / "out" / "g.trig"
    work = tmp_path / "cwd"
    work.mkdir()
    before = set(os.listdir(tmp_path))
    res = ddkg("build", DATA / "hostile", "--store", store, "--export", trig, cwd=work)
    assert res.returncode == 0, res.stderr
    assert "7 document(s) added" in res.stdout
    # path traversal in record ids names nothing on disk; bidi controls are shown escaped, not obeyed
    assert not Path("/tmp/ddkg-pwned").exists() and not (tmp_path / "ddkg-pwned").exists()
    assert set(os.listdir(tmp_path)) - before == {"st", "out"} and os.listdir(work) == []
    assert "\u202e" not in res.stderr and "\\u202e" in res.stderr
    # the dataset is well-formed RDF and holds the payloads verbatim, as literals
    ds = rdflib.Dataset()
    ds.parse(trig, format="trig")
    sent = rdflib.URIRef("https://w3id.org/ddkg/ontology#sentence")
    sentences = {str(o) for _, _, o, _ in ds.quads((None, sent, None, None))}
    assert any('"><svg onload=alert(1)>' in s for s in sentences) and any("<script>" in s for s in sentences)
    # SPARQL: a parameter full of quotes and braces is a value; the store is unchanged by queries
    n = len(GraphStore(store, read_only=True))
    q = ddkg("query", "--store", store, "--name", "who-met-whom", "-p", 'person="; DROP ALL; #', "--format", "csv")
    assert q.returncode == 0 and q.stdout.strip().count("\n") == 0, q.stderr  # a header and no row
    ro = GraphStore(store, read_only=True)
    for value in ("x' } } INSERT DATA { <a:a> <a:b> <a:c> } #", "\u202eShoigu", "نور" * 3334, "Shoigu"):
        for name in ("who-met-whom", "posts", "visits"):
            select_rows(ro, named(name, {"person": value}))
    assert [r["bLabel"] for r in select_rows(ro, named("who-met-whom", {"person": "Dehghan"}))[1]].count(
        "Sergei Shoigu") >= 3
    assert len(ro) == n
    del ro
    # HTML: no payload survives as markup
    r = ddkg("render", "--store", store, "--out", page)
    assert r.returncode == 0, r.stderr
    html = page.read_text(encoding="utf-8")
    assert "<script>document.title" not in html and "<img src=x onerror" not in html
    assert "<svg onload" not in html and 'href="javascript:' not in html.lower()


def _articles(src: Path, seeds_dir: Path, copies: int) -> list[Path]:
    src.mkdir()
    out = []
    for i in range(copies):
        for f in sorted(seeds_dir.glob("*.txt")):
            p = src / f"{i:02d}_{f.name}"
            p.write_text(f.read_text(encoding="utf-8") + f"\n\n({i})", encoding="utf-8")
            out.append(p)
    return out


@pytest.mark.parametrize("kill_after", [1, 4, 8])
def test_killed_build_loses_nothing_and_resumes(tmp_path, seeds_dir, kill_after):
    files = _articles(tmp_path / "in", seeds_dir, 2)
    store = tmp_path / "st"
    proc = subprocess.Popen([sys.executable, "-m", "ddkg", "build", str(tmp_path / "in"), "--store", str(store)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = []
    for line in proc.stderr:
        if line.strip().startswith("added"):
            done.append(line.split(None, 1)[1].strip())
            if len(done) == kill_after:
                proc.send_signal(signal.SIGKILL)
                break
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    stored = _sources(store)
    assert set(done) <= set(stored) and len(stored) <= kill_after + 1  # at most the one being written
    st = GraphStore(store, read_only=True)
    for sha in stored.values():  # each stored document is whole: its graph, its facts, their evidence
        g = f"<https://w3id.org/ddkg/doc/{sha[:24]}>"
        assert bool(st.query(f"ASK {{ GRAPH {g} {{ ?f <https://w3id.org/ddkg/ontology#evidence> ?e . "
                             f"?e <https://w3id.org/ddkg/ontology#sentence> ?s }} }}"))
    orphans = st.query("""SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "https://w3id.org/ddkg/doc/"))
                          FILTER NOT EXISTS { ?g a <https://w3id.org/ddkg/ontology#Document> } } LIMIT 1""")
    assert list(orphans) == []
    del st
    again = ddkg("build", tmp_path / "in", "--store", store, "-q")
    assert again.returncode == 0, again.stderr
    assert f"{len(files) - len(stored)} document(s) added" in again.stdout, (stored, done, again.stdout)
    assert len(_sources(store)) == len(files)


def test_two_builds_on_one_store(tmp_path, seeds_dir):
    _articles(tmp_path / "in", seeds_dir, 1)
    store = tmp_path / "st"
    results = {}

    def run(name, *extra):
        results[name] = ddkg("build", tmp_path / "in", "--store", store, "-q", *extra)

    # without --wait the second fails at once with a clear message; the first completes
    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.returncode for r in results.values())
    assert codes in ([0, 0], [0, 1])  # [0, 0]: the first finished before the second opened the store
    for r in results.values():
        if r.returncode:
            assert re.search(r"in use by another process", r.stderr) and len(r.stderr.strip().splitlines()) == 1
    assert len(_sources(store)) == 5
    # with --wait they serialize: both succeed, the second finds everything done
    results.clear()
    ddkg("forget", "--store", store, tmp_path / "in")
    threads = [threading.Thread(target=run, args=(n, "--wait", "120")) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in results.values()] == [0, 0], [r.stderr for r in results.values()]
    added = sorted(int(re.search(r"(\d+) document\(s\) added", r.stdout)[1]) for r in results.values())
    assert added == [0, 5]
    assert len(_sources(store)) == 5
