"""Reading a frontmatter file the way the clients do.

Claude Code 2.1.330 (measured; see shared/reference/agent-formats.md) strips a BOM, ends the
frontmatter at the first line that starts with `---`, and when YAML fails it quotes each
`key: value` line whose value holds YAML syntax and tries again. Strict tools (OpenCode,
Gemini CLI) parse the YAML as it is. `FrontmatterReading` keeps both outcomes, so a rule can
say "Claude Code reads this, OpenCode does not".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import yaml

# libyaml's safe loader when PyYAML was built with it: same rules, several times faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
BOM = "\ufeff"
# Claude Code skips larger files silently (1,048,564 bytes load, 1,048,767 do not).
CLAUDE_MAX_BYTES = 1024 * 1024
OPENING_FENCE = re.compile(r"---[ \t]*\r?\n")
CLOSING_FENCE = re.compile(r"^[ \t]*---[^\n]*$", re.M)
STRICT_CLOSING_FENCE = re.compile(r"^---[ \t]*\r?$", re.M)
# What in a `key: value` line's value makes each client quote the whole value (a leading quote
# included) and parse again when YAML fails: for Claude Code 2.1.332 a `: ` or any of
# {}[]*&#!|>%@` (a value merely ending in `:` is not quoted, so the file is dropped); OpenCode
# (measured 1.18.33) only a `: `. Strict tools (Gemini CLI) have none: they never retry.
CLAUDE_RETRY = r": |[{}\[\]*&#!|>%@`]"
OPENCODE_RETRY = r": "


def load_yaml(source: str) -> tuple[object, str | None]:
    """(data, None) or (None, the parser's one-line complaint)."""
    try:
        return yaml.load(source, Loader=SAFE_LOADER), None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        return None, f"{problem} (frontmatter line {mark.line + 1})" if mark else problem


def quote_and_retry(source: str, trigger: str = CLAUDE_RETRY) -> str:
    """A client's fallback: double-quote top-level values matching `trigger`, turn leading tabs to spaces."""
    retry_line = re.compile(r"^([A-Za-z_][\w-]*):[ \t]+(.*)$")
    found = re.compile(trigger)
    lines = []
    for line in source.split("\n"):
        line = re.sub(r"^\t+", lambda m: "  " * len(m.group()), line)
        match = retry_line.match(line.rstrip("\r"))
        if match and found.search(match.group(2)):
            value = match.group(2).replace("\\", "\\\\").replace('"', '\\"')
            line = f'{match.group(1)}: "{value}"'
        lines.append(line)
    return "\n".join(lines)


@dataclass(frozen=True)
class FrontmatterReading:
    """One file's text as the clients see it."""

    text: str

    @cached_property
    def _split(self) -> tuple[str | None, str, int]:
        """(frontmatter source or None, body, line of the body's first line)."""
        text = self.text.removeprefix(BOM)
        opening = OPENING_FENCE.match(text)
        if not opening:
            return None, text, 1
        closing = CLOSING_FENCE.search(text, opening.end())
        if not closing:
            return None, text, 1
        source = text[opening.end() : closing.start()]
        body_start = text.find("\n", closing.end())
        body = "" if body_start == -1 else text[body_start + 1 :]
        return source, body, source.count("\n") + 3

    @property
    def source(self) -> str | None:
        return self._split[0]

    @property
    def body(self) -> str:
        return self._split[1]

    @property
    def body_line(self) -> int:
        return self._split[2]

    @cached_property
    def has_opening(self) -> bool:
        return bool(OPENING_FENCE.match(self.text.removeprefix(BOM)))

    @cached_property
    def cut_short_at(self) -> int | None:
        """The line of a `---` that ends the frontmatter although YAML keys follow it.

        Claude Code's lenient fence takes any line starting with `---`; if a later line is
        the real closing fence and the lines between are `key:` lines, those keys are lost.
        """
        if self.source is None:
            return None
        body_lines = self.body.split("\n")
        for index, line in enumerate(body_lines[:40]):
            if STRICT_CLOSING_FENCE.match(line):
                between = [b for b in body_lines[:index] if b.strip()]
                if between and all(re.match(r"^([A-Za-z_][\w-]*:|\s|-\s)", b) for b in between):
                    return self.body_line - 1
                return None
        return None

    @cached_property
    def strict(self) -> tuple[object, str | None]:
        """What a strict YAML parser makes of the frontmatter."""
        if self.source is None:
            return None, "no frontmatter"
        return load_yaml(self.source.replace("\r\n", "\n"))

    @cached_property
    def lenient(self) -> tuple[object, str | None]:
        """What Claude Code makes of it: the strict result, or the quote-and-retry one."""
        return self.retried(CLAUDE_RETRY)

    def retried(self, trigger: str | None) -> tuple[object, str | None]:
        """The strict result, or, when that fails, a client's quote-and-retry one (None: no retry)."""
        data, problem = self.strict
        if problem is None or self.source is None or trigger is None:
            return data, problem
        retried, _ = load_yaml(quote_and_retry(self.source.replace("\r\n", "\n"), trigger))
        return (retried, None) if isinstance(retried, dict) else (None, problem)

    def comment_cut(self, key: str) -> int | None:
        """The line where an unquoted `key: value` holds ` #`, which YAML reads as a comment, cutting the value."""
        match = re.search(rf"^{re.escape(key)}:[ \t]+[^'\"|>\s][^\n]*?[ \t]#", self.source or "", re.M)
        return 2 + (self.source or "")[: match.start()].count("\n") if match else None

    def key_line(self, key: str) -> int:
        match = re.search(rf"^{re.escape(key)}\s*:", self.source or "", re.M)
        return 2 + (self.source or "")[: match.start()].count("\n") if match else 1
