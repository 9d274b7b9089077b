"""One document in, one :class:`Extraction` out: language, sentences, names, people, events, evidence."""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict

from rapidfuzz.distance import Levenshtein
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START

from .components import extraction_nlp
from .concepts import concepts
from .documents import Document
from .events import (
    EM,
    PM,
    DocState,
    SentenceView,
    _international,
    agreements,
    attendance,
    finish,
    inspections,
    meetings,
    statements,
    topics,
    transfers,
    visits,
)
from .gazetteer import Hit
from .kb import ID_BASE, KB, load_kb
from .langid import detect, detect_sentences
from .lexicon import Lexicon, all_given_names, lexicon, lightfold
from .model import Entity, Evidence, Extraction, Fact, Mention
from .ner import NER_WEIGHT, candidates, recognize
from .normalize import fold
from .organizations import find_organizations
from .persons import find_people
from .resolve import (
    Cluster,
    PostClaim,
    assign_keys,
    cluster_people,
    collect_claims,
    kb_family_names,
    link_kb,
    merge_same_key,
    surname_forms,
)
from .tagging import Item, sentence_items
from .translit import slug

SUPPORTED = ("ar", "fa", "en")
CURRENCY = {fold(w) for w in ("دولار", "الدولار", "دلار", "dollar", "dollars", "يورو", "یورو", "ريال", "ریال", "روبل")}
ORG_CLASS_TYPES = {
    "armed_forces": "MilitaryOrganization", "service_branch": "MilitaryOrganization",
    "military_unit": "MilitaryOrganization", "militia": "MilitaryOrganization",
    "ministry": "GovernmentBody", "government_body": "GovernmentBody", "security_council": "GovernmentBody",
    "intergovernmental": "InternationalOrganization", "alliance": "InternationalOrganization",
    "news_agency": "NewsAgency",
}


class UnsupportedLanguage(ValueError):
    """The document is in a language the extractor has no lexicon for; the message names it."""


def document_language(doc: Document) -> str:
    if doc.declared_lang in SUPPORTED:
        return doc.declared_lang
    res = detect(doc.text)
    if res.code is None:
        raise UnsupportedLanguage(f"{doc.key}: could not identify the language (too little text)")
    if res.code not in SUPPORTED:
        raise UnsupportedLanguage(f"{doc.key}: language {res.name} is not handled (ar, fa, en are)")
    return res.code


# --------------------------------------------------------------------------------------------------
def _ambiguous_ok(hit_items: list[Item], i: int, lex: Lexicon) -> bool:
    """An ambiguous place name (آستانه 'threshold'/Astana) counts only beside another place."""
    amb = lex.ambiguous_names
    it = hit_items[i]
    if it.fold not in amb and lightfold(it.text) not in amb:
        return True
    for j in (i - 2, i - 1, i + 1, i + 2):
        if 0 <= j < len(hit_items) and j != i:
            o = hit_items[j]
            if o.kind in ("entity", "adj") and str(o.ref).split(":")[0] in ("place", "country") and o.fold not in amb:
                return True
    return False


def _word_guard(it: Item, lex: Lexicon) -> bool:
    """A one-word name that is also a function word or a weekday of the language is not a name."""
    if " " in it.fold:
        return True
    t = lightfold(it.text)
    base = t[len(lightfold(it.prefix)):] if it.prefix else t
    return not (base in lex.stop or "weekday" in it.cues or "month" in it.cues and it.kind == "entity")


class _Doc:
    """Working state while extracting one document."""

    def __init__(self, doc: Document, lang: str, kb: KB):
        self.doc, self.lang, self.kb = doc, lang, kb
        self.lex = lexicon(lang)
        self.tag = doc.sha256[:10]
        text = doc.text
        sdoc = extraction_nlp(lang)(text)
        self.sentences, self.tokens = _sentences_and_tokens(sdoc, text)
        hits = sdoc.user_data["ddkg_hits"]
        self.items: list[list[Item]] = []
        by_sent: list[list[Hit]] = [[] for _ in self.sentences]
        starts = [a for a, _ in self.sentences]
        for h in hits:
            k = bisect.bisect_right(starts, h.start) - 1
            if k >= 0 and h.start < self.sentences[k][1]:
                by_sent[k].append(h)
        tok_starts = [t[0] for t in self.tokens]
        for (a, b), sent_hits in zip(self.sentences, by_sent, strict=True):
            toks = self.tokens[bisect.bisect_left(tok_starts, a):bisect.bisect_left(tok_starts, b)]
            self.items.append(sentence_items(text, toks, sent_hits))
        self.mentions: list[Mention] = []
        self.entities: dict[str, Entity] = {}
        self.facts: list[Fact] = []

    # -- entities -------------------------------------------------------------------------------
    def entity(self, key: str) -> Entity:
        if key in self.entities:
            return self.entities[key]
        kind, _, ident = key.partition(":")
        kbe = self.kb.get(key)
        if kbe is not None:
            typ = kbe.type
            extra = set()
            if kbe.kind == "place" and kbe.get("kind") in ("capital", "city"):
                extra.add("City")
            if kbe.kind == "organization" and kbe.get("class") in ORG_CLASS_TYPES:
                extra.add(ORG_CLASS_TYPES[kbe.get("class")])
            ent = Entity(key, typ, kbe.iri, label_en=kbe.label_en, extra_types=extra, kb=kbe)
            if kbe.get("wikidata"):
                ent.props["sameAs"] = f"http://www.wikidata.org/entity/{kbe.get('wikidata')}"
            if kbe.kind == "weapon":
                if kbe.get("origin"):
                    ent.props["origin"] = f"country:{kbe.get('origin')}"
                if kbe.get("category"):
                    ent.props["category"] = kbe.get("category")
        else:
            typ = {"person": "Person", "event": "Conference", "weapon": "WeaponSystem",
                   "agreement": "Agreement"}.get(kind, "Thing")
            ent = Entity(key, typ, f"{ID_BASE}{kind}/{ident}")
        self.entities[key] = ent
        return ent

    def mention(self, key: str, start: int, end: int, sent: int, rule: str, conf: float, prefix: str = "") -> None:
        start = _after_clitics(self.doc.text, start, end, prefix)
        surface = self.doc.text[start:end]
        for m in self.mentions:
            if m.start == start and m.end == end and m.entity == key:
                return
        self.mentions.append(Mention(start, end, surface, key, sent, rule, conf))
        self.entity(key)


def _sentences_and_tokens(sdoc, text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Character spans of the non-blank sentences and of the non-space tokens of ``sdoc``, a spaCy Doc of ``text``
    (read from its arrays: walking the Doc's tokens as objects costs more than the rest of the tagging)."""
    rows = sdoc.to_array([IDX, LENGTH, IS_SPACE, SENT_START]).tolist()
    sentences: list[tuple[int, int]] = []
    tokens: list[tuple[int, int]] = []
    first = 0
    for i, (idx, length, space, _) in enumerate(rows):
        if not space:
            tokens.append((idx, idx + length))
        if i + 1 == len(rows) or rows[i + 1][3] == 1:  # the sentence ends with this token
            a, b = rows[first][0], idx + length
            if text[a:b].strip():
                sentences.append((a, b))
            first = i + 1
    return sentences, tokens


def _after_clitics(text: str, start: int, end: int, prefix: str) -> int:
    """Where a name starts once the conjunctions and prepositions glued to it are left out (وروسيا → روسيا,
    بالصين → الصين); a preposition fused with the article (للحرس) stays, as the name cannot be split from it."""
    p = fold(prefix)
    if not p:
        return start
    if p.endswith("لل"):
        p = p[:-2]
    elif p.endswith("ال"):
        p = p[:-2]
    i, n = start, 0
    while i < end and n < len(p):
        if not unicodedata.category(text[i]).startswith("M"):
            n += 1
        i += 1
    return i if i < end else start


def extract(doc: Document, kb: KB | None = None) -> Extraction:
    """Extract entities and facts, with evidence, from one document."""
    kb = kb or load_kb()
    lang = document_language(doc)
    d = _Doc(doc, lang, kb)
    lex = d.lex
    cs = concepts()
    text = doc.text

    # 1. people ---------------------------------------------------------------------------------
    per_sent = [find_people(items, lex) for items in d.items]
    found = [(k, p) for k, sp in enumerate(per_sent) for p in sp.people]
    _truncate_at_family_names(found)
    for _, p in found:
        p.surface = text[p.char_start:p.char_end]
    clusters = cluster_people(found)
    for c in clusters:
        collect_claims(c, kb)
        link_kb(c, kb)
    assign_keys(clusters, d.tag)
    clusters = merge_same_key(clusters)
    for c in clusters:
        collect_nationality_from_kb(c)
    _counterparts(clusters, d)
    key_of_span = {}
    for c in clusters:
        for sent, sp in c.spans:
            key_of_span[(sent, sp.start, sp.end)] = c.key
    pms: list[list[PM]] = [[] for _ in d.sentences]
    nationality = {c.key: c.nationality for c in clusters}
    for c in clusters:
        # a family name alone, or a name not yet strong enough, needs a full name or the KB behind it
        if c.kb is None and c.strength < 0.6:
            continue
        for sent, sp in c.spans:
            d.mention(c.key, sp.char_start, sp.char_end, sent, sp.rule, sp.strength)
            pms[sent].append(PM(c.key, sp.start, "name", c.nationality))
        _label_person(d, c)
    _surname_mentions(d, clusters, pms)
    _kb_family_name_mentions(d, clusters, pms, nationality)
    unnamed: list[list[str]] = [[] for _ in d.sentences]
    _descriptions(d, clusters, per_sent, pms, unnamed)

    # 2. other entities ---------------------------------------------------------------------------
    ems, generic_agr = _entity_mentions(d, pms)
    _ner_mentions(d, ems)

    # 3. events ---------------------------------------------------------------------------------
    st = DocState(kb, lex, doc.published, nationality)
    st.dateline = _dateline(d)
    for key, ent in d.entities.items():
        if ent.type == "Conference" and ent.props.get("location"):
            st.conf_locations[key] = ent.props["location"]
            st.conference_of_doc.append(key)
    views = []
    for k, (a, b) in enumerate(d.sentences):
        coord = []
        sp = per_sent[k]
        for x, y in sp.coordinated:
            kx = key_of_span.get((k, sp.people[x].start, sp.people[x].end))
            ky = key_of_span.get((k, sp.people[y].start, sp.people[y].end))
            if kx and ky and kx != ky:
                coord.append((kx, ky))
        views.append(SentenceView(k, a, b, d.items[k], pms[k], ems[k], coord, unnamed[k]))
    for v in views:
        _both_sides(v, st)
        meetings(v, st)
        topics(v, st)
        visits(v, st)
        ws = [e.key for e in v.of_type("weapon") if not e.generic]
        if ws:
            st.last_weapons += ws
    meeting_countries = _meeting_countries(st)
    for v in views:
        attendance(v, st)
        agreements(v, st, generic_agr[v.index], meeting_countries)
        transfers(v, st)
        inspections(v, st)
        statements(v, st)
    finish(st)
    facts = st.facts

    # 4. posts, ranks, nationality ----------------------------------------------------------------
    facts += _person_facts(d, clusters, cs)

    # 5. generic agreements get their identity from their parties; unused generic weapons go
    rename = _name_generic_agreements(d, facts)
    facts = [_rename(f, rename) for f in facts]
    used = _used_keys(facts)
    keep = []
    for m in d.mentions:
        key = rename.get(m.entity, m.entity)
        m.entity = key
        ent = d.entities.get(key) or d.entity(key)
        if ent.props.get("generic") and key not in used and not ent.props.get("origin"):
            continue
        keep.append(m)
    d.mentions = keep
    for old, new in rename.items():
        if old in d.entities:
            e = d.entities.pop(old)
            e.key = new
            e.iri = f"{ID_BASE}agreement/{new.split(':', 1)[1]}"
            if new in d.entities:
                d.entities[new].props.update({k: v for k, v in e.props.items() if k != "generic"})
            else:
                d.entities[new] = e
    live = {m.entity for m in d.mentions} | used
    entities = {k: e for k, e in d.entities.items() if k in live}
    for k in used:
        if k not in entities and ":" in k and k.split(":")[0] in (
                "country", "place", "organization", "person", "weapon", "event", "agreement"):
            entities[k] = d.entity(k)
    # the language of each sentence quoted as evidence (detecting it for every sentence would cost more than
    # extraction itself on long articles)
    langs: list[str | None] = [None] * len(d.sentences)
    quoted = sorted({ev.sent for f in facts for ev in f.evidence if 0 <= ev.sent < len(d.sentences)})
    try:
        for k, r in zip(quoted, detect_sentences(text, [d.sentences[k] for k in quoted]), strict=True):
            langs[k] = r.code
    except Exception:  # noqa: BLE001 - sentence language is informative only
        pass
    return Extraction(doc, lang, d.sentences, langs, d.mentions, entities, facts)


# ------------------------------------------------------------------------------------------------
def _truncate_at_family_names(found) -> None:
    """"العميد حاتمي بالمواقف": a name that starts with a family name seen in full elsewhere is that name."""
    single, _, _ = all_given_names()
    family = {p.tokens[-1] for _, p in found if len(p.tokens) >= 2 and p.strength >= 0.85} - single
    for _, p in found:
        if p.kb is None and len(p.tokens) >= 2 and p.tokens[0] in family:
            p.tokens = p.tokens[:1]
            p.end = p.start + 1
            if p.tok_ends:
                p.char_end = p.tok_ends[0]


def collect_nationality_from_kb(c: Cluster) -> None:
    if c.nationality is None and c.kb is not None:
        c.nationality = c.kb.get("country")


def _label_person(d: _Doc, c: Cluster) -> None:
    ent = d.entity(c.key)
    ent.type = "Person"
    if c.kb is not None:
        ent.label_en = c.kb.label_en
    else:
        best = max((sp for _, sp in c.spans), key=lambda s: (len(s.tokens), s.strength))
        ent.pref = (best.surface, d.lang)
    if c.nationality:
        ent.props["nationality"] = f"country:{c.nationality}"


def _counterparts(clusters: list[Cluster], d: _Doc) -> None:
    """"His Russian counterpart X": X holds the post the other person holds, of the country named."""
    for c in clusters:
        for sent, ch in c.counterpart_chains:
            role = _anchor_role(clusters, c, sent, ch.start)
            if role and ch.of:
                c.posts.append(PostClaim(role, ch.of[0], None, sent, "counterpart", 0.8))
                if c.nationality is None and ch.of[0].startswith("country:"):
                    c.nationality = ch.of[0].split(":", 1)[1]


def _anchor_role(clusters: list[Cluster], me: Cluster, sent: int, item: int = 10**6) -> str | None:
    """The post of the person a "counterpart" is relative to: the nearest other person with a post, the one
    named before the counterpart word in its sentence first ("Zarif and his American counterpart")."""
    best: tuple | None = None
    for o in clusters:
        if o is me:
            continue
        roles = [p.role for p in o.posts if p.rule != "counterpart"]
        if not roles:
            continue
        for s, sp in o.spans:
            if s == sent:
                rank = (0, item - sp.start) if sp.start < item else (1, sp.start - item)
            elif s < sent:
                rank = (1 + sent - s, 0)
            else:
                rank = (5 + s - sent, 0)
            if best is None or rank < best[0]:
                best = (rank, max(set(roles), key=roles.count))
    return best[1] if best else None


def _surname_mentions(d: _Doc, clusters: list[Cluster], pms: list[list[PM]]) -> None:
    """Family names standing alone (شويغو, Hatami) are mentions of the person named in full."""
    owners: dict[str, list[Cluster]] = defaultdict(list)
    for c in clusters:
        if c.key not in d.entities or (c.kb is None and len(c.full) < 2):
            continue
        for f in surname_forms(c):
            owners[f].append(c)
            if "-" in f and len(f.rsplit("-", 1)[1]) >= 4:
                owners[f.rsplit("-", 1)[1]].append(c)  # al-Hayali is also Hayali
    taken = {(m.start, m.end) for m in d.mentions}
    for k, items in enumerate(d.items):
        for i, it in enumerate(items):
            if it.kind != "tok":
                continue
            t = lightfold(it.text)
            cands = [t] + [t[len(p):] for p in d.lex.prefixes if p and t.startswith(p) and len(t) - len(p) >= 3]
            if d.lex.capitalized_names and it.text[:1].isupper() and len(t) >= 5 and t not in owners:
                # a spelling variant in the same article (al-Hayali, al-Hiyali)
                close = {f for f in owners if len(f) >= 5 and Levenshtein.normalized_similarity(f, t) >= 0.8}
                if len({id(c) for f in close for c in owners[f]}) == 1:
                    cands.append(next(iter(close)))
            for form in cands:
                own = owners.get(form)
                if own and len(own) == 1:
                    if any(a <= it.start < b for a, b in taken):
                        break
                    c = own[0]
                    d.mention(c.key, it.start, it.end, k, "family-name", 0.8, t[: len(t) - len(form)])
                    pms[k].append(PM(c.key, i, "surname", c.nationality))
                    break


def _kb_family_name_mentions(d: _Doc, clusters: list[Cluster], pms: list[list[PM]], nationality: dict) -> None:
    """A family name the KB gives to one person only ("حكومة ترامب") names that person."""
    known = kb_family_names()
    taken = {(m.start, m.end) for m in d.mentions}
    own = {f for c in clusters for f in surname_forms(c)}
    for k, items in enumerate(d.items):
        for i, it in enumerate(items):
            if it.kind != "tok" or any(a <= it.start < b for a, b in taken):
                continue
            t = lightfold(it.text)
            if d.lex.capitalized_names and not it.text[:1].isupper():
                continue
            cands = [t] + [t[len(p):] for p in d.lex.prefixes if p and t.startswith(p)]
            for form in cands:
                e = known.get(form)
                if e is None or form in own or len(form) < 5 or not _person_context(items, i, e, d.lex):
                    continue
                d.mention(e.key, it.start, it.end, k, "kb-family-name", 0.6)
                ent = d.entity(e.key)
                ent.label_en = e.label_en
                nationality.setdefault(e.key, e.get("country"))
                pms[k].append(PM(e.key, i, "surname", e.get("country")))
                break


def _person_context(items: list[Item], i: int, e, lex: Lexicon) -> bool:
    """A family name alone reads as the KB's person only beside a title or a verb, or with the person's
    country named in the same sentence ("حكومة ترامب ... اميركا")."""
    for j in (i - 2, i - 1, i + 1, i + 2):
        if 0 <= j < len(items):
            o = items[j]
            if o.kind in ("post", "rank", "hon", "cpart"):
                return True
    country = e.get("country")
    return bool(country) and any(o.kind in ("adj", "entity") and str(o.ref) in (country, f"country:{country}")
                                 for o in items)


def _descriptions(d: _Doc, clusters: list[Cluster], per_sent, pms: list[list[PM]],
                  unnamed: list[list[str]]) -> None:
    """"The Russian defence minister", "his Russian counterpart": the person of the article holding that post."""
    for k, sp in enumerate(per_sent):
        for ch in sp.descriptions:
            role = ch.post
            if role is None and ch.cpart:
                here = [c for c in clusters if any(s == k for s, _ in c.spans)]
                role = _anchor_role(here + clusters, Cluster(), k) if here else _anchor_role(clusters, Cluster(), k)
            if not role or not ch.of:
                continue
            of = ch.of[0]
            of_country = of.split(":", 1)[1] if of.startswith("country:") else None
            match = [c for c in clusters if any(p.role == role and (p.of == of or (
                of_country and p.of and p.of.endswith(":" + of_country))) for p in c.posts)]
            if len(match) == 1:
                c = match[0]
                if any(p.key == c.key and p.item == ch.start for p in pms[k]):
                    continue
                pms[k].append(PM(c.key, ch.start, "description", c.nationality))
            elif not match and ch.cpart:
                unnamed[k] += [o for o in ch.of if o.startswith("country:") and o not in unnamed[k]]
    # "the Iraqi official", "المسؤول العراقي", "مقام عراقی": the one person of that country in the article
    nouns = {lightfold(w) for w in d.lex.raw.get("person_nouns") or []}
    for k, items in enumerate(d.items):
        for i, it in enumerate(items):
            if it.kind != "tok" or lightfold(it.text) not in nouns:
                continue
            adj = [x for x in (items[i - 1] if i > 0 else None, items[i + 1] if i + 1 < len(items) else None)
                   if x is not None and x.kind == "adj"]
            if not adj:
                continue
            match = [c for c in clusters if c.nationality == adj[0].ref and c.key in d.entities]
            if len(match) == 1 and not any(p.key == match[0].key for p in pms[k]):
                pms[k].append(PM(match[0].key, i, "description", match[0].nationality))


def _entity_mentions(d: _Doc, pms: list[list[PM]]):
    lex, kb = d.lex, d.kb
    ems: list[list[EM]] = [[] for _ in d.sentences]
    generic_agr: list[list[EM]] = [[] for _ in d.sentences]
    editions: dict[str, set[int]] = defaultdict(set)
    series_mentions: list[tuple[int, int, Item, str]] = []
    # an article's generic agreement words ("the agreement", "the MoU") refer to one agreement when it
    # qualifies only one ("a defence cooperation agreement")
    qualified = {_agreement_kind(items, i, "") for items in d.items for i, it in enumerate(items)
                 if it.kind == "agr" and _agreement_supported(items, i)} - {""}
    doc_kind = next(iter(qualified)) if len(qualified) == 1 else None
    for k, items in enumerate(d.items):
        for i, it in enumerate(items):
            if it.kind == "adj":
                if not _word_guard(it, lex) or (it.title_only and not (
                        i > 0 and items[i - 1].kind in ("post", "plural_post", "cpart", "cpart_pl", "rank"))):
                    continue
                key = f"country:{it.ref}"
                if i > 0 and items[i - 1].fold in CURRENCY:
                    continue  # دولار أميركي: a currency, not a mention of the country
                d.mention(key, it.start, it.end, k, "adjective", 0.9, it.prefix)
                ems[k].append(EM(key, i, "Country"))
                continue
            if it.kind != "entity" or str(it.ref).startswith("person:"):
                continue
            if not _word_guard(it, lex) or not _ambiguous_ok(items, i, lex):
                continue
            key = str(it.ref)
            ent = kb.get(key)
            if ent is None:
                continue
            if ent.type == "EventSeries":
                n = _edition(items, i)
                series_mentions.append((k, i, it, key))
                if n:
                    editions[key].add(n)
                continue
            if ent.kind == "weapon" and ent.get("generic"):
                named = _quoted_after(items, i)
                if named is not None:
                    # a class word and a quoted name the KB does not know: الفرقاطة «فريم», the "Fateh" missile
                    a, b, surface = named
                    nkey = "weapon:n-" + slug(fold(surface))
                    e = d.entity(nkey)
                    e.type, e.pref = "WeaponSystem", (surface, d.lang)
                    e.props["category"] = ent.get("category")
                    d.mention(nkey, a, b, k, "weapon-quoted-name", 0.6)
                    ems[k].append(EM(nkey, i, "WeaponSystem"))
                    continue
                if _next_to_specific_weapon(items, i, kb):
                    continue
                origin = _origin(items, i, kb)
                if ent.get("category") == "arms" and not origin:
                    continue  # "weapons" with neither kind nor maker names nothing one can follow
                # a class of weapons is what this article speaks of (these Russian arms), not one global node
                gkey = f"{key}@{origin or ''}#{d.tag}"
                e = d.entity(gkey)
                e.type = "WeaponSystem"
                e.props["generic"] = True
                e.iri = f"{ID_BASE}weapon/{ent.id}{'-' + origin if origin else ''}-d{d.tag}"
                if origin:
                    e.props["origin"] = f"country:{origin}"
                    oc = kb.get(f"country:{origin}")
                    adj = ((oc.get("adjectives") or {}).get("en") or [oc.label_en]) if oc else [origin]
                    e.label_en = f"{adj[0]}-made {ent.label_en}"
                else:
                    e.label_en = ent.label_en
                e.props["category"] = ent.get("category")
                end = it.end
                for nxt in items[i + 1:i + 3]:  # the maker belongs to the name: الأسلحة الروسية
                    if nxt.kind == "adj" or "trig:made" in nxt.cues:
                        end = nxt.end
                    else:
                        break
                d.mention(gkey, it.start, end, k, "gazetteer-generic", 0.6, it.prefix)
                ems[k].append(EM(gkey, i, "WeaponSystem", generic=True))
                continue
            d.mention(key, it.start, it.end, k, "gazetteer", 0.9 if len(it.fold) > 3 else 0.75, it.prefix)
            ems[k].append(EM(key, i, ent.type))
        for i, it in enumerate(items):
            if it.kind == "agr" and _agreement_supported(items, i):
                kind = doc_kind or _agreement_kind(items, i, str(it.ref))
                gkey = f"agreement:g-{d.tag}-{kind or 'agreement'}"
                e = d.entity(gkey)
                e.type = "Agreement"
                e.props["generic"] = True
                e.props["agreementKind"] = kind or "agreement"
                end = it.end
                for nxt in items[i + 1:i + 3]:
                    if "agrq" not in nxt.cues:
                        break
                    end = nxt.end
                d.mention(gkey, it.start, end, k, "agreement-noun", 0.6, it.prefix)
                em = EM(gkey, i, "Agreement", generic=True)
                ems[k].append(em)
                generic_agr[k].append(em)
    # conference editions: an edition number anywhere in the article names the conference it is about
    for k, i, it, skey in series_mentions:
        n = _edition(d.items[k], i)
        if n is None and len(editions.get(skey, ())) == 1:
            n = next(iter(editions[skey]))
        if n is None and d.doc.published:
            series = kb.get(skey)
            for ed in (series.get("editions") or []) if series else []:
                if int(ed.get("year") or 0) == d.doc.published.year:
                    n = int(ed["number"])
        sid = skey.split(":", 1)[1]
        ckey = f"event:{sid}-{n}" if n else f"event:{sid}-d{d.tag}"
        e = d.entity(ckey)
        e.type = "Conference"
        series = kb.get(skey)
        e.props["editionOf"] = skey
        if n:
            e.props["editionNumber"] = n
            e.label_en = f"{_ordinal_en(n)} {series.label_en}" if series else None
        elif series:
            e.label_en = f"{series.label_en} (edition not stated)"
        if series is not None and series.get("location"):
            e.props["location"] = f"place:{series.get('location')}"
        d.mention(ckey, it.start, it.end, k, "conference-edition" if n else "conference", 0.85 if n else 0.6,
                  it.prefix)
        ems[k].append(EM(ckey, i, "Conference"))
    # organizations the KB does not know, named by a head noun and a country, place or quoted name
    # (a country or place inside the name, البنك المركزي العراقي, stays a mention of its own)
    taken = [(m.start, m.end) for m in d.mentions if not m.entity.startswith(("country:", "place:"))]
    for k, items in enumerate(d.items):
        for o in find_organizations(items, lex):
            a, b = items[o.start].start, items[o.end - 1].end
            if any(x < b and a < y for x, y in taken):
                continue
            e = d.entity(o.key)
            e.type = "Organization"
            e.pref = (d.doc.text[_after_clitics(d.doc.text, a, b, o.prefix):b], d.lang)
            d.mention(o.key, a, b, k, "organization-head", 0.6, o.prefix)
            ems[k].append(EM(o.key, o.start, "Organization"))
    for lst in ems:
        lst.sort(key=lambda e: e.item)
    return ems, generic_agr


def _ner_mentions(d: _Doc, ems: list[list[EM]]) -> None:
    """Names the statistical NER finds and no rule or KB entry took (see :func:`.ner.candidates`): linked to the KB
    when a name matches, new entities otherwise; a mention's confidence is the model's, weighted below a KB match."""
    spans = recognize(d.doc.text, d.sentences, d.lang)
    if not spans:
        return
    types = {"PER": "Person", "ORG": "Organization", "LOC": "Place"}
    taken = [(m.start, m.end, m.entity) for m in d.mentions]
    for c in candidates(d.doc.text, spans, d.items, taken, d.lang, d.lex, d.kb):
        ent = d.entity(c.key)
        if c.kb is None and ent.type in ("Thing", "Person"):
            ent.type = types[c.label]
            if not ent.pref and not ent.label_en:
                ent.pref = (c.name, d.lang)
        d.mention(c.key, c.start, c.end, c.sent, "ner", round(NER_WEIGHT * c.conf, 3))
        if c.label != "PER":
            ems[c.sent].append(EM(c.key, c.item, ent.type))
    for lst in ems:
        lst.sort(key=lambda e: e.item)


def _ordinal_en(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _edition(items: list[Item], i: int) -> int | None:
    for j in (i + 1, i - 1, i + 2, i - 2):
        if 0 <= j < len(items) and "ordinal" in items[j].cues and items[j].kind == "tok":
            return int(items[j].cues["ordinal"][0])
    return None


def _quoted_after(items: list[Item], i: int) -> tuple[int, int, str] | None:
    """A short quoted name right after item ``i`` that is no known entity: (start, end, text)."""
    j = i + 1
    if j >= len(items) or items[j].kind != "punct" or items[j].text not in ("«", '"', "“"):
        return None
    close = {"«": "»", '"': '"', "“": "”"}[items[j].text]
    k = j + 1
    while k < len(items) and k - j <= 4 and items[k].text != close:
        if items[k].kind not in ("tok",):
            return None
        k += 1
    if k >= len(items) or items[k].text != close or k == j + 1:
        return None
    return items[j + 1].start, items[k - 1].end, _span_text(items[j + 1:k])


def _span_text(items: list[Item]) -> str:
    out = items[0].text
    for prev, it in zip(items, items[1:], strict=False):
        out += (" " if it.start > prev.end else "") + it.text
    return out


def _next_to_specific_weapon(items: list[Item], i: int, kb: KB) -> bool:
    """"منظومة الدفاع الجوي اس 300", "مقاتلات «سو 25»": the class word only introduces the system."""
    near = [i - 1, i + 1] + [j for j in (i - 2, i + 2) if 0 <= j < len(items) and items[(i + j) // 2].kind == "punct"]
    for j in near:
        if 0 <= j < len(items) and items[j].kind == "entity" and str(items[j].ref).startswith("weapon:"):
            e = kb.get(str(items[j].ref))
            if e is not None and not e.get("generic"):
                return True
    return False


def _origin(items: list[Item], i: int, kb: KB) -> str | None:
    """"Iranian-made drones", "الطائرات المسيرة الإيرانية الصنع", "پهپاد ساخت ایران"; and the adjective
    right beside the class word: "الأسلحة الروسية", "سلاح‌های روسی", "Russian arms"."""
    for j in (i + 1, i - 1):
        if 0 <= j < len(items) and items[j].kind == "adj" and not items[j].title_only:
            nxt = items[j + 1] if j + 1 < len(items) else None
            if nxt is None or "trig:made" not in nxt.cues:
                return str(items[j].ref)
    for j, it in enumerate(items):
        if "trig:made" not in it.cues:
            continue
        for k in (j - 1, j - 2, j + 1, j + 2):
            if 0 <= k < len(items) and (items[k].kind == "adj" or (
                    items[k].kind == "entity" and str(items[k].ref).startswith("country:"))):
                ref = str(items[k].ref)
                return ref.split(":", 1)[1] if ":" in ref else ref
    return None


def _agreement_supported(items: list[Item], i: int) -> bool:
    window = items[max(0, i - 1):i + 4]
    if any("agrq" in x.cues for x in window):
        return True
    if any("trig:sign" in x.cues for x in items):
        return True
    between = any("trig:between" in x.cues and not _international(items, j) for j, x in enumerate(items) if j >= i)
    return between and sum(1 for x in items[i:] if x.kind == "entity" and str(x.ref).startswith("country:")) >= 2


def _agreement_kind(items: list[Item], i: int, noun_kind: str) -> str:
    for x in items[i:i + 4]:
        if "agrq" in x.cues:
            return str(x.cues["agrq"][0])
    for x in items:
        if "agrq" in x.cues:
            return str(x.cues["agrq"][0])
    return noun_kind or ""


def _dateline(d: _Doc) -> str | None:
    for items in d.items[:3]:
        if len(items) >= 2 and items[0].kind == "entity" and str(items[0].ref).startswith("place:") and (
                items[1].kind == "punct" and items[1].text in ("-", "–", "—", ":")):
            return str(items[0].ref)
    return None


def _both_sides(v: SentenceView, st: DocState) -> None:
    """"The two sides" are the participants of the meeting the article reported last."""
    if not any(it.kind == "both" for it in v.items):
        return
    idx = next(i for i, it in enumerate(v.items) if it.kind == "both")
    if st.meetings:
        for p in st.meetings[-1].args["participant"]:
            if not any(x.key == p for x in v.people):
                v.people.append(PM(p, idx, "both-sides", st.nationality.get(p)))


def _meeting_countries(st: DocState) -> list[str]:
    out: list[str] = []
    for m in st.meetings[:1]:
        for p in m.args["participant"]:
            n = st.nationality.get(p)
            if n and f"country:{n}" not in out:
                out.append(f"country:{n}")
    if len(out) < 2:
        for v in st.visits.values():
            vis = st.nationality.get(v.args["participant"][0])
            dest = st.country(v.args["location"])
            for c in (vis, dest):
                if c and f"country:{c}" not in out:
                    out.append(f"country:{c}")
    return sorted(out) if len(out) >= 2 else []


def _person_facts(d: _Doc, clusters: list[Cluster], cs) -> list[Fact]:
    facts: list[Fact] = []
    for c in clusters:
        if c.key not in d.entities:
            continue
        posts: dict[tuple, Fact] = {}
        for p in c.posts:
            if not p.of:
                continue
            k = (p.role, p.of, p.to)
            a, b = d.sentences[p.sent]
            ev = Evidence(p.sent, a, b, p.rule, p.conf)
            if k in posts:
                posts[k].evidence.append(ev)
                continue
            args = {"person": c.key, "role": p.role, "of": p.of}
            if p.to:
                args["toCountry"] = p.to
            pk = "post:" + "-".join(x.split(":")[-1] for x in (c.key, p.role, p.of, p.to or "") if x)
            posts[k] = Fact("Post", args, [ev], key=pk)
        facts += posts.values()
        ranks: dict[str, Fact] = {}
        for iri, sent, irgc, conf in c.ranks:
            concept = cs.ranks.get(iri)
            if concept is None:
                continue
            target = concept
            if irgc:
                sys_irgc = next((s for s in cs.rank_systems if s.endswith("/ir-irgc")), None)
                if sys_irgc:
                    target = cs.equivalent_rank(concept, sys_irgc) or concept
            elif c.nationality not in cs.rank_systems.get(concept.scheme, []):
                system = cs.system_for_country(c.nationality) or (d.lex.default_rank_system if not c.nationality
                                                                    else None)
                if system and system != concept.scheme:
                    target = cs.equivalent_rank(concept, system) or concept
            a, b = d.sentences[sent]
            ev = Evidence(sent, a, b, "rank-title", conf)
            if target.iri in ranks:
                ranks[target.iri].evidence.append(ev)
            else:
                ranks[target.iri] = Fact("Rank", {"person": c.key, "rank": target.iri}, [ev],
                                         key=f"rank-{c.key}-{target.slug}")
        facts += ranks.values()
    return facts


def _name_generic_agreements(d: _Doc, facts: list[Fact]) -> dict[str, str]:
    rename: dict[str, str] = {}
    for key, ent in list(d.entities.items()):
        if not key.startswith("agreement:g-"):
            continue
        parties: set[str] = set()
        for f in facts:
            if f.kind == "Party" and f.args.get("agreement") == key:
                parties |= set(f.args["party"])
        kind = ent.props.get("agreementKind") or "agreement"
        if len(parties) >= 2:
            ids = sorted(p.split(":", 1)[1] for p in parties)
            new = f"agreement:{'-'.join(ids)}-{kind.replace('_', '-')}"
            rename[key] = new
            known = [a for a in d.kb.by_kind.get("agreement", {}).values()
                     if sorted(a.get("parties") or []) == ids and a.get("kind") == kind]
            if len(known) == 1 and _corroborates(known[0], key, facts, d.lex):
                # the KB's agreement, when the article's date or place of signing agrees with it
                ent.props["sameAs"] = known[0].iri
            names = []
            for p in sorted(parties):
                e = d.kb.get(p)
                names.append(e.label_en if e is not None else p.split(":", 1)[1])
            ent.label_en = f"{'–'.join(names)} {kind.replace('_', ' ')} agreement".replace(
                "agreement agreement", "agreement")
    return rename


def _corroborates(kb_agreement, key: str, facts: list[Fact], lex: Lexicon) -> bool:
    signed = str(kb_agreement.get("signed") or "")
    place = kb_agreement.get("place")
    months = {fold(k): v for k, v in lex.months.items()}
    for f in facts:
        if f.kind != "Signing" or f.args.get("agreement") != key:
            continue
        if f.args.get("date") and signed and str(f.args["date"])[:7] in (signed[:7], signed[:4]):
            return True
        if place and f.args.get("location") == f"place:{place}":
            return True
        text = fold(str(f.args.get("dateText") or ""))
        if signed[5:7] and any(m in text.split() and v == int(signed[5:7]) for m, v in months.items()):
            return True
    return False


def _rename(f: Fact, rename: dict[str, str]) -> Fact:
    if not rename:
        return f
    for k, v in list(f.args.items()):
        if isinstance(v, str) and v in rename:
            f.args[k] = rename[v]
        elif isinstance(v, list):
            f.args[k] = [rename.get(x, x) if isinstance(x, str) else x for x in v]
    if f.key:
        for old, new in rename.items():
            f.key = f.key.replace(old, new)
    return f


def _used_keys(facts: list[Fact]) -> set[str]:
    used: set[str] = set()
    for f in facts:
        for v in f.args.values():
            vals = v if isinstance(v, list) else [v]
            for x in vals:
                if isinstance(x, str) and re.match(r"^(country|place|organization|person|weapon|event|agreement):", x):
                    used.add(x)
    return used


__all__ = ["extract", "document_language", "UnsupportedLanguage", "SUPPORTED"]
