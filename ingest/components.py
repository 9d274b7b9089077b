"""The extraction pipeline as spaCy pipelines: blank ar/fa/en tokenizers, ``ddkg_sentences`` and
``ddkg_names``, which tags names, titles and cue words from the gazetteer.

``extraction_nlp("ar")(text)`` gives a ``Doc`` whose ``doc.spans["ddkg"]`` holds the names and titles
(label = kind: entity type, post, rank, honorific ...) and whose ``doc.user_data["ddkg_hits"]`` holds every
gazetteer hit with its reference (KB key, concept IRI); the rule layers read those.
"""

from __future__ import annotations

import threading

from spacy.language import Language
from spacy.tokens import Doc

from .gazetteer import gazetteer
from .kb import load_kb
from .nlp import doc_text, get_nlp
from .normalize import normalize

NAMES = "ddkg_names"
_lock = threading.Lock()
_cache: dict[str, Language] = {}


def _label(kind: str, ref: object) -> str:
    if kind == "entity":
        e = load_kb().get(str(ref))
        return e.type if e is not None else "Entity"
    return kind


def ddkg_names(doc: Doc) -> Doc:
    lang = doc.lang_ if doc.lang_ in ("ar", "fa", "en") else "en"
    text = doc_text(doc)
    hits = gazetteer(lang).find(text, normalize(text, lang))
    doc.user_data["ddkg_hits"] = hits
    spans = []
    for h in hits:
        if h.layer != 0:
            continue
        span = doc.char_span(h.start, h.end, label=_label(h.kind, h.ref), alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.spans["ddkg"] = spans
    return doc


if not Language.has_factory(NAMES):
    Language.component(NAMES, func=ddkg_names)


def extraction_nlp(lang: str) -> Language:
    """``get_nlp(lang)`` (tokenizer and sentences) plus the ``ddkg_names`` tagger; cached per language."""
    with _lock:
        nlp = _cache.get(lang)
        if nlp is None:
            nlp = get_nlp(lang).__class__.from_config(get_nlp(lang).config)
            nlp.add_pipe(NAMES)
            _cache[lang] = nlp
    return nlp
