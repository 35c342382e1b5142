"""Agent files, read the way their tool reads them.

Severity follows what the client does: a file Claude Code drops (no closing fence, YAML it cannot
read even after quoting values, no name, an empty description, over 1 MiB) is an error; a value it
ignores (an unknown colour or tool) is a warning; YAML only its lenient reader accepts is
information, except in the tools that parse strictly (OpenCode, Gemini CLI), where it is an error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from scaffold.checks.model import Finding, Severity
from scaffold.checks.reading import CLAUDE_MAX_BYTES

if TYPE_CHECKING:
    from scaffold.checks.files import AgentFile, Kit

# Files Claude Code skips in an agents folder without complaint, because they are not agents.
NOT_AGENTS = frozenset({"readme.md"})


def check_agents(kit: Kit) -> Iterator[Finding]:
    names: dict[tuple[str, str], list[str]] = defaultdict(list)
    for agent in kit.agent_files:
        if agent.path.name.lower() in NOT_AGENTS and not agent.reading.has_opening:
            continue
        findings = list(_agent(agent))
        yield from findings
        if agent.meta is not None and not any(f.severity is Severity.error for f in findings):
            names[(agent.dialect.tool, agent.name)].append(agent.relative)
    for name, path in sorted(kit.skills_named_by_agents.items()):
        if name not in kit.skill_names:
            yield Finding(path, 1, "agent-value", f"Claude Code: 'skills' names {name!r}, but no .claude/skills/{name}/SKILL.md exists, so it is not preloaded", Severity.warning)
    for (tool, name), paths in names.items():
        # Measured on Claude Code 2.1.332: the file found last keeps the name, the others are dropped.
        for path in paths[:-1]:
            yield Finding(path, 1, "agent-duplicate-name", f"{tool}: agent name '{name}' is also used by {paths[-1]}, which is loaded instead", Severity.error)


def _agent(agent: AgentFile) -> Iterator[Finding]:
    tool, reading, relative = agent.dialect.tool, agent.reading, agent.relative
    if tool == "Claude Code" and agent.size > CLAUDE_MAX_BYTES:
        yield Finding(relative, 1, "file-size", f"{agent.size:,} bytes: Claude Code skips agent files over 1 MiB without a word", Severity.error)
        return
    if not reading.has_opening:
        yield Finding(relative, 1, "agent-frontmatter", f"{tool}: no frontmatter (a first line of ---); the file is skipped", Severity.error)
        return
    if reading.source is None:
        yield Finding(relative, 1, "agent-frontmatter", f"{tool}: the frontmatter has no closing --- line; the file is skipped", Severity.error)
        return
    strict_problem = reading.strict[1]
    data, problem = reading.retried(agent.dialect.retry)
    if problem is not None:
        how = "parses YAML strictly" if agent.dialect.retry is None else "cannot read it even after quoting values"
        yield Finding(relative, 1, "agent-frontmatter", f"{tool} {how} and skips the file: {problem}", Severity.error)
        return
    if not data:
        yield Finding(relative, 1, "agent-frontmatter", f"{tool}: the frontmatter is empty; the file is skipped", Severity.error)
        return
    if not isinstance(data, dict):
        yield Finding(relative, 1, "agent-frontmatter", f"{tool}: the frontmatter is not a map of keys; the file is skipped", Severity.error)
        return
    if strict_problem is not None:
        yield Finding(relative, 1, "yaml-portability", f"only {tool}'s lenient reader accepts this frontmatter; strict YAML parsers (Gemini CLI) reject it: {strict_problem}", Severity.info)
    if (line := reading.cut_short_at) is not None:
        yield Finding(relative, line, "agent-frontmatter", f"{tool}: the --- on line {line} ends the frontmatter early; the keys after it are lost", Severity.error)
    if strict_problem is None and (line := reading.comment_cut("description")) is not None:
        yield Finding(relative, line, "agent-frontmatter", f"{tool}: ' #' starts a YAML comment, so the description ends there; quote the value", Severity.error)
    for rule, severity, message in agent.dialect.problems(data):
        key = message.split("'")[1] if "'" in message else ""
        yield Finding(relative, reading.key_line(key) if key else 1, rule, message, severity)
    body = reading.body
    if not body.strip():
        yield Finding(relative, 1, "agent-empty-body", f"{tool}: the agent has no prompt", Severity.warning)
    elif agent.dialect.max_body and len(body) > agent.dialect.max_body:
        yield Finding(relative, 1, "agent-empty-body", f"{tool}: the prompt exceeds {agent.dialect.max_body:,} characters and is cut", Severity.error)
