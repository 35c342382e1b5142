"""Reading an agent kit: frontmatter, cited paths, handoffs, leftover Jinja.

These are the facts the invariants are stated in ("every cited path exists",
"every handoff names an agent"), shared by the tests and by `check`. They work
on any kit, generated or hand-written, and import nothing heavy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

# Copier's answers file: the recorded answers, template source and version.
ANSWERS_FILE = ".copier-answers.yml"

# Folders and root files a kit owns. A backticked or linked reference into
# them is a promise that the file exists.
KIT_DIRS = ("docs/", "context/", ".claude/", ".github/", ".cursor/", ".opencode/", ".gemini/")
KIT_ROOT_FILES = ("CLAUDE.md", "AGENTS.md", "GEMINI.md", "agentscaffold.yml", ".env.example", ".mcp.json")

def load_answers(path: Path) -> dict:
    """The recorded answers; a file that is not UTF-8 YAML holding a map is the user's to fix, in one line."""
    from scaffold.errors import UsageError

    try:
        answers = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError as error:
        raise UsageError(f"{path.name} is not UTF-8 text (byte {error.start}); restore it from git") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise UsageError(f"{path.name} is not valid YAML{where}: {getattr(error, 'problem', None) or error}; restore it from git") from None
    if not isinstance(answers, dict):
        raise UsageError(f"{path.name} does not hold a map of answers; restore it from git")
    return answers


# What the templates' `inert` macro (templates/_partials/inert.jinja) does to free text in the
# files Claude Code and Gemini CLI scan for `@path` imports.
MARKDOWN_ESCAPES = str.maketrans({char: "\\" + char for char in "\\@`<~"})


def inert_markdown(text: str) -> str:
    return text.translate(MARKDOWN_ESCAPES)


FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`([^`\n]+)`")
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
PLACEHOLDER = re.compile(r"\{[^{}/]*\}|<[^<>/]*>|\*")
# `@qa-tester` anywhere in prose; a single word (`@devops`) only outside inline
# code, where `@property` or `@pytest.fixture` are code, not handoffs.
# Not `@scope/package`, `@file.md` or `@pytest.fixture`; a sentence's full stop is fine.
HYPHENATED_HANDOFF = re.compile(r"(?<![\w.@/])@([a-z][a-z0-9]*(?:-[a-z0-9]+)+)\b(?!/|\.\w)")
WORD_HANDOFF = re.compile(r"(?<![\w.@/])@([a-z][a-z0-9]{2,})\b(?!/|\.\w|-)")
JINJA = re.compile(r"\{\{|\{%|\{#")
LINE_SUFFIX = re.compile(r":\d+(?:-\d+)?$")
# A variable assignment in a dotenv file (`NAME=value`, `export NAME=value`).
ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", re.M)


@dataclass(frozen=True)
class Citation:
    line: int
    path: str


def split_frontmatter(text: str) -> tuple[str | None, str]:
    """Return (frontmatter source or None, body)."""
    if not text.startswith("---\n"):
        return None, text
    end = text.find("\n---\n", 3)
    if end == -1:
        end_at_eof = text.endswith("\n---") and len(text) > 7
        return (text[4:-4], "") if end_at_eof else (None, text)
    return text[4 : end + 1], text[end + 5 :]


def load_frontmatter(text: str) -> dict:
    """Parse frontmatter with a safe loader; raises ValueError when it is not a mapping."""
    source, _ = split_frontmatter(text)
    if source is None:
        raise ValueError("no frontmatter")
    data = yaml.safe_load(source)
    if not isinstance(data, dict):
        raise ValueError("frontmatter is not a mapping")
    return data


def prose_lines(text: str):
    """(line number, line) pairs outside fenced code blocks."""
    in_fence = False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            yield number, line


def is_repo_path(token: str) -> bool:
    if any(ch.isspace() for ch in token) or token.startswith(("/", "http:", "https:", "mailto:", "#", "@")):
        return False
    token = token.split("#", 1)[0]
    if token in KIT_ROOT_FILES or token.startswith(KIT_DIRS):
        return True
    return "/" in token and token.endswith((".md", ".mdc"))


def cited_paths(text: str) -> list[Citation]:
    """Repo paths a markdown file cites in inline code or links, outside code blocks."""
    found = []
    for number, line in prose_lines(text):
        if "`" not in line and "](" not in line:
            continue
        for token in INLINE_CODE.findall(line) + LINK_TARGET.findall(line):
            if is_repo_path(token):
                # `file:12` is evidence for a line of that file: the file is what must exist.
                found.append(Citation(number, LINE_SUFFIX.sub("", token.split("#", 1)[0])))
    return found


def path_exists(root: Path, cited: str) -> bool:
    """Does a cited path exist? `{id}`, `<id>` and `*` segments match any name."""
    if not PLACEHOLDER.search(cited):
        return (root / cited).exists()
    pattern = PLACEHOLDER.sub("*", cited.rstrip("/"))
    return any(root.glob(pattern))


def handoffs(text: str) -> list[tuple[int, str]]:
    """`@agent-name` mentions outside fenced code."""
    found = []
    for number, line in prose_lines(text):
        if "@" not in line:
            continue
        names = HYPHENATED_HANDOFF.findall(line) + WORD_HANDOFF.findall(INLINE_CODE.sub("", line))
        found += [(number, name) for name in names]
    return found


def jinja_leftovers(text: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), start=1) if JINJA.search(line)]
