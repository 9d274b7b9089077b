"""Matplotlib plots of the analyses in :mod:`.analysis`: a timeline of events, a heatmap of the country-pair
matrix, the degree distribution of a network and a person's posts over time.

Each function draws on ``ax`` when given (else on a new figure) and returns the Axes; in Jupyter the figure
shows inline. Labels in Arabic or Persian are drawn without contextual shaping (a matplotlib limit).
"""

from __future__ import annotations

import networkx as nx
import pandas as pd

from .analysis import AnalysisError, degree_distribution

PERIODS = {"D": 1, "W": 7, "M": 30, "Q": 91, "Y": 365}  # pandas period alias -> days (bar width)
KIND_COLOURS = {"Meeting": "#6c757d", "Visit": "#2e86ab", "ArmsTransfer": "#c1292e", "Signing": "#3d5a80",
                "Statement": "#a5a5a5", "Inspection": "#b5838d"}


def _axes(ax, figsize):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize, layout="constrained")[1]


def _empty(ax, text: str):
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def plot_timeline(events: pd.DataFrame, *, ax=None, title: str | None = "Meetings and visits over time",
                  period: str = "M"):
    """Events of :func:`.analysis.timeline` as bars of counts per ``period`` (``D``, ``W``, ``M``, ``Q`` or
    ``Y``), stacked by kind. Undated events are counted in the subtitle, not drawn."""
    if period not in PERIODS:
        raise AnalysisError(f"plot_timeline: period {period!r} is not one of {', '.join(PERIODS)}")
    for col in ("date", "type"):
        if col not in events.columns:
            raise AnalysisError(f"plot_timeline: the table has no {col!r} column (pass analysis.timeline(...))")
    ax = _axes(ax, (10, 3.5))
    dated = events.dropna(subset=["date"])
    undated = len(events) - len(dated)
    note = f"{len(dated)} dated event(s)" + (f", {undated} undated not shown" if undated else "")
    if title:
        ax.set_title(f"{title}\n{note}", fontsize=11)
    if dated.empty:
        return _empty(ax, "no dated events")
    counts = (dated.assign(period=dated["date"].dt.to_period(period))
              .groupby(["period", "type"]).size().unstack(fill_value=0))
    counts = counts.reindex(pd.period_range(counts.index.min(), counts.index.max(), freq=period), fill_value=0)
    x = counts.index.to_timestamp()
    width = PERIODS[period] * 0.8
    bottom = pd.Series(0, index=counts.index)
    for kind in counts.columns:
        ax.bar(x, counts[kind].values, width=width, bottom=bottom.values, align="edge", label=kind,
               color=KIND_COLOURS.get(kind))
        bottom += counts[kind]
    ax.set_ylabel("events")
    ax.legend(frameon=False, fontsize=9)
    ax.figure.autofmt_xdate()
    return ax


def plot_country_matrix(matrix: pd.DataFrame, *, ax=None, title: str | None = None, cmap: str = "Blues",
                        annotate: bool = True):
    """A heatmap of :func:`.analysis.country_matrix` (cells annotated with their counts when ``annotate``)."""
    if matrix.shape[0] != matrix.shape[1]:
        raise AnalysisError(f"plot_country_matrix: expected a square matrix, got {matrix.shape[0]}x{matrix.shape[1]}")
    n = len(matrix)
    ax = _axes(ax, (max(4, 0.45 * n + 2), max(3.5, 0.45 * n + 1.5)))
    ax.set_title(title or f"Country pairs: {matrix.columns.name or 'ties'}", fontsize=11)
    if n == 0:
        return _empty(ax, "no country pairs")
    im = ax.imshow(matrix.values, cmap=cmap, vmin=0)
    ax.set_xticks(range(n), [str(c) for c in matrix.columns], rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(n), [str(c) for c in matrix.index], fontsize=8)
    if annotate and n <= 40:
        top = matrix.values.max() or 1
        for i in range(n):
            for j in range(n):
                v = matrix.values[i, j]
                if v:
                    ax.text(j, i, str(v), ha="center", va="center", fontsize=7,
                            color="white" if v > top / 2 else "black")
    ax.figure.colorbar(im, ax=ax, shrink=0.8)
    return ax


def plot_degree_distribution(G: nx.Graph, *, ax=None, title: str | None = None, loglog: bool | None = None):
    """How many nodes have each degree: bars, or points on log-log axes (``loglog``; by default when the
    largest degree exceeds 30)."""
    dist = degree_distribution(G)
    ax = _axes(ax, (6, 3.5))
    ax.set_title(title or f"Degree distribution ({G.number_of_nodes()} nodes, {G.number_of_edges()} edges)",
                 fontsize=11)
    if dist.empty:
        return _empty(ax, "empty graph")
    if loglog is None:
        loglog = int(dist["degree"].max()) > 30
    if loglog:
        pos = dist[dist["degree"] > 0]
        ax.loglog(pos["degree"], pos["nodes"], "o", color="#2e86ab")
    else:
        ax.bar(dist["degree"], dist["nodes"], color="#2e86ab")
    ax.set_xlabel("degree")
    ax.set_ylabel("nodes")
    return ax


def plot_posts(posts: pd.DataFrame, *, ax=None, title: str | None = None, until=None):
    """Posts of :func:`.analysis.posts` as horizontal bars from start to end (an open end runs to ``until``,
    default today). Posts without a start date are counted in the title, not drawn."""
    for col in ("start_date", "end_date", "role"):
        if col not in posts.columns:
            raise AnalysisError(f"plot_posts: the table has no {col!r} column (pass analysis.posts(...))")
    dated = posts.dropna(subset=["start_date"]).reset_index(drop=True)
    ax = _axes(ax, (9, max(2.0, 0.45 * len(dated) + 1.2)))
    who = sorted(set(posts.get("holder_label", pd.Series(dtype=str)).dropna()))
    head = title or ("Posts of " + ", ".join(who[:3]) if who else "Posts")
    skipped = len(posts) - len(dated)
    ax.set_title(head + (f"\n({skipped} post(s) without dates not shown)" if skipped else ""), fontsize=11)
    if dated.empty:
        return _empty(ax, "no dated posts")
    end_default = pd.Timestamp(until) if until is not None else pd.Timestamp.today().normalize()
    for i, r in dated.iterrows():
        end = r["end_date"] if pd.notna(r["end_date"]) else end_default
        ax.barh(i, (end - r["start_date"]).days, left=r["start_date"], height=0.6,
                color="#d4a373" if pd.notna(r["end_date"]) else "#e9c46a")
    labels = [f"{r['role'] or 'post'}, {r['of']}" if r.get("of") else str(r["role"]) for _, r in dated.iterrows()]
    if len(who) > 1:
        labels = [f"{r['holder_label']}: {lab}" for lab, (_, r) in zip(labels, dated.iterrows(), strict=True)]
    ax.set_yticks(range(len(dated)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.xaxis_date()
    return ax
