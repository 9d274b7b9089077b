"""spaCy pipelines per language, with a rule-based sentence segmenter.

Sentences end at every line break (headlines and paragraphs are separate sentences) and
after sentence-final punctuation (``. ! ? ؟ … ۔``, from ``sentences.ends`` in the language
data) followed by whitespace, except after a listed abbreviation (``U.S.``, ``Gen.``: the
``sentences.abbreviations`` of the language data), a single capital initial, or when the next
word starts with a lower-case letter. Decimals (3.5) never split: no whitespace follows the
point. The rules of all languages apply to all text (news mixes scripts).
"""

from __future__ import annotations

import functools
import re
import threading

import numpy
import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from .normalize import lang_data

COMPONENT = "ddkg_sentences"
_CLOSERS = "\"'”’»)]}›"
_lock = threading.Lock()


@functools.cache
def _rules() -> tuple[str, frozenset[str]]:
    ends: set[str] = set()
    abbrevs: set[str] = set()
    for ld in lang_data().values():
        ends.update(ld.sentence_ends)
        abbrevs.update(ld.abbreviations)
    return "".join(sorted(ends)) or ".!?", frozenset(abbrevs)


@functools.cache
def _end_pattern() -> re.Pattern[str]:
    ends, _ = _rules()
    return re.compile(f"[{re.escape(ends)}]+[{re.escape(_CLOSERS)}]*(?=\\s|$)")


_INITIAL = re.compile(r"^[^\W\d_]\.$")
_OPENERS = "\"'“‘«([{‹"


def _is_abbreviation(text: str, dot: int) -> bool:
    """Does the period at ``text[dot]`` close an abbreviation or an initial?"""
    start = dot
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start: dot + 1].lstrip(_OPENERS)
    if not word or word == ".":
        return False
    _, abbrevs = _rules()
    if word in abbrevs:
        return True
    return bool(_INITIAL.match(word)) and word[0].isupper()


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in ``text``, stripped of surrounding whitespace."""
    cuts: list[int] = []
    for m in _end_pattern().finditer(text):
        punct = m.group(0).rstrip(_CLOSERS)
        if punct == "." and _is_abbreviation(text, m.start()):
            continue
        if set(punct) <= set(".…"):  # a period or ellipsis before a lower-case word: no end
            nxt = re.match(r"[^\S\n]*(\S)", text[m.end():])
            if nxt and nxt.group(1).islower():
                continue
        cuts.append(m.end())
    spans: list[tuple[int, int]] = []
    bounds = sorted(set(cuts))
    for line in re.finditer(r"[^\n\r\u2028\u2029\x85]+", text):
        a, b = line.span()
        inner = [c for c in bounds if a < c < b]
        for s, e in zip([a, *inner], [*inner, b], strict=True):
            seg = text[s:e]
            lead = len(seg) - len(seg.lstrip())
            trail = len(seg.rstrip())
            if trail > lead:
                spans.append((s + lead, s + trail))
    return spans


def doc_text(doc: Doc) -> str:
    """``doc.text``, kept in ``doc.user_data`` (spaCy joins it from the tokens at every access)."""
    text = doc.user_data.get("ddkg_text")
    if text is None:
        text = doc.user_data["ddkg_text"] = doc.text
    return text


def ddkg_sentences(doc: Doc) -> Doc:
    """Set ``is_sent_start`` on every token from :func:`split_sentences` (in one array: setting it token by token
    costs a scan of the whole Doc each time)."""
    starts = [a for a, _ in split_sentences(doc_text(doc))]
    flags = numpy.full(len(doc), -1, dtype="int64")
    k = 0
    for i, tok in enumerate(doc):
        if i and tok.is_space:
            continue
        end = tok.idx + len(tok.text)
        if i == 0 or (k < len(starts) and starts[k] < end):
            flags[i] = 1
        while k < len(starts) and starts[k] < end:
            k += 1
    if len(doc):
        doc.from_array([SENT_START], flags.astype("uint64"))
    return doc


if not Language.has_factory(COMPONENT):  # importing twice (tests, reloads) must not fail
    Language.component(COMPONENT, func=ddkg_sentences)


def _blank(lang: str | None) -> Language:
    code = lang if lang and lang in lang_data() else "xx"
    try:
        nlp = spacy.blank(code)
    except Exception:  # noqa: BLE001 - a language spaCy cannot build falls back to multilingual
        nlp = spacy.blank("xx")
    nlp.add_pipe(COMPONENT)
    return nlp


_cache: dict[str, Language] = {}


def get_nlp(lang: str | None) -> Language:
    """A blank spaCy pipeline for ``lang`` (languages with a ``lang/<code>/`` folder; others
    get the multilingual "xx") plus the ``ddkg_sentences`` segmenter; cached per language."""
    key = lang or "xx"
    with _lock:
        nlp = _cache.get(key)
        if nlp is None:
            nlp = _cache[key] = _blank(lang)
    return nlp


def sentences(text: str, lang: str | None = None) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets into ``text``, stripped of surrounding whitespace; the
    same boundaries the ``ddkg_sentences`` component sets (``lang`` does not change them)."""
    del lang
    return split_sentences(text)
