"""The unit of input: one article read from a file, a JSONL record or a feed item."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Document:
    """One article.

    ``key`` is a stable locator: the file path as given, plus ``#<record id>`` for a
    record inside a JSONL file or a feed. ``sha256`` is the hex SHA-256 of the exact bytes
    the text came from: the whole file for .txt/.html, the UTF-8 bytes of the record's
    ``text`` for JSONL, the UTF-8 bytes of the item text for a feed item. ``published`` is
    set only from metadata (never guessed from the text).
    """

    key: str
    text: str
    sha256: str
    source: str
    record: str | None = None
    declared_lang: str | None = None
    title: str | None = None
    published: datetime.date | None = None
    url: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class ReadError(Exception):
    """A file (or one record of it) could not be read.

    ``str()`` is one line: ``"<file>: <problem>"`` or ``"<file>:<line>: <problem>"``.
    """

    def __init__(self, file: str, problem: str, line: int | None = None, record: str | None = None):
        self.file = str(file)
        self.problem = " ".join(str(problem).split())
        self.line = line
        self.record = record
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.problem}"

    def __reduce__(self):  # keep pickling (multiprocessing) working with the custom __init__
        return (type(self), (self.file, self.problem, self.line, self.record))
