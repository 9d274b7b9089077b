"""Extracted facts to a dataset: RDF, the store, export (and later queries, projections, rendering)."""
