"""Read a repo's stack, tools, commands and environment variables, offline and without running it.

One module per ecosystem (`python`, `node`, `golang`) finds candidate stacks and reads the facts of
the one chosen; `env` reads the environment variables the code reads; `commands` reads what the repo
really runs. Every fact carries its evidence. Nothing here imports Copier.

An ecosystem module has two functions:
- `candidates(tree) -> list[Fact]`: concern "stack" facts, one per service found, with the project
  root (repo-relative, "" for the top) in `details["root"]`;
- `read(tree, root, stack, commands) -> Reading`: the facts of that service.
"""

from __future__ import annotations

from pathlib import Path

from scaffold.detect import golang, node, python
from scaffold.detect.commands import RepoCommands
from scaffold.detect.env import read_env
from scaffold.detect.model import CONCERNS, Confidence, EnvVar, Evidence, Fact, Reading, RepoFacts
from scaffold.detect.tree import RepoTree

__all__ = ["CONCERNS", "Confidence", "EnvVar", "Evidence", "Fact", "Reading", "RepoFacts", "detect"]

LANGUAGE_OF_STACK = {"django": "python", "fastapi": "python", "express": "node", "go": "go"}
ECOSYSTEMS = {"python": python, "node": node, "go": golang}
# Source files of any language: a repo holding them is not empty, even when no stack we know is found.
CODE_SUFFIXES = (
    ".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".go", ".rb", ".php", ".java", ".kt", ".cs", ".rs",
    ".ex", ".exs", ".scala", ".swift", ".c", ".cc", ".cpp",
)


def detect(path: Path, stack: str | None = None, root: str | None = None) -> RepoFacts:
    """The facts of the repo at `path`; `stack` and `root` pick one service when several are found."""
    tree = RepoTree(path)
    candidates = _rank([fact for module in ECOSYSTEMS.values() for fact in module.candidates(tree)])
    result = RepoFacts(stacks=candidates, code_files=sum(1 for p in tree.files if p.endswith(CODE_SUFFIXES)))
    chosen = [
        c for c in candidates
        if (not stack or c.id == stack) and (root is None or c.details.get("root", "") == root.strip("/"))
    ]
    if stack or root is not None:
        result.stacks = chosen
    if len(chosen) != 1:
        # None or several: the caller says so and asks; nothing is guessed.
        return result
    service = chosen[0]
    result.root = service.details.get("root", "")
    language = LANGUAGE_OF_STACK[service.id]
    commands = RepoCommands(tree, result.root)
    reading = ECOSYSTEMS[language].read(tree, result.root, service.id, commands)
    result.facts = {"stack": service} | {fact.concern: fact for fact in reading.facts}
    result.exemplars = reading.exemplars
    result.notes = reading.notes
    result.env = read_env(tree, result.root, language)
    return result


def _rank(candidates: list[Fact]) -> list[Fact]:
    """One candidate per service, the surest and shallowest first.

    A stack found in a folder and again below it is one service (keep the outer folder); the same
    stack in sibling folders is several services, all reported. A low-confidence candidate (a Go
    CLI without a server, say) counts only when nothing surer was found.
    """
    order = {Confidence.high: 0, Confidence.medium: 1, Confidence.low: 2}
    unique: dict[tuple[str, str], Fact] = {}
    for fact in candidates:
        key = (fact.id, fact.details.get("root", ""))
        if key not in unique or order[fact.confidence] < order[unique[key].confidence]:
            unique[key] = fact
    ranked = sorted(unique.values(), key=lambda f: (order[f.confidence], f.details.get("root", "").count("/"), f.id))
    if any(f.confidence is not Confidence.low for f in ranked):
        ranked = [f for f in ranked if f.confidence is not Confidence.low]
    kept: list[Fact] = []
    for fact in ranked:
        root = fact.details.get("root", "")
        if not any(k.id == fact.id and _contains(k.details.get("root", ""), root) for k in kept):
            kept.append(fact)
    return kept


def _contains(outer: str, inner: str) -> bool:
    return outer == "" or inner == outer or inner.startswith(outer + "/")
