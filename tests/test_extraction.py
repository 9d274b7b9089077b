"""Extraction on real-style sentences that are not in the seed articles."""

from __future__ import annotations

import pytest
from conftest import make_doc
from ddkg.ingest.pipeline import UnsupportedLanguage, extract


def run(text: str, lang: str | None = None):
    ex = extract(make_doc(text, lang))
    people = {k: e for k, e in ex.entities.items() if e.type == "Person"}
    return ex, people


def names_of(ex, key):
    return {m.surface for m in ex.mentions if m.entity == key}


def posts(ex):
    return {(f.args["person"], f.args["role"], f.args["of"], f.args.get("toCountry")) for f in ex.facts
            if f.kind == "Post"}


def person_by_surface(ex, surface):
    for m in ex.mentions:
        if m.surface == surface and m.entity.startswith("person:"):
            return m.entity
    raise AssertionError(f"no person mention {surface!r}: {[m.surface for m in ex.mentions]}")


def test_arabic_title_anchored_unknown_ministers_and_counterpart():
    text = ("استقبل وزير الدفاع الموريتاني حننه ولد سيدي في نواكشوط نظيره المالي ساديو كامارا، "
            "وبحث الجانبان التعاون العسكري بين البلدين.")
    ex, people = run(text)
    sidi = person_by_surface(ex, "حننه ولد سيدي")
    camara = person_by_surface(ex, "ساديو كامارا")
    assert (sidi, "minister-of-defence", "country:mauritania", None) in posts(ex)
    # "his Malian counterpart" gets the host's post, of Mali
    assert (camara, "minister-of-defence", "country:mali", None) in posts(ex)
    meetings = [f for f in ex.facts if f.kind == "Meeting"]
    assert len(meetings) == 1
    assert set(meetings[0].args["participant"]) == {sidi, camara}
    assert meetings[0].args["location"] == "place:nouakchott"
    ev = meetings[0].evidence[0]
    assert text[ev.start:ev.end].startswith("استقبل")


def test_arabic_name_ends_before_verb_and_clitic_title():
    text = "وأكد قائد الجيش العراقي الفريق أول ركن عبد الأمير يار الله ووزير الدفاع التركي يشار غولر أهمية التنسيق."
    ex, people = run(text)
    surfaces = {m.surface for m in ex.mentions if m.entity.startswith("person:")}
    assert "يشار غولر" in surfaces
    assert not any("أهمية" in s or "ووزير" in s for s in surfaces)


def test_persian_rank_honorific_and_name_before_post():
    text = ("سرلشکر پاسدار حسن کریمی، فرمانده نیروی زمینی سپاه، با همتای عراقی خود دیدار کرد. "
            "در این دیدار که با حضور محمد کاظم آل صادق سفیر عراق در ایران برگزار شد، "
            "طرفین درباره امنیت مرزها گفتگو کردند.")
    ex, people = run(text)
    karimi = person_by_surface(ex, "حسن کریمی")
    ranks = {f.args["rank"] for f in ex.facts if f.kind == "Rank" and f.args["person"] == karimi}
    assert any(r.endswith("/ir-irgc/major-general") for r in ranks), ranks
    assert (karimi, "commander", "organization:irgc-ground-force", None) in posts(ex)
    sadegh = person_by_surface(ex, "محمد کاظم آل صادق")
    assert (sadegh, "ambassador", "country:iraq", "country:iran") in posts(ex)


def test_persian_quoted_name_before_post():
    text = "«جالو ممادو تاندیا» وزیر دفاع موریتانی در تهران با همتای ایرانی خود دیدار کرد."
    ex, people = run(text)
    p = person_by_surface(ex, "جالو ممادو تاندیا")
    assert (p, "minister-of-defence", "country:mauritania", None) in posts(ex)
    visits = [f for f in ex.facts if f.kind == "Visit"]
    meetings = [f for f in ex.facts if f.kind == "Meeting"]
    assert meetings or visits


def test_english_titles_counterpart_visit_and_invitation():
    text = ("Iraqi Defense Minister Juma Inad Saadoun arrived in Tehran on Saturday at the formal invitation of "
            "his Iranian counterpart Brigadier General Amir Hatami. During the meeting, the two defense "
            "ministers discussed the fight against terrorism.")
    ex, people = run(text)
    saadoun = person_by_surface(ex, "Juma Inad Saadoun")
    hatami = person_by_surface(ex, "Amir Hatami")
    assert (saadoun, "minister-of-defence", "country:iraq", None) in posts(ex)
    assert (hatami, "minister-of-defence", "country:iran", None) in posts(ex)
    visit = next(f for f in ex.facts if f.kind == "Visit")
    assert visit.args["participant"] == [saadoun]
    assert visit.args["location"] == "place:tehran"
    assert visit.args.get("invitedBy") == [hatami]
    ranks = {f.args["rank"] for f in ex.facts if f.kind == "Rank" and f.args["person"] == hatami}
    assert any(r.endswith("/brigadier-general") for r in ranks)


def test_english_deputy_ministers_meeting():
    text = ("Russian Deputy Minister of Defense Alexander Fomin met Iranian Deputy Defense Minister "
            "Reza Talaei-Nik in Tehran on Monday to discuss military cooperation.")
    ex, people = run(text)
    fomin = person_by_surface(ex, "Alexander Fomin")
    assert (fomin, "deputy-minister-of-defence", "country:russia", None) in posts(ex)
    meeting = next(f for f in ex.facts if f.kind == "Meeting")
    assert fomin in meeting.args["participant"] and len(meeting.args["participant"]) == 2
    assert meeting.args["location"] == "place:tehran"


def test_arms_transfer_direction_and_status():
    text = "أعلنت روسيا أنها ستبدأ تسليم منظومات إس-400 إلى تركيا في الربيع المقبل."
    ex, _ = run(text)
    t = next(f for f in ex.facts if f.kind == "ArmsTransfer")
    assert t.args["system"] == "weapon:s-400"
    assert t.args["supplier"] == "country:russia"
    assert t.args["recipient"] == "country:turkey"


def test_unsupported_language_is_named_not_guessed():
    with pytest.raises(UnsupportedLanguage, match="not handled"):
        extract(make_doc("Le ministre de la Défense a rencontré son homologue à Paris pour discuter de la "
                         "coopération militaire entre les deux pays."))


def test_spacy_pipeline_tags_names_and_titles():
    from ddkg.ingest.components import extraction_nlp

    doc = extraction_nlp("fa")("ارتشبد سرگئی شویگو، وزیر دفاع روسیه وارد تهران شد. او با همتای ایرانی خود دیدار کرد.")
    labels = {(s.text, s.label_) for s in doc.spans["ddkg"]}
    assert ("سرگئی شویگو", "Person") in labels and ("وزیر دفاع", "post") in labels
    assert ("روسیه", "Country") in labels and ("تهران", "Place") in labels and ("ارتشبد", "rank") in labels
    assert len(list(doc.sents)) == 2


def test_unknown_organizations_grounded_by_country_or_place():
    ex, _ = run("وأكد محافظ البنك المركزي العراقي أن الاحتياطي مستقر، وزار وفد من ترسانة الإسكندرية بغداد.")
    orgs = {m.surface for m in ex.mentions if ex.entities[m.entity].type == "Organization"}
    assert "البنك المركزي العراقي" in orgs and "ترسانة الإسكندرية" in orgs
    # the country inside the name is still a mention of the country
    assert any(m.entity == "country:iraq" for m in ex.mentions)
    ex, _ = run("سخنگوی وزارت امور خارجه آذربایجان این گزارش را رد کرد و مرکز ایران را متهم کرد.")
    orgs = {m.surface for m in ex.mentions if ex.entities[m.entity].type == "Organization"}
    assert orgs == {"وزارت امور خارجه آذربایجان"}


def test_arms_deal_names_seller_and_buyer_of_its_systems():
    text = ("وقعت الجزائر صفقات أسلحة روسية جديدة مع موسكو بقيمة ملياري دولار. "
            "وتتضمن الصفقات مقاتلات «سو 30» ومنظومات إس-400.")
    ex, _ = run(text)
    transfers = {(f.args["system"], f.args["supplier"], f.args["recipient"]) for f in ex.facts
                 if f.kind == "ArmsTransfer"}
    assert ("weapon:s-400", "country:russia", "country:algeria") in transfers
    assert any(s.startswith("weapon:su-30") for s, _, _ in transfers)
    # "دولار" makes no mention of a country, and the class word "مقاتلات" is no entity of its own
    assert not any(m.surface == "مقاتلات" for m in ex.mentions)


def test_country_adjective_derived_when_the_kb_has_none():
    ex, _ = run("التقى وزير الدفاع الجيبوتي حسن عمر محمد نظيره المالي ساديو كامارا في باماكو.")
    assert any(m.entity == "country:djibouti" and m.surface == "الجيبوتي" for m in ex.mentions)
    assert ("person:" in person_by_surface(ex, "ساديو كامارا"))
    # the same word outside a title is the ordinary adjective "financial"
    ex, _ = run("وأعلنت الحكومة عن إجراءات لتعزيز الاستقرار المالي في البلاد.")
    assert not any(m.entity == "country:mali" for m in ex.mentions)


def test_hyphenated_name_and_its_variant_and_a_description():
    text = ("Iraqi Defense Minister Erfan al-Hayali arrived in Tehran on Saturday. "
            "Al-Hiyali met Iranian Defense Minister Hossein Dehqan. "
            "The Iraqi official also met with Ali Shamkhani.")
    ex, _ = run(text)
    hayali = person_by_surface(ex, "Erfan al-Hayali")
    assert any(m.entity == hayali and m.surface == "Hiyali" for m in ex.mentions)
    meetings = [set(f.args["participant"]) for f in ex.facts if f.kind == "Meeting"]
    assert {hayali, "person:hossein-dehghan"} in meetings
    assert {hayali, "person:ali-shamkhani"} in meetings


def test_delivery_to_direct_object_and_quoted_unknown_system():
    text = ("وقال وزير الدفاع الفرنسي إن بلاده سلمت الهند الدفعة الأولى من طائرات الرافال، "
            "وأكد تسليم الفرقاطة «نوفا» للهند قريباً.")
    ex, _ = run(text)
    transfers = {(f.args["system"], f.args["supplier"], f.args["recipient"]) for f in ex.facts
                 if f.kind == "ArmsTransfer"}
    assert ("weapon:rafale", "country:france", "country:india") in transfers
    nova = next(m.entity for m in ex.mentions if m.surface == "نوفا")
    assert ex.entities[nova].type == "WeaponSystem"
    assert (nova, "country:france", "country:india") in transfers


def test_abbreviated_ranks_in_each_persons_own_system():
    ex, _ = run("Chief of Staff of the Iranian Armed Forces Maj. Gen. Mohammad Bagheri met Iraqi Chief of Staff "
                "Lt. Gen. Othman al-Ghanimi in Baghdad.")
    ranks = {f.args["person"]: f.args["rank"].rsplit("/", 2)[-2:] for f in ex.facts if f.kind == "Rank"}
    assert ranks["person:mohammad-bagheri"] == ["ir-army", "major-general"]
    assert ranks["person:othman-al-ghanimi"] == ["arab", "lieutenant-general"]
    assert ("person:othman-al-ghanimi", "chief-of-general-staff", "country:iraq", None) in posts(ex)
