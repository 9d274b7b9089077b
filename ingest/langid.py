"""Language identification (lingua) for documents and sentences.

The detector knows a moderate set of languages besides the supported ones, so that a French
or Russian text is *reported* as French or Russian with ``supported=False`` instead of being
forced into Arabic, Persian or English: unsupported languages are reported, not guessed.
Texts with too few letters, or on which lingua has no clear winner, get ``code=None``.

A script sanity rule from the language data (``script`` in ``lang/<code>/normalize.yaml``)
corrects lingua on short Arabic-script texts: a text lingua calls Arabic without being
confident, which has Persian-only letters (پ چ ژ گ ی ک) and no Arabic-only ones (ة ي ك ى),
is reported as Persian.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from .normalize import lang_data

SUPPORTED: tuple[str, ...] = ("ar", "fa", "en")

# lingua names; those missing from the installed lingua are skipped (it has no Pashto).
CANDIDATES: tuple[str, ...] = (
    "ARABIC", "PERSIAN", "ENGLISH", "URDU", "PASHTO", "KURDISH", "TURKISH", "AZERBAIJANI", "HEBREW",
    "RUSSIAN", "UKRAINIAN", "FRENCH", "GERMAN", "SPANISH", "ITALIAN", "PORTUGUESE", "CHINESE", "HINDI",
)
MIN_LETTERS = 3          # fewer letters than this: no decision
MIN_CONFIDENCE = 0.25    # lingua's relative confidence below this: no decision
CONFIDENT = 0.9          # above this, lingua overrides the script sanity rule
MAX_CHARS = 20_000       # longer texts are judged on their beginning


@dataclass(frozen=True, slots=True)
class LangResult:
    """``code`` is ISO 639-1 (None when undecided), ``confidence`` lingua's relative
    confidence in 0..1, ``supported`` whether ``code`` is in :data:`SUPPORTED`,
    ``name`` the language's English name ("unknown" when undecided)."""

    code: str | None
    confidence: float
    supported: bool
    name: str


UNKNOWN = LangResult(None, 0.0, False, "unknown")

_lock = threading.Lock()


@functools.cache
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    langs = [getattr(Language, n) for n in CANDIDATES if hasattr(Language, n)]
    return LanguageDetectorBuilder.from_languages(*langs).build()


def _code(language) -> str:
    return language.iso_code_639_1.name.lower()


def _result(code: str | None, confidence: float, name: str) -> LangResult:
    if code is None:
        return LangResult(None, confidence, False, "unknown")
    return LangResult(code, round(float(confidence), 4), code in SUPPORTED, name)


def _script_override(text: str, top: str) -> str | None:
    """The language the script sanity rule prefers to ``top``, or None."""
    data = lang_data()
    mine = data.get(top)
    if mine is None or not mine.yields_to:
        return None
    letters = set(text)
    if letters & mine.exclusive_letters:
        return None
    for other in mine.yields_to:
        od = data.get(other)
        if od is not None and letters & od.exclusive_letters:
            return other
    return None


def detect(text: str) -> LangResult:
    """The language of ``text`` (see the module docstring)."""
    sample = text[:MAX_CHARS]
    if sum(1 for c in sample if c.isalpha()) < MIN_LETTERS:
        return UNKNOWN
    with _lock:
        det = _detector()
    values = det.compute_language_confidence_values(sample)
    if not values:
        return UNKNOWN
    by_code = {_code(v.language): (v.value, v.language.name.title()) for v in values}
    best = values[0]
    code, conf, name = _code(best.language), best.value, best.language.name.title()
    if conf < CONFIDENT:
        other = _script_override(sample, code)
        if other is not None:
            oconf, oname = by_code.get(other, (1.0 - conf, other))
            return _result(other, max(oconf, 1.0 - conf), oname)
    if conf < MIN_CONFIDENCE:
        return LangResult(None, round(float(conf), 4), False, "unknown")
    return _result(code, conf, name)


@functools.cache
def warm() -> None:
    """Load (once) the detector's models for the Latin and Arabic scripts now (lingua loads a language's model the first
    time a text could be in it: about 1.3 s for Latin-script text, 0.5 s for Arabic-script), e.g. while worker
    processes start rather than in the middle of their first documents."""
    for sample in ("language", "اللغة"):
        detect(sample)


def detect_sentences(text: str, spans: Sequence[tuple[int, int]]) -> list[LangResult]:
    """:func:`detect` on each ``text[start:end]``."""
    return [detect(text[a:b]) for a, b in spans]
