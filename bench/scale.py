"""Scale measurements (not a test). Each sub-command measures one thing and prints one JSON object;
``bench/run_all.py`` runs them in fresh processes and writes ``bench/RESULTS.md``.

    python bench/scale.py tokenizer --lang ar --n 300
    python bench/scale.py build --lang ar --n 300 --jobs 2 --store /tmp/st
    python bench/scale.py queries --store /tmp/st
    python bench/scale.py distributed --n 500 --workers 2
    python bench/scale.py push --store /tmp/st
    python bench/scale.py profile --lang ar --n 60
    python bench/scale.py stages --lang ar --n 300

Inputs are the first N articles of ``../shared/corpora/news/<lang>/sample_<lang>.jsonl.gz`` (random samples of
the sources; see their SOURCE.md), copied to a temporary JSONL file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora" / "news"
NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def sample(lang: str, n: int, dest: Path, kind: str = "sample", skip: int = 0) -> Path:
    """The first ``n`` records (after ``skip``) of a language's corpus file, as one JSONL file."""
    src = CORPORA / lang / (f"sample_{lang}.jsonl.gz" if kind == "sample" else f"defense_{lang}.jsonl")
    opener = gzip.open if src.suffix == ".gz" else open
    lines = []
    with opener(src, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i < skip:
                continue
            if len(lines) == n:
                break
            lines.append(line.rstrip("\n"))
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / f"{kind}_{lang}_{skip}_{n}.jsonl"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def texts(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def cpu_s() -> float:
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


# -- tokenizer ceiling ------------------------------------------------------------------------------------------
def cmd_tokenizer(args) -> dict:
    import spacy

    with tempfile.TemporaryDirectory() as tmp:
        docs = texts(sample(args.lang, args.n, Path(tmp)))
    nlp = spacy.blank(args.lang)
    nlp.tokenizer(docs[0])
    best = None
    for _ in range(3):  # best of three: the ceiling
        t = time.perf_counter()
        tokens = sum(len(nlp.tokenizer(x)) for x in docs)
        took = time.perf_counter() - t
        best = took if best is None else min(best, took)
    return {"lang": args.lang, "docs": len(docs), "chars": sum(map(len, docs)), "tokens": tokens, "seconds": best,
            "docs_per_s": len(docs) / best, "tokens_per_s": tokens / best}


# -- full pipeline ----------------------------------------------------------------------------------------------
def cmd_build(args) -> dict:
    import gc

    import psutil
    import pyoxigraph as ox
    from ddkg.graph.build import build
    from ddkg.graph.store import GraphStore

    tmp = Path(tempfile.mkdtemp())
    try:
        inp = tmp / "in"
        for lang in ("ar", "en", "fa") if args.lang == "mix" else (args.lang,):
            sample(lang, args.n, inp)
        store_dir = Path(args.store) if args.store else tmp / "store"
        if store_dir.exists():
            shutil.rmtree(store_dir)
        store = GraphStore(store_dir)
        proc = psutil.Process()
        marks: list[tuple[float, int, float]] = []  # (time, documents written, parent RSS MB)
        cpu_marks: list[float] = []  # CPU seconds of this process and its workers at the first and last document
        written = 0

        def tree_cpu() -> float:
            total = 0.0
            for pr in [proc, *proc.children(recursive=True)]:
                try:
                    t = pr.cpu_times()
                    total += t.user + t.system
                except psutil.Error:
                    pass
            return total

        def progress(doc, status):
            nonlocal written
            if doc is not None and status == "added":
                written += 1
                marks.append((time.perf_counter(), written, proc.memory_info().rss / 2**20))
                cpu_marks[written > 1:] = [tree_cpu()]  # [first, latest]

        load0 = os.getloadavg()[0]
        c0, t0 = cpu_s(), time.perf_counter()
        report = build([inp], store, jobs=args.jobs, now=NOW, progress=progress)
        t1 = time.perf_counter()
        store.flush()
        cpu = cpu_s() - c0
        load1 = os.getloadavg()[0]
        n = report.added
        first = marks[0][0] if marks else t1
        steady = (n - 1) / (t1 - first) if n > 1 and t1 > first else 0.0
        half = marks[len(marks) // 2:]
        slope = 0.0
        if len(half) >= 10:  # parent memory growth per document, second half of the run
            xs, ys = [m[1] for m in half], [m[2] for m in half]
            slope = statistics.linear_regression(xs, ys).slope
        quads = len(store)
        del store
        gc.collect()
        size = du(store_dir)
        reopened = ox.Store(str(store_dir))  # the write-ahead log folds into the tables
        reopened.optimize()
        reopened.flush()
        del reopened
        gc.collect()
        compact = du(store_dir)
        return {"lang": args.lang, "jobs": args.jobs, "docs": n, "skipped": len(report.skipped),
                "seconds": t1 - t0, "startup_s": first - t0, "docs_per_s": n / (t1 - t0), "steady_docs_per_s": steady,
                "cpu_s": cpu, "cpu_per_doc_ms": 1000 * cpu / max(n, 1), "load_before": load0, "load_after": load1,
                "peak_rss_mb": maxrss_mb(resource.RUSAGE_SELF),
                "peak_worker_rss_mb": maxrss_mb(resource.RUSAGE_CHILDREN),
                "steady_cpu_per_doc_ms": (1000 * (cpu_marks[-1] - cpu_marks[0]) / (n - 1)
                                          if len(cpu_marks) == 2 and n > 1 else float("nan")),
                "rss_mb_per_1k_docs": slope * 1000, "quads": quads, "store_bytes": size,
                "store_bytes_reopened": compact,
                "facts": sum(report.facts.values())}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- named queries ----------------------------------------------------------------------------------------------
RAW_CLI = ("import sys, pyoxigraph as ox\n"
           "st = ox.Store.read_only(sys.argv[1])\n"
           "res = st.query(open(sys.argv[2], encoding='utf-8').read(), use_default_graph_as_union=True)\n"
           "sys.stdout.write(res.serialize(format=ox.QueryResultsFormat.CSV).decode())\n")


def _median_time(fn, k: int, least: float = 0.0) -> float:
    """Median over ``k`` samples of one call's time; a sample repeats the call until ``least`` seconds passed."""
    times = []
    for _ in range(k):
        reps, t = 0, time.perf_counter()
        while True:
            fn()
            reps += 1
            took = time.perf_counter() - t
            if took >= least:
                break
        times.append(took / reps)
    return statistics.median(times)


def cmd_queries(args) -> dict:
    from ddkg.graph.query import library, named, run
    from ddkg.graph.store import GraphStore

    store = GraphStore(args.store, read_only=True)
    raw = store.store  # the same pyoxigraph Store: only ddkg's layer differs
    out = {"quads": len(store), "documents": len(store.documents()), "queries": []}
    tmp = Path(tempfile.mkdtemp())
    try:
        for name in library():
            text = named(name)
            rows = len(list(run(store, text)))  # warm both paths (caches, pages)
            list(raw.query(text, use_default_graph_as_union=True))
            lib_s, raw_s = [], []
            for i in range(args.k):  # interleaved, in alternating order, so load changes hit both alike
                pair = [(lib_s, lambda q=text: list(run(store, q))),
                        (raw_s, lambda q=text: list(raw.query(q, use_default_graph_as_union=True)))]
                for times, fn in pair if i % 2 else pair[::-1]:
                    times.append(_median_time(fn, 1, least=0.05))
            qfile = tmp / f"{name}.rq"
            qfile.write_text(text, encoding="utf-8")
            cli = [sys.executable, "-m", "ddkg", "query", "--store", args.store, "--name", name, "--format", "csv"]
            rawcli = [sys.executable, "-c", RAW_CLI, args.store, str(qfile)]
            cli_s, rawcli_s = [], []
            for _ in range(args.cli_k):
                cli_s.append(_median_time(lambda c=cli: subprocess.run(c, capture_output=True, check=True), 1))
                rawcli_s.append(_median_time(lambda c=rawcli: subprocess.run(c, capture_output=True, check=True), 1))
            lib, rawm = statistics.median(lib_s), statistics.median(raw_s)
            out["queries"].append({"name": name, "rows": rows, "lib_ms": 1000 * lib, "raw_ms": 1000 * rawm,
                                   "ratio": lib / rawm if rawm else 1.0,
                                   "cli_ms": 1000 * statistics.median(cli_s),
                                   "raw_cli_ms": 1000 * statistics.median(rawcli_s),
                                   "cli_ratio": statistics.median(cli_s) / statistics.median(rawcli_s)})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


# -- distributed vs sequential ----------------------------------------------------------------------------------
def cmd_distributed(args) -> dict:
    from dask.distributed import Client, LocalCluster
    from ddkg.graph.build import build
    from ddkg.graph.distributed import merge, shard
    from ddkg.graph.store import GraphStore

    tmp = Path(tempfile.mkdtemp())
    try:
        inp = tmp / "in"
        per = [args.n // 3 + (1 if i < args.n % 3 else 0) for i in range(3)]
        for lang, k in zip(("ar", "en", "fa"), per, strict=True):
            sample(lang, k // 2, inp, kind="defense")
            sample(lang, k - k // 2, inp, skip=1000)  # articles the throughput runs do not read
        paths = [REPO / "ddkg" / "examples", inp]
        t = time.perf_counter()
        seq = GraphStore(tmp / "seq")
        want = build(paths, seq, now=NOW)
        seq_s = time.perf_counter() - t
        t = time.perf_counter()
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        up_s = time.perf_counter() - t
        t = time.perf_counter()
        man = shard(paths, tmp / "shards", client=client, batch_size=args.batch_size, now=NOW)
        shard_s = time.perf_counter() - t
        client.close()
        cluster.close()
        t = time.perf_counter()
        dist = GraphStore(tmp / "dist")
        got = merge(tmp / "shards", dist)
        merge_s = time.perf_counter() - t
        a, b = {str(q) for q in seq.store}, {str(q) for q in dist.store}
        return {"documents": want.added, "unchanged": want.unchanged, "skipped": len(want.skipped),
                "batches": man["batches"],
                "workers": args.workers, "same_report": got.summary() == want.summary(), "same_quads": a == b,
                "quads": len(a), "only_sequential": len(a - b), "only_distributed": len(b - a),
                "sequential_s": seq_s, "cluster_start_s": up_s, "shard_s": shard_s, "merge_s": merge_s,
                "merge_docs_per_s": got.added / merge_s if merge_s else 0.0,
                "shard_bytes": du(tmp / "shards"), "load": os.getloadavg()[0]}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- push -------------------------------------------------------------------------------------------------------
def cmd_push(args) -> dict:
    import select

    from ddkg.graph.push import push
    from ddkg.graph.store import GraphStore

    tmp = Path(tempfile.mkdtemp())
    proc = subprocess.Popen([sys.executable, "-m", "ddkg", "serve", "--store", str(tmp / "remote"), "--port", "0",
                             "--write-token", "t", "-q", "--timeout", "300"], stdout=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        url = re.search(r"(http://\S+)/sparql", proc.stdout.readline() if ready else "").group(1) + "/data"
        store = GraphStore(args.store, read_only=True)
        t = time.perf_counter()
        rep = push(store, url, token="t", state=tmp / "state.jsonl")
        took = time.perf_counter() - t
        t = time.perf_counter()
        again = push(store, url, token="t", state=tmp / "state.jsonl")
        again_s = time.perf_counter() - t
        return {"documents": len(store.documents()), "graphs": rep.graphs, "requests": rep.requests,
                "triples": rep.triples, "mb": rep.bytes / 1e6, "seconds": took, "graphs_per_s": rep.graphs / took,
                "triples_per_s": rep.triples / took, "resume_check_s": again_s, "resent": again.graphs}
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


# -- memory of the store as it fills -----------------------------------------------------------------------------
def cmd_rss(args) -> dict:
    """RSS of a process that only inserts quads into an on-disk pyoxigraph store (one transaction per 10,000
    quads, shaped like mention nodes), sampled as it fills: the store's own memory, apart from any extraction."""
    import psutil
    import pyoxigraph as ox

    tmp = Path(tempfile.mkdtemp())
    try:
        st = ox.Store(str(tmp / "st"))
        proc = psutil.Process()
        ont = "https://w3id.org/ddkg/ontology#"
        preds = [ox.NamedNode(ont + p) for p in ("denotes", "anchorText", "startOffset", "endOffset", "rule")]
        points, done, k = [], 0, 0
        every = max(10_000, args.quads // 10)
        t = time.perf_counter()
        while done < args.quads:
            g = ox.NamedNode(f"https://w3id.org/ddkg/doc/{k:024x}")
            batch = []
            for i in range(2000):
                node = ox.NamedNode(f"{g.value}#m{i}")
                ent = ox.NamedNode(f"https://w3id.org/ddkg/id/person/p{(k * 7 + i) % 50000}")
                batch += [ox.Quad(node, preds[0], ent, g),
                          ox.Quad(node, preds[1], ox.Literal(f"name {k} {i}"), g),
                          ox.Quad(node, preds[2], ox.Literal(str(i * 10)), g),
                          ox.Quad(node, preds[3], ox.Literal(str(i * 10 + 7)), g),
                          ox.Quad(node, preds[4], ox.Literal("gazetteer"), g)]
            st.extend(batch)
            done += len(batch)
            k += 1
            if done % every < len(batch):
                points.append((done, proc.memory_info().rss / 2**20))
        took = time.perf_counter() - t
        del st
        return {"points": points, "seconds": took}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- cost of each stage ------------------------------------------------------------------------------------------
def cmd_stages(args) -> dict:
    """Milliseconds per document of each stage of the pipeline, measured like the tokenizer ceiling: on texts in
    memory, caches warm (the best of two passes), one stage at a time. The full-pipeline bar allows 3 x the
    tokenizer's time per document; the stages show what each costs against that budget."""
    import spacy
    from ddkg.graph.build import locator
    from ddkg.graph.rdf import extraction_quads
    from ddkg.graph.store import GraphStore
    from ddkg.ingest.components import extraction_nlp
    from ddkg.ingest.ner import model_for, recognize
    from ddkg.ingest.pipeline import _sentences_and_tokens, extract
    from ddkg.ingest.readers import iter_documents

    tmp = Path(tempfile.mkdtemp())
    try:
        docs = list(iter_documents([sample(args.lang, args.n, tmp / "in")]))
        for d in docs:
            d.key = locator(d)
        texts_ = [d.text for d in docs]
        nlp, xnlp = spacy.blank(args.lang), extraction_nlp(args.lang)
        sents = [_sentences_and_tokens(xnlp(t), t)[0] for t in texts_]
        exs = [extract(d) for d in docs]
        quads = [list(extraction_quads(ex, "0", NOW)) for ex in exs]

        def best(fn) -> float:
            times = []
            for _ in range(2):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            return 1000 * min(times) / len(docs)

        def write() -> None:
            store = GraphStore(tmp / f"store{time.perf_counter_ns()}")
            for d, q in zip(docs, quads, strict=True):
                store.put_document(d.sha256, q)
            store.store.flush()

        ms = {
            "tokenizer": best(lambda: [nlp.tokenizer(t) for t in texts_]),
            "tagging": best(lambda: [xnlp(t) for t in texts_]),
            "ner": best(lambda: [recognize(t, s, args.lang) for t, s in zip(texts_, sents, strict=True)])
            if model_for(args.lang) is not None else 0.0,
            "extract": best(lambda: [extract(d) for d in docs]),
            "rdf": best(lambda: [list(extraction_quads(ex, "0", NOW)) for ex in exs]),
            "store_write": best(write),
        }
        return {"lang": args.lang, "docs": len(docs), "quads_per_doc": sum(map(len, quads)) / len(docs),
                "ms_per_doc": ms, "budget_ms": 3 * ms["tokenizer"]}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- where the time goes ----------------------------------------------------------------------------------------
def cmd_profile(args) -> dict:
    import cProfile
    import pstats

    from ddkg.graph.build import locator
    from ddkg.graph.rdf import extraction_quads
    from ddkg.ingest.langid import warm
    from ddkg.ingest.pipeline import extract
    from ddkg.ingest.readers import iter_documents

    with tempfile.TemporaryDirectory() as tmp:
        docs = list(iter_documents([sample(args.lang, args.n + 1, Path(tmp))]))
    for d in docs:
        d.key = locator(d)
    warm()  # loading is not profiled: the language detector's models (as build loads them) and the pipelines
    extract(docs[0])
    prof = cProfile.Profile()
    prof.enable()
    for d in docs[1:]:
        extraction_quads(extract(d), "0", NOW)
    prof.disable()
    st = pstats.Stats(prof)
    total = sum(v[2] for v in st.stats.values())  # total of own times
    rows = []
    for (file, line, fn), (_, _, tt, ct, _) in st.stats.items():
        rel = file.replace(str(REPO) + "/", "").split("site-packages/")[-1]
        rows.append({"function": f"{rel}:{line}({fn})", "own_s": tt, "cumulative_s": ct})
    own = sorted(rows, key=lambda r: -r["own_s"])[: args.top]
    cumulative = sorted((r for r in rows if r["function"].startswith(("ingest/", "graph/"))),
                        key=lambda r: -r["cumulative_s"])[: args.top]
    return {"lang": args.lang, "docs": len(docs) - 1, "total_s": total, "own": own, "cumulative": cumulative}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("tokenizer")
    p.add_argument("--lang", required=True)
    p.add_argument("--n", type=int, default=300)
    p = sub.add_parser("build")
    p.add_argument("--lang", required=True, help="ar, en, fa or mix (N of each)")
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--store", help="Keep the store here (replaced if present).")
    p = sub.add_parser("queries")
    p.add_argument("--store", required=True)
    p.add_argument("--k", type=int, default=15)
    p.add_argument("--cli-k", type=int, default=3)
    p = sub.add_parser("distributed")
    p.add_argument("--n", type=int, default=500)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=25)
    p = sub.add_parser("push")
    p.add_argument("--store", required=True)
    p = sub.add_parser("rss")
    p.add_argument("--quads", type=int, default=4_000_000)
    p = sub.add_parser("stages")
    p.add_argument("--lang", required=True)
    p.add_argument("--n", type=int, default=300)
    p = sub.add_parser("profile")
    p.add_argument("--lang", required=True)
    p.add_argument("--n", type=int, default=60)
    p.add_argument("--top", type=int, default=8)
    args = ap.parse_args(argv)
    result = globals()[f"cmd_{args.cmd}"](args)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
