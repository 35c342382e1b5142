"""`agentscaffold status`, for a new teammate and for CI, on real kits made by `agentscaffold new`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

import adopt_fixtures as fixtures
from conftest import run_cli
from repos import write_repo
from scaffold import __version__


@pytest.fixture
def repo(kit, tmp_path) -> Path:
    return Path(shutil.copytree(kit(), tmp_path / "repo", symlinks=True))


def status(repo: Path, *args: str) -> tuple[int, dict]:
    result = run_cli("status", str(repo), "--json", *args)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_a_fresh_kit_is_up_to_date_and_unchanged(repo):
    human = run_cli("status", str(repo))
    assert human.returncode == 0, human.stderr
    lines = human.stdout.splitlines()
    commit = yaml.safe_load((repo / ".copier-answers.yml").read_text())["_commit"]  # a release, or this checkout's dev build
    assert commit.startswith(f"v{__version__}")
    assert lines[0] == f"Kit template: {commit} (installed: {commit}): up to date"
    assert "Every kit file is as the template wrote it." in lines
    assert lines[-1] == "0 features done, none in flight"
    code, report = status(repo, "--strict")
    assert code == 0
    assert report["position"] == "current" and report["template_version"] == report["installed_version"] == commit
    assert (report["changed"], report["missing"], report["compare_error"], report["features_in_flight"]) == ([], [], None, [])


def test_team_edits_missing_files_and_features_in_flight(repo):
    agents = repo / "AGENTS.md"
    lines = agents.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = "Our own wording.\n"
    agents.write_text("".join(lines), encoding="utf-8")
    (repo / "docs/guides/logging-guidelines.md").unlink()
    for title in ("Order checkout", "Refunds", "Invoices"):
        assert run_cli("feature", "new", title, "--dest", str(repo)).returncode == 0
    assert run_cli("feature", "status", "002-refunds", "done", "--dest", str(repo)).returncode == 0
    assert run_cli("feature", "status", "003-invoices", "blocked", "--dest", str(repo)).returncode == 0

    code, report = status(repo)
    assert code == 0  # a report, not a gate, unless --strict
    assert report["changed"] == [{"path": "AGENTS.md", "line": 3}]
    assert report["missing"] == ["docs/guides/logging-guidelines.md"]
    assert [(f["id"], f["status"]) for f in report["features_in_flight"]] == [("001-order-checkout", "planned"), ("003-invoices", "blocked")]
    assert report["features_done"] == 1
    human = run_cli("status", str(repo)).stdout
    assert "Changed by the team (first differing line) (1):\n  AGENTS.md:3\n" in human
    assert "Missing (the template renders them) (1):\n  docs/guides/logging-guidelines.md\n" in human
    assert "001-order-checkout  planned  " in human and "003-invoices        blocked  " in human
    assert status(repo, "--strict")[0] == 1  # a missing kit file fails CI

    (repo / "docs/guides").mkdir(exist_ok=True)
    (repo / "docs/guides/logging-guidelines.md").write_text("# Our logging rules\n", encoding="utf-8")  # back, as a team edit
    code, report = status(repo, "--strict")
    assert code == 0 and report["missing"] == []  # team edits alone never fail it
    assert {c["path"] for c in report["changed"]} == {"AGENTS.md", "docs/guides/logging-guidelines.md"}


def test_a_kit_behind_the_installed_template(repo):
    answers_path = repo / ".copier-answers.yml"
    answers = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    answers["_commit"] = "v0.0.1"
    answers_path.write_text(yaml.safe_dump(answers), encoding="utf-8")
    code, report = status(repo)
    assert code == 0 and report["position"] == "behind" and report["template_version"] == "v0.0.1"
    assert report["compare_error"]  # the bundle has no v0.0.1 to render: said, not crashed
    human = run_cli("status", str(repo)).stdout
    assert "older than the installed template; run `agentscaffold update --defaults`" in human
    assert "Could not compare" in human
    assert status(repo, "--strict")[0] == 1


def test_a_broken_feature_log_is_reported_not_fatal(repo):
    (repo / "docs/features/feature-log.json").write_text("{\n oops\n}", encoding="utf-8")
    code, report = status(repo)
    assert code == 0 and report["features_error"].startswith("docs/features/feature-log.json:2: not valid JSON")
    assert status(repo, "--strict")[0] == 1


def test_an_adopted_repo_lists_the_teams_own_files(tmp_path):
    repo = write_repo(tmp_path / "repo", fixtures.DJANGO_UNITTEST)
    new = run_cli("new", ".", "--defaults", cwd=repo)
    assert new.returncode == 0, new.stderr
    assert "adopted: tailored to the tools read from this repo" in new.stdout
    code, report = status(repo)
    assert code == 0 and report["team_owned"] == [".env.example", "CLAUDE.md"]
    assert report["changed"] == [] and report["missing"] == []
    assert "The team's own (never written by the kit) (2):\n  .env.example\n  CLAUDE.md\n" in run_cli("status", cwd=repo).stdout


def test_a_folder_without_a_kit_is_one_line(tmp_path):
    result = run_cli("status", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == f"agentscaffold: error: no agent kit in {tmp_path} (.copier-answers.yml is missing); create one with `agentscaffold new`"
