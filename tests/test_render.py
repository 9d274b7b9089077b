"""The HTML view: self-contained, drawn by a real browser with the network off, article text stays text."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import urllib.parse
from collections import Counter
from html.parser import HTMLParser

import networkx as nx
import numpy as np
import pyoxigraph as ox
import pytest
from conftest import make_doc
from ddkg.graph import project, render
from ddkg.graph.rdf import DOC_BASE, ONT, SKOS, extraction_quads
from ddkg.graph.store import GraphStore
from ddkg.ingest.pipeline import extract

CHROMIUM = render.chromium_binary()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on PATH (apt-get install chromium)")
SHOIGU = "https://w3id.org/ddkg/id/person/sergei-shoigu"


def browse(url: str, tmp_path, *extra: str, timeout: int = 120) -> str:
    """Open ``url`` in headless Chromium with networking off; return the DOM after scripts ran."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    res = subprocess.run([CHROMIUM, *render.chromium_flags(profile), "--virtual-time-budget=20000", *extra,
                          "--dump-dom", url], capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


class Tags(HTMLParser):
    """Start tags and their attributes, as a browser's tokenizer sees them (script and style bodies are text)."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def status(dom: str) -> dict[str, str]:
    m = re.search(r'<output id="ddkg-status"([^>]*)>', dom)
    assert m, "the page has no status element"
    return dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(1)))


def page_json(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="ddkg-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def seeds_store(seeds_built):
    return GraphStore(seeds_built[0], read_only=True)


@pytest.fixture(scope="module")
def seeds_page(seeds_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "seeds.html"
    stats: dict = {}
    render.render_html(seeds_store, out, stats=stats)
    return out, stats


def test_page_has_no_remote_reference(seeds_page):
    page = seeds_page[0].read_text(encoding="utf-8")
    tags = Tags()
    tags.feed(page)
    names = [t for t, _ in tags.tags]
    assert "link" not in names and "iframe" not in names and "img" not in names
    assert names.count("script") == 3  # the data, vis-network, the page's own
    for tag, attrs in tags.tags:
        for k, v in attrs:
            assert k not in ("src", "href", "srcset", "action", "poster", "data"), (tag, k, v)
    remote = re.compile(r"""(?:url\(\s*["']?\s*|@import\s+(?:url\(\s*)?["']?)(?:https?:)?//""", re.I)
    assert not remote.search(page), remote.search(page).group(0)
    assert "vis-network" in page and "new vis.Network" in page
    # the policy forbids every load and every script but the two inlined
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp and csp.count("'sha256-") == 2 and "unsafe-inline' ;" not in csp


def test_page_data_types_labels_and_evidence(seeds_page, seeds_store):
    page = seeds_page[0].read_text(encoding="utf-8")
    data = page_json(page)
    G = project.entity_graph(seeds_store)
    assert len(data["nodes"]) == seeds_page[1]["nodes"] == G.number_of_nodes() > 50
    assert len(data["edges"]) == G.number_of_edges()
    label = {n[0]: i for i, n in enumerate(data["nodes"])}
    i = label["Sergei Shoigu"]
    assert data["nodes"][i][1] == "Person" and data["styles"]["Person"][1] == "dot"
    assert data["styles"]["Country"][1] != data["styles"]["Person"][1]
    assert data["nodes"][label["مهدی سنایی"]][1] == "Person"  # original script where no English name is known
    info = data["info"][i]
    assert ["سيرغي شويغو", "ar"] in info["l"] and info["iri"] == SHOIGU
    # Shoigu's facts list the meetings he took part in, each with the sentence it was read from
    meet = [f for f in info["f"] if isinstance(f["t"][0], dict) and f["t"][0]["t"].startswith("Meeting")
            and f["t"][1] == " — participant"]
    assert len(meet) >= 5 and all(f["e"] for f in meet)
    sentence, doc = data["ev"][meet[0]["e"][0]][:2]
    assert "شويغو" in sentence or "شویگو" in sentence or "شایگو" in sentence
    assert data["docs"][doc][0].endswith(".txt") and data["docs"][doc][1] in ("ar", "fa")
    assert data["docs"][doc][4].startswith("file:///")  # a link to the source file
    assert {e[2] for e in data["edges"]} >= {"participant", "location", "supplier", "recipient", "party"}
    assert not data["meta"]["notes"]


@needs_chromium
def test_seeds_graph_draws_offline_in_chromium(seeds_page, tmp_path):
    out, stats = seeds_page
    dom = browse(out.resolve().as_uri(), tmp_path)
    st = status(dom)
    assert st["data-state"] == "drawn", st
    assert int(st["data-nodes"]) == stats["nodes"] and int(st["data-edges"]) == stats["edges"]
    assert int(st["data-ink"]) > 50  # pixels painted on the canvas
    assert f"{stats['nodes']} nodes drawn" in re.search(r"<title>(.*?)</title>", dom).group(1)
    legend = re.search(r'<footer id="legend">(.*?)</footer>', dom, re.S).group(1)
    types = Counter(n[1] for n in page_json(out.read_text(encoding="utf-8"))["nodes"])
    assert f"Person ({types['Person']})" in legend and f"Country ({types['Country']})" in legend
    shot = tmp_path / "seeds.png"
    subprocess.run([CHROMIUM, *render.chromium_flags(tmp_path / "profile-shot"), "--virtual-time-budget=20000",
                    "--window-size=1400,900", f"--screenshot={shot}", out.resolve().as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


@needs_chromium
def test_selecting_a_node_shows_facts_and_evidence(seeds_page, tmp_path):
    out, _ = seeds_page
    dom = browse(out.resolve().as_uri() + "#node=" + urllib.parse.quote("شويغو"), tmp_path)
    assert status(dom)["data-selected"].startswith("node:")
    panel = re.search(r'<aside id="panel"[^>]*>(.*?)</aside>', dom, re.S).group(1)
    assert "Sergei Shoigu" in panel and "General of the Army" in panel
    assert re.search(r'<blockquote class="ev" dir="auto" lang="(ar|fa)">', panel)
    assert re.search(r'<a href="file:///[^"]+\.txt" target="_blank" rel="noopener noreferrer"', panel)


@needs_chromium
@pytest.mark.parametrize("view", ["persons", "countries"])
def test_collapsed_views_draw(seeds_store, tmp_path, view):
    out = render.render_html(seeds_store, tmp_path / f"{view}.html", view=view, stats=(stats := {}))
    G = project.person_network(seeds_store) if view == "persons" else project.country_network(seeds_store)
    assert stats["nodes"] == G.number_of_nodes() and stats["edges"] == G.number_of_edges()
    st = status(browse(out.resolve().as_uri() + "#edge=0", tmp_path))
    assert st["data-state"] == "drawn" and int(st["data-nodes"]) == stats["nodes"] and st["data-selected"] == "edge:0"


# -- hostile article text ----------------------------------------------------------------------------------
PAYLOADS = [
    "<script>document.body.appendChild(document.createElement('pwned-script'))</script>",
    "<img src=x onerror=\"document.body.appendChild(document.createElement('pwned-img'))\">",
    "\"><svg onload=\"document.body.appendChild(document.createElement('pwned-svg'))\">",
    "</script><script>document.body.appendChild(document.createElement('pwned-close'))</script>",
    "'--><iframe src=\"javascript:parent.document.body.appendChild(parent.document.createElement('pwned-js'))\">",
    "\u2028\u2029<b onmouseover=\"document.body.append(document.createElement('pwned-b'))\">x</b>&amp;&lt;",
]
EVIL = "https://w3id.org/ddkg/id/person/evil"


@pytest.fixture(scope="module")
def hostile_store():
    """An article whose text carries HTML/JS payloads, read by the real pipeline, plus a person whose labels,
    source file, title and URL are payloads (the URL a javascript: link)."""
    text = ("التقى وزير الدفاع الإيراني العميد حسين دهقان في موسكو نظيره الروسي سيرغي شويغو "
            + " ".join(PAYLOADS) + ".")
    key = "evil-<img src=x onerror=\"document.body.append(document.createElement('pwned-key'))\">.txt"
    doc = make_doc(text, key=key)
    store = GraphStore()
    store.put_document(doc.sha256, extraction_quads(extract(doc), "test"))
    g = ox.NamedNode(DOC_BASE + doc.sha256[:24])
    evil, meeting, ev = ox.NamedNode(EVIL), ox.NamedNode(g.value + "#evil-meeting"), ox.NamedNode(g.value + "#evil-ev")
    t = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    quads = [ox.Quad(evil, t, ox.NamedNode(ONT + "Person"), g),
             ox.Quad(meeting, t, ox.NamedNode(ONT + "Meeting"), g),
             ox.Quad(meeting, ox.NamedNode(ONT + "participant"), evil, g),
             ox.Quad(meeting, ox.NamedNode(ONT + "participant"), ox.NamedNode(SHOIGU), g),
             ox.Quad(meeting, ox.NamedNode(ONT + "evidence"), ev, g),
             ox.Quad(ev, ox.NamedNode(ONT + "sentence"), ox.Literal(" ".join(PAYLOADS)), g),
             ox.Quad(g, ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal(PAYLOADS[2]), ox.DefaultGraph()),
             ox.Quad(g, ox.NamedNode("https://schema.org/url"),
                     ox.Literal("javascript:document.body.appendChild(document.createElement('pwned-href'))"),
                     ox.DefaultGraph())]
    quads += [ox.Quad(evil, ox.NamedNode(SKOS + "altLabel"), ox.Literal(p, language="ar"), g) for p in PAYLOADS]
    store.store.extend(quads)
    return store


def test_payloads_are_escaped_in_the_file(hostile_store, tmp_path):
    page = render.render_html(hostile_store, tmp_path / "h.html").read_text(encoding="utf-8")
    for raw in ("<img src=x", "<svg onload", "<script>document", "<iframe", "\u2028", "<b onmouseover"):
        assert raw not in page
    assert page.count("</script>") == 3  # only the page's own three script elements close
    data = page_json(page)  # the data survives intact
    evil = next(i for i, x in enumerate(data["info"]) if x["iri"] == EVIL)
    assert sorted(lab for lab, _ in data["info"][evil]["l"]) == sorted(" ".join(p.split()) for p in PAYLOADS)
    assert any(" ".join(PAYLOADS) == e[0] for e in data["ev"])
    assert all(not d[4].lower().startswith("javascript") for d in data["docs"])


@needs_chromium
@pytest.mark.parametrize("csp", [True, False], ids=["with-csp", "escaping-alone"])
def test_payloads_do_not_run_in_the_browser(hostile_store, tmp_path, csp):
    out = render.render_html(hostile_store, tmp_path / "h.html", csp=csp)
    doms = [browse(out.resolve().as_uri() + target, tmp_path)
            for target in ("#node=" + urllib.parse.quote(EVIL, safe=""), "#edge=0")]
    for dom in doms:
        st = status(dom)
        assert st["data-state"] == "drawn" and "data-selected" in st
        assert not re.search(r"<pwned-", dom)
        assert 'href="javascript' not in dom.lower()
    # the evil person's panel shows each payload as text
    panel = re.search(r'<aside id="panel"[^>]*>(.*?)</aside>', doms[0], re.S).group(1)
    assert html.escape(PAYLOADS[1], quote=False) in panel and html.escape(PAYLOADS[0], quote=False) in panel
    assert "&lt;svg onload=" in panel and "&lt;/script&gt;&lt;script&gt;" in panel


# -- views, options, notebook, CLI ---------------------------------------------------------------------------
def test_focus_view_and_summary_cut(seeds_store, tmp_path):
    data = page_json(render.render_page(seeds_store, focus="حسين دهقان", radius=1))
    focus = data["meta"]["focus"]
    total = project.entity_graph(seeds_store).number_of_nodes()
    assert data["info"][focus]["iri"].endswith("hossein-dehghan") and len(data["nodes"]) < total
    data = page_json(render.render_page(seeds_store, max_nodes=20))
    assert len(data["nodes"]) == 20 and f"the 20 best-connected of {total} nodes" in data["meta"]["notes"][0]
    assert "Sergei Shoigu" in {n[0] for n in data["nodes"]}
    with pytest.raises(project.ProjectionError, match="unknown view"):
        render.render_page(seeds_store, view="bogus")


def test_notebook_view_embeds_the_escaped_page(seeds_store):
    view = render.notebook_view(seeds_store, view="countries", height=500)
    out = view._repr_html_()
    m = re.fullmatch(r'<iframe srcdoc="([^"]*)" sandbox="allow-scripts allow-popups" style="[^"]*height:500px[^"]*"'
                     r' loading="eager"></iframe>', out)
    assert m and "<" not in m.group(1)
    assert html.unescape(m.group(1)) == view.page and "country ties" in view.page


def test_layout_spreads_large_graphs(tmp_path):
    G = nx.barabasi_albert_graph(1500, 1, seed=3)
    G.add_nodes_from(range(1500, 1530))  # isolated nodes
    pos = render.layout(G)
    xy = np.array([pos[n] for n in range(1500)])
    assert np.isfinite(xy).all() and len(pos) == 1530
    d = np.sqrt(((xy[:400, None] - xy[None]) ** 2).sum(-1))
    d[d == 0] = np.inf
    assert np.percentile(d.min(1), 5) > 10  # nodes do not sit on each other (pixels)
    edges = np.array([np.hypot(*np.subtract(pos[a], pos[b])) for a, b in G.edges()])
    assert np.median(edges) < 0.25 * np.median(d[np.isfinite(d)])  # neighbours are drawn near each other
    iso = np.array([pos[n] for n in range(1500, 1530)])
    assert iso[:, 1].min() > xy[:, 1].max()  # isolated nodes packed below the graph


def test_cli_render_options_and_build_html(seeds_built, tmp_path):
    store = str(seeds_built[0])
    run = [sys.executable, "-m", "ddkg", "render", "--store", store]
    res = subprocess.run([*run, "--out", str(tmp_path / "c.html"), "--view", "countries", "--focus", "Iran"],
                         capture_output=True, text=True)
    assert res.returncode == 0 and "nodes" in res.stdout, res.stderr
    assert page_json((tmp_path / "c.html").read_text(encoding="utf-8"))["meta"]["view"] == "countries"
    res = subprocess.run([*run, "--out", str(tmp_path / "x.html"), "--since", "2016-13"], capture_output=True,
                         text=True)
    assert res.returncode == 1 and res.stderr.strip().count("\n") == 0 and "2016-13" in res.stderr
    res = subprocess.run([*run, "--out", str(tmp_path / "x.html"), "--focus", "Nobody Atall"], capture_output=True,
                         text=True)
    assert res.returncode == 1 and "Nobody Atall" in res.stderr and not (tmp_path / "x.html").exists()
    one = tmp_path / "one.txt"
    one.write_text("التقى وزير الدفاع الإيراني حسين دهقان في موسكو نظيره الروسي سيرغي شويغو.", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "ddkg", "build", str(one), "--store", str(tmp_path / "s"), "-q",
                          "--html", str(tmp_path / "b.html")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "Sergei Shoigu" in {n[0] for n in page_json((tmp_path / "b.html").read_text(encoding="utf-8"))["nodes"]}
