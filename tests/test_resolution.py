"""One node per real-world person across documents and languages, and no merging of namesakes."""

from __future__ import annotations

from conftest import make_doc
from ddkg.ingest.pipeline import extract
from ddkg.ingest.translit import skeleton


def person_keys(text: str, key: str = "t.txt") -> dict[str, set[str]]:
    ex = extract(make_doc(text, key=key))
    out: dict[str, set[str]] = {}
    for m in ex.mentions:
        if m.entity.startswith("person:"):
            out.setdefault(m.entity, set()).add(m.surface)
    return out


def test_skeleton_is_script_independent():
    forms = ["شويغو", "شویگو", "شایگو", "Shoigu", "Шойгу"]
    assert len({skeleton(f) for f in forms}) == 1
    assert skeleton("حسين دهقان") == skeleton("Hossein Dehqan") == skeleton("Hossein Dehghan")
    assert skeleton("مهدي سنائي") == skeleton("مهدی سنایی") == skeleton("Mehdi Sanaei")
    assert skeleton("Ali Rezaei") != skeleton("Mohsen Rezaei")


def test_kb_person_is_one_node_in_three_scripts():
    ar = person_keys("وصل وزير الدفاع الروسي سيرغي شويغو إلى طهران.")
    fa = person_keys("ارتشبد سرگئی شایگو، وزیر دفاع روسیه وارد تهران شد.")
    en = person_keys("Russian Defense Minister Sergei Shoigu arrived in Tehran.")
    assert set(ar) == set(fa) == set(en) == {"person:sergei-shoigu"}


def test_unknown_person_is_one_node_across_languages():
    ar = person_keys("وحضر اللقاء السفير الإيراني لدى روسيا مهدي سنائي.")
    fa = person_keys("در این دیدار مهدی سنایی سفیر ایران در روسیه نیز حضور داشت.")
    en = person_keys("Iranian Ambassador to Russia Mehdi Sanaei also attended the meeting.")
    assert len(ar) == len(fa) == len(en) == 1
    assert set(ar) == set(fa) == set(en)


def test_namesakes_are_not_merged():
    a = person_keys("Iranian Defense Minister Ali Rezaei met his Iraqi counterpart in Baghdad.", "a.txt")
    b = person_keys("Iranian Oil Minister Mohsen Rezaei met his Iraqi counterpart in Baghdad.", "b.txt")
    assert a and b and set(a).isdisjoint(b)
    # a family name alone is not an identity: it stays local to its document
    c = person_keys("Minister Rezaei said the talks went well.", "c.txt")
    assert set(c).isdisjoint(a) and set(c).isdisjoint(b)


def test_family_name_refers_back_within_a_document():
    keys = person_keys("التقى وزير الدفاع الإيراني العميد امير حاتمي نظيره الروسي. وقال حاتمي إن التعاون مستمر.")
    (key, surfaces), = keys.items()
    assert surfaces == {"امير حاتمي", "حاتمي"}
