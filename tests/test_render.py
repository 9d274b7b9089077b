"""The HTML view: written from the store, self-contained, and article text stays text."""

from __future__ import annotations

import re

from conftest import make_doc
from ddkg.graph.rdf import extraction_quads
from ddkg.graph.render import render_html
from ddkg.graph.store import GraphStore
from ddkg.ingest.pipeline import extract


def test_render_is_self_contained_and_escapes_article_text(tmp_path):
    text = ("التقى وزير الدفاع الإيراني العميد حسين دهقان في موسكو نظيره الروسي سيرغي شويغو "
            "<img src=x onerror=alert(1)> <script>alert(2)</script>.")
    doc = make_doc(text)
    store = GraphStore(tmp_path / "s")
    store.put_document(doc.sha256, extraction_quads(extract(doc), "test"))
    page = render_html(store, tmp_path / "g.html").read_text(encoding="utf-8")
    # no stylesheet or script is fetched from anywhere
    assert not re.search(r'<(?:link|script)[^>]+(?:href|src)="https?://', page)
    assert "vis.Network" in page or "new vis" in page
    # the evidence sentence is in the page, escaped: its markup cannot become live tags
    assert "<img src=x onerror" not in page and "<script>alert(2)" not in page
    assert "onerror=alert(1)" in page
    assert "Sergei Shoigu" in page
