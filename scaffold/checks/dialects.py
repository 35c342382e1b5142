"""Each AI tool's agent-file dialect, as the real clients accept it.

The rules come from `shared/reference/agent-formats.md` (measured with the clients) and the
vocabulary files beside this module. A dialect knows where its agent files live, what their
frontmatter may hold, and what the tool does with a bad value: drop the file (an error) or ignore
the value (a warning). `problems` yields (rule id, severity, message), so the tests and
`agentscaffold check` apply the very same rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from scaffold.checks.model import Severity
from scaffold.checks.reading import CLAUDE_RETRY, OPENCODE_RETRY

VOCABULARY = Path(__file__).resolve().parent / "vocabulary"

Check = Callable[[Any], str | None]


@cache
def vocabulary(client: str) -> dict:
    """A client's vocabulary (`vocabulary/<client>.yml`), with the version it was measured on."""
    return yaml.safe_load((VOCABULARY / f"{client}.yml").read_text(encoding="utf-8"))


def is_str(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def non_empty_str(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty string"


def one_of(*choices: str) -> Check:
    return lambda value: None if value in choices else f"must be one of {', '.join(choices)}"


def from_vocabulary(client: str, key: str) -> Check:
    def check(value: Any) -> str | None:
        words = vocabulary(client)
        if value in words[key]:
            return None
        return f"must be one of {', '.join(words[key])} ({words['client']} {words['version']})"

    return check


def positive_int(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return None if ok else "must be a whole number of at least 1"


def number(value: Any) -> str | None:
    return None if isinstance(value, (int, float)) and not isinstance(value, bool) else "must be a number"


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def mapping(value: Any) -> str | None:
    return None if isinstance(value, dict) else "must be a map"


def anything(value: Any) -> None:
    return None


def str_or_list(value: Any) -> str | None:
    if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return None
    return "must be a string or a list of strings"


# A tool name, with a permission pattern in parentheses that may hold spaces: `Bash(git status:*)`.
TOOL_NAME = re.compile(r"[^,\s()]+(?:\([^)]*\))?")


def tool_names(value: Any) -> list[str] | None:
    """Claude Code's `tools`: a comma/space separated string or a YAML list; None if neither."""
    if isinstance(value, str):
        return TOOL_NAME.findall(value)
    if isinstance(value, list) and all(isinstance(n, str) for n in value):
        return [n.strip() for n in value if n.strip()]
    return None


def claude_tools(value: Any) -> str | None:
    if value is None:
        return "is empty, which gives the agent no tools; omit it to inherit all tools"
    return None if tool_names(value) is not None else "must be a comma-separated string or a list of tool names"


def claude_name(value: Any) -> str | None:
    """What the runtime rejects; the docs' lowercase-and-hyphens style is checked as `name_style`."""
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    if value.startswith("-") or ":" in value or len(value) > 256:
        return "must not start with '-', contain ':' or exceed 256 characters"
    return None


def claude_model(value: Any) -> str | None:
    words = vocabulary("claude-code")
    if isinstance(value, str) and (value in words["models"] or any(re.fullmatch(p, value) for p in words["model_patterns"])):
        return None
    return f"is not a model Claude Code {words['version']} knows ({', '.join(words['models'])} or a claude-* id); the agent loads and fails when used"


def opencode_model(value: Any) -> str | None:
    ok = isinstance(value, str) and re.fullmatch(r"[\w.-]+/[\w.:@-]+", value)
    return None if ok else "must be provider/model, e.g. anthropic/claude-sonnet-4-5"


def opencode_color(value: Any) -> str | None:
    ok = isinstance(value, str) and (re.fullmatch(r"#[0-9a-fA-F]{6}", value) or value in vocabulary("opencode")["colors"])
    return None if ok else "must be #RRGGBB or a theme color (primary, accent, ...)"


def opencode_tools(value: Any) -> str | None:
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, bool) for k, v in value.items()):
        return None
    return "must be a map of tool name to true/false, not a list"


def string_list(value: Any) -> str | None:
    return None if isinstance(value, list) and all(isinstance(v, str) for v in value) else "must be a list of strings"


def gemini_name(value: Any) -> str | None:
    ok = isinstance(value, str) and re.fullmatch(r"[a-z0-9_-]+", value)
    return None if ok else "must match ^[a-z0-9-_]+$"


@dataclass(frozen=True)
class ToolVocabulary:
    """Which frontmatter keys list tools, and the client's names for them."""

    client: str  # a vocabulary file
    keys: tuple[str, ...]
    # Names every client accepts whatever the vocabulary: MCP tools and wildcards.
    passthrough: Callable[[str], bool] = lambda name: name == "*" or name.startswith("mcp_") or "/" in name

    def unknown(self, meta: dict) -> Iterator[tuple[str, str]]:
        words = vocabulary(self.client)
        known, retired = set(words["tools"]), words.get("retired_tools") or {}
        for key in self.keys:
            names = tool_names(meta.get(key)) or []
            for name in names:
                # `Bash(git *)`: a permission pattern on a known tool.
                base = name.split("(", 1)[0]
                if base in known or self.passthrough(base):
                    continue
                hint = f"; {retired[base]} replaced it" if base in retired else ""
                yield key, f"{words['client']} {words['version']} has no tool {name!r}{hint}"


@dataclass(frozen=True)
class Dialect:
    """One tool's agent files: where they are, what their frontmatter may hold, what it does with mistakes."""

    tool: str
    patterns: tuple[tuple[str, str], ...]  # (folder, glob within it)
    keys: dict[str, Check]
    required: tuple[str, ...] = ()
    # True where the tool fails on an unknown key; False where it ignores it.
    strict_keys: bool = True
    # What in a value makes the tool quote it and retry when YAML fails (a pattern; see reading.py);
    # None where it parses strictly, so Claude Code's quote-and-retry does not save a file there.
    retry: str | None = CLAUDE_RETRY
    # What a bad value costs: an error where the tool drops the file, a warning where it drops the value.
    value_severity: Severity = Severity.error
    # Keys whose bad value drops the file even where other bad values are only ignored.
    fatal_keys: tuple[str, ...] = ()
    name_from_file: bool = False  # OpenCode: the file name is the agent name
    max_body: int | None = None
    tools: ToolVocabulary | None = None
    name_style: Callable[[Any], str | None] | None = None

    def problems(self, meta: dict) -> Iterator[tuple[str, Severity, str]]:
        for key in self.required:
            if key not in meta:
                yield "agent-required-key", Severity.error, f"{self.tool}: missing required key '{key}'"
        for key, value in meta.items():
            check = self.keys.get(key)
            if check is None:
                if self.strict_keys:
                    yield "agent-unknown-key", Severity.error, f"{self.tool} rejects the key '{key}'"
                else:
                    yield "agent-unknown-key", Severity.warning, f"{self.tool} ignores the key '{key}'"
                continue
            if reason := check(value):
                fatal = key in self.required or key in self.fatal_keys
                rule = "agent-required-key" if key in self.required and fatal else "agent-value"
                yield rule, Severity.error if fatal else self.value_severity, f"{self.tool}: '{key}' {reason}"
        if self.name_style and isinstance(meta.get("name"), str) and (reason := self.name_style(meta["name"])):
            yield "agent-value", Severity.info, f"{self.tool}: 'name' {reason}"
        if self.tools:
            for key, message in self.tools.unknown(meta):
                yield "agent-tool", Severity.warning, f"'{key}': {message}"

    def agent_name(self, meta: dict, stem: str) -> str:
        name = meta.get("name")
        return stem if self.name_from_file or not isinstance(name, str) else name


def documented_name_style(value: str) -> str | None:
    """Claude Code loads `Code Reviewer` or `api.v2`; its docs ask for lowercase and hyphens."""
    if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", value):
        return None
    return "loads, but the documented form is lowercase letters, digits and hyphens"


DIALECTS = (
    Dialect(
        tool="Claude Code",
        patterns=((".claude/agents", "**/*.md"),),
        required=("name", "description"),
        strict_keys=False,
        value_severity=Severity.warning,
        tools=ToolVocabulary("claude-code", ("tools", "disallowedTools")),
        name_style=documented_name_style,
        keys={
            "name": claude_name, "description": non_empty_str, "tools": claude_tools, "disallowedTools": claude_tools,
            "model": claude_model, "color": from_vocabulary("claude-code", "colors"),
            "permissionMode": from_vocabulary("claude-code", "permission_modes"),
            "maxTurns": positive_int, "memory": one_of("user", "project", "local"), "isolation": one_of("worktree"),
            "effort": is_str, "background": boolean, "skills": str_or_list, "mcpServers": anything,
            "hooks": mapping, "initialPrompt": is_str,
        },
    ),
    Dialect(
        tool="GitHub Copilot",
        patterns=((".github/agents", "*.agent.md"),),
        required=("description",),
        max_body=30_000,
        tools=ToolVocabulary("github-copilot", ("tools",)),
        keys={
            "name": non_empty_str, "description": non_empty_str, "tools": string_list,
            "model": non_empty_str, "target": one_of("vscode", "github-copilot"), "mcp-servers": mapping,
            "metadata": mapping, "argument-hint": is_str, "handoffs": anything,
        },
    ),
    Dialect(
        tool="Cursor",
        patterns=((".cursor/rules", "**/*.mdc"),),
        strict_keys=False,
        value_severity=Severity.warning,
        keys={"description": is_str, "globs": lambda v: None if v is None else str_or_list(v), "alwaysApply": boolean},
    ),
    Dialect(
        tool="OpenCode",
        patterns=((".opencode/agents", "*.md"), (".opencode/agent", "*.md")),
        required=("description",),
        retry=OPENCODE_RETRY,
        name_from_file=True,
        keys={
            "description": non_empty_str, "mode": one_of("primary", "subagent", "all"), "model": opencode_model,
            "temperature": number, "top_p": number, "tools": opencode_tools, "permission": mapping,
            "color": opencode_color, "disable": boolean, "hidden": boolean, "steps": positive_int,
            "maxSteps": positive_int, "prompt": is_str, "options": mapping,
        },
    ),
    Dialect(
        tool="Gemini CLI",
        patterns=((".gemini/agents", "*.md"),),
        required=("name", "description"),
        retry=None,
        tools=ToolVocabulary("gemini-cli", ("tools",)),
        keys={
            "kind": one_of("local", "remote"), "name": gemini_name, "description": non_empty_str,
            "display_name": is_str, "tools": string_list, "mcp_servers": mapping, "model": is_str,
            "temperature": number, "max_turns": positive_int, "timeout_mins": positive_int,
        },
    ),
)
