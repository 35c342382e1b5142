"""The files of a repository that make up its agent kit, found and read as the clients find them.

Claude Code follows symlinked files and sub-folders of `.claude/agents/`; so does the walk here,
with each real folder visited once so a symlink loop ends. Everything is read once and cached.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from scaffold.checks.dialects import DIALECTS, Dialect
from scaffold.checks.procedures import PLACES, Place
from scaffold.checks.reading import SAFE_LOADER, FrontmatterReading
from scaffold.kit import ANSWERS_FILE, inert_markdown

# Instruction files every tool reads.
INSTRUCTION_FILES = ("CLAUDE.md", ".claude/CLAUDE.md", "AGENTS.md", "GEMINI.md", ".github/copilot-instructions.md")
# In a kit, the kit's own docs are checked too: a repo's other docs are the team's, not ours to judge.
KIT_DOC_FOLDERS = ("docs/context", "docs/guides", "docs/features", "docs/memory", "docs/agent-kit")
STACK_FILE = "agentscaffold.yml"
TRIGGERS = re.compile(r"[{@/`#]|\.mdc?\b")


def glob_pattern(glob: str) -> re.Pattern[str]:
    """A folder-relative glob (`**/*.md`, `*/SKILL.md`) as a regex over POSIX paths."""
    parts = re.split(r"(\*\*/|\*)", glob)
    translated = {"**/": "(?:[^/]+/)*", "*": "[^/]*"}
    return re.compile("".join(translated.get(part, re.escape(part)) for part in parts) + r"\Z")


def walk(root: Path, folder: str, glob: str) -> list[Path]:
    """Files under root/folder matching glob, symlinked folders followed, each real folder once.

    A symlink to a folder outside the repo is not followed: the check stays on the repo, and a
    link to `/` cannot turn it into a walk of the whole disk.
    """
    base = root / folder
    if not base.is_dir():
        return []
    inside = os.path.realpath(root) + os.sep
    pattern, seen, found = glob_pattern(glob), set(), []
    for current, folders, files in os.walk(base, followlinks=True):
        real = os.path.realpath(current)
        if real in seen or not (real + os.sep).startswith(inside):  # a loop, a folder reached twice, or outside
            folders[:] = []
            continue
        seen.add(real)
        folders.sort()
        relative = os.path.relpath(current, base).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        found += [Path(current, name) for name in sorted(files) if pattern.match(prefix + name)]
    # In path order, as Claude Code reads them: with two agents of one name, the later one wins.
    return sorted((path for path in found if path.is_file()), key=lambda path: path.relative_to(base).as_posix())


@dataclass(frozen=True)
class KitFile:
    """An agent, skill or command file: where it is, who reads it, and its text as they read it."""

    path: Path
    relative: str
    size: int
    reading: FrontmatterReading


@dataclass(frozen=True)
class AgentFile(KitFile):
    dialect: Dialect

    @cached_property
    def meta(self) -> dict | None:
        """The frontmatter as the tool reads it (Claude Code leniently, strict tools strictly)."""
        data, problem = self.reading.retried(self.dialect.retry)
        return data if problem is None and isinstance(data, dict) else None

    @property
    def name(self) -> str:
        return self.dialect.agent_name(self.meta or {}, self.path.name.removesuffix(".md").removesuffix(".agent"))


@dataclass(frozen=True)
class ProcedureFile(KitFile):
    place: Place


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

    def _kit_file(self, path: Path) -> dict:
        text = self.read(path)
        return {"path": path, "relative": self.rel(path), "size": path.stat().st_size, "reading": FrontmatterReading(text)}

    @property
    def found(self) -> bool:
        """Does the folder hold a kit, or at least an agent, skill, command or instruction file, to check?"""
        names = (ANSWERS_FILE, STACK_FILE, *INSTRUCTION_FILES)
        return bool(self.agent_files or self.procedures) or any((self.root / name).is_file() for name in names)

    @cached_property
    def generated(self) -> bool:
        """Is this a kit we generated? Kit-only rules (env docs, feature logs, drift) apply only then."""
        return bool(self.recorded) or (self.root / STACK_FILE).is_file()

    @cached_property
    def agent_files(self) -> list[AgentFile]:
        found = []
        for dialect in DIALECTS:
            seen = set()
            for folder, glob in dialect.patterns:
                for path in walk(self.root, folder, glob):
                    if path not in seen and self.rel(path) not in self.team_owned:
                        seen.add(path)
                        found.append(AgentFile(**self._kit_file(path), dialect=dialect))
        return found

    @cached_property
    def procedures(self) -> list[ProcedureFile]:
        """Skills and commands, in every place a tool reads them."""
        return [
            ProcedureFile(**self._kit_file(path), place=place)
            for place in PLACES
            for path in walk(self.root, place.folder, place.glob)
            if self.rel(path) not in self.team_owned
        ]

    @cached_property
    def skill_names(self) -> set[str]:
        """The skills Claude Code can load: each folder's name, and the name its SKILL.md gives."""
        names = set()
        for procedure in self.procedures:
            if procedure.place.kind == "skill" and procedure.place.folder == ".claude/skills":
                names.add(procedure.path.parent.name)
                data, _ = procedure.reading.lenient
                if isinstance(data, dict) and isinstance(data.get("name"), str):
                    names.add(data["name"])
        return names

    @cached_property
    def skills_named_by_agents(self) -> dict[str, str]:
        """Skill name -> an agent file whose `skills:` preloads it (Claude Code agents)."""
        named = {}
        for agent in self.agent_files:
            skills = (agent.meta or {}).get("skills") if agent.dialect.tool == "Claude Code" else None
            for name in [skills] if isinstance(skills, str) else skills if isinstance(skills, list) else []:
                if isinstance(name, str):
                    named.setdefault(name.strip(), agent.relative)
        return named

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
        return recorded if isinstance(recorded, dict) and "_src_path" in recorded else {}

    @cached_property
    def team_owned(self) -> frozenset[str]:
        """Files the team owned before the kit: recorded by `new`, never the kit's to check."""
        owned = self.recorded.get("team_owned") or []
        return frozenset(p for p in owned if isinstance(p, str))

    @cached_property
    def markdown_files(self) -> list[Path]:
        """Every Markdown file whose references and text are checked."""
        paths = {self.root / name for name in INSTRUCTION_FILES if (self.root / name).is_file()}
        paths |= {agent.path for agent in self.agent_files}
        paths |= {p.path for p in self.procedures if p.place.format == "markdown"}
        if self.generated:
            for folder in KIT_DOC_FOLDERS:
                paths |= set(walk(self.root, folder, "**/*.md"))
        return sorted(p for p in paths if self.rel(p) not in self.team_owned)

    @cached_property
    def agent_names(self) -> set[str]:
        return {agent.name for agent in self.agent_files if agent.meta is not None}

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
    def texts(self) -> dict[Path, tuple[str, int]]:
        """Markdown to scan for references and Jinja, with its first line: bodies without frontmatter, user text blanked."""
        readings = {f.path: f.reading for f in [*self.agent_files, *self.procedures]}
        texts = {}
        for path in self.markdown_files:
            reading = readings.get(path)
            if reading is not None and reading.source is not None:
                texts[path] = (self.scrub(reading.body), reading.body_line)
            else:
                texts[path] = (self.scrub(self.read(path).removeprefix("\ufeff")), 1)
        return texts
