"""Language knowledge loaded from data: ``lang/<code>/*.yaml`` and the SKOS schemes of ``ontology/``.

A new language is a new folder ``lang/<code>/`` with ``lexicon.yaml`` (and optionally ``normalize.yaml``
and ``given_names.yaml``) plus its labels in the SKOS schemes; no code changes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from .normalize import fold

_LIGHT = str.maketrans({"ی": "ي", "ک": "ك", "ۀ": "ة", "ئ": "ئ"})
_ALEF = str.maketrans("أإآٱ", "اااا")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


@lru_cache(maxsize=1 << 18)
def lightfold(s: str) -> str:
    """Like ``fold`` but keeps ى apart from ي and ة apart from ه, which Arabic function words need
    (على 'on' is not the name علي)."""
    s = unicodedata.normalize("NFKC", s)
    s = "".join(c for c in s if unicodedata.category(c) != "Mn" and c not in "\u0640\u200c\u200d")
    return s.translate(_LIGHT).translate(_ALEF).lower().translate(_DIGITS)


def _light(items) -> set[str]:
    return {lightfold(str(x)) for x in items or [] if str(x).strip()}


def _lang_dir(lang: str):
    return resources.files(__package__) / "lang" / lang


def available_languages() -> list[str]:
    root = resources.files(__package__) / "lang"
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "lexicon.yaml").is_file())


def _folded(items) -> list[str]:
    out = []
    for x in items or []:
        f = fold(str(x))
        if f and f not in out:
            out.append(f)
    return out


@dataclass
class Lexicon:
    """Per-language cue words, folded."""

    lang: str
    prefixes: list[str]
    article: str
    adjective_suffixes: list[str]
    name_suffixes: list[str]
    honorifics: list[str]
    irgc_markers: list[str]
    counterpart: list[str]
    counterpart_plural: list[str]
    posts: dict[str, list[str]]
    plural_posts: dict[str, list[str]]
    name_particles: set[str]
    stop: set[str]
    verbs: set[str]
    triggers: dict[str, list[str]]
    agreement_nouns: dict[str, list[str]]
    agreement_qualifiers: dict[str, list[str]]
    ordinals: dict[str, int]
    months: dict[str, int]
    jalali_months: dict[str, int]
    weekdays: dict[str, int]
    relative_days: dict[str, int]
    past_marker: list[str]
    next_marker: list[str]
    this_year: list[str]
    given: set[str] = field(default_factory=set)
    compound_given: list[str] = field(default_factory=list)
    ambiguous_given: set[str] = field(default_factory=set)
    name_connectors: set[str] = field(default_factory=set)
    not_name_words: set[str] = field(default_factory=set)
    title_modifiers: set[str] = field(default_factory=set)
    light_verbs: set[str] = field(default_factory=set)
    title_words: set[str] = field(default_factory=set)
    calendar_words: set[str] = field(default_factory=set)
    ambiguous_names: set[str] = field(default_factory=set)  # folded
    org_heads: set[str] = field(default_factory=set)
    org_connectors: set[str] = field(default_factory=set)
    org_words: set[str] = field(default_factory=set)
    event_window: int = 14
    name_start_blocked: tuple[str, ...] = ()
    default_rank_system: str | None = None
    capitalized_names: bool = False
    raw: dict = field(default_factory=dict)
    org_glued: dict[str, str] = field(default_factory=dict, repr=False)  # والوزارة -> و: head with a prefix glued

    def __post_init__(self) -> None:
        for p in self.prefixes:  # longest first: the first prefix that makes the form wins
            for h in self.org_heads if p else ():
                for form in (p + h, p + "ال" + h):
                    self.org_glued.setdefault(form, p)

    def trig(self, name: str) -> list[str]:
        return self.triggers.get(name, [])


def _read_yaml(path) -> dict:
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: top level must be a mapping")
    return data


@lru_cache(maxsize=16)
def lexicon(lang: str) -> Lexicon:
    """The lexicon of ``lang`` (falls back to English for a language without a folder)."""
    d = _lang_dir(lang)
    if not (d / "lexicon.yaml").is_file():
        d = _lang_dir("en")
    data = _read_yaml(d / "lexicon.yaml")
    given = _read_yaml(d / "given_names.yaml")
    prefixes = sorted(set(_folded(data.get("prefixes")) + [""]), key=len, reverse=True)
    fm = {k: int(v) for k, v in (data.get("ordinals") or {}).items()}
    triggers = {k: _folded(v) for k, v in (data.get("triggers") or {}).items()}
    triggers["conference_noun"] = _folded(data.get("conference_nouns"))
    triggers["made"] = _folded(data.get("made_markers"))
    triggers["media"] = _folded(data.get("media_nouns"))
    return Lexicon(
        lang=data.get("language", lang),
        prefixes=prefixes,
        article=fold(data.get("optional_article") or ""),
        adjective_suffixes=[fold(s) for s in data.get("adjective_suffixes") or [""]],
        name_suffixes=_folded(data.get("name_suffixes")),
        honorifics=_folded(data.get("honorifics")),
        irgc_markers=_folded(data.get("irgc_markers")),
        counterpart=_folded(data.get("counterpart")),
        counterpart_plural=_folded(data.get("counterpart_plural")),
        posts={k: _folded(v) for k, v in (data.get("posts") or {}).items()},
        plural_posts={k: _folded(v) for k, v in (data.get("plural_posts") or {}).items()},
        name_particles=_light(data.get("name_particles")),
        stop=_light(data.get("stop")),
        verbs=_light(data.get("verbs")),
        triggers=triggers,
        agreement_nouns={k: _folded(v) for k, v in (data.get("agreement_nouns") or {}).items()},
        agreement_qualifiers={k: _folded(v) for k, v in (data.get("agreement_qualifiers") or {}).items()},
        ordinals={fold(k): v for k, v in fm.items()},
        months={fold(k): int(v) for k, v in (data.get("months") or {}).items()},
        jalali_months={fold(k): int(v) for k, v in (data.get("jalali_months") or {}).items()},
        weekdays={fold(k): int(v) for k, v in (data.get("weekdays") or {}).items()},
        relative_days={fold(k): int(v) for k, v in (data.get("relative_days") or {}).items()},
        past_marker=_folded(data.get("past_marker")),
        next_marker=_folded(data.get("next_marker")),
        this_year=_folded(data.get("this_year")),
        given=_light(given.get("given_names")),
        compound_given=_folded(given.get("compound_given_names")),
        ambiguous_given=_light(given.get("ambiguous")),
        name_connectors=_light(data.get("name_connectors")),
        not_name_words=_light(data.get("not_name_words")),
        title_modifiers=_light(data.get("title_modifiers")),
        light_verbs=_light(data.get("light_verbs")),
        title_words=_light(data.get("title_words")),
        ambiguous_names=set(_folded(data.get("ambiguous_names"))),
        org_heads=_light(data.get("org_heads")),
        org_connectors=_light(data.get("org_connectors")),
        org_words=_light(data.get("org_words")),
        event_window=int(data.get("event_window", 14)),
        calendar_words=_light(list((data.get("months") or {}).keys()) + list((data.get("weekdays") or {}).keys())),
        name_start_blocked=tuple(lightfold(x) for x in data.get("name_start_blocked") or []),
        default_rank_system=data.get("default_rank_system"),
        capitalized_names=bool(data.get("capitalized_names", False)),
        raw=data,
    )


@lru_cache(maxsize=1)
def all_given_names() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """Given names of every language: (single and ambiguous as lightfold, compounds as fold)."""
    single: set[str] = set()
    amb: set[str] = set()
    comp: list[str] = []
    for lang in available_languages():
        lx = lexicon(lang)
        single |= lx.given
        amb |= lx.ambiguous_given
        comp += lx.compound_given
    return frozenset(single), frozenset(amb), tuple(sorted(set(comp), key=len, reverse=True))


@lru_cache(maxsize=1)
def common() -> dict:
    """Language-independent extraction data (``lang/common.yaml``)."""
    return _read_yaml(resources.files(__package__) / "lang" / "common.yaml")
