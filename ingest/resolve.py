"""Entity resolution: people within a document, then against the KB and across documents.

Within a document, name mentions are clustered (full name, skeleton, family name). A cluster is linked to
a KB person by exact name, by script-independent skeleton, or, where the text gives a post, by the family
name among the KB's holders of that post. Unlinked people get a key derived from the skeleton of their full
name, so the same person written in Arabic, Persian or English lands on one node in any build; a person
known only by a family name stays local to the document: sharing a surname is not identity.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from .kb import KB, KBEntity, load_kb
from .lexicon import lightfold
from .normalize import fold
from .persons import Chain, PersonSpan
from .translit import similarity, skeleton, slug


@dataclass
class PostClaim:
    role: str
    of: str | None
    to: str | None
    sent: int
    rule: str
    conf: float


@dataclass
class Cluster:
    spans: list[tuple[int, PersonSpan]] = field(default_factory=list)  # (sentence, span)
    kb: KBEntity | None = None
    key: str = ""
    posts: list[PostClaim] = field(default_factory=list)
    ranks: list[tuple[str, int, bool, float]] = field(default_factory=list)  # (rank iri, sent, irgc, conf)
    nationality: str | None = None
    counterpart_chains: list[tuple[int, Chain]] = field(default_factory=list)

    @property
    def full(self) -> list[str]:
        best = max((s for _, s in self.spans), key=lambda s: (len(s.tokens), s.strength))
        return best.tokens

    @property
    def surname(self) -> str:
        return self.full[-1]

    def names(self) -> list[str]:
        return [" ".join(s.tokens) for _, s in self.spans]

    @property
    def strength(self) -> float:
        return max(s.strength for _, s in self.spans)


@lru_cache(maxsize=1)
def _kb_person_index() -> tuple[dict, dict, dict]:
    kb = load_kb()
    exact: dict[str, list[KBEntity]] = defaultdict(list)
    skel: dict[str, list[KBEntity]] = defaultdict(list)
    surname: dict[str, list[KBEntity]] = defaultdict(list)
    for p in kb.by_kind.get("person", {}).values():
        for _, name in p.all_names():
            exact[fold(name)].append(p)
            sk = skeleton(name)
            if sk:
                skel[sk].append(p)
                last = sk.split()[-1]
                if p not in surname[last]:
                    surname[last].append(p)
    return exact, skel, surname


def _org_country(kb: KB, key: str | None) -> str | None:
    if not key:
        return None
    kind, _, ident = key.partition(":")
    if kind == "country":
        return ident
    e = kb.get(key)
    return kb.country_of(e) if e is not None else None


def _same_name(a: list[str], b: list[str]) -> bool:
    if a == b:
        return True
    sa, sb = skeleton(" ".join(a)), skeleton(" ".join(b))
    return bool(sa) and sa == sb


def cluster_people(found: list[tuple[int, PersonSpan]]) -> list[Cluster]:
    clusters: list[Cluster] = []
    order = sorted(found, key=lambda x: (x[1].kb is None, -len(x[1].tokens), x[0]))
    for sent, sp in order:
        target = None
        for c in clusters:
            if sp.kb and c.kb is not None and c.kb.key == sp.kb:
                target = c
                break
            full = c.full
            if len(sp.tokens) >= 2 and _same_name(sp.tokens, full):
                target = c
                break
            if len(sp.tokens) >= 2 and len(full) >= 2 and skeleton(sp.tokens[0]) == skeleton(full[0]) and (
                    _in_order(sp.tokens, full) or _in_order(full, sp.tokens)):
                # "محمد بن نايف" within "محمد بن نايف بن عبد العزيز آل سعود" (not "محمد بن سلمان ... آل سعود")
                target = c
                break
            if len(sp.tokens) == 1 and (sp.tokens[0] == full[-1] or (
                    len(full) >= 2 and skeleton(sp.tokens[0]) == skeleton(full[-1]) and len(skeleton(full[-1])) >= 3)):
                target = c
                break
            if sp.kb is None and c.kb is not None and len(sp.tokens) >= 2 and _kb_has_name(c.kb, sp.tokens):
                target = c
                break
        if target is None:
            target = Cluster()
            if sp.kb:
                target.kb = load_kb().get(sp.kb)
            clusters.append(target)
        target.spans.append((sent, sp))
    return clusters


def _in_order(short: list[str], long: list[str]) -> bool:
    it = iter(long)
    return len(short) < len(long) and all(any(w == x for x in it) for w in short)


def _kb_has_name(e: KBEntity, tokens: list[str]) -> bool:
    sk = skeleton(" ".join(tokens))
    return any(skeleton(n) == sk for _, n in e.all_names())


def collect_claims(c: Cluster, kb: KB) -> None:
    """Posts, ranks and nationality stated by the titles around each mention."""
    for sent, sp in c.spans:
        for ch in sp.chains:
            if ch.cpart and not ch.post:
                c.counterpart_chains.append((sent, ch))
            elif ch.post and not ch.plural:
                of = ch.of[0] if ch.of else None
                to = ch.to
                if to and to.startswith("place:"):
                    to = f"country:{_org_country(kb, to) or ''}" if _org_country(kb, to) else None
                c.posts.append(PostClaim(ch.post, of, to, sent, "title-" + sp.rule, min(0.95, sp.strength + 0.05)))
            if ch.rank:
                c.ranks.append((ch.rank, sent, ch.irgc, sp.strength))
    nat = Counter()
    for p in c.posts:
        country = _org_country(kb, p.of)
        if country:
            nat[country] += 1
    for _, ch in c.counterpart_chains:
        for o in ch.of:
            country = _org_country(kb, o)
            if country:
                nat[country] += 1
    if nat:
        c.nationality = nat.most_common(1)[0][0]
    elif c.kb is not None:
        c.nationality = c.kb.get("country")


def link_kb(c: Cluster, kb: KB) -> None:
    if c.kb is not None:
        return
    exact, skel, surname = _kb_person_index()
    cands: list[KBEntity] = []
    for _, sp in c.spans:
        for p in exact.get(fold(" ".join(sp.tokens)), []):
            if p not in cands:
                cands.append(p)
    if not cands and len(c.full) >= 2:
        for p in skel.get(skeleton(" ".join(c.full)), []):
            if p not in cands:
                cands.append(p)
    roles = {(p.role, p.of) for p in c.posts}
    if not cands and roles:
        sk_last = skeleton(c.surname)
        for role, of in roles:
            for p in kb.holders(role, (of or ":").split(":", 1)[1]):
                names = [skeleton(n) for _, n in p.all_names()]
                if any(n and similarity(n.split()[-1], sk_last) >= 0.67 for n in names):
                    if p not in cands:
                        cands.append(p)
    if not cands and len(c.full) == 1 and not roles:
        # a family name alone, with no post to check it against: only the same spelling, same country
        for p in surname.get(skeleton(c.surname), []):
            same = any(lightfold(n.split()[-1]) == c.surname for _, n in p.all_names() if len(n.split()) >= 2)
            if same and c.nationality and p.get("country") == c.nationality and p not in cands:
                cands.append(p)
    if c.nationality:
        narrowed = [p for p in cands if p.get("country") in (None, c.nationality)]
        cands = narrowed or cands
    if len(cands) > 1 and roles:
        narrowed = [p for p in cands if any((pos.get("role"), f"{_kind_of(kb, pos.get('of'))}:{pos.get('of')}") in roles
                                            for pos in p.get("positions") or [])]
        cands = narrowed or cands
    if len(cands) == 1:
        c.kb = cands[0]


def _kind_of(kb: KB, ident: str | None) -> str:
    e = kb.find(ident or "", ("country", "organization", "place"))
    return e.kind if e is not None else "country"


def assign_keys(clusters: list[Cluster], doc_tag: str) -> None:
    for c in clusters:
        if c.kb is not None:
            c.key = c.kb.key
        elif len(c.full) >= 2:
            # the skeleton, not the spelling: امير حاتمي, امیر حاتمی and Amir Hatami get one key
            c.key = "person:n-" + slug(skeleton(" ".join(c.full)).lower())
        else:
            c.key = f"person:d{doc_tag}-" + slug(skeleton(c.surname).lower() or c.surname)


def merge_same_key(clusters: list[Cluster]) -> list[Cluster]:
    by: dict[str, Cluster] = {}
    for c in clusters:
        if c.key in by:
            t = by[c.key]
            t.spans += c.spans
            t.posts += c.posts
            t.ranks += c.ranks
            t.counterpart_chains += c.counterpart_chains
            t.nationality = t.nationality or c.nationality
        else:
            by[c.key] = c
    return list(by.values())


@lru_cache(maxsize=1)
def kb_family_names() -> dict[str, KBEntity]:
    """Family names that name exactly one KB person and are no given name, common word or other name
    (ترامب, Shoigu): such a name alone is a mention of that person."""
    from .lexicon import all_given_names, available_languages, lexicon

    kb = load_kb()
    single, amb, _ = all_given_names()
    common: set[str] = set()
    for lang in available_languages():
        lx = lexicon(lang)
        common |= lx.stop | lx.verbs
        cues = list(lx.months) + list(lx.weekdays) + list(lx.ordinals) + list(lx.relative_days)
        cues += [w for ws in lx.triggers.values() for w in ws]
        for w in cues:
            common |= {lightfold(w), lightfold(w)[2:] if lightfold(w).startswith("ال") else lightfold(w)}
    other = {lightfold(n) for e in kb.by_key.values() if e.kind != "person" for _, n in e.all_names()}
    owners: dict[str, set[str]] = defaultdict(set)
    ent: dict[str, KBEntity] = {}
    for p in kb.by_kind.get("person", {}).values():
        for _, n in p.all_names():
            parts = n.split()
            if len(parts) < 2:
                continue
            f = lightfold(parts[-1])
            owners[f].add(p.key)
            ent[f] = p
    # Arabic family names with the article (العربي, الملك) are too often ordinary words to stand alone, and
    # family names made from a given name (محمدي, حسيني) are borne by too many people
    def from_given(f: str) -> bool:
        return any(f.endswith(s) and f[: -len(s)] in single for s in ("ي", "يان", "پور", "زاده", "نژاد", "نيا", "ov"))

    return {f: ent[f] for f, who in owners.items() if len(who) == 1 and len(f) >= 4 and f not in single
            and f not in amb and f not in common and f not in other and not f.startswith("ال")
            and not from_given(f)}


def surname_forms(c: Cluster) -> set[str]:
    """Light-folded family names by which a cluster may be referred to alone."""
    forms = {c.surname}
    for _, sp in c.spans:
        if len(sp.tokens) >= 2:
            forms.add(sp.tokens[-1])
    if c.kb is not None:
        for _, n in c.kb.all_names():
            parts = n.split()
            if len(parts) >= 2:
                forms.add(lightfold(parts[-1]))
    return {f for f in forms if len(f) >= 3}


NER_KINDS = {"PER": ("person",), "ORG": ("organization",), "LOC": ("country", "place")}


@lru_cache(maxsize=4)
def _kb_names(kb: KB) -> dict[str, list[tuple[str, KBEntity]]]:
    idx: dict[str, list[tuple[str, KBEntity]]] = defaultdict(list)
    for e in kb.by_key.values():
        for lang, n in e.all_names():
            idx[fold(n)].append((lang, e))
    return idx


def link_name(forms: list[str], label: str, kb: KB, lang: str | None = None) -> KBEntity | None:
    """The one KB entity of the kinds an NER label allows (PER: person; ORG: organization; LOC: country, place)
    that carries one of ``forms`` as a name (folded), or for a person a name with the same skeleton; None when
    there is none or more than one. A one-word name counts only in the document's language ``lang`` (the KB
    lists Persian الشباب, not the Arabic word for "the youth"), as in the gazetteer."""
    kinds = NER_KINDS.get(label, ())
    names = _kb_names(kb)
    for form in forms:
        one_word = len(form.split()) == 1
        cands = {e.key: e for n_lang, e in names.get(fold(form), [])
                 if e.kind in kinds and not (one_word and lang and n_lang != lang)}
        if not cands and label == "PER" and len(form.split()) >= 2:
            _, skel, _ = _kb_person_index()
            cands = {e.key: e for e in skel.get(skeleton(form), [])}
        if len(cands) == 1:
            return next(iter(cands.values()))
        if cands:
            return None
    return None


def ner_key(label: str, words: list[str]) -> str:
    """Key of a name the KB does not know: a person by the skeleton of the name (as :func:`assign_keys`), an
    organization or place by its words without the article (as the organization finder)."""
    if label == "PER":
        return "person:n-" + slug(skeleton(" ".join(words)).lower())
    kind = "organization" if label == "ORG" else "place"
    return f"{kind}:n-" + slug(" ".join(w[2:] if w.startswith("ال") else w for w in words))
