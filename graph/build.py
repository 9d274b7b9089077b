"""Build: read documents, extract, and write each one to the store as one transaction."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..ingest.documents import Document, ReadError
from ..ingest.pipeline import UnsupportedLanguage, extract
from ..ingest.readers import iter_documents
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


def build(paths: Iterable[str | Path], store: GraphStore, *, strict: bool = False, force: bool = False,
          version: str = "0", progress: Callable[[Document | None, str], None] | None = None) -> BuildReport:
    """Ingest ``paths`` (files or folders) into ``store``, one transaction per document.

    Incremental: a document whose bytes are already stored is skipped; a changed document (same source,
    new bytes) replaces the earlier version's named graph.
    """
    report = BuildReport()
    by_source = store.shas_by_source()

    def skip(msg: str) -> None:
        if strict:
            raise BuildError(msg)
        report.skipped.append(msg)
        if progress:
            progress(None, msg)

    def on_error(err: ReadError) -> None:
        skip(str(err))

    now = dt.datetime.now(dt.UTC)
    for doc in iter_documents(paths, on_error=on_error):
        doc.key = locator(doc)
        if not force and store.document_sha(doc.sha256):
            report.unchanged += 1
            if progress:
                progress(doc, "unchanged")
            continue
        try:
            ex = extract(doc)
        except UnsupportedLanguage as exc:
            skip(str(exc))
            continue
        older = [sha for sha in by_source.get(doc.key, ()) if sha != doc.sha256]
        store.put_document(doc.sha256, extraction_quads(ex, version, now), replaces=older)
        by_source[doc.key] = [doc.sha256]
        if older:
            report.replaced += 1
        report.added += 1
        report.languages[ex.lang] += 1
        for f in ex.facts:
            report.facts[f.kind] += 1
        if progress:
            progress(doc, "added")
    if report.replaced:
        store.collect_garbage()  # what only the replaced versions said about entities
    store.flush()
    return report
