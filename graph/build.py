"""Build: read documents, extract, and write each one to the store as one transaction."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from ..ingest.documents import Document, ReadError
from ..ingest.langid import warm
from ..ingest.pipeline import UnsupportedLanguage, extract
from ..ingest.readers import iter_documents
from . import parallel
from .parallel import Extracted
from .rdf import extraction_quads
from .store import GraphStore


@dataclass
class BuildReport:
    added: int = 0
    replaced: int = 0  # added documents that replaced an earlier version of the same source
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # one line each: "<file>: <problem>"
    facts: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [f"{self.added} document(s) added", f"{self.replaced} replaced", f"{self.unchanged} unchanged",
                 f"{len(self.skipped)} skipped"]
        facts = ", ".join(f"{k} {v}" for k, v in sorted(self.facts.items()))
        why = ", ".join(f"{r} {n}" for r, n in self.skip_reasons().most_common())
        return "; ".join(parts) + (f" ({why})" if why else "") + (f"; facts: {facts}" if facts else "")

    def skip(self, msg: str, strict: bool = False,
             progress: Callable[[Document | None, str], None] | None = None) -> None:
        """Record a file or record that could not be used (``msg``: one line); with ``strict``, stop instead."""
        if strict:
            raise BuildError(msg)
        self.skipped.append(msg)
        if progress:
            progress(None, msg)

    def skip_reasons(self) -> Counter:
        """How many files or records were skipped for each kind of problem."""
        out: Counter = Counter()
        for msg in self.skipped:
            problem = msg.split(": ", 1)[-1]
            out[re.sub(r"\s*\(.*\)$", "", problem)] += 1
        return out


class BuildError(RuntimeError):
    """A file could not be processed and ``strict`` was asked for."""


def locator(doc: Document) -> str:
    """Where a document came from, independent of the working directory: absolute path, ``#record``."""
    path = os.path.abspath(doc.source)
    return f"{path}#{doc.record}" if doc.record else path


def _stream(paths: Iterable[str | Path]) -> Iterator[Document | ReadError]:
    """Documents (keyed by :func:`locator`) and read errors, in the order they are met."""
    errors: list[ReadError] = []
    for doc in iter_documents(paths, on_error=errors.append):
        yield from errors
        errors.clear()
        doc.key = locator(doc)
        yield doc
    yield from errors


def _extract_here(doc: Document, version: str, now: dt.datetime) -> Extracted:
    warm()  # the language detector's models load before the first document, as in worker processes
    try:
        ex = extract(doc)
    except UnsupportedLanguage as exc:
        return Extracted(error=str(exc))
    return Extracted(lang=ex.lang, facts=[f.kind for f in ex.facts], quads=extraction_quads(ex, version, now))


def build(paths: Iterable[str | Path], store: GraphStore, *, strict: bool = False, force: bool = False,
          version: str = "0", progress: Callable[[Document | None, str], None] | None = None, jobs: int = 1,
          now: dt.datetime | None = None) -> BuildReport:
    """Ingest ``paths`` (files or folders) into ``store``, one transaction per document.

    Incremental: a document whose bytes are already stored is skipped; a changed document (same source,
    new bytes) replaces the earlier version's named graph. ``jobs`` > 1 extracts in that many worker
    processes; documents are still written in input order, so the store content does not depend on ``jobs``.
    ``now`` is the extraction time recorded (prov:endedAtTime); default: the current time.
    """
    report = BuildReport()
    by_source = store.shas_by_source()
    now = now or dt.datetime.now(dt.UTC)

    def skip(msg: str) -> None:
        report.skip(msg, strict, progress)

    def wanted(item: Document | ReadError) -> bool:
        return isinstance(item, Document) and (force or not store.document_sha(item.sha256))

    items = _stream(paths)
    if jobs > 1:
        results = parallel.ordered(items, jobs, version, now, wanted)
    else:
        results = ((it, _extract_here(it, version, now) if wanted(it) else None) for it in items)
    try:
        for item, res in results:
            if isinstance(item, ReadError):
                skip(str(item))
            elif res is None or (not force and store.document_sha(item.sha256)):  # stored, maybe earlier this run
                report.unchanged += 1
                if progress:
                    progress(item, "unchanged")
            elif res.error:
                skip(res.error)
            else:
                write(store, item.key, item.sha256, res, by_source, report)
                if progress:
                    progress(item, "added")
    except BrokenProcessPool as exc:
        raise BuildError(f"an extraction worker process died ({exc}); out of memory? try fewer --jobs") from None
    finish(store, report)
    return report


def write(store: GraphStore, key: str, sha256: str, res: Extracted, by_source: dict[str, list[str]],
          report: BuildReport) -> None:
    """Store one extracted document in one transaction, replacing earlier versions of the same source."""
    older = [sha for sha in by_source.get(key, ()) if sha != sha256]
    store.put_document(sha256, res.quads if res.quads is not None else res.nquads, replaces=older)
    by_source[key] = [sha256]
    if older:
        report.replaced += 1
    report.added += 1
    report.languages[res.lang] += 1
    for kind in res.facts:
        report.facts[kind] += 1


def finish(store: GraphStore, report: BuildReport) -> None:
    if report.replaced:
        store.collect_garbage()  # what only the replaced versions said about entities
    store.flush()
