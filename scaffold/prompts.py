"""Interactive prompts with questionary: only valid choices, sensible defaults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scaffold.errors import UsageError
from scaffold.questions import Choice, Question

# Longer than any free-text answer the template accepts (the description's limit is 2,000), so the
# validator still says why; the cap bounds memory, since prompt_toolkit keeps the whole text on its
# undo stack once per key, and a pasted megabyte would otherwise grow that stack quadratically.
MAX_TYPED = 4096


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
        prompt.application.current_buffer.on_text_changed += _cap_length
    return accept(prompt.unsafe_ask())


def _cap_length(buffer: Any) -> None:
    if len(buffer.text) > MAX_TYPED:
        buffer.text = buffer.text[:MAX_TYPED]
