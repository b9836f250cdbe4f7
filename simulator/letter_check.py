"""Comparing a letter's reading with what the trainee's own path makes right.

The expectation comes from the case's letter step as it reads on the path
(`engine.letter_view`): the outcome and provision per activity, the decisive facts
and their documents, the citizen's main argument, the adverse information that
needed partshøring and whether this path actually heard the citizen, and the
complaint rules. Each item in `cases/letter-rubric.yaml` is reported with a reason
in Danish that quotes the letter. A wrong statement costs its item's points and a
penalty on top, so it weighs more than an omission; there is no cap, so the scores
spread over the range. `kritisk` findings are hints for the examiner, who confirms
them: the automatic check never fails a candidate on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from . import danish
from .casefile import Library
from .engine import letter_view
from .model import CRITERIA, Case, Criterion, LetterExpectation, LetterItem, LetterStep, Severity
from .readability import LIX_TARGET, readability
from .reading import Evidence, LetterReading, normalise, read_letter

SEVERITY_LABELS = {"kritisk": "kritisk", "vaesentlig": "væsentlig", "formel": "formel"}
OUTCOME_WORDS = {"bevilget": "bevilget", "afslag": "afslag", "delvis": "delvist bevilget", "henvist": "henvist",
                 None: "ikke afgjort"}
PER_DEFINITE = {"uge": "ugen", "måned": "måneden", "dag": "dagen"}  # "1-2 timer om ugen"
PROCEDURAL_LAWS = {"fvl", "rsl", "offl"}  # citing these is never a wrong basis for a social decision
FRIST_WEEKS = 4.0


@dataclass(frozen=True)
class ItemResult:
    id: str
    criterion: Criterion
    severity: Severity
    label: str
    passed: bool
    points: float
    earned: float  # negative for a wrong statement: its penalty
    reason: str
    evidence: str = ""
    kind: str = "indhold"  # "indhold" (expected content) or "fejl" (a wrong statement)


@dataclass
class LetterReport:
    items: list[ItemResult]
    scores: dict[Criterion, float | None]
    words: int
    lix: float
    lix_band: str
    notes: list[str]
    reading: LetterReading | None = None
    model_letter: str | None = None
    model_note: str | None = None
    task: str = ""
    step: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [asdict(i) for i in self.items],
            "scores": self.scores,
            "words": self.words,
            "lix": self.lix,
            "lix_band": self.lix_band,
            "notes": self.notes,
            "reading": self.reading.to_dict() if self.reading else None,
        }

    def findings(self) -> list[ItemResult]:
        """What a reader should look at first: wrong statements, then unmet items, by severity."""
        order = {"kritisk": 0, "vaesentlig": 1, "formel": 2}
        bad = [i for i in self.items if not i.passed]
        return sorted(bad, key=lambda i: (i.kind != "fejl", order.get(i.severity, 3)))


@dataclass
class _Collector:
    specs: dict[str, LetterItem]
    out: list[ItemResult] = field(default_factory=list)

    def _fill(self, text: str | None, **values: Any) -> str:
        if "aktivitet" in values:  # an activity's label stands mid-sentence: "støtten til logistik"
            values["aktivitet"] = _mid_sentence(values["aktivitet"])
        return (text or "").format_map(_Blank(values))

    def ok(self, item: str, passed: bool, evidence: str = "", points: float | None = None, earned: float | None = None,
           partial: bool = False, suffix: str = "", **values: Any) -> None:
        spec = self.specs[item.split(":")[0]]
        pts = spec.points if points is None else points
        got = (pts if passed else 0.0) if earned is None else earned
        text = spec.partial if partial and spec.partial else (spec.passed if passed else spec.failed)
        reason = self._fill(text, **values) + _quote(evidence)
        self.out.append(ItemResult(item, spec.criterion, spec.severity, self._fill(spec.label, **values),
                                   passed, pts, round(got, 4), reason.strip(), evidence))

    def wrong(self, item: str, evidence: str, penalty: float | None = None, points: float | None = None,
              **values: Any) -> None:
        """A wrong statement: the item's points are lost and its penalty is subtracted on top."""
        spec = self.specs[item.split(":")[0]]
        cost = spec.penalty if penalty is None else penalty
        reason = self._fill(spec.wrong, **values) + _quote(evidence)
        self.out.append(ItemResult(item, spec.criterion, spec.severity, self._fill(spec.label, **values), False,
                                   spec.points if points is None else points, -round(cost, 4), reason.strip(),
                                   evidence, kind="fejl"))


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "…"


def _mid_sentence(label: str) -> str:
    """A label's capital dropped, unless the word is an abbreviation ("SU", "NA-møder")."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _quote(evidence: str) -> str:
    if not evidence:
        return ""
    text = " ".join(evidence.split())
    if len(text) > 220:
        text = text[:217] + "…"
    return f" Brevet: »{text}«"


def _ev(x) -> str:
    return x.text if x is not None else ""


def _sentence(e: Evidence | None) -> int:
    """The sentence a piece of evidence stands in (a found fact always has its evidence)."""
    return e.sentence if e is not None else -1


# ---------------------------------------------------------------- the comparison


def assess(text: str, step: LetterStep, case: Case, library: Library, flags: Iterable[str] = (),
           state: dict[str, int] | None = None) -> LetterReport:
    """Read a letter and compare it with the letter step as it reads on this path."""
    flags = list(flags)
    view = letter_view(step, flags, state or {})
    exp = view.expect
    clean, notes = normalise(text)
    r = readability(clean)
    if exp is None or not library.letter_items:
        return LetterReport([], {c: None for c in CRITERIA}, r.words, r.lix, r.band, notes,
                            model_letter=view.model_letter, model_note=view.model_note, task=view.task, step=view.id)
    reading = read_letter(clean, exp, case.documents, library.registry.provisions, case.citizen.name)
    notes += reading.notes[len(notes):] if reading.notes[:len(notes)] == notes else []
    col = _Collector(library.letter_items)
    if not clean.strip():
        notes.append("Brevet er tomt.")
    _helhed(col, reading, exp)
    _begrundelse(col, reading, exp, library, r.lix, case)
    _partshoering(col, reading, exp, flags, case)
    if exp.complaint:
        _klage(col, reading)
        if exp.no_suspensive_effect:
            _suspensive(col, reading)
    items = col.out
    return LetterReport(items, scores(items), r.words, r.lix, r.band, notes, reading,
                        view.model_letter, view.model_note, view.task, view.id)


def scores(items: list[ItemResult]) -> dict[Criterion, float | None]:
    """(points earned - penalties) / points possible, per criterion, within 0..1; no cap."""
    out: dict[Criterion, float | None] = {}
    for crit in CRITERIA:
        mine = [i for i in items if i.criterion == crit]
        possible = sum(i.points for i in mine)
        if not possible:
            out[crit] = None
            continue
        out[crit] = round(min(1.0, max(0.0, sum(i.earned for i in mine) / possible)), 4)
    return out


def _helhed(col: _Collector, reading: LetterReading, exp: LetterExpectation) -> None:
    acts = {a.id: a for a in reading.activities}
    lumped = []
    for a in exp.activities:
        got = acts[a.id]
        ev = _ev(got.verdicts[-1][1]) if got.verdicts else ""
        if a.outcome == "henvist":
            col.ok(f"hv-afgjort:{a.id}", got.mentioned, ev, aktivitet=a.label)
            continue
        right = got.outcome == a.outcome or (a.outcome == "delvis" and got.outcome in ("delvis", "bevilget"))
        if got.outcome is None:
            col.ok(f"hv-afgjort:{a.id}", False, aktivitet=a.label)
        elif right:
            col.ok(f"hv-afgjort:{a.id}", True, ev, aktivitet=a.label)
        else:
            col.wrong(f"hv-afgjort:{a.id}", ev, aktivitet=a.label, fundet=OUTCOME_WORDS[got.outcome],
                      forventet=OUTCOME_WORDS[a.outcome])
        if a.outcome in ("afslag", "delvis") and got.lumped and not got.reasoned_alone:
            lumped.append(a.label)
    refused = [a for a in exp.activities if a.outcome in ("afslag", "delvis")]
    if len(exp.activities) > 1 and refused:
        ev = next((_ev(acts[a.id].verdicts[-1][1]) for a in refused if acts[a.id].lumped and acts[a.id].verdicts), "")
        col.ok("hv-pr-aktivitet", not lumped, ev, aktivitet=", ".join(lumped))
    for h in reading.other_help:
        spec = next(x for x in exp.other_help if x.id == h.id)
        ev = _ev(h.evidence)
        if spec.handling == "afgoer" and (h.referred and not h.decided or h.self_apply):
            col.wrong(f"hv-anden-hjaelp:{h.id}", ev, hjaelp=h.label)
        else:
            col.ok(f"hv-anden-hjaelp:{h.id}", h.addressed, ev, hjaelp=h.label)


def _begrundelse(col: _Collector, reading: LetterReading, exp: LetterExpectation, library: Library,
                 lix: float, case: Case) -> None:
    provisions = library.provisions
    bases = {p for a in exp.activities if a.outcome != "henvist" for p in a.provisions}
    allowed = bases | set(exp.allowed_provisions) | {p for h in exp.other_help for p in h.provisions}
    cited = {rid for c in reading.citations if not c.negated for rid in c.registry_ids}
    basis_names = ", ".join(sorted({_name(provisions[p]) for p in bases if p in provisions}))
    if bases:
        # each decided activity needs its own rule: § 83 for the refused practical help does not stand
        # in for § 85 for the support granted
        hit = next((c for c in reading.citations if set(c.registry_ids) & bases and not c.negated), None)
        decided = [a for a in exp.activities if a.outcome != "henvist" and a.provisions]
        uncited = [a for a in decided if not cited & set(a.provisions)]
        share = 1 - len(uncited) / len(decided) if decided else 1.0
        uncited_names = ", ".join(sorted({_name(provisions[p]) for a in uncited for p in a.provisions
                                          if p in provisions}))
        spec = col.specs["bg-retsregel"]
        col.ok("bg-retsregel", not uncited, _ev(hit.evidence) if hit else "", earned=spec.points * share,
               forventet=uncited_names if hit and uncited_names else basis_names)
    wrong_basis = [c for c in reading.citations
                   if c.basis and not c.negated and c.law not in PROCEDURAL_LAWS
                   and not (set(c.registry_ids) & allowed)]
    if wrong_basis and bases:
        c = wrong_basis[0]
        cited_as = f"§ {c.number}" if not c.registry_ids else ", ".join(_name(provisions[x]) for x in c.registry_ids
                                                                         if x in provisions)
        col.wrong("bg-forkert-regel", _ev(c.evidence), fundet=cited_as, forventet=basis_names)
    if bases and not wrong_basis:
        _rule_per_activity(col, reading, exp, provisions)
    # facts
    if reading.facts:
        found = [f for f in reading.facts if f.found]
        missing = [f.label for f in reading.facts if not f.found]
        share = len(found) / len(reading.facts)
        spec = col.specs["bg-fakta"]
        ev = _ev(found[0].evidence) if found else ""
        col.ok("bg-fakta", not missing, ev, earned=spec.points * share, fakta="; ".join(missing))
        for f in reading.facts:
            if f.contradicted:
                col.wrong("bg-fakta", _ev(f.evidence), points=0, fakta=f.label)
        named = [f for f in reading.facts if f.found and f.document_named]
        # A fact put down to document D is misplaced unless another fact in the same sentence
        # really comes from D ("din energidagbog viser, at du bruger 4-6 timer ... i kørestolen").
        explained = {(_sentence(f.evidence), f.document_named) for f in named
                     if f.explains_document and (f.reported or not f.names_itself)}
        misplaced = [(f, next(x for x in exp.facts if x.id == f.id)) for f in named
                     if not f.explains_document and (_sentence(f.evidence), f.document_named) not in explained]
        misplaced = [(f, e) for f, e in misplaced if e.document]
        if misplaced:
            f, e = misplaced[0]
            col.wrong("bg-dokument", _ev(f.evidence), dokument=_doc_title(case, f.document_named),
                      forventet=_doc_title(case, e.document))
        else:
            right = [f for f in named if f.explains_document]
            col.ok("bg-dokument", bool(right), _ev(right[0].evidence) if right else "")
        # boilerplate in place of facts: most facts missing, or a fact missing where a paragraph
        # says only "konkret og individuel vurdering"
        if reading.boilerplate and share < 0.5:
            col.wrong("bg-standardtekst", _ev(reading.boilerplate[0]))
        elif reading.bare_boilerplate and missing:
            col.wrong("bg-standardtekst", _ev(reading.bare_boilerplate[0]))
    if reading.resource_reason:
        col.wrong("bg-ressourcer", _ev(reading.resource_reason))
    # considerations
    if exp.considerations:
        considered = [c for c in reading.considerations if c.found]
        col.ok("bg-hovedhensyn", bool(considered), _ev(considered[0].evidence) if considered else "",
               forventet="; ".join(c.label for c in exp.considerations))
    col.ok("bg-vaegtning", reading.weighing is not None, _ev(reading.weighing))
    if exp.main_argument is not None:
        arg = reading.argument
        spec = col.specs["bg-hovedargument"]
        earned = spec.points if arg.answered and arg.restated else (spec.points * 2 / 3 if arg.answered else
                                                                     spec.points / 3 if arg.restated else 0.0)
        col.ok("bg-hovedargument", arg.answered and arg.restated, _ev(arg.evidence[0] if arg.evidence else None),
               earned=earned, partial=arg.restated and not arg.answered, forventet=exp.main_argument.label)
    acts = {a.id: a for a in reading.activities}
    shared = [a for a in exp.activities if a.scope and a.scope.shared and a.outcome in ("bevilget", "delvis")]
    if shared:
        _shared_scope(col, reading, shared, acts)
    for a in exp.activities:
        if a.scope is None or a.scope.shared or a.outcome not in ("bevilget", "delvis"):
            continue
        got = acts[a.id]
        if got.hours is None:
            col.ok(f"bg-omfang:{a.id}", False, aktivitet=a.label)
            continue
        lo, hi = a.scope.hours
        ev = _ev(got.scope_evidence)
        if not _within(got.hours, (lo, hi)):
            col.wrong(f"bg-omfang:{a.id}", ev, aktivitet=a.label, fundet=_hours(got.hours),
                      forventet=_hours((lo, hi)) + f" om {PER_DEFINITE[a.scope.per]}")
        else:
            col.ok(f"bg-omfang:{a.id}", True, ev, aktivitet=a.label)
    col.ok("bg-laesbarhed", 0 < lix <= LIX_TARGET, fundet=danish.number(lix, 1))
    col.ok("bg-fagord", not reading.jargon, fundet=", ".join(reading.jargon))


def _rule_per_activity(col: _Collector, reading: LetterReading, exp: LetterExpectation, provisions) -> None:
    """An activity decided under another activity's rule: "du får støtte efter § 83 til at komme i
    gang", where getting started is § 85 and § 83 is the rule for the practical help refused."""
    acts = {a.id: a for a in reading.activities}
    for a in exp.activities:
        cited = set(acts[a.id].clause_provisions)
        others = {p for b in exp.activities if b.id != a.id for p in b.provisions} - set(a.provisions)
        if cited and not cited & set(a.provisions) and cited & others:
            found = ", ".join(_name(provisions[p]) for p in sorted(cited & others) if p in provisions)
            col.wrong("bg-forkert-regel", _ev(acts[a.id].clause_evidence),
                      fundet=f"{found} for {_mid_sentence(a.label)}",
                      forventet=", ".join(_name(provisions[p]) for p in a.provisions if p in provisions))
            return


def _shared_scope(col: _Collector, reading: LetterReading, shared: list, acts: dict) -> None:
    """Hours that cover several activities together: the letter may give one total or split it."""
    label = " og ".join(a.label for a in shared)
    lo, hi = shared[0].scope.hours
    given = reading.total_hours
    ev = _ev(reading.total_evidence)
    if given is None:
        parts = [acts[a.id].hours for a in shared if acts[a.id].hours is not None]
        if parts:
            given = (sum(p[0] for p in parts), sum(p[1] for p in parts))
            ev = _ev(next(acts[a.id].scope_evidence for a in shared if acts[a.id].hours is not None))
    if given is None:
        col.ok("bg-omfang:i-alt", False, aktivitet=label)
    elif not _within(given, (lo, hi)):
        col.wrong("bg-omfang:i-alt", ev, aktivitet=label, fundet=_hours(given),
                  forventet=_hours((lo, hi)) + f" om {PER_DEFINITE[shared[0].scope.per]} i alt")
    else:
        col.ok("bg-omfang:i-alt", True, ev, aktivitet=label)


def _partshoering(col: _Collector, reading: LetterReading, exp: LetterExpectation, flags: list[str],
                  case: Case) -> None:
    if exp.hearing is None:
        return
    h = reading.hearing
    doc = _doc_title(case, exp.hearing.document)
    ev = _ev(h.evidence[0]) if h.evidence else ""
    if exp.hearing.flag in flags:
        if h.claims_not_heard:
            col.wrong("ph-hoering", _ev(h.denial) if h.denial else ev, dokument=doc)
        else:
            col.ok("ph-hoering", h.claims_heard, ev, dokument=doc)
        # `response: []` written out (not merely left out) on a path that heard her: she never answered
        if not exp.hearing.response and "response" in exp.hearing.model_fields_set:
            _silent_hearing(col, h)
            return
        # full for her answer and what it meant; half for her answer alone; a quarter for only saying
        # that she answered ("vi har læst dine bemærkninger")
        spec = col.specs["ph-svar"]
        earned = spec.points if h.response_used else spec.points / 2 if h.response_stated else \
            spec.points / 4 if h.response_claimed else 0.0
        col.ok("ph-svar", h.response_used, ev, earned=earned, partial=h.response_claimed and not h.response_used)
    elif h.claims_heard and not h.claims_not_heard:
        col.wrong("ph-ingen-falsk", ev, dokument=doc)
        col.ok("ph-aaben", False, dokument=doc)
    else:
        # On a path without høring the letter cannot undo it; it can say so plainly and give the
        # citizen the information now, with a chance to comment (the choices already scored the miss).
        col.ok("ph-ingen-falsk", True, ev, dokument=doc)
        if h.unneeded and exp.hearing.required:
            col.wrong("ph-unoedig", _ev(h.unneeded), dokument=doc)
        # half for saying it plainly, half for giving her the information now (sent with the letter,
        # an invitation to comment, or at least what the document says)
        spec = col.specs["ph-aaben"]
        given = h.claims_not_heard and (h.offers_now or h.content_told)
        earned = (spec.points / 2 if h.claims_not_heard else 0.0) + (spec.points / 2 if given else 0.0)
        col.ok("ph-aaben", given, ev, earned=earned, partial=h.claims_not_heard and not given, dokument=doc)


def _silent_hearing(col: _Collector, h) -> None:
    """Heard, but the path says she gave no answer (the case writes `response: []` where the flag is
    set): she never answered. The letter should say so; an answer it reports is one she never gave."""
    said = next((e for e in h.evidence if e.text), None)
    if h.response_claimed and not h.no_response:
        col.wrong("ph-intet-svar", _ev(said))
    else:
        col.ok("ph-intet-svar", h.no_response, _ev(said))


def _suspensive(col: _Collector, reading: LetterReading) -> None:
    k, e = reading.complaint, reading.complaint.evidence
    if k.pause_claimed and not k.no_pause_stated:
        col.wrong("kv-opsaettende", _ev(e.get("opsaettende-fejl")))
    else:
        col.ok("kv-opsaettende", k.no_pause_stated, _ev(e.get("opsaettende")))


def _klage(col: _Collector, reading: LetterReading) -> None:
    k = reading.complaint
    e = k.evidence
    col.ok("kv-klageinstans", k.instance_named, _ev(e.get("klageinstans")))
    wrong_route = k.to_kommune_denied or k.direct_said or (k.direct_to_instance and not k.to_kommune)
    if wrong_route:
        col.wrong("kv-til-kommunen", _ev(e.get("til-kommunen-nej") or e.get("direkte")))
    else:
        col.ok("kv-til-kommunen", k.to_kommune, _ev(e.get("til-kommunen")))
    spec = col.specs["kv-genvurdering"]
    if k.reassessment_conditioned:
        col.wrong("kv-genvurdering", _ev(e.get("genvurdering-betinget")))
    else:
        right_condition = k.full_medhold_condition
        earned = ((spec.points / 2 if k.reassessment else 0.0)
                  + (spec.points / 2 if k.reassessment and right_condition else 0.0))
        col.ok("kv-genvurdering", k.reassessment and right_condition, _ev(e.get("genvurdering")), earned=earned,
               partial=k.reassessment and not right_condition)
    if k.frist_weeks is None:
        col.ok("kv-frist", False)
    elif abs(k.frist_weeks - FRIST_WEEKS) < 0.05:
        col.ok("kv-frist", True, _ev(e.get("frist")))
    else:
        col.wrong("kv-frist", _ev(e.get("frist")), fundet=k.frist_text or "")
    if k.frist_start == "forkert":
        col.wrong("kv-frist-start", _ev(e.get("frist")))
    else:
        col.ok("kv-frist-start", k.frist_start == "modtagelse" or k.deadline_date,
               _ev(e.get("frist") or e.get("dato")))
    if k.form_restricted:
        col.wrong("kv-form", _ev(e.get("form-krav")))
    else:
        col.ok("kv-form", k.oral_allowed, _ev(e.get("mundtlig")))
    if k.demand:
        col.wrong("kv-krav", _ev(e.get("krav")))
    if k.restriction:
        col.wrong("kv-begraensning", _ev(e.get("begraensning")))
    col.ok("kv-hjaelp", k.help_named, _ev(e.get("hjaelp")))
    col.ok("kv-aktindsigt", reading.access is not None, _ev(reading.access))


# ---------------------------------------------------------------- small helpers


def _name(p) -> str:
    return f"{p.law.lower()} {p.paragraph.split(',')[0]}"


def _within(given: tuple[float, float], expected: tuple[float, float]) -> bool:
    """The hours a letter gives must lie within the decided range ("2-4" is wrong when 3-6 was decided)."""
    return expected[0] <= given[0] and given[1] <= expected[1]


def _hours(h: tuple[float, float]) -> str:
    lo, hi = (danish.number(x, trim=True) for x in h)
    return f"{lo} timer" if lo == hi else f"{lo}-{hi} timer"


def _doc_title(case: Case, doc_id: str | None) -> str:
    doc = next((d for d in case.documents if d.id == doc_id), None)
    return doc.title[:1].lower() + doc.title[1:] if doc else (doc_id or "")


# ---------------------------------------------------------------- on a path


def path_to_letter(case: Case, choices: list[str] | None, step_id: str | None = None):
    """Replay `choices` (the model path if None) up to a letter step: (step, result there).

    The letter is judged on the path as it stood when the letter was written, so flags set
    later (by the letter itself or afterwards) do not count. Returns (None, result) when
    the path never reaches a letter step (or not the one asked for)."""
    from .engine import events_for, replay

    path = list(case.model_path) if choices is None else list(choices)
    events = events_for(case, path)
    steps = {s.id: s for s in case.steps}
    for n, ev in enumerate(events):
        if ev["type"] == "letter" and (step_id is None or ev["step"] == step_id):
            return steps[ev["step"]], replay(case, events[:n])
    return None, replay(case, events)


def assess_on_path(text: str, case: Case, library: Library, choices: list[str] | None = None,
                   step_id: str | None = None) -> LetterReport | None:
    step, before = path_to_letter(case, choices, step_id)
    if step is None:
        return None
    return assess(text, step, case, library, before.flags, before.state)


def assess_result(case: Case, library: Library, events: list[dict]) -> dict[str, LetterReport]:
    """Every letter written in a log, each judged on the path as it stood when it was written."""
    from .engine import replay

    steps = {s.id: s for s in case.steps}
    out = {}
    for n, ev in enumerate(events):
        step = steps.get(ev.get("step", "")) if ev.get("type") == "letter" else None
        if isinstance(step, LetterStep):
            before = replay(case, events[:n])
            if before.current == step.id and not before.finished:
                text = ev.get("text")
                out[step.id] = assess(text if isinstance(text, str) else "", step, case, library, before.flags,
                                      before.state)
    return out
