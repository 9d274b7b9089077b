"""The ``ddkg`` command line."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path

import click

from . import __version__


def _fail(msg: str) -> None:
    from .graph.query import display_text

    click.echo(f"ddkg: {display_text(' '.join(msg.split()))}", err=True)
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
@click.option("--html", "html_file", type=click.Path(dir_okay=False), help="Also write the offline HTML view.")
@click.option("--quiet", "-q", is_flag=True, help="No per-file progress.")
@click.option("--wait", "wait", default=0.0, show_default=True, metavar="SECONDS",
              help="If another process is writing the store, wait this long for it.")
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(0),
              help="Extraction processes (0: one per CPU); the store content is the same for any number.")
def build(paths, store_dir, strict, force, export_file, quiet, wait, html_file=None, jobs=1) -> None:
    """Ingest files and folders (.txt .html .jsonl feeds) into the store."""
    from .graph.build import BuildError
    from .graph.build import build as run_build
    from .graph.store import GraphStore, StoreError

    try:
        store = GraphStore(store_dir, wait=wait)
    except StoreError as exc:
        _fail(str(exc))

    from .ingest.readers import list_files

    bar = None
    if not quiet and sys.stderr.isatty():
        bar = click.progressbar(length=len(list_files(paths)), label="ingesting", file=sys.stderr,
                                show_pos=True, item_show_func=lambda key: key and Path(key.split("#")[0]).name)
        bar.__enter__()
    seen: set[str] = set()

    from .graph.query import display_text

    def progress(doc, status):
        if doc is None:
            status = display_text(status)
            click.echo(f"\nskipped: {status}" if bar else f"skipped: {status}", err=True)
        elif bar is not None:
            if doc.source not in seen:  # one step per file (a JSONL file holds many documents)
                seen.add(doc.source)
                bar.update(1, display_text(doc.key))
        elif not quiet:
            click.echo(f"{status:>9}  {display_text(doc.key)}", err=True)

    try:
        if jobs == 0:
            from .graph.parallel import cpu_count

            jobs = cpu_count()
        report = run_build(paths, store, strict=strict, force=force, version=__version__, progress=progress,
                           jobs=jobs)
    except BuildError as exc:
        _fail(str(exc))
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(report.summary())
    click.echo(f"store: {Path(store_dir).resolve()}")
    if export_file:
        fmt = "nquads" if str(export_file).endswith((".nq", ".nquads")) else "trig"
        out = store.export(export_file, fmt)
        click.echo(f"graph: {out.resolve()}")
    if html_file:
        from .graph.render import render_html

        click.echo(f"html: {render_html(store, html_file).resolve()}")


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
@click.option("--view", type=click.Choice(["full", "persons", "countries"]), default="full", show_default=True,
              help="full: entities and events; persons: who met whom; countries: weighted country ties.")
@click.option("--focus", metavar="LABEL_OR_IRI", help="Only the ego network of this entity (any label, any language).")
@click.option("--radius", type=click.IntRange(0, 10), help="Steps around --focus [default: 2 in full, else 1].")
@click.option("--since", metavar="DATE", help="Events from this date (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Events up to this date (inclusive).")
@click.option("--max-nodes", default=20_000, show_default=True, type=click.IntRange(1),
              help="Above this, keep the best-connected nodes (the page says so).")
def render(store_dir, out, view, focus, radius, since, until, max_nodes) -> None:
    """Draw the graph as one self-contained HTML page (works offline): search, legend, and a side panel with
    each node's and edge's facts, evidence sentences and source documents."""
    from .graph.project import ProjectionError
    from .graph.render import render_html

    stats: dict = {}
    try:
        path = render_html(_open_store(store_dir, read_only=True), out, view=view, focus=focus, radius=radius,
                           since=since, until=until, max_nodes=max_nodes, stats=stats)
    except ProjectionError as exc:
        _fail(str(exc))
    click.echo(f"html: {path.resolve()} ({stats['nodes']} nodes, {stats['edges']} edges"
               + (f", of {stats['total_nodes']}" if stats["total_nodes"] > stats["nodes"] else "") + ")")


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


@main.command("train-ner", short_help="Train and evaluate an NER model from gold corpora.")
@click.option("--lang", required=True, type=click.Choice(["ar", "fa"]), help="Language of the model.")
@click.option("--corpus", "corpora", multiple=True, type=click.Choice(["anercorp", "newsfane", "wojood", "arman"]),
              help="Corpus to train on (repeatable); default ar: newsfane + wojood, fa: arman.")
@click.option("--corpus-dir", default="../shared/corpora/ner", show_default=True,
              type=click.Path(file_okay=False), help="Folder holding the corpus folders.")
@click.option("--out", "out", type=click.Path(file_okay=False),
              help="Model folder [default: <DDKG_NER_MODELS or ~/.local/share/ddkg/models>/ner-<lang>].")
@click.option("--seed", default=0, show_default=True, help="Random seed of training (the split is fixed).")
@click.option("--max-epochs", default=30, show_default=True, help="Stop after this many epochs.")
@click.option("--patience", default=4, show_default=True, help="Stop after this many epochs without dev gain.")
@click.option("--limit", type=int, help="Use only the first N sentences of each split (quick runs).")
@click.option("--report", "report", type=click.Path(dir_okay=False), help="Also write the results as JSON.")
def train_ner(lang, corpora, corpus_dir, out, seed, max_epochs, patience, limit, report) -> None:
    """Train a spaCy NER model (PER, ORG, LOC) on the fixed train split of gold corpora, pick the epoch by the
    dev split, and print per-type precision, recall and F1 on each corpus's test split."""
    from .ingest.ner import user_model_dir
    from .ingest.ner_train import CorpusError, format_results
    from .ingest.ner_train import run as run_training

    target = Path(out) if out else user_model_dir() / f"ner-{lang}"
    try:
        meta = run_training(lang, corpora, Path(corpus_dir), target, seed=seed, max_epochs=max_epochs,
                            patience=patience, limit=limit, log=lambda m: click.echo(m, err=True))
    except CorpusError as exc:
        _fail(str(exc))
    click.echo(format_results(meta), nl=False)
    click.echo(f"trained in {meta['train_seconds']:.0f}s (best epoch {meta['best_epoch']}); "
               f"model {meta['size_bytes'] / 1e6:.1f} MB: {target.resolve()}")
    if not meta["redistributable"]:
        click.echo("licence: a corpus used forbids redistribution; keep this model local (do not package it)")
    if report:
        Path(report).write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


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


def _open_store(store_dir, read_only: bool = False):
    from .graph.store import GraphStore, StoreError

    try:
        return GraphStore(store_dir, read_only=read_only)
    except StoreError as exc:
        _fail(str(exc))


@main.command(short_help="Run SPARQL or a named query; print a table, CSV, TSV or JSON.")
@click.argument("sparql", required=False)
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False, exists=True))
@click.option("--file", "query_file", type=click.Path(exists=True, dir_okay=False), help="Read the query from a file.")
@click.option("--name", "name", help="A named query from the library (see --list).")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="Bind a named query's parameter: a name in any language or an IRI (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "xml", "turtle", "ntriples"]),
              default="table", show_default=True, help="Output (turtle/ntriples for CONSTRUCT).")
@click.option("--list", "list_", is_flag=True, help="List the named queries and their parameters.")
def query(sparql, store_dir, query_file, name, params, fmt, list_) -> None:
    """Run a SPARQL query (argument, --file or --name) over all graphs of the store.

    \b
    ddkg query --store st 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
    ddkg query --store st --name who-met-whom --param person=Shoigu --format csv
    """
    from .graph.query import QueryError, format_results, library, named, run

    if list_:
        for q in library().values():
            click.echo(f"{q.name:<26} {q.title}")
            for p, h in q.params.items():
                click.echo(f"{'':<28}--param {p}=...  {h}")
        return
    given = [x for x in (sparql, query_file, name) if x]
    if len(given) != 1:
        _fail("give exactly one of: a SPARQL argument, --file or --name")
    values = {}
    for kv in params:
        k, sep, v = kv.partition("=")
        if not sep:
            _fail(f"--param {kv!r}: expected KEY=VALUE")
        values[k.strip()] = v
    try:
        if name:
            text = named(name, values)
        else:
            text = Path(query_file).read_text(encoding="utf-8") if query_file else sparql
            if values:
                from .graph.query import bind

                text = bind(text, values)
        store = _open_store(store_dir, read_only=True)
        click.echo(format_results(run(store, text), fmt))
    except QueryError as exc:
        _fail(str(exc))
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{query_file}: {exc}")


@main.command(short_help="Counts: documents, languages, entities and facts by type.")
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats(store_dir, as_json) -> None:
    """Counts by type, documents by language, facts per document."""
    from .graph.stats import stats as compute

    s = compute(_open_store(store_dir, read_only=True))
    click.echo(json.dumps(s.as_dict(), ensure_ascii=False, indent=1) if as_json else s.text())


@main.command(short_help="Remove documents (by file, folder or sha256) from the store.")
@click.argument("sources", nargs=-1)
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False, exists=True))
@click.option("--sha", "shas", multiple=True, help="A document's sha256 (repeatable).")
@click.option("--missing", is_flag=True, help="Forget documents whose source file no longer exists.")
def forget(sources, store_dir, shas, missing) -> None:
    """Remove documents and what only they said: by source path (a file, a JSONL record FILE#ID or a whole
    folder), by sha256, or every document whose file is gone (--missing)."""
    import os

    if not (sources or shas or missing):
        _fail("name what to forget: source paths, --sha or --missing")
    store = _open_store(store_dir)
    targets = set(shas)
    for src, sha_list in store.shas_by_source().items():
        path = src.split("#", 1)[0]
        for given in sources:
            g = os.path.abspath(given)
            if src == g or path == g or path.startswith(g.rstrip(os.sep) + os.sep):
                targets.update(sha_list)
        if missing and not os.path.exists(path):
            targets.update(sha_list)
    n = store.forget(sorted(targets))
    store.flush()
    click.echo(f"{n} document(s) forgotten; {len(store.documents())} remain")


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


@main.command(short_help="Extract on a Dask cluster into N-Quads shards (first pass of a distributed build).")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the shards, on storage the cluster's workers share.")
@click.option("--scheduler", help="Address of a running Dask scheduler (tcp://host:8786) [default: a local cluster].")
@click.option("--workers", default=0, show_default=True, type=click.IntRange(0),
              help="Processes of the local cluster (0: one per CPU).")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1),
              help="Documents per task and per shard.")
@click.option("--quiet", "-q", is_flag=True, help="No progress.")
def shard(paths, out_dir, scheduler, workers, batch_size, quiet) -> None:
    """Extract files and folders on a Dask cluster: one N-Quads shard per batch of documents. Then write the
    shards into a store with `ddkg merge` (the result equals `ddkg build` of the same input). Running it again
    with the same inputs redoes only missing batches."""
    from .graph.distributed import ShardError
    from .graph.distributed import shard as run_shard

    def progress(done, total):
        if not quiet:
            click.echo(f"batches done: {done}/{total}+", err=True)

    try:
        m = run_shard(paths, out_dir, scheduler=scheduler, workers=workers or None, batch_size=batch_size,
                      version=__version__, progress=progress)
    except ShardError as exc:
        _fail(str(exc))
    click.echo(f"{m['documents']} document(s) in {m['batches']} shard(s), {len(m['errors'])} unreadable: "
               f"{Path(out_dir).resolve()}")


@main.command(short_help="Write shards from `ddkg shard` into a store (second pass).")
@click.argument("shard_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False), help="Store directory.")
@click.option("--strict", is_flag=True, help="Stop at the first document that could not be read or extracted.")
@click.option("--force", is_flag=True, help="Rewrite documents already in the store.")
@click.option("--export", "export_file", type=click.Path(dir_okay=False), help="Also write the dataset (.trig/.nq).")
@click.option("--quiet", "-q", is_flag=True, help="No per-document progress.")
def merge(shard_dir, store_dir, strict, force, export_file, quiet) -> None:
    """Write the shards of `ddkg shard` into the store in input order, as `ddkg build` would: documents already
    stored are left alone, a changed source replaces its earlier version."""
    from .graph.build import BuildError
    from .graph.distributed import ShardError
    from .graph.distributed import merge as run_merge
    from .graph.query import display_text

    store = _open_store(store_dir)

    def progress(doc, status):
        if doc is None:
            click.echo(f"skipped: {display_text(status)}", err=True)
        elif not quiet:
            click.echo(f"{status:>9}  {display_text(doc.key)}", err=True)

    try:
        report = run_merge(shard_dir, store, strict=strict, force=force, progress=progress)
    except (BuildError, ShardError) as exc:
        _fail(str(exc))
    click.echo(report.summary())
    click.echo(f"store: {Path(store_dir).resolve()}")
    if export_file:
        fmt = "nquads" if str(export_file).endswith((".nq", ".nquads")) else "trig"
        click.echo(f"graph: {store.export(export_file, fmt).resolve()}")


@main.command(short_help="Copy the store to a triple store server (SPARQL Graph Store Protocol).")
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False, exists=True))
@click.option("--endpoint", required=True, metavar="URL",
              help="The server's Graph Store endpoint: http://host:8890/data (ddkg serve), "
                   "http://host:8890/sparql-graph-crud-auth (Virtuoso), http://host:3030/ds/data (Fuseki).")
@click.option("--token", envvar="DDKG_WRITE_TOKEN", show_envvar=True, help="Sent as 'Authorization: Bearer TOKEN'.")
@click.option("--user", envvar="DDKG_PUSH_USER", show_envvar=True, metavar="NAME:PASSWORD",
              help="HTTP Basic or Digest credentials (the server's challenge decides).")
@click.option("--records-graph", metavar="IRI",
              help="Put the document records in this named graph instead of the server's default graph "
                   "(for servers without a writable default graph, such as Virtuoso).")
@click.option("--state", "state_file", type=click.Path(dir_okay=False),
              help="Progress file for resuming [default: beside the store, one per endpoint].")
@click.option("--fresh", is_flag=True, help="Ignore earlier progress: send every graph again.")
@click.option("--retries", default=5, show_default=True, type=click.IntRange(0), help="Retries of a failed request.")
@click.option("--max-request-bytes", default=8 << 20, show_default=True, type=click.IntRange(1024),
              help="Split the entity and default graphs into requests of at most this size.")
@click.option("--parallel", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Document graphs sent at once.")
@click.option("--quiet", "-q", is_flag=True, help="No per-graph progress.")
def push(store_dir, endpoint, token, user, records_graph, state_file, fresh, retries, max_request_bytes, parallel,
         quiet) -> None:
    """Copy the store to a server: one PUT per document graph, then the entity graph and the document records
    in chunks. Failed requests are retried; an interrupted push resumes where it stopped, and a later push sends
    only what changed (and deletes graphs of documents no longer in the store)."""
    from .graph.push import PushError, state_path
    from .graph.push import push as run_push

    store = _open_store(store_dir, read_only=True)

    def progress(graph, status):
        if not quiet:
            click.echo(f"{status:>9}  {graph}", err=True)

    try:
        state = Path(state_file) if state_file else state_path(store, endpoint, records_graph)
        if fresh:
            state.unlink(missing_ok=True)
        report = run_push(store, endpoint, token=token, user=user, state=state, records_graph=records_graph,
                          max_bytes=max_request_bytes, retries=retries, parallel=parallel, progress=progress)
    except PushError as exc:
        _fail(str(exc))
    click.echo(report.summary())


if __name__ == "__main__":
    main()
