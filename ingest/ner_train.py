"""Training and evaluating the NER models of :mod:`.ner` from gold CoNLL/IOB corpora (``ddkg train-ner``).

Corpora (folders under ``../shared/corpora/ner``; each has a SOURCE.md with origin and licence):

=============  ========================================  =================================================
name           layout                                     fixed split
=============  ========================================  =================================================
``anercorp``   ``token TAG`` lines, no sentence breaks    file order, sentences cut at ``.``; the sentences
               (sentences end at ``.``)                   holding the last sixth of the words are test
                                                          (the CAMeL Lab split's rule); dev = 10% of the
                                                          rest by a fixed hash of the sentence index
``newsfane``   ``token<TAB>TAG``, blank line between      as ``anercorp`` (same newswire text)
               sentences, BOM and U+200E stripped,
               clitics written apart glued back (و الحشد
               → والحشد, ان ه → انه) as in raw text
``wojood``     ``token TAG TAG...`` (nested layers),      the sample's own train.txt / val.txt / test.txt
               ``$#$`` lines end segments
``arman``      zip of ``train_fold1..3`` / ``test_fold1..3``  fold 1: test_fold1 is test; dev = 10% of
               ``token TAG``, blank line between sentences    train_fold1 by a fixed hash
=============  ========================================  =================================================

Labels are mapped to the project's types: PER (Person), ORG (Organization), LOC (Place or Country: the
pipeline tells them apart with the KB). See :data:`LABEL_MAPS`; everything else (MISC, FAC, products, events,
dates, nationality groups) becomes O.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import random
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .ner import LABELS, make_doc, token_form, tokenize

Sentence = tuple[list[str], list[tuple[int, int, str]]]  # tokens, spans (token start, end, label)

_NEWSFANE_PER = ("Politician", "Athlete", "Businessperson", "Artist", "Scientist", "Police", "Engineer", "Lawyer",
                 "Religious_PER", "Other_PER")
_NEWSFANE_ORG = ("Government", "Non-Governmental", "Commercial", "Educational", "Media", "Religious_ORG", "Sports",
                 "Medical-Science", "Entertainment")
_NEWSFANE_LOC = ("Nation", "Population-Center", "State-or-Province", "County-or-District", "GPE-Cluster", "Continent",
                 "Water-Body", "Land-Region-Natural")
LABEL_MAPS: dict[str, dict[str, str]] = {
    "anercorp": {"PERS": "PER", "ORG": "ORG", "LOC": "LOC"},
    "newsfane": {**{t: "PER" for t in _NEWSFANE_PER}, **{t: "ORG" for t in _NEWSFANE_ORG},
                 **{t: "LOC" for t in _NEWSFANE_LOC}},
    "wojood": {"PERS": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"},
    "arman": {"pers": "PER", "org": "ORG", "loc": "LOC"},
}


@dataclass(frozen=True)
class CorpusInfo:
    name: str
    lang: str
    folder: str
    licence: str
    redistributable: bool  # may a model trained on it be committed and packaged?
    citation: str


CORPORA: dict[str, CorpusInfo] = {
    "anercorp": CorpusInfo("anercorp", "ar", "ar_anercorp", "none stated (research distribution)", False,
                           "Benajiba, Rosso & Benedí, ANERsys, CICLing 2007"),
    "newsfane": CorpusInfo("newsfane", "ar", "ar_newsfane_gold", "CC BY-SA 3.0", True,
                           "Alotaibi & Lee, COLING 2014"),
    "wojood": CorpusInfo("wojood", "ar", "ar_wojood_sample", "MIT (public sample)", True,
                         "Jarrar et al., Wojood, LREC 2022"),
    "arman": CorpusInfo("arman", "fa", "fa_arman", "academic research use only", False,
                        "Poostchi, Zare Borzeshi & Piccardi, COLING 2016; LREC 2018"),
}
DEFAULT_CORPORA = {"ar": ("newsfane", "wojood"), "fa": ("arman",)}
GLUE = ("و", "ب", "ل", "ف")  # proclitics NewsFANE writes apart; raw text (and ANERcorp) glues them
SUFFIXES = ("ه", "ها", "هم", "هما", "هن", "كم", "كما", "نا", "ي")  # ... and pronoun suffixes (ك is both: left)
TEST_FRACTION = 6  # the sentences holding the last 1/6 of ANERcorp / NewsFANE words
DEV_PERCENT = 10
DROPOUT = 0.2


class CorpusError(ValueError):
    """A corpus file is missing or malformed; the message names the file."""


# ------------------------------------------------------------------------------------------------
# reading
# ------------------------------------------------------------------------------------------------

def bio_spans(tags: list[str], mapping: dict[str, str]) -> list[tuple[int, int, str]]:
    """Spans (start, end, mapped label) of a BIO tag sequence; an I- after O or another type starts a span
    (conlleval's reading); types absent from ``mapping`` are dropped."""
    spans: list[tuple[int, int, str]] = []
    cur: list | None = None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, typ = tag.partition("-")
        if cur is not None and (prefix != "I" or typ != cur[2]):
            spans.append((cur[0], i, cur[2]))
            cur = None
        if prefix in ("B", "I") and typ and cur is None:
            cur = [i, i + 1, typ]
    return [(a, b, mapping[t]) for a, b, t in spans if t in mapping]


def _lines(path: Path) -> list[str]:
    try:
        raw = gzip.open(path, "rb").read() if path.suffix == ".gz" else path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: {exc.strerror or exc}") from None
    text = raw.decode("utf-8-sig").replace("\u200e", "").replace("\ufeff", "")
    return text.splitlines()


def _conll(lines: Iterable[str], where: str, sep: str | None, sent_end: Callable[[str], bool] | None = None,
           ) -> list[tuple[list[str], list[str]]]:
    """Sentences of a one-token-per-line file as (tokens, tags)."""
    out: list[tuple[list[str], list[str]]] = []
    toks: list[str] = []
    tags: list[str] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            if toks:
                out.append((toks, tags))
            toks, tags = [], []
            continue
        parts = [p.strip() for p in (line.split(sep) if sep else line.split())]
        if len(parts) < 2 or not parts[0]:
            if parts[-1] == "O" or parts[-1][:2] in ("B-", "I-"):
                continue  # a tag with an empty token (ANERcorp has some)
            raise CorpusError(f"{where}: line {n}: expected 'token TAG', got {line[:60]!r}")
        tok, tag = parts[0], parts[1]
        toks.append(tok)
        tags.append(tag)
        if sent_end is not None and sent_end(tok):
            out.append((toks, tags))
            toks, tags = [], []
    if toks:
        out.append((toks, tags))
    return out


def _glue(tokens: list[str], spans: list[tuple[int, int, str]]) -> Sentence:
    """Glue the clitics NewsFANE writes apart back onto their word, as raw text has them: pronoun suffixes
    onto the word before (ان ه → انه), then proclitics onto the word after (و الحشد → والحشد, ف انه → فانه).
    Spans move with their words."""
    where = list(range(len(tokens)))  # corpus index -> new index
    for attach, clitics in (("prev", SUFFIXES), ("next", GLUE)):
        new: list[str] = []
        pos: list[int] = []
        i = 0
        while i < len(tokens):
            t = tokens[i]
            if attach == "prev" and t in clitics and new and new[-1][-1:].isalpha():
                new[-1] += t
                pos.append(len(new) - 1)
            elif attach == "next" and t in clitics and i + 1 < len(tokens) and sum(
                    c.isalpha() for c in tokens[i + 1]) >= 2:
                pos += [len(new), len(new)]
                new.append(t + tokens[i + 1])
                i += 1
            else:
                pos.append(len(new))
                new.append(t)
            i += 1
        where = [pos[w] for w in where]
        tokens = new
    out: list[tuple[int, int, str]] = []
    for a, b, lab in spans:
        na, nb = where[a], where[b - 1] + 1
        if not out or out[-1][1] <= na:
            out.append((na, nb, lab))
    return tokens, out


def read_corpus(name: str, root: Path) -> dict[str, list[Sentence]]:
    """The train/dev/test sentences of one corpus (see the module docstring for the fixed splits)."""
    info = CORPORA.get(name)
    if info is None:
        raise CorpusError(f"unknown corpus {name!r} (known: {', '.join(CORPORA)})")
    folder = root / info.folder
    if not folder.is_dir():
        raise CorpusError(f"{folder}: corpus folder not found (pass --corpus-dir)")
    mapping = LABEL_MAPS[name]
    if name == "anercorp":
        f = folder / "ANERCorp.txt.gz"
        sents = [(t, bio_spans(g, mapping)) for t, g in _conll(_lines(f), str(f), None, lambda t: t == ".")]
        return _contiguous_split(name, sents)
    if name == "newsfane":
        f = folder / "NewsFANE_Gold_2014_170K.txt.gz"
        sents = [_glue(t, bio_spans(g, mapping)) for t, g in _conll(_lines(f), str(f), "\t")]
        return _contiguous_split(name, sents)
    if name == "wojood":
        return {part: _wojood(folder / f"{fname}.txt.gz", mapping)
                for part, fname in (("train", "train"), ("dev", "val"), ("test", "test"))}
    # arman
    f = folder / "ArmanPersoNERCorpus.zip"
    try:
        with zipfile.ZipFile(f) as z:
            files = {n: z.read(n).decode("utf-8-sig").splitlines() for n in ("train_fold1.txt", "test_fold1.txt")}
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise CorpusError(f"{f}: {exc}") from None
    train = [(t, bio_spans(g, mapping)) for t, g in _conll(files["train_fold1.txt"], f"{f}:train_fold1.txt", None)]
    test = [(t, bio_spans(g, mapping)) for t, g in _conll(files["test_fold1.txt"], f"{f}:test_fold1.txt", None)]
    tr, dev = _hash_dev(name, train)
    return {"train": tr, "dev": dev, "test": test}


def _wojood(path: Path, mapping: dict[str, str]) -> list[Sentence]:
    """Nested layers: every B-/I- tag on a line opens or continues a span of its type; of overlapping mapped
    spans the longest is kept (مجلس الأمن over الأسد inside it)."""
    out: list[Sentence] = []
    toks: list[str] = []
    spans: list[list] = []
    open_: dict[str, list] = {}

    def flush():
        nonlocal toks, spans, open_
        if toks:
            mapped = sorted(((a, b, mapping[t]) for a, b, t in spans if t in mapping),
                            key=lambda s: (s[0] - s[1], s[0]))
            kept: list[tuple[int, int, str]] = []
            for s in mapped:
                if all(s[1] <= k[0] or k[1] <= s[0] for k in kept):
                    kept.append(s)
            out.append((toks, sorted(kept)))
        toks, spans, open_ = [], [], {}

    for n, line in enumerate(_lines(path), 1):
        parts = line.split()
        if not parts or parts[0] == "$#$":
            flush()
            continue
        if len(parts) < 2:
            raise CorpusError(f"{path}: line {n}: expected 'token TAG...', got {line[:60]!r}")
        i = len(toks)
        toks.append(parts[0])
        seen = set()
        for tag in parts[1:]:
            prefix, _, typ = tag.partition("-")
            if prefix == "I" and typ in open_ and open_[typ][1] == i and typ not in seen:
                open_[typ][1] = i + 1
            elif prefix in ("B", "I") and typ:
                s = [i, i + 1, typ]
                spans.append(s)
                open_[typ] = s
            seen.add(typ)
    flush()
    return out


def _stable(name: str, i: int, seed: int = 0) -> int:
    return int(hashlib.sha256(f"{seed}:{name}:{i}".encode()).hexdigest()[:8], 16)


def _hash_dev(name: str, sents: list[Sentence]) -> tuple[list[Sentence], list[Sentence]]:
    train, dev = [], []
    for i, s in enumerate(sents):
        (dev if _stable(name, i) % 100 < DEV_PERCENT else train).append(s)
    return train, dev


def _contiguous_split(name: str, sents: list[Sentence]) -> dict[str, list[Sentence]]:
    """The sentences holding the first 5/6 of the words train (dev hashed out of them), the rest test: the rule
    of the CAMeL Lab ANERcorp split (its sentence cuts and corrections are not reproduced)."""
    total, seen, cut = sum(len(t) for t, _ in sents), 0, len(sents)
    for i, (t, _) in enumerate(sents):
        if seen >= total - total // TEST_FRACTION:
            cut = i
            break
        seen += len(t)
    train, dev = _hash_dev(name, sents[:cut])
    return {"train": train, "dev": dev, "test": sents[cut:]}


# ------------------------------------------------------------------------------------------------
# examples
# ------------------------------------------------------------------------------------------------

def retokenize(tokens: list[str], spans: list[tuple[int, int, str]]) -> tuple[list[str], list[tuple[int, int, str]]]:
    """Corpus tokens re-cut with :func:`~.ner.tokenize` (as text is at tagging time) and folded with
    :func:`~.ner.token_form`; spans follow, without punctuation at their edges."""
    text, starts = "", []
    for t in tokens:
        starts.append(len(text))
        text += t + " "
    toks = tokenize(text)
    index = {s: k for k, (s, _) in enumerate(toks)}
    first = []  # first new token of each old token
    for s, t in zip(starts, tokens, strict=True):
        k = next((index[p] for p in range(s, s + len(t)) if p in index), None)
        first.append(k)
    words = [token_form(text[a:b]) for a, b in toks]
    out = []
    for a, b, lab in spans:
        ca, cb = starts[a], starts[b - 1] + len(tokens[b - 1])
        ks = [k for k, (s, e) in enumerate(toks) if ca <= s and e <= cb and any(c.isalnum() for c in text[s:e])]
        if ks:
            out.append((ks[0], ks[-1] + 1, lab))
    return words, out


def make_examples(nlp, sents: list[Sentence]) -> list:
    from spacy.tokens import Span
    from spacy.training import Example

    out = []
    for tokens, spans in sents:
        words, sp = retokenize(tokens, spans)
        if not words:
            continue
        ref = make_doc(nlp, words)
        ref.ents = [Span(ref, a, b, label=lab) for a, b, lab in sp]
        out.append(Example(make_doc(nlp, words), ref))
    return out


# ------------------------------------------------------------------------------------------------
# model
# ------------------------------------------------------------------------------------------------

MODEL = {
    "@architectures": "spacy.TransitionBasedParser.v2",
    "state_type": "ner",
    "extra_state_tokens": False,
    "hidden_width": 64,
    "maxout_pieces": 2,
    "use_upper": True,
    "tok2vec": {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {
            "@architectures": "spacy.MultiHashEmbed.v2",
            "width": 96,
            "attrs": ["ORTH", "NORM", "PREFIX", "SUFFIX", "SHAPE"],
            "rows": [10000, 10000, 1000, 5000, 500],
            "include_static_vectors": False,
        },
        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 96, "depth": 4, "window_size": 1,
                   "maxout_pieces": 3},
    },
}


def blank_pipeline(lang: str):
    import spacy

    nlp = spacy.blank(lang)
    nlp.add_pipe("ner", config={"model": MODEL})
    return nlp


@dataclass
class Scores:
    tp: dict[str, int] = field(default_factory=dict)
    fp: dict[str, int] = field(default_factory=dict)
    fn: dict[str, int] = field(default_factory=dict)

    def add(self, gold: set, pred: set) -> None:
        for lab in LABELS:
            g = {s for s in gold if s[2] == lab}
            p = {s for s in pred if s[2] == lab}
            self.tp[lab] = self.tp.get(lab, 0) + len(g & p)
            self.fp[lab] = self.fp.get(lab, 0) + len(p - g)
            self.fn[lab] = self.fn.get(lab, 0) + len(g - p)

    def table(self) -> dict[str, dict[str, float]]:
        out = {}
        for lab in (*LABELS, "ALL"):
            tp = sum(self.tp.values()) if lab == "ALL" else self.tp.get(lab, 0)
            fp = sum(self.fp.values()) if lab == "ALL" else self.fp.get(lab, 0)
            fn = sum(self.fn.values()) if lab == "ALL" else self.fn.get(lab, 0)
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            out[lab] = {"p": round(p, 4), "r": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4),
                        "gold": tp + fn, "found": tp + fp}
        return out


def evaluate(nlp, examples: list, with_conf: bool = False) -> dict:
    """Exact-span per-type P/R/F1 (CoNLL style); with ``with_conf`` also the precision and recall kept when
    only spans of beam probability >= t are taken."""
    from .ner import tag_docs

    sc = Scores()
    thresholds = (0.5, 0.7, 0.8, 0.9, 0.95)
    conf_tp = dict.fromkeys(thresholds, 0)
    conf_found = dict.fromkeys(thresholds, 0)
    n_gold = 0
    for i in range(0, len(examples), 256):
        batch = examples[i:i + 256]
        docs = [make_doc(nlp, [t.text for t in eg.reference]) for eg in batch]
        if with_conf:
            scores = tag_docs(nlp, docs)
        else:
            docs = list(nlp.get_pipe("ner").pipe(docs))
            scores = [{} for _ in docs]
        for eg, doc, s in zip(batch, docs, scores, strict=True):
            gold = {(e.start, e.end, e.label_) for e in eg.reference.ents}
            pred = {(e.start, e.end, e.label_) for e in doc.ents}
            sc.add(gold, pred)
            n_gold += len(gold)
            for t in thresholds:
                kept = {p for p in pred if s.get(p, 0.0) >= t}
                conf_tp[t] += len(kept & gold)
                conf_found[t] += len(kept)
    out = {"types": sc.table()}
    if with_conf:
        out["by_confidence"] = {str(t): {"p": round(conf_tp[t] / conf_found[t], 4) if conf_found[t] else 0.0,
                                         "r": round(conf_tp[t] / n_gold, 4) if n_gold else 0.0, "found": conf_found[t]}
                                for t in thresholds}
    return out


def train_model(lang: str, train: list[Sentence], dev: list[Sentence], seed: int = 0, max_epochs: int = 30,
                patience: int = 4, log: Callable[[str], None] = print):
    """Train a blank pipeline; keep the epoch with the best dev F1 (averaged weights). Returns (nlp, history)."""
    from spacy.util import fix_random_seed

    fix_random_seed(seed)
    nlp = blank_pipeline(lang)
    tr = make_examples(nlp, train)
    dv = make_examples(nlp, dev)
    if not tr:
        raise CorpusError("no training sentences")
    optimizer = nlp.initialize(lambda: tr, sgd=None)
    rng = random.Random(seed)
    best, best_epoch, best_bytes, history = -1.0, 0, None, []
    for epoch in range(1, max_epochs + 1):
        t0 = time.time()
        order = list(tr)
        rng.shuffle(order)
        losses: dict[str, float] = {}
        i, size = 0, 4
        while i < len(order):  # batches grow from 4 to 32 sentences
            nlp.update(order[i:i + size], drop=DROPOUT, sgd=optimizer, losses=losses)
            i, size = i + size, min(32, size + 1)
        with nlp.use_params(optimizer.averages):
            f1 = evaluate(nlp, dv)["types"]["ALL"]["f1"] if dv else 0.0
            if f1 > best:
                best, best_epoch = f1, epoch
                best_bytes = nlp.get_pipe("ner").to_bytes(exclude=["vocab"])
        history.append({"epoch": epoch, "loss": round(float(losses.get("ner", 0.0)), 1), "dev_f1": float(f1),
                        "seconds": round(time.time() - t0, 1)})
        log(f"epoch {epoch:2d}  loss {losses.get('ner', 0.0):9.1f}  dev F1 {f1:.4f}  ({time.time() - t0:.0f}s)")
        if epoch - best_epoch >= patience:
            break
    final = blank_pipeline(lang)
    final.initialize(lambda: tr[:50])
    final.get_pipe("ner").from_bytes(best_bytes, exclude=["vocab"])
    return final, history, best_epoch


def save_model(nlp, out: Path, meta: dict) -> Path:
    """Write the model folder atomically (a temporary folder renamed into place)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)
    try:
        nlp.to_disk(tmp, exclude=["vocab"])  # the corpus word list is not needed: the model hashes words
        (tmp / "ddkg_ner.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if out.exists():
            old = out.with_name(out.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def run(lang: str, corpora: Iterable[str], corpus_dir: Path, out: Path, seed: int = 0, max_epochs: int = 30,
        patience: int = 4, limit: int | None = None, log: Callable[[str], None] = print) -> dict:
    """Read the corpora, train, evaluate on each corpus's test split, save the model and its metadata."""
    corpora = list(corpora) or list(DEFAULT_CORPORA.get(lang, ()))
    if not corpora:
        raise CorpusError(f"no default corpora for language {lang!r}: name them with --corpus")
    parts: dict[str, dict[str, list[Sentence]]] = {}
    for name in corpora:
        info = CORPORA.get(name)
        if info is None:
            raise CorpusError(f"unknown corpus {name!r} (known: {', '.join(CORPORA)})")
        if info.lang != lang:
            raise CorpusError(f"corpus {name!r} is {info.lang}, not {lang}")
        parts[name] = read_corpus(name, Path(corpus_dir))
        if limit:
            parts[name] = {k: v[:limit] for k, v in parts[name].items()}
        log(f"{name}: " + ", ".join(f"{k} {len(v)} sentences" for k, v in parts[name].items()))
    train = [s for p in parts.values() for s in p["train"]]
    dev = [s for p in parts.values() for s in p["dev"]]
    t0 = time.time()
    nlp, history, best_epoch = train_model(lang, train, dev, seed, max_epochs, patience, log)
    seconds = round(time.time() - t0, 1)
    tests = {name: evaluate(nlp, make_examples(nlp, p["test"]), with_conf=True) for name, p in parts.items()}
    meta = {
        "lang": lang, "labels": list(LABELS), "seed": seed, "best_epoch": best_epoch, "train_seconds": seconds,
        "limit": limit,
        "corpora": [{"name": n, "licence": CORPORA[n].licence, "redistributable": CORPORA[n].redistributable,
                     "citation": CORPORA[n].citation, "label_map": LABEL_MAPS[n],
                     "sentences": {k: len(v) for k, v in parts[n].items()}} for n in corpora],
        "redistributable": all(CORPORA[n].redistributable for n in corpora),
        "model": {k: v for k, v in MODEL.items() if k != "tok2vec"} | {"tok2vec": MODEL["tok2vec"]},
        "history": history, "test": tests,
    }
    nlp.meta.update({"name": f"ddkg_ner_{lang}", "version": "1.0.0", "description": "ddkg NER (PER, ORG, LOC)",
                     "license": " + ".join(f"{n}: {CORPORA[n].licence}" for n in corpora),
                     "sources": [{"name": n, "citation": CORPORA[n].citation} for n in corpora]})
    path = save_model(nlp, out, meta)
    meta["size_bytes"] = folder_size(path)
    (path / "ddkg_ner.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return meta


def format_results(meta: dict) -> str:
    """Per-type test scores of a run as a Markdown table."""
    buf = io.StringIO()
    buf.write("| corpus (test split) | type | P | R | F1 | gold |\n|---|---|---|---|---|---|\n")
    for name, res in meta["test"].items():
        for lab, v in res["types"].items():
            buf.write(f"| {name} | {lab} | {v['p']:.3f} | {v['r']:.3f} | {v['f1']:.3f} | {v['gold']} |\n")
    return buf.getvalue()

