"""Statistical NER: corpus readers and splits, the shipped Arabic model, licence rules, training, pipeline use."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO, make_doc, shared_or_skip
from ddkg.ingest import ner
from ddkg.ingest import ner_train as T
from ddkg.ingest.pipeline import extract

MODELS = REPO / "ingest" / "models"
ALLOWED = {n for n, c in T.CORPORA.items() if c.redistributable}


@pytest.fixture
def shipped_only(monkeypatch, tmp_path):
    """Only the package's models: no user folder, no DDKG_NER_MODELS."""
    monkeypatch.setenv("DDKG_NER_MODELS", str(tmp_path / "none"))
    monkeypatch.delenv("DDKG_NER", raising=False)


# -- tokens and corpora ------------------------------------------------------------------------------

def test_tokenize_splits_punctuation_keeps_zwnj_drops_marks():
    text = "«جالو ممادو»، می‌رود (د.ب.أ)\u200f."
    toks = [text[a:b] for a, b in ner.tokenize(text)]
    assert toks == ["«", "جالو", "ممادو", "»", "،", "می‌رود", "(", "د", ".", "ب", ".", "أ", ")", "."]
    assert ner.token_form("أكبر") == ner.token_form("اكبر") and ner.token_form("می‌رود") == "میرود"
    assert ner.token_norm("والعراق", "ar") == ner.token_norm("العراق", "ar") == "عراق"
    assert ner.token_norm("بغداد", "fa") == "بغداد"  # Persian has no proclitics to strip


def test_bio_spans_reads_like_conlleval_and_maps_labels():
    tags = ["B-PERS", "I-PERS", "O", "I-LOC", "B-MISC", "I-ORG", "I-ORG", "B-LOC"]
    assert T.bio_spans(tags, T.LABEL_MAPS["anercorp"]) == [(0, 2, "PER"), (3, 4, "LOC"), (5, 7, "ORG"), (7, 8, "LOC")]


def test_newsfane_clitics_are_glued_back_with_their_spans():
    toks = "و قال ان ه ف ان ه التقى ب حزب الله و الحشد الشعبي".split()
    spans = [(9, 11, "ORG"), (12, 14, "ORG")]
    words, out = T._glue(toks, spans)
    assert words == ["وقال", "انه", "فانه", "التقى", "بحزب", "الله", "والحشد", "الشعبي"]
    assert [" ".join(words[a:b]) for a, b, _ in out] == ["بحزب الله", "والحشد الشعبي"]


def test_wojood_nested_layers_keep_the_longest_mapped_span(tmp_path):
    f = tmp_path / "w.txt"
    f.write_text("سكرتير B-OCC\nاللجنة I-OCC B-ORG\nالقومية I-OCC I-ORG\nفي I-OCC\nنابلس I-OCC B-GPE\n"
                 "$#$ O\n\nمجلس B-ORG\nالأمن I-ORG\nضد I-ORG\nالأسد I-ORG B-PERS\n", encoding="utf-8")
    sents = T._wojood(f, T.LABEL_MAPS["wojood"])
    assert [[(" ".join(t[a:b]), lab) for a, b, lab in sp] for t, sp in sents] == [
        [("اللجنة القومية", "ORG"), ("نابلس", "LOC")], [("مجلس الأمن ضد الأسد", "ORG")]]


def test_retokenize_moves_spans_off_punctuation():
    words, spans = T.retokenize(["(أحمد", "زكي)", "قال"], [(0, 2, "PER")])
    assert words == ["(", "احمد", "زکی", ")", "قال"]
    assert spans == [(1, 3, "PER")]


def test_fixed_splits_of_the_real_corpora():
    root = shared_or_skip("corpora", "ner")
    aner = T.read_corpus("anercorp", root)
    # the sentences holding the last sixth of the words: 25,008 test words, as in the CAMeL Lab split
    assert sum(len(t) for t, _ in aner["test"]) == 25008
    assert (len(aner["train"]), len(aner["dev"]), len(aner["test"])) == (3763, 402, 945)
    again = T.read_corpus("anercorp", root)
    assert again["dev"][:5] == aner["dev"][:5]
    wj = T.read_corpus("wojood", root)
    assert all(lab in ner.LABELS for p in wj.values() for _, sp in p for *_, lab in sp)
    with pytest.raises(T.CorpusError, match="unknown corpus"):
        T.read_corpus("conll", root)
    with pytest.raises(T.CorpusError, match="not found"):
        T.read_corpus("wojood", root / "nowhere")


# -- licences ----------------------------------------------------------------------------------------

def test_packaged_models_come_only_from_redistributable_corpora():
    folders = [p for p in MODELS.iterdir() if p.is_dir()] if MODELS.is_dir() else []
    assert [p.name for p in folders] == ["ner-ar"]  # no Persian model: ArmanPersoNER is research-only
    for p in folders:
        meta = ner.model_meta(p)
        assert meta["redistributable"] is True
        assert {c["name"] for c in meta["corpora"]} <= ALLOWED, meta["corpora"]
        card = (p / "MODEL_CARD.md").read_text(encoding="utf-8")
        for needed in ("CC BY-SA 3.0", "NewsFANE", "Wojood", "split", "F1", "MB"):
            assert needed in card, needed
        size = sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
        assert size < 30e6
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert "models/*/*" in pyproject


# -- the shipped model ---------------------------------------------------------------------------------

def test_shipped_arabic_model_tags_a_real_sentence(shipped_only):
    path = ner.find_model("ar")
    assert path is not None and path.parent == ner.PACKAGE_MODELS
    assert ner.find_model("fa") is None and ner.find_model("en") is None
    text = ("وقال وزير الدفاع العراقي خالد العبيدي إن قوات البشمركة وقوات الحشد الشعبي ستشارك "
            "في معركة الموصل، بحسب وكالة رويترز.")
    got = {(text[s.start:s.end], s.label) for s in ner.recognize(text, [(0, len(text))], "ar")}
    assert ("خالد العبيدي", "PER") in got
    assert ("الموصل", "LOC") in got
    assert all(0.0 <= s.conf <= 1.0 for s in ner.recognize(text, [(0, len(text))], "ar"))


def test_ner_layer_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("DDKG_NER", "0")
    assert ner.find_model("ar") is None


# -- training --------------------------------------------------------------------------------------------

def ddkg(*args):
    return subprocess.run([sys.executable, "-m", "ddkg", *map(str, args)], capture_output=True, text=True)


def test_train_ner_command_trains_and_records_licences(tmp_path, monkeypatch):
    root = shared_or_skip("corpora", "ner")
    out = tmp_path / "models" / "ner-ar"
    res = ddkg("train-ner", "--lang", "ar", "--corpus", "wojood", "--corpus-dir", root, "--out", out,
               "--limit", 60, "--max-epochs", 1, "--report", tmp_path / "r.json")
    assert res.returncode == 0, res.stderr
    assert "| wojood | PER |" in res.stdout and "licence" not in res.stdout
    meta = ner.model_meta(out)
    assert meta["redistributable"] is True and meta["limit"] == 60
    assert json.loads((tmp_path / "r.json").read_text())["test"]["wojood"]["types"]["ALL"]["gold"] > 0
    # the pipeline finds a model through DDKG_NER_MODELS before the packaged one
    monkeypatch.setenv("DDKG_NER_MODELS", str(out.parent))
    assert ner.find_model("ar") == out
    res = ddkg("train-ner", "--lang", "fa", "--corpus", "arman", "--corpus-dir", root, "--out", tmp_path / "fa",
               "--limit", 30, "--max-epochs", 1)
    assert res.returncode == 0, res.stderr
    assert "forbids redistribution" in res.stdout
    assert ner.model_meta(tmp_path / "fa")["redistributable"] is False


def test_train_ner_rejects_bad_input(tmp_path):
    res = ddkg("train-ner", "--lang", "fa", "--corpus", "wojood", "--corpus-dir", tmp_path)
    assert res.returncode == 1 and res.stderr.startswith("ddkg: ") and len(res.stderr.splitlines()) == 1


# -- pipeline ------------------------------------------------------------------------------------------

def test_pipeline_adds_untitled_names_the_rules_miss(shipped_only, monkeypatch):
    # مائير is in no given-name list: the person counts because the model is near-certain and دوغان recurs
    text = ("وأشاد معمر القذافي بدور الأزهر الشريف ودار الإفتاء المصرية في مواجهة التطرف، وقال مائير دوغان إن "
            "الحكومة الإسرائيلية قلقة، وأضاف دوغان أن القذافي لم يرد.")
    ex = extract(make_doc(text, "ar"))
    found = {m.surface: (m.entity, m.rule, m.conf) for m in ex.mentions}
    # untitled people and an organization the KB lacks, linked to no KB entry: new entities from the NER layer
    for surface, typ in (("معمر القذافي", "Person"), ("مائير دوغان", "Person"), ("الأزهر الشريف", "Organization")):
        key, rule, conf = found[surface]
        assert rule == "ner" and 0.5 < conf <= ner.NER_WEIGHT, found
        assert ex.entities[key].type == typ and ex.entities[key].kb is None
    # the rules keep what they found (the country adjective), and nothing NER-made overlaps them
    assert found["الإسرائيلية"][1] == "adjective"
    ner_spans = [(m.start, m.end) for m in ex.mentions if m.rule == "ner"]
    assert not any(a < d and c < b for a, b in ner_spans for m in ex.mentions if m.rule != "ner"
                   for c, d in [(m.start, m.end)])
    monkeypatch.setenv("DDKG_NER", "0")
    assert not [m for m in extract(make_doc(text, "ar")).mentions if m.rule == "ner"]


def test_ner_candidates_link_to_the_kb_and_leave_clitics_out(shipped_only):
    from ddkg.ingest.kb import load_kb
    from ddkg.ingest.pipeline import _Doc

    def cands(text):
        d = _Doc(make_doc(text, "ar"), "ar", load_kb())
        spans = ner.recognize(text, d.sentences, "ar")
        return {c.name: c for c in ner.candidates(text, spans, d.items, [], "ar", d.lex, d.kb)}  # nothing taken

    text = "وقال خالد العبيدي إن وفدا سيتوجه للعراق ولبنان، بحسب ما نقلته قناة الجزيرة عن مصدر مطلع."
    got = cands(text)
    assert "خالد العبيدي" not in got and "لبنان" not in got  # names the gazetteer tagged are the rules' to read
    iraq = got["العراق"]  # ل + ال written لل: the mention keeps it, the KB match does not
    assert (iraq.key, text[iraq.start:iraq.end], iraq.prefix, iraq.kb.key) == (
        "country:iraq", "للعراق", "", "country:iraq")
    text = "وأعلنت حركة النهضة والتيار الديمقراطي وحزب الله اللبناني رفضهم."
    party = cands(text)["التيار الديمقراطي"]  # the conjunction glued to a definite name is left out
    assert (text[party.start:party.end], party.prefix, party.kb) == ("التيار الديمقراطي", "و", None)
    assert party.key == "organization:n-tr-dmkrt"


def test_candidate_filters(shipped_only):
    from ddkg.ingest.kb import load_kb
    from ddkg.ingest.pipeline import _Doc

    text = ("وقال مائير دوغان إن نور للمملكة ووزارة الدفاع والتيار الديمقراطي في المنطقة العربية ومحمد الشايع "
            "حضروا.")
    d = _Doc(make_doc(text, "ar"), "ar", load_kb())

    def span(surface, label, conf=1.0):
        a = text.index(surface)
        return ner.NerSpan(a, a + len(surface), label, conf, 0)

    def kept(*spans):
        return {text[c.start:c.end]: c for c in ner.candidates(text, list(spans), d.items, [], "ar", d.lex, d.kb)}

    assert kept(span("مائير دوغان", "PER")) == {}  # no given name, and دوغان never recurs
    assert kept(span("نور للمملكة", "PER")) == {}  # a preposition fused with the article starts no name word
    assert kept(span("ووزارة الدفاع", "ORG")) == {}  # a bare head noun: the organization finder's to ground
    assert kept(span("المنطقة العربية", "LOC")) == {}  # a place must be the KB's
    assert kept(span("ومحمد الشايع", "PER", 0.5)) == {}  # below the confidence a person needs
    got = kept(span("والتيار الديمقراطي", "ORG"), span("ومحمد الشايع", "PER", 0.9))
    assert set(got) == {"التيار الديمقراطي", "محمد الشايع"}
    assert {c.prefix for c in got.values()} == {"و"} and all(c.kb is None for c in got.values())
    # a span overlapping a mention the rules made is left to them
    a = text.index("محمد")
    taken = [(a, a + len("محمد"), "person:x")]
    assert ner.candidates(text, [span("ومحمد الشايع", "PER")], d.items, taken, "ar", d.lex, d.kb) == []
