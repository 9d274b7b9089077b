"""The ``ddkg`` command line."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path

import click

from . import __version__


def _fail(msg: str) -> None:
    click.echo(f"ddkg: {msg}", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ddkg")
def main() -> None:
    """ddkg: defense-diplomacy knowledge graphs from Arabic, Persian and English news."""


@main.command(short_help="Ingest articles (files, folders) into a store.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False), help="Store directory.")
@click.option("--strict", is_flag=True, help="Stop at the first file that cannot be read.")
@click.option("--force", is_flag=True, help="Re-extract documents already in the store.")
@click.option("--export", "export_file", type=click.Path(dir_okay=False), help="Also write the dataset (.trig/.nq).")
@click.option("--quiet", "-q", is_flag=True, help="No per-file progress.")
def build(paths, store_dir, strict, force, export_file, quiet) -> None:
    """Ingest files and folders (.txt .html .jsonl feeds) into the store."""
    from .graph.build import BuildError
    from .graph.build import build as run_build
    from .graph.store import GraphStore, StoreError

    try:
        store = GraphStore(store_dir)
    except StoreError as exc:
        _fail(str(exc))

    def progress(doc, status):
        if doc is None:
            click.echo(f"skipped: {status}", err=True)
        elif not quiet:
            click.echo(f"{status:>9}  {doc.key}", err=True)

    try:
        report = run_build(paths, store, strict=strict, force=force, version=__version__, progress=progress)
    except BuildError as exc:
        _fail(str(exc))
    click.echo(report.summary())
    click.echo(f"store: {Path(store_dir).resolve()}")
    if export_file:
        fmt = "nquads" if str(export_file).endswith((".nq", ".nquads")) else "trig"
        out = store.export(export_file, fmt)
        click.echo(f"graph: {out.resolve()}")


@main.command(short_help="Write the whole dataset to a file.")
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False, exists=True))
@click.option("--format", "fmt", type=click.Choice(["trig", "nquads", "turtle", "jsonld"]), default="trig",
              show_default=True, help="Serialization.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Output file.")
def export(store_dir, fmt, out) -> None:
    """Write the whole dataset to a file (TriG, N-Quads, Turtle merged, JSON-LD)."""
    from .graph.store import GraphStore, StoreError

    try:
        store = GraphStore(store_dir)
    except StoreError as exc:
        _fail(str(exc))
    path = store.export(out, fmt)
    click.echo(f"{len(store)} quads written to {path.resolve()}")


@main.command(short_help="Draw the graph as one offline HTML page.")
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False, exists=True))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="HTML file to write.")
def render(store_dir, out) -> None:
    """Draw the graph as one self-contained HTML page (works offline)."""
    from .graph.render import render_html
    from .graph.store import GraphStore

    path = render_html(GraphStore(store_dir), out)
    click.echo(f"html: {path.resolve()}")


@main.command(short_help="Print what one file yields, as JSON.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def extract(path) -> None:
    """Print what one file yields (entities and facts with evidence) as JSON, without storing it."""
    from .ingest.documents import ReadError
    from .ingest.pipeline import UnsupportedLanguage
    from .ingest.pipeline import extract as run
    from .ingest.readers import read_file

    try:
        docs = read_file(path)
    except ReadError as exc:
        _fail(str(exc))
    out = []
    for doc in docs:
        try:
            ex = run(doc)
        except UnsupportedLanguage as exc:
            _fail(str(exc))
        out.append({
            "document": doc.key, "sha256": doc.sha256, "language": ex.lang,
            "entities": {k: {"type": e.type, "label": e.label_en or (e.pref or ("",))[0],
                             "mentions": sorted({m.surface for m in ex.mentions if m.entity == k})}
                         for k, e in sorted(ex.entities.items())},
            "facts": [{"kind": f.kind, **{k: v for k, v in f.args.items()},
                       "evidence": [{"sentence": doc.text[e.start:e.end], "start": e.start, "end": e.end,
                                     "rule": e.rule, "confidence": e.conf} for e in f.evidence]}
                      for f in ex.facts],
        })
    click.echo(json.dumps(out if len(out) > 1 else out[0], ensure_ascii=False, indent=1))


@main.command(short_help="Build and draw the bundled example articles.")
@click.option("--out", "out_dir", default="ddkg-demo", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the store and the exported graph.")
def demo(out_dir) -> None:
    """Build the bundled example articles (3 Arabic, 2 Persian); write the graph and an HTML view."""
    from .graph.build import build as run_build
    from .graph.render import render_html
    from .graph.store import GraphStore

    out = Path(out_dir)
    examples = resources.files("ddkg") / "examples"
    with resources.as_file(examples) as ex_dir:
        store = GraphStore(out / "store")
        report = run_build([ex_dir], store, version=__version__)
    click.echo(report.summary())
    trig = store.export(out / "graph.trig", "trig")
    page = render_html(store, out / "graph.html")
    click.echo(f"store: {(out / 'store').resolve()}")
    click.echo(f"graph: {trig.resolve()}")
    click.echo(f"html:  {page.resolve()}")



@main.command(short_help="Serve the store as a SPARQL endpoint (read-only by default).")
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False), help="Store directory.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8890, show_default=True, type=click.IntRange(0, 65535), help="0: any free port.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0.1),
              help="Seconds a query or write may run; past it the worker is killed (503).")
@click.option("--max-results", default=100_000, show_default=True, type=click.IntRange(1),
              help="More result rows/triples than this: 422, nothing sent.")
@click.option("--max-request-bytes", default=64 << 20, show_default=True, type=click.IntRange(1),
              help="Larger request bodies: 413.")
@click.option("--write-token", envvar="DDKG_WRITE_TOKEN", show_envvar=True,
              help="Allow SPARQL Update and graph store writes from requests sending 'Authorization: Bearer TOKEN'.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Query worker processes.")
@click.option("--quiet", "-q", is_flag=True, help="No request log on stderr.")
def serve(store_dir, host, port, timeout, max_results, max_request_bytes, write_token, workers, quiet) -> None:
    """SPARQL 1.1 Protocol at /sparql and Graph Store Protocol at /data over the store.

    Read-only unless --write-token is set. The default graph of a query is the union of all graphs.
    Ctrl-C stops it.
    """
    from .graph.serve import ServeError
    from .graph.serve import serve as run_server

    try:
        run_server(store_dir, host=host, port=port, timeout=timeout, max_results=max_results,
                   max_request_bytes=max_request_bytes, write_token=write_token or None, workers=workers,
                   quiet=quiet, echo=click.echo)
    except ServeError as exc:
        _fail(str(exc))


if __name__ == "__main__":
    main()
