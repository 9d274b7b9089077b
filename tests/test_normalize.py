"""Folding, offset mapping, Persian ZWNJ restoration and Arabic proclitics."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ddkg.ingest.normalize import (
    ZWNJ,
    fold,
    lang_data,
    normalize,
    proclitic_analyses,
    restore_zwnj,
    restore_zwnj_map,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed articles not found at {SEEDS}")


def seed_text(i: int) -> str:
    return sorted(SEEDS.glob("*.txt"))[i].read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# language data
# ---------------------------------------------------------------------------------------------

def test_language_data_loads():
    data = lang_data()
    assert {"ar", "fa", "en"} <= set(data)
    assert data["ar"].proclitics is not None and data["fa"].zwnj is not None
    assert data["en"].proclitics is None and "U.S." in data["en"].abbreviations


# ---------------------------------------------------------------------------------------------
# fold
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("a,b", [
    ("أحمد", "احمد"), ("إيران", "ایران"), ("آسيا", "اسیا"), ("ٱلله", "الله"),
    ("مصطفى", "مصطفی"), ("الرئيس", "الرئیس"), ("رئيس", "ریيس"), ("مسؤول", "مسوول"),
    ("الشركة", "الشرکه"), ("منطقۀ", "منطقه"), ("كرملين", "کرملین"), ("شويغو", "شویغو"),
])
def test_fold_arabic_letter_variants(a, b):
    assert fold(a) == fold(b)


def test_fold_exact_outputs():
    assert fold("أإآٱ") == "اااا"
    assert fold("ى ي ی ئ") == "ی ی ی ی"
    assert fold("ك ک") == "ک ک"
    assert fold("ة ۀ ؤ") == "ه ه و"
    assert fold("مُحَمَّدٌ") == "محمد"
    assert fold("القُرْآنِ الكَرِيمِ") == "القران الکریم"
    assert fold("الـــدفـاع") == "الدفاع"
    assert fold("ٰ ٖ ۖ") == ""  # superscript alef, Quranic marks
    assert fold("٢٠١٨ ۱۳۹۷ 2024") == "2018 1397 2024"
    assert fold("می\u200cتوانند") == "میتوانند"
    assert fold("\u200fإيران\u200e \u200dروسيا\u202b") == "ایران روسیا"
    assert fold("  U.S.   Defense\n\tSecretary ") == "u.s. defense secretary"
    assert fold("ﺍﻟﺪﻓﺎﻉ") == "الدفاع"  # presentation forms (NFKC)
    assert fold("ﻻ") == "لا"


@needs_seeds
def test_fold_seed_forms():
    # spellings of one name across the seeds fold to one key
    t = seed_text(0) + seed_text(1) + seed_text(2)
    assert fold("الإيراني") in fold(t) and fold("الايراني") == fold("الإيراني")
    assert fold("شويغو") in fold(seed_text(2))
    assert fold("شویگو") in fold(seed_text(3))


# ---------------------------------------------------------------------------------------------
# NormText and offsets
# ---------------------------------------------------------------------------------------------

def _find_orig(text: str, phrase: str, lang: str = "ar") -> str:
    n = normalize(text, lang)
    i = n.text.index(fold(phrase))
    a, b = n.orig_span(i, i + len(fold(phrase)))
    return text[a:b]


@needs_seeds
def test_normtext_maps_back_on_seeds():
    t2 = seed_text(2)
    assert _find_orig(t2, "بشكل مكثف") == "بشكلٍ مكثّف"
    assert _find_orig(t2, "وزير الدفاع الروسي") == "وزير الدفاع الروسي"
    assert _find_orig(t2, "الايراني") in ("الإيراني", "الايراني")
    t3 = seed_text(3)
    assert _find_orig(t3, "سرگئی شویگو", "fa") == "سرگئی شویگو"
    for i in range(5):
        t = seed_text(i)
        n = normalize(t, None)
        assert fold(n.text) == fold(t)
        a, b = n.orig_span(0, len(n))
        assert fold(t[a:b]) == fold(t)


def test_normtext_removed_characters_and_spaces():
    t = "ـــالدِّفاعُ  \n\t و\u200cالأمن"
    n = normalize(t, "ar")
    assert n.text == "الدفاع والامن"  # ZWNJ removed
    i = n.text.index("الدفاع")
    assert n.orig_span(i, i + 6) == (3, 3 + len("الدِّفاعُ") - 1)  # leading tatweel excluded, final damma excluded
    assert t[slice(*n.orig_span(i, i + 6))] == "الدِّفاع"
    sp = n.text.index(" ")
    a, b = n.orig_span(sp, sp + 1)
    assert t[a:b] == "  \n\t "  # the whole run
    j = n.text.index("الامن")
    assert t[slice(*n.orig_span(j, j + 5))] == "الأمن"
    assert n.orig_span(2, 2) == (n.orig_index(2),) * 2
    assert n.orig_index(len(n)) == len(t)
    with pytest.raises(IndexError):
        n.orig_span(3, 2)
    with pytest.raises(IndexError):
        n.orig_span(0, len(n) + 1)


def test_normtext_ligature_kept_whole():
    t = "ﻻ بد"
    n = normalize(t, "ar")
    assert len(n.text) == len(t)
    assert fold(n.text) == fold(t) == "لا بد"


ARABIC_ALPHABET = list(
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي" "أإآٱىئؤةۀەء" "پچژگکی"
    "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0653\u0654\u0655\u0670\u0640"
    "\u200c\u200d\u200e\u200f\u202b\u202c"
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹0123456789"
    " \n\t\u00a0.،؟AaİßΣςﻻﷲﹰﺏ"
)
TEXT = st.lists(st.one_of(st.sampled_from(ARABIC_ALPHABET), st.characters()), max_size=60).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(TEXT, st.data())
def test_offsets_property(text, data):
    n = normalize(text, data.draw(st.sampled_from([None, "ar", "fa", "en"])))
    size = len(n.text)
    assert fold(n.text) == fold(text)
    assert fold(fold(text)) == fold(text)
    for _ in range(8):
        i = data.draw(st.integers(0, size))
        j = data.draw(st.integers(i, size))
        a, b = n.orig_span(i, j)
        assert 0 <= a <= b <= len(text)
        assert fold(text[a:b]) == fold(n.text[i:j])


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(ARABIC_ALPHABET), max_size=40))
def test_every_span_maps_exactly(text):
    n = normalize(text, "ar")
    for i in range(len(n.text) + 1):
        for j in range(i, len(n.text) + 1):
            a, b = n.orig_span(i, j)
            assert fold(text[a:b]) == fold(n.text[i:j])


# ---------------------------------------------------------------------------------------------
# Persian ZWNJ
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lost,restored", [
    ("منطقهای", "منطقه‌ای"),
    ("دیدگاههای", "دیدگاه‌های"),
    ("میتوانند", "می‌توانند"),
    ("نمیکند", "نمی‌کند"),
    ("همکاریهای", "همکاری‌های"),
    ("بینالمللی", "بین‌المللی"),
    ("گفتوگو", "گفت‌وگو"),
    ("حزبالله", "حزب‌الله"),
    ("برنامههای", "برنامه‌های"),
    ("تازهترین", "تازه‌ترین"),
    ("رفتهاند", "رفته‌اند"),
    ("زندگیاش", "زندگی‌اش"),
    ("هستهای", "هسته‌ای"),
    ("خامنهای", "خامنه‌ای"),
    ("میکرد", "می‌کرد"),
    ("ميتوانند", "مي‌توانند"),  # Arabic yeh
])
def test_restore_zwnj_examples(lost, restored):
    assert restore_zwnj(lost) == restored
    assert restore_zwnj(restored) == restored


@pytest.mark.parametrize("word", [
    "ماهی", "راهی", "کتاب", "ظرفیتهای", "شبهای", "دنیای", "عملیات", "الهام", "اتهام", "بهتر", "بهای",
    "میدان", "میز", "میزان", "میلیون", "تویتر", "لیتر", "پیام", "کتابهایم", "می‌توانند", "منطقه‌ای",
    "بین‌المللی", "گفت‌وگو", "وزیر", "ایران", "دهقان", "شویگو", "مِیتوانند",
])
def test_restore_zwnj_leaves_words_alone(word):
    assert restore_zwnj(word) == word


@needs_seeds
def test_restore_zwnj_on_seed():
    t = seed_text(3)
    r = restore_zwnj(t)
    for w in ("بین‌المللی", "منطقه‌ای", "گفت‌وگو", "دیدگاه‌های", "می‌توانند", "همکاری‌های"):
        assert w in r
    assert r.replace(ZWNJ, "") == t.replace(ZWNJ, "")
    assert restore_zwnj(r) == r
    r2, offs = restore_zwnj_map(t)
    assert r2 == r and len(offs) == len(r)
    for k, ch in enumerate(r):
        if ch != ZWNJ or t[offs[k]] == ZWNJ:
            assert t[offs[k]] == ch
    # Arabic and English text is left alone
    for i in (0, 1, 2):
        assert restore_zwnj(seed_text(i), "ar") == seed_text(i)
    assert restore_zwnj("the U.S. and Iran", "en") == "the U.S. and Iran"


def test_restore_zwnj_in_running_text():
    t = "وزیران دفاع با بررسی تازهترین تحولات، درباره همکاریهای منطقهای گفتوگو کردند."
    assert restore_zwnj(t) == ("وزیران دفاع با بررسی تازه‌ترین تحولات، درباره همکاری‌های منطقه‌ای "
                               "گفت‌وگو کردند.")
    r, offs = restore_zwnj_map(t)
    assert "".join(t[o] if r[k] != ZWNJ else "" for k, o in enumerate(offs)) == t
    # ZWNJs only between letters of one word
    for m in re.finditer(ZWNJ, r):
        assert r[m.start() - 1].isalpha() and r[m.end()].isalpha()


# ---------------------------------------------------------------------------------------------
# proclitics
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("token,expected", [
    ("للحرس", ("ل", "الحرس")),
    ("والصين", ("و", "الصين")),
    ("بموسكو", ("ب", "موسكو")),
    ("وروسيا", ("و", "روسيا")),
    ("والصين", ("وال", "صين")),
    ("بالعراق", ("بال", "عراق")),
    ("فالجيش", ("فال", "جيش")),
    ("كالمعتاد", ("كال", "معتاد")),
    ("وبالتعاون", ("وب", "التعاون")),
    ("وبالتعاون", ("وبال", "تعاون")),
    ("وللحرس", ("ول", "الحرس")),
    ("فللجيش", ("فلل", "جيش")),
    ("للبنان", ("ل", "لبنان")),
    ("لوزير", ("ل", "وزير")),
])
def test_proclitic_analyses(token, expected):
    got = proclitic_analyses(token, "ar")
    assert got[0] == ("", token)
    assert expected in got
    assert len(got) == len(set(got))
    for pre, stem in got[1:]:
        assert len(stem) >= 2 and pre


def test_proclitic_unsplit_first_and_short_stems():
    got = proclitic_analyses("وزير", "ar")
    assert got[0] == ("", "وزير")
    assert ("و", "زير") in got
    assert proclitic_analyses("وب", "ar") == [("", "وب")]
    assert all(len(s) >= 2 for _, s in proclitic_analyses("ولد", "ar"))
    # Persian keheh / yeh spellings of Arabic text split too
    assert ("ک", "الصین") in proclitic_analyses("کالصین", "ar")


def test_proclitics_other_languages():
    assert proclitic_analyses("والصين", "fa") == [("", "والصين")]
    assert proclitic_analyses("Washington", "en") == [("", "Washington")]
    assert proclitic_analyses("x", None) == [("", "x")]
    assert proclitic_analyses("word", "zz") == [("", "word")]
