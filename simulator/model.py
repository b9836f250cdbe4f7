"""The case format: pydantic models for one case file and the registries.

A case is a graph of steps. Each step offers options; an option leads to the
next step or to an ending, changes the citizen's state, may reveal case
documents, sets process flags, and carries the answer key (credit per
criterion, critical error, feedback). Writing steps hold the decision letter
task and its rubric. The answer-key fields are all optional so that a
key-free copy of a case (for exam releases) is still a valid case.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag

CRITERIA: tuple[str, ...] = (
    "helhedsvurdering",
    "partshoering",
    "begrundelse",
    "klagevejledning",
)

CRITERION_LABELS: dict[str, str] = {
    "helhedsvurdering": "Helhedsvurdering og vejledning",
    "partshoering": "Partshøring",
    "begrundelse": "Begrundelse",
    "klagevejledning": "Klagevejledning",
}

Criterion = Literal["helhedsvurdering", "partshoering", "begrundelse", "klagevejledning"]
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


class StateVar(Strict):
    label: Text = Field(description="Plain-Danish name shown to the trainee.")
    initial: int
    min: int = 0
    max: int = 100
    unit: str = ""
    higher_is_better: bool = True


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
    sources: tuple[SourceRef, ...] = ()


class Option(Strict):
    id: Ident
    label: Text = Field(description="What the trainee chooses to do, in Danish.")
    next: Ident = Field(description="Id of the next step or of an ending.")
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
    legal: tuple[Ident, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    options: tuple[Option, ...] = Field(min_length=2)


class CheckSpec(Strict):
    """An automatic check on a letter. Patterns are case-insensitive regular expressions."""

    kind: Literal["any", "all", "none", "count", "lix_max", "min_words"]
    patterns: tuple[str, ...] = ()
    groups: tuple[tuple[str, ...], ...] = Field(
        default=(), description="For kind 'all': every group must match at least one pattern."
    )
    min: int | None = None
    max: float | None = None


class RubricItem(Strict):
    id: Ident
    criterion: Criterion
    severity: Severity
    label: Text = Field(description="What the examiner looks for, in Danish.")
    points: float = Field(default=1.0, gt=0)
    check: CheckSpec
    passed: Text = Field(description="Explanation shown when the check passes (Danish).")
    failed: Text = Field(description="Explanation shown when the check fails (Danish).")
    legal: tuple[Ident, ...] = ()
    sources: tuple[SourceRef, ...] = ()


class Rubric(Strict):
    include: tuple[Ident, ...] = Field(
        default=(), description="Ids of shared rubric items in cases/rubric-common.yaml."
    )
    items: tuple[RubricItem, ...] = ()


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
    model_letter: Text | None = Field(default=None, description="Model answer; answer key.")
    rubric: Rubric | None = None


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


class CommonRubric(Strict):
    items: tuple[RubricItem, ...]
