"""Time agentscaffold against plain Copier on the same template.

    python benchmarks/bench.py [--runs 7]

Prints the median wall time of each command over several runs, and the ratio
of ours to Copier's for the same work:
- `agentscaffold new --defaults` vs `copier copy --defaults` (same template folder);
- `agentscaffold update --defaults` vs `copier update --defaults` (same v1 -> v2 change);
- `agentscaffold check` on a generated kit and on a synthetic repo of 1,000 agents
  (targets: under 0.15 s and 2 s).
Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
AGENTSCAFFOLD, COPIER = str(BIN / "agentscaffold"), str(BIN / "copier")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}


def run(argv: list[str], cwd: Path | None = None) -> None:
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    if result.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{result.stderr}")


def git(cwd: Path, *args: str) -> None:
    run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args], cwd=cwd)


def median_seconds(runs: int, prepare: Callable[[Path], list[str]], cwd_of: Callable[[Path], Path | None]) -> float:
    timings = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            argv = prepare(Path(tmp))
            start = time.perf_counter()
            run(argv, cwd=cwd_of(Path(tmp)))
            timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def template_repo(dest: Path) -> Path:
    """The checkout's template as a git repo: v1.0.0, then a changed v2.0.0."""
    dest.mkdir()
    shutil.copy(REPO_ROOT / "copier.yml", dest)
    shutil.copytree(REPO_ROOT / "templates", dest / "templates")
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "v1")
    git(dest, "tag", "v1.0.0")
    guide = dest / "templates/docs/guides/logging-guidelines.md.jinja"
    guide.write_text(guide.read_text().replace("two different readers", "two readers"))
    git(dest, "commit", "-qam", "v2")
    git(dest, "tag", "v2.0.0")
    return dest


def synthetic_kit(kit: Path, dest: Path, count: int) -> Path:
    """A generated kit whose Claude Code team has `count` agents (copies under new names)."""
    shutil.copytree(kit, dest)
    agents = dest / ".claude" / "agents"
    prototype = (agents / "backend-developer.md").read_text()
    for index in range(count - len(list(agents.glob("*.md")))):
        name = f"agent-{index:04d}"
        (agents / f"{name}.md").write_text(prototype.replace("name: backend-developer", f"name: {name}", 1))
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    results: dict[str, float] = {}

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "folder"
        folder.mkdir()
        shutil.copy(REPO_ROOT / "copier.yml", folder)
        shutil.copytree(REPO_ROOT / "templates", folder / "templates")
        repo = template_repo(Path(tmp) / "repo")

        project = Path(tmp) / "project"
        run([AGENTSCAFFOLD, "new", str(project), "--defaults", "--template", str(repo), "--vcs-ref", "v1.0.0"])
        git(project, "init", "-q")
        git(project, "add", "-A")
        git(project, "commit", "-qm", "kit")

        def fresh_project(where: Path) -> Path:
            shutil.copytree(project, where / "p", symlinks=True)
            return where / "p"

        nowhere = lambda where: None  # noqa: E731
        results["agentscaffold --help"] = median_seconds(runs, lambda t: [AGENTSCAFFOLD, "--help"], nowhere)
        results["agentscaffold new --defaults"] = median_seconds(
            runs, lambda t: [AGENTSCAFFOLD, "new", str(t / "kit"), "--defaults", "--template", str(folder)], nowhere
        )
        results["copier copy --defaults"] = median_seconds(
            runs, lambda t: [COPIER, "copy", "--defaults", "--quiet", str(folder), str(t / "kit")], nowhere
        )
        results["agentscaffold update --defaults"] = median_seconds(
            runs, lambda t: [AGENTSCAFFOLD, "update", str(fresh_project(t)), "--defaults"], nowhere
        )
        results["copier update --defaults"] = median_seconds(
            runs, lambda t: (fresh_project(t), [COPIER, "update", "--defaults", "--quiet"])[1], lambda t: t / "p"
        )

        kit = Path(tmp) / "kit"
        run([AGENTSCAFFOLD, "new", str(kit), "--defaults", "--template", str(folder)])
        many = synthetic_kit(kit, Path(tmp) / "many", 1000)
        results["agentscaffold check (generated kit)"] = median_seconds(runs, lambda t: [AGENTSCAFFOLD, "check", str(kit)], nowhere)
        results["agentscaffold check (1,000 agents)"] = median_seconds(runs, lambda t: [AGENTSCAFFOLD, "check", str(many)], nowhere)

    print(f"median of {runs} runs")
    for name, seconds in results.items():
        print(f"  {name:<34} {seconds * 1000:8.0f} ms")
    for ours, theirs in [("agentscaffold new --defaults", "copier copy --defaults"),
                         ("agentscaffold update --defaults", "copier update --defaults")]:
        print(f"  ratio {ours} / {theirs}: {results[ours] / results[theirs]:.2f}")


if __name__ == "__main__":
    main()
