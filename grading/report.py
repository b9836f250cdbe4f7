"""The candidate's certification report: one self-contained HTML file (chart inline), Danish.

It states the decision and, per criterion, the score, the cut, the grade cells,
decision points and letter items behind it, and the provisions the criterion
rests on (quoted from the legal registry). A machine-readable copy of the
decision is embedded as JSON (`<script id="sagssim-afgoerelse">`), so a test or an
appeal board can check the figures against the gradebook.

PDF: made with headless Chromium when it is installed (`chromium --print-to-pdf`);
otherwise only HTML is written and the caller is told why.
"""

from __future__ import annotations

import base64
import html
import json
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd

from simulator.model import CRITERIA, CRITERION_LABELS, ChoiceStep

from .certify import FAILED, PASSED, PENDING, Decision, Evidence, PassRules

OUTCOME_TEXT = {PASSED: "Bestået", FAILED: "Ikke bestået", PENDING: "Afventer eksaminator"}
OUTCOME_COLOR = {PASSED: "#2e7d32", FAILED: "#b71c1c", PENDING: "#8a6d00"}
PART_TEXT = {"valg": "Dine valg i sagen", "brev": "Dit afgørelsesbrev"}
SEVERITY_TEXT = {"kritisk": "kritisk", "vaesentlig": "væsentlig", "formel": "formel"}
CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}h3{font-size:1.05rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}td.num{text-align:right;white-space:nowrap}
.afgoerelse{border:3px solid;padding:1rem;border-radius:.4rem}.lov{background:#f7f7fb;padding:.5rem 1rem;
border-left:4px solid #3465a4}.note{color:#555;font-size:.9rem}.ok{color:#2e7d32}.ikke{color:#b71c1c}
@media print{body{margin:0}h2{break-after:avoid}table{break-inside:auto}}
"""


def dk(x: float | None, decimals: int = 2) -> str:
    if x is None or pd.isna(x):
        return "–"
    return f"{x:.{decimals}f}".replace(".", ",")


def pts(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def esc(x) -> str:
    return html.escape(str(x))


def chart_png(decision: Decision) -> bytes:
    """One bar per criterion (the candidate's score) with the cut marked."""
    from simulator.charts import Bar, bars_png

    bars = [Bar(CRITERION_LABELS[c], decision.criteria[c].score,
                "#2e7d32" if decision.criteria[c].passed else "#b71c1c", decision.criteria[c].cut)
            for c in CRITERIA]
    return bars_png(bars, "Andel af de mulige point (sort streg = grænsen for at bestå)", "ikke bedømt")


def _provisions(ids, lib) -> str:
    provs = lib.provisions
    items = []
    for pid in ids:
        p = provs.get(pid)
        if p is None:
            continue
        items.append(f"<li><b>{esc(p.law)} {esc(p.paragraph)}</b>: {esc(p.gist)} "
                     f"<span class='note'>({esc(p.version)})</span></li>")
    return f"<ul>{''.join(items)}</ul>" if items else ""


def _cite(ids, lib) -> str:
    provs = lib.provisions
    return ", ".join(f"{provs[p].law} {provs[p].paragraph}" for p in ids if p in provs)


def _case_info(root: Path | None, case_id: str):
    """The full case (key) for titles and labels, if the course directory has it."""
    if root is None:
        return None
    key = root / "keys" / f"{case_id}.yaml"
    if not key.exists():
        return None
    from .autograde import load_key

    return load_key(str(key))[0]


def render(decision: Decision, evidence: Evidence, rules: PassRules, lib, cases: dict | None = None,
           today: str | None = None) -> str:
    cases = cases if cases is not None else {c: _case_info(evidence.root, c) for c in decision.cases}
    s = decision.student
    title = lambda c: esc(cases[c].title) if cases.get(c) is not None else esc(c)  # noqa: E731
    out = [f"<!DOCTYPE html><html lang='da'><head><meta charset='utf-8'>"
           f"<title>Certificering: {esc(s)}</title><style>{CSS}</style></head><body>"]
    out.append(f"<h1>Certificering i lovpligtig sagsbehandling – resultat for {esc(s)}</h1>")
    out.append(f"<p class='note'>Dato: {esc(today or date.today().isoformat())}. Beståelsesregler: "
               f"{esc(rules.name)} (version {rules.version}). Sager: "
               f"{', '.join(title(c) for c in decision.cases) or 'ingen'}.</p>")

    color = OUTCOME_COLOR[decision.outcome]
    out.append(f"<div class='afgoerelse' style='border-color:{color}'>"
               f"<h2 style='border:0;margin-top:0;color:{color}' id='resultat'>Resultat: "
               f"{OUTCOME_TEXT[decision.outcome]}</h2>")
    if decision.outcome == PASSED:
        out.append("<p>Du har nået grænsen på alle fire kriterier, du har ingen kritiske fejl, "
                   "og du har afleveret nok sager.</p>")
    if decision.reasons:
        out.append("<p>Du har ikke bestået, fordi:</p>" if decision.outcome == FAILED
                   else "<p>Disse krav er ikke opfyldt:</p>")
        out.append("<ul class='grunde'>" + "".join(f"<li>{esc(r)}</li>" for r in decision.reasons) + "</ul>")
    if decision.pending:
        out.append("<p>Der er endnu ikke truffet afgørelse, fordi en eksaminator først skal:</p><ul>"
                   + "".join(f"<li>{esc(r)}</li>" for r in decision.pending) + "</ul>")
    out.append("</div>")

    out.append("<h2>Overblik</h2>")
    out.append(f"<img alt='Søjlediagram: din score på hvert kriterium og grænsen for at bestå' "
               f"src='data:image/png;base64,{base64.b64encode(chart_png(decision)).decode()}' style='max-width:100%'>")
    out.append("<table class='overblik'><tr><th>Kriterium</th><th>Din score</th><th>Grænse</th>"
               "<th>Bedømt i sager</th><th>Point</th><th>Resultat</th></tr>")
    for crit in CRITERIA:
        r = decision.criteria[crit]
        out.append(f"<tr data-criterion='{crit}'><td>{esc(r.label)}</td><td class='num'>{dk(r.score)}</td>"
                   f"<td class='num'>{dk(r.cut)}</td><td class='num'>{r.cases}</td>"
                   f"<td class='num'>{pts(r.earned)} af {pts(r.possible)}</td>"
                   f"<td class='{'ok' if r.passed else 'ikke'}'>{'nået' if r.passed else 'ikke nået'}</td></tr>")
    out.append("</table>")
    out.append("<p class='note'>Din score på et kriterium er de point, du har fået på kriteriet i alle dine sager "
               "(både valgene og brevet), delt med de point, der kunne opnås. Hvert kriterium skal nå grænsen "
               "for sig; en høj score på ét kriterium kan ikke opveje en lav score på et andet.</p>")

    crit = evidence.critical[evidence.critical["student"] == s]
    out.append("<h2>Kritiske fejl</h2>")
    if crit.empty:
        out.append("<p>Du har ingen kritiske fejl.</p>")
    else:
        out.append("<p>En kritisk fejl er en fejl, der ville gøre en rigtig afgørelse ulovlig. "
                   f"Der må højst stå {rules.max_critical_errors}.</p><table><tr><th>Sag</th><th>Fejl</th>"
                   "<th>Retsgrundlag</th><th>Status</th></tr>")
        for r in crit.itertuples():
            status = (f"Tilsidesat af eksaminator {esc(r.set_aside_by)}: {esc(r.set_aside_reason)}"
                      if r.set_aside else "Står ved magt")
            out.append(f"<tr class='kritisk'><td>{title(r.case)}</td><td>{esc(r.text)}</td>"
                       f"<td>{esc(_cite(r.legal, lib))}</td><td>{status}</td></tr>")
        out.append("</table>")

    cells = evidence.cells[evidence.cells["student"] == s]
    dps = evidence.decision_points[evidence.decision_points["student"] == s]
    letters = evidence.letter_items[evidence.letter_items["student"] == s]
    for c in CRITERIA:
        r = decision.criteria[c]
        out.append(f"<h2 id='kriterium-{c}'>{esc(r.label)}: {dk(r.score)} (grænse {dk(r.cut)}) – "
                   f"{'nået' if r.passed else 'ikke nået'}</h2>")
        basis = rules.legal_basis.get(c, ())
        if basis:
            out.append(f"<div class='lov'><p><b>Retsgrundlag</b></p>{_provisions(basis, lib)}</div>")
        mine = cells[cells["criterion"] == c]
        if not mine.empty:
            out.append("<h3>Point pr. sag</h3><table><tr><th>Sag</th><th>Del</th><th>Point</th><th>Status</th></tr>")
            for x in mine.sort_values(["case", "part"], ascending=[True, False]).itertuples():
                status = ("foreløbig, ikke bekræftet" if x.needs_manual_grade else "bekræftet") \
                    if x.part == "brev" else "beregnet ud fra dine gemte valg"
                if x.flagged:
                    status = "afleveringen er markeret til kontrol"
                out.append(f"<tr data-case='{esc(x.case)}' data-item='{esc(x.item)}'><td>{title(x.case)}</td>"
                           f"<td>{PART_TEXT.get(x.part, x.part)}</td>"
                           f"<td class='num'>{pts(round(x.score, 2))} af {pts(x.max_score)}</td><td>{status}</td></tr>")
            out.append("</table>")
        d = dps[dps["criterion"] == c]
        if not d.empty:
            out.append("<h3>Beslutningspunkter bag din score</h3><table><tr><th>Sag</th><th>Trin</th>"
                       "<th>Dit valg</th><th>Point</th><th>Retsgrundlag</th></tr>")
            for x in d.itertuples():
                case = cases.get(x.case)
                step = next((st for st in case.steps if st.id == x.step), None) if case else None
                opt = next((o for o in step.options if o.id == x.choice), None) \
                    if isinstance(step, ChoiceStep) else None
                legal = tuple(step.legal if step else ()) + tuple(opt.legal if opt else ())
                out.append(f"<tr><td>{title(x.case)}</td><td>{esc(step.title if step else x.step)}</td>"
                           f"<td>{esc(opt.label if opt else x.choice)}</td>"
                           f"<td class='num'>{pts(round(x.score, 2))} af {pts(round(x.max_score, 2))}</td>"
                           f"<td>{esc(_cite(dict.fromkeys(legal), lib))}</td></tr>")
            out.append("</table>")
        li = letters[letters["criterion"] == c]
        if not li.empty:
            out.append("<h3>Brevet: punkter i bedømmelsen</h3><p class='note'>Den automatiske kontrol af brevet "
                       "er kun vejledende. Det er eksaminators point i tabellen ovenfor, der tæller.</p>"
                       "<table><tr><th>Sag</th><th>Punkt</th><th>Vægt</th><th>Fundet i brevet</th>"
                       "<th>Retsgrundlag</th></tr>")
            for x in li.itertuples():
                out.append(f"<tr><td>{title(x.case)}</td><td>{esc(x.label)}</td>"
                           f"<td>{SEVERITY_TEXT.get(x.severity, x.severity)}</td>"
                           f"<td>{'ja' if x.passed else 'nej'}</td><td>{esc(_cite(x.legal, lib))}</td></tr>")
            out.append("</table>")
    out.append("<h2>Hvis du er uenig</h2><p>Du kan bede om at få resultatet vurderet igen. Henvend dig til den, "
               "der har afholdt prøven, og henvis til de punkter i denne rapport, du er uenig i. "
               "Rapporten viser alle de point, afgørelsen bygger på.</p>")
    data = json.dumps(decision.to_dict(), ensure_ascii=False).replace("</", "<\\/")
    out.append(f"<script type='application/json' id='sagssim-afgoerelse'>{data}</script></body></html>")
    return "\n".join(out)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def html_to_pdf(html_file: Path, pdf_file: Path, timeout: int = 120) -> tuple[bool, str]:
    """Print an HTML file to PDF with headless Chromium. Returns (made, note)."""
    exe = find_chromium()
    if exe is None:
        return False, "PDF ikke lavet: Chromium findes ikke på maskinen (apt install chromium). HTML er skrevet."
    with tempfile.TemporaryDirectory() as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", f"--user-data-dir={profile}", "--no-pdf-header-footer",
               f"--print-to-pdf={pdf_file}", Path(html_file).resolve().as_uri()]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return False, "PDF ikke lavet: Chromium svarede ikke i tide. HTML er skrevet."
    if r.returncode != 0 or not Path(pdf_file).exists():
        return False, f"PDF ikke lavet: Chromium fejlede ({r.stderr.strip()[-300:]}). HTML er skrevet."
    return True, ""


def write_reports(evidence: Evidence, decisions: dict[str, Decision], rules: PassRules, lib, out_dir: Path,
                  pdf: bool = False, today: str | None = None) -> tuple[list[Path], list[str]]:
    """One report per candidate, plus `afgoerelser.csv` with every decision. Returns (files, notes)."""
    from .certify import decisions_frame

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    case_ids = sorted(set(evidence.cells["case"]))
    cases = {c: _case_info(evidence.root, c) for c in case_ids}
    files, notes = [], []
    for student, d in sorted(decisions.items()):
        path = out_dir / f"{student}.html"
        path.write_text(render(d, evidence, rules, lib, cases, today), encoding="utf-8")
        files.append(path)
        if pdf:
            made, note = html_to_pdf(path, path.with_suffix(".pdf"))
            if made:
                files.append(path.with_suffix(".pdf"))
            elif note not in notes:
                notes.append(note)
    decisions_frame(decisions).to_csv(out_dir / "afgoerelser.csv", index=False)
    return files, notes
