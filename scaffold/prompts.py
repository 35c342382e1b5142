"""Interactive prompts with questionary: only valid choices, sensible defaults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scaffold.errors import UsageError
from scaffold.questions import Choice, Question


def ask(question: Question, choices: list[Choice], default: Any, accept: Callable[[Any], Any]) -> Any:
    import questionary  # only a terminal session pays for prompt_toolkit

    message = question.help or question.name

    def validate(raw: Any) -> bool | str:
        try:
            accept(raw)
        except UsageError as error:
            return str(error)
        return True

    if question.type == "bool":
        prompt = questionary.confirm(message, default=bool(default))
    elif choices and question.multiselect:
        prompt = questionary.checkbox(
            message,
            choices=[questionary.Choice(c.label, value=c.value, checked=c.value in default) for c in choices],
            validate=validate,
        )
    elif choices:
        options = [questionary.Choice(c.label, value=c.value) for c in choices]
        prompt = questionary.select(
            message, choices=options, default=next((o for o in options if o.value == default), None)
        )
    else:
        prompt = questionary.text(
            message, default="" if default is None else str(default), multiline=question.multiline, validate=validate
        )
    return accept(prompt.unsafe_ask())
