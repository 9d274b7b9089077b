"""ddkg: a knowledge-graph builder for defense diplomacy (Arabic, Persian and English news to RDF)."""

__version__ = "0.1.0"


# the notebook API (ddkg.api.__all__), importable as ``ddkg.<name>``; loaded on first use so the CLI starts fast
API = (
    "AnalysisError", "BuildReport", "GraphStore", "ProjectionError", "QueryError", "StoreError",
    "examples_dir", "open_store", "build_store", "sparql", "named_query", "queries",
    "load_graph", "entity_graph", "person_network", "country_network", "ego_graph", "view",
    "find_entities", "entity", "evidence",
    "who_meets_whom", "centrality", "country_pairs", "country_matrix", "timeline", "posts", "transfers",
    "degree_distribution", "load_sipri", "compare_transfers", "designation_score",
    "plot_timeline", "plot_country_matrix", "plot_degree_distribution", "plot_posts",
)


def __getattr__(name: str):
    if name in API:
        import importlib

        return getattr(importlib.import_module("ddkg.api"), name)
    raise AttributeError(f"module 'ddkg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *API})
