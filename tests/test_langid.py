"""Language identification, and the sentence segmenter it is applied through."""

from __future__ import annotations

from pathlib import Path

import pytest
from ddkg.ingest.langid import SUPPORTED, LangResult, _script_override, detect, detect_sentences
from ddkg.ingest.nlp import COMPONENT, get_nlp, sentences

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed articles not found at {SEEDS}")
SEED_LANG = {"000": "ar", "001": "ar", "002": "ar", "003": "fa", "004": "fa"}


def seeds() -> list[tuple[str, str]]:
    return [(SEED_LANG[p.name[:3]], p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]


# ---------------------------------------------------------------------------------------------
# langid
# ---------------------------------------------------------------------------------------------

@needs_seeds
def test_seed_document_language():
    got = [detect(text) for _, text in seeds()]
    assert [r.code for r in got] == ["ar", "ar", "ar", "fa", "fa"]
    assert all(r.supported and r.confidence > 0.9 for r in got)
    assert [r.name for r in got] == ["Arabic"] * 3 + ["Persian"] * 2


@needs_seeds
def test_every_seed_line_in_document_language():
    for lang, text in seeds():
        for line in text.splitlines():
            if line.strip():
                r = detect(line)
                assert r.code == lang, (line, r)


@needs_seeds
def test_seed_sentences_in_document_language():
    for lang, text in seeds():
        spans = sentences(text, lang)
        results = detect_sentences(text, spans)
        assert len(results) == len(spans) > 3
        decided = [r for r in results if r.code is not None]
        assert all(r.code == lang for r in decided), [(text[a:b], r) for (a, b), r in zip(spans, results, strict=True)
                                                       if r.code not in (None, lang)]


def test_english_and_unsupported():
    en = detect("The defence minister met his Russian counterpart in Moscow on Sunday.")
    assert en == LangResult("en", en.confidence, True, "English") and en.confidence > 0.9
    fr = detect("Le ministre de la Défense a rencontré son homologue russe à Moscou pour discuter de la coopération.")
    assert fr.code == "fr" and fr.supported is False and fr.name == "French"
    ru = detect("Министр обороны России встретился с иранским коллегой в Москве.")
    assert ru.code == "ru" and not ru.supported
    assert SUPPORTED == ("ar", "fa", "en")


@pytest.mark.parametrize("text", ["123 ...", "", "   ", "2018-08-28", "!!", "ab"])
def test_no_language(text):
    r = detect(text)
    assert r.code is None and r.supported is False and r.name == "unknown"


def test_script_sanity_rule():
    # Persian-only letters and no Arabic-only letters: not Arabic unless lingua is confident
    assert _script_override("وزیر الدفاع", "ar") == "fa"
    assert _script_override("وزير الدفاع", "ar") is None  # Arabic yeh present
    assert _script_override("گزارش", "fa") is None
    r = detect("وزیر الدفاع")
    assert r.code == "fa" and r.supported
    assert detect("اللجنة المشتركة").code == "ar"
    assert detect("الحرس الثوري الإيراني").code == "ar"


def test_detect_sentences_spans():
    text = "Iran and Russia signed a defence agreement.\nوزير الدفاع الروسي في طهران.\nوزیر دفاع ایران گفت."
    spans = sentences(text, None)
    assert [text[a:b] for a, b in spans] == [
        "Iran and Russia signed a defence agreement.", "وزير الدفاع الروسي في طهران.", "وزیر دفاع ایران گفت."]
    assert [r.code for r in detect_sentences(text, spans)] == ["en", "ar", "fa"]


# ---------------------------------------------------------------------------------------------
# sentence segmentation (ddkg.ingest.nlp)
# ---------------------------------------------------------------------------------------------

def _sents(text: str, lang: str | None = "en") -> list[str]:
    return [text[a:b] for a, b in sentences(text, lang)]


def test_sentences_english_abbreviations_and_decimals():
    t = ("The U.S. Defense Secretary Gen. Lloyd J. Austin met Mr. Smith on Jan. 5 in Washington. "
         "The deal is worth 3.5 billion dollars. Was it signed? Yes! Brig. Gen. Ahmad Vahidi, "
         "Lt. Col. Smith and Maj. Gen. Bagheri attended.")
    assert _sents(t) == [
        "The U.S. Defense Secretary Gen. Lloyd J. Austin met Mr. Smith on Jan. 5 in Washington.",
        "The deal is worth 3.5 billion dollars.",
        "Was it signed?",
        "Yes!",
        "Brig. Gen. Ahmad Vahidi, Lt. Col. Smith and Maj. Gen. Bagheri attended.",
    ]
    assert _sents('He said "we agree." Then he left.') == ['He said "we agree."', "Then he left."]
    assert _sents("It was late... and dark.") == ["It was late... and dark."]


def test_sentences_newlines_and_arabic_punctuation():
    t = "ایران و جهان\n\nوزیران دفاع ایران و روسیه دیدار کردند\n  آیا توافق شد؟ بله.  "
    assert _sents(t, "fa") == ["ایران و جهان", "وزیران دفاع ایران و روسیه دیدار کردند", "آیا توافق شد؟", "بله."]
    u = "یہ ایک جملہ ہے۔ یہ دوسرا ہے۔"
    assert _sents(u, None) == ["یہ ایک جملہ ہے۔", "یہ دوسرا ہے۔"]
    assert sentences("", "ar") == [] and sentences(" \n ", "ar") == []


@needs_seeds
def test_sentences_on_seeds_offsets():
    for lang, text in seeds():
        spans = sentences(text, lang)
        assert spans == sorted(spans)
        for a, b in spans:
            s = text[a:b]
            assert s == s.strip() and s and "\n" not in s
        # every headline / paragraph line starts a sentence
        line_starts = {text.index(line) for line in text.splitlines() if line.strip()}
        starts = {a for a, _ in spans}
        assert {p + len(text[p:]) - len(text[p:].lstrip()) for p in line_starts} <= starts


@needs_seeds
def test_spacy_pipeline_matches_sentences():
    for lang, text in seeds():
        nlp = get_nlp(lang)
        assert nlp.lang == lang and COMPONENT in nlp.pipe_names
        doc = nlp(text)
        got = []
        for s in doc.sents:
            stripped = s.text.strip()
            if stripped:
                a = s.start_char + len(s.text) - len(s.text.lstrip())
                got.append((a, a + len(stripped)))
        assert got == sentences(text, lang)
    assert get_nlp("ar") is get_nlp("ar")
    assert get_nlp("fr").lang == "xx" and get_nlp(None).lang == "xx"
