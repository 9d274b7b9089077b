"""Normalization for matching, with exact offsets back into the original text.

All language knowledge is data: ``lang/<code>/normalize.yaml`` says which characters to
remove or fold, which digits to map, which proclitics exist and how Persian ZWNJ is
restored. A new language is a new folder; nothing here branches on a language code.

* :func:`fold` - matching key for short strings (names, cue words).
* :func:`normalize` / :class:`NormText` - the same folding applied character by character
  to a whole text, with :meth:`NormText.orig_span` mapping spans back to the original.
* :func:`restore_zwnj` / :func:`restore_zwnj_map` - Persian ZWNJ restoration for display.
* :func:`proclitic_analyses` - (prefix, stem) splits of Arabic proclitics.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LANG_DIR = Path(__file__).resolve().parent / "lang"
ZWNJ = "\u200c"


# ---------------------------------------------------------------------------------------------
# language data
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Proclitics:
    """Proclitic inventory of one language (see ar/normalize.yaml)."""

    conjunctions: tuple[str, ...]
    prepositions: tuple[str, ...]
    article: str
    contractions: dict[str, tuple[str, ...]]
    min_stem: int


@dataclass(frozen=True, slots=True)
class SuffixRule:
    suffix: str
    after: str
    participles: bool


@dataclass(frozen=True, slots=True)
class ZwnjRules:
    """ZWNJ restoration rules of one language (see fa/normalize.yaml). Strings are letter-folded."""

    min_stem: int
    non_joining: frozenset[str]
    suffixes: tuple[SuffixRule, ...]
    known_stems: frozenset[str]
    prefixes: tuple[str, ...]
    present: frozenset[str]
    past: frozenset[str]
    present_endings: frozenset[str]
    past_endings: frozenset[str]
    compounds: dict[str, tuple[int, ...]]  # ZWNJ-free form -> ZWNJ positions
    compound_tails: frozenset[str]
    exceptions: frozenset[str]


@dataclass(frozen=True, slots=True)
class LangData:
    """Everything ``lang/<code>/normalize.yaml`` says about one language."""

    code: str
    path: Path
    remove: frozenset[str]
    fold_map: dict[str, str]
    proclitics: Proclitics | None
    zwnj: ZwnjRules | None
    exclusive_letters: frozenset[str]
    yields_to: tuple[str, ...]
    sentence_ends: str
    abbreviations: tuple[str, ...]


class LangDataError(ValueError):
    """A normalize.yaml file is malformed; str() is ``"<file>: <problem>"``."""


def _chars(path: Path, items: Any, what: str) -> set[str]:
    out: set[str] = set()
    for item in items or []:
        s = str(item)
        if len(s) == 1:
            out.add(s)
        elif len(s) == 3 and s[1] == "-" and ord(s[0]) <= ord(s[2]):
            out.update(chr(o) for o in range(ord(s[0]), ord(s[2]) + 1))
        else:
            raise LangDataError(f"{path}: {what}: {s!r} is neither one character nor a range A-B")
    return out


def _strs(items: Any) -> list[str]:
    return [str(x) for x in (items or [])]


def _load_one(path: Path) -> tuple[LangData, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise LangDataError(f"{path}: {' '.join(str(e).split())}") from e
    if not isinstance(data, dict):
        raise LangDataError(f"{path}: top level must be a mapping")
    code = str(data.get("language") or path.parent.name)
    fold_sec = data.get("fold") or {}
    remove = _chars(path, fold_sec.get("remove"), "fold.remove")
    fmap: dict[str, str] = {}
    for k, v in (fold_sec.get("map") or {}).items():
        k, v = str(k), "" if v is None else str(v)
        if len(k) != 1 or len(v) > 1:
            raise LangDataError(f"{path}: fold.map: {k!r}: {v!r} must map one character to one (or none)")
        fmap[k] = v
    digits = str(fold_sec.get("digits") or "")
    if digits:
        if len(digits) != 10:
            raise LangDataError(f"{path}: fold.digits must list exactly ten digits 0..9")
        fmap.update({d: str(i) for i, d in enumerate(digits)})

    pro = None
    p = data.get("proclitics")
    if p:
        contr = {str(k): tuple(_strs(v)) for k, v in (p.get("contractions") or {}).items()}
        pro = Proclitics(tuple(_strs(p.get("conjunctions"))), tuple(_strs(p.get("prepositions"))),
                         str(p.get("article") or ""), contr, int(p.get("min_stem", 2)))

    script = data.get("script") or {}
    sent = data.get("sentences") or {}
    return LangData(code=code, path=path, remove=frozenset(remove), fold_map=fmap, proclitics=pro,
                    zwnj=None, exclusive_letters=frozenset(str(script.get("exclusive_letters") or "")),
                    yields_to=tuple(_strs(script.get("yields_to"))), sentence_ends=str(sent.get("ends") or ""),
                    abbreviations=tuple(_strs(sent.get("abbreviations")))), data.get("zwnj")


def _letter_key(s: str, fmap: dict[str, str]) -> str:
    """Per-character letter folding (ي -> ی), same length as ``s``; ZWNJ kept."""
    return "".join(fmap.get(c, c) or c for c in s)


def _build_zwnj(path: Path, z: dict, fmap: dict[str, str]) -> ZwnjRules:
    def key(s: str) -> str:
        return _letter_key(str(s).replace(ZWNJ, ""), fmap)

    sufs = []
    for item in z.get("suffixes") or []:
        if not isinstance(item, dict) or "suffix" not in item:
            raise LangDataError(f"{path}: zwnj.suffixes: each item needs `suffix` and `after`")
        sufs.append(SuffixRule(key(item["suffix"]), key(item.get("after") or ""), bool(item.get("participles"))))
    sufs.sort(key=lambda r: len(r.suffix), reverse=True)
    verbs = z.get("verbs") or {}
    compounds: dict[str, tuple[int, ...]] = {}
    for c in _strs(z.get("compounds")):
        c = _letter_key(c, fmap)
        pos, n = [], 0
        for ch in c:
            if ch == ZWNJ:
                pos.append(n)
            else:
                n += 1
        compounds[c.replace(ZWNJ, "")] = tuple(pos)
    return ZwnjRules(
        min_stem=int(z.get("min_stem", 3)),
        non_joining=frozenset(_letter_key(str(z.get("non_joining") or ""), fmap)),
        suffixes=tuple(sufs),
        known_stems=frozenset(key(s) for s in _strs(z.get("known_stems"))),
        prefixes=tuple(sorted((key(s) for s in _strs(z.get("prefixes"))), key=len, reverse=True)),
        present=frozenset(key(s) for s in _strs(verbs.get("present"))),
        past=frozenset(key(s) for s in _strs(verbs.get("past"))),
        present_endings=frozenset(key(s) for s in _strs(verbs.get("present_endings"))),
        past_endings=frozenset(key(s) for s in _strs(verbs.get("past_endings"))),
        compounds=compounds,
        compound_tails=frozenset(key(s) for s in (_strs(z.get("compound_tails")) or [""])),
        exceptions=frozenset(key(s) for s in _strs(z.get("exceptions"))),
    )


@functools.cache
def lang_data() -> dict[str, LangData]:
    """All ``lang/<code>/normalize.yaml`` files, by language code (loaded once)."""
    raw = []
    for path in sorted(LANG_DIR.glob("*/normalize.yaml")):
        raw.append(_load_one(path))
    # one global letter map (needed to letter-fold the ZWNJ rules of any language)
    gmap, _ = _global_tables([ld for ld, _ in raw])
    out: dict[str, LangData] = {}
    for ld, z in raw:
        if z:
            if not isinstance(z, dict):
                raise LangDataError(f"{ld.path}: zwnj must be a mapping")
            ld = LangData(ld.code, ld.path, ld.remove, ld.fold_map, ld.proclitics,
                          _build_zwnj(ld.path, z, gmap), ld.exclusive_letters, ld.yields_to,
                          ld.sentence_ends, ld.abbreviations)
        out[ld.code] = ld
    return out


def _global_tables(langs: Iterable[LangData]) -> tuple[dict[str, str], frozenset[str]]:
    fmap: dict[str, str] = {}
    where: dict[str, Path] = {}
    remove: set[str] = set()
    for ld in langs:
        remove |= ld.remove
        for k, v in ld.fold_map.items():
            if k in fmap and fmap[k] != v:
                raise LangDataError(f"{ld.path}: fold.map: {k!r} -> {v!r} conflicts with "
                                    f"{fmap[k]!r} in {where[k]}")
            fmap[k] = v
            where[k] = ld.path
    clash = remove & set(fmap)
    if clash:
        raise LangDataError(f"{LANG_DIR}: characters both removed and mapped: {sorted(clash)}")
    return fmap, frozenset(remove)


def lang_info(code: str | None) -> LangData | None:
    """The data of one language, or None when it has no folder."""
    return lang_data().get(code or "")


# ---------------------------------------------------------------------------------------------
# folding
# ---------------------------------------------------------------------------------------------

class _Table(dict):
    """str.translate table: the data maps plus removal of format characters (Cf: ZWNJ, bidi...)."""

    def __missing__(self, o: int) -> int | None:
        v = None if unicodedata.category(chr(o)) == "Cf" else o
        self[o] = v
        return v


@functools.cache
def _table() -> _Table:
    fmap, remove = _global_tables(lang_data().values())
    t = _Table()
    for c in remove:
        t[ord(c)] = None
    for k, v in fmap.items():
        t[ord(k)] = v or None
    return t


def _fold_core(s: str) -> str:
    t = _table()
    s = unicodedata.normalize("NFKD", s.translate(t)).translate(t)
    s = unicodedata.normalize("NFKD", s.casefold()).translate(t)
    return unicodedata.normalize("NFC", s)


def fold(s: str) -> str:
    """Matching key: NFKC, Arabic diacritics/tatweel removed, letter variants folded
    (أإآٱ→ا, ى/ي/ئ→ی, ؤ→و, ك→ک, ة/ۀ→ه), Arabic/Persian digits → ASCII, ZWNJ/ZWJ/bidi marks
    removed, case folded, whitespace collapsed and stripped."""
    return _fold_word(s) if len(s) <= _CACHED_LEN else " ".join(_fold_core(s).split())


_CACHED_LEN = 64  # words and names are folded over and over: their folds are cached, longer texts' are not


@functools.lru_cache(maxsize=1 << 18)
def _fold_word(s: str) -> str:
    return " ".join(_fold_core(s).split())


@functools.lru_cache(maxsize=65536)
def _fold_char(c: str) -> str:
    """The folded form of one character: "", one character, or " " for whitespace."""
    r = _fold_core(c)
    if not r:
        return ""
    if r.isspace():
        return " "
    target = fold(c)
    for cand in (r, unicodedata.normalize("NFC", c.lower()), c):
        if len(cand) == 1 and fold(cand) == target:
            return cand
    return c  # unreachable: fold(c) == fold(c)


class NormText:
    """A text folded character by character, with exact offsets back into the original.

    ``text`` is :func:`fold` applied to each character (removed characters such as diacritics,
    tatweel and ZWNJ leave nothing; every run of whitespace becomes one space). A character whose
    folded form is several characters (ligatures such as ﻻ or ﷲ) is kept as one folded character
    whose :func:`fold` is unchanged, so every normalized character comes from exactly one
    original character and ``fold(orig[a:b]) == fold(text[start:end])`` for any span.
    """

    __slots__ = ("orig", "text", "lang", "_starts", "_ends")

    def __init__(self, orig: str, lang: str | None = None):
        self.orig = orig
        self.lang = lang
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for i, c in enumerate(orig):
            r = _fold_char(c)
            if not r:
                continue
            if r == " " and out and out[-1] == " ":
                ends[-1] = i + 1
                continue
            out.append(r)
            starts.append(i)
            ends.append(i + 1)
        self.text = "".join(out)
        self._starts = starts
        self._ends = ends

    def __len__(self) -> int:
        return len(self.text)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"NormText({self.text!r})"

    def orig_index(self, i: int) -> int:
        """Original offset of normalized position ``i`` (``len(text)`` maps to ``len(orig)``)."""
        if not 0 <= i <= len(self.text):
            raise IndexError(f"position {i} outside 0..{len(self.text)}")
        return self._starts[i] if i < len(self.text) else len(self.orig)

    def orig_span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of the characters that produced ``text[start:end]``."""
        if not 0 <= start <= end <= len(self.text):
            raise IndexError(f"span ({start}, {end}) outside 0..{len(self.text)}")
        if start == end:
            p = self.orig_index(start)
            return p, p
        return self._starts[start], self._ends[end - 1]


def normalize(text: str, lang: str | None = None) -> NormText:
    """Fold ``text`` for matching (see :class:`NormText`).

    The fold tables of all languages apply whatever ``lang`` is (news mixes scripts); ``lang``
    is recorded on the result for the caller.
    """
    return NormText(text, lang)


# ---------------------------------------------------------------------------------------------
# Persian ZWNJ restoration
# ---------------------------------------------------------------------------------------------

def _letter_map() -> dict[str, str]:
    return _global_tables(lang_data().values())[0]


def _is_word_char(c: str) -> bool:
    return c == ZWNJ or unicodedata.category(c)[0] in "LM"


def _zwnj_positions(word: str, r: ZwnjRules, fmap: dict[str, str]) -> list[int]:
    """Positions inside ``word`` (0 < p < len) before which a ZWNJ belongs."""
    if ZWNJ in word or any(unicodedata.category(c)[0] != "L" for c in word):
        return []
    k = _letter_key(word, fmap)
    if k in r.exceptions:
        return []
    fixed: tuple[int, ...] = ()  # positions given by a compound: trusted as written
    pos: set[int] = set()
    floor = 0  # a suffix stem must not cut into a compound or follow a verb
    for comp in sorted(r.compounds, key=len, reverse=True):
        if k.startswith(comp) and k[len(comp):] in r.compound_tails:
            fixed = r.compounds[comp]
            floor = len(comp)
            break
    if not fixed:
        for p in r.prefixes:
            rest = k[len(p):]
            if k.startswith(p) and len(rest) >= 2 and _is_verb(rest, r):
                pos.add(len(p))
                floor = len(k)
                break
    suffix_set = {s.suffix for s in r.suffixes}
    rules = list(r.suffixes)
    # a split after a known stem wins (بیانیه|ای before بیانی|های)
    rules.sort(key=lambda u: not (k.endswith(u.suffix) and k[: len(k) - len(u.suffix)] in r.known_stems))
    for rule in rules:
        if not k.endswith(rule.suffix):
            continue
        stem = k[: len(k) - len(rule.suffix)]
        if len(stem) < max(r.min_stem, floor) or stem[-1] not in rule.after:
            continue
        if stem[-1] + rule.suffix in suffix_set and stem not in r.known_stems:
            if not (rule.participles and _is_participle(stem, r)):
                continue
        pos.add(len(stem))
        break
    ok = {p for p in pos if 0 < p < len(k) and k[p - 1] not in r.non_joining}
    return sorted(ok | set(fixed))


def _is_verb(rest: str, r: ZwnjRules) -> bool:
    for i in range(1, len(rest) + 1):
        stem, ending = rest[:i], rest[i:]
        if stem in r.present and ending in r.present_endings:
            return True
        if stem in r.past and ending in r.past_endings:
            return True
    return False


def _is_participle(stem: str, r: ZwnjRules) -> bool:
    if not stem.endswith("ه"):
        return False
    body = stem[:-1]
    return body in r.past or (body.startswith("ن") and body[1:] in r.past)


def restore_zwnj_map(text: str, lang: str = "fa") -> tuple[str, list[int]]:
    """:func:`restore_zwnj` plus, for each character of the result, its offset in ``text``
    (an inserted ZWNJ gets the offset of the character it precedes)."""
    ld = lang_info(lang)
    if ld is None or ld.zwnj is None:
        return text, list(range(len(text)))
    r, fmap = ld.zwnj, _letter_map()
    out: list[str] = []
    offs: list[int] = []
    i, n = 0, len(text)
    while i < n:
        if not _is_word_char(text[i]):
            out.append(text[i])
            offs.append(i)
            i += 1
            continue
        j = i
        while j < n and _is_word_char(text[j]):
            j += 1
        word = text[i:j]
        ins = set(_zwnj_positions(word, r, fmap))
        for p, c in enumerate(word):
            if p in ins:
                out.append(ZWNJ)
                offs.append(i + p)
            out.append(c)
            offs.append(i + p)
        i = j
    return "".join(out), offs


def restore_zwnj(text: str, lang: str = "fa") -> str:
    """Insert the ZWNJ that Persian text lost (منطقهای → منطقه‌ای, میتوانند → می‌توانند).

    Rules come from ``lang/<lang>/normalize.yaml`` (``zwnj``); a language without rules gets
    ``text`` back unchanged. Conservative: only words without ZWNJ or diacritics are changed,
    never the listed exceptions, and a ZWNJ is only put between two letters of one word. The
    result may be longer than ``text``: compute offsets on the original text (or use
    :func:`restore_zwnj_map`), never on the restored one.
    """
    return restore_zwnj_map(text, lang)[0]


# ---------------------------------------------------------------------------------------------
# proclitics
# ---------------------------------------------------------------------------------------------

def _letters(s: str) -> int:
    return sum(1 for c in s if unicodedata.category(c)[0] == "L")


def proclitic_analyses(token: str, lang: str | None) -> list[tuple[str, str]]:
    """(prefix, stem) analyses of ``token``: ``("", token)`` first, then each split into an
    optional conjunction + optional preposition + optional article (from the language's
    normalize.yaml), shortest prefix first. A contracted form (لل = ل + ال) yields the stem
    with its article restored (للحرس → ("ل", "الحرس")). Stems shorter than ``min_stem``
    letters are not returned. Letters are compared folded (ك = ک, ي = ی), slices are of
    ``token``.
    """
    return list(_proclitic_analyses(token, lang))


@functools.lru_cache(maxsize=1 << 17)
def _proclitic_analyses(token: str, lang: str | None) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = [("", token)]
    ld = lang_info(lang)
    if ld is None or ld.proclitics is None or not token:
        return tuple(out)
    p = ld.proclitics
    key = _letter_key(token, _letter_map())
    found: list[tuple[str, str]] = []
    for written, outs in _proclitic_rules(lang):
        if key.startswith(written):
            found.extend((token[:cut], restored + token[rest:]) for cut, restored, rest in outs)
    seen = {out[0]}
    for pre, stem in sorted(found, key=lambda a: len(a[0])):
        if (pre, stem) in seen or not pre or _letters(stem) < p.min_stem:
            continue
        seen.add((pre, stem))
        out.append((pre, stem))
    return tuple(out)


@functools.cache
def _proclitic_rules(lang: str | None) -> tuple[tuple[str, tuple[tuple[int, str, int], ...]], ...]:
    """The prefixes of ``lang`` as (letter key of the written prefix, analyses), in the order analyses are tried;
    an analysis (cut, restored, rest) of a token is (token[:cut], restored + token[rest:])."""
    p = lang_info(lang).proclitics
    fmap = _letter_map()

    def k(s: str) -> str:
        return _letter_key(s, fmap)

    rules: list[tuple[str, tuple[tuple[int, str, int], ...]]] = []
    for conj in ("", *p.conjunctions):
        for prep in ("", *p.prepositions):
            # contracted preposition + article (لل = ل + ال): article restored on the stem first
            for form, parts in p.contractions.items():
                if prep and tuple(k(x) for x in parts) == (k(prep), k(p.article)):
                    n = len(conj) + len(form)
                    rules.append((k(conj + form), ((len(conj) + len(prep), p.article, n), (n, "", n))))
            for art in ("", p.article):
                written = conj + prep + art
                if written:
                    rules.append((k(written), ((len(written), "", len(written)),)))
    return tuple(rules)
