"""The debrief chart: one bar per criterion, drawn to PNG without pyplot's global state,
so it renders the same in a kernel, in Voilà and in a headless test."""

from __future__ import annotations

import io

from .presentation import CriterionRow, danish_number


def criterion_chart_png(rows: list[CriterionRow]) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 0.6 + 0.55 * len(rows)), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for i, row in enumerate(rows):
        if row.score is None:
            ax.text(0.01, i, "ikke testet på din vej", va="center", fontstyle="italic", color="#555555")
            continue
        ax.barh(i, row.score, color="#3465a4", height=0.6)
        ax.text(min(row.score + 0.01, 0.9), i, danish_number(row.score), va="center")
    ax.set_yticks(range(len(rows)), [r.label for r in rows])
    ax.set_xlim(0, 1)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel("Andel af de mulige point (0 = ingen, 1 = alle)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
