"""The notebooks in notebooks/ run top to bottom in a headless kernel (nbclient), without writing into the repo."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import REPO, SHARED

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = REPO / "notebooks"
CELL_TIMEOUT = 300


def _listing(*dirs: Path) -> set[str]:
    return {str(p) for d in dirs for p in d.iterdir()}


def _kernel(home: Path, monkeypatch) -> None:
    """A ``python3`` kernel running this interpreter (ahead of any user-level kernelspec), IPython's files in
    ``home``."""
    spec = home / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ddkg tests)", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(home / "jupyter"))
    monkeypatch.setenv("IPYTHONDIR", str(home / "ipython"))


def _run(name: str, env: dict[str, str], monkeypatch, home: Path) -> list[dict]:
    """Execute a notebook from the notebooks folder; returns the outputs of its code cells, in order."""
    _kernel(home, monkeypatch)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    before = _listing(REPO, NOTEBOOKS)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    assert _listing(REPO, NOTEBOOKS) == before, "the notebook wrote into the repository"
    outs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outs if o.output_type == "error"]
    return outs


def _text(outs: list[dict]) -> str:
    parts = []
    for o in outs:
        parts.append(o.get("text", ""))
        parts.append(o.get("data", {}).get("text/plain", ""))
        parts.append(o.get("data", {}).get("text/html", ""))
    return "\n".join(parts)


@pytest.mark.parametrize("name", ["quickstart.ipynb", "analysis.ipynb"])
def test_notebooks_are_stored_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
    assert nb.metadata.kernelspec.name == "python3"


def test_quickstart_runs_top_to_bottom(tmp_path, monkeypatch):
    outs = _run("quickstart.ipynb", {"DDKG_WORKDIR": str(tmp_path / "work")}, monkeypatch, tmp_path)
    text = _text(outs)
    assert "5 document(s) added" in text
    for name in ("شويغو", "شویگو", "Shoigu"):
        assert f"{name} -> Sergei Shoigu (Person" in " ".join(text.split())
    assert any("image/png" in o.get("data", {}) for o in outs)  # the heatmap
    views = [o["data"]["text/html"] for o in outs if "<iframe srcdoc=" in o.get("data", {}).get("text/html", "")]
    assert len(views) == 2
    assert (tmp_path / "work" / "store").is_dir()


def test_analysis_runs_top_to_bottom(tmp_path, monkeypatch):
    outs = _run("analysis.ipynb", {"DDKG_WORKDIR": str(tmp_path / "work"), "DDKG_ARTICLES": "4"}, monkeypatch,
                tmp_path)
    text = _text(outs)
    if (SHARED / "corpora" / "news").is_dir():
        assert "ar/defense_ar.jsonl: 4 articles" in text and "en/defense_en.jsonl: 4 articles" in text
        assert "SIPRI:" in text and "only in SIPRI" in text
    else:
        assert "falling back to the five bundled example articles" in text
    assert sum("image/png" in o.get("data", {}) for o in outs) >= 6  # matrices, timeline, posts, degrees
    assert any("<iframe srcdoc=" in o.get("data", {}).get("text/html", "") for o in outs)


def test_analysis_falls_back_to_the_bundled_examples(tmp_path, monkeypatch):
    empty = tmp_path / "no-shared"
    empty.mkdir()
    outs = _run("analysis.ipynb", {"DDKG_WORKDIR": str(tmp_path / "work"), "DDKG_SHARED": str(empty)}, monkeypatch,
                tmp_path)
    text = _text(outs)
    assert "falling back to the five bundled example articles" in text
    assert "the SIPRI table is absent" in text
    assert "Sergei Shoigu" in text
