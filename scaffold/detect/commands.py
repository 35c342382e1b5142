"""The commands a repo really runs: CI steps, package scripts, Makefile, Taskfile, tox, Procfile.

A repo's own test command beats any convention (`make test` may set env vars and flags that a bare
`pytest` lacks), so detectors look here first and fall back to the tool's plain invocation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property

import yaml

from scaffold.detect.model import Evidence
from scaffold.detect.tree import RepoTree


@dataclass(frozen=True)
class Command:
    text: str
    evidence: Evidence
    origin: str  # "ci", "script", "make", "task", "tox", "just", "procfile"
    name: str = ""  # the script, target or step name, when there is one


MAKE_TARGET = re.compile(r"^([A-Za-z0-9_.-]+)\s*:(?!=)")
YAML_RUN = re.compile(r"^\s*(?:-\s*)?(?:run|script|cmd|command)\s*:\s*[|>]?[-+]?\s*(.*)$")


@dataclass
class RepoCommands:
    """Every command line the repo declares, with where it is declared."""

    tree: RepoTree
    root: str = ""

    @cached_property
    def all(self) -> list[Command]:
        found: list[Command] = []
        found += self._package_scripts()
        found += self._makefiles()
        found += self._ci()
        found += self._tox()
        found += self._simple_lists()
        return found

    def find(self, pattern: re.Pattern[str], origins: tuple[str, ...] = ()) -> Command | None:
        """The first command matching `pattern`: package scripts and Make targets first, then CI."""
        for command in self.all:
            if origins and command.origin not in origins:
                continue
            if pattern.search(command.text):
                return command
        return None

    def target(self, name: str) -> Command | None:
        return next((c for c in self.all if c.origin in ("make", "task", "just") and c.name == name), None)

    # -- sources -------------------------------------------------------------------
    def _under_root(self, *names: str) -> list[str]:
        paths = []
        for name in names:
            for base in dict.fromkeys([self.root, ""]):
                candidate = f"{base}/{name}" if base else name
                if self.tree.exists(candidate) and candidate not in paths:
                    paths.append(candidate)
        return paths

    def _package_scripts(self) -> list[Command]:
        found = []
        for path in self._under_root("package.json"):
            text = self.tree.text(path) or ""
            try:
                scripts = (json.loads(text) or {}).get("scripts") or {}
            except (ValueError, AttributeError):
                continue
            lines = text.splitlines()
            for name, command in scripts.items():
                if not isinstance(command, str):
                    continue
                number = next((i for i, line in enumerate(lines, 1) if f'"{name}"' in line), None)
                found.append(Command(command, Evidence(path, number), "script", name))
        return found

    def _makefiles(self) -> list[Command]:
        found = []
        for path in self._under_root("Makefile", "makefile", "GNUmakefile", "justfile", "Justfile"):
            origin = "just" if "just" in path.lower() else "make"
            target = ""
            for line in self.tree.lines(path):
                if match := MAKE_TARGET.match(line.text):
                    target = match.group(1)
                elif line.text.startswith(("\t", "    ")) and target and line.text.strip():
                    text = line.text.strip().lstrip("@-").strip()
                    found.append(Command(text, Evidence(path, line.number), origin, target))
        return found

    def _ci(self) -> list[Command]:
        found = []
        paths = [p for p in self.tree.files if p.startswith(".github/workflows/") and p.endswith((".yml", ".yaml"))]
        paths += [p for p in (".gitlab-ci.yml", ".circleci/config.yml", "bitbucket-pipelines.yml", "azure-pipelines.yml")
                  if self.tree.exists(p)]
        paths += self._under_root("Taskfile.yml", "Taskfile.yaml")
        for path in paths:
            origin = "task" if "Taskfile" in path else "ci"
            lines = list(self.tree.lines(path))
            for index, line in enumerate(lines):
                match = YAML_RUN.match(line.text)
                if not match:
                    continue
                first = _unquoted(match.group(1).strip())
                if first:
                    found.append(Command(first, Evidence(path, line.number), origin))
                    continue
                # A block scalar: the indented lines after it, each its own command; a line ending in `\`
                # continues on the next (`uv run pytest \` then its flags), so the pieces are one command.
                indent = len(line.text) - len(line.text.lstrip())
                pending: Command | None = None
                for follow in lines[index + 1 :]:
                    body = follow.text.strip()
                    if follow.text.strip() and len(follow.text) - len(follow.text.lstrip()) <= indent:
                        break
                    if pending is not None:
                        text = pending.text + " " + body.rstrip("\\").strip()
                        pending = Command(text.strip(), pending.evidence, origin)
                    elif body and not body.startswith("#"):
                        pending = Command(body.lstrip("- ").rstrip("\\").strip(), Evidence(path, follow.number), origin)
                    if pending is not None and not body.endswith("\\"):
                        found.append(pending)
                        pending = None
                if pending is not None:
                    found.append(pending)
        return found

    def _tox(self) -> list[Command]:
        found = []
        for path in self._under_root("tox.ini"):
            in_commands = False
            for line in self.tree.lines(path):
                stripped = line.text.strip()
                if stripped.startswith("commands"):
                    in_commands = True
                    rest = stripped.partition("=")[2].strip()
                    if rest:
                        found.append(Command(rest, Evidence(path, line.number), "tox"))
                elif in_commands and line.text[:1].isspace() and stripped:
                    found.append(Command(stripped, Evidence(path, line.number), "tox"))
                elif stripped:
                    in_commands = False
        return found

    def _simple_lists(self) -> list[Command]:
        found = []
        for path in self._under_root("Procfile"):
            for line in self.tree.lines(path):
                name, sep, command = line.text.partition(":")
                if sep and command.strip():
                    found.append(Command(command.strip(), Evidence(path, line.number), "procfile", name.strip()))
        return found


def _unquoted(value: str) -> str:
    """A YAML scalar without its quotes; quotes inside a command (`test -z "$(gofmt -l .)"`) stay."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def load_yaml(tree: RepoTree, path: str):
    """A YAML file's data, or None when it does not parse; detection never fails on a bad file."""
    try:
        return yaml.safe_load(tree.text(path) or "")
    except yaml.YAMLError:
        return None
