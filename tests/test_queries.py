"""The named competency queries, each run on the built seed articles, and `ddkg query`."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from ddkg.graph.build import build
from ddkg.graph.query import library, named, select_rows
from ddkg.graph.store import GraphStore


@pytest.fixture(scope="module")
def store(seeds_built):
    return GraphStore(seeds_built[0], read_only=True)


def rows(store, query, **params):
    return select_rows(store, named(query, params))[1]


def test_library_declares_every_query():
    lib = library()
    assert {"who-met-whom", "posts", "meetings-by-country-pair", "agreements-by-party", "transfers-to-country",
            "conferences", "evidence", "visits", "entity-names"} <= set(lib)
    assert all(q.title and q.description and q.params for q in lib.values())


def test_who_met_whom(store):
    found = rows(store, "who-met-whom", person="Shoigu")
    pairs = {frozenset((r["aLabel"], r["bLabel"])) for r in found}
    assert {frozenset(("Hossein Dehghan", "Sergei Shoigu")), frozenset(("Amir Hatami", "Sergei Shoigu")),
            frozenset(("Mohammad-Reza Ashtiani", "Sergei Shoigu"))} <= pairs
    moscow = [r for r in found if {r["aLabel"], r["bLabel"]} == {"Amir Hatami", "Sergei Shoigu"}]
    assert moscow[0]["place"] == "Moscow" and moscow[0]["source"].endswith("001_cb494ddad67fcde6.txt")
    assert "شويغو" in moscow[0]["sentence"] or "حاتمي" in moscow[0]["sentence"]
    # a name in the article's own script finds the same meetings
    assert {r["meeting"] for r in rows(store, "who-met-whom", person="شويغو")} == {r["meeting"] for r in found}
    assert all("Shoigu" in (r["aLabel"], r["bLabel"]) or "Sergei Shoigu" in (r["aLabel"], r["bLabel"])
               for r in found)


def test_posts_over_time(store):
    dehghan = rows(store, "posts", person="Dehghan")
    assert any(r["role"] == "Minister of Defence" and r["of"] == "Iran" and r["start"] == "2013-08-15"
               for r in dehghan)
    shoigu = rows(store, "posts", person="Shoigu")
    assert [r["role"] for r in shoigu][:2] == ["Minister of Defence", "Secretary"]  # ordered by start date
    ambassador = rows(store, "posts", person="سنایی")
    assert ambassador and ambassador[0]["role"] == "Ambassador"
    assert ambassador[0]["source"].endswith("004_6d8fd06e54dabc97.txt")


def test_meetings_between_countries(store):
    found = rows(store, "meetings-by-country-pair", country="Russia")
    iran_russia = [r for r in found if {r["countryALabel"], r["countryBLabel"]} == {"Iran", "Russia"}]
    assert iran_russia and int(iran_russia[0]["meetings"]) >= 5
    assert all("Russia" in (r["countryALabel"], r["countryBLabel"]) for r in found)


def test_agreements_by_party(store):
    found = rows(store, "agreements-by-party", party="Iran")
    assert found and all(r["partyLabel"] == "Iran" for r in found)
    defence = [r for r in found if r["kind"] == "defence_cooperation"]
    assert defence and {"Sergei Shoigu", "Hossein Dehghan"} <= set(defence[0]["signatories"].split("; "))
    both = {r["partyLabel"] for r in rows(store, "agreements-by-party") if r["agreement"] == defence[0]["agreement"]}
    assert both == {"Iran", "Russia"}


def test_transfers_to_a_country(store):
    found = rows(store, "transfers-to-country", country="إيران")
    assert [(r["systemLabel"], r["supplierLabel"], r["recipientLabel"]) for r in found] == [("S-300", "Russia", "Iran")]
    assert found[0]["status"] and found[0]["sentence"]
    assert rows(store, "transfers-to-country", country="Venezuela") == []


def test_conferences_and_attendees(store):
    found = rows(store, "conferences", conference="Moscow Conference")
    assert {r["edition"] for r in found} >= {"6"}
    assert any(r["attendeeLabel"] == "Hossein Dehghan" and r["place"] == "Moscow" for r in found)


def test_a_conference_nobody_is_said_to_attend_has_one_row_and_no_attendee(tmp_path):
    article = tmp_path / "in" / "msc.txt"
    article.parent.mkdir()
    article.write_text(
        "The 11th Moscow Conference on International Security will open in Moscow next month, the Russian Defence "
        "Ministry said on Tuesday.\n\nSeparately, Russian Defence Minister Sergei Shoigu met Iranian Defence Minister "
        "Hossein Dehghan in Tehran on Monday.\n", encoding="utf-8")
    st = GraphStore(None)
    build([article.parent], st)
    found = rows(st, "conferences")
    assert [(r["edition"], r["place"]) for r in found] == [("11", "Moscow")]
    assert found[0]["attendee"] is None and found[0]["attendeeLabel"] is None  # not Shoigu, Dehghan, Russia ...


def test_evidence_points_at_the_source_text(store):
    transfer = rows(store, "transfers-to-country")[0]["transfer"]
    ev = rows(store, "evidence", fact=transfer)
    assert ev and all(r["type"] == "ArmsTransfer" for r in ev)
    for r in ev:
        text = Path(r["source"]).read_text(encoding="utf-8")
        assert text[int(r["start"]):int(r["end"])] == r["sentence"]
        assert r["language"] == "ar" and 0 < float(r["confidence"]) <= 1
    # by entity: every fact involving Shoigu, across both languages
    langs = {r["language"] for r in rows(store, "evidence", fact="https://w3id.org/ddkg/id/person/sergei-shoigu")}
    assert langs == {"ar", "fa"}


def test_visits_and_names(store):
    visits = rows(store, "visits", person="Shoigu")
    assert {r["place"] for r in visits} == {"Iran"}
    names = rows(store, "entity-names", name="Shoigu")
    assert names[0]["english"] == "Sergei Shoigu" and int(names[0]["documents"]) == 5
    assert "شويغو" in names[0]["names"] and "شویگو" in names[0]["names"]


def ddkg(*args):
    return subprocess.run([sys.executable, "-m", "ddkg", *map(str, args)], capture_output=True, text=True)


def test_query_command_formats_and_errors(seeds_built, tmp_path):
    st = seeds_built[0]
    res = ddkg("query", "--store", st, "--name", "who-met-whom", "--param", "person=Hatami", "--format", "csv")
    assert res.returncode == 0, res.stderr
    table = list(csv.DictReader(io.StringIO(res.stdout)))
    assert len(table) == 1 and table[0]["place"] == "Moscow"
    res = ddkg("query", "--store", st, "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a ddkg:Document }",
               "--format", "json")
    assert json.loads(res.stdout)["results"]["bindings"][0]["n"]["value"] == "5"
    shoigu = "<https://w3id.org/ddkg/id/person/sergei-shoigu>"
    (tmp_path / "q.rq").write_text(f"SELECT ?l WHERE {{ {shoigu} skos:prefLabel ?l }}", encoding="utf-8")
    res = ddkg("query", "--store", st, "--file", tmp_path / "q.rq", "--format", "tsv")
    assert "Sergei Shoigu" in res.stdout
    table = ddkg("query", "--store", st, "--name", "posts", "-p", "person=Shoigu")
    assert "Minister of Defence" in table.stdout and "(2 rows)" in table.stdout
    # a parameter value is data: quotes and braces cannot change the query
    hostile = ddkg("query", "--store", st, "--name", "who-met-whom", "-p", 'person=x" ) } } DROP ALL #')
    assert hostile.returncode == 0 and "(0 rows)" in hostile.stdout
    for bad, msg in ((["--name", "nope"], "no named query"), (["SELEC ?x"], "syntax error"),
                     (["--name", "posts", "-p", "who=x"], "no parameter")):
        res = ddkg("query", "--store", st, *bad)
        assert res.returncode == 1 and msg in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert "who-met-whom" in ddkg("query", "--store", st, "--list").stdout
