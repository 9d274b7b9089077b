"""Counts over a store: entities and facts by type, documents by language, facts per document."""

from __future__ import annotations

from dataclasses import dataclass, field

from .rdf import ENTITY_GRAPH, ONT
from .store import GraphStore

ENTITY_TYPES = ["Person", "Country", "Organization", "Place", "WeaponSystem", "Agreement", "Conference",
                "EventSeries"]
FACT_TYPES = ["Meeting", "Visit", "ArmsTransfer", "Signing", "Statement", "Inspection", "Post"]


@dataclass
class Stats:
    quads: int = 0
    documents: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    entities: dict[str, int] = field(default_factory=dict)  # distinct nodes by core type
    facts: dict[str, int] = field(default_factory=dict)  # fact nodes by type, plus rank/party/attendance triples
    facts_per_document: dict[str, int] = field(default_factory=dict)  # source -> facts with evidence there

    def as_dict(self) -> dict:
        return self.__dict__.copy()

    def text(self, top: int = 10) -> str:
        lines = [f"quads      {self.quads}", f"documents  {self.documents}"]
        lines += [f"  {lang:<8} {n}" for lang, n in sorted(self.languages.items())]
        lines.append("entities")
        lines += [f"  {t:<14} {n}" for t, n in self.entities.items()]
        lines.append("facts")
        lines += [f"  {t:<14} {n}" for t, n in self.facts.items()]
        if self.facts_per_document:
            counts = sorted(self.facts_per_document.values())
            lines.append(f"facts per document: min {counts[0]}, median {counts[len(counts) // 2]}, "
                         f"max {counts[-1]}")
            for src, n in sorted(self.facts_per_document.items(), key=lambda kv: (-kv[1], kv[0]))[:top]:
                lines.append(f"  {n:>4}  {src}")
        return "\n".join(lines)


def _count(store: GraphStore, q: str) -> dict[str, int]:
    return {r["k"].value: int(r["n"].value) for r in store.query(q)}


def stats(store: GraphStore) -> Stats:
    s = Stats(quads=len(store))
    docs = store.documents()
    s.documents = len(docs)
    s.languages = _count(store, f"SELECT ?k (COUNT(?d) AS ?n) WHERE {{ ?d a <{ONT}Document> ; <{ONT}language> ?k }} "
                                "GROUP BY ?k")
    types = " ".join(f"<{ONT}{t}>" for t in ENTITY_TYPES + FACT_TYPES)
    by_type = _count(store, f"""SELECT ?k (COUNT(DISTINCT ?x) AS ?n) WHERE {{
        GRAPH ?g {{ ?x a ?t }} VALUES ?t {{ {types} }} FILTER(?g != <{ENTITY_GRAPH.value}>)
        BIND(STRAFTER(STR(?t), "#") AS ?k) }} GROUP BY ?k""")
    s.entities = {t: by_type.get(t, 0) for t in ENTITY_TYPES}
    s.facts = {t: by_type.get(t, 0) for t in FACT_TYPES}
    for p in ("rank", "party"):
        s.facts[p] = _count(store, f"SELECT ?k (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{ GRAPH ?g "
                                   f"{{ ?s <{ONT}{p}> ?o }} }} }} GROUP BY (\"{p}\" AS ?k)").get(p, 0)
    per_doc = _count(store, f"""SELECT ?k (COUNT(DISTINCT ?f) AS ?n) WHERE {{
        GRAPH ?g {{ ?f <{ONT}evidence> ?e }} ?g <{ONT}sourceFile> ?k }} GROUP BY ?k""")
    s.facts_per_document = {src: per_doc.get(src, 0) for _, _, src in docs}
    return s
