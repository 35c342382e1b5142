"""`agentscaffold new` as a user runs it: answers, bad input, existing files."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT, copier_probe, kit_files, new_kit, run_cli


def assert_usage_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_version_and_help():
    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("agentscaffold ")
    for args in (["--help"], ["new", "--help"]):
        result = run_cli(*args)
        assert result.returncode == 0
        assert "Usage" in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["new", "--help"]])
def test_help_does_not_import_copier(args):
    imported, output = copier_probe(*args)
    assert not imported and "Usage" in output, output


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--data", "stack=rails"], ["stack", "'rails'", "django, fastapi, express, go"]),
        (["--data", "stack=django", "--data", "database=mongodb"], ["database", "'mongodb'", "stack=django", "mysql, postgresql, sqlite"]),
        (["--data", "stack=go", "--data", "database=sqlite"], ["database", "stack=go", "postgresql, mysql"]),
        (["--data", "stack=express", "--data", "task_queue=celery"], ["task_queue", "stack=express", "bullmq, none"]),
        (["--data", "colour=blue"], ["unknown --data key 'colour'", "stack, database"]),
        (["--data", "coverage_target=49"], ["coverage_target", "50", "100"]),
        (["--data", "coverage_target=lots"], ["coverage_target", "not a whole number"]),
        (["--data", "tdd=maybe"], ["tdd", "true or false"]),
        (["--data", "default_model=gpt"], ["default_model", "inherit, sonnet, opus, haiku"]),
        (["--data", "project_name= "], ["project_name must not be empty"]),
        (["--data", "novalue"], ["KEY=VALUE"]),
    ],
)
def test_bad_answers_give_one_line_and_write_nothing(tmp_path, args, fragments):
    dest = tmp_path / "out"
    assert_usage_error(run_cli("new", str(dest), "--defaults", *args), *fragments)
    assert not dest.exists()


def test_dest_that_is_a_file(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("mine")
    assert_usage_error(run_cli("new", str(target), "--defaults"), "is a file")
    assert_usage_error(run_cli("new", str(target / "sub"), "--defaults"), "is a file")
    assert target.read_text() == "mine"


def test_dest_that_cannot_be_written():
    # sysfs refuses new entries even for root, where mode bits would not.
    dest = Path("/sys/agentscaffold-test")
    if not Path("/sys").is_dir():
        pytest.skip("no /sys on this machine to stand in for an unwritable folder")
    assert_usage_error(run_cli("new", str(dest), "--defaults"), "not writable")
    assert not dest.exists()


def test_no_terminal_and_no_defaults_fails_instead_of_hanging(tmp_path):
    dest = tmp_path / "out"
    assert_usage_error(run_cli("new", str(dest)), "--defaults")
    assert not dest.exists()


def test_every_question_given_needs_no_terminal(tmp_path):
    answers = {
        "stack": "go", "database": "mysql", "cache": "none", "task_queue": "none", "project_name": "svc",
        "project_description": "x", "default_model": "haiku", "tdd": "true", "coverage_target": "70",
        "stack_mode": "strict", "contract_first": "true", "memory_protocol": "false",
        "agents": "backend-developer", "targets": "claude", "agent_models": "{}", "mcp_servers": "", "check_hook": "none",
    }
    args = [arg for key, value in answers.items() for arg in ("--data", f"{key}={value}")]
    result = run_cli("new", str(tmp_path / "out"), *args)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out/docs/context/backend/go-mysql-best-practices.md").is_file()


def test_new_ends_with_the_choices_and_next_steps(tmp_path):
    dest = tmp_path / "svc"
    result = new_kit(dest, stack="fastapi", database="postgresql", cache="none", task_queue="arq",
                     targets="claude,opencode", agents="backend-developer,qa-tester")
    lines = result.stdout.splitlines()
    summary = lines[lines.index(next(line for line in lines if line.startswith("Kit: "))):]
    assert summary == [
        "Kit: fastapi with postgresql, task queue arq; a new repo: the stack's recommended tools",
        "Tools: claude, opencode; agents: backend-developer, qa-tester",
        f"Next steps (cd {dest} first):",
        "  1. Review the kit (`git status`) and commit it.",
        "  2. Open your tool:",
        '       Claude Code: run `claude`; ask for an agent by name ("use the backend-developer agent to ..."); `/agents` lists them',
        "       OpenCode: run `opencode`; @-mention a subagent (@backend-developer)",
        '  3. Start a first feature: /feature-start Your first feature (the skill), or agentscaffold feature new "Your first feature"',
        "  4. Keep the kit healthy: agentscaffold check",
        "The team, its skills and the workflow, for people: docs/agent-kit/README.md",
    ]


def test_data_is_cast_by_question_type(kit):
    root = kit(stack="fastapi", coverage_target="90", tdd="no", project_description="- a: [b]")
    answers = yaml.safe_load((root / ".copier-answers.yml").read_text())
    assert answers["coverage_target"] == 90
    assert answers["tdd"] is False
    assert answers["project_description"] == "- a: [b]"  # a str question never parses YAML


def test_existing_files_are_left_alone_without_force(tmp_path):
    dest = tmp_path / "repo"
    dest.mkdir()
    (dest / "CLAUDE.md").write_text("# Our own instructions\n")
    (dest / "notes.txt").write_text("unrelated")
    result = new_kit(dest)
    assert (dest / "CLAUDE.md").read_text() == "# Our own instructions\n"
    assert (dest / "notes.txt").read_text() == "unrelated"
    assert "Left alone" in result.stdout and "CLAUDE.md" in result.stdout
    assert (dest / ".claude/agents/backend-developer.md").is_file()

    again = run_cli("new", str(dest), "--defaults")  # a second kit would mix with the first
    assert again.returncode == 2 and "agentscaffold update --data" in again.stderr
    assert (dest / "CLAUDE.md").read_text() == "# Our own instructions\n"
    (dest / ".copier-answers.yml").unlink()

    forced = run_cli("new", str(dest), "--defaults", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "@AGENTS.md" in (dest / "CLAUDE.md").read_text()
    assert (dest / "notes.txt").read_text() == "unrelated"


def test_plain_copier_copy_renders_the_same_kit(tmp_path):
    answers = {"stack": "express", "database": "mongodb", "project_name": "shop"}
    ours = tmp_path / "ours"
    new_kit(ours, **answers)
    data = [arg for key, value in answers.items() for arg in ("--data", f"{key}={value}")]
    copier = Path(sys.executable).with_name("copier")
    result = subprocess.run(
        [str(copier), "copy", "--defaults", "--quiet", *data, str(REPO_ROOT), str(tmp_path / "plain")],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    ours_files, plain_files = kit_files(ours), kit_files(tmp_path / "plain")
    ours_files.pop(".copier-answers.yml")
    plain_files.pop(".copier-answers.yml")
    assert ours_files == plain_files


def test_the_wheel_carries_the_template(built_wheel, tmp_path):
    names = zipfile.ZipFile(built_wheel).namelist()
    assert "scaffold/template/copier.yml" in names
    assert "scaffold/template.bundle" in names
    assert any(name.startswith("scaffold/template/templates/_stacks/go/") for name in names)

    site = tmp_path / "site"
    zipfile.ZipFile(built_wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", "from scaffold.cli import main; main()", "new", "kit", "--defaults", "--data", "stack=go"],
        cwd=elsewhere, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(site)},
    )
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "kit/docs/context/backend/go-postgresql-best-practices.md").is_file()
    assert "site-packages" not in (elsewhere / "kit/.copier-answers.yml").read_text()


def test_an_internal_error_is_one_line_with_exit_3_and_a_traceback_only_on_request(tmp_path):
    probe = (
        "import sys\n"
        "import scaffold.commands.check as check\n"
        "check.run = lambda *args: {}['a bug']\n"  # stands in for any bug of ours
        "from scaffold.cli import main\n"
        "sys.argv = ['agentscaffold', *sys.argv[1:]]\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "AGENTSCAFFOLD_DEBUG"}
    quiet = subprocess.run([sys.executable, "-c", probe, "check", str(tmp_path)], capture_output=True, text=True, env=env)
    assert quiet.returncode == 3
    assert quiet.stderr.strip().splitlines() == [
        "agentscaffold: internal error: KeyError: 'a bug' (rerun with AGENTSCAFFOLD_DEBUG=1 for the traceback)"
    ]
    for args, extra in ((["--debug", "check"], {}), (["check"], {"AGENTSCAFFOLD_DEBUG": "1"})):
        loud = subprocess.run([sys.executable, "-c", probe, *args, str(tmp_path)], capture_output=True, text=True, env={**env, **extra})
        assert loud.returncode == 1 and "Traceback" in loud.stderr and "KeyError" in loud.stderr
