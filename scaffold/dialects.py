"""Each AI tool's agent-file dialect, as the real clients accept it.

The rules come from `shared/reference/agent-formats.md` (measured with the
clients). A dialect knows where its agent files live and what their
frontmatter may hold; `problems` returns (rule id, message) pairs, so the
tests and `agentscaffold check` apply the very same rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

CLAUDE_TOOLS = frozenset(
    "Read Write Edit MultiEdit Bash Glob Grep WebFetch WebSearch TodoWrite NotebookEdit Task Agent".split()
)
CLAUDE_COLORS = frozenset("red blue green yellow purple orange pink cyan".split())
CLAUDE_MODELS = frozenset("inherit sonnet opus haiku".split())
OPENCODE_THEME_COLORS = frozenset("primary secondary accent success warning error info".split())
COPILOT_TOOL_ALIASES = frozenset("execute shell bash read edit write search grep glob agent web fetch todo".split())
GEMINI_TOOLS = frozenset(
    "read_file read_many_files list_directory glob grep_search replace write_file run_shell_command "
    "web_fetch google_web_search save_memory write_todos".split()
)

Check = Callable[[Any], str | None]


def is_str(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def non_empty_str(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty string"


def one_of(*choices: str) -> Check:
    return lambda value: None if value in choices else f"must be one of {', '.join(choices)}"


def positive_int(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return None if ok else "must be a whole number of at least 1"


def number(value: Any) -> str | None:
    return None if isinstance(value, (int, float)) and not isinstance(value, bool) else "must be a number"


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def mapping(value: Any) -> str | None:
    return None if isinstance(value, dict) else "must be a map"


def str_or_list(value: Any) -> str | None:
    if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return None
    return "must be a string or a list of strings"


def claude_tools(value: Any) -> str | None:
    if value is None:
        return "is empty, which gives the agent no tools; omit it to inherit all tools"
    names = re.split(r"[,\s]+", value.strip()) if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return "must be a comma-separated string or a list of tool names"
    unknown = [n for n in names if n and n != "*" and n not in CLAUDE_TOOLS and not n.startswith("mcp__")]
    return f"has unknown tool {unknown[0]!r}" if unknown else None


def claude_name(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return "must be a non-empty string"
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", value) or len(value) > 256:
        return "must be lowercase letters, digits and hyphens"
    return None


def claude_model(value: Any) -> str | None:
    if isinstance(value, str) and (value in CLAUDE_MODELS or value.startswith("claude-")):
        return None
    return "must be inherit, sonnet, opus, haiku or a full claude-* model id"


def opencode_model(value: Any) -> str | None:
    ok = isinstance(value, str) and re.fullmatch(r"[\w.-]+/[\w.:@-]+", value)
    return None if ok else "must be provider/model, e.g. anthropic/claude-sonnet-4-5"


def opencode_color(value: Any) -> str | None:
    ok = isinstance(value, str) and (re.fullmatch(r"#[0-9a-fA-F]{6}", value) or value in OPENCODE_THEME_COLORS)
    return None if ok else "must be #RRGGBB or a theme color (primary, accent, ...)"


def opencode_tools(value: Any) -> str | None:
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, bool) for k, v in value.items()):
        return None
    return "must be a map of tool name to true/false, not a list"


def list_of(allowed: frozenset[str] | None = None, what: str = "tool") -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of strings"
        if allowed is not None:
            unknown = [v for v in value if v not in allowed and not v.startswith("mcp_") and v != "*" and "/" not in v]
            if unknown:
                return f"has unknown {what} {unknown[0]!r}"
        return None

    return check


def gemini_name(value: Any) -> str | None:
    ok = isinstance(value, str) and re.fullmatch(r"[a-z0-9_-]+", value)
    return None if ok else "must match ^[a-z0-9-_]+$"


@dataclass(frozen=True)
class Dialect:
    """One tool's agent files: where they are and what their frontmatter may hold."""

    tool: str
    patterns: tuple[str, ...]
    keys: dict[str, Check]
    required: tuple[str, ...] = ()
    # False where the tool ignores unknown keys; True where one breaks loading.
    strict_keys: bool = True
    name_from_file: bool = False  # OpenCode: the file name is the agent name
    max_body: int | None = None

    def problems(self, meta: dict) -> Iterator[tuple[str, str]]:
        for key in self.required:
            if key not in meta:
                yield "agent-required-key", f"{self.tool}: missing required key '{key}'"
        for key, value in meta.items():
            check = self.keys.get(key)
            if check is None:
                if self.strict_keys:
                    yield "agent-unknown-key", f"{self.tool} rejects the key '{key}'"
                continue
            if reason := check(value):
                yield "agent-value", f"{self.tool}: '{key}' {reason}"

    def agent_name(self, meta: dict, stem: str) -> str:
        name = meta.get("name")
        return stem if self.name_from_file or not isinstance(name, str) else name


DIALECTS = (
    Dialect(
        tool="Claude Code",
        patterns=(".claude/agents/**/*.md",),
        required=("name", "description"),
        strict_keys=False,
        keys={
            "name": claude_name, "description": is_str, "tools": claude_tools, "disallowedTools": claude_tools,
            "model": claude_model, "color": one_of(*sorted(CLAUDE_COLORS)),
            "permissionMode": one_of("default", "acceptEdits", "auto", "dontAsk", "bypassPermissions", "plan"),
            "maxTurns": positive_int, "memory": one_of("user", "project", "local"), "isolation": one_of("worktree"),
            "effort": is_str, "background": boolean, "skills": str_or_list, "mcpServers": lambda v: None,
            "hooks": mapping, "initialPrompt": is_str,
        },
    ),
    Dialect(
        tool="GitHub Copilot",
        patterns=(".github/agents/*.agent.md",),
        required=("description",),
        max_body=30_000,
        keys={
            "name": non_empty_str, "description": non_empty_str, "tools": list_of(COPILOT_TOOL_ALIASES),
            "model": non_empty_str, "target": one_of("vscode", "github-copilot"), "mcp-servers": mapping,
            "metadata": mapping, "argument-hint": is_str, "handoffs": lambda v: None,
        },
    ),
    Dialect(
        tool="Cursor",
        patterns=(".cursor/rules/**/*.mdc",),
        keys={"description": is_str, "globs": lambda v: None if v is None else str_or_list(v), "alwaysApply": boolean},
    ),
    Dialect(
        tool="OpenCode",
        patterns=(".opencode/agents/*.md", ".opencode/agent/*.md"),
        required=("description",),
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
        patterns=(".gemini/agents/*.md",),
        required=("name", "description"),
        keys={
            "kind": one_of("local", "remote"), "name": gemini_name, "description": non_empty_str,
            "display_name": is_str, "tools": list_of(GEMINI_TOOLS), "mcp_servers": mapping, "model": is_str,
            "temperature": number, "max_turns": positive_int, "timeout_mins": positive_int,
        },
    ),
)
