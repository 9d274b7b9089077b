"""The command line as a user runs it."""

from __future__ import annotations

import subprocess
import sys

import rdflib


def ddkg(*args, **kw):
    return subprocess.run([sys.executable, "-m", "ddkg", *map(str, args)], capture_output=True, text=True, **kw)


def test_help_lists_commands_with_one_line_each():
    res = ddkg("--help")
    assert res.returncode == 0
    for cmd in ("build", "export", "extract", "demo"):
        line = next(ln for ln in res.stdout.splitlines() if ln.strip().startswith(cmd + " "))
        assert len(line.split(None, 1)) == 2, line


def test_build_is_incremental_and_export_formats(tmp_path, seeds_dir):
    store = tmp_path / "store"
    first = ddkg("build", seeds_dir, "--store", store, "-q")
    assert first.returncode == 0, first.stderr
    assert "5 document(s) added" in first.stdout
    again = ddkg("build", seeds_dir, "--store", store, "-q")
    assert "0 document(s) added; 0 replaced; 5 unchanged" in again.stdout
    for fmt, parse_as in (("trig", "trig"), ("nquads", "nquads")):
        out = tmp_path / f"g.{fmt}"
        res = ddkg("export", "--store", store, "--format", fmt, "--out", out)
        assert res.returncode == 0, res.stderr
        ds = rdflib.Dataset()
        ds.parse(out, format=parse_as)
        assert len(list(ds.graphs())) >= 6  # default + one per document + entities
    nothing_left = [p.name for p in tmp_path.iterdir() if p.name.startswith(".g.")]
    assert nothing_left == []


def test_bad_input_is_one_line_and_the_rest_goes_on(tmp_path, seeds_dir):
    bad = tmp_path / "in"
    bad.mkdir()
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (bad / "ok.txt").write_bytes((seeds_dir / "000_75d71566662e0591.txt").read_bytes())
    res = ddkg("build", bad, "--store", tmp_path / "s", "-q")
    assert res.returncode == 0
    assert "1 document(s) added" in res.stdout
    err = [ln for ln in res.stderr.splitlines() if "binary.txt" in ln]
    assert len(err) == 1 and "binary.txt:" in err[0]
    strict = ddkg("build", bad, "--store", tmp_path / "s2", "--strict", "-q")
    assert strict.returncode == 1 and "binary.txt" in strict.stderr


def test_extract_prints_facts_with_evidence(seeds_dir):
    import json

    res = ddkg("extract", seeds_dir / "001_cb494ddad67fcde6.txt")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["language"] == "ar"
    meeting = next(f for f in out["facts"] if f["kind"] == "Meeting")
    assert meeting["evidence"][0]["sentence"]
