"""Tests of the ddkg ontology, concept schemes and SHACL shapes (ddkg.ontology)."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from ddkg.ontology import (
    CONCEPT,
    DDKG,
    DOC,
    FOAF,
    ID,
    NIF,
    ONTOLOGY_DIR,
    ORG,
    PROV,
    SCHEMA,
    SEM,
    ontology_graph,
    schemes_graph,
    shapes_graph,
    validate,
)
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"
TERM_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
RANK_SCHEMES = ("ir-army", "ir-irgc", "ru", "arab", "us", "nato")
DCTERMS_DATE = URIRef("http://purl.org/dc/terms/date")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")


@pytest.fixture(scope="module")
def onto() -> Graph:
    return ontology_graph()


def en(g: Graph, s, p=SKOS.prefLabel) -> list[str]:
    return [str(o) for o in g.objects(s, p) if isinstance(o, Literal) and o.language == "en"]


def labels_in(g: Graph, s, lang: str) -> set[str]:
    return {str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in g.objects(s, p)
            if isinstance(o, Literal) and o.language == lang}


def pref(g: Graph, s, lang: str) -> list[str]:
    return [str(o) for o in g.objects(s, SKOS.prefLabel) if isinstance(o, Literal) and o.language == lang]


def ddkg_terms(g: Graph) -> set[URIRef]:
    return {s for t in TERM_TYPES for s in g.subjects(RDF.type, t)
            if isinstance(s, URIRef) and str(s).startswith(str(DDKG))}


def terms_md() -> dict[str, set[URIRef]]:
    """TERMS.md table rows by section: first cell, **contract** marks removed, a / b split."""
    section, out = None, {OWL.Class: set(), OWL.ObjectProperty: set(), OWL.DatatypeProperty: set()}
    kinds = {"## Classes": OWL.Class, "## Object properties": OWL.ObjectProperty,
             "## Datatype properties": OWL.DatatypeProperty}
    for line in (ROOT / "ontology" / "TERMS.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = kinds.get(line.strip())
            continue
        if section is None or not line.startswith("|"):
            continue
        cell = line.strip("|").split("|")[0].replace("**contract**", "").strip()
        if cell in ("term", "") or set(cell) <= set("-: "):
            continue
        for name in cell.split("/"):
            out[section].add(DDKG[name.strip()])
    return out


# --------------------------------------------------------------------------- parsing


def test_every_turtle_file_parses() -> None:
    files = [ONTOLOGY_DIR / "ddkg.ttl", ONTOLOGY_DIR / "shapes.ttl"]
    files += [f for f in (ONTOLOGY_DIR / "schemes").iterdir() if f.name.endswith(".ttl")]
    names = {f.name for f in files}
    assert {"ddkg.ttl", "shapes.ttl", "posts.ttl", "ranks.ttl", "misc.ttl"} <= names
    for f in files:
        g = Graph().parse(data=f.read_text(encoding="utf-8"), format="turtle")
        assert len(g) > 50, f.name


def test_ontology_header(onto: Graph) -> None:
    o = URIRef("https://w3id.org/ddkg/ontology")
    assert (o, RDF.type, OWL.Ontology) in onto
    assert onto.value(o, OWL.versionInfo) == Literal("1.0")


def test_graph_functions_return_fresh_graphs() -> None:
    a, b = ontology_graph(), ontology_graph()
    assert a is not b and len(a) == len(b) > 1000
    assert len(schemes_graph()) < len(a)
    assert (URIRef("https://w3id.org/ddkg/shapes#MeetingShape"), RDF.type,
            URIRef("http://www.w3.org/ns/shacl#NodeShape")) in shapes_graph()


# --------------------------------------------------------------------------- terms


def test_terms_md_rows_are_found() -> None:
    rows = terms_md()
    assert DDKG.Document in rows[OWL.Class] and DDKG.Mention in rows[OWL.Class]
    assert DDKG.status in rows[OWL.ObjectProperty]
    assert {DDKG.startDate, DDKG.endDate, DDKG.orderYear, DDKG.deliveryYear} <= rows[OWL.DatatypeProperty]
    assert sum(len(v) for v in rows.values()) >= 75


@pytest.mark.parametrize("kind", [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty],
                         ids=lambda k: k.fragment)
def test_every_terms_md_term_is_declared_with_label_and_definition(onto: Graph, kind: URIRef) -> None:
    missing, unlabeled = [], []
    for term in sorted(terms_md()[kind]):
        if (term, RDF.type, kind) not in onto:
            missing.append(term.fragment)
        elif len(en(onto, term, RDFS.label)) != 1 or len(en(onto, term, SKOS.definition)) != 1:
            unlabeled.append(term.fragment)
    assert not missing, f"not declared as {kind.fragment}: {missing}"
    assert not unlabeled, f"without one English label and definition: {unlabeled}"


def test_contract_terms_of_the_scorer_exist(onto: Graph) -> None:
    readme = SHARED / "eval" / "README.md"
    if not readme.is_file():
        pytest.skip(f"../shared/eval/README.md not found at {readme.resolve()}: contract terms not checked")
    rows = [line for line in readme.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    names = set()
    for row in rows:
        cells = row.strip("|").split("|")
        if len(cells) < 2:
            continue
        names |= {t for t in re.findall(r"`([^`]+)`", cells[1]) if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", t)}
    assert {"Document", "sha256", "Meeting", "participant", "holdsPosition", "supplier"} <= names
    declared = {t.fragment for t in ddkg_terms(onto)}
    assert names - declared == set(), f"contract terms missing from the ontology: {sorted(names - declared)}"
    for name in names:
        types = set(onto.objects(DDKG[name], RDF.type))
        if name[0].isupper():
            assert OWL.Class in types, name
        else:
            assert types & {OWL.ObjectProperty, OWL.DatatypeProperty}, name


def test_contract_terms_of_terms_md_exist(onto: Graph) -> None:
    text = (ROOT / "ontology" / "TERMS.md").read_text(encoding="utf-8")
    contract = set(re.findall(r"^\| (\w+) \*\*contract\*\*", text, flags=re.M))
    assert len(contract) >= 20
    assert contract <= {t.fragment for t in ddkg_terms(onto)}


def test_every_ontology_term_has_exactly_one_english_label(onto: Graph) -> None:
    bad = []
    for term in sorted(ddkg_terms(onto)):
        labels = [o for o in onto.objects(term, RDFS.label) if isinstance(o, Literal)]
        langs = [o.language for o in labels]
        if langs.count("en") != 1 or len(langs) != len(set(langs)):
            bad.append(term.fragment)
    assert not bad, f"terms without exactly one label per language (one English): {bad}"


def test_every_ddkg_iri_used_is_declared(onto: Graph) -> None:
    declared = ddkg_terms(onto)
    used = set()
    for g in (onto, shapes_graph()):
        for triple in g:
            used |= {n for n in triple if isinstance(n, URIRef) and str(n).startswith(str(DDKG))}
    assert used - declared == set(), sorted(str(u) for u in used - declared)


def test_main_classes_have_arabic_and_persian_labels(onto: Graph) -> None:
    expected = {"Person": ("شخص", "شخص"), "Meeting": ("لقاء", "دیدار"), "Visit": ("زيارة", "سفر"),
                "Agreement": ("اتفاقية", "توافقنامه"), "ArmsTransfer": ("نقل أسلحة", "انتقال تسلیحات"),
                "WeaponSystem": ("منظومة أسلحة", "سامانه تسلیحاتی")}
    for name, (ar, fa) in expected.items():
        got = {(o.language, str(o)) for o in onto.objects(DDKG[name], RDFS.label)}
        assert ("ar", ar) in got and ("fa", fa) in got, name
    for name in ("Country", "Conference", "Post", "Organization", "Place", "Document"):
        langs = {o.language for o in onto.objects(DDKG[name], RDFS.label)}
        assert {"en", "ar", "fa"} <= langs, name


ALIGNMENTS = [
    (DDKG.participant, RDFS.subPropertyOf, SEM.hasActor),
    (DDKG.participant, RDFS.subPropertyOf, SCHEMA.attendee),
    (DDKG.location, RDFS.subPropertyOf, SEM.hasPlace),
    (DDKG.location, RDFS.subPropertyOf, SCHEMA.location),
    (DDKG.holdsPosition, RDFS.subPropertyOf, ORG.holds),
    (DDKG.role, RDFS.subPropertyOf, ORG.role),
    (DDKG.positionOf, RDFS.subPropertyOf, ORG.postIn),
    (DDKG.subOrganizationOf, RDFS.subPropertyOf, ORG.subOrganizationOf),
    (DDKG.duringEvent, RDFS.subPropertyOf, SEM.subEventOf),
    (DDKG.evidence, RDFS.subPropertyOf, PROV.wasDerivedFrom),
    (DDKG.document, RDFS.subPropertyOf, PROV.hadPrimarySource),
    (DDKG.nationality, RDFS.subPropertyOf, SCHEMA.nationality),
    (DDKG.topic, RDFS.subPropertyOf, SCHEMA.about),
    (DDKG.date, RDFS.subPropertyOf, SEM.hasTimeStamp),
    (DDKG.date, RDFS.subPropertyOf, DCTERMS_DATE),
    (DDKG.startDate, RDFS.subPropertyOf, SCHEMA.startDate),
    (DDKG.startDate, RDFS.subPropertyOf, SEM.hasBeginTimeStamp),
    (DDKG.endDate, RDFS.subPropertyOf, SCHEMA.endDate),
    (DDKG.publicationDate, RDFS.subPropertyOf, SCHEMA.datePublished),
    (DDKG.startOffset, RDFS.subPropertyOf, NIF.beginIndex),
    (DDKG.endOffset, RDFS.subPropertyOf, NIF.endIndex),
    (DDKG.anchorText, RDFS.subPropertyOf, NIF.anchorOf),
    (DDKG.Document, RDFS.subClassOf, PROV.Entity),
    (DDKG.Document, RDFS.subClassOf, SCHEMA.NewsArticle),
    (DDKG.Document, RDFS.subClassOf, FOAF.Document),
    (DDKG.Agent, RDFS.subClassOf, PROV.Agent),
    (DDKG.Person, RDFS.subClassOf, SCHEMA.Person),
    (DDKG.Person, RDFS.subClassOf, FOAF.Person),
    (DDKG.Person, RDFS.subClassOf, DDKG.Agent),
    (DDKG.Organization, RDFS.subClassOf, ORG.Organization),
    (DDKG.Organization, RDFS.subClassOf, SCHEMA.Organization),
    (DDKG.GovernmentBody, RDFS.subClassOf, ORG.FormalOrganization),
    (DDKG.NewsAgency, RDFS.subClassOf, SCHEMA.NewsMediaOrganization),
    (DDKG.Place, RDFS.subClassOf, SCHEMA.Place),
    (DDKG.Place, RDFS.subClassOf, SEM.Place),
    (DDKG.Country, RDFS.subClassOf, DDKG.Place),
    (DDKG.Country, RDFS.subClassOf, SCHEMA.Country),
    (DDKG.City, RDFS.subClassOf, SCHEMA.City),
    (DDKG.WeaponSystem, RDFS.subClassOf, SCHEMA.Product),
    (DDKG.Event, RDFS.subClassOf, SEM.Event),
    (DDKG.Event, RDFS.subClassOf, SCHEMA.Event),
    (DDKG.EventSeries, RDFS.subClassOf, SCHEMA.EventSeries),
    (DDKG.Meeting, RDFS.subClassOf, DDKG.Event),
    (DDKG.Visit, RDFS.subClassOf, DDKG.Event),
    (DDKG.ArmsTransfer, RDFS.subClassOf, DDKG.Event),
    (DDKG.Conference, RDFS.subClassOf, DDKG.Event),
    (DDKG.Post, RDFS.subClassOf, ORG.Post),
    (DDKG.Evidence, RDFS.subClassOf, PROV.Entity),
    (DDKG.Mention, RDFS.subClassOf, PROV.Entity),
]


@pytest.mark.parametrize("triple", ALIGNMENTS, ids=lambda t: f"{t[0].fragment}-{t[2].split('/')[-1]}")
def test_alignment(onto: Graph, triple) -> None:
    assert triple in onto


def test_alignments_never_rename(onto: Graph) -> None:
    """No ddkg term is declared equivalent to an outside term by sameAs (local names stay ddkg's)."""
    assert not list(onto.triples((None, OWL.sameAs, None)))


# --------------------------------------------------------------------------- concept schemes


def concepts(g: Graph, scheme: str) -> dict[str, URIRef]:
    base = str(CONCEPT[scheme])
    return {str(c)[len(base) + 1:]: c for c in g.subjects(SKOS.inScheme, URIRef(base))}


def test_skos_label_integrity(onto: Graph) -> None:
    bad = []
    for c in set(onto.subjects(RDF.type, SKOS.Concept)):
        prefs = [(o.language, str(o)) for o in onto.objects(c, SKOS.prefLabel)]
        alts = {(o.language, str(o)) for o in onto.objects(c, SKOS.altLabel)}
        langs = [lang for lang, _ in prefs]
        if len(langs) != len(set(langs)) or set(prefs) & alts or langs.count("en") != 1:
            bad.append(str(c))
        if len(en(onto, c, SKOS.definition)) != 1 or len(set(onto.objects(c, SKOS.inScheme))) != 1:
            bad.append(str(c))
    assert not bad, bad


POST_LABELS = {
    "minister-of-defence": "Minister of Defence", "deputy-minister-of-defence": "Deputy Minister of Defence",
    "chief-of-general-staff": "Chief of General Staff", "deputy-chief-of-general-staff": None,
    "commander": "Commander", "deputy-commander": None, "ambassador": "Ambassador",
    "military-attache": "Military Attaché", "president": "President", "vice-president": None,
    "prime-minister": "Prime Minister", "minister-of-foreign-affairs": "Minister of Foreign Affairs",
    "minister-of-interior": None, "minister": "Minister", "deputy-minister": None, "secretary": "Secretary",
    "secretary-of-the-snsc": "Secretary of the Supreme National Security Council",
    "secretary-general": "Secretary-General", "spokesperson": "Spokesperson",
    "supreme-leader": "Supreme Leader",
    "king": "King", "crown-prince": "Crown Prince", "emir": "Emir", "advisor": "Advisor",
    "director": "Director", "head-of-delegation": None,
}


def test_post_scheme_ids_and_english_labels(onto: Graph) -> None:
    posts = concepts(onto, "post")
    assert set(posts) == set(POST_LABELS)
    assert (URIRef(str(CONCEPT["post"])), RDF.type, SKOS.ConceptScheme) in onto
    for pid, label in POST_LABELS.items():
        assert (posts[pid], RDF.type, SKOS.Concept) in onto
        if label:
            assert pref(onto, posts[pid], "en") == [label], pid
        for lang in ("en", "ar", "fa", "ru"):
            assert len(pref(onto, posts[pid], lang)) == 1, (pid, lang)
    assert (posts["secretary-of-the-snsc"], SKOS.broader, posts["secretary"]) in onto


def test_post_labels_as_news_writes_them(onto: Graph) -> None:
    posts = concepts(onto, "post")
    expected = {
        "minister-of-defence": {"en": ["Defence Minister", "Defense Minister", "Minister of Defense",
                                       "Secretary of Defense", "Secretary of Defence"],
                                "ar": ["وزير الدفاع", "وزير الدفاع واسناد القوات المسلحة"],
                                "fa": ["وزیر دفاع", "وزیر دفاع و پشتیبانی نیروهای مسلح"],
                                "ru": ["министр обороны"]},
        "chief-of-general-staff": {"en": ["Chief of the General Staff", "Chief of Staff of the Armed Forces",
                                          "Chief of the Defence Staff",
                                          "Chairman of the Joint Chiefs of Staff"],
                                   "ar": ["رئيس هيئة الأركان العامة"], "fa": ["رئیس ستاد کل نیروهای مسلح"]},
        "ambassador": {"ar": ["سفير"], "fa": ["سفیر"]},
        "president": {"ar": ["رئيس الجمهورية"], "fa": ["رئیس جمهور"]},
        "prime-minister": {"ar": ["رئيس الوزراء"], "fa": ["نخست وزیر"]},
        "minister-of-foreign-affairs": {"ar": ["وزير الخارجية"], "fa": ["وزیر امور خارجه"]},
        "secretary": {"ar": ["أمين"], "fa": ["دبیر"]},
        "secretary-general": {"ar": ["أمين عام"], "fa": ["دبیرکل"]},
        "commander": {"ar": ["قائد"], "fa": ["فرمانده"]},
    }
    for pid, by_lang in expected.items():
        for lang, forms in by_lang.items():
            missing = set(forms) - labels_in(onto, posts[pid], lang)
            assert not missing, (pid, lang, missing)


def test_rank_schemes_and_users(onto: Graph) -> None:
    users = {}
    for sid in RANK_SCHEMES:
        scheme = URIRef(str(CONCEPT[f"rank/{sid}"]))
        assert (scheme, RDF.type, SKOS.ConceptScheme) in onto, sid
        assert len(pref(onto, scheme, "en")) == 1
        users[sid] = {str(u).rsplit("/", 1)[1] for u in onto.objects(scheme, DDKG.usedBy)}
        assert all(str(u).startswith(str(ID["country/"])) for u in onto.objects(scheme, DDKG.usedBy))
    assert users["ir-army"] == users["ir-irgc"] == {"iran"}
    assert {"russia", "belarus"} <= users["ru"]
    assert users["arab"] == {"saudi-arabia", "egypt", "iraq", "syria", "jordan", "united-arab-emirates",
                             "qatar", "kuwait", "bahrain", "oman", "yemen", "lebanon", "libya", "algeria",
                             "tunisia", "morocco", "sudan"}
    assert users["us"] == {"united-states"}
    assert {"united-kingdom", "france", "germany", "turkey", "italy", "canada"} <= users["nato"]


def test_every_rank_concept_is_complete(onto: Graph) -> None:
    codes = {}
    for sid in RANK_SCHEMES:
        ranks = concepts(onto, f"rank/{sid}")
        assert len(ranks) >= 8, sid
        for slug, c in ranks.items():
            assert re.fullmatch(r"[a-z0-9-]+", slug), slug
            for lang in ("en", "ar", "fa", "ru"):
                assert len(pref(onto, c, lang)) == 1, (sid, slug, lang)
            nato = [str(o) for o in onto.objects(c, DDKG.natoCode)]
            assert len(nato) == 1 and re.fullmatch(r"OF-(10|[1-9])", nato[0]), (sid, slug, nato)
            services = {str(o) for o in onto.objects(c, DDKG.service)}
            assert services and services <= {"land", "naval", "air", "any"}, (sid, slug)
            codes.setdefault(sid, set()).add(int(nato[0][3:]))
    for sid in RANK_SCHEMES:
        assert set(range(3, 9)) <= codes[sid], (sid, codes[sid])
    for sid in ("ir-army", "ru", "arab", "us", "nato"):
        assert 9 in codes[sid], sid
    for sid in ("ru", "arab", "us", "nato"):
        assert 10 in codes[sid], sid


RANK_EN = {
    "ir-army": {"ارتشبد": "General", "سپهبد": "Lieutenant General", "سرلشکر": "Major General",
                "سرتیپ": "Brigadier General", "سرتیپ دوم": "Second Brigadier General", "سرهنگ": "Colonel",
                "دریابد": "Admiral", "دریاسالار": "Vice Admiral", "دریادار": "Rear Admiral"},
    "ir-irgc": {"سرلشکر پاسدار": "IRGC Major General", "سرتیپ پاسدار": "IRGC Brigadier General",
                "سرتیپ دوم پاسدار": "IRGC Second Brigadier General", "سرهنگ پاسدار": "IRGC Colonel",
                "سپهبد پاسدار": "IRGC Lieutenant General", "دریادار پاسدار": "IRGC Rear Admiral"},
    "ru": {"маршал российской федерации": "Marshal of the Russian Federation",
           "генерал армии": "General of the Army",
           "генерал-полковник": "Colonel General", "генерал-лейтенант": "Lieutenant General",
           "генерал-майор": "Major General", "полковник": "Colonel", "адмирал флота": "Admiral of the Fleet",
           "адмирал": "Admiral", "вице-адмирал": "Vice Admiral", "контр-адмирал": "Rear Admiral"},
    "arab": {"مشير": "Field Marshal", "فريق أول": "General", "فريق": "Lieutenant General",
             "لواء": "Major General",
             "عميد": "Brigadier General", "عقيد": "Colonel", "مقدم": "Lieutenant Colonel", "رائد": "Major",
             "فريق بحري": "Vice Admiral", "لواء بحري": "Rear Admiral"},
}


@pytest.mark.parametrize("sid", sorted(RANK_EN))
def test_rank_native_labels_map_to_english(onto: Graph, sid: str) -> None:
    lang = {"ru": "ru", "arab": "ar"}.get(sid, "fa")
    by_native = {}
    for c in concepts(onto, f"rank/{sid}").values():
        for form in pref(onto, c, lang):
            by_native[form.casefold()] = pref(onto, c, "en")[0]
    for native, english in RANK_EN[sid].items():
        assert by_native.get(native.casefold()) == english, (sid, native)


def test_us_rank_english_labels(onto: Graph) -> None:
    got = {pref(onto, c, "en")[0] for c in concepts(onto, "rank/us").values()}
    assert {"General", "Lieutenant General", "Major General", "Brigadier General", "Colonel", "Admiral",
            "Vice Admiral", "Rear Admiral"} <= got


def test_russian_general_of_the_army_in_arabic_and_persian_news(onto: Graph) -> None:
    c = CONCEPT["rank/ru/general-of-the-army"]
    assert pref(onto, c, "ar") == ["جنرال الجيش"] and pref(onto, c, "fa") == ["ژنرال ارتش"]
    assert "فريق أول" in labels_in(onto, c, "ar") and "ارتشبد" in labels_in(onto, c, "fa")


def test_ranks_have_no_honorifics_and_no_arabic_article(onto: Graph) -> None:
    bad = []
    for sid in RANK_SCHEMES:
        for c in concepts(onto, f"rank/{sid}").values():
            for p in (SKOS.prefLabel, SKOS.altLabel):
                for o in onto.objects(c, p):
                    text = str(o)
                    if "سردار" in text or "sardar" in text.lower() or text in ("امیر", "أمير", "امير"):
                        bad.append(text)
                    if o.language == "ar" and text.startswith("ال"):
                        bad.append(text)
    assert not bad, bad


def fold(text: str) -> str:
    """Fold Arabic-script spelling variants and a leading ال, as the scorer does for mentions."""
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    for a, b in (("أإآٱ", "ا"), ("ىی", "ي"), ("ک", "ك"), ("ة", "ه"), ("ؤ", "و"), ("ئ", "ي")):
        text = re.sub(f"[{a}]", b, text)
    text = text.replace("\u200c", " ")
    return re.sub(r"^ال", "", " ".join(text.split())).casefold()


def test_gold_ranks_and_posts_are_reachable(onto: Graph) -> None:
    gold_path = SHARED / "eval" / "seeds.gold.json"
    if not gold_path.is_file():
        pytest.skip(f"../shared/eval/seeds.gold.json not found at {gold_path.resolve()}: gold check skipped")
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    facts = [f for d in gold["documents"] for f in d["facts"]]
    rank_concepts = [c for sid in RANK_SCHEMES for c in concepts(onto, f"rank/{sid}").values()]
    for f in (f for f in facts if f["type"] == "rank"):
        hits = [c for c in rank_concepts if pref(onto, c, "en") == [f["rank"]]
                and any(fold(lab) == fold(f["surface"])
                        for lang in ("ar", "fa") for lab in labels_in(onto, c, lang))]
        assert hits, f"no rank concept labelled {f['rank']!r} with surface form {f['surface']!r}"
    post_labels = {pref(onto, c, "en")[0] for c in concepts(onto, "post").values()}
    for f in (f for f in facts if f["type"] == "position"):
        assert f["role"] in post_labels, f["role"]


STANCES = {"supports", "criticizes", "condemns", "rejects", "welcomes", "warns"}
STATUSES = {"announced", "planned", "ordered", "delivered", "cancelled"}
WEAPONS = {"sam_system", "air_defence_gun", "ballistic_missile", "cruise_missile", "anti_ship_missile",
           "air_to_air_missile", "air_to_surface_missile", "anti_tank_missile", "manpads",
           "hypersonic_missile",
           "rocket_artillery", "artillery", "tank", "infantry_fighting_vehicle", "armoured_vehicle",
           "fighter_aircraft", "bomber", "attack_aircraft", "trainer_aircraft", "transport_aircraft",
           "tanker_aircraft", "awacs", "attack_helicopter", "transport_helicopter", "uav", "combat_uav",
           "loitering_munition", "submarine", "aircraft_carrier", "destroyer", "frigate", "corvette",
           "patrol_boat",
           "amphibious_ship", "radar", "electronic_warfare", "satellite_launcher", "small_arms", "ammunition",
           "missile", "air_defence", "warship", "helicopter", "aircraft", "arms"}


def test_small_schemes(onto: Graph) -> None:
    assert set(concepts(onto, "stance")) == STANCES
    assert set(concepts(onto, "transfer-status")) == STATUSES
    weapons = concepts(onto, "weapon-category")
    assert set(weapons) == WEAPONS
    for c in weapons.values():
        assert pref(onto, c, "ar") and pref(onto, c, "fa"), c


def test_weapon_category_hierarchy(onto: Graph) -> None:
    w = concepts(onto, "weapon-category")
    pairs = [("sam_system", "air_defence"), ("manpads", "air_defence"), ("ballistic_missile", "missile"),
             ("cruise_missile", "missile"), ("frigate", "warship"), ("submarine", "warship"),
             ("attack_helicopter", "helicopter"), ("helicopter", "aircraft"), ("combat_uav", "uav"),
             ("tank", "armoured_vehicle"), ("rocket_artillery", "artillery"),
             ("fighter_aircraft", "aircraft")]
    for narrow, broad in pairs:
        assert (w[narrow], SKOS.broader, w[broad]) in onto, narrow
    for generic in ("missile", "air_defence", "warship", "aircraft"):
        assert not list(onto.objects(w[generic], SKOS.broader)), generic
    for c in w.values():  # acyclic, and broader stays in the scheme
        seen, node = set(), c
        while (nxt := onto.value(node, SKOS.broader)) is not None:
            assert nxt in w.values() and nxt not in seen, c
            seen.add(nxt)
            node = nxt


# --------------------------------------------------------------------------- SHACL

SHA = "75d71566662e0591" + "0" * 48
D = DOC[SHA[:16]]
SHOIGU, DEHGHAN = ID["person/sergei-shoigu"], ID["person/hossein-dehghan"]
RUSSIA, IRAN, MOSCOW, S300 = ID["country/russia"], ID["country/iran"], ID["place/moscow"], ID["weapon/s-300"]
MEETING, POST, TRANSFER = URIRef(f"{D}#meeting-1"), URIRef(f"{D}#post-1"), URIRef(f"{D}#transfer-1")
EV1, EV2 = URIRef(f"{D}#evidence-1"), URIRef(f"{D}#evidence-2")
SENTENCE = "وزير الدفاع الايراني العميد حسين دهقان بحث خلال لقائه في موسكو نظيره الروسي سيرغي شويغو"


def document_triples() -> Graph:
    g = Graph()
    g.add((D, RDF.type, DDKG.Document))
    g.add((D, DDKG.sha256, Literal(SHA)))
    g.add((D, DDKG.language, Literal("ar")))
    g.add((D, DDKG.sourceFile, Literal("seeds/000_75d71566662e0591.txt")))
    return g


def fact_triples() -> Graph:
    g = Graph()
    people = ((SHOIGU, "Sergei Shoigu", "شويغو"), (DEHGHAN, "Hossein Dehghan", "دهقان"))
    for person, en_name, ar_name in people:
        g.add((person, RDF.type, DDKG.Person))
        g.add((person, SKOS.prefLabel, Literal(en_name, lang="en")))
        g.add((person, SKOS.altLabel, Literal(ar_name, lang="ar")))
    for country, name in ((RUSSIA, "Russia"), (IRAN, "Iran")):
        g.add((country, RDF.type, DDKG.Country))
        g.add((country, SKOS.prefLabel, Literal(name, lang="en")))
    g.add((MOSCOW, RDF.type, DDKG.City))
    g.add((MOSCOW, SKOS.prefLabel, Literal("Moscow", lang="en")))
    g.add((MOSCOW, DDKG.countryOf, RUSSIA))
    g.add((S300, RDF.type, DDKG.WeaponSystem))
    g.add((S300, SKOS.prefLabel, Literal("S-300", lang="en")))
    g.add((S300, DDKG.category, CONCEPT["weapon-category/sam_system"]))
    g.add((S300, DDKG.origin, RUSSIA))
    for ev, start, end, rule in ((EV1, 0, 160, "meeting.lqa"), (EV2, 40, 120, "post.title")):
        g.add((ev, RDF.type, DDKG.Evidence))
        g.add((ev, DDKG.document, D))
        g.add((ev, DDKG.sentence, Literal(SENTENCE, lang="ar")))
        g.add((ev, DDKG.startOffset, Literal(start)))
        g.add((ev, DDKG.endOffset, Literal(end)))
        g.add((ev, DDKG.confidence, Literal(0.9)))
        g.add((ev, DDKG.rule, Literal(rule)))
    g.add((MEETING, RDF.type, DDKG.Meeting))
    g.add((MEETING, DDKG.participant, SHOIGU))
    g.add((MEETING, DDKG.participant, DEHGHAN))
    g.add((MEETING, DDKG.location, MOSCOW))
    g.add((MEETING, DDKG.date, Literal("2016-02-16", datatype=XSD_DATE)))
    g.add((MEETING, DDKG.evidence, EV1))
    g.add((SHOIGU, DDKG.holdsPosition, POST))
    g.add((SHOIGU, DDKG.rank, CONCEPT["rank/ru/general-of-the-army"]))
    g.add((SHOIGU, DDKG.nationality, RUSSIA))
    g.add((POST, RDF.type, DDKG.Post))
    g.add((POST, DDKG.role, CONCEPT["post/minister-of-defence"]))
    g.add((POST, DDKG.positionOf, RUSSIA))
    g.add((POST, DDKG.evidence, EV2))
    g.add((TRANSFER, RDF.type, DDKG.ArmsTransfer))
    g.add((TRANSFER, DDKG.system, S300))
    g.add((TRANSFER, DDKG.supplier, RUSSIA))
    g.add((TRANSFER, DDKG.recipient, IRAN))
    g.add((TRANSFER, DDKG.status, CONCEPT["transfer-status/planned"]))
    g.add((TRANSFER, DDKG.evidence, EV1))
    return g


def valid_graph() -> Graph:
    return document_triples() + fact_triples()


def assert_rejected(g: Graph, message: str) -> None:
    conforms, text = validate(g)
    assert not conforms, "expected a violation"
    assert message in text, text


def test_valid_example_conforms() -> None:
    conforms, text = validate(valid_graph())
    assert conforms, text


def test_validate_leaves_the_data_unchanged() -> None:
    g = valid_graph()
    before = len(g)
    validate(g)
    assert len(g) == before


def dataset(with_documents: bool = True) -> Dataset:
    """Documents in the default graph, each document's facts in the graph named by its IRI."""
    ds = Dataset()
    if with_documents:
        for s, p, o in document_triples():
            ds.default_graph.add((s, p, o))
    for s, p, o in fact_triples():
        ds.add((s, p, o, D))
    return ds


def test_dataset_with_documents_in_default_graph_conforms() -> None:
    ds = dataset()
    assert len(ds.graph(D)) > 0 and (D, DDKG.sha256, Literal(SHA)) in ds.default_graph
    conforms, text = validate(ds)
    assert conforms, text


def test_dataset_without_the_document_is_rejected() -> None:
    assert_rejected(dataset(with_documents=False), "Fact has no source")


def test_meeting_with_one_participant_is_rejected() -> None:
    g = valid_graph()
    g.remove((MEETING, DDKG.participant, DEHGHAN))
    assert_rejected(g, "A Meeting must have at least two distinct participants.")


def test_meeting_participant_must_be_an_actor() -> None:
    g = valid_graph()
    g.add((MEETING, DDKG.participant, S300))
    assert_rejected(g, "Each participant of a Meeting must be a Person, Country or Organization.")


def test_arms_transfer_supplier_equal_to_recipient_is_rejected() -> None:
    g = valid_graph()
    g.remove((TRANSFER, DDKG.recipient, IRAN))
    g.add((TRANSFER, DDKG.recipient, RUSSIA))
    assert_rejected(g, "The supplier of an ArmsTransfer must differ from its recipient.")


def test_arms_transfer_needs_one_system() -> None:
    g = valid_graph()
    g.remove((TRANSFER, DDKG.system, S300))
    assert_rejected(g, "An ArmsTransfer must have exactly one system, a WeaponSystem.")


@pytest.mark.parametrize("fact", [MEETING, POST, TRANSFER], ids=["meeting", "post", "transfer"])
def test_fact_without_source_is_rejected(fact: URIRef) -> None:
    g = valid_graph()
    g.remove((fact, DDKG.evidence, None))
    assert_rejected(g, "Fact has no source")


def test_fact_whose_document_has_no_sha256_is_rejected() -> None:
    g = fact_triples()
    g.add((D, RDF.type, DDKG.Document))
    assert_rejected(g, "Fact has no source")


def test_graph_with_no_documents_at_all_is_rejected() -> None:
    g = fact_triples()
    g.remove((None, DDKG.evidence, None))
    for ev in (EV1, EV2):
        g.remove((ev, None, None))
    assert_rejected(g, "Fact has no source")


@pytest.mark.parametrize("bad", ["75d71566", SHA.upper(), SHA + "0", "z" * 64])
def test_document_with_bad_sha256_is_rejected(bad: str) -> None:
    g = valid_graph()
    g.set((D, DDKG.sha256, Literal(bad)))
    assert_rejected(g, "A Document's sha256 must be 64 lower-case hexadecimal characters.")


def test_document_needs_a_language_and_source_file() -> None:
    g = valid_graph()
    g.remove((D, DDKG.language, None))
    g.remove((D, DDKG.sourceFile, None))
    conforms, text = validate(g)
    assert not conforms
    assert "A Document must have exactly one language." in text
    assert "A Document must have a sourceFile." in text


def test_evidence_with_start_after_end_is_rejected() -> None:
    g = valid_graph()
    g.set((EV1, DDKG.startOffset, Literal(200)))
    assert_rejected(g, "startOffset must not be greater than endOffset.")


def test_evidence_with_negative_offset_or_bad_confidence_is_rejected() -> None:
    g = valid_graph()
    g.set((EV2, DDKG.startOffset, Literal(-1)))
    g.set((EV2, DDKG.confidence, Literal(1.5)))
    conforms, text = validate(g)
    assert not conforms
    assert "startOffset must be a single integer of at least 0." in text
    assert "Evidence confidence must be a single number between 0 and 1." in text


def test_post_role_must_come_from_the_post_scheme() -> None:
    g = valid_graph()
    g.set((POST, DDKG.role, CONCEPT["rank/ru/general-of-the-army"]))
    assert_rejected(g, "The role of a Post must be a skos:Concept of the post scheme.")


def test_post_needs_exactly_one_position_of() -> None:
    g = valid_graph()
    g.add((POST, DDKG.positionOf, IRAN))
    assert_rejected(g, "A Post must have exactly one positionOf")


def test_rank_must_come_from_a_rank_scheme() -> None:
    g = valid_graph()
    g.set((SHOIGU, DDKG.rank, CONCEPT["post/minister-of-defence"]))
    assert_rejected(g, "A rank must be a skos:Concept of one of the ddkg rank schemes.")


def test_transfer_status_must_come_from_its_scheme() -> None:
    g = valid_graph()
    g.set((TRANSFER, DDKG.status, CONCEPT["stance/supports"]))
    assert_rejected(g, "An ArmsTransfer has at most one status, a concept of the transfer-status scheme.")


def test_agreement_party_must_be_state_or_organization() -> None:
    g = valid_graph()
    agreement = ID["agreement/ir-ru-military-cooperation"]
    g.add((agreement, RDF.type, DDKG.Agreement))
    g.add((agreement, DDKG.party, IRAN))
    g.add((agreement, DDKG.party, RUSSIA))
    assert validate(g)[0]
    g.add((agreement, DDKG.party, SHOIGU))
    assert_rejected(g, "Each party to an Agreement must be a Country or Organization.")


def test_statement_needs_speaker_and_stance() -> None:
    g = valid_graph()
    statement = URIRef(f"{D}#statement-1")
    g.add((statement, RDF.type, DDKG.Statement))
    g.add((statement, DDKG.evidence, EV1))
    conforms, text = validate(g)
    assert not conforms
    assert "A Statement must have a speaker." in text and "A Statement must have a stance." in text


def test_two_english_preferred_labels_are_rejected() -> None:
    g = valid_graph()
    g.add((SHOIGU, SKOS.prefLabel, Literal("Sergey Shoygu", lang="en")))
    assert_rejected(g, "An entity has at most one skos:prefLabel per language")


def test_visit_needs_participant_and_location() -> None:
    g = valid_graph()
    visit = URIRef(f"{D}#visit-1")
    g.add((visit, RDF.type, DDKG.Visit))
    g.add((visit, DDKG.evidence, EV1))
    conforms, text = validate(g)
    assert not conforms
    assert "A Visit must have at least one participant" in text
    assert "A Visit must have at least one location" in text
    g.add((visit, DDKG.participant, DEHGHAN))
    g.add((visit, DDKG.location, MOSCOW))
    assert validate(g)[0]


def test_every_shape_has_an_english_message() -> None:
    sh = shapes_graph()
    shacl = Namespace("http://www.w3.org/ns/shacl#")
    constraints = set(sh.objects(None, shacl.property)) | set(sh.objects(None, shacl.sparql))
    constraints |= {s for s in sh.subjects(RDF.type, shacl.NodeShape)
                    if set(sh.predicates(s)) & {shacl["or"], shacl["class"], shacl["node"]}}
    assert len(constraints) > 60
    missing = [c for c in constraints if not any(m.language == "en" for m in sh.objects(c, shacl.message))]
    assert not missing, missing
