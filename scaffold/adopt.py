"""Adopting a repo that already has code: detected facts as answers, and the team's files.

Detected facts become Copier answers (`repo`, and the defaults of `stack`, `database`, `cache`,
`task_queue`, `stack_mode`), so a later `copier update` replays them. A file that existed before the
kit is the team's: it is recorded in `team_owned`, which the template excludes from every render, so
neither `new` nor any update writes or merges into it. Where such a file is an entry point a tool
reads (`CLAUDE.md`, `GEMINI.md`, `AGENTS.md`), the kit's guidance reaches the session only through
one small marked block, added with the user's consent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.detect import RepoFacts
from scaffold.detect.model import Fact
from scaffold.kit import ENV_LINE

# Where the kit's shared guidance goes when the team already owns AGENTS.md.
KIT_GUIDANCE = "docs/agent-kit/guidance.md"
BLOCK_BEGIN = "<!-- agentscaffold:begin (kit guidance; delete this block to unlink the kit) -->"
BLOCK_END = "<!-- agentscaffold:end -->"
BLOCK = re.compile(re.escape(BLOCK_BEGIN) + r".*?" + re.escape(BLOCK_END) + r"\n?", re.S)
ENV_EXAMPLE_NAMES = (".env.example", ".env.sample", ".env.template", "env.example", "example.env")


def repo_answer(facts: RepoFacts, dest: Path) -> dict[str, Any]:
    """The `repo` answer: what the templates read, as plain data, stable from run to run."""
    if not facts.has_code or not facts.facts:
        return {}
    concerns = {
        concern: {"id": fact.id, "label": fact.label, "evidence": str(fact.evidence), **fact.details}
        for concern, fact in sorted(facts.facts.items())
        if concern != "stack"
    }
    env = [
        {
            "name": var.name,
            "evidence": str(var.evidence),
            "default": var.default,
            "required": var.required,
            "secret": var.secret,
        }
        for var in facts.env
    ]
    answer: dict[str, Any] = {
        "root": facts.root,
        "concerns": concerns,
        "env": env,
        "exemplars": {name: evidence.path for name, evidence in sorted(facts.exemplars.items())},
    }
    if example := existing_env_example(dest, facts.root):
        answer["env_example"] = example
    return answer


def existing_env_example(dest: Path, root: str) -> dict[str, Any] | None:
    """The team's own env example file, if any, and the names it lists."""
    for folder in dict.fromkeys([root, ""]):
        for name in ENV_EXAMPLE_NAMES:
            relative = f"{folder}/{name}" if folder else name
            path = dest / relative
            if path.is_file() and not path.is_symlink():
                text = path.read_text(encoding="utf-8", errors="replace")
                return {"path": relative, "names": sorted(set(ENV_LINE.findall(text)))}
    return None


def detected_defaults(facts: RepoFacts, choices: dict[str, list[Any]]) -> dict[str, Any]:
    """Answers detection can give, for the questions whose choices allow them."""
    found: dict[str, Any] = {}
    if facts.stack:
        found["stack"] = facts.stack
    if not facts.facts:
        return found
    queue = _id(facts.facts.get("queue"))
    wanted = {
        "database": _id(facts.facts.get("database")),
        "cache": "redis" if _id(facts.facts.get("cache")) == "redis" else "none",
        # A queue we have no option for (rq, dramatiq, Bull, ...) is still the repo's: the kit names it
        # from the facts, and no option of ours (with its broker variables) stands in for it.
        "task_queue": queue if queue in choices.get("task_queue", []) else "none",
    }
    for name, value in wanted.items():
        if value and value in choices.get(name, []):
            found[name] = value
    # The code is the authority in a repo that has code; a team may still choose otherwise.
    found["stack_mode"] = "adaptive"
    return found


def _id(fact: Fact | None) -> str | None:
    return fact.id if fact else None


def evidence_label(facts: RepoFacts, question: str, value: Any) -> str | None:
    """'Django 5.2 (requirements.txt:3)' for a pre-selected answer, when detection chose it."""
    concern = {"stack": "framework", "database": "database", "cache": "cache", "task_queue": "queue"}.get(question)
    fact = facts.facts.get(concern) if concern else None
    if question == "stack" and facts.stacks:
        fact = facts.facts.get("framework") or facts.stacks[0]
    if fact and (question == "stack" or fact.id == value):
        return fact.describe()
    return None


def preexisting(staging: Path, dest: Path) -> list[str]:
    """Kit paths that already exist in DEST with other content: the team's files.

    A symbolic link the team made (`CLAUDE.md -> AGENTS.md`) is the team's too, and is never
    followed; a path that would be reached through a linked folder is left for the install step,
    which refuses it.
    """
    owned = []
    for source in sorted(p for p in staging.rglob("*") if p.is_file()):
        relative = source.relative_to(staging).as_posix()
        target = dest / relative
        if any((dest / parent).is_symlink() for parent in Path(relative).parents if parent != Path(".")):
            continue
        if target.is_symlink() or (target.is_file() and target.read_bytes() != source.read_bytes()):
            owned.append(relative)
    return owned


@dataclass(frozen=True)
class LinkBlock:
    """The marked block that points a team-owned entry file at the kit's guidance."""

    path: str
    body: str

    @property
    def text(self) -> str:
        return f"{BLOCK_BEGIN}\n{self.body}\n{BLOCK_END}\n"

    def present(self, dest: Path) -> bool:
        target = dest / self.path
        return not target.is_symlink() and target.is_file() and self.text in target.read_text(encoding="utf-8", errors="replace")

    def apply(self, dest: Path) -> bool:
        """Add or refresh the block; the rest of the file is left byte for byte. True if it changed.

        A linked entry file (`CLAUDE.md -> AGENTS.md`) is never written through: the user adds the
        block where the link leads, if they want it.
        """
        target = dest / self.path
        if target.is_symlink() or not target.is_file():
            return False
        current = target.read_text(encoding="utf-8")
        if BLOCK.search(current):
            updated = BLOCK.sub(lambda _match: self.text, current, count=1)
        else:
            updated = current + ("" if current.endswith("\n") or not current else "\n") + "\n" + self.text
        if updated == current:
            return False
        target.write_text(updated, encoding="utf-8")
        return True


def link_blocks(team_owned: list[str], targets: list[str]) -> list[LinkBlock]:
    """The blocks the kit would add to the entry files the team owns."""
    guidance = KIT_GUIDANCE if "AGENTS.md" in team_owned else "AGENTS.md"
    blocks = []
    if "claude" in targets and "CLAUDE.md" in team_owned:
        blocks.append(LinkBlock("CLAUDE.md", f"@{guidance}"))
    if "gemini" in targets and "GEMINI.md" in team_owned:
        blocks.append(LinkBlock("GEMINI.md", f"@./{guidance}"))
    if "agents_md" in targets and "AGENTS.md" in team_owned:
        blocks.append(
            LinkBlock(
                "AGENTS.md",
                f"Before backend work, read `{KIT_GUIDANCE}`: this repo's stack as detected, the docs map, the rules and the agent team.",
            )
        )
    return blocks
