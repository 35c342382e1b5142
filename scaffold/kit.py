"""Reading an agent kit: frontmatter, cited paths, handoffs, leftover Jinja.

These are the facts the invariants are stated in ("every cited path exists",
"every handoff names an agent"), shared by the tests and by `check`. They work
on any kit, generated or hand-written, and import nothing heavy.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import yaml

# Copier's answers file: the recorded answers, template source and version.
ANSWERS_FILE = ".copier-answers.yml"

# The feature files of a kit and the JSON Schema (in docs/features/schemas/) each must match:
# the `feature` commands write by them and `check` reads by them.
FEATURES = "docs/features"
SCHEMA_FOR = {
    "feature-log.json": "feature-log.schema.json",
    "implementation-log-summary.json": "implementation-log-summary.schema.json",
    "implementation-log.json": "implementation-log.schema.json",
}

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


PLACEHOLDER = re.compile(r"\{[^{}/]*\}|<[^<>/]*>|\*")
# `@qa-tester` anywhere in prose; a single word (`@devops`) only outside code spans, where
# `@property` or `@pytest.fixture` are code, not handoffs. Not `@scope/package`, `@file.md`,
# `@pytest.fixture` or a call `@app.get(...)`; a sentence's full stop is fine.
HYPHENATED_HANDOFF = re.compile(r"(?<![\w.@/])@([a-z][a-z0-9]*(?:-[a-z0-9]+)+)\b(?![-/(]|\.\w)")
WORD_HANDOFF = re.compile(r"(?<![\w.@/])@([a-z][a-z0-9]{2,})\b(?![/(]|\.\w|-)")
# Decorators and documentation tags that read like a one-word handoff in prose.
NOT_HANDOFFS = frozenset(
    "abstractmethod api apiparam async author autowired bean brief callback classmethod component computed "
    "controller dataclass decorator default deprecated description doc emits example exception extends "
    "fileoverview flow function get implements import inheritdoc injectable input interface internal "
    "link memberof method module name namespace nestjs override package param post private "
    "property protected public put query readonly remarks request required returns return route see "
    "service since static staticmethod summary template test throws todo type typedef types unique "
    "value version".split()
)
# `{{`, `{%` and `{#...#}` are Jinja; `style={{...}}` (JSX), `${{ }}` (GitHub Actions) and a
# heading id `{#anchor}` are not.
JINJA = re.compile(r"(?<![=$])\{\{|\{%|\{#(?=[^}\n]*#\})")
WHITESPACE = re.compile(r"\s")
LINE_SUFFIX = re.compile(r":\d+(?:-\d+)?$")
# A variable assignment in a dotenv file (`NAME=value`, `export NAME=value`).
ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", re.M)
# Words that make a path an output the agent is told to write, not a file that must exist.
OUTPUT_VERB = re.compile(
    r"\b(?:create|creates|creating|write|writes|writing|generate|generates|save|saves|produce|produces|"
    r"output|outputs|emit|emits|scaffold|new file|add a|adds a)\b[^.;:!?]*$", re.I)
OUTPUT_AFTER = re.compile(r"^[`)\]]*\s*(?:\(new\)|will be (?:created|written|generated)|is (?:created|generated)|gets created)", re.I)


@dataclass(frozen=True)
class Citation:
    line: int
    path: str
    # A Markdown link resolves from the citing file's folder; a path in a code span from the repo root.
    linked: bool = False


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


def is_repo_path(token: str) -> bool:
    if WHITESPACE.search(token) or token.startswith(("/", "http:", "https:", "mailto:", "#", "@")):
        return False
    token = token.split("#", 1)[0]
    if token in KIT_ROOT_FILES or token.startswith(KIT_DIRS):
        return True
    return "/" in token and token.endswith((".md", ".mdc"))


def is_link_path(target: str) -> bool:
    """A link to a file in the repo: not a URL, an anchor, or a mail or site-root link."""
    return not (re.match(r"[a-zA-Z][\w+.-]*:", target) or target.startswith(("#", "/", "{")) or "{{" in target)


def is_output(text: str, start: int, end: int) -> bool:
    """Is the path at text[start:end] something the reader is told to create?"""
    return bool(OUTPUT_VERB.search(text[max(0, start - 80) : start]) or OUTPUT_AFTER.match(text[end : end + 40]))


def cited_paths(text: str, first_line: int = 1) -> list[Citation]:
    """Repo paths a Markdown text cites in code spans or links, outside code blocks.

    Paths the text tells its reader to create are outputs, not citations.
    """
    from scaffold.markdown import document

    found = []
    for block in document(text, first_line).prose:
        if "`" not in block.text and "]" not in block.text:
            continue
        for span in block.code_spans:
            token = span.text
            if is_repo_path(token) and not is_output(block.text, span.start, span.start + len(token) + 2):
                # `file:12` is evidence for a line of that file: the file is what must exist.
                found.append(Citation(span.line, LINE_SUFFIX.sub("", token.split("#", 1)[0])))
        for link in block.link_targets:
            target = unquote(link.text.split("#", 1)[0].split("?", 1)[0])
            if target and is_link_path(link.text) and not is_output(block.text, link.start, link.start + len(link.text)):
                found.append(Citation(link.line, target, linked=True))
    return found


def path_exists(root: Path, cited: str, citing_folder: Path | None = None) -> bool:
    """Does a cited path exist, from the repo root or the citing file's folder? `{id}`, `<id>` and `*` match any name."""
    bases = (str(root),) if citing_folder is None else (str(citing_folder), str(root))
    return any(_exists(base, cited) for base in bases)


@lru_cache(maxsize=4096)
def _exists(base: str, cited: str) -> bool:
    # Cached: a thousand agents cite the same few docs.
    if not PLACEHOLDER.search(cited):
        return os.path.exists(os.path.join(base, cited))
    # `{a}{b}` or `{x}*` would make `**` inside a name, which is not a glob pathlib accepts.
    pattern = re.sub(r"\*{2,}", "*", PLACEHOLDER.sub("*", cited.rstrip("/")))
    try:
        return any(Path(base).glob(pattern))
    except (ValueError, NotImplementedError):  # an absolute or empty pattern: nothing it names can be checked
        return True


def handoffs(text: str, first_line: int = 1) -> list[tuple[int, str]]:
    """`@agent-name` mentions in prose: not in code blocks, and not decorators or doc tags."""
    from scaffold.markdown import document

    found = []
    for block in document(text, first_line).prose:
        if "@" not in block.text:
            continue
        words = [m for m in WORD_HANDOFF.finditer(block.without_code) if m.group(1) not in NOT_HANDOFFS]
        for match in [*HYPHENATED_HANDOFF.finditer(block.text), *words]:
            found.append((block.line_of(match.start()), match.group(1)))
    return sorted(set(found))


def jinja_leftovers(text: str, first_line: int = 1, in_code: bool = True, is_path: Callable[[str], bool] | None = None) -> list[int]:
    """Lines with unrendered Jinja; with `in_code=False`, code blocks are examples and skipped.

    Code spans are read too: a `{{placeholder}}` in backticks still reaches the model unfilled,
    unless it names a path that exists (a template repo's `{{cookiecutter.project_slug}}/`).
    """
    if "{{" not in text and "{%" not in text and "{#" not in text:
        return []
    if in_code:
        return [number for number, line in enumerate(text.splitlines(), start=first_line) if JINJA.search(line)]
    from scaffold.markdown import document

    found = set()
    for block in document(text, first_line).prose:
        found |= {block.line_of(m.start()) for m in JINJA.finditer(block.without_code)}
        found |= {span.line for span in block.code_spans if JINJA.search(span.text) and not (is_path and is_path(span.text))}
    return sorted(found)
