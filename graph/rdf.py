"""Extraction results as RDF quads.

* The default graph describes each source document (``ddkg:Document`` with sha256, source file, language,
  extractor version) and the PROV-O activity that read it.
* Each document's named graph (named by the document IRI) holds what the document says: the entities it
  mentions (types, ``skos:altLabel`` per surface form), mentions with offsets, facts as nodes (Meeting,
  Visit, ArmsTransfer, Post ...) and, for every fact, its evidence sentence with offsets, rule and confidence.
* The graph ``ENTITY_GRAPH`` holds what is known of the entities themselves: preferred labels (English where
  known, else the original script) and KB facts (a city's country, a system's origin, a conference's series,
  posts from the KB with their terms). A triple there is stored once however many documents lead to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad

from ..ingest.kb import ID_BASE, KB, load_kb
from ..ingest.model import Evidence, Extraction, Fact

ONT = "https://w3id.org/ddkg/ontology#"
DOC_BASE = "https://w3id.org/ddkg/doc/"
CONCEPT = "https://w3id.org/ddkg/concept/"
ENTITY_GRAPH = NamedNode("https://w3id.org/ddkg/graph/entities")
KB_SOURCE = NamedNode("https://w3id.org/ddkg/kb")
SOFTWARE = "https://w3id.org/ddkg/software/ddkg/"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
DCT = "http://purl.org/dc/terms/"

FACT_NODE_KINDS = {"Meeting", "Visit", "ArmsTransfer", "Signing", "Statement", "Inspection"}
ENTITY_KEY = re.compile(r"^(country|place|organization|person|weapon|event|agreement):")


def d(name: str) -> NamedNode:
    return NamedNode(ONT + name)


def doc_iri(sha256: str) -> NamedNode:
    return NamedNode(DOC_BASE + sha256[:24])


def _lit(value, lang: str | None = None) -> Literal:
    if isinstance(value, bool):
        return Literal(str(value).lower(), datatype=NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return Literal(str(value), datatype=NamedNode(XSD + "integer"))
    if isinstance(value, float):
        return Literal(f"{value:.3f}", datatype=NamedNode(XSD + "decimal"))
    if lang:
        return Literal(str(value), language=lang)
    return Literal(str(value))


def date_literal(value: str) -> Literal:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return Literal(value, datatype=NamedNode(XSD + "date"))
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return Literal(value, datatype=NamedNode(XSD + "gYearMonth"))
    if re.fullmatch(r"\d{4}", value):
        return Literal(value, datatype=NamedNode(XSD + "gYear"))
    return Literal(value)


def _clean(text: str) -> str:
    """Text as an RDF literal: no control characters other than newline and tab."""
    return "".join(c for c in text if c in "\n\t" or ord(c) >= 32)


class _Writer:
    def __init__(self, ex: Extraction, kb: KB, version: str):
        self.ex, self.kb, self.version = ex, kb, version
        self.doc = doc_iri(ex.doc.sha256)
        self.g = self.doc
        self.quads: list[Quad] = []
        self.ev_n = 0

    def add(self, s, p, o, g=None) -> None:
        self.quads.append(Quad(s, p, o, self.g if g is None else g))

    def iri(self, key: str) -> NamedNode:
        ent = self.ex.entities.get(key)
        if ent is not None:
            return NamedNode(ent.iri)
        kind, _, ident = key.partition(":")
        return NamedNode(f"{ID_BASE}{kind}/{ident}")

    def value(self, v):
        if isinstance(v, str) and ENTITY_KEY.match(v):
            return self.iri(v)
        return _lit(v)

    # -- document and provenance --------------------------------------------------------------
    def document(self, when: dt.datetime) -> None:
        doc, g0, ex = self.doc, DefaultGraph(), self.ex
        self.add(doc, RDF_TYPE, d("Document"), g0)
        self.add(doc, RDF_TYPE, NamedNode(PROV + "Entity"), g0)
        self.add(doc, d("sha256"), Literal(ex.doc.sha256), g0)
        self.add(doc, d("sourceFile"), Literal(_clean(ex.doc.key)), g0)
        self.add(doc, d("language"), Literal(ex.lang), g0)
        self.add(doc, d("extractorVersion"), Literal(self.version), g0)
        if ex.doc.title:
            self.add(doc, NamedNode(DCT + "title"), Literal(_clean(ex.doc.title)), g0)
        if ex.doc.published:
            self.add(doc, d("publicationDate"), date_literal(ex.doc.published.isoformat()), g0)
        if ex.doc.url:
            self.add(doc, NamedNode("https://schema.org/url"), Literal(_clean(ex.doc.url)), g0)
        act = NamedNode(f"{doc.value}#extraction")
        self.add(act, RDF_TYPE, NamedNode(PROV + "Activity"), g0)
        self.add(act, NamedNode(PROV + "used"), doc, g0)
        self.add(act, NamedNode(PROV + "wasAssociatedWith"), NamedNode(SOFTWARE + self.version), g0)
        self.add(act, NamedNode(PROV + "endedAtTime"),
                 Literal(when.isoformat(timespec="seconds"), datatype=NamedNode(XSD + "dateTime")), g0)
        self.add(NamedNode(SOFTWARE + self.version), RDF_TYPE, NamedNode(PROV + "SoftwareAgent"), g0)

    # -- entities -------------------------------------------------------------------------------
    def entities(self) -> None:
        ex = self.ex
        labels: dict[str, set[str]] = {}
        for m in ex.mentions:
            labels.setdefault(m.entity, set()).add(_clean(m.surface).strip())
        for key, ent in ex.entities.items():
            if key not in labels:
                continue  # named by no word of this document (a system's supplier from the KB): typed elsewhere
            node = NamedNode(ent.iri)
            self.add(node, RDF_TYPE, d(ent.type))
            for t in sorted(ent.extra_types):
                self.add(node, RDF_TYPE, d(t))
            for lab in sorted(labels.get(key, ())):
                if lab:
                    self.add(node, NamedNode(SKOS + "altLabel"), Literal(lab, language=ex.lang))
            if ent.pref and not ent.label_en:  # one copy in the entity graph, however many documents name it
                pref = Literal(_clean(ent.pref[0]), language=ent.pref[1])
                self.add(node, NamedNode(SKOS + "prefLabel"), pref, ENTITY_GRAPH)
        for i, m in enumerate(sorted(ex.mentions, key=lambda m: (m.start, m.end))):
            node = NamedNode(f"{self.doc.value}#m{m.start}-{m.end}-{i}")
            self.add(node, RDF_TYPE, d("Mention"))
            self.add(node, d("denotes"), self.iri(m.entity))
            self.add(node, d("document"), self.doc)
            self.add(node, d("anchorText"), Literal(_clean(m.surface)))
            self.add(node, d("startOffset"), _lit(m.start))
            self.add(node, d("endOffset"), _lit(m.end))
            self.add(node, d("rule"), Literal(m.rule))
            self.add(node, d("confidence"), _lit(float(m.conf)))

    def entity_descriptions(self) -> None:
        """English labels and KB knowledge of the entities, in the shared entity graph."""
        g = ENTITY_GRAPH
        for ent in self.ex.entities.values():
            node = NamedNode(ent.iri)
            self.add(node, RDF_TYPE, d(ent.type), g)
            if ent.label_en:
                self.add(node, NamedNode(SKOS + "prefLabel"), Literal(ent.label_en, language="en"), g)
            kbe = ent.kb
            if ent.props.get("sameAs"):
                self.add(node, NamedNode(OWL + "sameAs"), NamedNode(ent.props["sameAs"]), g)
            if ent.props.get("origin"):
                self.add(node, d("origin"), self.iri(ent.props["origin"]), g)
            if ent.props.get("category"):
                self.add(node, d("category"), NamedNode(f"{CONCEPT}weapon-category/{ent.props['category']}"), g)
            if ent.props.get("editionOf"):
                series = self.kb.get(ent.props["editionOf"])
                snode = self.iri(ent.props["editionOf"])
                self.add(node, d("editionOf"), snode, g)
                self.add(snode, RDF_TYPE, d("EventSeries"), g)
                if series is not None and series.label_en:
                    self.add(snode, NamedNode(SKOS + "prefLabel"), Literal(series.label_en, language="en"), g)
            if ent.props.get("editionNumber"):
                self.add(node, d("editionNumber"), _lit(int(ent.props["editionNumber"])), g)
            if ent.props.get("location"):
                self.add(node, d("location"), self.iri(ent.props["location"]), g)
            if ent.props.get("agreementKind"):
                self.add(node, d("agreementKind"), Literal(ent.props["agreementKind"]), g)
            if kbe is None:
                continue
            country = kbe.get("country")
            if country and kbe.kind in ("place", "organization"):
                self.add(node, d("countryOf"), NamedNode(f"{ID_BASE}country/{country}"), g)
            if kbe.kind == "organization" and kbe.get("parent"):
                parent = self.kb.find(kbe.get("parent"), ("organization",))
                if parent is not None:
                    self.add(node, d("subOrganizationOf"), NamedNode(parent.iri), g)
            if kbe.kind == "person":
                if country:
                    self.add(node, d("nationality"), NamedNode(f"{ID_BASE}country/{country}"), g)
                for pos in kbe.get("positions") or []:
                    of = self.kb.find(str(pos.get("of")), ("country", "organization"))
                    if of is None or not pos.get("role"):
                        continue
                    post = _post_iri(kbe.key, pos["role"], of.key, None)
                    self.add(node, d("holdsPosition"), post, g)
                    self.add(post, RDF_TYPE, d("Post"), g)
                    self.add(post, NamedNode(PROV + "wasDerivedFrom"), KB_SOURCE, g)
                    self.add(KB_SOURCE, RDF_TYPE, d("KnowledgeBase"), g)
                    self.add(post, d("role"), NamedNode(f"{CONCEPT}post/{pos['role']}"), g)
                    self.add(post, d("positionOf"), NamedNode(of.iri), g)
                    self.add(NamedNode(of.iri), RDF_TYPE, d(of.type), g)
                    if of.label_en:
                        label = Literal(of.label_en, language="en")
                        self.add(NamedNode(of.iri), NamedNode(SKOS + "prefLabel"), label, g)
                    for f, p in (("start", "startDate"), ("end", "endDate")):
                        if pos.get(f):
                            self.add(post, d(p), date_literal(str(pos[f])), g)

    # -- facts ----------------------------------------------------------------------------------
    def evidence(self, fact_node, evs: list[Evidence]) -> None:
        text = self.ex.doc.text
        for ev in evs:
            self.ev_n += 1
            node = NamedNode(f"{self.doc.value}#ev{self.ev_n}")
            self.add(fact_node, d("evidence"), node)
            self.add(node, RDF_TYPE, d("Evidence"))
            self.add(node, d("document"), self.doc)
            self.add(node, d("sentence"), Literal(_clean(text[ev.start:ev.end])))
            self.add(node, d("startOffset"), _lit(ev.start))
            self.add(node, d("endOffset"), _lit(ev.end))
            self.add(node, d("rule"), Literal(ev.rule))
            self.add(node, d("confidence"), _lit(float(ev.conf)))
            langs = self.ex.sentence_langs
            if 0 <= ev.sent < len(langs) and langs[ev.sent]:
                self.add(node, d("language"), Literal(langs[ev.sent]))

    def statement_evidence(self, s, p, o, evs: list[Evidence], n: int) -> None:
        st = NamedNode(f"{self.doc.value}#st{n}")
        self.add(st, RDF_TYPE, NamedNode(RDF + "Statement"))
        self.add(st, NamedNode(RDF + "subject"), s)
        self.add(st, NamedNode(RDF + "predicate"), p)
        self.add(st, NamedNode(RDF + "object"), o)
        self.evidence(st, evs)

    def concept_labels(self) -> None:
        """Labels of the controlled-list concepts the facts use (roles, ranks, statuses, stances)."""
        from ..ingest.concepts import concepts

        allc = concepts().all
        used = {q.object.value for q in self.quads if isinstance(q.object, NamedNode)
                and q.object.value.startswith(CONCEPT)}
        g = ENTITY_GRAPH
        for iri in sorted(used):
            c = allc.get(iri)
            if c is None:
                continue
            node = NamedNode(iri)
            self.add(node, RDF_TYPE, NamedNode(SKOS + "Concept"), g)
            self.add(node, NamedNode(SKOS + "inScheme"), NamedNode(c.scheme), g)
            for lang, labs in sorted(c.labels.items()):
                if labs:
                    self.add(node, NamedNode(SKOS + "prefLabel"), Literal(labs[0], language=lang), g)

    def facts(self) -> None:
        n_st = 0
        for f in self.ex.facts:
            if f.kind in FACT_NODE_KINDS:
                self.event(f)
            elif f.kind == "Post":
                self.post(f)
            elif f.kind in ("Rank", "Attends", "Party"):
                triples = list(_plain_triples(f, self))
                for s, p, o in triples:
                    self.add(s, p, o)
                    n_st += 1
                    self.statement_evidence(s, p, o, f.evidence, n_st)
        for ent in self.ex.entities.values():
            nat = ent.props.get("nationality")
            if ent.type == "Person" and nat and ent.kb is None:
                self.add(NamedNode(ent.iri), d("nationality"), self.iri(nat))

    def event(self, f: Fact) -> None:
        local = re.sub(r"[^A-Za-z0-9._-]+", "-", f.key or f.kind.lower()).strip("-")
        node = NamedNode(f"{self.doc.value}#{local}")
        self.add(node, RDF_TYPE, d(f.kind))
        for role, v in f.args.items():
            vals = v if isinstance(v, list) else [v]
            for x in vals:
                if role in ("date",):
                    self.add(node, d("date"), date_literal(str(x)))
                elif role == "dateText":
                    self.add(node, d("dateText"), Literal(_clean(str(x))))
                elif role == "status":
                    self.add(node, d("status"), NamedNode(f"{CONCEPT}transfer-status/{x}"))
                elif role == "stance":
                    self.add(node, d("stance"), NamedNode(f"{CONCEPT}stance/{x}"))
                else:
                    self.add(node, d(role), self.value(x))
        self.add(node, d("confidence"), _lit(float(f.conf)))
        self.evidence(node, f.evidence)

    def post(self, f: Fact) -> None:
        a = f.args
        post = _post_iri(a["person"], a["role"], a["of"], a.get("toCountry"))
        self.add(self.iri(a["person"]), d("holdsPosition"), post)
        self.add(post, RDF_TYPE, d("Post"))
        self.add(post, d("role"), NamedNode(f"{CONCEPT}post/{a['role']}"))
        self.add(post, d("positionOf"), self.iri(a["of"]))
        if a.get("toCountry"):
            self.add(post, d("toCountry"), self.iri(a["toCountry"]))
        self.add(post, d("confidence"), _lit(float(f.conf)))
        self.evidence(post, f.evidence)


def _post_iri(person: str, role: str, of: str, to: str | None) -> NamedNode:
    h = hashlib.sha1(f"{person}|{role}|{of}|{to or ''}".encode()).hexdigest()[:16]
    return NamedNode(f"{ID_BASE}post/{h}")


def _plain_triples(f: Fact, w: _Writer) -> Iterator[tuple]:
    a = f.args
    if f.kind == "Rank":
        yield w.iri(a["person"]), d("rank"), NamedNode(a["rank"])
    elif f.kind == "Attends":
        yield w.iri(a["event"]), d("participant"), w.iri(a["participant"])
    elif f.kind == "Party":
        for p in a["party"]:
            yield w.iri(a["agreement"]), d("party"), w.iri(p)


def extraction_quads(ex: Extraction, version: str, when: dt.datetime | None = None,
                     kb: KB | None = None) -> list[Quad]:
    """All quads for one extracted document (its default-graph record, its graph, entity descriptions)."""
    w = _Writer(ex, kb or load_kb(), version)
    w.document(when or dt.datetime.now(dt.UTC))
    w.entities()
    w.facts()
    w.entity_descriptions()
    w.concept_labels()
    return w.quads


def quads_to_dataset(quads: Iterable[Quad]):
    """The same quads as an rdflib Dataset (for small jobs, tests and notebooks)."""
    import rdflib

    ds = rdflib.Dataset()

    def conv(t):
        if isinstance(t, NamedNode):
            return rdflib.URIRef(t.value)
        if isinstance(t, BlankNode):
            return rdflib.BNode(t.value)
        if isinstance(t, Literal):
            if t.language:
                return rdflib.Literal(t.value, lang=t.language)
            return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))
        return None

    default = ds.default_graph if hasattr(type(ds), "default_graph") else ds.default_context  # rdflib 7.1+ / 7.0
    for q in quads:
        g = q.graph_name
        ctx = default if isinstance(g, DefaultGraph) else ds.graph(rdflib.URIRef(g.value))
        ctx.add((conv(q.subject), conv(q.predicate), conv(q.object)))
    return ds
