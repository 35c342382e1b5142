"""Shared fixtures: a hermetic git, the real CLI, and a cache of generated kits.

Everything runs the real thing: the installed `agentscaffold` console script,
real Copier, real git with a throwaway global config.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = REPO_ROOT / "templates"


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def stack_matrix() -> list[tuple[str, str]]:
    """Every valid (stack, database) pair, read from the stack data."""
    choices = load_yaml(REPO_ROOT / "copier.yml")["stack"]["choices"].values()
    pairs = []
    for stack in choices:
        profile = load_yaml(TEMPLATES / "_stacks" / stack / "stack.yml")
        pairs += [(stack, database) for database in profile["databases"]["choices"]]
    return pairs


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("agentscaffold")
    return [str(script)] if script.exists() else [sys.executable, "-m", "scaffold"]


@pytest.fixture(scope="session", autouse=True)
def hermetic_git(tmp_path_factory: pytest.TempPathFactory):
    """Git and Copier see only a throwaway home, config and cache."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n"
        "[user]\n\tname = Test\n\temail = test@example.com\n[advice]\n\tdetachedHead = false\n"
    )
    values = {
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "COPIER_CACHE_DIR": str(home / "copier-cache"),
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in values.items():
            patch.setenv(key, value)
        yield values


def run_cli(*args: str, cwd: Path | None = None, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*cli_command(), *args], cwd=cwd, stdin=stdin, capture_output=True, text=True, timeout=300
    )


# Runs the CLI in a fresh interpreter, then reports whether anything imported Copier and the exit code.
COPIER_PROBE = """\
import sys
from scaffold.cli import main
sys.argv = ["agentscaffold", *sys.argv[1:]]
try:
    main()
    code = 0
except SystemExit as end:
    code = end.code or 0
imported = any(m == "copier" or m.startswith("copier.") for m in sys.modules)
print(f"{'IMPORTED' if imported else 'CLEAN'} exit {code}")
"""


def copier_probe(*args: str) -> tuple[bool, str]:
    """(did `agentscaffold ARGS` import Copier?, its whole output ending in `CLEAN|IMPORTED exit N`)."""
    result = subprocess.run([sys.executable, "-c", COPIER_PROBE, *args], capture_output=True, text=True, timeout=300)
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert last.startswith(("CLEAN", "IMPORTED")), result.stdout + result.stderr
    return last.startswith("IMPORTED"), result.stdout + result.stderr


def new_kit(dest: Path, **answers) -> subprocess.CompletedProcess:
    data = [arg for key, value in answers.items() for arg in ("--data", f"{key}={value}")]
    result = run_cli("new", str(dest), "--defaults", *data)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory):
    """kit(**answers) -> path of a kit generated once per set of answers."""
    made: dict[tuple, Path] = {}

    def make(**answers) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in made:
            dest = tmp_path_factory.mktemp("kit") / "demo-service"
            new_kit(dest, **answers)
            made[key] = dest
        return made[key]

    return make


TEAM = list(load_yaml(TEMPLATES / "_agents" / "team.yml"))
STACKS = sorted({stack for stack, _ in stack_matrix()})
ALL_TARGETS = "claude,agents_md,copilot,cursor,opencode,gemini"


@pytest.fixture(params=STACKS)
def team_kit(request, kit):
    """Every agent, every target, for one stack, in a git repo (some clients look for the repo root).

    test_clients.py and test_skills.py load the same kits, so a full run renders each once.
    """
    root = kit(stack=request.param, agents=",".join(TEAM), targets=ALL_TARGETS, mcp_servers="github,context7")
    if not (root / ".git").exists():
        git("init", "-q", cwd=root)
    return root


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip install .` would install, built once from this checkout.

    A checkout between releases has no tag for its version: it builds as a development build.
    """
    dist = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO_ROOT)],
        capture_output=True, text=True, env={**os.environ, "AGENTSCAFFOLD_DEV_BUILD": "1"},
    )
    assert build.returncode == 0, build.stderr
    return next(dist.glob("*.whl"))


def git(*args: str, cwd: Path) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def kit_files(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }
