"""Template updates keep the team's edits: plain `copier update` and `agentscaffold update`.

A template repo is built from this checkout's template and tagged v1.0.0; a
project is generated from it, committed and edited; the template changes and
is tagged v2.0.0. Real git (hermetic config), real Copier, no network.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT, git, run_cli
from scaffold.bundle import CANONICAL_URL, bundle_path, bundle_ref, release_tag
from scaffold import __version__

AGENT = ".claude/agents/backend-developer.md"
LOGGING = "docs/guides/logging-guidelines.md"
TEAM_EDIT = "\n## Team rule\n\nAlways page the on-call channel before a migration.\n"
NEW_QUESTION = "\nreview_required:\n  type: bool\n  help: Require review?\n  default: true\n"


def copier_bin() -> str:
    return str(Path(sys.executable).with_name("copier"))


def copy_template(dest: Path) -> Path:
    dest.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "copier.yml", dest)
    shutil.copytree(REPO_ROOT / "templates", dest / "templates")
    return dest


def commit_all(repo: Path, message: str) -> None:
    git("add", "-A", cwd=repo)
    git("commit", "-qm", message, cwd=repo)


def change_template(template: Path, tag: str) -> None:
    """v2: a changed line in the logging guidelines and a new question."""
    guide = template / "templates/docs/guides/logging-guidelines.md.jinja"
    guide.write_text(guide.read_text().replace("Two different logs, two different readers:", "Two logs, two readers (v2):"))
    with (template / "copier.yml").open("a") as handle:
        handle.write(NEW_QUESTION)
    (template / "templates/REVIEW.md.jinja").write_text("Review required: {{ review_required }}\n")
    commit_all(template, tag)
    git("tag", tag, cwd=template)


def kit_at_v1(tmp_path: Path) -> tuple[Path, Path]:
    """(a copy of the template, tagged v1.0.0; a Django kit made from it, committed)."""
    template = copy_template(tmp_path / "template")
    git("init", "-q", cwd=template)
    commit_all(template, "v1")
    git("tag", "v1.0.0", cwd=template)

    project = tmp_path / "project"
    result = run_cli("new", str(project), "--defaults", "--template", str(template), "--data", "stack=django")
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v1.0.0" and answers["_src_path"] == str(template)
    git("init", "-q", cwd=project)
    commit_all(project, "kit v1")
    return template, project


@pytest.fixture
def versions(tmp_path):
    """(template repo at v2.0.0, project made at v1.0.0, committed and edited)."""
    template, project = kit_at_v1(tmp_path)
    with (project / AGENT).open("a") as handle:
        handle.write(TEAM_EDIT)
    commit_all(project, "team edit")

    change_template(template, "v2.0.0")
    return template, project


def assert_updated_with_edit_kept(project: Path) -> None:
    assert "Two logs, two readers (v2):" in (project / LOGGING).read_text()
    assert TEAM_EDIT.strip() in (project / AGENT).read_text()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v2.0.0"
    assert answers["review_required"] is True  # new in v2, answered by its default
    assert (project / "REVIEW.md").read_text() == "Review required: True\n"


def test_plain_copier_update_keeps_the_edit(versions):
    _, project = versions
    result = subprocess.run([copier_bin(), "update", "--defaults", "--quiet"], cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert_updated_with_edit_kept(project)


def test_agentscaffold_update_keeps_the_edit(versions):
    _, project = versions
    result = run_cli("update", str(project), "--defaults")
    assert result.returncode == 0, result.stderr
    assert "v1.0.0 to v2.0.0" in result.stdout
    assert_updated_with_edit_kept(project)


def test_conflicting_edit_leaves_markers_and_fails(versions):
    _, project = versions
    guide = project / LOGGING
    guide.write_text(guide.read_text().replace("Two different logs, two different readers:", "Our two logs:"))
    commit_all(project, "conflicting edit")
    result = run_cli("update", str(project), "--defaults")
    assert result.returncode == 1, result.stdout + result.stderr
    assert LOGGING in result.stdout
    text = guide.read_text()
    assert "<<<<<<< before updating" in text and ">>>>>>> after updating" in text


def test_conflicts_as_rej_files(versions):
    _, project = versions
    guide = project / LOGGING
    guide.write_text(guide.read_text().replace("Two different logs, two different readers:", "Our two logs:"))
    commit_all(project, "conflicting edit")
    result = run_cli("update", str(project), "--defaults", "--conflict", "rej")
    assert result.returncode == 1
    assert LOGGING in result.stdout
    assert (project / f"{LOGGING}.rej").is_file()


def test_deleted_file_stays_deleted(versions):
    _, project = versions
    (project / "docs/features/README.md").unlink()
    commit_all(project, "we do not want this file")
    result = run_cli("update", str(project), "--defaults")
    assert result.returncode == 0, result.stderr
    assert not (project / "docs/features/README.md").exists()
    assert_updated_with_edit_kept(project)


def test_refusals(versions, tmp_path):
    _, project = versions
    (project / "scratch.txt").write_text("wip")
    dirty = run_cli("update", str(project), "--defaults")
    assert dirty.returncode == 2 and "uncommitted changes" in dirty.stderr and len(dirty.stderr.splitlines()) == 1
    (project / "scratch.txt").unlink()

    assert run_cli("update", str(project), "--defaults").returncode == 0
    commit_all(project, "v2")
    downgrade = run_cli("update", str(project), "--defaults", "--vcs-ref", "v1.0.0")
    assert downgrade.returncode == 2 and "refusing to downgrade" in downgrade.stderr
    assert len(downgrade.stderr.splitlines()) == 1

    plain = tmp_path / "plain"
    plain.mkdir()
    git("init", "-q", cwd=plain)
    missing = run_cli("update", str(plain), "--defaults")
    assert missing.returncode == 2 and "no .copier-answers.yml" in missing.stderr


@pytest.fixture
def canonical_project(tmp_path, hermetic_git):
    """A project made by `agentscaffold new` from the bundled template."""
    project = tmp_path / "canonical"
    result = run_cli("new", str(project), "--defaults", "--data", "stack=django")
    assert result.returncode == 0, result.stderr
    git("init", "-q", cwd=project)
    commit_all(project, "kit")
    return project


def test_new_records_the_canonical_url_and_the_installed_template(canonical_project):
    """A release records its tag; a checkout between releases its development tag, never a release it is not."""
    answers = yaml.safe_load((canonical_project / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == CANONICAL_URL
    assert answers["_commit"] == bundle_ref()
    assert answers["_commit"] == release_tag() or answers["_commit"].startswith(f"v{__version__}-dev-g")


def test_update_at_the_installed_version_changes_nothing(canonical_project):
    result = run_cli("update", str(canonical_project), "--defaults")
    assert result.returncode == 0, result.stderr
    assert git("status", "--porcelain", cwd=canonical_project) == ""


def test_canonical_url_through_url_rewriting_to_a_bare_repo(canonical_project, tmp_path, hermetic_git):
    """Plain `copier update` on the canonical URL, served by a local bare repo whose history holds
    what the installed package shipped (the bundle) and a newer release on top."""
    template = tmp_path / "upstream"
    git("clone", "-q", str(bundle_path()), str(template), cwd=tmp_path)
    git("checkout", "-q", "-b", "main", bundle_ref(), cwd=template)
    change_template(template, "v99.0.0")
    bare = tmp_path / "upstream.git"
    git("clone", "-q", "--bare", str(template), str(bare), cwd=tmp_path)
    git("config", "--file", hermetic_git["GIT_CONFIG_GLOBAL"], f"url.{bare}.insteadOf", CANONICAL_URL, cwd=tmp_path)
    try:
        with (canonical_project / AGENT).open("a") as handle:
            handle.write(TEAM_EDIT)
        commit_all(canonical_project, "team edit")
        result = subprocess.run(
            [copier_bin(), "update", "--defaults", "--quiet"], cwd=canonical_project, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        assert "Two logs, two readers (v2):" in (canonical_project / LOGGING).read_text()
        assert TEAM_EDIT.strip() in (canonical_project / AGENT).read_text()
        assert yaml.safe_load((canonical_project / ".copier-answers.yml").read_text())["_commit"] == "v99.0.0"
    finally:
        git("config", "--file", hermetic_git["GIT_CONFIG_GLOBAL"], "--unset", f"url.{bare}.insteadOf", cwd=tmp_path)


def test_the_newest_tag_is_a_release_not_a_pre_release():
    from scaffold.commands.update import _newest_tag

    assert _newest_tag({"v1.0.0", "v2.0.0", "v3.0.0rc1", "v3.0.0.dev2", "main"}, "src") == "v2.0.0"


def test_a_team_owned_claude_md_is_never_merged_by_plain_copier_update(tmp_path):
    """`new` left the team's CLAUDE.md alone; a template change to CLAUDE.md must not reach it."""
    template = copy_template(tmp_path / "template")
    git("init", "-q", cwd=template)
    commit_all(template, "v1")
    git("tag", "v1.0.0", cwd=template)

    project = tmp_path / "project"
    project.mkdir()
    ours = "# Our rules\n\nKeep handlers small.\n"
    (project / "CLAUDE.md").write_text(ours)
    git("init", "-q", cwd=project)
    commit_all(project, "our CLAUDE.md")
    made = run_cli("new", str(project), "--defaults", "--template", str(template), "--data", "stack=django")
    assert made.returncode == 0, made.stderr
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["team_owned"] == ["CLAUDE.md"]
    commit_all(project, "kit v1")

    claude = template / "templates/{% if 'claude' in targets %}CLAUDE.md{% endif %}.jinja"
    claude.write_text(claude.read_text().replace("## Subagents", "## Subagents (v2)"))
    change_template(template, "v2.0.0")
    result = subprocess.run([copier_bin(), "update", "--defaults", "--quiet"], cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (project / "CLAUDE.md").read_text() == ours
    assert "Two logs, two readers (v2):" in (project / LOGGING).read_text()
    assert not git("ls-files", "-u", cwd=project).strip()
