"""A release as a pipeline makes it: `python -m build` (sdist, then a wheel from the sdist) in a clean
clone, installed in a fresh venv, and a kit made with the previous release updated by the new one.

The project is copied from this checkout into a throwaway repo with two releases it tags itself
(v1.0.0, v1.1.0, the second changing one line of the template), plus a branch and tags that are not
releases. The fresh venv gets the built wheel and nothing else; the dependencies (Copier, Typer, ...)
come from the test environment through a .pth file, so the test needs no network.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT, git

OLD, NEW = "1.0.0", "1.1.0"
GUIDE = "templates/docs/guides/logging-guidelines.md.jinja"
OLD_LINE, NEW_LINE = "Two different logs, two different readers:", "Two logs, two readers (1.1.0):"
AGENT = ".claude/agents/backend-developer.md"
TEAM_EDIT = "\n## Team rule\n\nPage the on-call channel before a migration.\n"


def set_version(project: Path, version: str) -> None:
    init = project / "scaffold/__init__.py"
    lines = [f'__version__ = "{version}"' if line.startswith("__version__") else line for line in init.read_text().splitlines()]
    init.write_text("\n".join(lines) + "\n")


def commit_all(repo: Path, message: str) -> None:
    git("add", "-A", cwd=repo)
    git("commit", "-qm", message, cwd=repo)


@pytest.fixture(scope="module")
def upstream(tmp_path_factory) -> Path:
    """This project's files in a repo with two tagged releases, a branch and tags that are not releases."""
    project = tmp_path_factory.mktemp("upstream") / "agentscaffold"
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO_ROOT).split("\0")
    for name in filter(None, listed):
        if (REPO_ROOT / name).is_file():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, project / name)
    git("init", "-q", cwd=project)
    set_version(project, OLD)
    commit_all(project, f"release {OLD}")
    git("tag", "-a", "-m", OLD, f"v{OLD}", cwd=project)
    git("branch", "throwaway-feature", cwd=project)
    git("tag", "nightly", cwd=project)
    guide = project / GUIDE
    assert OLD_LINE in guide.read_text()
    guide.write_text(guide.read_text().replace(OLD_LINE, NEW_LINE))
    set_version(project, NEW)
    commit_all(project, f"release {NEW}")
    git("tag", "-a", "-m", NEW, f"v{NEW}", cwd=project)
    git("tag", "v-latest", cwd=project)
    return project


def clean_clone(upstream: Path, dest: Path, tag: str, *options: str) -> Path:
    git("clone", "-q", *options, f"file://{upstream}", str(dest), cwd=upstream.parent)
    git("-c", "advice.detachedHead=false", "checkout", "-q", tag, cwd=dest)
    return dest


def build(project: Path, out: Path, *options: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m build`: the sdist, then the wheel from the unpacked sdist (no git there)."""
    return subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "-o", str(out), *options, str(project)],
        capture_output=True, text=True, timeout=600, env={**os.environ, **env},
    )


def built_wheel(project: Path, out: Path, *options: str, **env: str) -> Path:
    result = build(project, out, *options, **env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return next(out.glob("*.whl"))


def bundle_heads(wheel: Path, tmp: Path) -> list[str]:
    bundle = tmp / f"{wheel.stem}.bundle"
    bundle.write_bytes(zipfile.ZipFile(wheel).read("scaffold/template.bundle"))
    listing = subprocess.run(["git", "bundle", "list-heads", str(bundle)], capture_output=True, text=True, check=True).stdout
    return sorted(line.split(" ", 1)[1] for line in listing.splitlines())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_python_m_build_from_a_clean_clone_bundles_every_release_reproducibly(upstream, tmp_path):
    clone = clean_clone(upstream, tmp_path / "clone", f"v{NEW}")
    wheel = built_wheel(clone, tmp_path / "dist")
    assert bundle_heads(wheel, tmp_path) == [f"refs/tags/v{OLD}", f"refs/tags/v{NEW}"]  # no branch, no other tag
    assert zipfile.ZipFile(wheel).read("scaffold/template.ref").decode().strip() == f"v{NEW}"
    assert any(name.endswith("licenses/LICENSE") for name in zipfile.ZipFile(wheel).namelist())

    # The same input gives the same wheel: from another clone, wheel-only, and with SOURCE_DATE_EPOCH.
    other = clean_clone(upstream, tmp_path / "other", f"v{NEW}")
    again = built_wheel(other, tmp_path / "again", "--wheel")
    assert sha256(again) == sha256(wheel)
    dated = [built_wheel(clone, tmp_path / f"dated{i}", "--wheel", SOURCE_DATE_EPOCH="1767225600") for i in (1, 2)]
    assert sha256(dated[0]) == sha256(dated[1])


def test_a_shallow_clone_refuses_a_release_build_unless_told_it_is_a_development_build(upstream, tmp_path):
    shallow = clean_clone(upstream, tmp_path / "shallow", f"v{NEW}", "--depth", "1", "--no-single-branch")
    refused = build(shallow, tmp_path / "dist")
    assert refused.returncode != 0
    assert "agentscaffold build refused: " in refused.stdout + refused.stderr
    assert "shallow clone" in refused.stdout + refused.stderr and "AGENTSCAFFOLD_DEV_BUILD=1" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr

    wheel = built_wheel(shallow, tmp_path / "dev", AGENTSCAFFOLD_DEV_BUILD="1")
    ref = zipfile.ZipFile(wheel).read("scaffold/template.ref").decode().strip()
    assert ref.startswith(f"v{NEW}-dev-g")
    assert bundle_heads(wheel, tmp_path) == [f"refs/tags/{ref}"]


class FreshVenv:
    """A venv holding only our wheel; the dependencies come from the test environment (.pth)."""

    def __init__(self, root: Path) -> None:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
        self.root = root
        purelib = Path(subprocess.run(
            [str(root / "bin/python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip())
        (purelib / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    def install(self, wheel: Path) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(self.root / "bin/python"), "install", "-q", "--no-deps",
             "--no-index", "--force-reinstall", str(wheel)],
            capture_output=True, text=True,
        )
        assert result.returncode == 0, result.stderr

    def agentscaffold(self, *args: str, cwd: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.root / "bin/agentscaffold"), *args], cwd=cwd, capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=300,
        )


def test_a_kit_made_with_the_previous_release_updates_with_the_current_one(upstream, tmp_path):
    old_wheel = built_wheel(clean_clone(upstream, tmp_path / "old", f"v{OLD}"), tmp_path / "old-dist")
    new_wheel = built_wheel(clean_clone(upstream, tmp_path / "new", f"v{NEW}"), tmp_path / "new-dist")
    venv = FreshVenv(tmp_path / "venv")
    venv.install(old_wheel)
    assert venv.agentscaffold("--version", cwd=tmp_path).stdout.strip() == f"agentscaffold {OLD}"

    kit = tmp_path / "service"
    made = venv.agentscaffold("new", str(kit), "--defaults", "--data", "stack=django", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert yaml.safe_load((kit / ".copier-answers.yml").read_text())["_commit"] == f"v{OLD}"
    git("init", "-q", cwd=kit)
    commit_all(kit, "kit")
    with (kit / AGENT).open("a") as handle:
        handle.write(TEAM_EDIT)
    commit_all(kit, "team edit")

    venv.install(new_wheel)
    updated = venv.agentscaffold("update", "--defaults", cwd=kit)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert f"from v{OLD} to v{NEW}" in updated.stdout
    assert TEAM_EDIT.strip() in (kit / AGENT).read_text()  # the team's edit survives
    guide = (kit / "docs/guides/logging-guidelines.md").read_text()
    assert NEW_LINE in guide and OLD_LINE not in guide  # the template's change arrives
    assert yaml.safe_load((kit / ".copier-answers.yml").read_text())["_commit"] == f"v{NEW}"
    commit_all(kit, "update")

    # A recorded version the bundle does not have: one line, exit 2, never a traceback.
    answers = kit / ".copier-answers.yml"
    for missing in ("v1.0.5", "v1.0.0-dev-g0123456789ab"):
        answers.write_text(answers.read_text().replace(f"_commit: v{NEW}", f"_commit: {missing}"))
        commit_all(kit, f"pretend {missing}")
        refused = venv.agentscaffold("update", "--defaults", cwd=kit)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert len(refused.stderr.splitlines()) == 1 and missing in refused.stderr, refused.stderr
        git("reset", "-q", "--hard", "HEAD~1", cwd=kit)
