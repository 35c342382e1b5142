"""`agentscaffold new` on a real terminal (a pty): stack first, then only the valid choices."""

from __future__ import annotations

import os
import pty
import re
import select
import time
from pathlib import Path

import yaml

from conftest import cli_command

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
DOWN, ENTER, ESC_ENTER = b"\x1b[B", b"\r", b"\x1b\r"


class Terminal:
    """The CLI on a pseudo-terminal, driven key by key."""

    def __init__(self, argv: list[str]):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child becomes the CLI
            os.environ["TERM"] = "xterm"
            os.execv(argv[0], argv)
        self.output = b""

    def wait_for(self, text: str, after: str = "", timeout: float = 20) -> str:
        """Wait until `text` is on screen, below the last `after` when one is given."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            below = screen.rsplit(after, 1)[-1] if after else screen
            if after in screen and text in below:
                return screen
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.output += chunk
        raise AssertionError(f"{text!r} never appeared; screen:\n{self.screen()[-1500:]}")

    def menu(self, prompt: str, last_choice: str) -> str:
        """The choices under `prompt`, once the menu has been drawn down to `last_choice`."""
        return self.wait_for(last_choice, after=prompt).rsplit(prompt, 1)[1]

    def answer(self, prompt: str, keys: bytes) -> str:
        screen = self.wait_for(prompt)
        time.sleep(0.2)  # let prompt_toolkit finish drawing before it reads keys
        os.write(self.fd, keys)
        return screen

    def screen(self) -> str:
        return ANSI.sub(b"", self.output).decode(errors="replace")

    def exit_code(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)


def test_prompts_stack_first_then_only_valid_choices(tmp_path: Path):
    dest = tmp_path / "svc"
    terminal = Terminal([*cli_command(), "new", str(dest)])
    first = terminal.answer("Backend stack", DOWN + DOWN + DOWN + ENTER)  # django, fastapi, express, go
    assert "Primary database" not in first
    database_menu = terminal.menu("Primary database", "mysql")
    assert "postgresql" in database_menu and "mysql" in database_menu
    assert "sqlite" not in database_menu and "mongodb" not in database_menu
    terminal.answer("mysql", DOWN + ENTER)
    terminal.answer("Cache", ENTER)
    assert "asynq" in terminal.menu("Background task queue", "none")
    terminal.answer("Background task queue", ENTER)
    terminal.answer("Project name", ENTER)
    terminal.answer("What the project does", b"Payments API: \"v2\" # core" + ESC_ENTER)
    terminal.answer("Model for the agents", ENTER)
    terminal.answer("Test-driven", ENTER)
    terminal.answer("coverage target", ENTER)
    terminal.answer("How strictly", ENTER)
    terminal.answer("Contract-first", ENTER)
    terminal.answer("memory file", ENTER)
    team_menu = terminal.menu("Agents in the team", "frontend-developer")
    assert "tech-lead" in team_menu and "code-reviewer" in team_menu
    terminal.answer("Agents in the team", ENTER)
    terminal.answer("AI coding tools", ENTER)
    terminal.answer("Per-agent model overrides", ENTER)
    terminal.answer("MCP servers", ENTER)
    terminal.answer("Run `agentscaffold check`", ENTER)
    terminal.wait_for("Wrote")
    assert terminal.exit_code() == 0

    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert (answers["stack"], answers["database"], answers["task_queue"]) == ("go", "mysql", "asynq")
    assert answers["project_name"] == "svc"
    assert answers["project_description"] == 'Payments API: "v2" # core'
    assert answers["agents"] == ["backend-developer", "tech-lead", "qa-tester", "devops-engineer", "security-specialist", "code-reviewer"]
    assert answers["targets"] == ["claude", "agents_md"]
    assert (dest / "docs/context/backend/go-mysql-best-practices.md").is_file()


def test_a_repo_with_code_pre_selects_what_it_uses_and_shows_the_evidence(tmp_path: Path):
    import adopt_fixtures
    from repos import write_repo

    repo = write_repo(tmp_path / "polls", adopt_fixtures.DJANGO_UNITTEST)
    terminal = Terminal([*cli_command(), "new", str(repo)])
    stack_prompt = terminal.wait_for("[detected: Django 4.2.11 (requirements.txt:1)]")
    assert "Backend stack" in stack_prompt
    terminal.answer("Backend stack", ENTER)
    terminal.wait_for("[detected: PostgreSQL (mysite/settings.py:12)]")
    terminal.answer("Primary database", ENTER)
    for prompt in ("Cache", "Background task queue", "Project name", "What the project does", "Model for the agents",
                   "Test-driven", "coverage target", "How strictly", "Contract-first", "memory file",
                   "Agents in the team", "AI coding tools", "Per-agent model overrides", "MCP servers",
                   "Run `agentscaffold check`"):
        terminal.answer(prompt, ENTER if prompt != "What the project does" else ESC_ENTER)
    terminal.answer("stay(s) yours", b"n")
    terminal.wait_for("To let CLAUDE.md reach the kit's guidance")
    assert terminal.exit_code() == 0

    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert (answers["stack"], answers["database"], answers["cache"], answers["task_queue"]) == ("django", "postgresql", "none", "none")
    assert answers["stack_mode"] == "adaptive" and answers["link_guidance"] is False
    assert answers["repo"]["concerns"]["test"]["run"] == "make test"


PROMPTS = ("Backend stack", "Primary database", "Cache", "Background task queue", "Project name", "What the project does",
           "Model for the agents", "Test-driven", "coverage target", "How strictly", "Contract-first", "memory file",
           "Agents in the team", "AI coding tools", "Per-agent model overrides", "MCP servers", "Run `agentscaffold check`")


def answer_defaults_until(terminal: Terminal, stop: str) -> None:
    """Take the default for every prompt before `stop`."""
    for prompt in PROMPTS[: PROMPTS.index(stop)]:
        terminal.answer(prompt, ESC_ENTER if prompt == "What the project does" else ENTER)


def test_malformed_yaml_is_refused_with_the_reason_and_asked_again(tmp_path: Path):
    dest = tmp_path / "svc"
    terminal = Terminal([*cli_command(), "new", str(dest)])
    answer_defaults_until(terminal, "Per-agent model overrides")
    terminal.answer("Per-agent model overrides", b"\x7f\x7f{a: [" + ENTER)  # replace the default "{}"
    terminal.wait_for("agent_models: not valid YAML")
    terminal.answer("not valid YAML", b"\x7f\x7f\x7f\x7f\x7f{code-reviewer: opus}" + ENTER)
    terminal.answer("MCP servers", ENTER)
    terminal.answer("Run `agentscaffold check`", ENTER)
    terminal.wait_for("Wrote")
    assert terminal.exit_code() == 0
    assert yaml.safe_load((dest / ".copier-answers.yml").read_text())["agent_models"] == {"code-reviewer": "opus"}


def test_ctrl_c_in_a_prompt_says_nothing_was_written_and_exits_130(tmp_path: Path):
    dest = tmp_path / "svc"
    terminal = Terminal([*cli_command(), "new", str(dest)])
    answer_defaults_until(terminal, "Test-driven")
    terminal.answer("Test-driven", b"\x03")
    screen = terminal.wait_for("aborted; nothing was written")
    assert terminal.exit_code() == 130
    assert "Traceback" not in screen and "Aborted!" not in screen
    assert not dest.exists()


def test_a_huge_paste_is_cut_refused_with_the_limit_and_memory_stays_small(tmp_path: Path):
    dest = tmp_path / "svc"
    terminal = Terminal([*cli_command(), "new", str(dest)])
    answer_defaults_until(terminal, "What the project does")
    terminal.answer("What the project does", b"x" * 50_000)
    terminal.wait_for("the limit is 2,000", timeout=120)
    peak_kb = int(re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{terminal.pid}/status").read_text()).group(1))
    os.write(terminal.fd, b"\x03")
    terminal.wait_for("aborted; nothing was written")
    assert terminal.exit_code() == 130
    assert peak_kb < 300_000, f"peak RSS {peak_kb} kB for a 50 KB paste"
    assert not dest.exists()
