"""Property-based tests: extraction never crashes on any Unicode, and every offset points at the original text."""

from __future__ import annotations

from conftest import make_doc
from ddkg.graph.query import display_text
from ddkg.ingest.pipeline import UnsupportedLanguage, extract
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SENTENCES = [
    "التقى وزير الدفاع الإيراني العميد حسين دهقان في موسكو نظيره الروسي سيرغي شويغو وبحثا التعاون العسكري.",
    "سردار حسین دهقان وزیر دفاع ایران با سرگئی شویگو وزیر دفاع روسیه در مسکو دیدار و گفتگو کرد.",
    "Russian Defence Minister Sergei Shoigu met Iranian Defence Minister Hossein Dehghan in Moscow on Tuesday.",
    "وقعت روسيا وإيران اتفاقية للتعاون العسكري وأعلنت موسكو تسليم منظومة إس-300 إلى طهران.",
]
NOISE = st.text(alphabet=st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from(list("\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                         "\u0640\u064b\u0651\ufeff\u00a0\r\n\t<>&\"'{}\\")),
), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(SENTENCES), NOISE, st.integers(0, 200)), min_size=1, max_size=3))
def test_offsets_point_at_the_original_text(parts):
    text = ""
    for sentence, noise, at in parts:  # noise inserted inside a real sentence, at any position
        at = min(at, len(sentence))
        text += sentence[:at] + noise + sentence[at:] + " "
    try:
        ex = extract(make_doc(text))
    except UnsupportedLanguage:
        return
    for m in ex.mentions:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.surface
    for f in ex.facts:
        for ev in f.evidence:
            assert 0 <= ev.start < ev.end <= len(text)
            assert text[ev.start:ev.end].strip()


@given(st.text())
def test_display_text_leaves_no_control_or_bidi_character(text):
    out = display_text(text)
    assert not any(c in out for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\x00\x1b")
    assert display_text(out) == out
