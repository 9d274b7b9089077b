"""The notebook API (ddkg.api) and its analyses and plots, on the seed articles and a small dated feed."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import SHARED
from ddkg.graph.analysis import AnalysisError
from ddkg.graph.query import QueryError
from ddkg.graph.store import StoreError

import ddkg
from ddkg import api

SHOIGU = "https://w3id.org/ddkg/id/person/sergei-shoigu"
DEHGHAN = "https://w3id.org/ddkg/id/person/hossein-dehghan"
SIPRI = SHARED / "corpora" / "structured" / "sipri_trade_register" / "sipri_trade_register_2000_2030.csv.gz"


@pytest.fixture(scope="module")
def store(seeds_built):
    return api.open_store(seeds_built[0], read_only=True)


@pytest.fixture(scope="module")
def graph(store):
    return api.load_graph(store)


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    """Two English articles with publication dates, built into a store in memory."""
    recs = [
        {"id": "t1", "date": "2016-02-16", "text": "Iran and Russia discuss defence ties\nIranian Defence Minister "
         "Hossein Dehghan met his Russian counterpart Sergei Shoigu in Moscow on Tuesday to discuss military "
         "cooperation between the two countries. Dehghan arrived in Moscow on Monday at the invitation of Shoigu."},
        {"id": "t2", "date": "2016-08-21", "text": "Russian minister in Tehran\nRussian Defence Minister Sergei "
         "Shoigu met Iranian Defence Minister Hossein Dehghan in Tehran on Sunday. The two ministers discussed the "
         "delivery of the S-300 air defence system to Iran."},
    ]
    f = tmp_path_factory.mktemp("dated") / "two.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    st = api.build_store(f, None, quiet=True)
    st.source_file = f
    return st


# -- the package surface ------------------------------------------------------------------------------------
def test_every_api_name_is_importable_from_ddkg_and_import_ddkg_stays_light():
    assert sorted(ddkg.API) == sorted(api.__all__)
    for name in api.__all__:
        assert getattr(ddkg, name) is getattr(api, name)
    with pytest.raises(AttributeError, match="no_such_name"):
        ddkg.no_such_name  # noqa: B018
    code = "import sys, ddkg; print(sorted(m for m in ('pandas', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_open_store_refuses_a_missing_directory(tmp_path):
    with pytest.raises(StoreError, match="no store there"):
        api.open_store(tmp_path / "nowhere")


def test_build_store_in_memory_is_incremental(dated):
    assert dated.build_report.added == 2
    again = api.build_store(dated.source_file, dated, quiet=True)
    assert again is dated and again.build_report.added == 0 and again.build_report.unchanged == 2
    with pytest.raises(FileNotFoundError, match="missing.jsonl"):
        api.build_store(dated.source_file.parent / "missing.jsonl", None)


# -- SPARQL into DataFrames -------------------------------------------------------------------------------
def test_sparql_resolves_labels_and_types_numbers(store):
    df = api.sparql(store, "SELECT ?person (COUNT(DISTINCT ?m) AS ?meetings) WHERE { ?m a ddkg:Meeting ; "
                           "ddkg:participant ?person . ?person a ddkg:Person } GROUP BY ?person")
    assert list(df.columns) == ["person", "person_label", "meetings"]
    by = dict(zip(df["person_label"], df["meetings"], strict=True))
    assert by["Sergei Shoigu"] == 6 and by["Hossein Dehghan"] == 7  # 5 of his in one article (004)
    assert df["meetings"].dtype.kind == "i"
    # a person known only by an Arabic/Persian name keeps that name as its label
    assert "مهدی سنایی" in by
    plain = api.sparql(store, "SELECT ?p WHERE { ?m a ddkg:Meeting ; ddkg:participant ?p }", labels=False)
    assert list(plain.columns) == ["p"]


def test_sparql_construct_and_errors(store):
    df = api.sparql(store, f"CONSTRUCT {{ ?s skos:prefLabel ?l }} WHERE {{ <{SHOIGU}> ddkg:rank ?s . "
                           "?s skos:prefLabel ?l FILTER(LANG(?l) = 'en') }")
    assert list(df.columns[:3]) == ["subject", "subject_label", "predicate"]
    assert "General of the Army" in set(df["object"])
    with pytest.raises(QueryError, match="ASK"):
        api.sparql(store, "ASK { ?s ?p ?o }")
    with pytest.raises(QueryError, match="syntax"):
        api.sparql(store, "SELECT WHERE")


def test_named_queries(store):
    assert {"who-met-whom", "evidence", "posts"} <= set(api.queries()["name"])
    df = api.named_query(store, "who-met-whom", person="Shoigu")
    assert len(df) == 7
    assert all(SHOIGU in (a, b) for a, b in zip(df["a"], df["b"], strict=True))
    assert "Hossein Dehghan" in set(df["aLabel"]) | set(df["bLabel"])
    assert "a_label" not in df.columns  # the query's own aLabel is kept, not doubled
    with pytest.raises(QueryError, match="no parameter 'nobody'"):
        api.named_query(store, "who-met-whom", nobody="x")


# -- entities and evidence --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["شويغو", "شویگو", "Shoigu", "SERGEI SHOIGU", "sergei-shoigu", SHOIGU])
def test_entity_by_any_name_in_any_script(store, name):
    e = api.entity(store, name)
    assert e["entity"] == SHOIGU and e["type"] == "Person" and e["label"] == "Sergei Shoigu"
    assert e["documents"] == 5


def test_find_entities_ranks_and_filters(store):
    df = api.find_entities(store, "Iran")
    assert df.iloc[0]["entity"].endswith("/country/iran") and df.iloc[0]["match"] == "exact"
    assert len(df) > 1  # Iran also names the Iranian-made systems and the Iran-Russia agreement
    only = api.find_entities(store, "Iran", types="Country")
    assert list(only["type"]) == ["Country"]
    with pytest.raises(AnalysisError, match="named 'Nobody Atall'"):
        api.entity(store, "Nobody Atall")
    with pytest.raises(AnalysisError, match="unknown entity type"):
        api.find_entities(store, "Iran", types="Planet")


def test_evidence_sentences_are_the_article_text_at_their_offsets(store):
    ev = api.evidence(store, "اس 300")
    assert "ArmsTransfer" in set(ev["type"])
    for r in ev.itertuples():
        text = Path(r.source).read_text(encoding="utf-8")
        assert text[r.start:r.end] == r.sentence
    transfer = ev[ev["type"] == "ArmsTransfer"].iloc[0]["fact"]
    one = api.evidence(store, transfer)
    assert set(one["fact"]) == {transfer} and one.iloc[0]["rule"].startswith("transfer")


# -- analyses ---------------------------------------------------------------------------------------------
def test_who_meets_whom(graph):
    df = api.who_meets_whom(graph)
    top = df.iloc[0]
    assert {top["a"], top["b"]} == {SHOIGU, DEHGHAN} and top["meetings"] == 3 and top["documents"] == 3
    assert set(top["places"]) == {"Iran", "Moscow"}
    mine = api.who_meets_whom(graph, person="Hatami")
    assert len(mine) == 1 and mine.iloc[0]["a_label"] == "Amir Hatami" and mine.iloc[0]["b"] == SHOIGU


def test_who_meets_whom_dates_and_time_filter(dated):
    pair = api.who_meets_whom(dated).iloc[0]
    assert (pair["meetings"], pair["first"], pair["last"]) == (2, "2016-02-16", "2016-08-21")
    assert api.who_meets_whom(dated, since="2016-06").iloc[0]["meetings"] == 1


def test_centrality(graph):
    persons = api.centrality(graph, "persons")
    assert persons.iloc[0]["label"] == "Sergei Shoigu"
    assert persons.iloc[0]["partners"] == 5 and persons.iloc[0]["weight"] == 7
    assert persons["betweenness"].idxmax() == 0
    countries = api.centrality(graph, "countries").set_index("label")
    assert countries["betweenness"].idxmax() == "Iran" and countries.loc["Iran", "partners"] == 5
    with pytest.raises(AnalysisError, match="'planets'"):
        api.centrality(graph, "planets")


def test_country_matrix_agrees_with_the_named_query(store, graph):
    m = api.country_matrix(graph, "meetings")
    assert (m.values == m.values.T).all()
    q = api.named_query(store, "meetings-by-country-pair")
    for a, b, n in zip(q["countryALabel"], q["countryBLabel"], q["meetings"], strict=True):
        assert m.loc[a, b] == n
    assert m.loc["Iran", "Russia"] == 6
    transfers = api.country_matrix(graph, "arms_transfers")
    assert list(transfers.index) == ["Iran", "Russia"] and transfers.loc["Russia", "Iran"] == 1
    pairs = api.country_pairs(graph)
    assert pairs.iloc[0]["transfers"] == [("Russia", "Iran")]
    assert api.country_matrix(graph, "all", top=2).shape == (2, 2)
    with pytest.raises(AnalysisError, match="unknown kind 'wars'"):
        api.country_matrix(graph, "wars")


def test_timeline(graph, dated, store):
    tl = api.timeline(graph)
    counts = api.sparql(store, "SELECT ?t (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a ?t "
                               "VALUES ?t { ddkg:Meeting ddkg:Visit } } GROUP BY ?t", labels=False)
    assert tl["type"].value_counts().to_dict() == {t.split("#")[1]: n for t, n in zip(counts["t"], counts["n"],
                                                                                    strict=True)}
    assert tl["date"].isna().all()  # the seed articles carry no dates
    assert "الاربعاء الماضي" in set(tl["date_text"])
    tl = api.timeline(dated)
    assert list(tl["type"]) == ["Visit", "Meeting", "Meeting"]
    assert list(tl["date"].dt.strftime("%Y-%m-%d")) == ["2016-02-15", "2016-02-16", "2016-08-21"]
    assert tl["date"].is_monotonic_increasing and set(tl["date_source"]) == {"event"}
    assert list(api.timeline(dated, ("ArmsTransfer",))["date_source"]) == ["document"]
    with pytest.raises(AnalysisError, match="'Party'"):
        api.timeline(dated, ("Party",))


def test_posts_over_time(store):
    df = api.posts(store, "شویگو")
    assert set(df["holder"]) == {SHOIGU}
    first = df.iloc[0]
    assert (first["role"], first["of"]) == ("Minister of Defence", "Russia")
    assert first["start_date"] == pd.Timestamp("2012-11-06") and first["end_date"] == pd.Timestamp("2024-05-12")
    assert pd.isna(df.iloc[1]["end_date"])  # still in post
    assert set(api.posts(store)["holder_label"]) >= {"Sergei Shoigu", "Hossein Dehghan", "Amir Hatami"}


def test_degree_distribution(graph):
    P = api.person_network(graph)
    dist = api.degree_distribution(P)
    assert dist["nodes"].sum() == P.number_of_nodes()
    assert (dist["degree"] * dist["nodes"]).sum() == 2 * P.number_of_edges()


# -- SIPRI ----------------------------------------------------------------------------------------------------
def test_designation_score():
    s = api.designation_score
    assert s(["S-300"], "S-300PMU2") >= 85 and s(["Su-30"], "Su-30MKI") >= 85 and s(["S 400"], "S-400 Triumf") >= 85
    assert s(["Rafale"], "Rafale") == 100
    assert s(["S-400"], "S-300PMU2") < 85 and s(["F-1"], "F-16C") < 85 and s(["missile"], "Kh-35") < 85
    assert s(["S-3"], "S-300PMU2") < 85  # a prefix must end at a model boundary


def _sipri_csv(rows: list[str]) -> str:
    head = ("SIPRI AT Database ID,Supplier,Recipient,Designation,Description,Armament category,Order date,"
            "Order date is estimate,Numbers delivered,Numbers delivered is estimate,Delivery year,"
            "Delivery year is estimate,Status,SIPRI estimate,TIV deal unit,TIV delivery values,Local production")
    return "\n".join(["Transfers of major conventional arms", "A note", "", head, *rows]) + "\n"


def test_load_sipri_groups_delivery_years_and_rejects_other_tables(tmp_path):
    rows = ["1,Russia,Iran,S-300PMU2,SAM system,Air defence systems,2015,No,2,No,2016,No,New,55,55,110,No",
            "1,Russia,Iran,S-300PMU2,SAM system,Air defence systems,2015,No,2,No,2017,No,New,55,55,110,No",
            "2,United States,UAE,MQ-9 Reaper,armed UAV,Aircraft,2020?,Yes,,,,,New,10,10,,No"]
    f = tmp_path / "t.csv.gz"
    f.write_bytes(gzip.compress(_sipri_csv(rows).encode()))
    df = api.load_sipri(f).set_index("deal_id")
    assert df.loc[1, "delivery_years"] == [2016, 2017] and df.loc[1, "delivered"] == 4
    assert df.loc[2, "order_year"] == 2020 and df.loc[2, "delivery_years"] == []
    plain = tmp_path / "t.csv"
    plain.write_text(_sipri_csv(rows), encoding="utf-8")
    assert len(api.load_sipri(plain)) == 2
    bad = tmp_path / "other.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="other.csv: no SIPRI trade-register header"):
        api.load_sipri(bad)


def test_compare_transfers_on_a_small_table(graph, tmp_path):
    rows = ["1,Russia,Iran,S-300PMU2,SAM system,Air defence systems,2015,No,4,No,2016,No,New,55,55,220,No",
            "2,Russia,Iran,Mi-17,helicopter,Aircraft,2010,No,2,No,2011,No,New,5,5,10,No",
            "3,Russia,India,S-400 Triumf,SAM system,Air defence systems,2018,No,,,,,New,100,100,,No"]
    f = tmp_path / "t.csv"
    f.write_text(_sipri_csv(rows), encoding="utf-8")
    df = api.compare_transfers(graph, f)
    assert list(df["status"]) == ["matched", "only in SIPRI"]  # Russia -> India is not a pair the graph covers
    m = df.iloc[0]
    assert (m["supplier"], m["recipient"], m["system"], m["designation"], m["deal_id"]) == (
        "Russia", "Iran", "S-300", "S-300PMU2", 1)
    assert df.iloc[1]["designation"] == "Mi-17"
    assert list(api.compare_transfers(graph, f, years=(2010, 2011))["status"]) == ["only in graph", "only in SIPRI"]


def test_compare_transfers_with_sipri_register(graph):
    if not SIPRI.is_file():
        pytest.skip(f"{SIPRI} is absent (../shared is not beside the repository)")
    deals = api.load_sipri(SIPRI)
    assert len(deals) > 5000
    df = api.compare_transfers(graph, deals)
    matched = df[df["status"] == "matched"]
    assert len(matched) == 1
    m = matched.iloc[0]
    assert (m["supplier"], m["recipient"], m["system"], m["designation"], m["deal_id"]) == (
        "Russia", "Iran", "S-300", "S-300PMU2", 59015)
    assert m["order_year"] == 2015 and m["delivery_years"] == [2016]
    others = df[df["status"] == "only in SIPRI"]
    assert len(others) > 0 and set(zip(others["supplier"], others["recipient"], strict=True)) == {("Russia", "Iran")}


# -- plots and the inline view --------------------------------------------------------------------------------
def test_plots(graph, dated):
    import matplotlib.pyplot as plt

    plt.switch_backend("Agg")
    m = api.country_matrix(graph, "all")
    ax = api.plot_country_matrix(m)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(m.index)
    assert "13" in {t.get_text() for t in ax.texts}  # Iran-Russia, all kinds
    ax = api.plot_timeline(api.timeline(dated), period="M")
    assert sum(p.get_height() for p in ax.patches) == 3
    assert max(p.get_y() + p.get_height() for p in ax.patches) == 2  # February 2016: a visit and a meeting stacked
    ax = api.plot_timeline(api.timeline(graph))
    assert "no dated events" in {t.get_text() for t in ax.texts}
    P = api.person_network(graph)
    ax = api.plot_degree_distribution(P)
    assert sum(p.get_height() for p in ax.patches) == P.number_of_nodes()
    ax = api.plot_posts(api.posts(dated, "Shoigu"))
    assert len(ax.patches) == 2
    with pytest.raises(AnalysisError, match="no 'date' column"):
        api.plot_timeline(pd.DataFrame({"x": [1]}))
    with pytest.raises(AnalysisError, match="period 'fortnight'"):
        api.plot_timeline(api.timeline(dated), period="fortnight")
    plt.close("all")


def test_view_inline(store):
    v = api.view(store, view="persons", height=400)
    page = v._repr_html_()
    assert page.startswith("<iframe srcdoc=") and "height:400px" in page
    assert "Sergei Shoigu" in page and "<script" not in page.split("srcdoc=", 1)[1][:200]


# -- the API reference ----------------------------------------------------------------------------------------
def test_api_reference_documents_every_name_and_its_examples_run(tmp_path, monkeypatch):
    """docs/API.md has a section per public function and every python example runs, in order."""
    import re

    import matplotlib.pyplot as plt

    text = (Path(__file__).resolve().parents[1] / "docs" / "API.md").read_text(encoding="utf-8")
    functions = {n for n in api.__all__ if callable(getattr(api, n)) and not isinstance(getattr(api, n), type)}
    assert set(re.findall(r"^### `(\w+)\(", text, re.M)) == functions
    assert all(f"`{n}`" in text for n in set(api.__all__) - functions)  # classes and errors
    plt.switch_backend("Agg")
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) > len(functions)
    for block in blocks:
        if re.search(r"\bsipri\b", block) and not SIPRI.is_file():
            continue
        exec(compile(block.replace("../shared", str(SHARED)), "docs/API.md", "exec"), ns)  # noqa: S102
    assert (tmp_path / "persons.html").is_file()
    plt.close("all")
