"""Statistical named-entity recognition (spaCy NER trained here) as one more candidate source.

Models are spaCy pipelines with one ``ner`` component (PER, ORG, LOC) trained by :mod:`.ner_train` on folded
tokens: each token is :func:`tokenize`'d from the raw text and passed through :func:`~.normalize.fold`, so that
training corpora and news text meet in one spelling (hamza forms, ي/ی, ك/ک, ZWNJ). A model is looked for in

1. ``$DDKG_NER_MODELS/ner-<lang>`` (``os.pathsep``-separated folders),
2. ``~/.local/share/ddkg/models/ner-<lang>`` (``$XDG_DATA_HOME/ddkg/models`` when set): models trained locally
   with ``ddkg train-ner`` from corpora that may not be redistributed,
3. the package's ``models/ner-<lang>`` (only models whose corpora allow redistribution ship; see MODEL_CARD.md).

``DDKG_NER=0`` turns the layer off. :func:`recognize` returns character spans with a label and a confidence
(the beam probability of that span).
"""

from __future__ import annotations

import functools
import json
import os
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .normalize import fold, proclitic_analyses

PACKAGE_MODELS = Path(__file__).resolve().parent / "models"
LABELS = ("PER", "ORG", "LOC")
BEAM_WIDTH = 16
MIN_CONF = {"PER": 0.8, "ORG": 0.8, "LOC": 0.9}  # beam probability a span needs to become a mention
NER_WEIGHT = 0.8  # a mention's confidence is this times the beam probability: below a KB match (0.9)
# labels whose spans may become new entities when the KB does not know them; a LOC span only links to the KB
# (on sampled news the places the KB lacks were mostly descriptions: المنطقة العربية, لزوم امداد)
NEW_ENTITY_LABELS = ("PER", "ORG")

_lock = threading.Lock()
_cache: dict[str, object] = {}


@dataclass(frozen=True, slots=True)
class NerSpan:
    start: int  # character offsets in the text
    end: int
    label: str  # PER, ORG or LOC
    conf: float  # beam probability of this exact span and label
    sent: int  # index of the sentence it lies in


class NerModelError(ValueError):
    """A model folder exists but cannot be loaded; the message names the folder and the problem."""


# ------------------------------------------------------------------------------------------------
# tokens
# ------------------------------------------------------------------------------------------------

def _is_word(c: str) -> bool:
    return c == "\u200c" or unicodedata.category(c)[0] in "LMN"


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each token of ``text[start:end]``: a run of letters, marks, digits and ZWNJ, or one
    other non-space character (punctuation is always a token of its own). Training and tagging share it."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    i = start
    while i < end:
        c = text[i]
        if c.isspace() or unicodedata.category(c) == "Cf" and c != "\u200c":
            i += 1
            continue
        j = i + 1
        if _is_word(c):
            while j < end and _is_word(text[j]):
                j += 1
        out.append((i, j))
        i = j
    return out


def token_form(tok: str) -> str:
    """What the model sees for one token: its fold (ZWNJ, diacritics gone; letter variants merged)."""
    return fold(tok).replace(" ", "") or tok


@functools.lru_cache(maxsize=65536)
def token_norm(form: str, lang: str) -> str:
    """The NORM feature of a folded token: the word without the conjunction, preposition and article glued to it
    (والعراق, بالعراق → عراق) in a language with proclitics; the form itself otherwise. The model sees both."""
    best = form
    for _, stem in proclitic_analyses(form, lang)[1:]:
        if sum(c.isalpha() for c in stem) >= 3:
            best = stem
    return best


def make_doc(nlp, words: list[str]):
    """A Doc of folded words with their :func:`token_norm` set, as training and tagging build it."""
    from spacy.tokens import Doc

    doc = Doc(nlp.vocab, words=words)
    for tok in doc:
        tok.norm_ = token_norm(tok.text, nlp.lang)
    return doc


# ------------------------------------------------------------------------------------------------
# models
# ------------------------------------------------------------------------------------------------

def user_model_dir() -> Path:
    """Where ``ddkg train-ner`` puts models by default (first folder of ``DDKG_NER_MODELS``, else the
    user's data folder)."""
    env = [p for p in os.environ.get("DDKG_NER_MODELS", "").split(os.pathsep) if p]
    if env:
        return Path(env[0]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ddkg" / "models"


def model_dirs() -> list[Path]:
    """Folders searched for ``ner-<lang>``, first match wins."""
    env = [Path(p).expanduser() for p in os.environ.get("DDKG_NER_MODELS", "").split(os.pathsep) if p]
    return [*env, user_model_dir(), PACKAGE_MODELS]


def find_model(lang: str) -> Path | None:
    """The folder of the model used for ``lang``, or None."""
    if os.environ.get("DDKG_NER", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    for d in model_dirs():
        p = d / f"ner-{lang}"
        if (p / "config.cfg").is_file():
            return p
    return None


def model_meta(path: Path) -> dict:
    """``ddkg_ner.json`` of a model folder (corpora, licences, split, scores)."""
    f = path / "ddkg_ner.json"
    try:
        return json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NerModelError(f"{f}: {exc}") from None


def load_model(path: Path):
    """Load a model folder (no network)."""
    import spacy

    key = str(path.resolve())
    with _lock:
        nlp = _cache.get(key)
        if nlp is None:
            try:
                nlp = spacy.load(path)
            except Exception as exc:  # noqa: BLE001 - any failure is reported with the folder named
                raise NerModelError(f"{path}: cannot load the NER model ({' '.join(str(exc).split())[:200]})") from None
            if "ner" not in nlp.pipe_names:
                raise NerModelError(f"{path}: no 'ner' component in the pipeline")
            _cache[key] = nlp
    return nlp


def model_for(lang: str):
    """The loaded model for ``lang``, or None when there is none."""
    path = find_model(lang)
    return load_model(path) if path is not None else None


def _docs(nlp, text: str, sentences: list[tuple[int, int]]):
    docs, offsets = [], []
    for a, b in sentences:
        toks = tokenize(text, a, b)
        docs.append(make_doc(nlp, [token_form(text[s:e]) for s, e in toks] or ["."]))
        offsets.append(toks)
    return docs, offsets


def tag_docs(nlp, docs) -> list[dict[tuple[int, int, str], float]]:
    """Greedy entities set on ``docs`` and, per doc, the beam probability of each span found in the beam (the beam
    runs first: entities already set on a doc would constrain it)."""
    ner = nlp.get_pipe("ner")
    if not docs:
        return []
    beams = ner.beam_parse(docs, beam_width=BEAM_WIDTH, beam_density=0.0001)
    scores = [dict(s) for s in ner.scored_ents(beams)]
    ner.set_annotations(docs, ner.predict(docs))
    return scores


def recognize(text: str, sentences: list[tuple[int, int]], lang: str, nlp=None) -> list[NerSpan]:
    """Entities the model for ``lang`` finds in each sentence span of ``text`` ([] without a model)."""
    nlp = nlp if nlp is not None else model_for(lang)
    if nlp is None:
        return []
    docs, offsets = _docs(nlp, text, sentences)
    scores = tag_docs(nlp, docs)
    out: list[NerSpan] = []
    for k, (doc, toks, sc) in enumerate(zip(docs, offsets, scores, strict=True)):
        if not toks:
            continue
        for ent in doc.ents:
            conf = float(sc.get((ent.start, ent.end, ent.label_), 0.0))
            out.append(NerSpan(toks[ent.start][0], toks[ent.end - 1][1], ent.label_, round(conf, 3), k))
    return out


# ------------------------------------------------------------------------------------------------
# candidates for the extraction pipeline
# ------------------------------------------------------------------------------------------------

@dataclass(slots=True)
class Candidate:
    """An NER span kept as a mention: the words of the name (clitics left out), its key and KB entity."""

    start: int
    end: int
    sent: int
    item: int  # index of its first item in the sentence
    label: str
    conf: float
    key: str
    kb: object | None
    name: str  # the name as written, clitics left out
    prefix: str  # a conjunction or preposition glued to the first word


@functools.cache
def _fused_article(lang: str) -> tuple[str, ...]:
    """Written forms of a conjunction or preposition glued to the article (بال, وال, لل), light-folded, from the
    language's normalize.yaml; none for a language without proclitics."""
    from .lexicon import lightfold
    from .normalize import lang_info

    ld = lang_info(lang)
    p = ld.proclitics if ld else None
    if p is None or not p.article:
        return ()
    contracted = {parts[0] for parts in p.contractions.values() if len(parts) == 2 and parts[1] == p.article}
    return tuple(sorted({lightfold(c + p.article) for c in (*p.conjunctions, *p.prepositions) if c not in contracted}
                        | {lightfold(c) for c in p.contractions}))


def _word_ok(it, w: str, lex) -> bool:
    """May this item be part of a name the NER found? Not a title, cue or known name (the rules read those), a
    stop word, verb or month, nor a single letter."""
    forms = {w, w.replace("ى", "ي")}  # ى for ي is a common misspelling in Persian text
    return it.kind == "tok" and sum(c.isalpha() for c in w) >= 2 and not any(
        f in lex.stop or f in lex.verbs or f in lex.title_words or f in lex.calendar_words for f in forms)


def _definite(w: str, lex) -> bool:
    """Does the (light-folded) word carry the article, alone or fused with a preposition (الحرس, للحرس)?"""
    return bool(lex.article) and (w.startswith(lex.article) or w.startswith(_fused_article(lex.lang)))


def _strip_clitics(first: str, label: str, lang: str, lex, kb) -> tuple[str, str]:
    """(written prefix, stem to match) of the first word: a glued conjunction or preposition is left out when what
    remains is a KB name, starts with the article (والحشد → الحشد), is an organization head (بوزارة → وزارة), or
    for a person is a given name and the whole word is not (ومحمد → محمد, but وليد stays); else nothing is."""
    from .lexicon import all_given_names, lightfold
    from .resolve import link_name

    single, amb, _ = all_given_names()
    given = single | amb
    for pre, stem in proclitic_analyses(first, lang)[1:]:
        if lex.article and fold(pre).endswith(fold(lex.article)):
            continue  # the article belongs to the name
        s = lightfold(stem)
        bare = s[len(lex.article):] if lex.article and s.startswith(lex.article) else s
        if link_name([stem], label, kb, lang) is not None or _definite(s, lex) or bare in lex.org_heads or (
                label == "PER" and lightfold(first) not in given and s in given):
            # a contraction (لل = ل + ال) cannot be cut out of the written word: the mention keeps it
            return (pre if first.endswith(stem) else "", stem)
    return "", first


def _glued_conjunction(word: str, lang: str) -> bool:
    """Does the word start with a conjunction of the language (ومضمون) that was not cut off?"""
    from .normalize import lang_info

    ld = lang_info(lang)
    conj = {fold(c) for c in (ld.proclitics.conjunctions if ld and ld.proclitics else ())}
    return any(fold(pre) in conj for pre, stem in proclitic_analyses(word, lang)[1:] if len(stem) >= 3)


def candidates(text: str, spans: list[NerSpan], items_by_sent: list, taken: list[tuple[int, int, str]], lang: str,
               lex, kb) -> list[Candidate]:
    """The NER spans worth a mention: above the label's confidence, not overlapping what the rules or the KB
    found, with no title, cue, stop word or verb inside; a person has two words or more, starts with a given name
    (or is near-certain and its family name recurs in the text), and no word of it starts with a preposition and
    the article; a place must be the KB's; an
    organization the KB does not know starts with no head noun (وزارة الدفاع: the organization finder grounds
    those) nor a glued conjunction, and is one word only with the article (الزمالك); in an Arabic definite name an
    indefinite word ends the name (الزمالك بتهم الشغب → الزمالك). No punctuation inside a span. ``taken`` holds
    (start, end, key) of the mentions found so far: a span overlapping one is left to the rules (الحكومة الروسية
    is Russia there, not a new organization)."""
    from .lexicon import all_given_names, lightfold
    from .resolve import link_name, ner_key

    given = all_given_names()[0]
    out: list[Candidate] = []
    taken = list(taken)
    counts = Counter(token_norm(token_form(text[a:b]), lang) for a, b in tokenize(text))
    for sp in spans:
        if sp.conf < MIN_CONF.get(sp.label, 1.0) or any(a < sp.end and sp.start < b for a, b, _ in taken):
            continue
        toks = tokenize(text, sp.start, sp.end)  # the model's own words (a spaCy token may hold more: لـ»الجزيرة)
        if any(not _is_word(text[a]) for a, _ in toks):
            continue
        items = items_by_sent[sp.sent]
        over = [[i for i, it in enumerate(items) if it.start < b and a < it.end] for a, b in toks]
        words = [lightfold(text[a:b]) for a, b in toks]
        if not all(o and all(_word_ok(items[i], w, lex) for i in o) for o, w in zip(over, words, strict=True)):
            continue
        prefix, first = _strip_clitics(text[toks[0][0]:toks[0][1]], sp.label, lang, lex, kb)
        words[0] = lightfold(first)
        if sp.label != "PER" and _definite(words[0], lex) and not lex.capitalized_names:
            cut = next((k for k in range(1, len(words)) if not _definite(words[k], lex)
                        and words[k] not in lex.org_connectors), len(words))
            toks, words = toks[:cut], words[:cut]
        if sp.label == "PER":
            if len(words) < 2 or any(w.startswith(_fused_article(lang)) for w in words[1:] if _fused_article(lang)):
                continue
            if words[0] not in given and (_definite(words[0], lex) or (words[0] not in lex.name_particles and (
                    sp.conf < 0.99 or counts[token_norm(token_form(text[toks[-1][0]:toks[-1][1]]), lang)] < 2))):
                continue  # a given name starts a person; else a near-certain span whose family name recurs
            if " ".join(words) in lex.compound_given or (len(words) == 2 and words[0] in lex.name_particles):
                continue  # a given name alone (عبد الله)
        start, end = toks[0][0] + len(prefix), toks[-1][1]
        name = first + text[toks[0][1]:end]  # the name to match and show (للعراق → العراق)
        kbe = link_name([name, text[toks[0][0]:end]], sp.label, kb, lang)
        if kbe is None and sp.label not in NEW_ENTITY_LABELS:
            continue
        if kbe is None and sp.label != "PER":
            bare = words[0][len(lex.article):] if lex.article and words[0].startswith(lex.article) else words[0]
            if bare in lex.org_heads or sum(c.isalpha() for c in "".join(words)) < 3 or (
                    len(words) == 1 and not _definite(words[0], lex)) or (
                    not prefix and _glued_conjunction(first, lang)):
                continue
        key = kbe.key if kbe is not None else ner_key(sp.label, words)
        out.append(Candidate(start, end, sp.sent, over[0][0], sp.label, sp.conf, key, kbe, name, prefix))
        taken.append((start, end, key))
    return out
