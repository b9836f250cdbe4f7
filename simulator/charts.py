"""Bar charts of criterion scores, drawn to PNG without pyplot's global state, so they
render the same in a kernel, in Voilà, in a report and in a headless test."""

from __future__ import annotations

import io
from dataclasses import dataclass

from .presentation import CriterionRow, danish_number


@dataclass(frozen=True)
class Bar:
    label: str
    score: float | None  # None: drawn as a note instead of a bar
    colour: str = "#3465a4"
    cut: float | None = None  # a black mark at the pass mark, if any


def bars_png(bars: list[Bar], xlabel: str, missing: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 0.6 + 0.55 * len(bars)), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for i, bar in enumerate(bars):
        if bar.cut is not None:
            ax.plot([bar.cut, bar.cut], [i - 0.4, i + 0.4], color="black", linewidth=2)
        if bar.score is None:
            ax.text(0.01, i, missing, va="center", fontstyle="italic", color="#555555")
            continue
        ax.barh(i, bar.score, color=bar.colour, height=0.6)
        ax.text(min(bar.score + 0.01, 0.9), i, danish_number(bar.score), va="center")
    ax.set_yticks(range(len(bars)), [b.label for b in bars])
    ax.set_xlim(0, 1)
    ax.set_ylim(len(bars) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def criterion_chart_png(rows: list[CriterionRow]) -> bytes:
    """The trainee's debrief: one bar per criterion."""
    return bars_png([Bar(r.label, r.score) for r in rows],
                    "Andel af de mulige point (0 = ingen, 1 = alle)", "ikke testet på din vej")


def criterion_chart_alt(rows: list[CriterionRow]) -> str:
    """The chart's alt text: what it shows, with every bar's value, so nothing is lost without the image."""
    values = "; ".join(r.text for r in rows)
    return f"Søjlediagram over din andel af de mulige point pr. kriterium (0 = ingen, 1 = alle): {values}."
