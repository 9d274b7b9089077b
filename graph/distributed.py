"""Scale-out on Dask distributed: the cluster extracts, one machine merges.

First pass (:func:`shard`, ``ddkg shard``): the client reads the input in order and sends batches of documents to
the cluster; each task extracts its batch and writes one N-Quads shard (``batch-NNNNNN.nq.gz``) plus an index
(``batch-NNNNNN.json``: per document its input position, source, sha256, language, fact kinds and byte range in
the shard). ``manifest.json`` records the plan (inputs, batch size, extractor version, extraction time) and the
read errors; a second run into the same folder redoes only the batches that are missing or changed.

Second pass (:func:`merge`, ``ddkg merge``): the shards are written into a store in input order with the same
code as ``ddkg build`` (one transaction per document, a document already stored is left alone, a changed source
replaces its earlier version, garbage collection of entity descriptions at the end), so the store content
equals a single-process build of the same input. That holds across shards because extraction needs nothing
but its document: entities are named by KB ids or name keys, article-local nodes (people known only by
surname, generic weapon classes and agreements, unnamed events) carry the document's sha256 in their key, and
what several documents say of one entity (labels, KB facts) lands once in the entity graph as a set union.
What does depend on other documents is settled here: a document met twice (same bytes, two sources) keeps its
first source, and a source met twice keeps its last version, exactly as in a sequential build.

Workers need the ``ddkg`` package installed and the shard folder on a file system they share with the client.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..ingest.documents import Document, ReadError
from .build import BuildReport, _stream, finish, write
from .parallel import Extracted, cpu_count, extract_one
from .store import GraphStore

FORMAT = "ddkg-shards/1"
MANIFEST = "manifest.json"


class ShardError(RuntimeError):
    """The shard folder or the cluster cannot be used; the message says why in one line."""


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _batch_name(n: int) -> str:
    return f"batch-{n:06d}"


def extract_batch(number: int, docs: list[tuple[int, Document]], out_dir: str, version: str,
                  now: dt.datetime) -> dict:
    """Extract one batch on a worker and write its shard and index; returns the index."""
    out = Path(out_dir)
    parts, entries, offset = [], [], 0
    for pos, doc in docs:
        res = extract_one(doc, version, now)
        entries.append({"pos": pos, "key": doc.key, "source": doc.source, "sha256": doc.sha256, "lang": res.lang,
                        "facts": res.facts, "error": res.error, "offset": offset, "length": len(res.nquads)})
        parts.append(res.nquads)
        offset += len(res.nquads)
    name = _batch_name(number)
    _write_atomic(out / f"{name}.nq.gz", gzip.compress(b"".join(parts), compresslevel=3, mtime=0))
    index = {"batch": number, "documents": entries}
    _write_atomic(out / f"{name}.json", json.dumps(index, ensure_ascii=False).encode())
    return index


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ShardError(f"{path}: unreadable ({exc})") from None


def _plan(paths: Iterable[str | Path], batch_size: int, version: str) -> dict:
    return {"format": FORMAT, "inputs": [os.path.abspath(p) for p in paths], "batch_size": batch_size,
            "version": version}


def _batches(items: Iterator[Document | ReadError], size: int, errors: list) -> Iterator[list[tuple[int, Document]]]:
    batch: list[tuple[int, Document]] = []
    for pos, item in enumerate(items):
        if isinstance(item, ReadError):
            errors.append([pos, str(item)])
            continue
        batch.append((pos, item))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _client(scheduler: str | None, workers: int):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ShardError("Dask is not installed: pip install 'ddkg[dist]'") from None
    if scheduler:
        try:
            return Client(scheduler, timeout="30s"), None
        except (OSError, TimeoutError) as exc:
            raise ShardError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster), cluster


def _result(fut) -> dict:
    """A task's index; its exception is raised here, a lost worker as a :class:`ShardError`."""
    try:
        return fut.result()
    except Exception as exc:
        if type(exc).__name__ == "KilledWorker":
            raise ShardError(f"Dask workers died running a batch ({exc}); out of memory? try a smaller "
                             "--batch-size") from None
        raise


def shard(paths: Iterable[str | Path], out_dir: str | os.PathLike, *, client=None, scheduler: str | None = None,
          workers: int | None = None, batch_size: int = 100, version: str = "0", now: dt.datetime | None = None,
          progress: Callable[[int, int], None] | None = None) -> dict:
    """Extract ``paths`` on a Dask cluster into shards under ``out_dir``; returns the manifest.

    The cluster is ``client`` (a ``dask.distributed.Client``), else the scheduler at ``scheduler``, else a local
    cluster of ``workers`` processes (default: one per CPU) started and stopped here. ``progress(done, total)``
    is called as batches finish (``total`` grows while the input is read).
    """
    if batch_size < 1:
        raise ShardError(f"batch size must be at least 1, not {batch_size}")
    paths = list(paths)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ShardError(f"{out}: cannot create the shard folder ({exc.strerror or exc})") from None
    plan = _plan(paths, batch_size, version)
    old = _read_json(out / MANIFEST)
    if old is not None and {k: old.get(k) for k in plan} != plan:
        raise ShardError(f"{out}: holds shards of another run (other inputs, batch size or version); "
                         "use an empty folder")
    when = dt.datetime.fromisoformat(old["now"]) if old else (now or dt.datetime.now(dt.UTC))
    manifest = {**plan, "now": when.isoformat(), "complete": False}
    _write_atomic(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())

    own = None
    if client is None:
        client, own = _client(scheduler, workers or cpu_count())
    try:
        from dask.distributed import wait

        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        window = 2 * n_workers
        errors: list = []
        pending: set = set()
        done = total = documents = 0
        for number, batch in enumerate(_batches(_stream(paths), batch_size, errors)):
            total += 1
            documents += len(batch)
            index = _read_json(out / f"{_batch_name(number)}.json")
            if (index is not None and (out / f"{_batch_name(number)}.nq.gz").is_file()
                    and [e["sha256"] for e in index["documents"]] == [d.sha256 for _, d in batch]
                    and [e["pos"] for e in index["documents"]] == [p for p, _ in batch]):
                done += 1  # written by an earlier run of the same plan
                continue
            pending.add(client.submit(extract_batch, number, batch, str(out.resolve()), version, when, pure=False))
            while len(pending) >= window:
                finished, pending = wait(pending, return_when="FIRST_COMPLETED")
                for fut in finished:
                    _result(fut)
                done += len(finished)
                if progress:
                    progress(done, total)
        for fut in pending:
            _result(fut)
            done += 1
            if progress:
                progress(done, total)
    finally:
        if own is not None:
            client.close()
            own.close()
    manifest.update(batches=total, documents=documents, errors=errors, complete=True)
    _write_atomic(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    return manifest


def read_shards(shard_dir: str | os.PathLike) -> Iterator[tuple[dict, bytes] | str]:
    """The shard folder's content in input order: ``(entry, nquads)`` per document, the message of each read
    error where it occurred."""
    src = Path(shard_dir)
    manifest = _read_json(src / MANIFEST)
    if manifest is None or manifest.get("format") != FORMAT:
        raise ShardError(f"{src}: no shards there (no {MANIFEST} written by `ddkg shard`)")
    if not manifest.get("complete"):
        raise ShardError(f"{src}: the shards are incomplete; run `ddkg shard` again with the same inputs to finish")
    errors = sorted(manifest.get("errors", []))
    k = 0
    for number in range(manifest["batches"]):
        name = _batch_name(number)
        index = _read_json(src / f"{name}.json")
        if index is None:
            raise ShardError(f"{src}: {name}.json is missing; run `ddkg shard` again with the same inputs")
        try:
            data = gzip.decompress((src / f"{name}.nq.gz").read_bytes())
        except (OSError, EOFError) as exc:
            raise ShardError(f"{src / name}.nq.gz: unreadable ({exc})") from None
        for entry in index["documents"]:
            while k < len(errors) and errors[k][0] < entry["pos"]:
                yield errors[k][1]
                k += 1
            yield entry, data[entry["offset"]: entry["offset"] + entry["length"]]
    for _, msg in errors[k:]:
        yield msg


def merge(shard_dir: str | os.PathLike, store: GraphStore, *, strict: bool = False, force: bool = False,
          progress: Callable[[Document | None, str], None] | None = None) -> BuildReport:
    """Second pass: write the shards into ``store`` in input order, as ``ddkg build`` would have."""
    report = BuildReport()
    by_source = store.shas_by_source()

    def skip(msg: str) -> None:
        report.skip(msg, strict, progress)

    for item in read_shards(shard_dir):
        if isinstance(item, str):
            skip(item)
            continue
        e, nquads = item
        doc = Document(key=e["key"], text="", sha256=e["sha256"], source=e["source"])
        if not force and store.document_sha(e["sha256"]):
            report.unchanged += 1
            if progress:
                progress(doc, "unchanged")
        elif e["error"]:
            skip(e["error"])
        else:
            write(store, e["key"], e["sha256"], Extracted(nquads, e["lang"], e["facts"]), by_source, report)
            if progress:
                progress(doc, "added")
    finish(store, report)
    return report

