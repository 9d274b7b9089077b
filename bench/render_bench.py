"""Benchmark of the HTML view (not a test): synthetic stores of about 2,000 and 20,000 nodes, written with the
project's data model (documents, typed entities with English and Arabic/Persian labels, dated meetings, visits,
transfers, signings and posts with evidence sentences), rendered with ``render_html``; reports the file size,
the Python time (loading the store into NetworkX, layout, page) and the time to the first draw in headless
Chromium with networking off (read from the page's own status element, which the page fills after vis-network's
first ``afterDrawing``).

    python bench/render_bench.py [--sizes 2000 20000] [--out bench/render_bench.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ddkg.graph.rdf import DOC_BASE, ENTITY_GRAPH, ONT, SKOS, XSD
from ddkg.graph.render import chromium_binary, chromium_flags, render_html
from ddkg.graph.store import GraphStore
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

ID = "https://w3id.org/ddkg/id/"
TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
AR = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def _d(name: str) -> NamedNode:
    return NamedNode(ONT + name)


def _word(rng: random.Random, script: str = "en") -> str:
    if script == "en":
        return "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 4))).title()
    return "".join(rng.choice(AR) for _ in range(rng.randint(3, 6)))


def synthetic_store(target: int, seed: int = 0) -> GraphStore:
    """An in-memory store whose entity graph has about ``target`` nodes (entities, events and posts)."""
    rng = random.Random(seed)
    quads: list[Quad] = []
    n_country = max(8, min(150, target // 40))
    plan = {"person": int(target * 0.22), "place": int(target * 0.06), "organization": int(target * 0.05),
            "weapon": int(target * 0.03), "agreement": int(target * 0.02)}
    n_events = target - n_country - sum(plan.values()) - plan["person"] // 3  # posts: one per third person
    countries = [f"{ID}country/c{i}" for i in range(n_country)]
    home: dict[str, list[str]] = {c: [] for c in countries}
    ents: dict[str, list[str]] = {k: [] for k in plan}
    kinds = {"person": "Person", "place": "Place", "organization": "Organization", "weapon": "WeaponSystem",
             "agreement": "Agreement"}
    labels: dict[str, tuple[str, str]] = {}
    for c in countries:
        labels[c] = (f"{_word(rng)}ia", "en")
        quads.append(Quad(NamedNode(c), TYPE, _d("Country"), ENTITY_GRAPH))
    for kind, count in plan.items():
        for i in range(count):
            iri = f"{ID}{kind}/{kind[0]}{i}"
            c = countries[min(int(rng.paretovariate(1.0)) - 1, n_country - 1)]
            ents[kind].append(iri)
            home[c].append(iri)
            script = "en" if rng.random() < 0.7 else "ar"
            labels[iri] = (f"{_word(rng, script)} {_word(rng, script)}", script)
            quads.append(Quad(NamedNode(iri), TYPE, _d(kinds[kind]), ENTITY_GRAPH))
            if kind in ("place", "organization"):
                quads.append(Quad(NamedNode(iri), _d("countryOf"), NamedNode(c), ENTITY_GRAPH))
            if kind == "person":
                quads.append(Quad(NamedNode(iri), _d("nationality"), NamedNode(c), ENTITY_GRAPH))
    for iri, (text, lang) in labels.items():
        quads.append(Quad(NamedNode(iri), NamedNode(SKOS + "prefLabel"), Literal(text, language=lang), ENTITY_GRAPH))
    for i, p in enumerate(ents["person"][: plan["person"] // 3]):
        post = NamedNode(f"{ID}post/p{i}")
        quads += [Quad(NamedNode(p), _d("holdsPosition"), post, ENTITY_GRAPH),
                  Quad(post, TYPE, _d("Post"), ENTITY_GRAPH),
                  Quad(post, _d("positionOf"), NamedNode(rng.choice(countries)), ENTITY_GRAPH),
                  Quad(post, _d("startDate"), Literal(f"{rng.randint(2005, 2020)}", datatype=NamedNode(XSD + "gYear")),
                       ENTITY_GRAPH)]

    def pick(kind: str, country: str) -> str:
        local = [e for e in home[country][:60] if f"/{kind}/" in e]
        pool = local if local and rng.random() < 0.8 else ents[kind]
        return pool[min(int(rng.paretovariate(1.2)) - 1, len(pool) - 1)]

    start = dt.date(2014, 1, 1)
    doc = None
    for e in range(n_events):
        if e % 3 == 0:
            sha = f"{rng.getrandbits(96):024x}"
            doc = NamedNode(DOC_BASE + sha)
            day = start + dt.timedelta(days=rng.randrange(3650))
            lang = rng.choice(["ar", "fa", "en"])
            quads += [Quad(doc, TYPE, _d("Document"), DefaultGraph()),
                      Quad(doc, _d("sha256"), Literal(sha * 2 + "0" * 16), DefaultGraph()),
                      Quad(doc, _d("sourceFile"), Literal(f"/data/news/{sha}.txt"), DefaultGraph()),
                      Quad(doc, _d("language"), Literal(lang), DefaultGraph()),
                      Quad(doc, _d("publicationDate"), Literal(day.isoformat(), datatype=NamedNode(XSD + "date")),
                           DefaultGraph())]
        a, b = rng.sample(countries[: max(2, n_country // 2)], 2)
        kind = rng.choices(["Meeting", "Visit", "ArmsTransfer", "Signing"], [60, 20, 12, 8])[0]
        ev = NamedNode(f"{doc.value}#{kind.lower()}-{e}")
        roles: list[tuple[str, str]] = []
        if kind == "Meeting":
            roles = [("participant", pick("person", a)), ("participant", pick("person", b)),
                     ("location", pick("place", rng.choice((a, b))))]
        elif kind == "Visit":
            roles = [("participant", pick("person", a)), ("location", pick("place", b))]
        elif kind == "ArmsTransfer":
            roles = [("supplier", a), ("recipient", b), ("system", pick("weapon", a))]
        else:
            ag = pick("agreement", a)
            roles = [("agreement", ag), ("signatory", pick("person", a)), ("signatory", pick("person", b))]
            quads += [Quad(NamedNode(ag), _d("party"), NamedNode(a), doc), Quad(NamedNode(ag), _d("party"),
                                                                                 NamedNode(b), doc)]
        quads.append(Quad(ev, TYPE, _d(kind), doc))
        if rng.random() < 0.5:
            quads.append(Quad(ev, _d("date"), Literal(day.isoformat(), datatype=NamedNode(XSD + "date")), doc))
        sentence = " ".join(labels.get(x, ("", ""))[0] for _, x in roles) + " " + " ".join(
            _word(rng, "ar") for _ in range(18))
        for role, x in roles:
            quads.append(Quad(ev, _d(role), NamedNode(x), doc))
            quads.append(Quad(NamedNode(x), TYPE, _d(kinds.get(x.split("/")[-2], "Country")), doc))
            text, lang = labels[x]
            quads.append(Quad(NamedNode(x), NamedNode(SKOS + "altLabel"), Literal(text, language=lang), doc))
        evn = NamedNode(f"{ev.value}-ev")
        quads += [Quad(ev, _d("evidence"), evn, doc), Quad(evn, TYPE, _d("Evidence"), doc),
                  Quad(evn, _d("document"), doc, doc), Quad(evn, _d("sentence"), Literal(sentence), doc),
                  Quad(evn, _d("startOffset"), Literal("0", datatype=NamedNode(XSD + "integer")), doc),
                  Quad(evn, _d("endOffset"), Literal(str(len(sentence)), datatype=NamedNode(XSD + "integer")), doc)]
    store = GraphStore()
    store.store.bulk_extend(quads)
    return store


def first_draw(page: Path, chromium: str, budget_ms: int = 180_000) -> tuple[float, str]:
    """Wall time of a headless Chromium run that loads the page until it drew (start-up and the DOM dump
    included), and the page's status element (its own clock at the first draw, a pan's redraw time)."""
    t0 = time.perf_counter()
    profile = tempfile.mkdtemp(prefix="ddkg-chromium-")
    try:
        res = subprocess.run([chromium, *chromium_flags(profile), f"--virtual-time-budget={budget_ms}",
                              "--dump-dom", page.resolve().as_uri() + "#bench"],
                             capture_output=True, text=True, timeout=budget_ms / 1000 + 120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    wall = time.perf_counter() - t0
    m = re.search(r'<output id="ddkg-status"[^>]*>', res.stdout)
    return wall, m.group(0) if m else "(no status: page did not draw)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    ap.add_argument("--out", type=Path, help="Also write a markdown table here.")
    args = ap.parse_args(argv)
    chromium = chromium_binary()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            t0 = time.perf_counter()
            store = synthetic_store(n)
            t_store = time.perf_counter() - t0
            page = Path(tmp) / f"g{n}.html"
            t0 = time.perf_counter()
            render_html(store, page, stats=(stats := {}))
            t_render = time.perf_counter() - t0
            size = page.stat().st_size
            draw, status = first_draw(page, chromium) if chromium else (float("nan"), "(no chromium)")
            attrs = dict(re.findall(r'data-([\w-]+)="([^"]*)"', status))
            rows.append((n, stats.get("nodes"), stats.get("edges"), size / 1e6, t_render, stats.get("layout_s"),
                         draw, attrs.get("ms", "-"), attrs.get("pan-ms", "-"), attrs.get("redraw-ms", "-"),
                         attrs.get("nodes", "-")))
            print(f"target {n}: synthetic store {t_store:.1f} s; {stats}; file {size / 1e6:.1f} MB; "
                  f"render {t_render:.1f} s; Chromium run {draw:.1f} s; {status}", flush=True)
    head = ("| target | nodes | edges | file MB | Python render s | of which layout s | Chromium run to first draw s "
            "| page clock at first draw ms | frame while panning ms | full frame ms | nodes drawn |\n"
            + "|---" * 11 + "|\n")
    table = head + "".join(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.1f} | {r[4]:.1f} | {r[5]:.1f} | {r[6]:.1f} "
                           f"| {r[7]} | {r[8]} | {r[9]} | {r[10]} |\n" for r in rows)
    print(table)
    if args.out:
        args.out.write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
