"""A read-only view of a repo's files: what detection may look at, and nothing it must not.

Detection runs none of the repo's code and reaches no network. It honours `.gitignore` (through
`git ls-files` in a work tree, which is also the fastest way to list one) and always skips vendored
and generated trees, whose manifests and env reads belong to other projects.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

# Trees that belong to someone else or are rebuilt from source: never evidence about this repo.
SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", "vendor", "third_party", ".venv", "venv", "env", ".env",
        "virtualenv", ".tox", ".nox", "site-packages", "dist", "build", "out", ".next", ".nuxt",
        "coverage", "htmlcov", ".cache", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache",
        "staticfiles", "bower_components", ".terraform", ".idea", ".vscode", "tmp",
    }
)
# Larger files are generated or data, not configuration or hand-written code.
MAX_READ_BYTES = 1 << 20


@dataclass(frozen=True)
class Line:
    path: str
    number: int
    text: str


@dataclass
class RepoTree:
    """The files of the repo at `path`, listed once, read on demand and at most once each."""

    path: Path
    _texts: dict[str, str | None] = field(default_factory=dict, repr=False)

    @cached_property
    def files(self) -> tuple[str, ...]:
        """Every file detection may read, repo-relative and POSIX, sorted."""
        listed = self._git_files()
        if listed is None:
            listed = self._walked_files()
        return tuple(sorted(p for p in listed if not _is_skipped(p)))

    @cached_property
    def file_set(self) -> frozenset[str]:
        return frozenset(self.files)

    def exists(self, relative: str) -> bool:
        return relative in self.file_set

    def named(self, *names: str, under: str = "", max_depth: int | None = None) -> list[str]:
        """Files whose base name is one of `names`, below `under`, shallowest first."""
        wanted = set(names)
        prefix = f"{under.rstrip('/')}/" if under else ""
        found = [
            p for p in self.files
            if p.startswith(prefix) and p.rsplit("/", 1)[-1] in wanted
            and (max_depth is None or p[len(prefix):].count("/") <= max_depth)
        ]
        return sorted(found, key=lambda p: (p.count("/"), p))

    def matching(self, pattern: str, under: str = "") -> list[str]:
        """Files whose repo-relative path matches a glob (`**` crosses folders)."""
        prefix = f"{under.rstrip('/')}/" if under else ""
        regex = _glob_regex(pattern)
        return [p for p in self.files if p.startswith(prefix) and regex.fullmatch(p)]

    def with_suffix(self, *suffixes: str, under: str = "") -> list[str]:
        prefix = f"{under.rstrip('/')}/" if under else ""
        return [p for p in self.files if p.startswith(prefix) and p.endswith(suffixes)]

    def text(self, relative: str) -> str | None:
        """The file's text, or None when it is missing, too large, binary or not UTF-8."""
        if relative not in self._texts:
            self._texts[relative] = self._read(relative)
        return self._texts[relative]

    def lines(self, relative: str) -> Iterator[Line]:
        text = self.text(relative)
        if text is None:
            return
        for number, line in enumerate(text.splitlines(), start=1):
            yield Line(relative, number, line)

    def grep(self, pattern: re.Pattern[str], paths: Iterable[str]) -> Iterator[tuple[Line, re.Match[str]]]:
        """Every match of `pattern`, line by line, in `paths`."""
        for path in paths:
            text = self.text(path)
            if text is None or not pattern.search(text):
                continue
            for line in self.lines(path):
                for match in pattern.finditer(line.text):
                    yield line, match

    def first_line(self, relative: str, pattern: re.Pattern[str]) -> Line | None:
        return next((line for line in self.lines(relative) if pattern.search(line.text)), None)

    # -- listing -----------------------------------------------------------------
    def _git_files(self) -> list[str] | None:
        """Tracked and untracked-but-not-ignored files, when `path` is inside a git work tree."""
        if not _inside_work_tree(self.path):
            return None
        listed = _git_list(self.path, "--cached", "--others", "--exclude-standard")
        # --cached still lists tracked files deleted from the work tree; detection reads only what is there.
        deleted = _git_list(self.path, "--deleted")
        if listed is None or deleted is None:
            return None
        gone = set(deleted)
        return [name for name in dict.fromkeys(listed) if name not in gone]

    def _walked_files(self) -> list[str]:
        """A plain walk for a folder outside git, honouring its top-level `.gitignore`."""
        ignored = _gitignore_matcher(self.path / ".gitignore")
        found: list[str] = []
        stack = [""]
        while stack:
            relative = stack.pop()
            try:
                entries = list(os.scandir(self.path / relative if relative else self.path))
            except OSError:
                continue
            for entry in entries:
                child = f"{relative}/{entry.name}" if relative else entry.name
                if entry.is_symlink():
                    continue  # a link may lead out of the repo; detection reads only what is inside
                if entry.is_dir():
                    if entry.name not in SKIPPED_DIRS and not ignored(child + "/"):
                        stack.append(child)
                elif entry.is_file() and not ignored(child):
                    found.append(child)
        return found

    def _read(self, relative: str) -> str | None:
        path = self.path / relative
        try:
            if path.is_symlink() or path.stat().st_size > MAX_READ_BYTES:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        if b"\0" in data[:8192]:
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None


def _git_list(path: Path, *options: str) -> list[str] | None:
    try:
        result = subprocess.run(
            ["git", "-c", "core.quotepath=off", "ls-files", "-z", *options], cwd=path, capture_output=True, timeout=30, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    return [name for name in result.stdout.decode("utf-8", "surrogateescape").split("\0") if name]


def _is_skipped(relative: str) -> bool:
    return any(part in SKIPPED_DIRS for part in relative.split("/")[:-1])


def _inside_work_tree(path: Path) -> bool:
    probe = path.resolve()
    for candidate in (probe, *probe.parents):
        if (candidate / ".git").exists():
            return True
    return False


def _gitignore_matcher(gitignore: Path):
    try:
        lines = gitignore.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return lambda _path: False
    from pathspec import GitIgnoreSpec

    spec = GitIgnoreSpec.from_lines(lines)
    return spec.match_file


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regex: `**/` is any number of folders, `*` and `?` stay within one."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))
