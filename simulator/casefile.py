"""Reading case files and registries from disk, with errors that name file, line, path and problem.

Structural checks come from the pydantic models; the cross-reference checks
(ids, links, reachability, citations) live here because they need the whole
case and the registries at once.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import SagssimError
from .model import (
    Case,
    Condition,
    LegalRegistry,
    LetterExpectation,
    LetterItem,
    LetterRubric,
    LetterStep,
    Route,
)

CASES_DIR = Path(__file__).resolve().parent.parent / "cases"
REGISTRY_FILE = "legal-sources.yaml"
LETTER_RUBRIC_FILE = "letter-rubric.yaml"
PASS_RULES_FILE = "pass-rules.yaml"  # certification pass rules (grading/certify.py), not a case
NON_CASE_FILES = {REGISTRY_FILE, LETTER_RUBRIC_FILE, PASS_RULES_FILE}


@dataclass(frozen=True)
class Problem:
    file: str
    location: str  # dotted path inside the file, e.g. steps[2].options[0].next
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        loc = f" {self.location}:" if self.location else ""
        return f"{where}:{loc} {self.message}"


class CaseFileError(SagssimError):
    """One or more problems in a case or registry file."""

    exit_code = 1

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# ---------------------------------------------------------------- YAML reading


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {seen[key]})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CaseFileError([Problem(name, "", f"cannot read file: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseFileError([Problem(name, "", f"not UTF-8 text (bad byte at offset {exc.start})")]) from None
    try:
        node = yaml.compose(text, Loader=_StrictLoader)
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise CaseFileError([Problem(name, "", f"YAML syntax: {exc.problem or exc}", line)]) from None
    except yaml.YAMLError as exc:
        raise CaseFileError([Problem(name, "", f"YAML syntax: {exc}")]) from None
    if not isinstance(data, dict):
        got = "empty file" if data is None else type(data).__name__
        raise CaseFileError([Problem(name, "", f"top level must be a mapping of fields, got {got}")])
    return data, node


def _line_of(node: yaml.Node | None, loc: Iterable[Any]) -> int | None:
    """Line number of the YAML node at a pydantic location, as deep as it exists."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [v for k, v in node.value if k.value == part]
            if not match:
                if part in ("choice", "letter"):
                    continue  # discriminator tag
                break
            node = match[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
        else:
            continue  # discriminator tags and the like have no node of their own
        line = node.start_mark.line + 1
    return line


def _format_loc(loc: Iterable[Any], data: Any) -> str:
    """steps[2](s3).options[0](a).next — ids make long files easier to navigate."""
    out, node = "", data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                out += f"({node['id']})"
        elif isinstance(node, dict) and part in node:
            out += f".{part}" if out else str(part)
            node = node[part]
        elif isinstance(node, dict) or node is None:
            # a missing field, or a discriminator tag pydantic inserts ("choice", "letter")
            if part in ("choice", "letter") and isinstance(node, dict):
                continue
            out += f".{part}" if out else str(part)
            node = None
    return out


def _validation_problems(name: str, exc: ValidationError, data: Any, node: yaml.Node | None) -> list[Problem]:
    problems = []
    errors = exc.errors(include_url=False)
    failing = [e["loc"] for e in errors if e["type"] != "too_short"]
    for err in errors:
        loc = err["loc"]
        if err["type"] == "too_short" and any(f[: len(loc)] == loc and f != loc for f in failing):
            continue  # a list is only "too short" because one of its items failed above
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check spelling; see cases/case.schema.json)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == "union_tag_invalid":
            msg = f"unknown step kind; expected one of: {err['ctx'].get('expected_tags')}"
        problems.append(Problem(name, _format_loc(loc, data), msg, _line_of(node, loc)))
    return problems


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], path: Path) -> tuple[M, Any, yaml.Node | None]:
    data, node = _read_yaml(path)
    data.pop("$schema", None)
    try:
        return model.model_validate(data), data, node
    except ValidationError as exc:
        raise CaseFileError(_validation_problems(str(path), exc, data, node)) from None


def read_model(model: type[M], path: Path | str, error: type[SagssimError]) -> M:
    """Any YAML input (pass rules, self-checks) read into its model, with the errors cases get:
    file, line, the path inside the file and the problem, raised as `error`."""
    try:
        return _parse(model, Path(path))[0]
    except CaseFileError as exc:
        raise error("\n".join(str(p) for p in exc.problems)) from None


# ---------------------------------------------------------------- registries


@dataclass(frozen=True)
class Library:
    """The registries every case is checked against."""

    registry: LegalRegistry
    letter_items: dict[str, LetterItem] = field(default_factory=dict)

    @property
    def provisions(self) -> dict[str, Any]:
        return {p.id: p for p in self.registry.provisions}

    @property
    def reports(self) -> dict[str, Any]:
        return {r.id: r for r in self.registry.reports}


def library_dir_for(path: Path) -> Path:
    """A case's registries sit beside it; a case elsewhere (a test fixture) uses the course's."""
    folder = path if path.is_dir() else path.parent
    return folder if (folder / REGISTRY_FILE).exists() else CASES_DIR


def load_library(cases_dir: Path = CASES_DIR) -> Library:
    registry, _, _ = _parse(LegalRegistry, cases_dir / REGISTRY_FILE)
    problems = _duplicates(str(cases_dir / REGISTRY_FILE), "provisions", [p.id for p in registry.provisions])
    problems += _duplicates(str(cases_dir / REGISTRY_FILE), "reports", [r.id for r in registry.reports])
    # The letter rubric is key material: a release folder has none, and then no letter is checked.
    letter_file = cases_dir / LETTER_RUBRIC_FILE
    letter = _parse(LetterRubric, letter_file)[0] if letter_file.exists() else LetterRubric(items=())
    problems += _duplicates(str(letter_file), "items", [i.id for i in letter.items])
    known = {p.id for p in registry.provisions}
    for idx, litem in enumerate(letter.items):
        for j, ref in enumerate(litem.legal):
            if ref not in known:
                problems.append(Problem(str(letter_file), f"items[{idx}]({litem.id}).legal[{j}]",
                                        f"provision {ref!r} is not in the legal registry"))
    if problems:
        raise CaseFileError(problems)
    return Library(registry, {i.id: i for i in letter.items})


def _duplicates(name: str, where: str, ids: list[str]) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for i, x in enumerate(ids):
        if x in seen:
            out.append(Problem(name, f"{where}[{i}]", f"duplicate id {x!r}"))
        seen.add(x)
    return out


# ---------------------------------------------------------------- cases


def load_case(path: Path | str, library: Library | None = None) -> Case:
    path = Path(path)
    library = library or load_library(library_dir_for(path))
    case, data, node = _parse(Case, path)
    problems = check_case(case, library, str(path))
    for p in problems:
        object.__setattr__(p, "line", p.line or _line_of(node, _loc_parts(p.location)))
    if problems:
        raise CaseFileError(problems)
    return case


def _loc_parts(location: str) -> list[Any]:
    parts: list[Any] = []
    location = re.sub(r"\([^)]*\)", "", location)  # drop the "(id)" annotations
    for token in re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\[\d+\]", location):
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    return parts


def case_files(cases_dir: Path = CASES_DIR) -> list[Path]:
    return sorted(p for p in cases_dir.glob("*.yaml") if p.name not in NON_CASE_FILES)


def load_all(cases_dir: Path = CASES_DIR) -> dict[str, Case]:
    library = load_library(cases_dir)
    return {c.id: c for c in (load_case(p, library) for p in case_files(cases_dir))}


@dataclass(frozen=True)
class CourseCase:
    id: str
    notebook: str  # file name, e.g. 15-hanne.ipynb
    citizen: str  # the citizen's name, as the course writes it
    title: str


def course_cases(cases_dir: Path = CASES_DIR) -> list[CourseCase]:
    """The cases in the trainees' course, in notebook order: every case file that names its notebook.
    Reads only the fields it needs, so one broken case cannot hide the others from the course list."""
    out = []
    for path in case_files(cases_dir):
        try:
            data, _ = _read_yaml(path)
        except CaseFileError:
            continue
        number = data.get("notebook")
        if isinstance(number, int) and isinstance(data.get("id"), str):
            citizen = (data.get("citizen") or {}).get("name", data["id"].capitalize())
            out.append(CourseCase(data["id"], f"{number}-{data['id']}.ipynb", str(citizen), str(data.get("title", ""))))
    return sorted(out, key=lambda c: c.notebook)


def find_case_file(name: str, cases_dir: Path = CASES_DIR) -> Path:
    path = Path(name)
    if path.suffix == ".yaml" and path.exists():
        return path
    candidate = cases_dir / f"{name}.yaml"
    if candidate.exists():
        return candidate
    known = ", ".join(p.stem for p in case_files(cases_dir))
    raise CaseFileError([Problem(name, "", f"no such case; known cases: {known}")])


def check_case(case: Case, lib: Library, name: str) -> list[Problem]:
    """Cross-reference checks a schema cannot express."""
    out: list[Problem] = []

    def bad(loc: str, msg: str) -> None:
        out.append(Problem(name, loc, msg))

    # cases/<id>.yaml, or <id>.case.yaml for the key-free copy in a release
    if name.endswith(".yaml") and Path(name).name.split(".")[0] != case.id:
        bad("id", f"case id {case.id!r} must match the file name {Path(name).name.split('.')[0]!r}")

    step_ids = [s.id for s in case.steps]
    end_ids = [e.id for e in case.endings]
    out += _duplicates(name, "steps/endings", step_ids + end_ids)
    out += _duplicates(name, "documents", [d.id for d in case.documents])
    nodes = set(step_ids) | set(end_ids)
    docs = {d.id for d in case.documents}
    reports, provisions = lib.reports, lib.provisions

    def cite(loc: str, legal: Iterable[str], sources: Iterable[Any], field: str = "sources") -> None:
        prefix = f"{loc}." if loc else ""
        for j, ref in enumerate(legal):
            if ref not in provisions:
                bad(f"{prefix}legal[{j}]", f"provision {ref!r} is not in the legal registry ({REGISTRY_FILE})")
        for j, src in enumerate(sources):
            if src.report not in reports:
                bad(f"{prefix}{field}[{j}].report", f"report {src.report!r} is not in the registry's reports")
            if src.lines and not (0 < src.lines[0] <= src.lines[1]):
                bad(f"{prefix}{field}[{j}].lines", "line range must be positive and ascending")

    cite("", (), case.based_on, "based_on")
    if case.start not in step_ids:
        bad("start", f"start step {case.start!r} does not exist")
    for name_, state_var in case.state.items():
        if not state_var.min < state_var.max or not state_var.min <= state_var.initial <= state_var.max:
            bad(f"state.{name_}", "need min < max and min <= initial <= max")
    for i, doc in enumerate(case.documents):
        cite(f"documents[{i}]", (), doc.sources)

    flags_set: set[str] = set()
    conditions: list[tuple[str, Condition]] = []  # checked once every flag is known

    def routes(loc: str, routes_: tuple[Route, ...]) -> None:
        for j, route in enumerate(routes_):
            conditions.append((f"{loc}.next_if[{j}].when", route.when))
            if route.next not in nodes:
                bad(f"{loc}.next_if[{j}].next", f"unknown step or ending {route.next!r}")

    for i, step in enumerate(case.steps):
        loc = f"steps[{i}]"
        cite(loc, step.legal, step.sources)
        if isinstance(step, LetterStep):
            flags_set.update(step.sets)
            if step.next not in nodes:
                bad(f"{loc}.next", f"unknown step or ending {step.next!r}")
            routes(loc, step.next_if)
            out += _letter_problems(name, loc, step, docs, provisions, conditions)
            continue
        for j, extra in enumerate(step.situation_if):
            conditions.append((f"{loc}.situation_if[{j}].when", extra.when))
        out += _duplicates(name, f"{loc}.options", [o.id for o in step.options])
        keyed = [o.credit is not None for o in step.options]
        if any(keyed) and not all(keyed):
            bad(f"{loc}.options", "either every option has credit or none does")
        for k, opt in enumerate(step.options):
            oloc = f"{loc}.options[{k}]"
            cite(oloc, opt.legal, opt.sources)
            flags_set.update(opt.sets)
            if opt.next not in nodes:
                bad(f"{oloc}.next", f"unknown step or ending {opt.next!r}")
            if opt.next == step.id:
                bad(f"{oloc}.next", "an option may not lead back to its own step")
            routes(oloc, opt.next_if)
            if opt.available_if is not None:
                conditions.append((f"{oloc}.available_if", opt.available_if))
            for var in opt.effects:
                if var not in case.state:
                    bad(f"{oloc}.effects.{var}", f"unknown state variable {var!r}")
            for d in opt.reveals:
                if d not in docs:
                    bad(f"{oloc}.reveals", f"unknown document {d!r}")
            if opt.credit is not None and opt.feedback is None:
                bad(f"{oloc}.feedback", "a keyed option needs feedback for self-study mode")
            if opt.critical is not None and not opt.legal:
                bad(f"{oloc}.legal", "a critical error must cite the provision it breaks")

    for loc, cond in conditions:
        for flag in cond.flags():
            if flag not in flags_set:
                bad(loc, f"no option or step sets the flag {flag!r}")
        for var in list(cond.min) + list(cond.max):
            if var not in case.state:
                bad(loc, f"unknown state variable {var!r}")

    for i, rule in enumerate(case.rules):
        loc = f"rules[{i}]"
        cite(loc, rule.legal, ())
        trigger = rule.first if rule.kind == "before" else rule.when
        trigger_field = "first" if rule.kind == "before" else "when"
        if trigger is None:
            bad(f"{loc}.{trigger_field}", f"a {rule.kind!r} rule needs {trigger_field!r}")
        for f_name, rule_flag in ((trigger_field, trigger), ("then", rule.then)):
            if rule_flag is not None and rule_flag not in flags_set:
                bad(f"{loc}.{f_name}", f"no option or step sets the flag {rule_flag!r}")
    out += _duplicates(name, "rules", [r.id for r in case.rules])

    if not out:
        out += _graph_problems(case, name)
    return out


def successors(case: Case) -> dict[str, list[str]]:
    """Where each step can lead (an ending leads nowhere), including path-dependent routes."""
    succ: dict[str, list[str]] = {e.id: [] for e in case.endings}
    for s in case.steps:
        links = [s] if isinstance(s, LetterStep) else list(s.options)
        targets = [t for x in links for t in (x.next, *(r.next for r in x.next_if))]
        succ[s.id] = list(dict.fromkeys(targets))
    return succ


def _letter_problems(name: str, loc: str, step: LetterStep, docs: set[str], provisions: dict[str, Any],
                     conditions: list) -> list[Problem]:
    """The expectation of a letter step (and of each variant, merged) must be valid and resolve."""
    out: list[Problem] = []
    expectations: list[tuple[str, LetterExpectation]] = []
    if step.expect is not None:
        expectations.append((f"{loc}.expect", step.expect))
    for j, variant in enumerate(step.variants):
        vloc = f"{loc}.variants[{j}]"
        conditions.append((f"{vloc}.when", variant.when))
        if variant.expect is None:
            continue
        if step.expect is None:
            out.append(Problem(name, f"{vloc}.expect", "a variant can only change an expectation the step has"))
            continue
        unknown = set(variant.expect) - set(LetterExpectation.model_fields)
        if unknown:
            out.append(Problem(name, f"{vloc}.expect", f"unknown field(s) {sorted(unknown)}"))
            continue
        try:
            expectations.append((f"{vloc}.expect",
                                 LetterExpectation.model_validate(step.expect.model_dump() | variant.expect)))
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                where = ".".join(str(x) for x in err["loc"])
                out.append(Problem(name, f"{vloc}.expect.{where}", err["msg"]))
    for eloc, exp in expectations:
        fact_ids = {f.id for f in exp.facts}
        cited: list[tuple[str, str]] = [(f"{eloc}.allowed_provisions", p) for p in exp.allowed_provisions]
        for k, act in enumerate(exp.activities):
            cited += [(f"{eloc}.activities[{k}]({act.id}).provisions", p) for p in act.provisions]
            for fact in act.facts:
                if fact not in fact_ids:
                    out.append(Problem(name, f"{eloc}.activities[{k}]({act.id}).facts", f"unknown fact {fact!r}"))
            if act.outcome in ("bevilget", "afslag", "delvis") and not act.provisions:
                out.append(Problem(name, f"{eloc}.activities[{k}]({act.id}).provisions",
                                   "a decided activity needs the provision it is decided under"))
        for k, help_ in enumerate(exp.other_help):
            cited += [(f"{eloc}.other_help[{k}]({help_.id}).provisions", p) for p in help_.provisions]
        for ref_loc, ref in cited:
            if ref not in provisions:
                out.append(Problem(name, ref_loc, f"provision {ref!r} is not in the legal registry ({REGISTRY_FILE})"))
        for k, expected in enumerate(exp.facts + exp.considerations):
            if expected.document is not None and expected.document not in docs:
                out.append(Problem(name, f"{eloc}.facts[{k}]({expected.id}).document",
                                   f"unknown document {expected.document!r}"))
        if exp.hearing is not None:
            if exp.hearing.document not in docs:
                out.append(Problem(name, f"{eloc}.hearing.document", f"unknown document {exp.hearing.document!r}"))
            conditions.append((f"{eloc}.hearing.flag", Condition(any=(exp.hearing.flag,))))
        out += _duplicates(name, f"{eloc}.activities", [a.id for a in exp.activities])
        out += _duplicates(name, f"{eloc}.facts", [f.id for f in exp.facts + exp.considerations])
    return out


def _graph_problems(case: Case, name: str) -> list[Problem]:
    succ = successors(case)
    index = {s.id: i for i, s in enumerate(case.steps)}
    out = []
    reach, todo = {case.start}, deque([case.start])
    while todo:
        for n in succ[todo.popleft()]:
            if n not in reach:
                reach.add(n)
                todo.append(n)
    for s in case.steps:
        if s.id not in reach:
            out.append(Problem(name, f"steps[{index[s.id]}]", f"step {s.id!r} cannot be reached from the start"))
    ends = {e.id for e in case.endings}
    for e in case.endings:
        if e.id not in reach:
            out.append(Problem(name, "endings", f"ending {e.id!r} cannot be reached from the start"))
    # every step must be able to reach an ending, or a trainee could be stuck forever
    pred: dict[str, list[str]] = {n: [] for n in succ}
    for n, nexts in succ.items():
        for m in nexts:
            pred[m].append(n)
    can_end, todo = set(ends), deque(ends)
    while todo:
        for p in pred[todo.popleft()]:
            if p not in can_end:
                can_end.add(p)
                todo.append(p)
    for s in case.steps:
        if s.id not in can_end:
            out.append(Problem(name, f"steps[{index[s.id]}]", f"no ending can be reached from step {s.id!r}"))
    cycle = _find_cycle(succ, case.start)
    if cycle:
        # Cases are acyclic so that every path ends; a repeat visit is authored as a new step.
        out.append(Problem(name, f"steps[{index[cycle[0]]}]", "the steps form a loop: " + " -> ".join(cycle)))
    out += _model_path_problems(case, name)
    return out


def _find_cycle(succ: dict[str, list[str]], start: str) -> list[str]:
    """A loop reachable from start, as a list of step ids, or [] (iterative DFS)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[tuple[str, int]] = [(start, 0)]
    path: list[str] = []
    while stack:
        node, i = stack.pop()
        if i == 0:
            state[node] = 1
            path.append(node)
        nexts = succ.get(node, [])
        if i < len(nexts):
            stack.append((node, i + 1))
            nxt = nexts[i]
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                stack.append((nxt, 0))
        else:
            state[node] = 2
            path.pop()
    return []


def _model_path_problems(case: Case, name: str) -> list[Problem]:
    out = []
    for attr in ("model_path", "typical_error_path"):
        path = getattr(case, attr)
        if path:
            out += _path_problems(case, name, attr, path)
    return out


def _path_problems(case: Case, name: str, field: str, path: tuple[str, ...]) -> list[Problem]:
    """Walk a key path through the engine itself, so routes and conditions count as they do in play."""
    from .engine import choice_event, letter_event, replay

    steps = {s.id: s for s in case.steps}
    events: list[dict[str, Any]] = []
    for i, choice in enumerate(path):
        res = replay(case, events)
        if res.finished:
            return [Problem(name, f"{field}[{i}]", f"path already reached ending {res.current!r}")]
        step = steps[res.current]
        if isinstance(step, LetterStep):
            if choice != step.id:
                return [Problem(name, f"{field}[{i}]", f"letter step {step.id!r} expected here (write its id)")]
            events.append(letter_event(step.id, ""))
            continue
        events.append(choice_event(step.id, choice))
        if replay(case, events).problems:
            offered = choice in {o.id for o in step.options}
            why = "does not offer option" if offered else "has no option"
            return [Problem(name, f"{field}[{i}]", f"step {step.id!r} {why} {choice!r} here")]
    res = replay(case, events)
    if not res.finished:
        return [Problem(name, field, f"path stops at step {res.current!r} before an ending")]
    return []

