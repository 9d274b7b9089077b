"""What extraction produces: mentions, entities and facts, each with its evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

from .documents import Document


@dataclass(slots=True)
class Evidence:
    sent: int  # sentence index in the document
    start: int  # sentence offsets in the document text
    end: int
    rule: str
    conf: float


@dataclass(slots=True)
class Mention:
    start: int
    end: int
    surface: str
    entity: str  # entity key, e.g. "country:iran", "person:sergei-shoigu", "person:x-sh-k"
    sent: int
    rule: str
    conf: float


@dataclass
class Entity:
    key: str
    type: str  # core class local name
    iri: str
    label_en: str | None = None
    pref: tuple[str, str] | None = None  # (label, lang) when no English label is known
    extra_types: set[str] = field(default_factory=set)
    kb: object | None = None
    props: dict = field(default_factory=dict)  # entity-level statements: editionOf, editionNumber, origin...


@dataclass
class Fact:
    """An n-ary fact. ``kind`` is an ontology class (Meeting, Visit, ...) or Post/Rank/Attends/Party."""

    kind: str
    args: dict  # role -> entity key or list of keys or literal
    evidence: list[Evidence]
    key: str = ""  # stable identity inside the document (or across documents for posts)

    @property
    def conf(self) -> float:
        return max(e.conf for e in self.evidence) if self.evidence else 0.0


@dataclass
class Extraction:
    doc: Document
    lang: str
    sentences: list[tuple[int, int]]
    sentence_langs: list[str | None]
    mentions: list[Mention]
    entities: dict[str, Entity]
    facts: list[Fact]
    warnings: list[str] = field(default_factory=list)
