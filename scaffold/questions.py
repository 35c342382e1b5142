"""Copier questions, evaluated the way Copier evaluates them.

`copier.yml` is the single source of the questions. This module reads a
question's spec, renders its templated default, choices, validator and `when`
against the answers given so far, and casts raw `--data` strings by the
question's type (YAML only for `yaml`/`json` and multiselect questions), so
the CLI can validate everything before Copier runs and report problems as one
line that names the field and the valid choices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import json

import yaml
from jinja2 import FileSystemLoader, StrictUndefined, Undefined, meta
from jinja2.sandbox import SandboxedEnvironment

from scaffold.errors import UsageError
from scaffold.safety import CONTROL_CHARACTERS

# ask(question, valid choices, default, accept) -> the answer; `accept` parses
# and validates a raw answer, raising UsageError with a one-line reason.
Asker = Callable[["Question", list["Choice"], Any, Callable[[Any], Any]], Any]

TRUE_WORDS = {"y", "yes", "t", "true", "on", "1"}
FALSE_WORDS = {"n", "no", "f", "false", "off", "0"}


@dataclass(frozen=True)
class Choice:
    label: str
    value: Any


@dataclass(frozen=True)
class Question:
    name: str
    type: str = "str"
    help: str = ""
    choices: Any = None
    default: Any = None
    multiselect: bool = False
    multiline: bool = False
    validator: str = ""
    when: Any = True
    ask: Any = True

    @classmethod
    def from_config(cls, name: str, spec: Any) -> Question:
        if not isinstance(spec, Mapping):  # Copier's shorthand: `name: default`
            spec = {"default": spec}
        default = spec.get("default")
        inferred = {bool: "bool", int: "int", float: "float"}.get(type(default), "str")
        return cls(
            name=name,
            type=spec.get("type", inferred),
            help=str(spec.get("help", "")),
            choices=spec.get("choices"),
            default=default,
            multiselect=bool(spec.get("multiselect", False)),
            multiline=bool(spec.get("multiline", False)),
            validator=spec.get("validator", ""),
            when=spec.get("when", True),
            ask=spec.get("ask", True),
        )

    @property
    def is_computed(self) -> bool:
        """`when: false` values are derived data, never asked nor recorded."""
        return self.when is False


@dataclass
class Interview:
    """Resolves every question in order, from `--data`, defaults or a prompt."""

    template_root: Path
    given: dict[str, str]
    strict: bool = False
    context: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    # Values read from the repo: they replace a question's default when its choices allow them,
    # and `evidence` says where each was read, for the prompt.
    detected: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    # Called with each answer as it is chosen: `new` reads the chosen service's facts once the stack
    # is known, when the repo holds several.
    refine: Callable[[str, Any], None] | None = None
    # One line per answer that was changed on the way in (control characters removed).
    notices: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Same loader root and filters as Copier's, so `include 'templates/_stacks/...'` and
        # `from_json` resolve identically.
        self.env = SandboxedEnvironment(
            loader=FileSystemLoader(str(self.template_root)),
            extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
            keep_trailing_newline=True,
            undefined=StrictUndefined if self.strict else Undefined,
        )

    def run(
        self, questions: list[Question], ask: Asker | None
    ) -> dict[str, Any]:
        """Return the answers a user chose (computed values are left to Copier)."""
        known = {q.name for q in questions if not q.is_computed}
        if unknown := sorted(set(self.given) - known):
            raise UsageError(
                f"unknown --data key '{unknown[0]}'; valid keys: {', '.join(q.name for q in questions if not q.is_computed)}"
            )
        self._questions = {q.name: q for q in questions}
        needed = self.needed_computed(questions)
        chosen: dict[str, Any] = {}
        for question in questions:
            if question.is_computed and question.name not in needed:
                continue  # only Copier needs it, to render files; it computes it itself
            if question.is_computed or not cast_bool(self.render(question.when), question.name):
                self.answers[question.name] = self.cast(question, self.render(question.default))
                continue
            choices = self.choices(question)
            if question.name in self.given:
                value = self.cast(question, self.given[question.name])
                self.require_valid(question, value, choices)
            elif ask is None or not cast_bool(self.render(question.ask), question.name):
                value = self.default(question, choices)
                self.require_valid(question, value, choices)
            else:
                shown = question
                if note := self.evidence.get(question.name):
                    shown = replace(question, help=f"{question.help or question.name} [detected: {note}]")
                value = ask(shown, choices, self.default(question, choices), self.acceptor(question, choices))
            self.answers[question.name] = chosen[question.name] = value
            if self.refine is not None:
                self.refine(question.name, value)
        return chosen

    # -- rendering -------------------------------------------------------------
    def render(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.env.from_string(value).render({**self.context, **self.answers})
        if isinstance(value, list):
            return [self.render(item) for item in value]
        return value

    def choices(self, question: Question) -> list[Choice]:
        raw = question.choices
        if raw is None:
            return []
        if isinstance(raw, str):
            raw = yaml.safe_load(self.render(raw))
        pairs = raw.items() if isinstance(raw, Mapping) else ((item, item) for item in raw)
        return [Choice(str(self.render(label)), self.cast(question, self.render(value), single=True)) for label, value in pairs]

    def default(self, question: Question, choices: list[Choice]) -> Any:
        if question.name in self.detected:
            found = self.cast(question, self.detected[question.name])
            if self.problem(question, found, choices) is None:
                return found
        value = self.cast(question, self.render(question.default))
        if question.multiselect and value is None:
            return []
        if value is None and choices:
            return choices[0].value
        return value

    # -- casting and validation --------------------------------------------------
    def cast(self, question: Question, raw: Any, single: bool = False) -> Any:
        if question.multiselect and not single:
            items = raw
            if isinstance(raw, str):
                try:
                    items = yaml.safe_load(raw) if raw.strip() else []
                except yaml.YAMLError:  # `a, [b`: not a YAML list, so the comma form
                    items = None
                if not isinstance(items, list):
                    items = [part.strip() for part in raw.split(",") if part.strip()]
            return [self.cast(question, item, single=True) for item in items or []]
        kind = question.type
        if kind == "json" and isinstance(raw, str):
            try:
                return json.loads(raw) if raw.strip() else None
            except ValueError:  # JSON is YAML too: a hand-typed answer may use YAML's flow style
                return load_yaml_answer(question.name, raw)
        if kind in {"yaml", "json"}:
            return load_yaml_answer(question.name, raw) if isinstance(raw, str) else raw
        if kind == "bool":
            return cast_bool(raw, question.name)
        if kind in {"int", "float"}:
            try:
                return (int if kind == "int" else float)(raw)
            except (TypeError, ValueError):
                noun = "a whole number" if kind == "int" else "a number"
                raise UsageError(f"{question.name}: {raw!r} is not {noun}") from None
        text = "" if raw is None else str(raw)
        if question.choices is not None:  # `--data "stack= django "` means django
            text = text.strip()
        cleaned = CONTROL_CHARACTERS.sub("", text)
        if cleaned != text:
            notice = f"{question.name}: removed {len(text) - len(cleaned)} control character(s)"
            if notice not in self.notices:
                self.notices.append(notice)
        return cleaned

    def problem(self, question: Question, value: Any, choices: list[Choice]) -> str | None:
        """Why `value` is not acceptable, as one line, or None."""
        valid = [choice.value for choice in choices]
        if valid:
            wrong = [v for v in (value if question.multiselect else [value]) if v not in valid]
            if wrong:
                context = self.dependency_note(question)
                return (
                    f"{question.name}: {wrong[0]!r} is not a valid choice{context}; "
                    f"valid choices: {', '.join(map(str, valid))}"
                )
        if question.validator:
            message = self.env.from_string(question.validator).render(
                {**self.context, **self.answers, question.name: value}
            ).strip()
            if message:
                return message
        return None

    def acceptor(self, question: Question, choices: list[Choice]) -> Callable[[Any], Any]:
        """Parse and validate a raw answer; raises UsageError with the reason."""

        def accept(raw: Any) -> Any:
            value = self.cast(question, raw)
            self.require_valid(question, value, choices)
            return value

        return accept

    def require_valid(self, question: Question, value: Any, choices: list[Choice]) -> None:
        if message := self.problem(question, value, choices):
            raise UsageError(message)

    def dependency_note(self, question: Question) -> str:
        """' for stack=django' when a question's choices depend on other answers."""
        if not isinstance(question.choices, str):
            return ""
        roots = self.asked_dependencies(question.choices)
        if not roots:
            return ""
        return " for " + ", ".join(f"{name}={self.answers[name]}" for name in roots if name in self.answers)

    def needed_computed(self, questions: list[Question]) -> set[str]:
        """The computed values a question's default, choices, validator or condition reads.

        The others (the resolved stack, the environment groups) only shape the rendered files, and
        Copier computes them again for that, so evaluating them here would only double the work.
        """
        computed = {q.name: q for q in questions if q.is_computed}
        pending = [
            part for q in questions if not q.is_computed
            for part in (q.choices, q.default, q.validator, q.when, q.ask) if isinstance(part, str)
        ]
        needed: set[str] = set()
        while pending:
            for name in meta.find_undeclared_variables(self.env.parse(pending.pop())) & computed.keys() - needed:
                needed.add(name)
                if isinstance(computed[name].default, str):
                    pending.append(computed[name].default)
        return needed

    def asked_dependencies(self, source: str, seen: frozenset[str] = frozenset()) -> list[str]:
        names = meta.find_undeclared_variables(self.env.parse(source))
        result: list[str] = []
        for name in sorted(names - seen):
            dep = self._questions.get(name)
            if dep is None:
                continue
            if dep.is_computed and isinstance(dep.default, str):
                result += self.asked_dependencies(dep.default, seen | {name})
            elif not dep.is_computed:
                result.append(name)
        return list(dict.fromkeys(result))


def load_yaml_answer(name: str, text: str) -> Any:
    """Parse a YAML answer; malformed YAML is the user's to fix, so it is a one-line UsageError."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise UsageError(f"{name}: not valid YAML{where}: {getattr(error, 'problem', None) or error}") from None


def cast_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise UsageError(f"{name}: {value!r} is not a boolean; use true or false")
