"""Build: read documents, extract, and write each one to the store as one transaction."""

from __future__ import annotations

import datetime as dt
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
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # one line each: "<file>: <problem>"
    facts: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [f"{self.added} document(s) added", f"{self.unchanged} unchanged", f"{len(self.skipped)} skipped"]
        facts = ", ".join(f"{k} {v}" for k, v in sorted(self.facts.items()))
        return "; ".join(parts) + (f"; facts: {facts}" if facts else "")


class BuildError(RuntimeError):
    """A file could not be processed and ``strict`` was asked for."""


def build(paths: Iterable[str | Path], store: GraphStore, *, strict: bool = False, force: bool = False,
          version: str = "0", progress: Callable[[Document | None, str], None] | None = None) -> BuildReport:
    """Ingest ``paths`` (files or folders) into ``store``; unchanged documents are skipped."""
    report = BuildReport()

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
        store.put_document(doc.sha256, extraction_quads(ex, version, now))
        report.added += 1
        report.languages[ex.lang] += 1
        for f in ex.facts:
            report.facts[f.kind] += 1
        if progress:
            progress(doc, "added")
    store.flush()
    return report
