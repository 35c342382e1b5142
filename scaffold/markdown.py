"""Markdown as a reader sees it: prose, code spans, links and code blocks, with line numbers.

The block structure is CommonMark's, so a ```` fence holding a ``` line, an indented code block, a
fence inside a list item or an HTML block is what CommonMark says it is. markdown-it-py decides
whenever a document has anything but plain top-level fences; its block pass costs about 6 µs a line
in Python, so the many agent files whose only blocks are paragraphs, headings, lists and unindented
fences take `plain_blocks`, which applies CommonMark's fence rules directly and is proved equal to
markdown-it-py on those documents by tests/test_check_markdown.py. The inline facts we need (code
spans, link targets, @mentions) are read from each block's lines by `Prose`, which knows code spans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache

CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
# CommonMark fences: an opening run of 3+ backticks (whose info string holds none) or tildes.
FENCE_OPEN = re.compile(r"( {0,3})(`{3,}(?=[^`]*$)|~{3,})(.*)$")
ATX_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
LIST_ITEM = re.compile(r" {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
INTERRUPTING_ITEM = re.compile(r" {0,3}(?:[-+*]|0*1[.)])(?:[ \t]|$)")
# What only the full parser gets right: nested or quoted fences, HTML blocks, and (after a blank
# line or a heading) an indented line, which may be code or a list item's paragraph.
NEEDS_PARSER = re.compile(
    r"(?: {4,}|\t)[ \t]*(?:`{3,}|~{3,})| {0,3}>[ >]*(?:`{3}|~{3}| {4}|\t)| {0,3}<[A-Za-z/!?]"
    r"| {0,3}(?:[-+*]|\d{1,9}[.)])[ \t]+(?:`{3}|~{3}|>|<|#| {4})"  # a list item that opens a block of its own
)
INDENTED = re.compile(r" {4,}\S|\t")
EMPTY_QUOTE = re.compile(r" {0,3}>[ >]*")  # a blockquote's blank line
# First characters of the lines that can start, end or nest a block (and "" for a blank line);
# any other line is prose going on, or a paragraph beginning.
PLAIN_STARTS = frozenset(" \t#>-*+<`~0123456789") | {""}
# What may follow "- " and make the item more than text: a fence, quote, HTML, heading, code, or nothing.
BLOCK_OPENERS = frozenset(" \t`~><#") | {""}


@cache
def _parser():
    from markdown_it import MarkdownIt  # only documents with nested structure pay for its import

    # Only what decides whether a line is code or prose: the inline pass, and block rules that
    # only tell one kind of prose from another (rules, setext headings, link definitions), are off.
    return MarkdownIt("commonmark").disable(["inline", "text_join", "hr", "lheading", "reference"])


@lru_cache(maxsize=256)
def document(text: str, first_line: int = 1) -> Document:
    """A parsed text, shared by the rules that read the same file (references, handoffs, Jinja)."""
    return Document(text, first_line)


Ranges = tuple[list[tuple[int, int]], list[tuple[int, int]]]  # prose and code blocks: (first line, end) from 0


def plain_blocks(lines: list[str]) -> Ranges | None:
    """Prose and code line ranges (start, end), or None where only the parser can tell.

    Applies CommonMark's rules for top-level fences; gives up (None) on a line whose role depends
    on containers: a nested or quoted fence, an HTML block, an indented line where indented code
    could begin, or a list item right after a paragraph line. Blocks split where CommonMark's do
    for the purpose of code spans: at blank lines, headings, list items and fences.
    """
    prose: list[tuple[int, int]] = []
    code: list[tuple[int, int]] = []
    start: int | None = None
    block_may_start = True  # at the start, after a blank line, a heading or a fence: where indented code can begin
    after_item = False  # the line before is a list item's first line, so an item here is its sibling
    index, count = 0, len(lines)
    while index < count:
        line = lines[index]
        first = line[:1]
        if first not in PLAIN_STARTS:  # most lines: prose that cannot open or close a block
            if start is None:
                start = index
            block_may_start = after_item = False
            index += 1
            continue
        if first in "-*+" and line[1:2] == " " and line[2:3] not in BLOCK_OPENERS:  # "- text": an item at the margin
            if start is not None:  # a bullet item may interrupt a paragraph
                prose.append((start, index))
            start, block_may_start, after_item = index, False, True
            index += 1
            continue
        if NEEDS_PARSER.match(line) or (block_may_start and INDENTED.match(line)):
            return None
        item = LIST_ITEM.match(line)
        empty_item = bool(item) and not line[item.end():].strip()
        if item and not block_may_start and not after_item and (empty_item or not INTERRUPTING_ITEM.match(line)):
            return None  # it continues the paragraph or starts an item, depending on the list around it
        opening = FENCE_OPEN.fullmatch(line)
        blank = not line.strip() or EMPTY_QUOTE.fullmatch(line)
        heading = ATX_HEADING.match(line)
        if (opening or blank or heading or item) and start is not None:
            prose.append((start, index))
            start = None
        if opening:
            char, length, end = opening.group(2)[0], len(opening.group(2)), index + 1
            indent = len(opening.group(1))
            while end < count:
                marker = lines[end].lstrip(" ")
                if indent and marker and len(lines[end]) - len(marker) < indent:
                    return None  # a list item's fence would end with its item here; a top-level one would not
                if len(lines[end]) - len(marker) <= 3 and marker.startswith(char * length) and not marker.strip(char).strip():
                    break
                end += 1
            if indent and end == count:
                return None
            # An unclosed fence runs to the last line; a final newline does not start another line.
            code.append((index, min(end + 1, count - (lines[-1] == ""))))
            index, block_may_start, after_item = end + 1, True, False
            continue
        if heading:
            prose.append((index, index + 1))
        elif not blank and start is None and not empty_item:  # "- " alone holds no text
            start = index
        block_may_start = bool(blank or heading)
        after_item = bool(item)
        index += 1
    if start is not None:
        prose.append((start, count))
    return prose, code


@dataclass
class Span:
    line: int
    text: str
    start: int  # offset in the block's text, to look at what precedes it


@dataclass  # not frozen: thousands are made per kit, and a frozen dataclass is slower to build
class Prose:
    """One block of prose (a paragraph, heading, list item or table text) and where it starts."""

    line: int
    text: str

    def line_of(self, offset: int) -> int:
        return self.line + self.text.count("\n", 0, offset)

    @cached_property
    def code_spans(self) -> list[Span]:
        return [Span(self.line_of(m.start(2)), m.group(2).strip(), m.start()) for m in CODE_SPAN.finditer(self.text)]

    @cached_property
    def without_code(self) -> str:
        """The text with code spans blanked out (same length, same line breaks)."""
        return CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), self.text) if "`" in self.text else self.text

    @property
    def link_targets(self) -> list[Span]:
        text = self.without_code
        found = [Span(self.line_of(m.start(1)), m.group(1), m.start()) for m in LINK_TARGET.finditer(text)]
        found += [Span(self.line_of(m.start(1)), m.group(1), m.start()) for m in REFERENCE_DEFINITION.finditer(text)]
        return found


@dataclass(frozen=True)
class Document:
    """A Markdown text's prose blocks: what is not code, with where each block starts."""

    text: str
    first_line: int = 1  # the text's first line in its file (an agent's body starts after the frontmatter)

    @cached_property
    def prose(self) -> list[Prose]:
        lines = self.text.split("\n")
        prose_ranges, _ = plain_blocks(lines) or self._parsed()
        return [Prose(self.first_line + start, "\n".join(lines[start:end])) for start, end in prose_ranges]

    def _parsed(self) -> Ranges:
        prose: list[tuple[int, int]] = []
        code: list[tuple[int, int]] = []
        for token in _parser().parse(self.text):
            if token.map is None:
                continue
            if token.type == "inline":
                prose.append((token.map[0], token.map[1]))
            elif token.type in ("fence", "code_block", "html_block"):
                code.append((token.map[0], token.map[1]))
        return prose, code
