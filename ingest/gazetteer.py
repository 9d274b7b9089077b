"""Phrase matching of names, titles and cue words over normalized text, with offsets into the original.

Every phrase (a KB name, a post or rank label, a trigger word) is folded and compiled to a pattern in which
the words may be joined or separated by space, hyphen or a lost ZWNJ (بین المللی = بینالمللی, S-300 =
S 300 = S300), each word may carry the language's optional article (ال), and the first may carry the
language's proclitics (و, ب, لل ...). Candidates are found through an index on the first three letters,
then verified with the pattern at that position.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from .concepts import concepts
from .kb import KB, KBEntity, load_kb
from .lexicon import Lexicon, all_given_names, lexicon
from .normalize import NormText, fold, normalize

SEP = r"[\s\-_/]*"
_SPLIT = re.compile(r"[\s\-_/\u200c]+|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")

# Layer 0: names and titles (non-overlapping, longest wins). Layer 1: cue words (may overlap).
NAME_KINDS = {"entity": 0, "post": 1, "plural_post": 1, "rank": 1, "adj": 2, "hon": 3, "cpart": 3,
              "cpart_pl": 3, "both": 3, "agr": 4}


@dataclass(slots=True)
class Entry:
    pattern: re.Pattern
    kind: str
    ref: object
    layer: int
    suffixes: tuple[str, ...]
    cased: bool
    size: int
    needs_media: bool = False  # a news outlet named by a common word: only after "agency", "قناة" ...
    title_only: bool = False  # an adjective that is also a common word (المالي): only in a title


@dataclass(slots=True)
class Hit:
    start: int  # original offsets
    end: int
    kind: str
    ref: object
    layer: int
    surface: str
    prefix: str = ""
    title_only: bool = False


def _words(folded: str) -> list[str]:
    return [w for w in _SPLIT.split(folded) if w]


ARABIC_SCRIPT = {"ar", "fa", "ur", "ps", "ku"}


def _same_script(a: str, b: str) -> bool:
    return a in ARABIC_SCRIPT and b in ARABIC_SCRIPT


def _inflections(adjective: str, lang: str) -> list[str]:
    """An adjective's forms with the endings its language adds (إيراني → إيرانية, إيرانيون ...), folded."""
    base = fold(adjective)
    return [base + s for s in lexicon(lang).adjective_suffixes]


def _nisbas(names: list[str], rules: list[list[str]]) -> list[str]:
    """Adjectives made from one-word country names by the language's nisba rules."""
    out = []
    for n in names:
        w = fold(n)
        if " " in w or not rules:
            continue
        w = _strip_article(w)
        for end, repl in rules:
            e, r = fold(end), fold(repl)
            if w.endswith(e):
                out.append(w[: len(w) - len(e)] + r)
                break
    return out


def _strip_article(w: str) -> str:
    return w[2:] if w.startswith("ال") and len(w) > 4 else w


def _compact(words: list[str], article: str) -> str:
    out = []
    for i, w in enumerate(words):
        if article and w.startswith(article) and len(w) > len(article) + 1:
            w = w[len(article):]
        out.append(w)
        if i == 0 and len(w) >= 3:
            break
    return "".join(out)


class Gazetteer:
    """All phrases for one document language."""

    def __init__(self, lang: str, kb: KB):
        self.lang = lang
        self.lex: Lexicon = lexicon(lang)
        self.kb = kb
        self._index: dict[str, list[Entry]] = defaultdict(list)
        self._seen: set[tuple] = set()
        self._acronyms: dict[str, KBEntity] = {}
        self._build()
        acr = sorted(self._acronyms, key=len, reverse=True)
        self._acr_re = re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, acr)) + r")(?![\w])") if acr else None

    # -- building -------------------------------------------------------------------------------
    def add(self, phrase: str, kind: str, ref: object, layer: int = 0, name_lang: str | None = None,
            suffixes: tuple[str, ...] = (), needs_media: bool = False, common_noun: bool = False,
            title_only: bool = False) -> None:
        folded = fold(phrase.replace("\u200c", " "))  # a ZWNJ separates words: بین‌المللی = بین المللی
        words = _words(folded)
        if not words:
            return
        key = (tuple(words), kind, str(ref))
        if key in self._seen:
            return
        self._seen.add(key)
        # Arabic names and titles take the optional article; cue words are listed with and without it.
        article = "ال" if name_lang == "ar" else (self.lex.article if name_lang is None and layer == 0 else "")
        parts = []
        # a name's article may drop (حكومة العراق / عراق) but a name never gains one: موسكو is never
        # الموسكو and المالية is not Malé; titles, adjectives and cue words take it either way
        gain = kind != "entity" or common_noun
        for w in words:
            # the article of a one-word name stays: المدينة (Medina) is not مدينة (a city)
            has = bool(article) and w.startswith(article) and len(w) > len(article) + 1 and (
                len(words) > 1 or gain)
            core = w[len(article):] if has else w
            optional = article and (has or (gain and not w.startswith(article)))
            parts.append((f"(?:{re.escape(article)})?" if optional else "") + re.escape(core))
        pat = re.compile(SEP.join(parts))
        # English proper names match capitalized only; designations with digits (S-300, s 300) match any case
        cased = bool(name_lang == "en" and layer == 0 and kind == "entity" and phrase[:1].isupper()
                     and not any(ch.isdigit() for ch in phrase))
        size = sum(len(w) for w in words)
        entry = Entry(pat, kind, ref, layer, suffixes, cased, size, needs_media, title_only)
        comp = _compact(words, article)
        self._index[comp[:3]].append(entry)

    def _build(self) -> None:
        lx = self.lex
        place_suffixes = tuple(lx.name_suffixes)
        outlets = [e for e in self.kb.by_key.values() if e.kind == "organization" and e.get("class") == "news_agency"]
        other_names = {fold(n) for e in self.kb.by_key.values() if e not in outlets for _, n in e.all_names()}
        adjectives = self._adjective_forms()
        ambiguous = {_strip_article(a) for a in lx.ambiguous_names}
        noun_suffixes = tuple(fold(x) for x in lx.raw.get("noun_suffixes") or [])
        for e in self.kb.by_key.values():
            suffixes = place_suffixes if e.kind in ("country", "place") else ()
            if e.get("generic"):
                suffixes = noun_suffixes
            own = {fold(n) for _, n in e.all_names()}
            for lang, name in e.all_names():
                f = fold(name)
                words = _words(f)
                if lang not in (self.lang, "en") and len(words) == 1 and _same_script(lang, self.lang):
                    # a one-word name of another language in this script: Persian مدینه is Arabic مدينة, a city
                    continue
                if e.kind == "organization" and len(words) > 1 and _strip_article(words[-1]) in adjectives and (
                        " ".join(words[:-1]) in own):
                    continue  # "... الإيراني": the nationality adjective is its own mention of the country
                media = e in outlets and (f in other_names or len(_words(f)) == 1)
                self.add(name, "entity", e.key, 0, lang, suffixes, needs_media=media,
                         common_noun=bool(e.get("generic")) or e.kind == "weapon")
            for acr in e.get("acronyms") or []:
                self._acronyms[str(acr)] = e
            if e.kind == "country":
                own_adjs = {lang: list(adjs or []) for lang, adjs in (e.get("adjectives") or {}).items()}
                derived: set[str] = set()
                for lang in ("ar", "fa"):
                    if not own_adjs.get(lang):
                        own_adjs[lang] = _nisbas(e.names.get(lang, []), lexicon(lang).raw.get("nisba_rules") or [])
                        derived |= {fold(a) for a in own_adjs[lang]}
                risky = any(_strip_article(fold(n)) in ambiguous for ns in e.names.values() for n in ns)
                for lang, adjs in own_adjs.items():
                    for a in adjs:
                        for form in _inflections(a, lang):
                            # المالي is Malian in "نظيره المالي" but "financial" elsewhere
                            self.add(form, "adj", e.id, 0, lang, title_only=risky and fold(a) in derived)
        cs = concepts()
        for slug, c in cs.posts.items():
            if c.iri in cs.broader:
                continue  # an organization-bound post (Secretary of the SNSC) is read as role + organization
            for lab in c.labels.get(self.lang, []):
                self.add(lab, "post", slug, 0, self.lang)
        for slug, forms in lx.posts.items():
            for f in forms:
                self.add(f, "post", slug, 0, self.lang)
        for slug, forms in lx.plural_posts.items():
            for f in forms:
                self.add(f, "plural_post", slug, 0, self.lang)
        for iri, c in cs.ranks.items():
            # a rank word of one language is often an ordinary word of another (مقدم)
            for lab in c.labels.get(self.lang, []):
                self.add(lab, "rank", iri, 0, self.lang)
        system = lx.default_rank_system
        for form, slug_ in (lx.raw.get("rank_forms") or {}).items():
            iri = f"{system}/{slug_}" if system else None
            if iri in cs.ranks:
                self.add(str(form), "rank", iri, 0, self.lang)
        for f in lx.honorifics:
            self.add(f, "hon", None, 0)
        for f in lx.counterpart:
            self.add(f, "cpart", None, 0)
        for f in lx.counterpart_plural:
            self.add(f, "cpart_pl", None, 0)
        for f in lx.trig("both_sides"):
            self.add(f, "both", None, 0)
        noun_suffixes = tuple(fold(x) for x in lx.raw.get("noun_suffixes") or [])
        for kind, forms in lx.agreement_nouns.items():
            for f in forms:
                self.add(f, "agr", kind, 0, suffixes=noun_suffixes)  # موافقتنامه‌ای, اتفاقاً
        # layer 1: cues
        for tname, forms in lx.triggers.items():
            if tname == "both_sides":
                continue
            for f in forms:
                self.add(f, "trig:" + tname, tname, 1)
        for kind, forms in lx.agreement_qualifiers.items():
            for f in forms:
                self.add(f, "agrq", kind, 1)
        for f, n in lx.ordinals.items():
            self.add(f, "ordinal", n, 1)
        for f, n in lx.months.items():
            self.add(f, "month", n, 1)
        for f, n in lx.jalali_months.items():
            self.add(f, "jmonth", n, 1)
        for f, n in lx.weekdays.items():
            self.add(f, "weekday", n, 1)
        for f, n in lx.relative_days.items():
            self.add(f, "relday", n, 1)
        for f in lx.irgc_markers:
            self.add(f, "irgc", None, 1)
        _, _, comp = all_given_names()
        for f in comp:
            self.add(f, "given", f, 1)

    def _adjective_forms(self) -> set[str]:
        out: set[str] = set()
        for e in self.kb.by_kind.get("country", {}).values():
            for lang, adjs in (e.get("adjectives") or {}).items():
                for a in adjs or []:
                    out.update(_strip_article(f) for f in _inflections(a, lang))
        return out

    # -- matching -------------------------------------------------------------------------------
    def find(self, text: str, norm: NormText | None = None) -> list[Hit]:
        """All hits in ``text`` (original offsets); layer-0 hits are made non-overlapping."""
        norm = norm or normalize(text, self.lang)
        t = norm.text
        n = len(t)
        hits: dict[tuple, Hit] = {}
        art = self.lex.article
        for m in re.finditer(r"\w+", t):
            p = m.start()
            for pre in self.lex.prefixes:
                if pre and (not t.startswith(pre, p) or m.end() - p - len(pre) < 3):
                    continue
                q = p + len(pre)
                probes = [q]
                if art and t.startswith(art, q):
                    probes.append(q + len(art))
                for r in probes:
                    for k in _probe_keys(t[r:r + 8]):
                        for entry in self._index.get(k, ()):
                            mm = entry.pattern.match(t, q)
                            if not mm:
                                continue
                            end = mm.end()
                            if end < n and t[end].isalnum():
                                for suf in entry.suffixes:
                                    e2 = end + len(suf)
                                    if t.startswith(suf, end) and (e2 >= n or not t[e2].isalnum()):
                                        end = e2
                                        break
                                else:
                                    continue
                            a, b = norm.orig_span(p, end)
                            if entry.cased:
                                ca, _ = norm.orig_span(q, q + 1)
                                if not text[ca:ca + 1].isupper():
                                    continue
                            if entry.needs_media and not self._after_media_noun(t, p):
                                continue
                            hk = (a, b, entry.kind, str(entry.ref))
                            if hk not in hits:
                                hits[hk] = Hit(a, b, entry.kind, entry.ref, entry.layer, text[a:b], pre,
                                               title_only=entry.title_only)
        if self._acr_re is not None:
            for m in self._acr_re.finditer(text):
                e = self._acronyms[m.group(0)]
                hk = (m.start(), m.end(), "entity", e.key)
                hits.setdefault(hk, Hit(m.start(), m.end(), "entity", e.key, 0, m.group(0)))
        return _resolve(list(hits.values()))


    def _after_media_noun(self, t: str, p: int) -> bool:
        """Whether the word before ``p`` introduces a news outlet (وكالة, خبرگزاری, agency)."""
        before = t[max(0, p - 30):p].split()
        if not before:
            return False
        nouns = self.lex.trig("media")
        return before[-1] in nouns or any(before[-1].endswith(n) for n in nouns) or (
            len(before) >= 2 and " ".join(before[-2:]) in nouns)


@lru_cache(maxsize=1 << 16)
def _probe_keys(s: str) -> tuple[str, ...]:
    """The index keys to probe for a name starting with ``s``: its first 3, 2 and 1 letters (spaces, dashes,
    underscores and slashes left out)."""
    key = re.sub(r"[\s\-_/]", "", s)[:3]
    return tuple(dict.fromkeys((key, key[:2], key[:1])))


def _resolve(hits: list[Hit]) -> list[Hit]:
    names = [h for h in hits if h.layer == 0]
    cues = [h for h in hits if h.layer != 0]
    names.sort(key=lambda h: (-(h.end - h.start), NAME_KINDS.get(h.kind, 9), h.start))
    taken: list[tuple[int, int]] = []
    kept: list[Hit] = []
    for h in names:
        if any(h.start < b and a < h.end for a, b in taken):
            continue
        taken.append((h.start, h.end))
        kept.append(h)
    out = kept + cues
    out.sort(key=lambda h: (h.start, -h.end))
    return out


@lru_cache(maxsize=8)
def gazetteer(lang: str) -> Gazetteer:
    return Gazetteer(lang, load_kb())
