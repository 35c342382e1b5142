"""What the Markdown says: the paths it cites, the agents it hands off to, Jinja left behind."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import yaml

from scaffold.checks.model import Finding, Severity
from scaffold.checks.reading import SAFE_LOADER
from scaffold.kit import LINE_SUFFIX, cited_paths, handoffs, jinja_leftovers, path_exists

if TYPE_CHECKING:
    from scaffold.checks.files import Kit

# Data files of a generated kit whose values must not hold Jinja.
KIT_DATA_FILES = ("agentscaffold.yml", ".env.example", ".mcp.json")


def check_references(kit: Kit) -> Iterator[Finding]:
    names = sorted(kit.agent_names)
    known_agents = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
    root = os.path.normpath(kit.root)
    for path, (text, first_line) in kit.texts.items():
        relative = kit.rel(path)
        for citation in cited_paths(text, first_line):
            if citation.linked and not _inside(root, os.path.join(path.parent, citation.path)):
                continue  # a link out of the repo: not ours to judge
            if not path_exists(kit.root, citation.path, path.parent):
                yield Finding(relative, citation.line, "cited-path", f"cites {citation.path}, which does not exist", Severity.warning)
        if not kit.agent_names:
            continue  # no team, so an @word is a mention, not a handoff
        for line, name in handoffs(text, first_line):
            if name not in kit.agent_names:
                yield Finding(relative, line, "handoff", f"hands off to @{name}, but no such agent exists (agents: {known_agents})", Severity.warning)


def _inside(root: str, target: str) -> bool:
    target = os.path.normpath(target)
    return target == root or target.startswith(root + os.sep)


def check_jinja(kit: Kit) -> Iterator[Finding]:
    # In a generated kit every character came from the template, code included; in a hand-written
    # one, code blocks are examples (Go templates, Handlebars, JSX) and are left alone.
    def is_path(token: str) -> bool:  # literally: a placeholder must not match the template folder itself
        return (kit.root / LINE_SUFFIX.sub("", token)).exists()

    for path, (text, first_line) in kit.texts.items():
        for line in jinja_leftovers(text, first_line, in_code=kit.generated, is_path=is_path):
            yield Finding(kit.rel(path), line, "jinja-leftover", "unrendered Jinja", Severity.warning)
    for agent in kit.agent_files:  # frontmatter: the parsed values, so YAML escaping cannot hide anything
        for key, value in (agent.meta or {}).items():
            if isinstance(value, str) and jinja_leftovers(kit.scrub(value)):
                yield Finding(agent.relative, agent.reading.key_line(key), "jinja-leftover", f"unrendered Jinja in '{key}'", Severity.warning)
    if not kit.generated:
        return
    for path in [*(kit.root / name for name in KIT_DATA_FILES), *kit.root.glob("docs/features/**/*.json")]:
        if path.is_file():
            text = kit.read(path)
            if path.suffix in {".yml", ".json"}:  # scan values: quoting and folding cannot hide or split anything
                try:
                    text = "\n".join(_strings(json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=SAFE_LOADER)))
                except (ValueError, yaml.YAMLError):
                    pass
            if jinja_leftovers(kit.scrub(text)):
                yield Finding(kit.rel(path), 1, "jinja-leftover", "unrendered Jinja", Severity.warning)


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def check_encoding(kit: Kit) -> Iterator[Finding]:
    """Runs last: the other rules have read every file by then."""
    for path, offset in sorted(kit.undecodable.items()):
        yield Finding(kit.rel(path), 1, "encoding", f"not UTF-8 text (byte {offset}); clients read it with U+FFFD in place of the bad bytes", Severity.warning)
