"""HTML snippets for the trainee's screen and the course notebooks.

Every piece of case text is escaped here, so a case author's `<` or `&` never
breaks the page. Layout and colour live in one style sheet (STYLE); the
meaning never rests on colour alone (labels say "Kritisk fejl", "lav", "høj").
"""

from __future__ import annotations

import base64
from html import escape
from typing import TYPE_CHECKING

from .model import Provision

if TYPE_CHECKING:
    from .presentation import StateLine

STYLE = """
<style>
.sagssim { max-width: 920px; font-size: 15px; line-height: 1.5; color: #1c1c1c; }
.sagssim h2 { font-size: 1.35em; margin: 0.2em 0 0.1em 0; }
.sagssim h3 { font-size: 1.1em; margin: 0.8em 0 0.3em 0; }
.sagssim p { margin: 0.3em 0; }
.sagssim .sagssim-muted { color: #555; }
.sagssim-box { border-left: 5px solid #8a8a8a; background: #f6f6f6; padding: 6px 12px; margin: 8px 0; }
.sagssim-box.sagssim-outcome { border-color: #3465a4; background: #eef3fa; }
.sagssim-box.sagssim-feedback { border-color: #4e9a06; background: #f1f8ea; }
.sagssim-box.sagssim-critical { border-color: #a40000; background: #fbeaea; }
.sagssim-box.sagssim-legal { border-color: #75507b; background: #f6f0f7; }
.sagssim-box.sagssim-warning { border-color: #c4a000; background: #fdf7de; }
.sagssim-box.sagssim-error { border-color: #a40000; background: #fbeaea; }
.sagssim table { border-collapse: collapse; width: 100%; margin: 6px 0; }
.sagssim th, .sagssim td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
.sagssim th { background: #eee; }
.jupyter-widgets.sagssim-option, .sagssim-option {
  width: 100%; height: auto !important; min-height: 38px; white-space: normal !important;
  text-align: left !important; padding: 8px 12px !important; line-height: 1.4 !important;
  margin: 3px 0 !important; font-size: 15px !important;
}
.sagssim-option:focus, .sagssim-option:focus-visible { outline: 3px solid #1a5fb4 !important; outline-offset: 2px; }
.sagssim-letter textarea { font-family: inherit; font-size: 15px; line-height: 1.5; }
.sagssim-live-list { list-style: none; padding-left: 0; margin: 4px 0; font-size: 14px; }
.sagssim-live-list li { margin: 3px 0; }
.sagssim-live-fejl { color: #a40000; font-weight: 600; }
.sagssim-live-mangler { color: #444; }
.sagssim-live-ok { color: #2d5f04; }
.sagssim-sr { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
.sagssim progress.sagssim-progress-bar { width: 40%; height: 1em; vertical-align: middle; margin-left: 12px; }
.sagssim .sagssim-state-line { display: flex; align-items: center; gap: 10px; margin: 3px 0; }
.sagssim .sagssim-state-label { flex: 0 0 45%; }
.sagssim meter { flex: 0 0 25%; height: 1em; }
.sagssim .sagssim-step-heading:focus { outline: none; }
.sagssim .sagssim-step-heading:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.sagssim img.sagssim-chart-img { max-width: 100%; height: auto; }
</style>
"""


def text_html(text: str) -> str:
    """Plain case text -> paragraphs; blank lines separate paragraphs, single newlines break lines."""
    paragraphs = [p.strip() for p in text.strip().split("\n\n") if p.strip()]
    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def box(kind: str, title: str, body_html: str) -> str:
    heading = f"<p><strong>{escape(title)}</strong></p>" if title else ""
    return f'<div class="sagssim-box sagssim-{kind}">{heading}{body_html}</div>'


def provision_html(p: Provision) -> str:
    return (f"<p><strong>{escape(p.law)} {escape(p.paragraph)}</strong><br>{escape(p.gist)}</p>"
            f'<p class="sagssim-muted"><small>Kilde: {escape(p.version)}. '
            f'Kontrolleret {escape(p.checked)}.</small></p>')


def table_html(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def bullet_list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def step_heading(title: str) -> str:
    """A step's heading. tabindex="-1" lets the labextension move the keyboard focus here after a
    choice (a script can focus it, Tab never stops on it), so the focus does not fall to the top."""
    return f'<h3 class="sagssim-step-heading" tabindex="-1">{escape(title)}</h3>'


def progress_html(value: int, maximum: int, text: str) -> str:
    """Progress in words, and as a native <progress> bar named by the same words."""
    return (f'<p class="sagssim-progress-line"><strong>{escape(text)}</strong> '
            f'<progress class="sagssim-progress-bar" value="{value}" max="{max(maximum, 1)}" '
            f'aria-label="Fremskridt i sagen: {escape(text)}"></progress></p>')


def state_line_html(line: StateLine) -> str:
    """One state variable: a number line as a sentence, a level as a native <meter> with its level
    (and whether that is good for the citizen) also in words beside it."""
    if line.fraction is None:
        return f'<p class="sagssim-state-line">{escape(line.text)}</p>'
    words = (line.level or "") + (f" ({line.verdict})" if line.verdict else "")
    optimum = 1 if line.higher_is_better else 0
    return (f'<div class="sagssim-state-line"><span class="sagssim-state-label">{escape(line.label)}:</span> '
            f'<meter min="0" max="1" low="0.333" high="0.667" optimum="{optimum}" value="{line.fraction:.3f}" '
            f'aria-label="{escape(line.label)}: {escape(words)}"></meter> '
            f"<span><strong>{escape(line.level or '')}</strong>"
            + (f" ({escape(line.verdict)})" if line.verdict else "") + "</span></div>")


def image_html(png: bytes, alt: str) -> str:
    """A PNG as an <img> with a real alt text (JupyterLab's image output drops an alt given as metadata)."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img class="sagssim-chart-img" src="data:image/png;base64,{data}" alt="{escape(alt)}">'
