"""Script-independent name keys: a consonant skeleton shared by Arabic, Persian, Latin and Cyrillic spellings.

شويغو, شویگو, شایگو, Shoigu and Шойгу all give ``SH K``. Vowels (and letters used as vowels) are
dropped, sounds that transliteration confuses share one class (ق غ گ ک g q k → K; f v w → F).
The tables live in ``lang/translit.yaml`` so a new script is data, not code.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml
from rapidfuzz.distance import Levenshtein

from .normalize import fold


@lru_cache(maxsize=1)
def _tables() -> dict:
    text = (resources.files(__package__) / "lang" / "translit.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    multi = sorted(data.get("latin_digraphs", {}).items(), key=lambda kv: -len(kv[0]))
    return {
        "chars": {k: (v or "") for k, v in data["chars"].items()},
        "initial": {k: (v or "") for k, v in data.get("initial", {}).items()},
        "digraphs": multi,
        "silent_final": set(data.get("silent_final", "")),
    }


@lru_cache(maxsize=1 << 17)
def _word_key(word: str) -> str:
    t = _tables()
    w = word
    out: list[str] = []
    i = 0
    while i < len(w):
        ch = w[i]
        if i == 0 and ch in t["initial"]:
            out.append(t["initial"][ch])
            i += 1
            continue
        for dg, cls in t["digraphs"]:
            if w.startswith(dg, i):
                out.append(cls or "")
                i += len(dg)
                break
        else:
            if i == len(w) - 1 and ch in t["silent_final"] and i > 0:
                i += 1
                continue
            out.append(t["chars"].get(ch, "" if ch.isalpha() else ""))
            i += 1
    key = "".join(out)
    return re.sub(r"(.)\1+", r"\1", key)


@lru_cache(maxsize=65536)
def skeleton(name: str) -> str:
    """Consonant skeleton of a (multi-word) name, words separated by spaces."""
    words = [w for w in re.split(r"[\s\-\u200c]+", fold(name)) if w]
    keys = [_word_key(w) for w in words]
    return " ".join(k for k in keys if k)


def similarity(a: str, b: str) -> float:
    """Normalized similarity of two skeletons (1.0 = identical)."""
    if not a or not b:
        return 0.0
    return Levenshtein.normalized_similarity(a, b)


def slug(text: str) -> str:
    """ASCII slug for IRIs: Latin text kept, other scripts spelled by their skeleton."""
    s = fold(text)
    if not re.search(r"[a-z]", s):
        s = skeleton(text).lower()
    s = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
    return s or "x"
