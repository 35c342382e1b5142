"""Time agentscaffold against plain Copier on the same template.

    python benchmarks/bench.py [--runs 7]

Prints the median wall time of each command over several runs, and the ratio
of ours to Copier's for the same work:
- `agentscaffold new --defaults` vs `copier copy --defaults` (same template folder);
- `agentscaffold update --defaults` vs `copier update --defaults` (same v1 -> v2 change);
- `agentscaffold check` on a generated kit and on a synthetic repo of 1,000 agents
  (targets: under 0.15 s and 2 s);
- `agentscaffold status` (it renders the recorded template version, as `check --drift` does)
  against `agentscaffold new`, and `agentscaffold feature log` (no Copier; target: like `check`);
- detection on a synthetic Django repo of 20,000 source files plus a 50,000-file
  `node_modules` (target: under 0.5 s), in-process and as `agentscaffold detect`.
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
    """A generated kit whose Claude Code team has `count` agents (copies under new names).

    Each copy's prompt differs in its first line, so no check reads one text twice.
    """
    shutil.copytree(kit, dest)
    agents = dest / ".claude" / "agents"
    prototype = (agents / "backend-developer.md").read_text()
    for index in range(count - len(list(agents.glob("*.md")))):
        name = f"agent-{index:04d}"
        text = prototype.replace("name: backend-developer", f"name: {name}", 1)
        head, body = text.split("\n---\n", 1)
        (agents / f"{name}.md").write_text(f"{head}\n---\nYou are agent {index}.\n{body}")
    return dest


def synthetic_repo(dest: Path, sources: int = 20_000, vendored: int = 50_000) -> Path:
    """A Django service with `sources` Python files, and a `node_modules` detection must skip."""
    (dest / "project").mkdir(parents=True)
    (dest / "manage.py").write_text('import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")\n')
    (dest / "requirements.txt").write_text("Django==5.2.1\npsycopg[binary]==3.2.9\npytest-django==4.11.1\n")
    (dest / "project" / "settings.py").write_text('import os\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\n')
    (dest / ".gitignore").write_text("node_modules/\n")
    for index in range(sources):
        app = dest / f"app{index // 200:03d}"
        app.mkdir(exist_ok=True)
        body = f'import os\nLIMIT = os.environ.get("APP_LIMIT_{index % 50}", "10")\n' if index % 100 == 0 else "x = 1\n"
        (app / f"module{index % 200:03d}.py").write_text(body)
    for index in range(vendored):
        package = dest / "node_modules" / f"pkg{index // 100:04d}"
        package.mkdir(parents=True, exist_ok=True)
        (package / f"file{index % 100:02d}.js").write_text("module.exports = process.env.NODE_SECRET;\n")
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "synthetic")
    return dest


def detect_seconds(repo: Path, runs: int) -> float:
    """Median of in-process `detect()` calls, each in a fresh interpreter (no warm caches)."""
    probe = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from scaffold.detect import detect\n"
        "start = time.perf_counter()\n"
        "facts = detect(Path(sys.argv[1]))\n"
        "print(time.perf_counter() - start)\n"
    )
    timings = []
    for _ in range(runs):
        result = subprocess.run([sys.executable, "-c", probe, str(repo)], capture_output=True, text=True, check=True)
        timings.append(float(result.stdout.split()[-1]))
    return statistics.median(timings)


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

        def project_with_feature(where: Path) -> Path:
            copy = fresh_project(where)
            run([AGENTSCAFFOLD, "feature", "new", "Order checkout", "--dest", str(copy)])
            return copy

        results["agentscaffold status"] = median_seconds(runs, lambda t: [AGENTSCAFFOLD, "status", str(project)], nowhere)
        results["agentscaffold feature log"] = median_seconds(
            runs,
            lambda t: [AGENTSCAFFOLD, "feature", "log", "001-order-checkout", "--kind", "change", "--summary", "Added the endpoint",
                       "--dest", str(project_with_feature(t))],
            nowhere,
        )

        kit = Path(tmp) / "kit"
        run([AGENTSCAFFOLD, "new", str(kit), "--defaults", "--template", str(folder)])
        many = synthetic_kit(kit, Path(tmp) / "many", 1000)
        results["agentscaffold check (generated kit)"] = median_seconds(runs, lambda t: [AGENTSCAFFOLD, "check", str(kit)], nowhere)
        results["agentscaffold check (1,000 agents)"] = median_seconds(runs, lambda t: [AGENTSCAFFOLD, "check", str(many)], nowhere)

        big = synthetic_repo(Path(tmp) / "big")
        results["detect() (20,000 files + node_modules)"] = detect_seconds(big, runs)
        results["agentscaffold detect (same repo)"] = median_seconds(runs, lambda t: [AGENTSCAFFOLD, "detect", str(big)], nowhere)

    print(f"median of {runs} runs")
    for name, seconds in results.items():
        print(f"  {name:<40} {seconds * 1000:8.0f} ms")
    for ours, theirs in [("agentscaffold new --defaults", "copier copy --defaults"),
                         ("agentscaffold update --defaults", "copier update --defaults"),
                         ("agentscaffold status", "agentscaffold new --defaults")]:
        print(f"  ratio {ours} / {theirs}: {results[ours] / results[theirs]:.2f}")


if __name__ == "__main__":
    main()
