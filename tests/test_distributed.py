"""Scale-out on Dask: extraction on a (local) cluster into N-Quads shards, merged into the store of a sequential
build. The 500-article comparison runs in bench/distributed_check.py (its result is in bench/RESULTS.md)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pyoxigraph as ox
import pytest
from ddkg.graph.build import build
from ddkg.graph.distributed import MANIFEST, ShardError, merge, shard
from ddkg.graph.store import GraphStore
from test_parallel import awkward_inputs, quads

distributed = pytest.importorskip("dask.distributed")
ENDED = ox.NamedNode("http://www.w3.org/ns/prov#endedAtTime")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_cli_shard_on_a_cluster_then_merge_gives_the_sequential_seed_store(tmp_path, seeds_dir, seeds_built, client):
    shards, store = tmp_path / "shards", tmp_path / "st"
    res = subprocess.run([sys.executable, "-m", "ddkg", "shard", str(seeds_dir), "--out", str(shards),
                          "--scheduler", client.scheduler.address, "--batch-size", "2", "-q"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("5 document(s) in 3 shard(s), 0 unreadable")
    res = subprocess.run([sys.executable, "-m", "ddkg", "merge", str(shards), "--store", str(store), "-q"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("5 document(s) added")
    got, want = GraphStore(store, read_only=True), GraphStore(seeds_built[0], read_only=True)
    assert quads(got, drop_time=True) == quads(want, drop_time=True)
    # one extraction time for the whole run, whichever worker did the document
    assert len({q.object for q in got.store.quads_for_pattern(None, ENDED, None)}) == 1


def test_shards_merge_like_a_sequential_build_across_batches(tmp_path, seeds_dir, client):
    """Same bytes under two names, an unreadable file, an unhandled language, a record id used twice: the merge
    settles them across shards exactly as the sequential build does."""
    now = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
    paths = [awkward_inputs(tmp_path / "odd", seeds_dir)]
    seq = GraphStore(tmp_path / "seq")
    want = build(paths, seq, now=now)
    assert (want.added, want.unchanged, want.replaced, len(want.skipped)) == (3, 1, 1, 2)
    man = shard(paths, tmp_path / "shards", client=client, batch_size=2, now=now)
    assert (man["batches"], man["documents"], len(man["errors"])) == (3, 5, 1)
    dist = GraphStore(tmp_path / "dist")
    got = merge(tmp_path / "shards", dist)
    assert got.summary() == want.summary() and got.skipped == want.skipped
    assert quads(dist) == quads(seq)
    again = merge(tmp_path / "shards", dist)
    assert (again.added, again.unchanged) == (2, 2)  # as a rebuild: the replaced record version comes back
    assert quads(dist) == quads(seq)

    # a second run of the same plan redoes only what is missing
    (tmp_path / "shards" / "batch-000001.json").unlink()
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "shards").glob("batch-*")}
    calls: list = []
    shard(paths, tmp_path / "shards", client=client, batch_size=2, progress=lambda d, t: calls.append(d))
    after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "shards").glob("batch-*")}
    assert {n for n in after if after[n] != before.get(n)} == {"batch-000001.json", "batch-000001.nq.gz"}
    assert json.loads((tmp_path / "shards" / MANIFEST).read_text())["now"] == now.isoformat()
    fresh = GraphStore(tmp_path / "fresh")
    merge(tmp_path / "shards", fresh)
    assert quads(fresh) == quads(seq)


def test_bad_shard_folders_fail_with_one_line(tmp_path, seeds_dir, client):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ShardError, match="no shards there"):
        merge(tmp_path / "empty", GraphStore())
    first = sorted(seeds_dir.glob("*.txt"))[0]
    shard([first], tmp_path / "sh", client=client, batch_size=1)
    with pytest.raises(ShardError, match="shards of another run"):
        shard([first], tmp_path / "sh", client=client, batch_size=5)
    m = json.loads((tmp_path / "sh" / MANIFEST).read_text())
    (tmp_path / "sh" / MANIFEST).write_text(json.dumps({**m, "complete": False}))
    with pytest.raises(ShardError, match="incomplete"):
        merge(tmp_path / "sh", GraphStore())
    with pytest.raises(ShardError, match="batch size"):
        shard([first], tmp_path / "other", client=client, batch_size=0)
