"""NetworkX projections of the seed store: events as nodes, who met whom, country ties, time filter, ego graphs."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from ddkg.graph import project
from ddkg.graph.rdf import ONT, XSD
from ddkg.graph.store import GraphStore

ID = "https://w3id.org/ddkg/id/"
SHOIGU, DEHGHAN, HATAMI = ID + "person/sergei-shoigu", ID + "person/hossein-dehghan", ID + "person/amir-hatami"
IRAN, RUSSIA = ID + "country/iran", ID + "country/russia"


@pytest.fixture(scope="module")
def seeds_store(seeds_built):
    return GraphStore(seeds_built[0], read_only=True)


@pytest.fixture(scope="module")
def seeds_graph(seeds_store):
    """The seed store loaded once into the unfiltered multigraph."""
    return project.load_graph(seeds_store)


@pytest.fixture(scope="module")
def dated_store(seeds_built):
    """The seeds' TriG in memory with publication dates added: 000 and 001 from 2016, the others from 2018;
    one meeting of 003 also gets its own date (2017-05-09) that wins over its article's."""
    store = GraphStore()
    store.store.load(path=str(seeds_built[1]), format=ox.RdfFormat.TRIG)
    dates = {"000_": "2016-02-16", "001_": "2016-11-05", "002_": "2018-03-01", "003_": "2018-06-20",
             "004_": "2018-04-04"}
    quads = []
    for doc, _sha, src in store.documents():
        day = next(v for k, v in dates.items() if k in src)
        quads.append(ox.Quad(ox.NamedNode(doc), ox.NamedNode(ONT + "publicationDate"),
                             ox.Literal(day, datatype=ox.NamedNode(XSD + "date")), ox.DefaultGraph()))
        if "003_" in src:
            quads.append(ox.Quad(ox.NamedNode(doc + "#meeting-1"), ox.NamedNode(ONT + "date"),
                                 ox.Literal("2017-05", datatype=ox.NamedNode(XSD + "gYearMonth")), ox.NamedNode(doc)))
    store.store.extend(quads)
    return store


def test_entity_graph_types_labels_edges_and_evidence(seeds_graph, seeds_store):
    G = project.entity_graph(seeds_graph)
    s = G.nodes[SHOIGU]
    assert s["type"] == "Person" and s["label"] == "Sergei Shoigu" and s["lang"] == "en"
    assert "سيرغي شويغو" in s["labels"] and s["label_lang"]["سيرغي شويغو"] == "ar"
    assert len(s["documents"]) == 5
    # a person the KB does not know keeps a label in the original script
    sanaei = G.nodes[ID + "person/n-mhd-sn"]
    assert sanaei["lang"] == "fa" and sanaei["label"] == "مهدی سنایی"
    assert G.nodes[ID + "place/moscow"]["type"] == "Place" and "City" in G.nodes[ID + "place/moscow"]["types"]
    meetings = [n for n, d in G.nodes(data=True) if d["type"] == "Meeting"]
    q = f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ GRAPH ?g {{ ?m a <{ONT}Meeting> }} }}"
    assert len(meetings) == int(next(iter(seeds_store.query(q)))["n"].value) >= 6
    m = next(n for n in meetings if {SHOIGU, HATAMI} <= {o for _, o, k in G.out_edges(n, keys=True)
                                                         if k == "participant"})
    ev = G.nodes[m]["evidence"]
    assert ev and all(e["document"] in G.graph["documents"] for e in ev)
    assert any("حاتمي" in e["sentence"] for e in ev)
    e = G.edges[m, ID + "place/moscow", "location"]
    assert e["relation"] == "location" and e["documents"] == [G.nodes[m]["documents"][0]]
    # posts are nodes between the person and the country; KB facts are edges asserted by "kb"
    post = next(o for _, o, k in G.out_edges(DEHGHAN, keys=True) if k == "holdsPosition")
    assert G.nodes[post]["type"] == "Post" and (post, IRAN, "positionOf") in G.edges(keys=True)
    assert G.edges[SHOIGU, RUSSIA, "nationality"]["documents"] == [project.KB]
    # a party to an agreement is a plain triple whose evidence sits on the edge
    party = G.edges[ID + "agreement/iran-russia-defence-cooperation", IRAN, "party"]
    assert party["evidence"] and party["evidence"][0]["sentence"]


def test_person_network_who_met_whom(seeds_graph):
    P = project.person_network(seeds_graph)
    assert P.has_edge(SHOIGU, DEHGHAN) and P.has_edge(SHOIGU, HATAMI)
    e = P.edges[SHOIGU, DEHGHAN]
    # articles 000, 003 and 004 each report a Shoigu-Dehghan meeting; none gives a day, so each counts
    assert e["weight"] == 3 and len(e["events"]) == 3 and len(e["documents"]) == 3
    assert "Moscow" in e["places"]
    assert not P.has_edge(DEHGHAN, HATAMI)  # never met in these articles
    assert all(d["type"] == "Person" for _, d in P.nodes(data=True))


def test_country_network_weights_by_kind(seeds_graph):
    C = project.country_network(seeds_graph)
    e = C.edges[IRAN, RUSSIA]
    assert e["meetings"] >= 4 and e["agreements"] == 1 and e["arms_transfers"] == 1
    assert e["transfers"] == [(RUSSIA, IRAN)]  # the S-300 goes from Russia to Iran
    assert e["weight"] == sum(e[k] for k in ("meetings", "agreements", "arms_transfers", "visits"))
    # Dehghan met a delegation of India in Moscow: a country taking part counts as itself
    assert C.edges[IRAN, ID + "country/india"]["meetings"] == 1
    assert all(d["type"] == "Country" for _, d in C.nodes(data=True))


def test_person_countries_from_nationality_or_posts(seeds_graph):
    nat = project.person_countries(seeds_graph)
    assert nat[SHOIGU] == [RUSSIA] and nat[DEHGHAN] == [IRAN]


def test_time_filter_on_event_dates_with_publication_fallback(dated_store):
    full = project.entity_graph(dated_store)
    kinds = {"Meeting", "Visit", "Signing", "ArmsTransfer", "Statement", "Inspection"}
    events = {n for n, d in full.nodes(data=True) if d["type"] in kinds}
    g2016 = project.entity_graph(dated_store, since="2016", until="2016")
    kept = {n for n, d in g2016.nodes(data=True) if d["type"] in kinds}
    assert kept and kept < events
    assert all(g2016.nodes[n]["date_source"] == "document" and g2016.nodes[n]["date"].startswith("2016")
               for n in kept)
    # the meeting with its own date (May 2017) is placed by it, not by its article (June 2018)
    own = next(n for n, d in full.nodes(data=True) if d.get("date_source") == "event")
    assert full.nodes[own]["date"] == "2017-05"
    g2017 = project.entity_graph(dated_store, since="2017-05-31", until="2017-12")
    assert {n for n, d in g2017.nodes(data=True) if d["type"] in kinds} == {own}
    # collapsed views follow the same filter: Shoigu met Dehghan in 2016 (article 000) and in 2017 (003)
    assert project.person_network(dated_store, until="2016-12-31").edges[SHOIGU, DEHGHAN]["weight"] == 1
    assert project.person_network(dated_store, since="2017").edges[SHOIGU, DEHGHAN]["weight"] == 2
    assert not project.person_network(dated_store, since="2019").number_of_edges()


def test_time_filter_leaves_out_undated_events_and_rejects_bad_dates(seeds_graph):
    # the seed articles carry no publication date and their events no resolved date
    g = project.entity_graph(seeds_graph, since="2000")
    assert not [n for n, d in g.nodes(data=True) if d["type"] in ("Meeting", "Visit")]
    with pytest.raises(project.ProjectionError, match="since '2016-13'"):
        project.entity_graph(seeds_graph, since="2016-13")
    with pytest.raises(project.ProjectionError, match="after"):
        project.entity_graph(seeds_graph, since="2017", until="2016")


def test_find_node_and_ego_graph(seeds_graph):
    G = project.entity_graph(seeds_graph)
    # any label in any script, with Arabic/Persian letter variants folded (ي/ی), or the IRI
    assert project.find_node(G, "شویغو") == SHOIGU
    assert project.find_node(G, "sergei SHOIGU") == SHOIGU
    assert project.find_node(G, SHOIGU) == SHOIGU
    with pytest.raises(project.ProjectionError, match="no node is labelled"):
        project.find_node(G, "Nobody Atall")
    ego1 = project.ego_graph(G, "Shoigu", radius=1)
    assert DEHGHAN not in ego1  # events sit between people
    assert all(ego1.nodes[n]["type"] in ("Meeting", "Visit", "Signing", "Inspection", "Post", "Person", "Country",
                                          "Conference") for n in ego1)
    ego2 = project.ego_graph(G, "Shoigu", radius=2)
    assert {DEHGHAN, HATAMI} <= set(ego2) and ego2.graph["focus"] == SHOIGU
    P = project.person_network(seeds_graph)
    assert set(project.ego_graph(P, "حاتمي")) == {HATAMI, SHOIGU}
