"""Extraction in worker processes for ``ddkg build --jobs N``, results handed back in input order.

Each worker (``spawn``: a fresh interpreter, no inherited store handles or threads) loads the pipelines once and
turns documents into N-Quads; the parent writes them in the order the documents were read. Extraction depends on
nothing but the document (entity identity comes from KB ids and name keys, never from the store), so the store
ends up with the same content whatever the number of workers.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph as ox

from ..ingest.documents import Document

NQUADS = ox.RdfFormat.N_QUADS
BATCH = 4  # documents per worker task
T = TypeVar("T")


@dataclass
class Extracted:
    """What one document yields, ready to store: N-Quads from a worker (``quads`` when extracted in this process),
    or ``error`` (the language is not handled)."""

    nquads: bytes = b""
    lang: str = ""
    facts: list[str] = field(default_factory=list)  # fact kinds, one per fact
    error: str | None = None
    quads: list[ox.Quad] | None = None


def extract_one(doc: Document, version: str, now: dt.datetime) -> Extracted:
    """Extract one document and serialize its quads (what a worker runs)."""
    from ..ingest.pipeline import UnsupportedLanguage, extract
    from .rdf import extraction_quads

    try:
        ex = extract(doc)
    except UnsupportedLanguage as exc:
        return Extracted(error=str(exc))
    data = ox.serialize(extraction_quads(ex, version, now), format=NQUADS)
    return Extracted(data, ex.lang, [f.kind for f in ex.facts])


def extract_many(docs: list[Document], version: str, now: dt.datetime) -> list[Extracted]:
    """:func:`extract_one` on each document: workers get a few documents per task, which halves the time spent
    handing tasks and results between processes."""
    return [extract_one(d, version, now) for d in docs]


def _warm() -> None:
    """Worker start: Ctrl-C is the parent's to handle (it stops the pool); load the KB and the language detector's
    models before the first task."""
    import signal

    from ..ingest.kb import load_kb
    from ..ingest.langid import warm

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    load_kb()
    warm()


def cpu_count() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def ordered(items: Iterable[T], jobs: int, version: str, now: dt.datetime, wanted: Callable[[T], bool],
            window: int | None = None) -> Iterator[tuple[T, Extracted | None]]:
    """``(item, extracted)`` for every item (documents, and whatever else the caller streams along), in input
    order; ``None`` for items ``wanted`` declines, which are not sent to a worker. Documents go to the workers
    :data:`BATCH` at a time. At most ``window`` items are in flight, so memory stays flat on any input size; a
    generous window keeps the other workers busy while the document at the head of the line is a long one (16 per
    worker measured ~15 % faster than 4 on Persian news)."""
    window = window or 16 * jobs
    pending: deque[tuple[T, Future | None, int]] = deque()  # (item, its batch's future, its place in the batch)
    batch: list[T] = []  # items read but not sent yet
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_warm)

    def send() -> None:
        wants = [wanted(it) for it in batch]
        docs = [it for it, w in zip(batch, wants, strict=True) if w]
        fut = pool.submit(extract_many, docs, version, now) if docs else None
        k = 0
        for it, w in zip(batch, wants, strict=True):
            pending.append((it, fut, k) if w else (it, None, -1))
            k += w
        batch.clear()

    def head() -> tuple[T, Extracted | None]:
        it, fut, k = pending.popleft()
        return it, fut.result()[k] if fut is not None else None

    try:
        for item in items:
            batch.append(item)
            if len(batch) >= BATCH:
                send()
            while len(pending) > window or (pending and pending[0][1] is None):
                yield head()
        send()
        while pending:
            yield head()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
