"""Sentences as sequences of items: gazetteer hits (names, titles) and plain tokens, with cue words attached."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from .gazetteer import Hit
from .normalize import fold

PUNCT_CHARS = ".,;:!?،؛؟«»\"'“”‘’()[]{}-–—/|…*•·"
PUNCT = set(PUNCT_CHARS)


@dataclass(slots=True)
class Item:
    # "tok", "punct" or a layer-0 hit kind: entity, post, plural_post, rank, hon, cpart, cpart_pl, both, agr, adj
    kind: str
    ref: object
    start: int
    end: int
    text: str
    fold: str
    cues: dict = field(default_factory=dict)  # cue kind -> list of refs
    prefix: str = ""
    demoted: bool = False  # a title word read as an ordinary word (no organization after it)
    title_only: bool = False  # counts only inside a title (المالي after نظيره)

    def cue(self, kind: str) -> bool:
        return kind in self.cues

    @property
    def is_boundary(self) -> bool:
        return self.kind == "punct"


def sentence_items(text: str, tokens: list[tuple[int, int]], hits: list[Hit]) -> list[Item]:
    """Items of one sentence. ``tokens`` are (start, end) offsets; ``hits`` those inside the sentence."""
    names = sorted((h for h in hits if h.layer == 0), key=lambda h: h.start)
    cues = [h for h in hits if h.layer != 0]
    items: list[Item] = []
    hi = 0
    k = 0
    while k < len(tokens):
        ts, te = tokens[k]
        while hi < len(names) and names[hi].end <= ts:
            hi += 1
        h = names[hi] if hi < len(names) else None
        if h is not None and h.start < te and ts < h.end:
            j = k
            while j + 1 < len(tokens) and tokens[j + 1][0] < h.end:
                j += 1
            items.append(Item(h.kind, h.ref, h.start, h.end, text[h.start:h.end], fold(text[h.start:h.end]),
                              prefix=h.prefix, title_only=h.title_only))
            hi += 1
            k = j + 1
            continue
        tok = text[ts:te]
        kind = "tok" if tok.strip(PUNCT_CHARS) else "punct"
        items.append(Item(kind, None, ts, te, tok, fold(tok)))
        k += 1
    starts, ends = [it.start for it in items], [it.end for it in items]  # items are ordered and disjoint
    for c in cues:
        for it in items[bisect.bisect_right(ends, c.start):bisect.bisect_left(starts, c.end)]:
            it.cues.setdefault(c.kind, []).append(c.ref)
    return items
