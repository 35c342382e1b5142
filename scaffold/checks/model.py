"""Findings, their severities, and the rules that produce them.

A severity says what a client does with the file, so a team can trust an error:
- `error`: a client drops the file or misreads it (keys lost, frontmatter ignored);
- `warning`: it loads, but something in it is ignored or wrong (an unknown tool, a dead link);
- `info`: portability or style (strict YAML parsers would reject it; a name the docs discourage).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Severity(IntEnum):
    info = 1
    warning = 2
    error = 3

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Rule:
    severity: str  # the usual one; "error or warning" where the tool decides
    summary: str
    example: str


RULES: dict[str, Rule] = {
    "file-size": Rule("error", "An agent, skill or command file fits the client's limit (Claude Code drops files over 1 MiB silently).", "a 2 MB agent file"),
    "agent-frontmatter": Rule("error", "An agent file has frontmatter the tool can read: opening and closing `---`, YAML that parses (after Claude Code's quote-and-retry), a map, no `---` line cutting it short.", "`description: a: b` on a Gemini CLI agent; a `---` line inside a block value"),
    "yaml-portability": Rule("info", "Frontmatter that only Claude Code's lenient reader accepts; strict YAML parsers (Copilot, other tools reading the file) reject it.", "`description: Use when: the API changes`"),
    "agent-required-key": Rule("error", "An agent file has every key its tool requires, non-empty where the tool needs text.", "`description: \"\"`; no `name` in a Claude Code agent"),
    "agent-value": Rule("error or warning", "Each frontmatter value has the type and value its tool accepts: an error where the tool drops the file, a warning where it ignores the value.", "`color: teal` (Claude Code ignores it); `name: 42`"),
    "agent-tool": Rule("warning", "Every tool an agent lists is one its client knows (each unknown one is reported).", "`tools: Read, Serach`"),
    "agent-unknown-key": Rule("error or warning", "No key the tool rejects (an error for OpenCode and Gemini CLI, which fail on unknown keys) or ignores (a warning).", "`colour: blue`"),
    "agent-duplicate-name": Rule("error", "No two agents of one tool share a name (Claude Code keeps the one it finds last and drops the others).", "two files with `name: reviewer`"),
    "agent-empty-body": Rule("warning", "An agent file has a prompt after its frontmatter (an error when Copilot's exceeds 30,000 characters).", "frontmatter only"),
    "skill-frontmatter": Rule("error", "A skill is a folder holding a SKILL.md, and a skill or command has frontmatter (or TOML) that parses.", "`.claude/skills/deploy.md` (never loaded); `description: [unclosed` in a SKILL.md"),
    "skill-required-key": Rule("error or warning", "A skill has the keys its tool requires (Codex, OpenCode, Copilot: name and description), and a command the ones it needs (Gemini CLI: prompt).", "a SKILL.md with no description"),
    "skill-name": Rule("error or warning", "A skill's name matches its folder and the pattern `^[a-z0-9]+(-[a-z0-9]+)*$`, at most 64 characters.", "`name: Deploy_App` in `skills/deploy/`"),
    "skill-description": Rule("error or warning", "A skill's description is non-empty and at most 1,024 characters.", "a 1,500-character description"),
    "command-arguments": Rule("warning", "A command uses the argument placeholder its tool substitutes: `$ARGUMENTS` (Claude Code, OpenCode), `{{args}}` (Gemini CLI).", "`$ARGUMENTS` in a Gemini CLI TOML prompt"),
    "cited-path": Rule("warning", "Every repo path a file cites exists: links resolve from the citing file, code spans from the repo root; paths an agent is told to create are outputs, not references.", "`docs/context/backend/django-postgresql-best-practices.md` in a MySQL kit"),
    "handoff": Rule("warning", "Every @agent handoff names an agent that exists (decorators and doc tags such as `@property` or `@param` are not handoffs).", "`hand off to @devops-wizard`"),
    "jinja-leftover": Rule("warning", "No unrendered Jinja (`{{`, `{%`, `{#...#}`) in prose and code spans (in a generated kit, in code blocks too); JSX attributes (`style={{...}}`), `${{ }}` expressions and heading ids (`{#anchor}`) are not Jinja.", "`Framework: {{ stack }}`"),
    "encoding": Rule("warning", "Every file is UTF-8 text (clients show other bytes as U+FFFD).", "a Latin-1 `é`"),
    "json-schema": Rule("error", "In a kit: the feature-log JSON files parse and match their JSON Schemas (the `feature` commands refuse them otherwise).", "`\"status\": \"finished\"`"),
    "env-example": Rule("warning", "In a kit: `.env.example` (or `.env.example.additions`) and docs/context/devops/configuration.md list the same variables.", "`STRIPE_API_KEY` only in .env.example"),
    "drift": Rule("info", "In a kit: it matches what its template renders for the recorded answers (an error with --strict).", "a kit file edited by hand"),
}


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    rule: str
    message: str
    severity: Severity = Severity.error

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "rule": self.rule, "severity": str(self.severity), "message": self.message}
