"""``ddkg build --jobs N``: worker processes extract, the parent writes in input order, the store is the same."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
from conftest import shared_or_skip
from ddkg.graph.build import build
from ddkg.graph.store import GraphStore

NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
ENDED = "http://www.w3.org/ns/prov#endedAtTime"


def corpus_sample(dest: Path, per_lang: int) -> Path:
    """The first ``per_lang`` articles of each language's defence sample, as JSONL files under ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for lang in ("ar", "en", "fa"):
        src = shared_or_skip("corpora", "news", lang, f"defense_{lang}.jsonl")
        lines = src.read_text(encoding="utf-8").splitlines()[:per_lang]
        (dest / f"defense_{lang}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


def awkward_inputs(dest: Path, seeds_dir: Path) -> Path:
    """What exercises the write order: the same bytes under two names, an unreadable file, a language the
    extractor does not handle, and a JSONL record id used twice (the later version replaces the earlier)."""
    dest.mkdir(parents=True, exist_ok=True)
    first = sorted(seeds_dir.glob("*.txt"))[0]
    shutil.copy(first, dest / "a-copy.txt")
    shutil.copy(first, dest / "z-copy.txt")
    (dest / "b-binary.txt").write_bytes(b"\x00\x01\x02 not text \xff\xfe" * 20)
    (dest / "c-german.txt").write_text("Der Verteidigungsminister besuchte gestern die Truppen in der Kaserne "
                                       "und sprach lange mit den Soldaten über ihre Ausrüstung.", encoding="utf-8")
    (dest / "d-twice.jsonl").write_text(
        '{"id": "r1", "lang": "en", "text": "Iranian Defence Minister Amir Hatami met his Russian counterpart '
        'Sergei Shoigu in Moscow on Tuesday."}\n'
        '{"id": "r1", "lang": "en", "text": "Russian Defence Minister Sergei Shoigu met Iranian Defence Minister '
        'Amir Hatami in Tehran on Wednesday."}\n', encoding="utf-8")
    return dest


def quads(store: GraphStore, drop_time: bool = False) -> set[str]:
    return {str(q) for q in store.store if not (drop_time and q.predicate.value == ENDED)}


def test_jobs_two_gives_the_store_of_jobs_one(tmp_path, seeds_dir):
    paths = [seeds_dir, corpus_sample(tmp_path / "corpus", 2), awkward_inputs(tmp_path / "odd", seeds_dir)]
    one, two = GraphStore(tmp_path / "one"), GraphStore(tmp_path / "two")
    events: dict[int, list] = {1: [], 2: []}
    reports = {jobs: build(paths, st, jobs=jobs, now=NOW,
                           progress=lambda doc, status, jobs=jobs: events[jobs].append((doc and doc.key, status)))
               for jobs, st in ((1, one), (2, two))}
    r1, r2 = reports[1], reports[2]
    assert (r1.added, r1.unchanged, r1.replaced, len(r1.skipped)) == (13, 2, 1, 2)
    assert r2.summary() == r1.summary() and r2.skipped == r1.skipped
    assert events[2] == events[1]  # the same documents, errors and outcomes in the same order
    assert quads(two) == quads(one)
    again = build(paths[:2], two, jobs=2, now=NOW)
    assert (again.added, again.unchanged) == (0, 11)


def test_cli_jobs_strict_writes_in_input_order_and_matches_the_sequential_build(tmp_path, seeds_dir, seeds_built):
    first = sorted(seeds_dir.glob("*.txt"))[0]
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(first, src / "a.txt")
    (src / "b-binary.txt").write_bytes(b"\x00\x01\x02 not text \xff\xfe" * 20)
    shutil.copy(sorted(seeds_dir.glob("*.txt"))[1], src / "c.txt")
    store = tmp_path / "st"
    res = subprocess.run([sys.executable, "-m", "ddkg", "build", str(src), "--store", str(store), "--jobs", "2",
                          "--strict", "-q"], capture_output=True, text=True)
    assert res.returncode == 1 and "b-binary.txt" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    got, want = GraphStore(store, read_only=True), GraphStore(seeds_built[0], read_only=True)
    docs = got.documents()
    assert [src.rsplit("/", 1)[-1] for _, _, src in docs] == ["a.txt"]  # before the unreadable file, not after
    graph = ox.NamedNode(docs[0][0])
    assert want.document_sha(docs[0][1])
    mine = set(got.store.quads_for_pattern(None, None, None, graph))
    assert mine and mine == set(want.store.quads_for_pattern(None, None, None, graph))


def test_worker_results_are_n_quads_of_the_same_document(seeds_dir):
    from ddkg.graph.build import _extract_here, locator
    from ddkg.graph.parallel import extract_one
    from ddkg.ingest.readers import read_file

    doc = read_file(sorted(seeds_dir.glob("*.txt"))[0])[0]
    doc.key = locator(doc)
    here, there = _extract_here(doc, "0", NOW), extract_one(doc, "0", NOW)
    assert there.quads is None and there.lang == here.lang and there.facts == here.facts
    parsed = set(ox.parse(there.nquads, format=ox.RdfFormat.N_QUADS))
    assert parsed == set(here.quads) and len(parsed) > 100
