"""Events and relations from a document's sentences: meetings, visits, attendance, agreements and their
signing, arms transfers, inspections and statements with a stance.

Each rule reads the items of one sentence (names, titles, cue words from the language's lexicon) and the
people found in it, and updates document-level state, so that "the two sides" or "this system" refer back
to what the article already said. Each fact keeps the evidence sentences and the rule that fired.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .dates import sentence_date
from .kb import KB
from .lexicon import Lexicon
from .model import Evidence, Fact
from .normalize import fold
from .tagging import Item


@dataclass(slots=True)
class PM:
    """A person mention in a sentence, already resolved to an entity key."""

    key: str
    item: int  # item index of the mention
    via: str  # name, surname, description, counterpart, both-sides
    nationality: str | None = None


@dataclass(slots=True)
class EM:
    """Any other entity mention in a sentence."""

    key: str
    item: int
    type: str
    generic: bool = False


@dataclass
class SentenceView:
    index: int
    start: int
    end: int
    items: list[Item]
    people: list[PM]
    entities: list[EM]
    coordinated: list[tuple[str, str]] = field(default_factory=list)
    # countries of unnamed counterparts ("his Indian counterpart")
    counterparts: list[str] = field(default_factory=list)

    def cue_items(self, name: str) -> list[int]:
        return [i for i, it in enumerate(self.items) if name in it.cues]

    def has(self, name: str) -> bool:
        return any(name in it.cues for it in self.items)

    def of_type(self, *prefixes: str) -> list[EM]:
        return [e for e in self.entities if e.key.split(":")[0] in prefixes]


@dataclass
class DocState:
    kb: KB
    lex: Lexicon
    published: dt.date | None
    nationality: dict[str, str | None]
    conference_of_doc: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    meetings: list[Fact] = field(default_factory=list)
    visits: dict[str, Fact] = field(default_factory=dict)
    last_weapons: list[str] = field(default_factory=list)
    dateline: str | None = None
    agreements: list[tuple[int, str]] = field(default_factory=list)  # (sentence, generic agreement mention key)
    promoted: set[str] = field(default_factory=set)  # generic entities that took part in a fact
    conf_locations: dict[str, str] = field(default_factory=dict)  # conference key -> place key
    deal: tuple[str | None, str | None, int] | None = None  # (seller, buyer, sentence) of the arms deal in view
    last_people: list[str] = field(default_factory=list)  # people of the last sentence that named any

    def ev(self, s: SentenceView, rule: str, conf: float) -> Evidence:
        return Evidence(s.index, s.start, s.end, rule, conf)

    def country(self, key: str | None) -> str | None:
        if not key:
            return None
        kind, _, ident = key.partition(":")
        if kind == "country":
            return ident
        e = self.kb.get(key)
        return self.kb.country_of(e) if e is not None else None


def _date_args(s: SentenceView, st: DocState) -> dict:
    d = sentence_date(s.items, st.lex, st.published)
    if d is None:
        return {}
    return {"date": d.iso} if d.iso else {"dateText": d.text}


def _places(s: SentenceView, st: DocState, markers: list[str], exclude_country: set[str] | None = None,
            marked_only: bool = False) -> list[str]:
    """Places in the sentence, those after a marker (في, به, to) first, cities before countries."""
    exclude_country = exclude_country or set()
    marked, other = [], []
    for e in s.entities:
        kind = e.key.split(":")[0]
        if kind not in ("place", "country") or s.items[e.item].kind == "adj":
            continue
        it = s.items[e.item]
        prev = s.items[e.item - 1].fold if e.item > 0 else ""
        is_marked = prev in markers or (it.prefix and fold(it.prefix) in markers)
        (marked if is_marked else other).append(e.key)
    out = []
    # an unmarked country is not a place of the event ("Hatami said Iraq now enjoys ...")
    other = [k for k in other if not k.startswith("country:")]
    for k in marked + ([] if marked_only else other):
        if k not in out and st.country(k) not in exclude_country | {None} or (k not in out and k.startswith("place:")
                                                                           and st.country(k) is None):
            out.append(k)
    out.sort(key=lambda k: 0 if k.startswith("place:") else 1)
    return out


def _nearest_person(s: SentenceView, idx: int, after_first: bool = True) -> PM | None:
    if not s.people:
        return None
    after = [p for p in s.people if p.item >= idx]
    before = [p for p in s.people if p.item < idx]
    if after_first and after:
        return min(after, key=lambda p: p.item - idx)
    if before:
        return max(before, key=lambda p: p.item)
    return after[0] if after else None


def _international(items: list[Item], i: int) -> bool:
    """بین المللی / بين الملل: "international", not "between"."""
    t = items[i].fold
    nxt = items[i + 1].fold if i + 1 < len(items) else ""
    return "الملل" in t or nxt.startswith("الملل")


def _conjoined(s: SentenceView) -> bool:
    """A person joined to another by "and" (ووزير الدفاع الروسي, "and Sergei Shoigu")."""
    for p in s.people:
        it = s.items[p.item]
        if it.prefix[:1] == "و" or (p.item > 0 and s.items[p.item - 1].fold in ("و", "and")):
            return True
    return False


def meetings(s: SentenceView, st: DocState) -> None:
    lex = st.lex
    cues = s.cue_items("trig:meeting") + s.cue_items("trig:joint")
    # the people of a meeting stand near its word; others in a long sentence are only mentioned
    window = lex.event_window
    parts = {p.key for p in s.people if not cues or any(abs(p.item - c) <= window for c in cues)}
    trig = s.has("trig:meeting")
    joint = s.has("trig:joint") and (s.coordinated or any(p.via == "both-sides" for p in s.people)
                                     or (len(parts) >= 2 and _conjoined(s)))
    presence = s.cue_items("trig:presence")
    if presence and st.meetings:
        extra = {p.key for p in s.people if p.item > presence[0]}
        if extra:
            m = st.meetings[-1]
            m.args["participant"] = sorted(set(m.args["participant"]) | extra)
            m.evidence.append(st.ev(s, "meeting-presence", 0.8))
            return
    if trig and len(parts) < 2 and not st.meetings:
        # "during the meeting" after a visit made at someone's invitation: the visitor met the host
        for v in st.visits.values():
            if v.args.get("invitedBy"):
                parts = set(v.args["participant"]) | set(v.args["invitedBy"])
                break
    if trig and len(parts) == 1 and s.counterparts:
        # a meeting with an unnamed counterpart: the counterpart's country stands for the other side
        own = f"country:{st.nationality.get(next(iter(parts)))}"
        for country in s.counterparts:
            if country == own:
                continue
            m = Fact("Meeting", {"participant": sorted(parts | {country})}, [st.ev(s, "meeting-counterpart", 0.6)],
                     key=f"meeting-{len(st.meetings) + 1}")
            for k, v in _date_args(s, st).items():
                m.args.setdefault(k, v)
            places = _places(s, st, st.lex.trig("place_marker"))
            if places:
                m.args["location"] = places[0]
            st.meetings.append(m)
            st.facts.append(m)
        return
    if not (trig or joint) or len(parts) < 2:
        return
    conf = 0.85 if trig else 0.65
    rule = "meeting-trigger" if trig else "meeting-joint-statement"
    target = None
    for m in st.meetings:
        if len(parts & set(m.args["participant"])) >= 2:
            target = m
            break
    trig_items = s.cue_items("trig:meeting") + s.cue_items("trig:joint")
    near = {e.key for e in s.entities for t in trig_items if abs(e.item - t) <= 10}
    places = [p for p in _places(s, st, lex.trig("place_marker")) if p in near]
    sidelines = s.has("trig:sidelines")
    confs = [e.key for e in s.of_type("event")]
    if sidelines and confs and st.conf_locations.get(confs[0]):
        places = [st.conf_locations[confs[0]]]
    weapons = [e.key for e in s.of_type("weapon") if not e.generic]
    if target is None:
        target = Fact("Meeting", {"participant": sorted(parts)}, [], key=f"meeting-{len(st.meetings) + 1}")
        st.meetings.append(target)
        st.facts.append(target)
    else:
        target.args["participant"] = sorted(set(target.args["participant"]) | parts)
    target.evidence.append(st.ev(s, rule, conf))
    if places and "location" not in target.args:
        target.args["location"] = places[0]
    if sidelines and confs:
        target.args.setdefault("duringEvent", confs[0])
    if weapons:
        target.args["topic"] = sorted(set(target.args.get("topic", [])) | set(weapons))
    for k, v in _date_args(s, st).items():
        target.args.setdefault(k, v)


def topics(s: SentenceView, st: DocState) -> None:
    """"The two sides discussed the S-300": a topic of the meeting already reported."""
    if not st.meetings or not s.has("trig:joint"):
        return
    if not any(p.via == "both-sides" for p in s.people) and len(s.people) < 2:
        return
    weapons = [e.key for e in s.of_type("weapon") if not e.generic]
    if weapons:
        m = st.meetings[-1]
        m.args["topic"] = sorted(set(m.args.get("topic", [])) | set(weapons))
        m.evidence.append(st.ev(s, "meeting-topic", 0.7))


def visits(s: SentenceView, st: DocState) -> None:
    if s.people:
        st.last_people = [p.key for p in s.people]
    if not s.has("trig:visit"):
        return
    if not s.people and s.has("trig:pronoun") and st.last_people:
        # "his visit to China": the person the article was just speaking of
        s.people.append(PM(st.last_people[0], 0, "pronoun", st.nationality.get(st.last_people[0])))
    if not s.people:
        return
    inv = s.cue_items("trig:invitation")
    hosts = {p.key for p in s.people if inv and p.item > inv[0]}
    cands = [p for p in s.people if p.key not in hosts]
    if not cands:
        return
    # the destination follows a marker (إلى, به, to) or stands right after the visit word
    trig_items = s.cue_items("trig:visit")
    near = {e.key for e in s.entities for t in trig_items if 0 < e.item - t <= 4}
    places = [p for p in _places(s, st, st.lex.trig("destination_marker"), marked_only=True)]
    places += [p for p in _places(s, st, []) if p in near and p not in places]
    places.sort(key=lambda k: 0 if k.startswith("place:") else 1)
    if not places:
        return
    visitor = None
    dest = None
    for p in cands:
        nat = st.nationality.get(p.key)
        for pl in places:
            if nat is None or st.country(pl) != nat:
                visitor, dest = p, pl
                break
        if visitor:
            break
    if visitor is None:
        return
    nat = st.nationality.get(visitor.key)
    if nat is None and len(cands) > 1:
        return
    v = st.visits.get(visitor.key)
    if v is None:
        v = Fact("Visit", {"participant": [visitor.key], "location": dest}, [], key=f"visit-{len(st.visits) + 1}")
        st.visits[visitor.key] = v
        st.facts.append(v)
    elif v.args["location"].startswith("country:") and dest.startswith("place:"):
        v.args["location"] = dest
    if hosts:
        v.args["invitedBy"] = sorted(hosts)
    v.evidence.append(st.ev(s, "visit-trigger", 0.8 if nat else 0.6))
    for k, val in _date_args(s, st).items():
        v.args.setdefault(k, val)
    confs = [e.key for e in s.of_type("event")]
    if confs and s.has("trig:attend"):
        v.args.setdefault("duringEvent", confs[0])


def attendance(s: SentenceView, st: DocState) -> None:
    cue = s.cue_items("trig:attend")
    if not cue or not s.people:
        return
    confs = [e.key for e in s.of_type("event")]
    if not confs and s.has("trig:conference_noun") and st.conference_of_doc:
        confs = st.conference_of_doc[:1]
    if not confs:
        return
    p = min(s.people, key=lambda x: (abs(x.item - cue[0]), x.item > cue[0]))
    st.facts.append(Fact("Attends", {"participant": p.key, "event": confs[0]}, [st.ev(s, "attends-trigger", 0.75)],
                         key=f"attends-{p.key}-{confs[0]}"))


def agreements(s: SentenceView, st: DocState, generic: list[EM], meeting_countries: list[str]) -> None:
    """Parties and signing of the agreements named in this sentence."""
    lex = st.lex
    named = [e for e in s.of_type("agreement")]
    if not named:
        return
    sign = s.has("trig:sign")
    between = [i for i in s.cue_items("trig:between") if not _international(s.items, i)]
    parties: list[str] = []
    if between:
        # the parties coordinated right after "between" (بين ايران وروسيا), up to the next punctuation
        b = between[0]
        stop = next((j for j in range(b + 1, len(s.items)) if s.items[j].kind == "punct"), len(s.items))
        for e in s.entities:
            if b < e.item < min(stop, b + 7) and e.key.startswith(("country:", "organization:")) \
                    and e.key not in parties:
                parties.append(e.key)
    anchors = s.cue_items("trig:sign") + [e.item for e in named]
    if len(parties) < 2:
        # the countries named beside the signing word or the agreement (ووقع العراق مع روسيا ... اتفاق)
        near = [e.key for e in s.entities
                if e.key.startswith("country:") and any(abs(e.item - a) <= 6 for a in anchors)]
        if len(set(near)) >= 2:
            parties = list(dict.fromkeys(near))
    if len(parties) < 2 and sign:
        nats = [st.nationality.get(p.key) for p in s.people]
        parties = sorted({f"country:{n}" for n in nats if n})
        with_m = set(lex.trig("with"))
        for e in s.entities:
            prev = s.items[e.item - 1].fold if e.item > 0 else ""
            if e.key.startswith("country:") and prev in with_m and e.key not in parties:
                parties.append(e.key)
        if len(parties) < 2 and meeting_countries and (
                s.has("trig:demonstrative") or any(it.kind == "both" for it in s.items) or s.has("trig:visit")):
            parties = meeting_countries
    if len(parties) < 2 and any(it.kind == "both" for it in s.items) and meeting_countries:
        parties = meeting_countries
    places = _places(s, st, lex.trig("place_marker"))
    places = [p for p in places if p.startswith("place:")]
    for e in named:
        if e.generic and e.key not in {g.key for g in generic}:
            continue
        if len(parties) >= 2:
            ev = st.ev(s, "agreement-parties", 0.75 if between else 0.6)
            same = next((f for f in st.facts if f.kind == "Party" and f.args["agreement"] == e.key
                         and set(f.args["party"]) == set(parties)), None)
            if same is not None:
                same.evidence.append(ev)  # one fact, every sentence that states it
            else:
                st.facts.append(Fact("Party", {"agreement": e.key, "party": parties}, [ev], key=f"party-{e.key}"))
        if sign:
            args: dict = {"agreement": e.key}
            cue = s.cue_items("trig:sign")[0]
            window = lex.event_window  # Persian signatories stand far before the verb
            signers = sorted({p.key for p in s.people if -window <= p.item - cue <= 12 and p.via != "both-sides"})
            nats = {st.nationality.get(p) for p in signers} - {None}
            if len(signers) >= 2 and len(nats) >= 2 and not any(
                    set(signers) <= set(m.args["participant"]) for m in st.meetings):
                # two signatories of different countries met to sign
                m = Fact("Meeting", {"participant": signers}, [st.ev(s, "meeting-signing", 0.7)],
                         key=f"meeting-{len(st.meetings) + 1}")
                if places:
                    m.args["location"] = places[0]
                st.meetings.append(m)
                st.facts.append(m)
            if signers:
                args["signatory"] = signers
            if places:
                args["location"] = places[0]
            args.update(_date_args(s, st))
            prev = next((f for f in st.facts if f.kind == "Signing" and f.args["agreement"] == e.key), None)
            if prev is None:
                st.facts.append(Fact("Signing", args, [st.ev(s, "signing-trigger", 0.7)], key=f"signing-{e.key}"))
            else:
                # the article telling the same signing again: one event, its details gathered
                prev.evidence.append(st.ev(s, "signing-trigger", 0.7))
                if signers:
                    prev.args["signatory"] = sorted(set(prev.args.get("signatory", [])) | set(signers))
                for k2, v2 in args.items():
                    prev.args.setdefault(k2, v2)


def _deal_context(s: SentenceView, st: DocState) -> None:
    """An arms deal or contract ("عقود التسلح الروسية الجديدة مع العراق"): its seller and buyer."""
    words = s.cue_items("trig:deal")
    if not words:
        return
    w = words[0]
    with_m = set(st.lex.trig("with")) | set(st.lex.trig("recipient_marker"))
    sup_m = set(st.lex.trig("supplier_marker"))
    seller = buyer = None
    for e in s.entities:
        country = st.country(e.key)
        if not country or not e.key.startswith(("country:", "place:")):
            continue
        key = f"country:{country}"
        prev = s.items[e.item - 1].fold if e.item > 0 else ""
        pre = fold(s.items[e.item].prefix) if s.items[e.item].prefix else ""
        if seller is None and e.key.startswith("country:") and (
                prev in sup_m or (s.items[e.item].kind == "adj" and 0 < e.item - w <= 3)):
            seller = key
        elif buyer is None and (prev in with_m or pre in with_m) and e.item > w and key != seller:
            buyer = key  # "مع العراق"; "مع موسكو" when Moscow is not the seller's
    if buyer is None:
        # the country that signs or buys, just before the deal word ("وقعت الجزائر صفقات")
        before = [e for e in s.entities if e.key.startswith("country:") and 0 < w - e.item <= 3
                  and s.items[e.item].kind != "adj" and e.key != seller]
        if before:
            buyer = before[-1].key
    if seller or buyer:
        old = st.deal or (None, None, -9)
        st.deal = (seller or old[0], buyer or old[1], s.index)


def transfers(s: SentenceView, st: DocState) -> None:
    lex = st.lex
    _deal_context(s, st)
    out = s.cue_items("trig:transfer_out")
    inn = s.cue_items("trig:transfer_in")
    if not out and not inn:
        if st.deal and s.index - st.deal[2] <= 2 and (s.has("trig:deal") or s.has("trig:include")):
            _deal_transfers(s, st)
        return
    weapons = [e.key for e in s.of_type("weapon")]
    if not weapons and s.has("trig:demonstrative") and st.last_weapons:
        weapons = st.last_weapons[-1:]
    if not weapons:
        return
    buying = bool(inn) and (not out or inn[0] < out[0])
    cue = inn[0] if buying else out[0]
    rec_m, sup_m = set(lex.trig("recipient_marker")), set(lex.trig("supplier_marker"))
    recipient = supplier = None
    for e in s.entities:
        if not e.key.startswith(("country:", "organization:")) or e.item < cue or s.items[e.item].kind == "adj":
            continue
        it = s.items[e.item]
        prev = s.items[e.item - 1].fold if e.item > 0 else ""
        marker = fold(it.prefix) if it.prefix else prev
        if recipient is None and (marker in rec_m or prev in rec_m) and not buying:
            recipient = e.key
        elif supplier is None and (marker in sup_m or prev in sup_m):
            supplier = e.key
    if recipient is None and not buying:
        # "سلمت مصر الدفعة الأولى": the country right after "deliver" is who receives
        direct = [e for e in s.entities if 0 < e.item - cue <= 2 and e.key.startswith("country:")
                  and s.items[e.item].kind != "adj"]
        if direct:
            recipient = direct[0].key
    own = s.cue_items("trig:own_country")
    if own and supplier is None and not buying:
        # "بلاده سلمت": his country, the speaker's
        p = _nearest_person(s, own[0], after_first=False)
        if p is not None and st.nationality.get(p.key):
            supplier = f"country:{st.nationality[p.key]}"
    # the party named just before the verb is its subject: the buyer of "purchase", the seller of "deliver"
    before = [e for e in s.entities if e.item < cue and cue - e.item <= 4
              and e.key.startswith(("country:", "organization:"))]
    if before:
        if buying and recipient is None:
            recipient = before[-1].key
        elif not buying and supplier is None and before[-1].key != recipient:
            supplier = before[-1].key
    for w in weapons:
        maker = w.split("@")[1].split("#")[0] if "@" in w else ""
        origin = f"country:{maker}" if maker else None  # "Russian arms"
        ent = st.kb.get(w.split("@")[0])
        if ent is not None and ent.get("origin"):
            origin = f"country:{ent.get('origin')}"
        sup = supplier or origin
        rec = recipient
        if sup and rec and sup != rec:
            status = "announced"
            if s.has("trig:status_delivered"):
                status = "delivered"
            elif s.has("trig:status_planned"):
                status = "planned"
            elif s.has("trig:status_ordered"):
                status = "ordered"
            args = {"system": w, "supplier": sup, "recipient": rec, "status": status}
            args.update(_date_args(s, st))
            conf = 0.75 if supplier else 0.6
            st.facts.append(Fact("ArmsTransfer", args, [st.ev(s, "transfer-trigger", conf)],
                                 key=f"transfer-{w}-{sup}-{rec}"))
            st.promoted.add(w)


def _deal_transfers(s: SentenceView, st: DocState) -> None:
    """"The deals include Su-25 fighters and helicopters": each system, from the deal's seller to its buyer."""
    seller, buyer, _ = st.deal
    for e in s.of_type("weapon"):
        ent = st.kb.get(e.key.split("@")[0])
        maker = e.key.split("@")[1].split("#")[0] if "@" in e.key else ""
        sup = seller or (f"country:{maker}" if maker else None) or (
            f"country:{ent.get('origin')}" if ent is not None and ent.get("origin") else None)
        if sup and buyer and sup != buyer:
            st.facts.append(Fact("ArmsTransfer", {"system": e.key, "supplier": sup, "recipient": buyer,
                                                  "status": "ordered"},
                                 [st.ev(s, "transfer-deal", 0.6)], key=f"transfer-{e.key}-{sup}-{buyer}"))
            st.promoted.add(e.key)


def inspections(s: SentenceView, st: DocState) -> None:
    cue = s.cue_items("trig:inspect")
    if not cue:
        return
    weapons = [e.key for e in s.of_type("weapon")]
    if not weapons:
        return
    p = _nearest_person(s, cue[0], after_first=False)
    if p is None and st.visits:
        p_key = next(iter(st.visits))
    elif p is None:
        return
    else:
        p_key = p.key
    st.facts.append(Fact("Inspection", {"participant": p_key, "system": sorted(set(weapons))},
                         [st.ev(s, "inspection-trigger", 0.7)], key=f"inspection-{s.index}"))
    st.promoted.update(weapons)


STANCES = ("condemns", "criticizes", "rejects", "supports", "welcomes", "warns")


def statements(s: SentenceView, st: DocState) -> None:
    for stance in STANCES:
        cue = s.cue_items("trig:stance_" + stance)
        if not cue:
            continue
        speaker = _nearest_person(s, cue[0], after_first=False)
        if speaker is None or not 0 < cue[0] - speaker.item <= 8:
            continue
        target = None
        for e in s.entities:
            if 0 < e.item - cue[0] <= 6 and e.key.split(":")[0] in ("country", "organization", "agreement", "person"):
                if e.key != speaker.key and st.country(e.key) != st.nationality.get(speaker.key):
                    target = e.key
                    break
        if target is None:
            continue
        st.facts.append(Fact("Statement", {"speaker": speaker.key, "target": target, "stance": stance},
                             [st.ev(s, "stance-" + stance, 0.6)], key=f"statement-{s.index}-{stance}"))
        return


def finish(st: DocState) -> None:
    """Fill places the sentences left implicit: a meeting's from its conference, the visit or the dateline;
    a visit to a country also gets the city in it where the visitor's meetings took place."""
    for m in st.meetings:
        if "location" in m.args:
            continue
        conf = m.args.get("duringEvent")
        if conf and st.conf_locations.get(conf):
            m.args["location"] = st.conf_locations[conf]
            continue
        dests = [st.visits[p].args["location"] for p in m.args["participant"] if p in st.visits]
        dests.sort(key=lambda k: 0 if k.startswith("place:") else 1)
        if dests and dests[0].startswith("place:"):
            m.args["location"] = dests[0]
        elif st.dateline:
            m.args["location"] = st.dateline
        elif dests:
            m.args["location"] = dests[0]
    for v in st.visits.values():
        loc = v.args["location"]
        if not loc.startswith("country:"):
            continue
        cities = [m.args.get("location") for m in st.meetings if v.args["participant"][0] in m.args["participant"]]
        cities.append(st.dateline)
        for c in cities:
            if c and c.startswith("place:") and f"country:{st.country(c)}" == loc:
                v.args["location"] = [c, loc]
                break
