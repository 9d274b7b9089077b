"""Shared fixtures: the shared/ folder beside the repo, and the seed articles built once per session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EXAMPLES = REPO / "ddkg" / "examples"


def shared_or_skip(*parts: str) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is absent (../shared is not beside the repository)")
    return p


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The five seed articles: the bundled examples are byte-identical copies."""
    return EXAMPLES


@pytest.fixture(scope="session")
def seeds_built(tmp_path_factory, seeds_dir):
    """The seeds built with the real CLI into a store and exported as TriG."""
    out = tmp_path_factory.mktemp("seeds")
    store, trig = out / "store", out / "graph.trig"
    res = subprocess.run([sys.executable, "-m", "ddkg", "build", str(seeds_dir), "--store", str(store),
                          "--export", str(trig), "-q"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return store, trig


def make_doc(text: str, lang: str | None = None, key: str = "t.txt"):
    import hashlib

    from ddkg.ingest.documents import Document

    return Document(key=key, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), source=key,
                    record=None, declared_lang=lang, title=None, published=None, url=None, meta={})
