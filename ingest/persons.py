"""Finding people without a gazetteer: names anchored on posts, ranks, honorifics and counterpart words.

A *title chain* is a run of items such as ``POST [OF] RANK HON`` (وزير الدفاع الإيراني العميد),
``HON RANK`` (سردار سرتیپ پاسدار), ``CPART ADJ`` (نظيره الروسي), or in English ``ADJ POST``
(Russian Deputy Minister of Defense). A name is read to the right of a chain, or, for an appositive post
(مهدی سنایی سفیر ایران; Amir Hatami, Iran's defense minister), to its left. Where the name ends is decided
by given-name lists, stop words and verbs from the language's data files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .kb import load_kb
from .lexicon import Lexicon, all_given_names, common, lightfold
from .tagging import Item

TITLE_KINDS = {"post", "plural_post", "rank", "hon", "cpart", "cpart_pl"}
QUOTES_OPEN = {"«": "»", '"': '"', "“": "”", "'": "'"}
COMMA = {"،", ",", "-", "–"}
OF_WORDS = {"of", "the"}
TO_WORDS = {"در", "لدى", "لدي", "في", "فى", "to", "in", "ب"}


@dataclass
class Chain:
    start: int
    end: int  # exclusive item index
    post: str | None = None
    plural: bool = False
    of: list[str] = field(default_factory=list)  # entity keys (country:/organization:)
    to: str | None = None
    rank: str | None = None
    irgc: bool = False
    hon: bool = False
    cpart: bool = False
    cpart_plural: bool = False
    generic_rank: bool = False  # "General", ژنرال: a rank word that is also a plain honorific

    @property
    def has_title(self) -> bool:
        return bool(self.post or self.rank or self.hon or self.cpart)

    @property
    def strong(self) -> bool:
        """A post of a named country or organization, a counterpart of one, or a rank."""
        return bool((self.rank and not self.generic_rank) or ((self.post or self.cpart) and self.of))


@dataclass
class PersonSpan:
    start: int  # item indices
    end: int
    char_start: int
    char_end: int
    surface: str
    tokens: list[str]  # light-folded tokens of the name
    kb: str | None = None  # entity key when the name is a KB name
    rule: str = ""
    strength: float = 0.5
    chains: list[Chain] = field(default_factory=list)  # titles that describe this person
    tok_ends: list[int] = field(default_factory=list)  # end offset of each name token


def _is_country_or_org(it: Item) -> str | None:
    if it.kind == "adj":
        return f"country:{it.ref}"
    if it.kind == "entity" and isinstance(it.ref, str) and it.ref.split(":")[0] in ("country", "organization"):
        if it.ref.startswith("organization:"):
            e = load_kb().get(it.ref)
            if e is not None and e.get("class") == "news_agency":
                return None
        return it.ref
    return None


def _place_key(it: Item) -> str | None:
    if it.kind == "entity" and isinstance(it.ref, str) and it.ref.split(":")[0] in ("country", "place"):
        return it.ref
    if it.kind == "adj":
        return f"country:{it.ref}"
    return None


def parse_chain(items: list[Item], i: int, lex: Lexicon) -> Chain:
    """Longest title chain starting at item ``i`` (may be empty: ``end == start``)."""
    c = Chain(i, i)
    n = len(items)
    j = i
    pre_of: str | None = None
    while j < n:
        it = items[j]
        cof = _is_country_or_org(it)
        if cof and not c.has_title and pre_of is None:
            # English order: Russian Defense Minister / Iran's defense minister
            k = j + 1
            if k < n and items[k].fold in ("'s", "’s", "s") and items[k].kind in ("tok", "punct"):
                k += 1
            if k < n and items[k].kind in ("post", "plural_post", "rank", "cpart"):
                pre_of = cof
                j = k
                continue
            break
        if cof and (c.post or c.cpart):
            if not c.of or c.plural or c.cpart_plural:
                c.of.append(cof)
                j += 1
                continue
            j += 1  # a qualifier after the organization (المجلس الأعلى ... الإيراني)
            continue
        if it.kind in ("post", "plural_post"):
            if c.post:
                break
            c.post = str(it.ref)
            c.plural = it.kind == "plural_post"
            j += 1
            # "of the" between post and country in English
            k = j
            while k < n and items[k].fold in OF_WORDS:
                k += 1
            if k > j and k < n and _is_country_or_org(items[k]):
                j = k
            continue
        if it.kind == "rank":
            if c.rank:
                break
            c.rank = str(it.ref)
            c.generic_rank = it.fold in lex.honorifics
            j += 1
            continue
        if it.kind == "hon":
            c.hon = True
            j += 1
            continue
        if it.kind in ("cpart", "cpart_pl"):
            c.cpart = True
            c.cpart_plural = it.kind == "cpart_pl"
            j += 1
            continue
        if it.cue("irgc") and (c.rank or c.post):
            c.irgc = True
            j += 1
            continue
        if (c.plural or c.cpart_plural) and c.of and lightfold(it.text) in ("و", "and", "،", ","):
            if j + 1 < n and _is_country_or_org(items[j + 1]):
                j += 1
                continue
        if c.post == "ambassador" and c.of and c.to is None and lightfold(it.text) in TO_WORDS and j + 1 < n:
            pk = _place_key(items[j + 1])
            if pk:
                c.to = pk
                j += 2
                continue
        if it.kind == "tok" and it.cue("irgc"):  # سرتیپ پاسدار
            c.irgc = True
            j += 1
            continue
        if c.has_title and it.kind == "tok" and lightfold(it.text) in lex.title_modifiers:
            j += 1  # "former", "acting", السابق, پیشین
            continue
        break
    if pre_of and not c.of:
        c.of.append(pre_of)
    if not c.has_title:
        return Chain(i, i)
    c.end = j
    return c


def _joined(toks: list[Item]) -> list[str]:
    """Words of a name, items written together (al - Hayali) joined into one."""
    words: list[str] = []
    prev_end = -1
    for x in toks:
        if words and x.start == prev_end:
            words[-1] += lightfold(x.text)
        else:
            words.append(lightfold(x.text))
        prev_end = x.end
    return words


def _given(tok: str) -> bool:
    single, _, _ = all_given_names()
    return tok in single


def _ambiguous(tok: str) -> bool:
    _, amb, _ = all_given_names()
    return tok in amb


def name_token_ok(it: Item, lex: Lexicon) -> bool:
    if it.kind != "tok" or it.demoted:
        return False
    t = lightfold(it.text)
    if len(t) < 2 or t.isdigit() or any(ch.isdigit() for ch in t):
        return False
    if lex.capitalized_names:
        if t in lex.not_name_words:
            return False
        return (it.text[:1].isupper() and t not in lex.stop) or t in lex.name_connectors
    if t in lex.stop or t in lex.verbs:
        return False
    if any(k.startswith("trig:") or k in ("month", "weekday", "relday", "ordinal", "agrq") for k in it.cues):
        return False
    for pre in lex.prefixes:
        if pre and t.startswith(pre) and len(t) - len(pre) >= 2:
            rest = t[len(pre):]
            if rest in lex.stop or rest in lex.verbs:
                return False
    if lex.lang == "ar" and it.text.endswith("ة") and not _given(t):
        return False
    if it.text.endswith(("ً", "اً", "ًا", "ٌ", "ٍ")):
        return False  # nunation marks an indefinite noun (مديرًا, نائبًا), never a name
    return True


def name_start_ok(it: Item, lex: Lexicon) -> bool:
    """Where a name may begin: not on a word with the article or a clitic plus article (الخروج, والإنتاج)."""
    t = lightfold(it.text)
    return not any(t.startswith(a) for a in lex.name_start_blocked) or _given(t)


def _boundary_after(items: list[Item], k: int, lex: Lexicon) -> bool:
    if k >= len(items):
        return True
    it = items[k]
    if it.kind != "tok":
        return True
    t = lightfold(it.text)
    return t in lex.stop or any(c.startswith("trig:") for c in it.cues) or _is_verb(it, lex)


def read_name_right(items: list[Item], j: int, lex: Lexicon, quoted_only: bool = False,
                    strong: bool = True) -> PersonSpan | None:
    n = len(items)
    if j >= n:
        return None
    it = items[j]
    if it.kind == "entity" and str(it.ref).startswith("person:"):
        return PersonSpan(j, j + 1, it.start, it.end, it.text, [lightfold(w) for w in it.text.split()],
                          kb=str(it.ref), rule="kb-name", strength=1.0)
    if it.kind == "punct" and it.text in QUOTES_OPEN:
        close = QUOTES_OPEN[it.text]
        k = j + 1
        while k < n and k - j <= 6 and items[k].text != close:
            k += 1
        if k < n and items[k].text == close and k > j + 1 and all(x.kind == "tok" for x in items[j + 1:k]):
            toks = items[j + 1:k]
            return PersonSpan(j + 1, k, toks[0].start, toks[-1].end, "", [lightfold(x.text) for x in toks],
                              rule="quoted-name", strength=0.8)
        return None
    if quoted_only:
        return None
    toks: list[Item] = []
    k = j
    while k < n and len(toks) < 9 and name_token_ok(items[k], lex):
        if k + 1 < n and lightfold(items[k + 1].text) in lex.light_verbs and not _given(lightfold(items[k].text)):
            break  # تصمیم گرفت: the noun of a compound verb
        toks.append(items[k])
        k += 1
    if not toks or not name_start_ok(toks[0], lex):
        return None
    if len(toks) <= 2 and _is_person_item(items, k) and all(
            _given(lightfold(x.text)) or "given" in x.cues or lex.capitalized_names for x in toks):
        # "Mohamad Javad Zarif" where the KB knows "Javad Zarif": one name, the KB's person
        it = items[k]
        return PersonSpan(j, k + 1, toks[0].start, it.end, "", [lightfold(x.text) for x in toks] + [
            lightfold(w) for w in it.text.split()], kb=str(it.ref), rule="kb-name", strength=1.0)
    folded = [lightfold(x.text) for x in toks]
    if lex.capitalized_names:
        # hyphenated names stay whole: al-Hayali, Talaei-Nik, Mohammad-Reza
        while k + 1 < n and items[k].text in ("-", "‐") and items[k].start == items[k - 1].end and (
                items[k + 1].start == items[k].end and items[k + 1].kind == "tok" and items[k + 1].text[:1].isupper()):
            toks += [items[k], items[k + 1]]
            k += 2
            while k < n and len(toks) < 9 and name_token_ok(items[k], lex):
                toks.append(items[k])
                k += 1
        while toks and lightfold(toks[-1].text) in lex.name_connectors:
            toks.pop()
        words = _joined(toks)
        while len(words) > 4:
            toks = toks[:-1]
            words = _joined(toks)
        strength = 0.9 if len(words) >= 2 else (0.6 if strong else 0.5)
        return PersonSpan(j, j + len(toks), toks[0].start, toks[-1].end, "", words, rule="title-name",
                          strength=strength)
    else:
        first_given = _given(folded[0]) or "given" in toks[0].cues
        if first_given:
            # given names and particles (محمد بن نايف بن عبد العزيز آل), then one family name
            m = 0
            while m < len(toks) and m < 7 and (
                    _given(folded[m]) or "given" in toks[m].cues or folded[m] in lex.name_particles):
                m += 1
            if m < len(toks):
                m += 1
            while m > 1 and folded[m - 1] in lex.name_particles:
                m -= 1  # a name does not end on بن / آل
            toks = toks[:m]
            if len(toks) < 2:
                strength = 0.55
            else:
                strength = 0.7 if _ambiguous(folded[0]) else 0.9
        elif not strong and not any(f in lex.name_particles for f in folded[1:3]):
            # after an honorific alone (سردار, Mr) a name with no given name is a family name
            toks = toks[:1]
            strength = 0.5
        else:
            toks = toks[:3]
            strength = 0.75 if len(toks) >= 2 and _boundary_after(items, j + len(toks), lex) else 0.5
            if len(toks) == 3 and not _boundary_after(items, j + 3, lex):
                toks = toks[:2]
                strength = 0.6
    while len(toks) > 1 and lightfold(toks[-1].text) in lex.name_particles:
        toks = toks[:-1]
    if not toks:
        return None
    return PersonSpan(j, j + len(toks), toks[0].start, toks[-1].end, "", [lightfold(x.text) for x in toks],
                      rule="title-name", strength=strength)


def read_name_left(items: list[Item], i: int, lex: Lexicon) -> PersonSpan | None:
    """A name standing before an appositive post at item ``i`` (skipping one comma)."""
    k = i - 1
    if k >= 0 and items[k].kind == "punct" and items[k].text in COMMA:
        k -= 1
    if k < 0:
        return None
    it = items[k]
    if it.kind == "entity" and str(it.ref).startswith("person:"):
        return PersonSpan(k, k + 1, it.start, it.end, it.text, [lightfold(w) for w in it.text.split()],
                          kb=str(it.ref), rule="kb-name", strength=1.0)
    if it.kind == "punct" and it.text in ("»", '"', "”"):
        opener = {"»": "«", '"': '"', "”": "“"}[it.text]
        s = k - 1
        while s >= 0 and k - s <= 6 and items[s].text != opener:
            s -= 1
        if s >= 0 and items[s].text == opener and s < k - 1 and all(x.kind == "tok" for x in items[s + 1:k]):
            toks = items[s + 1:k]
            return PersonSpan(s + 1, k, toks[0].start, toks[-1].end, "", [lightfold(x.text) for x in toks],
                              rule="quoted-name", strength=0.8)
        return None
    toks: list[Item] = []
    s = k
    while s >= 0 and len(toks) < 4 and name_token_ok(items[s], lex):
        toks.insert(0, items[s])
        s -= 1
    if not toks:
        return None
    folded = [lightfold(x.text) for x in toks]
    if lex.capitalized_names:
        return PersonSpan(s + 1, k + 1, toks[0].start, toks[-1].end, "", folded, rule="appositive-name",
                          strength=0.85 if len(toks) >= 2 else 0.55)
    for a in range(len(toks)):
        if _given(folded[a]) or "given" in toks[a].cues:
            toks2 = toks[a:]
            if len(toks2) >= 2:
                return PersonSpan(s + 1 + a, k + 1, toks2[0].start, toks2[-1].end, "", folded[a:],
                                  rule="appositive-name", strength=0.85)
    if len(toks) <= 2 and (s < 0 or items[s].kind != "tok" or lightfold(items[s].text) in lex.stop):
        return PersonSpan(s + 1, k + 1, toks[0].start, toks[-1].end, "", folded, rule="appositive-name",
                          strength=0.5)
    return None


@dataclass
class SentencePeople:
    people: list[PersonSpan]
    descriptions: list[Chain]  # titles with no name (وزير الدفاع الروسي) for coreference
    coordinated: list[tuple[int, int]]  # pairs of indices into people joined by "and"


def demote_bare_posts(items: list[Item]) -> None:
    """A generic post (Emir, President, Secretary) with no country or organization after it is a word."""
    need = set(common().get("posts_needing_of") or [])
    for i, it in enumerate(items):
        if it.kind != "post" or it.ref not in need:
            continue
        j = i + 1
        while j < len(items) and items[j].fold in OF_WORDS:
            j += 1
        before = items[i - 1] if i > 0 else None
        has_of = j < len(items) and _is_country_or_org(items[j]) is not None
        has_pre = before is not None and _is_country_or_org(before) is not None
        if not (has_of or has_pre):
            it.kind = "tok"
            it.ref = None
            it.demoted = True


def find_people(items: list[Item], lex: Lexicon) -> SentencePeople:
    demote_bare_posts(items)
    n = len(items)
    chains: list[Chain] = []
    i = 0
    while i < n:
        c = parse_chain(items, i, lex)
        if c.end > c.start:
            chains.append(c)
            i = c.end
        else:
            i += 1
    people: list[PersonSpan] = []
    used: set[int] = set()

    def add(p: PersonSpan) -> PersonSpan:
        for q in people:
            if q.start == p.start and q.end == p.end:
                return q
        people.append(p)
        used.update(range(p.start, p.end))
        return p

    for idx, it in enumerate(items):
        if it.kind == "entity" and str(it.ref).startswith("person:"):
            add(PersonSpan(idx, idx + 1, it.start, it.end, it.text, [lightfold(w) for w in it.text.split()],
                           kb=str(it.ref), rule="kb-name", strength=1.0))
    descriptions: list[Chain] = []
    for c in chains:
        p = (read_name_right(items, c.end, lex, strong=c.strong) if c.end not in used or _is_person_item(items, c.end)
             else None)
        if p is None and c.strong and c.end < n and items[c.end].text in COMMA:
            # "مدير الهيئة الفيدرالية ...، ألكسندر فومين": a sure name after a comma
            q = read_name_right(items, c.end + 1, lex, strong=c.strong)
            if q is not None and (q.kb or q.strength >= 0.85):
                p = q
        first = items[c.start]
        if p is not None and p.strength < 0.9 and p.kb is None and (c.post or c.plural):
            # a name read after an appositive post that a surer name stands before
            # ("مهدی سنایی سفیر ایران در روسیه برگزار شد", "«کنث مک‌کنزی» رئیس ستاد ... پیشتر مدعی")
            left = read_name_left(items, c.start, lex)
            if left is not None and left.strength >= max(0.8, p.strength + 0.05):
                p = None
        if p is not None:
            p = add(p)
            p.chains.append(c)
            continue
        conjoined = first.prefix[:1] in ("و", "ف") or (
            c.start > 0 and lightfold(items[c.start - 1].text) in ("و", "and"))
        if (c.post or c.plural) and not conjoined:
            left = read_name_left(items, c.start, lex)
            if left is not None:
                q = None
                for x in people:
                    if x.end == left.end and x.start <= left.start:
                        q = x
                if q is None and not (set(range(left.start, left.end)) & used):
                    q = add(left)
                if q is not None:
                    q.chains.append(c)
                    if c.plural:
                        _distribute_plural(people, q, c, items)
                    continue
        if (c.post and c.of) or c.cpart:
            descriptions.append(c)
    if lex.capitalized_names:
        _capitalized_names(items, lex, people, used, add)
    else:
        _speaker_names(items, lex, used, add)
    # fill surfaces
    for p in people:
        p.char_start, p.char_end = items[p.start].start, items[p.end - 1].end
        p.tok_ends = [items[k].end for k in range(p.start, p.end)]
    coordinated = []
    for a in range(len(people)):
        for b in range(len(people)):
            pa, pb = people[a], people[b]
            if pa.end < pb.start and pb.start - pa.end <= 2:
                between = items[pa.end:pb.start]
                if any(lightfold(x.text) in ("و", "and") for x in between) or any(
                        x.prefix.startswith("و") for x in [items[pb.start]]) or (
                        items[pb.start].kind == "tok" and lightfold(items[pb.start].text).startswith("و")
                        and pb.start == pa.end):
                    coordinated.append((a, b))
    return SentencePeople(people, descriptions, coordinated)


def _is_person_item(items: list[Item], k: int) -> bool:
    return k < len(items) and items[k].kind == "entity" and str(items[k].ref).startswith("person:")


def _distribute_plural(people: list[PersonSpan], last: PersonSpan, c: Chain, items: list[Item]) -> None:
    """"X and Y, defence ministers of A and B": give each person the post, with A, B in order."""
    group = [last]
    for p in sorted(people, key=lambda x: -x.start):
        if p.end <= group[0].start and group[0].start - p.end <= 2:
            between = items[p.end:group[0].start]
            if any(lightfold(x.text) in ("و", "and", ",", "،") for x in between):
                group.insert(0, p)
    if len(group) < 2:
        return
    ofs = list(c.of)
    for k, p in enumerate(group):
        one = Chain(c.start, c.end, post=c.post, plural=False, of=[ofs[k]] if len(ofs) == len(group) else [],
                    rank=None)
        if p is not last:
            p.chains.append(one)
        else:
            p.chains[-1] = one


def _speaker_names(items: list[Item], lex: Lexicon, used: set[int], add) -> None:
    """Arabic/Persian names with no title: a given name and a family name right after a verb
    ("وقال محمد الحسيني إن") or right before one ("علی شمخانی گفت")."""
    n = len(items)
    for k in range(n):
        if k in used or items[k].kind != "tok":
            continue
        t = lightfold(items[k].text)
        if not (_given(t) or "given" in items[k].cues) or _ambiguous(t):
            continue
        before = items[k - 1] if k > 0 else None
        after_verb = before is not None and before.kind == "tok" and _is_verb(before, lex)
        p = read_name_right(items, k, lex)
        if p is None or p.kb is not None or len(p.tokens) < 2 or p.strength < 0.9:
            continue
        nxt = items[p.end] if p.end < n else None
        before_verb = nxt is not None and nxt.kind == "tok" and _is_verb(nxt, lex)
        if (after_verb or before_verb) and not (set(range(p.start, p.end)) & used):
            p.rule, p.strength = "given-name-verb", 0.7
            add(p)


def _is_verb(it: Item, lex: Lexicon) -> bool:
    t = lightfold(it.text)
    return t in lex.verbs or any(t.startswith(pre) and t[len(pre):] in lex.verbs for pre in lex.prefixes if pre)


def _capitalized_names(items, lex, people, used, add) -> None:
    """English: runs of capitalized words that start with a known given name."""
    n = len(items)
    k = 0
    while k < n:
        if k in used or items[k].kind != "tok" or not items[k].text[:1].isupper():
            k += 1
            continue
        if not _given(lightfold(items[k].text)):
            k += 1
            continue
        m = k
        while m < n and m not in used and items[m].kind == "tok" and (
                items[m].text[:1].isupper() or lightfold(items[m].text) in lex.name_connectors):
            m += 1
        while m > k and lightfold(items[m - 1].text) in lex.name_connectors:
            m -= 1
        run = [lightfold(x.text) for x in items[k:m]]
        if 2 <= m - k <= 4 and not any(w in lex.not_name_words for w in run) and not (
                m < n and lightfold(items[m].text) in lex.not_name_words):
            toks = items[k:m]
            add(PersonSpan(k, m, toks[0].start, toks[-1].end, "", [lightfold(x.text) for x in toks],
                           rule="given-name", strength=0.8))
        k = max(m, k + 1)
