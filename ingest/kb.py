"""The knowledge base: YAML files under ``kb/<kind>/`` (and folders named in ``DDKG_KB_PATH``)."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from .normalize import fold

ID_BASE = "https://w3id.org/ddkg/id/"

# folder name -> IRI kind segment
KINDS = {
    "countries": "country",
    "places": "place",
    "organizations": "organization",
    "persons": "person",
    "weapons": "weapon",
    "events": "event",
    "agreements": "agreement",
}
TYPES = {"Country", "Place", "Organization", "Person", "WeaponSystem", "EventSeries", "Conference", "Agreement"}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class KBError(ValueError):
    """A knowledge-base file is malformed; the message names the file and the entry."""


@dataclass(slots=True)
class KBEntity:
    kind: str
    id: str
    type: str
    names: dict[str, list[str]]
    data: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def iri(self) -> str:
        return f"{ID_BASE}{self.kind}/{self.id}"

    @property
    def label_en(self) -> str | None:
        en = self.names.get("en")
        return en[0] if en else None

    def all_names(self) -> Iterable[tuple[str, str]]:
        for lang, names in self.names.items():
            for n in names:
                yield lang, n

    def get(self, name: str, default=None):
        return self.data.get(name, default)


class KB:
    """All knowledge-base entries, indexed by kind and id."""

    def __init__(self, entities: Iterable[KBEntity]):
        self.by_key: dict[str, KBEntity] = {}
        self.by_kind: dict[str, dict[str, KBEntity]] = defaultdict(dict)
        for e in entities:
            self.by_key[e.key] = e
            self.by_kind[e.kind][e.id] = e
        self._holders: dict[tuple[str, str], list[KBEntity]] | None = None

    def __len__(self) -> int:
        return len(self.by_key)

    def get(self, key: str) -> KBEntity | None:
        return self.by_key.get(key)

    def find(self, ident: str, kinds: Iterable[str] = ("country", "organization", "place")) -> KBEntity | None:
        """Look an id up in the first of ``kinds`` that has it (ids in `of:`/`country:` fields)."""
        for k in kinds:
            e = self.by_kind.get(k, {}).get(ident)
            if e is not None:
                return e
        return None

    def country_of(self, e: KBEntity) -> str | None:
        """Country id an entity belongs to (itself for a country)."""
        if e.kind == "country":
            return e.id
        c = e.get("country")
        if c:
            return c
        parent = e.get("parent")
        if parent:
            p = self.find(parent, ("organization",))
            if p is not None and p is not e:
                return self.country_of(p)
        return None

    def holders(self, role: str, of: str) -> list[KBEntity]:
        """Persons the KB knows held post ``role`` of ``of`` (any time)."""
        if self._holders is None:
            idx: dict[tuple[str, str], list[KBEntity]] = defaultdict(list)
            for p in self.by_kind.get("person", {}).values():
                for pos in p.get("positions") or []:
                    idx[(pos.get("role"), pos.get("of"))].append(p)
            self._holders = idx
        return self._holders.get((role, of), [])


def _validate(entry: object, where: str, kind: str) -> KBEntity:
    if not isinstance(entry, dict):
        raise KBError(f"{where}: not a mapping")
    ident = entry.get("id")
    if not isinstance(ident, str) or not _ID_RE.match(ident):
        raise KBError(f"{where}: id {ident!r} is not a slug [a-z0-9-]")
    typ = entry.get("type")
    if typ not in TYPES:
        raise KBError(f"{where}: type {typ!r} is not one of {sorted(TYPES)}")
    names = entry.get("names")
    if not isinstance(names, dict) or not names:
        raise KBError(f"{where}: 'names' must map languages to lists of names")
    clean: dict[str, list[str]] = {}
    for lang, lst in names.items():
        if isinstance(lst, str):
            lst = [lst]
        if not isinstance(lst, list) or not all(isinstance(n, str | int | float) for n in lst):
            raise KBError(f"{where}: names.{lang} must be a list of strings")
        clean[str(lang)] = [str(n).strip() for n in lst if str(n).strip()]
    data = {k: v for k, v in entry.items() if k not in ("id", "type", "names")}
    return KBEntity(kind=kind, id=ident, type=typ, names=clean, data=data)


def load_folder(root: Path | resources.abc.Traversable) -> list[KBEntity]:
    """Load every ``<kind>/*.yaml`` below ``root``."""
    out: list[KBEntity] = []
    for folder, kind in KINDS.items():
        d = root / folder
        if not d.is_dir():
            continue
        for f in sorted(d.iterdir(), key=lambda p: p.name):
            if not f.name.endswith((".yaml", ".yml")):
                continue
            try:
                items = yaml.safe_load(f.read_text(encoding="utf-8")) or []
            except yaml.YAMLError as exc:
                raise KBError(f"{f}: not valid YAML ({str(exc).splitlines()[0]})") from None
            if not isinstance(items, list):
                raise KBError(f"{f}: top level must be a list of entries")
            for i, item in enumerate(items, 1):
                out.append(_validate(item, f"{f}: entry {i}", kind))
    return out


@lru_cache(maxsize=4)
def load_kb(extra: tuple[str, ...] | None = None) -> KB:
    """The shipped KB plus user folders (``extra`` or ``DDKG_KB_PATH``, ``os.pathsep``-separated)."""
    roots: list = [resources.files(__package__) / "kb"]
    if extra is None:
        env = os.environ.get("DDKG_KB_PATH", "")
        extra = tuple(p for p in env.split(os.pathsep) if p)
    roots += [Path(p) for p in extra]
    merged: dict[str, KBEntity] = {}
    for root in roots:
        for e in load_folder(root):
            if e.key in merged and root is roots[0]:
                prev = merged[e.key]
                raise KBError(f"kb/{e.kind}: id {e.id!r} defined twice ({prev.names.get('en')}, {e.names.get('en')})")
            merged[e.key] = e  # user files override shipped entries
    return KB(merged.values())


def name_index(kb: KB) -> dict[str, list[KBEntity]]:
    """fold(name) -> entities carrying that name (any language)."""
    idx: dict[str, list[KBEntity]] = defaultdict(list)
    for e in kb.by_key.values():
        for _, n in e.all_names():
            idx[fold(n)].append(e)
    return idx
