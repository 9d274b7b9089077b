"""Finding organizations the KB does not know: a head noun (وزارة, سازمان, Ministry, Bank ...) with the
words that name it, grounded by a country, a place or a quoted name ("البنك المركزي العراقي",
"وزارت امور خارجه آذربایجان", "ترسانة الإسكندرية", "Central Bank of Iraq").

The head nouns, connectors and the words that end a name are data in ``lang/<xx>/lexicon.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .lexicon import Lexicon, lightfold
from .tagging import Item
from .translit import slug

QUOTES = {"«": "»", '"': '"', "“": "”"}


@dataclass
class OrgSpan:
    start: int  # item indices
    end: int
    key: str
    prefix: str = ""  # a conjunction or preposition glued to the head (والترسانة)


def _grounding(it: Item) -> bool:
    return it.kind == "adj" or (it.kind == "entity" and str(it.ref).split(":")[0] in ("country", "place"))


def find_organizations(items: list[Item], lex: Lexicon) -> list[OrgSpan]:
    heads, connectors = lex.org_heads, lex.org_connectors
    out: list[OrgSpan] = []
    n = len(items)
    i = 0
    while i < n:
        it = items[i]
        head = lightfold(it.text)
        bare = head[2:] if head.startswith("ال") else head
        glued = lex.org_glued.get(head, "")
        if it.kind != "tok" or not (bare in heads or glued):
            i += 1
            continue
        j = i + 1
        grounded = quoted = False
        last_ground = 0
        while j < n and j - i <= 7:
            x = items[j]
            t = lightfold(x.text)
            if x.kind == "punct" and x.text in QUOTES:
                close = QUOTES[x.text]
                k = j + 1
                while k < n and k - j <= 5 and items[k].text != close:
                    k += 1
                if k < n and items[k].text == close and k > j + 1:
                    j, quoted = k + 1, True
                    last_ground = j
                break
            if _grounding(x):
                if not grounded and j == i + 1 and not str(x.ref).startswith("place:"):
                    break  # a head and a country alone (مرکز ایران) name no organization
                grounded = True
                j += 1
                last_ground = j
                if not lex.capitalized_names:
                    break  # the name ends with what grounds it (ترسانة الإسكندرية, not ... بغداد)
                continue
            if lex.article and not lex.capitalized_names and not t.startswith((lex.article, "لل")):
                break  # Arabic: the words of a name are definite (البنك المركزي), a verb or indefinite noun ends it
            if j + 1 < n and lightfold(items[j + 1].text) in lex.light_verbs:
                break  # Persian: the noun of a compound verb (ادامه داد)
            if x.kind == "post":
                j += 1  # دفتر رئیس جمهوری آذربایجان, Office of the President
                continue
            if x.kind != "tok" or t in lex.stop or t in lex.verbs or any(c.startswith("trig:") for c in x.cues):
                if not (x.kind == "tok" and t in connectors and j + 1 < n and items[j + 1].kind != "punct"):
                    break
            if lex.capitalized_names and not (x.text[:1].isupper() or t in connectors):
                break
            j += 1
        if (grounded or quoted) and last_ground > i + 1:
            j = last_ground  # the name ends with what grounds it (شورای شهر تهران, not ... ادامه)
            words = [lightfold(x.text) for x in items[i:j] if x.kind != "punct"]
            words[0] = words[0][len(glued):] if glued else words[0]
            out.append(OrgSpan(i, j, "organization:n-" + slug(" ".join(w[2:] if w.startswith("ال") else w
                                                                        for w in words)), glued))
            i = j
        else:
            i += 1
    if lex.capitalized_names:
        out += _capitalized_orgs(items, lex, {k for o in out for k in range(o.start, o.end)})
    return out


def _capitalized_orgs(items: list[Item], lex: Lexicon, used: set[int]) -> list[OrgSpan]:
    """English: a run of capitalized words with an organization word in it (Central Bank of Iraq)."""
    words, connectors = lex.org_words, lex.org_connectors
    out = []
    n = len(items)
    k = 0
    while k < n:
        if k in used or items[k].kind != "tok" or not items[k].text[:1].isupper() or k == 0:
            k += 1
            continue
        m = k
        while m < n and m not in used and (
                (items[m].kind == "tok" and (items[m].text[:1].isupper() or lightfold(items[m].text) in connectors))
                or _grounding(items[m])):
            m += 1
        while m > k and lightfold(items[m - 1].text) in connectors:
            m -= 1
        while k < m and lightfold(items[k].text) in connectors:
            k += 1  # "The Central Bank of Iran"
        run = [lightfold(x.text) for x in items[k:m]]
        first = lightfold(items[k].text.split()[0]) if k < m else ""
        grounded = any(_grounding(x) for x in items[k:m]) or (k > 0 and _grounding(items[k - 1]))
        if (m - k >= 2 and any(w in words for w in run) and first not in lex.title_words
                and not any(w in lex.calendar_words for w in run) and (m - k >= 3 or grounded)):
            out.append(OrgSpan(k, m, "organization:n-" + slug(" ".join(run))))
        k = max(m, k + 1)
    return out
