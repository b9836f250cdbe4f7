"""The case format: pydantic models for one case file and the registries.

A case is a graph of steps. Each step offers options; an option leads to the
next step or to an ending, changes the citizen's state, may reveal case
documents, sets process flags, and carries the answer key (credit per
criterion, critical error, feedback). Writing steps hold the decision letter
task and its rubric. The answer-key fields are all optional so that a
key-free copy of a case (for exam releases) is still a valid case.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, StringConstraints, Tag

Criterion = Literal["helhedsvurdering", "partshoering", "begrundelse", "klagevejledning"]
CRITERIA: tuple[Criterion, ...] = (
    "helhedsvurdering",
    "partshoering",
    "begrundelse",
    "klagevejledning",
)


def as_criterion(name: str) -> Criterion:
    """A criterion named in text read at run time (a grading cell's id, a worksheet row); KeyError,
    as a lookup by that name would raise, for any other name."""
    if name in CRITERIA:
        return name
    raise KeyError(name)


CRITERION_LABELS: dict[Criterion, str] = {
    "helhedsvurdering": "Helhedsvurdering og vejledning",
    "partshoering": "Partshøring",
    "begrundelse": "Begrundelse",
    "klagevejledning": "Klagevejledning",
}

# Which registry provisions a step must cite for credit on a criterion to be credit for that
# criterion (shell-style patterns over provision ids). Credit at a step that cites none of
# them rewards something the step does not exercise; the item-writing lint reports it.
CRITERION_PROVISIONS: dict[Criterion, tuple[str, ...]] = {
    "helhedsvurdering": ("rsl-3*", "rsl-4", "rsl-5", "rsl-10", "rsl-11*", "rsl-60", "fvl-7*", "fvl-8",
                         "fvl-28", "offl-13", "sel-*", "pm-*", "aktl-*", "lab-*"),
    "partshoering": ("fvl-19*", "fvl-20", "fvl-21", "fvl-9"),
    "begrundelse": ("fvl-22", "fvl-23", "fvl-24*", "sel-89", "fob-*", "god-forvaltningsskik"),
    "klagevejledning": ("fvl-25", "rsl-66", "rsl-67", "rsl-72", "klage-formfri"),
}

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Credit = Annotated[float, Field(ge=0.0, le=1.0)]
Severity = Literal["kritisk", "vaesentlig", "formel"]


class Strict(BaseModel):
    """Base: unknown keys are errors, so a typo in a case file never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(Strict):
    """Where in a source report a fact comes from."""

    report: Ident
    section: Text
    lines: tuple[int, int] | None = Field(
        default=None, description="First and last line in the report's text file in shared/seeds."
    )


class Condition(Strict):
    """A test on the path so far: which process flags are set and where the state stands.
    Every part that is given must hold; an empty condition always holds."""

    all: tuple[Ident, ...] = Field(default=(), description="Every one of these flags is set.")
    any: tuple[Ident, ...] = Field(default=(), description="At least one of these flags is set.")
    none: tuple[Ident, ...] = Field(default=(), description="None of these flags is set.")
    min: dict[Ident, int] = Field(default_factory=dict, description="State variable >= value.")
    max: dict[Ident, int] = Field(default_factory=dict, description="State variable <= value.")

    def holds(self, flags: set[str] | list[str] | tuple[str, ...], state: dict[str, int]) -> bool:
        have = set(flags)
        return (
            set(self.all) <= have
            and (not self.any or bool(have & set(self.any)))
            and not (have & set(self.none))
            and all(state.get(k, 0) >= v for k, v in self.min.items())
            and all(state.get(k, 0) <= v for k, v in self.max.items())
        )

    def flags(self) -> tuple[str, ...]:
        return self.all + self.any + self.none


class Route(Strict):
    """Go to `next` instead of the default when `when` holds (first matching route wins)."""

    when: Condition
    next: Ident


class ConditionalText(Strict):
    """A paragraph added to a step's situation when `when` holds: what earlier choices changed."""

    when: Condition
    text: Text


class StateVar(Strict):
    label: Text = Field(description="Plain-Danish name shown to the trainee.")
    initial: int
    min: int = 0
    max: int = 100
    unit: str = ""
    higher_is_better: bool = True
    exam: Literal["hide", "show"] = Field(
        default="hide",
        description="Does an exam candidate see this variable? `hide` (the default, and the safe choice) for "
                    "anything that moves with the quality of the choices: days waited, trust, risks. `show` only "
                    "for state that says nothing about how well the candidate is doing. Self-study and teaching "
                    "always show every variable.")


class Citizen(Strict):
    name: Text
    age: int = Field(ge=18, le=120)
    summary: Text = Field(description="One-paragraph situation, anonymised, in Danish.")


class Document(Strict):
    """A case document (sagsakt), visible from the start or once an option reveals it."""

    id: Ident
    title: Text
    kind: Text = Field(description="E.g. ansøgning, notat, udtalelse, lægeattest.")
    text: Text
    visible_from_start: bool = False
    aliases: tuple[str, ...] = Field(
        default=(), description="How a letter names this document (phrases, as in `terms`), e.g. 'lægens attest', "
                                "'ergoterapeut*'. Without them the distinctive words of the title are used.")
    sources: tuple[SourceRef, ...] = ()


class Option(Strict):
    id: Ident
    label: Text = Field(description="What the trainee chooses to do, in Danish.")
    next: Ident = Field(description="Id of the next step or of an ending.")
    next_if: tuple[Route, ...] = Field(
        default=(), description="Routes that depend on the path so far; the first that holds replaces `next`."
    )
    available_if: Condition | None = Field(
        default=None,
        description="Offer this option only when the condition holds (e.g. a repair that is no longer possible).",
    )
    outcome: Text = Field(
        description="What visibly happens to the citizen after this choice (shown in every mode)."
    )
    effects: dict[Ident, int] = Field(
        default_factory=dict, description="Deltas added to state variables, clamped to their range."
    )
    reveals: tuple[Ident, ...] = ()
    sets: tuple[Ident, ...] = Field(default=(), description="Process flags this choice sets.")
    # --- answer key: stripped from exam releases ---
    credit: dict[Criterion, Credit] | None = None
    critical: Text | None = Field(
        default=None, description="If set, choosing this is a critical error; the text says why."
    )
    feedback: Text | None = None
    legal: tuple[Ident, ...] = Field(default=(), description="Provision ids from the legal registry.")
    sources: tuple[SourceRef, ...] = ()


class ChoiceStep(Strict):
    kind: Literal["choice"] = "choice"
    id: Ident
    title: Text
    situation: Text
    prompt: Text = "Hvad gør du?"
    situation_if: tuple[ConditionalText, ...] = Field(
        default=(), description="Paragraphs added to the situation when earlier choices made them true."
    )
    legal: tuple[Ident, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    options: tuple[Option, ...] = Field(min_length=2)


def _term_groups(value: object) -> object:
    """`terms: [a, b]` is one group of alternatives; `terms: [[a, b], [c]]` needs a match from every group."""
    if isinstance(value, str):
        return ((value,),)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return (tuple(value),)
    return value


Terms = Annotated[
    tuple[Annotated[tuple[Annotated[str, StringConstraints(min_length=1)], ...], Field(min_length=1)], ...],
    BeforeValidator(_term_groups),
    Field(description="How a letter may say it: a list of alternative phrases, or a list of such lists that "
                      "must all be matched in one sentence. Words are compared by their Danish stem; "
                      "a phrase ending in * matches any word beginning with it."),
]
Outcome = Literal["bevilget", "afslag", "delvis", "henvist"]


class Scope(Strict):
    """The extent of help granted, as the letter must state it (SEL § 89)."""

    hours: tuple[float, float] = Field(description="Expected hours as a range (low, high); a single figure is (x, x).")
    per: Literal["uge", "måned", "dag"] = "uge"
    shared: bool = Field(default=False, description="The hours cover every activity marked shared, together "
                                                    "(a letter may give one total or split it).")


class ExpectedActivity(Strict):
    """One activity applied for and what a right letter decides about it on this path."""

    id: Ident
    label: Text = Field(description="The activity in plain Danish, used in findings.")
    terms: Terms
    outcome: Outcome = Field(description="bevilget, afslag, delvis (part granted), or henvist (decided elsewhere).")
    provisions: tuple[Ident, ...] = Field(default=(), description="Registry ids; the letter must cite one of them.")
    scope: Scope | None = None
    facts: tuple[Ident, ...] = Field(default=(), description="Ids of the decisive facts for this activity.")


class ExpectedFact(Strict):
    """A decisive fact (or a main consideration) and the document it comes from."""

    id: Ident
    label: Text
    terms: Terms
    document: Ident | None = Field(default=None, description="The case document the fact comes from.")


class ExpectedArgument(Strict):
    """The citizen's main argument, which a good letter states and answers."""

    label: Text
    terms: Terms


class ExpectedHearing(Strict):
    """The adverse information that needed partshøring (FVL § 19) and how the path shows it was done."""

    document: Ident
    flag: Ident = Field(description="Process flag set on the path when the citizen was heard.")
    terms: Terms = Field(description="How a letter names the adverse document.")
    response: Terms = Field(default=(), description="What the citizen answered, when heard.")
    required: bool = Field(
        default=True, description="FVL § 19 requires the høring. False where it is good practice, not a duty "
                                  "(the kommune's own internal assessment): then a letter may say it was not needed.")


class OtherHelp(Strict):
    id: Ident
    label: Text
    terms: Terms
    provisions: tuple[Ident, ...] = ()
    handling: Literal["afgoer", "vejled"] = Field(
        default="vejled",
        description="afgoer: the kommune must decide or process it itself (RSL § 5; PM 34-18 forbids sending the "
                    "citizen off to apply); vejled: guidance towards another authority is right.")


class LetterExpectation(Strict):
    """What a right letter contains on the path it is written on. Answer key."""

    law: Literal["sel", "rsl", "fvl", "aktl", "lab"] = Field(
        default="sel", description="The law a bare '§ 85' in the letter is read as.")
    activities: tuple[ExpectedActivity, ...] = Field(min_length=1)
    facts: tuple[ExpectedFact, ...] = ()
    considerations: tuple[ExpectedFact, ...] = Field(default=(), description="Hovedhensyn behind the skøn.")
    main_argument: ExpectedArgument | None = None
    hearing: ExpectedHearing | None = None
    other_help: tuple[OtherHelp, ...] = ()
    allowed_provisions: tuple[Ident, ...] = Field(
        default=(),
        description="Provisions a letter may also cite (other help, procedure) without it being a wrong basis.")
    complaint: bool = Field(
        default=True, description="Klagevejledning is required (the citizen does not get full medhold).")
    no_suspensive_effect: bool = Field(
        default=False, description="The letter changes or ends help the citizen has: it must say that a complaint "
                                   "does not pause the decision (RSL § 72, the main rule), and must not promise "
                                   "it does.")


class LetterVariant(Strict):
    """The letter step as it reads on paths where `when` holds. Fields left out keep the step's own;
    `expect` replaces the step's expectation key by key (activities, hearing, ...)."""

    when: Condition
    situation: Text | None = None
    task: Text | None = None
    decision: Literal["afslag", "delvist_afslag", "bevilling", "ophoer"] | None = None
    activities: tuple[Text, ...] | None = None
    main_argument: Text | None = None
    model_letter: Text | None = None
    model_note: Text | None = Field(
        default=None, description="Shown instead of a model letter where no good letter is possible on this path.")
    expect: dict[str, Any] | None = None


class LetterStep(Strict):
    kind: Literal["letter"] = "letter"
    id: Ident
    title: Text
    situation: Text
    task: Text = Field(description="What the letter must do, in Danish.")
    decision: Literal["afslag", "delvist_afslag", "bevilling", "ophoer"]
    activities: tuple[Text, ...] = Field(default=(), description="Activities decided on, per activity.")
    main_argument: Text | None = Field(default=None, description="The citizen's main argument to answer.")
    next: Ident
    sets: tuple[Ident, ...] = ()
    legal: tuple[Ident, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    next_if: tuple[Route, ...] = ()
    model_letter: Text | None = Field(default=None, description="Model answer; answer key.")
    model_note: Text | None = Field(
        default=None, description="Shown instead of a model letter where no good letter is possible on this path.")
    expect: LetterExpectation | None = None
    variants: tuple[LetterVariant, ...] = Field(
        default=(), description="How the task, the model letter and the expectation change with the path.")


def _step_kind(value: object) -> str:
    """`kind` may be left out for the common case, a choice step."""
    if isinstance(value, dict):
        return value.get("kind", "choice")
    return getattr(value, "kind", "choice")


Step = Annotated[
    Annotated[ChoiceStep, Tag("choice")] | Annotated[LetterStep, Tag("letter")],
    Discriminator(_step_kind),
]


class Ending(Strict):
    id: Ident
    title: Text
    text: Text = Field(description="What happened to the citizen, in Danish.")
    good: bool | None = Field(default=None, description="Answer key: a good ending for the citizen?")


class ProcessRule(Strict):
    """An ordering or dependency rule over process flags.

    before:   if `then` is set, `first` must have been set earlier.
    requires: if `when` is set, `then` must also be set (at any point).
    """

    id: Ident
    kind: Literal["before", "requires"]
    first: Ident | None = None
    when: Ident | None = None
    then: Ident
    criterion: Criterion
    points: float = Field(default=1.0, gt=0)
    critical: bool = False
    description: Text = Field(description="The rule in plain Danish.")
    legal: tuple[Ident, ...] = Field(min_length=1)


class Case(Strict):
    schema_version: Literal[1] = 1
    id: Ident
    notebook: int | None = Field(
        default=None, ge=10, le=89,
        description="The case's place in the course: its notebook is course/<notebook>-<id>.ipynb. Without "
                    "it the case is in the exam and the tests, but not (yet) in the trainees' course.")
    title: Text
    summary: Text
    citizen: Citizen
    based_on: tuple[SourceRef, ...] = Field(min_length=1, description="Reports the case rests on.")
    learning_goals: tuple[Text, ...] = Field(min_length=1)
    state: dict[Ident, StateVar]
    documents: tuple[Document, ...] = ()
    start: Ident
    steps: tuple[Step, ...] = Field(min_length=1)
    endings: tuple[Ending, ...] = Field(min_length=1)
    rules: tuple[ProcessRule, ...] = ()
    model_path: tuple[Ident, ...] = Field(
        default=(), description="Answer key: option ids (and letter step ids) along the best path."
    )
    typical_error_path: tuple[Ident, ...] = Field(
        default=(), description="Answer key: a path made of the typical errors the reports describe."
    )


class Provision(Strict):
    """One provision in the legal source registry."""

    id: Ident
    law: Text = Field(description="Short name, e.g. Forvaltningsloven.")
    paragraph: Text = Field(description="E.g. § 19, stk. 1.")
    gist: Text = Field(description="Plain-Danish gist, in our own words.")
    version: Text = Field(description="Consolidated act and date the gist was checked against.")
    source: Text = Field(description="Where it was checked (e.g. retsinformation, Myndighedsguiden).")
    checked: Text = Field(description="Date checked, YYYY-MM-DD.")
    external: bool = Field(
        default=False, description="True if the rule is not stated in the source reports themselves."
    )


class Report(Strict):
    id: Ident
    title: Text
    publisher: Text
    year: int
    file: Text = Field(description="Text file name in shared/seeds.")


class LegalRegistry(Strict):
    provisions: tuple[Provision, ...]
    reports: tuple[Report, ...]


class LetterItem(Strict):
    """One item the letter check reports; the check itself is code keyed by id (simulator/letter_check.py)."""

    id: Ident
    criterion: Criterion
    severity: Severity
    points: float = Field(ge=0, description="Worth when the item holds.")
    penalty: float = Field(default=0, ge=0, description="Cost of a wrong statement, on top of the lost points.")
    label: Text
    passed: str
    failed: str
    wrong: str | None = None
    partial: str | None = None
    legal: tuple[Ident, ...] = ()


class LetterRubric(Strict):
    items: tuple[LetterItem, ...]
