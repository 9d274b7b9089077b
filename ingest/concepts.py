"""Controlled lists (posts, ranks, weapon categories) read from the SKOS schemes in ``ontology/schemes``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import rdflib
from rdflib.namespace import SKOS

DDKG = rdflib.Namespace("https://w3id.org/ddkg/ontology#")
CONCEPT_BASE = "https://w3id.org/ddkg/concept/"
POST_BASE = CONCEPT_BASE + "post/"
COUNTRY_BASE = "https://w3id.org/ddkg/id/country/"


@dataclass
class Concept:
    iri: str
    scheme: str
    label_en: str
    labels: dict[str, list[str]] = field(default_factory=dict)  # lang -> pref + alt labels
    code: str | None = None  # NATO grade of a rank
    service: str | None = None  # land / naval / air / any

    @property
    def slug(self) -> str:
        return self.iri.rsplit("/", 1)[-1]


@dataclass
class Concepts:
    posts: dict[str, Concept]  # slug -> concept
    ranks: dict[str, Concept]  # iri -> concept
    rank_systems: dict[str, list[str]]  # scheme iri -> country ids using it
    broader: dict[str, str]  # concept iri -> broader iri
    all: dict[str, Concept] = field(default_factory=dict)  # every concept by iri

    def system_for_country(self, country: str | None) -> str | None:
        if not country:
            return None
        for scheme, countries in self.rank_systems.items():
            if country in countries and not scheme.endswith("irgc"):
                return scheme
        return None

    def equivalent_rank(self, rank: Concept, system: str) -> Concept | None:
        """The rank of ``system`` at the same NATO grade and service as ``rank``."""
        if rank.scheme == system or not rank.code:
            return rank if rank.scheme == system else None
        best = None
        for c in self.ranks.values():
            if c.scheme != system or c.code != rank.code:
                continue
            if c.service == rank.service:
                return c
            if best is None and (c.service in ("any", None) or rank.service in ("any", None)):
                best = c
        return best


def _schemes_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    root = resources.files("ddkg.ontology") / "schemes"
    for f in sorted(root.iterdir(), key=lambda p: p.name):
        if f.name.endswith(".ttl"):
            g.parse(data=f.read_text(encoding="utf-8"), format="turtle")
    return g


@lru_cache(maxsize=1)
def concepts() -> Concepts:
    g = _schemes_graph()
    labels: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    en: dict[str, str] = {}
    for s, p, o in g.triples((None, None, None)):
        if p in (SKOS.prefLabel, SKOS.altLabel) and isinstance(o, rdflib.Literal):
            lang = (o.language or "en").split("-")[0]
            lst = labels[str(s)][lang]
            if p == SKOS.prefLabel:
                lst.insert(0, str(o))
                if lang == "en":
                    en[str(s)] = str(o)
            else:
                lst.append(str(o))
    posts: dict[str, Concept] = {}
    ranks: dict[str, Concept] = {}
    every: dict[str, Concept] = {}
    for s, _, scheme in g.triples((None, SKOS.inScheme, None)):
        iri, sch = str(s), str(scheme)
        c = Concept(iri=iri, scheme=sch, label_en=en.get(iri, iri.rsplit("/", 1)[-1]), labels=dict(labels[iri]))
        every[iri] = c
        if iri.startswith(POST_BASE):
            posts[c.slug] = c
        elif iri.startswith(CONCEPT_BASE + "rank/"):
            code = g.value(s, DDKG.natoCode)
            service = g.value(s, DDKG.service)
            c.code = str(code) if code is not None else None
            c.service = str(service) if service is not None else None
            ranks[iri] = c
    systems: dict[str, list[str]] = defaultdict(list)
    for scheme, _, country in g.triples((None, DDKG.usedBy, None)):
        systems[str(scheme)].append(str(country).rsplit("/", 1)[-1])
    broader = {str(s): str(o) for s, _, o in g.triples((None, SKOS.broader, None))}
    return Concepts(posts=posts, ranks=ranks, rank_systems=dict(systems), broader=broader, all=every)
