"""The parts of the simulator's screen that react to nothing: built from the case and the replayed
result, with no callbacks, so the player (`ui.py`) only composes them with the parts that take
clicks. Also the text a reader gets from a widget tree, for tests and for `visible_text`.

What a mode may see is decided in `simulator.presentation`; this module only lays it out.
"""

from __future__ import annotations

import re
from html import escape, unescape
from pathlib import Path

import ipywidgets as w

from . import presentation as pres
from .casefile import Library
from .charts import criterion_chart_alt, criterion_chart_png
from .engine import Result
from .letter_check import assess_result
from .markup import (box, bullet_list, image_html, progress_html, provision_html, state_line_html, step_heading,
                     table_html, text_html)
from .model import Case


def header(case: Case, mode: str) -> w.Widget:
    c = case.citizen
    # Most summaries open with name and age already; say them only once.
    who = "" if c.summary.startswith(f"{c.name} er {c.age} år") else f"{escape(c.name)}, {c.age} år. "
    html = (f"<h2>{escape(case.title)}</h2>"
            f"<p><strong>Borgeren:</strong> {who}{escape(c.summary)}</p>"
            f'<p class="sagssim-muted"><small>{escape(pres.MODE_LABELS.get(mode, mode))}</small></p>')
    return w.HTML(html)


def progress(case: Case, result: Result) -> w.Widget:
    done, total = pres.progress(case, result)
    bar = w.HTML(progress_html(min(done, total), total, pres.progress_text(done, total, result.finished)))
    bar.add_class("sagssim-progress")
    return bar


def state(case: Case, result: Result, mode: str) -> w.Widget | None:
    lines = pres.state_lines(case, result.state, mode)
    if not lines:
        return None
    shown = w.HTML("<h3>Sådan har borgeren det nu</h3>" + "".join(state_line_html(line) for line in lines))
    shown.add_class("sagssim-state")
    return shown


def review_panel(review: pres.ChoiceReview) -> w.Widget:
    html = box("outcome", "Det skete",
               f"<p><em>{escape(review.choice_label)}</em></p>{text_html(review.outcome)}"
               f"<p><strong>{escape(review.saved_text)}</strong></p>")
    if review.critical:
        html += box("critical", "Kritisk fejl", text_html(review.critical))
    if review.feedback:
        body = text_html(review.feedback)
        if review.credit:
            body += "<p>" + "<br>".join(
                f"{escape(c.label)}: {pres.danish_number(c.earned)} af {pres.danish_number(c.possible)} point"
                for c in review.credit) + "</p>"
        html += box("feedback", "Forklaring", body)
    if review.provisions:
        html += box("legal", "Retsgrundlag", "".join(provision_html(p) for p in review.provisions))
    if review.sources:
        html += box("", "Bygger på", bullet_list(review.sources))
    parts: list[w.Widget] = [w.HTML(html)]
    if review.alternatives:
        alt = "".join(f"<p><strong>{escape(label)}</strong><br>{escape(fb)}</p>"
                      for label, fb in review.alternatives)
        parts.append(w.Accordion(children=[w.HTML(alt)], titles=("De andre svarmuligheder ved dette trin",),
                                 selected_index=None))
    panel = w.VBox(parts)
    panel.add_class("sagssim-review")
    return panel


def documents(case: Case, result: Result) -> w.Widget:
    docs = pres.visible_documents(case, result)
    if not docs:
        return w.HTML("<p class='sagssim-muted'>Du har ikke modtaget nogen sagsakter endnu.</p>")
    new = pres.new_document_ids(case, result)
    children = [w.HTML(f"<p class='sagssim-muted'>{escape(d.kind)}</p>{text_html(d.text)}") for d in docs]
    titles = tuple(f"{d.title} (ny)" if d.id in new else d.title for d in docs)
    acc = w.Accordion(children=children, titles=titles, selected_index=None)
    n_new = len([d for d in docs if d.id in new])
    intro = f"<h3>Sagens akter ({len(docs)})</h3>"
    if n_new:
        intro += f"<p>Du har fået {n_new} ny{'e' if n_new > 1 else ''} sagsakt{'er' if n_new > 1 else ''}.</p>"
    docs_box = w.VBox([w.HTML(intro), acc])
    docs_box.add_class("sagssim-documents")
    return docs_box


def history(result: Result) -> w.Widget:
    rows = [[str(i), v.label, v.outcome] for i, v in enumerate(result.path, start=1)]
    table = w.HTML(table_html(["Nr.", "Dit valg", "Det skete"], rows))
    return w.Accordion(children=[table], titles=(f"Dit forløb indtil nu ({len(rows)} valg)",),
                       selected_index=None)


def damaged(problems: list[str], log_path: Path) -> w.Widget:
    body = ("<p>Din beslutningslog for denne sag er ændret eller beskadiget, så den kan ikke længere "
            "stoles på. Du kan derfor ikke fortsætte sagen her.</p>"
            "<p><strong>Kontakt din underviser.</strong> Slet eller ret ikke selv i filen; "
            "underviseren kan se, hvad der er sket.</p>"
            f"<p>Det fandt vi i loggen:</p>{bullet_list(problems)}"
            f"<p class='sagssim-muted'><small>Fil: {escape(str(log_path))}</small></p>")
    return w.HTML(box("error", "Beslutningsloggen kan ikke bruges", body))


# ---------------------------------------------------------------- the end of the case


def debrief(case: Case, library: Library, result: Result, events: list, mode: str) -> list[w.Widget]:
    if not pres.shows_feedback(mode):
        # The ending's story tells how it went: an exam candidate sees only that the case is over.
        return [w.HTML(box("outcome", "", step_heading(pres.END_TITLE) + f"<p>{escape(pres.EXAM_END_TEXT)}</p>"))]
    ending = pres.ending_of(case, result)
    ending_html = (f"<h4>{escape(ending.title)}</h4>{text_html(ending.text)}" if ending else "")
    parts: list[w.Widget] = [w.HTML(box("outcome", "", step_heading(pres.END_TITLE) + ending_html))]
    rows = pres.criterion_rows(result)
    chart = w.HTML(image_html(criterion_chart_png(rows), criterion_chart_alt(rows)))
    chart.add_class("sagssim-chart")
    parts += [
        w.HTML("<h3>Sådan gik det pr. kriterium</h3>"
               "<p>Tallene viser, hvor stor en del af de mulige point du fik for dine valg "
               "(0 = ingen, 1 = alle). Et kriterium, som din vej ikke kom forbi, er markeret som ikke testet.</p>"),
        chart,
        w.HTML(bullet_list([r.text for r in rows])
               + "<p class='sagssim-muted'>Ved certificering skal hvert kriterium bestå for sig, "
                 "og ingen kritisk fejl må stå.</p>"),
        w.HTML(critical_html(library, result)),
        w.HTML(path_html(case, result)),
    ]
    parts += letter_reports(case, library, events)
    return parts


def critical_html(library: Library, result: Result) -> str:
    if not result.critical_errors:
        return "<h3>Kritiske fejl</h3><p>Du har ingen kritiske fejl i denne sag.</p>"
    items = []
    for e in result.critical_errors:
        laws = [pres.provision_title(library.provisions[p]) for p in e.legal if p in library.provisions]
        items.append(e.text + (f" (Retsgrundlag: {', '.join(laws)}.)" if laws else ""))
    return ("<h3>Kritiske fejl</h3><p>En kritisk fejl betyder, at borgerens retssikkerhed er sat over styr. "
            "Ved certificering må ingen kritisk fejl stå.</p>" + box("critical", "", bullet_list(items)))


def path_html(case: Case, result: Result) -> str:
    rows = pres.path_comparison(case, result)
    if not case.model_path:
        return ""
    verdict = {True: "Samme valg", False: "Andet valg", None: "–"}
    table = table_html(["Trin", "Dit valg", "Modelvalget", "Sammenligning"],
                       [[r.step_title, r.yours, r.model, verdict[r.same]] for r in rows])
    return "<h3>Din vej sammenlignet med modelvejen</h3>" + table


def letter_reports(case: Case, library: Library, events: list) -> list[w.Widget]:
    parts: list[w.Widget] = []
    for step_id, report in assess_result(case, library, events).items():
        step = pres.letter_steps(case)[step_id]
        parts.append(w.HTML(pres.letter_report_html(step.title, report)))
        if report.model_letter:
            parts.append(w.Accordion(children=[w.HTML(text_html(report.model_letter))],
                                     titles=("Eksempel på et godt brev på din vej gennem sagen",),
                                     selected_index=None))
        elif report.model_note:
            parts.append(w.HTML(box("warning", "Der er ikke et godt brev at vise på din vej",
                                    text_html(report.model_note))))
    return parts


# ---------------------------------------------------------------- text of a widget tree

_TAG = re.compile(r"<style.*?</style>|<[^>]+>", re.S)
_IMG = re.compile(r"<img\b[^>]*>", re.S)
_ALT = re.compile(r'\balt="([^"]*)"')


def _html_text(html: str) -> str:
    """What a reader gets from an HTML snippet: its text, with each image's alt text in its place."""
    def alt(m: re.Match) -> str:
        found = _ALT.search(m.group(0))
        return f" {found.group(1)} " if found else " "
    return unescape(_TAG.sub(" ", _IMG.sub(alt, html)))


def texts(widget: w.Widget) -> list[str]:
    """The text a reader gets from a widget tree, in order; hidden widgets left out."""
    out: list[str] = []
    if getattr(widget.layout, "display", None) == "none":
        return out
    if isinstance(widget, (w.HTML, w.Label)):
        out.append(_html_text(widget.value))
    elif isinstance(widget, w.Button):
        out.append(widget.description)
    elif isinstance(widget, w.Textarea):
        out.append(widget.value)
    elif isinstance(widget, w.Output):
        for o in widget.outputs:
            data = o.get("data", {})
            if "image/png" in data:
                out.append(str(o.get("metadata", {}).get("image/png", {}).get("alt", "")))
            else:
                out.append(o.get("text", "") or str(data.get("text/plain", "")))
    if isinstance(widget, w.Accordion):
        out.extend(t for t in widget.titles if t)
    for child in getattr(widget, "children", ()):
        out.extend(texts(child))
    return out
