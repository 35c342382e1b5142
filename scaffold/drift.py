"""Drift: how a kit differs from what its template renders for its answers.

Renders the recorded template version with the recorded answers (the same
render `copier update` diffs against) and compares it file by file. A
difference is either a team edit or drift; `check` reports it as information
unless `--strict`. This is the only part of `check` that imports Copier.
"""

from __future__ import annotations

import filecmp
import fnmatch
from dataclasses import dataclass
from pathlib import Path

from scaffold.checks import Finding
from scaffold.kit import ANSWERS_FILE, load_answers
from scaffold.render import rendered_kit
from scaffold.template import TemplateSource


@dataclass(frozen=True)
class Difference:
    """A kit file that is not what the template renders: changed (at `line`) or missing (`line` None)."""

    path: str
    line: int | None


def drift_findings(root: Path) -> list[Finding]:
    answers_path = root / ANSWERS_FILE
    if not answers_path.is_file():
        return []
    recorded = load_answers(answers_path)
    if not recorded.get("_src_path"):
        return [Finding(ANSWERS_FILE, 1, "drift", "records no template source (_src_path); cannot compare")]
    version = recorded.get("_commit", "the recorded version")
    return [
        Finding(difference.path, 1, "drift", f"missing; the template ({version}) renders it")
        if difference.line is None
        else Finding(difference.path, difference.line, "drift", f"differs from the template's {version} render (a team edit, or drift)")
        for difference in template_differences(root, recorded)
    ]


def template_differences(root: Path, recorded: dict) -> list[Difference]:
    """How the kit in `root` differs from the render of its recorded template version and answers.

    Files the kit keeps changing on purpose (the answers file, `_skip_if_exists` files such as the
    feature log) are not compared; files the template does not render (feature folders) are not seen.
    """
    source = TemplateSource.recorded(recorded["_src_path"], recorded.get("_commit"))
    answers = {key: value for key, value in recorded.items() if not key.startswith("_")}
    living = [ANSWERS_FILE, *source.config.get("_skip_if_exists", [])]
    differences = []
    with rendered_kit(source, answers) as expected:
        for path in sorted(p for p in expected.rglob("*") if p.is_file()):
            relative = path.relative_to(expected).as_posix()
            if any(fnmatch.fnmatch(relative, pattern) for pattern in living):
                continue
            actual = root / relative
            if not actual.exists():
                differences.append(Difference(relative, None))
            elif not filecmp.cmp(path, actual, shallow=False):
                differences.append(Difference(relative, _first_difference(path, actual)))
    return differences


def _first_difference(expected: Path, actual: Path) -> int:
    ours = expected.read_text(encoding="utf-8", errors="replace").splitlines()
    theirs = actual.read_text(encoding="utf-8", errors="replace").splitlines()
    for number, (a, b) in enumerate(zip(ours, theirs, strict=False), start=1):
        if a != b:
            return number
    return min(len(ours), len(theirs)) + 1
