"""ddkg: a knowledge-graph builder for defense diplomacy (Arabic, Persian and English news to RDF)."""

__version__ = "0.1.0"
