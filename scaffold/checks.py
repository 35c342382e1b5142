"""The soundness rules of an agent kit, as findings with stable rule ids.

Works on any kit, generated or hand-written. Each rule is a function from the
kit to findings; `RULES` documents them (the README table is this dict).
Nothing here imports Copier: drift, the one rule that renders the template,
lives in `scaffold.drift` and runs only when asked for.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from scaffold.dialects import DIALECTS, Dialect
from scaffold.kit import ANSWERS_FILE, ENV_LINE, cited_paths, handoffs, inert_markdown, jinja_leftovers, path_exists, split_frontmatter

RULES = {
    "agent-frontmatter": "An agent file has frontmatter that parses, with a safe YAML loader, to a map.",
    "agent-required-key": "An agent file has every key its tool requires (e.g. name and description).",
    "agent-value": "Each frontmatter value has the type and value its tool accepts (model, color, tools, mode, name pattern).",
    "agent-unknown-key": "No key the tool rejects (OpenCode, Gemini CLI, Copilot and Cursor fail on unknown keys).",
    "agent-duplicate-name": "No two agents of one tool share a name (Claude Code then loads one at random).",
    "agent-empty-body": "An agent file has a prompt after its frontmatter (and Copilot's fits in 30,000 characters).",
    "cited-path": "Every repo path a kit file cites exists; {placeholder} and * segments must match an existing path.",
    "handoff": "Every @agent handoff names an agent that exists in the kit.",
    "json-schema": "The feature-log JSON files parse and match their JSON Schemas.",
    "env-example": ".env.example and docs/context/devops/configuration.md list the same variables.",
    "jinja-leftover": "No unrendered Jinja ({{, {%, {#) in a kit file.",
    "encoding": "Every kit file is UTF-8 text (tools show other bytes as U+FFFD, or skip the file).",
    "drift": "The kit matches what its template renders for the recorded answers (reported as information unless --strict).",
}

# Instruction files every tool reads, plus the docs agents are sent to.
INSTRUCTION_FILES = ("CLAUDE.md", ".claude/CLAUDE.md", "AGENTS.md", "GEMINI.md", ".github/copilot-instructions.md")
DOC_PATTERNS = ("docs/**/*.md",)
# In a kit, only the kit's own docs: a repo's existing docs/ is the team's, not ours to judge.
KIT_DOC_PATTERNS = tuple(f"docs/{folder}/**/*.md" for folder in ("context", "guides", "features", "memory", "agent-kit"))
ENV_ADDITIONS = ".env.example.additions"
SCHEMA_FOR = {
    "feature-log.json": "feature-log.schema.json",
    "implementation-log-summary.json": "implementation-log-summary.schema.json",
    "implementation-log.json": "implementation-log.schema.json",
}
CONFIG_DOC = "docs/context/devops/configuration.md"
CONFIG_NAME = re.compile(r"^(?:\|\s*|#{2,4}\s+)`([A-Za-z_][A-Za-z0-9_]*)`", re.M)
# libyaml's safe loader when PyYAML was built with it: same rules, several times faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TRIGGERS = re.compile(r"[{@/`#]|\.mdc?\b")


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    rule: str
    message: str

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "rule": self.rule, "message": self.message}


@dataclass(frozen=True)
class AgentFile:
    path: Path
    relative: str
    dialect: Dialect
    text: str

    @cached_property
    def parts(self) -> tuple[str | None, str]:
        return split_frontmatter(self.text)

    @cached_property
    def meta(self) -> dict | None:
        source, _ = self.parts
        try:
            data = yaml.load(source, Loader=SAFE_LOADER) if source is not None else None
        except yaml.YAMLError:
            return None
        return data if isinstance(data, dict) else None

    def key_line(self, key: str) -> int:
        match = re.search(rf"^{re.escape(key)}\s*:", self.parts[0] or "", re.M)
        return 1 + (self.parts[0] or "")[: match.start()].count("\n") + 1 if match else 1


class Kit:
    """The files of one repository that make up its agent kit."""

    def __init__(self, root: Path):
        self.root = root
        # Files that are not UTF-8, with the offset of the first bad byte: read anyway, reported once.
        self.undecodable: dict[Path, int] = {}

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def read(self, path: Path) -> str:
        data = path.read_bytes()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            self.undecodable.setdefault(path, error.start)
            return data.decode("utf-8", errors="replace")

    @property
    def found(self) -> bool:
        """Does the folder hold a kit, or at least an agent or instruction file, to check?"""
        names = (ANSWERS_FILE, *INSTRUCTION_FILES)
        return bool(self.agent_files) or any((self.root / name).is_file() for name in names)

    @cached_property
    def agent_files(self) -> list[AgentFile]:
        found = []
        for dialect in DIALECTS:
            seen = set()
            for pattern in dialect.patterns:
                for path in sorted(self.root.glob(pattern)):
                    if path.is_file() and path not in seen:
                        seen.add(path)
                        found.append(AgentFile(path, self.rel(path), dialect, self.read(path)))
        return found

    @cached_property
    def recorded(self) -> dict:
        """The kit's recorded answers, or {} when the repo holds no generated kit."""
        answers = self.root / ANSWERS_FILE
        if not answers.is_file():
            return {}
        try:
            recorded = yaml.load(self.read(answers), Loader=SAFE_LOADER) or {}
        except yaml.YAMLError:
            return {}
        return recorded if isinstance(recorded, dict) else {}

    @cached_property
    def team_owned(self) -> frozenset[str]:
        """Files the team owned before the kit: recorded by `new`, never the kit's to check."""
        owned = self.recorded.get("team_owned") or []
        return frozenset(p for p in owned if isinstance(p, str))

    @cached_property
    def markdown_files(self) -> list[Path]:
        paths = {self.root / name for name in INSTRUCTION_FILES if (self.root / name).is_file()}
        paths |= {agent.path for agent in self.agent_files}
        for pattern in KIT_DOC_PATTERNS if self.recorded else DOC_PATTERNS:
            paths |= {p for p in self.root.glob(pattern) if p.is_file()}
        return sorted(p for p in paths if self.rel(p) not in self.team_owned)

    @cached_property
    def agent_names(self) -> set[str]:
        return {a.dialect.agent_name(a.meta, a.path.stem.removesuffix(".agent")) for a in self.agent_files if a.meta is not None}

    @cached_property
    def user_text(self) -> list[str]:
        """Free text the user typed (from the answers file): data, never a template or a reference."""
        recorded = self.recorded
        # Only text that could look like Jinja, a handoff or a path; a choice such as
        # `django` must not be blanked out of a real reference.
        values = {v for k, v in recorded.items() if isinstance(v, str) and not k.startswith("_") and TRIGGERS.search(v)}
        values |= {v.strip() for v in values}
        values |= {inert_markdown(v) for v in values}  # as CLAUDE.md, GEMINI.md and AGENTS.md carry it
        return sorted((v for v in values if len(v) > 1), key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """Blank out the user's free text, keeping line numbers."""
        for value in self.user_text:
            if value in text:
                text = text.replace(value, re.sub(r"[^\n]", " ", value))
        return text

    @cached_property
    def texts(self) -> dict[Path, str]:
        """Markdown to scan for references and Jinja: agent prompts without frontmatter, user text blanked."""
        agents = {agent.path: agent for agent in self.agent_files}
        texts = {}
        for path in self.markdown_files:
            text = self.read(path)
            if path in agents and agents[path].parts[0] is not None:
                source = agents[path].parts[0]
                text = "\n" * (source.count("\n") + 2) + agents[path].parts[1]
            texts[path] = self.scrub(text)
        return texts


def check_agents(kit: Kit) -> Iterator[Finding]:
    names: dict[tuple[str, str], list[str]] = defaultdict(list)
    for agent in kit.agent_files:
        if agent.meta is None:
            reason = "no frontmatter" if agent.parts[0] is None else "frontmatter does not parse to a map with a safe YAML loader"
            yield Finding(agent.relative, 1, "agent-frontmatter", f"{agent.dialect.tool}: {reason}; tools skip such agents or guess")
            continue
        for rule, message in agent.dialect.problems(agent.meta):
            key = re.search(r"'([^']+)'", message)
            yield Finding(agent.relative, agent.key_line(key.group(1)) if key else 1, rule, message)
        body = agent.parts[1]
        if not body.strip():
            yield Finding(agent.relative, 1, "agent-empty-body", f"{agent.dialect.tool}: the agent has no prompt")
        elif agent.dialect.max_body and len(body) > agent.dialect.max_body:
            yield Finding(agent.relative, 1, "agent-empty-body", f"{agent.dialect.tool}: prompt exceeds {agent.dialect.max_body} characters")
        stem = agent.path.stem.removesuffix(".agent")
        names[(agent.dialect.tool, agent.dialect.agent_name(agent.meta, stem))].append(agent.relative)
    for (tool, name), paths in names.items():
        for path in paths[1:]:
            yield Finding(path, 1, "agent-duplicate-name", f"{tool}: agent name '{name}' is also used by {paths[0]}")


def check_references(kit: Kit) -> Iterator[Finding]:
    for path, text in kit.texts.items():
        relative = kit.rel(path)
        for citation in cited_paths(text):
            if not path_exists(kit.root, citation.path):
                yield Finding(relative, citation.line, "cited-path", f"cites {citation.path}, which does not exist")
        for line, name in handoffs(text):
            if name not in kit.agent_names:
                known = ", ".join(sorted(kit.agent_names)) or "none"
                yield Finding(relative, line, "handoff", f"hands off to @{name}, but no such agent exists (agents: {known})")


def check_jinja(kit: Kit) -> Iterator[Finding]:
    for path, text in kit.texts.items():
        for line in jinja_leftovers(text):
            yield Finding(kit.rel(path), line, "jinja-leftover", "unrendered Jinja")
    for agent in kit.agent_files:  # frontmatter: the parsed values, so YAML escaping cannot hide anything
        for key, value in (agent.meta or {}).items():
            if isinstance(value, str) and jinja_leftovers(kit.scrub(value)):
                yield Finding(agent.relative, agent.key_line(key), "jinja-leftover", f"unrendered Jinja in '{key}'")
    data_files = [kit.root / name for name in ("agentscaffold.yml", ".env.example", ".mcp.json")]
    for path in [*data_files, *kit.root.glob("docs/features/**/*.json")]:
        if path.is_file():
            text = kit.read(path)
            if path.suffix in {".yml", ".json"}:  # scan values: quoting and folding cannot hide or split anything
                try:
                    text = "\n".join(_strings(json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=SAFE_LOADER)))
                except (ValueError, yaml.YAMLError):
                    pass
            if jinja_leftovers(kit.scrub(text)):
                yield Finding(kit.rel(path), 1, "jinja-leftover", "unrendered Jinja")


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def check_json(kit: Kit) -> Iterator[Finding]:
    features = kit.root / "docs" / "features"
    if not features.is_dir():
        return
    import fastjsonschema  # only kits with feature logs pay for it

    validators: dict[Path, object] = {}
    for path in sorted(features.rglob("*.json")):
        if path.name not in SCHEMA_FOR or "schemas" in path.relative_to(features).parts:
            continue
        relative = kit.rel(path)
        try:
            document = json.loads(kit.read(path))
        except json.JSONDecodeError as error:
            yield Finding(relative, error.lineno, "json-schema", f"not valid JSON: {error.msg}")
            continue
        pointer = document.get("$schema") if isinstance(document, dict) else None
        schema_path = (path.parent / pointer) if isinstance(pointer, str) and not pointer.startswith("http") else features / "schemas" / SCHEMA_FOR[path.name]
        if not schema_path.is_file():
            yield Finding(relative, 1, "json-schema", f"its schema {kit.rel(schema_path) if schema_path.is_relative_to(kit.root) else schema_path} does not exist")
            continue
        if schema_path not in validators:
            try:
                validators[schema_path] = fastjsonschema.compile(json.loads(kit.read(schema_path)))
            except (ValueError, fastjsonschema.JsonSchemaDefinitionException) as error:
                shown = kit.rel(schema_path) if schema_path.is_relative_to(kit.root) else schema_path
                yield Finding(relative, 1, "json-schema", f"its schema {shown} is not a valid JSON Schema: {str(error).splitlines()[0]}")
                continue
        try:
            validators[schema_path](document)
        except fastjsonschema.JsonSchemaException as error:
            yield Finding(relative, 1, "json-schema", f"does not match {schema_path.name}: {error.message}")


def check_env(kit: Kit) -> Iterator[Finding]:
    if ".env.example" in kit.team_owned:
        yield from check_env_additions(kit)
        return
    example, config = kit.root / ".env.example", kit.root / CONFIG_DOC
    if not example.is_file() and not config.is_file():
        return
    if not example.is_file():
        if CONFIG_NAME.search(kit.read(config)):  # variables documented, but nowhere to copy them from
            yield Finding(CONFIG_DOC, 1, "env-example", ".env.example is missing")
        return
    if not config.is_file():
        yield Finding(".env.example", 1, "env-example", f"{CONFIG_DOC} is missing")
        return
    in_example = {m.group(1): m for m in ENV_LINE.finditer(kit.read(example))}
    config_text = kit.read(config)
    documented = set(CONFIG_NAME.findall(config_text))
    for name, match in in_example.items():
        if name not in documented:
            line = kit.read(example)[: match.start()].count("\n") + 1
            yield Finding(".env.example", line, "env-example", f"{name} is not documented in {CONFIG_DOC}")
    for name in sorted(documented - set(in_example)):
        line = config_text[: config_text.index(f"`{name}`")].count("\n") + 1
        yield Finding(CONFIG_DOC, line, "env-example", f"{name} is documented but missing from .env.example")


def check_env_additions(kit: Kit) -> Iterator[Finding]:
    """With the team's own .env.example, every documented variable is there or in the kit's additions."""
    config = kit.root / CONFIG_DOC
    if not config.is_file():
        return
    listed: set[str] = set()
    for name in (".env.example", ENV_ADDITIONS):
        if (kit.root / name).is_file():
            listed |= set(ENV_LINE.findall(kit.read(kit.root / name)))
    config_text = kit.read(config)
    for name in sorted(set(CONFIG_NAME.findall(config_text)) - listed):
        line = config_text[: config_text.index(f"`{name}`")].count("\n") + 1
        yield Finding(CONFIG_DOC, line, "env-example", f"{name} is documented but neither .env.example nor {ENV_ADDITIONS} lists it")


def check_encoding(kit: Kit) -> Iterator[Finding]:
    """Runs last: the other rules have read every file by then."""
    for path, offset in sorted(kit.undecodable.items()):
        yield Finding(kit.rel(path), 1, "encoding", f"not UTF-8 text (byte {offset}); it was read with U+FFFD in place of the bad bytes")


CHECKS = (check_agents, check_references, check_jinja, check_json, check_env, check_encoding)


def check_kit(kit: Kit | Path, ignore: frozenset[str] = frozenset()) -> list[Finding]:
    kit = kit if isinstance(kit, Kit) else Kit(kit)
    findings = [finding for check in CHECKS for finding in check(kit) if finding.rule not in ignore]
    return sorted(set(findings))
