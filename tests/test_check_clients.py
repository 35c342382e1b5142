"""`check` agrees with the real clients on tricky files we wrote ourselves.

Each file is loaded by the real client, offline; what the client does with it is the verdict:
- a file the client drops must be an `error` in `check`;
- a file it misreads (a description cut short, frontmatter ignored) must be an `error` too;
- a file it loads as written, without a diagnostic, must not be an `error`.
Each case also pins what the measured client does, so a client release that reads files
differently fails here first, and `scaffold/checks/vocabulary/` is re-measured.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from clients import claude_load_agents, claude_load_commands, gemini_startup, opencode_agent_list
from conftest import run_cli

AGENTS = ".claude/agents"
BIG = 1024 * 1024


@dataclass(frozen=True)
class Case:
    file: str  # under .claude/agents/
    content: bytes
    name: str  # the name the client lists it under when it loads
    description: str  # what the client shows when it reads the file as written
    loads: bool  # measured with Claude Code 2.1.332


def agent(name: str, description: str, extra: str = "", body: str = "Review the change.\n", newline: str = "\n") -> bytes:
    lines = ["---", f"name: {name}", f"description: {description}", *filter(None, extra.split("\n")), "---"]
    return (newline.join(lines) + newline + body).encode()


CASES = [
    Case("plain.md", agent("case-plain", "Reviews code."), "case-plain", "Reviews code.", True),
    Case("bom.md", b"\xef\xbb\xbf" + agent("case-bom", "Starts with a BOM."), "case-bom", "Starts with a BOM.", True),
    Case("crlf.md", agent("case-crlf", "Windows line ends.", newline="\r\n"), "case-crlf", "Windows line ends.", True),
    Case("colon.md", agent("case-colon", "Use when: the API changes"), "case-colon", "Use when: the API changes", True),
    Case("hash.md", agent("case-hash", "Reviews C# #1 code"), "case-hash", "Reviews C# #1 code", True),
    Case("tabs.md", b"---\nname: case-tabs\ndescription: Indented with tabs.\ntools:\n\t- Read\n\t- Grep\n---\nBody.\n", "case-tabs", "Indented with tabs.", True),
    Case("upper.md", agent("Case Upper", "A name with a space."), "Case Upper", "A name with a space.", True),
    Case("dots.md", agent("case.v2", "A name with a dot."), "case.v2", "A name with a dot.", True),
    Case("vocabulary.md", agent("case-vocabulary", "Current words.", "model: fable\ntools: Read, TaskList, SendMessage, Skill, Bash(git status:*)"), "case-vocabulary", "Current words.", True),
    Case("unknown-tools.md", agent("case-unknown-tools", "Two unknown tools.", "tools: Read, Serach, Grpe"), "case-unknown-tools", "Two unknown tools.", True),
    Case("color.md", agent("case-color", "An unknown colour.", "color: teal"), "case-color", "An unknown colour.", True),
    Case("permission.md", agent("case-permission", "A bad mode.", "permissionMode: yolo"), "case-permission", "A bad mode.", True),
    Case("latin1.md", agent("case-latin1", "Caf\u00e9 reviewer.").replace("\u00e9".encode(), b"\xe9"), "case-latin1", "Caf\ufffd reviewer.", True),
    Case("long.md", agent("case-long", "Just under the limit.", body="x" * 79 + "\n") * 1 + b"y" * (BIG - 2_000) + b"\n", "case-long", "Just under the limit.", True),
    Case("dash-in-value.md", b"---\nname: case-dash\ndescription: |\n  Reviews code.\n  ---\n  Then tests it.\nmodel: sonnet\n---\nBody.\n", "case-dash", "Reviews code.\n---\nThen tests it.\n", True),
    Case("too-long.md", agent("case-too-long", "Just over the limit.") + b"y" * (BIG + 200) + b"\n", "case-too-long", "", False),
    Case("empty-description.md", agent("case-empty-description", '""'), "case-empty-description", "", False),
    Case("numeric-description.md", agent("case-numeric-description", "42"), "case-numeric-description", "", False),
    Case("no-name.md", b"---\ndescription: Has no name.\n---\nBody.\n", "no-name", "", False),
    Case("no-closing.md", b"---\nname: case-no-closing\ndescription: Never closed.\nBody.\n", "case-no-closing", "", False),
    Case("empty.md", b"", "empty", "", False),
    Case("examples.md", b"---\nname: case-examples\ndescription: Use this agent for reviews. Examples:\n<example>\nuser: review my code\n</example>\n---\nBody.\n", "case-examples", "", False),
    Case("quoted-retry.md", b"---\nname: case-retry\ndescription: [unclosed, list\ntools: {Read\n---\nBody.\n", "case-retry", "[unclosed, list", True),
    Case("colon-end.md", b"---\nname: case-colon-end\ndescription: Ends with a colon:\nmodel: sonnet\n---\nBody.\n", "case-colon-end", "", False),
    Case("quoted-start.md", agent("case-quoted-start", '"Reviews: code" and more: x'), "case-quoted-start", '"Reviews: code" and more: x', True),
    Case("backslash.md", agent("case-backslash", "Match: \\d+ digits"), "case-backslash", "Match: \\d+ digits", True),
    Case("broken-yaml.md", b"---\nname: case-broken\ndescription: Reviews\n  - code: {\n---\nBody.\n", "case-broken", "", False),
]


def write_project(root: Path) -> None:
    agents = root / AGENTS
    agents.mkdir(parents=True)
    for case in CASES:
        (agents / case.file).write_bytes(case.content)
    # A symlinked sub-folder, which Claude Code follows, holding one good and one broken agent.
    shared = root / "shared-agents"
    shared.mkdir()
    (shared / "linked.md").write_bytes(agent("case-linked", "Lives behind a symlink."))
    (shared / "linked-broken.md").write_bytes(b"---\nname: case-linked-broken\n---\nNo description.\n")
    os.symlink("../../shared-agents", agents / "team")
    os.symlink(".", agents / "loop")  # a symlink loop must end the walk, not hang it


def errors_by_file(root: Path) -> dict[str, set[str]]:
    result = run_cli("check", str(root), "--format", "json", "--fail-on", "info")
    assert result.returncode in (0, 1), result.stderr
    found: dict[str, set[str]] = {}
    for finding in json.loads(result.stdout)["findings"]:
        found.setdefault(finding["path"], set()).add(f"{finding['severity']}:{finding['rule']}")
    return found


def has_error(found: dict[str, set[str]], path: str) -> bool:
    return any(item.startswith("error:") for item in found.get(path, set()))


def test_check_agrees_with_claude_code_on_tricky_agent_files(tmp_path):
    project = tmp_path / "project"
    write_project(project)
    load = claude_load_agents(project, tmp_path / "home")
    found = errors_by_file(project)

    measured = {case.file: case.name in load.agents for case in CASES}
    assert measured == {case.file: case.loads for case in CASES}, "Claude Code reads these files differently now: re-measure"
    for case in CASES:
        path = f"{AGENTS}/{case.file}"
        diagnosed = any(case.file in line for line in load.diagnostics)
        if case.name not in load.agents:
            assert has_error(found, path), f"Claude Code drops {case.file}, check does not say so: {found.get(path)}"
        elif load.agents[case.name]["description"] != case.description:
            assert has_error(found, path), f"Claude Code misreads {case.file}: {load.agents[case.name]['description']!r}"
        elif not diagnosed:
            assert not has_error(found, path), f"Claude Code loads {case.file} cleanly, check calls it an error: {found[path]}"

    # Through the symlinked folder: the good agent loads, the broken one is dropped, and check saw both.
    assert "case-linked" in load.agents and "case-linked-broken" not in load.agents
    assert has_error(found, f"{AGENTS}/team/linked-broken.md") and not has_error(found, f"{AGENTS}/team/linked.md")
    # Every unknown tool is reported, not only the first.
    assert {f for f in found[f"{AGENTS}/unknown-tools.md"]} == {"warning:agent-tool"}
    unknown = run_cli("check", str(project), "--format", "json").stdout
    assert sum("has no tool" in f["message"] for f in json.loads(unknown)["findings"] if f["path"].endswith("unknown-tools.md")) == 2
    # Names Claude loads and the current vocabulary are not errors.
    assert found.get(f"{AGENTS}/vocabulary.md") is None
    assert found[f"{AGENTS}/upper.md"] == {"info:agent-value"}


@pytest.mark.parametrize("first", ["a.md", "nested/a.md", ".nested/a.md", "z/a.md"])
def test_one_of_two_agents_with_one_name_is_dropped_and_check_says_which(tmp_path, first):
    project = tmp_path / "project"
    agents = project / AGENTS
    (agents / first).parent.mkdir(parents=True, exist_ok=True)
    (agents / first).write_bytes(agent("reviewer", "First reviewer."))
    (agents / "b.md").write_bytes(agent("reviewer", "Second reviewer."))
    load = claude_load_agents(project, tmp_path / "home")
    kept, dropped = (first, "b.md") if load.agents["reviewer"]["description"] == "First reviewer." else ("b.md", first)
    found = errors_by_file(project)
    assert has_error(found, f"{AGENTS}/{dropped}") and not has_error(found, f"{AGENTS}/{kept}")


SKILLS = {
    "good": b"---\nname: good\ndescription: Deploys the app.\n---\nDeploy $ARGUMENTS.\n",
    "long": b"---\nname: long\ndescription: " + b"Long. " * 200 + b"\n---\nA 1,200-character description is shown whole.\n",
    "colon": b"---\nname: colon\ndescription: Use when: a release is cut\n---\nRelease.\n",
    "broken": b"---\nname: broken\ndescription: [unclosed\n  - x: {\n---\nBody.\n",
}


def test_check_agrees_with_claude_code_on_skills(tmp_path):
    project = tmp_path / "project"
    for name, content in SKILLS.items():
        path = project / ".claude" / "skills" / name / "SKILL.md"
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
    listed, log = claude_load_commands(project, tmp_path / "home")
    found = errors_by_file(project)
    for name in SKILLS:
        path = f".claude/skills/{name}/SKILL.md"
        ignored = any(f"skills/{name}/SKILL.md" in line and "ignored" in line for line in log)
        assert name in listed  # Claude Code lists every skill folder, even one whose frontmatter it ignored
        assert has_error(found, path) == ignored, (name, found.get(path), [line for line in log if name in line])
    assert listed["good"]["description"].startswith("Deploys the app.")
    assert any("broken" in line and "ignored" in line for line in log)
    assert found[".claude/skills/long/SKILL.md"] == {"warning:skill-description"}  # over the spec's 1,024, loaded whole


def test_skills_claude_code_never_loads_are_errors(tmp_path):
    """A flat Markdown file in the skills folder, and a command hidden by a skill of its name."""
    project = tmp_path / "project"
    skills = project / ".claude" / "skills"
    (skills / "deploy").mkdir(parents=True)
    (skills / "deploy" / "SKILL.md").write_text("---\nname: deploy\ndescription: Deploys the app (the skill).\n---\nDeploy.\n")
    (skills / "release-notes.md").write_text("---\nname: release-notes\ndescription: Writes release notes.\n---\nWrite them.\n")
    commands = project / ".claude" / "commands"
    commands.mkdir(parents=True)
    (commands / "deploy.md").write_text("---\ndescription: Deploys the app (the command).\n---\nDeploy $ARGUMENTS.\n")
    listed, _ = claude_load_commands(project, tmp_path / "home")
    assert "release-notes" not in listed
    assert listed["deploy"]["description"].startswith("Deploys the app (the skill).")
    found = errors_by_file(project)
    assert found[".claude/skills/release-notes.md"] == {"error:skill-frontmatter"}
    assert found[".claude/commands/deploy.md"] == {"error:skill-name"}
    assert ".claude/skills/deploy/SKILL.md" not in found


def one_agent(tmp_path: Path, relative: str, frontmatter: str) -> Path:
    """A project holding one agent file with this frontmatter."""
    project = tmp_path / "project"
    path = project / relative
    path.parent.mkdir(parents=True)
    path.write_text(f"---\n{frontmatter}\n---\nReview the change.\n")
    return project


@pytest.mark.parametrize(("frontmatter", "rejected"), [
    ("description: Reviews code.\nmode: subagent", False),
    ("description: Use when: the API changes\nmode: subagent", False),  # OpenCode quotes values with `: ` and retries
    ("description: [unclosed, list\nmode: subagent", True),  # not other YAML syntax: the frontmatter is ignored
    ("description: Reviews code.\nmode: subagent\ntools: Read, Grep", True),  # Claude Code's tools format
])
def test_check_agrees_with_opencode_which_parses_almost_strictly(tmp_path, frontmatter, rejected):
    project = one_agent(tmp_path, ".opencode/agents/reviewer.md", frontmatter)
    listing = opencode_agent_list(project, tmp_path / "home")
    # Read as written, the agent is listed as a subagent; a config error fails the command, and
    # frontmatter OpenCode cannot parse is ignored (the agent is listed with the default mode).
    read_as_written = listing.returncode == 0 and "reviewer (subagent)" in listing.stdout
    assert read_as_written != rejected, listing.stdout[-1500:] + listing.stderr[-1500:]
    assert has_error(errors_by_file(project), ".opencode/agents/reviewer.md") == rejected


@pytest.mark.parametrize(("frontmatter", "rejected"), [
    ("name: reviewer\ndescription: Reviews code.", False),
    ("name: reviewer\ndescription: Reviews code.\ncolor: blue", True),  # an unknown key
    ("name: reviewer\ndescription: Use when: the API changes", True),  # strict YAML
])
def test_check_agrees_with_gemini_cli(tmp_path, frontmatter, rejected):
    project = one_agent(tmp_path, ".gemini/agents/reviewer.md", frontmatter)
    output = gemini_startup(project, tmp_path / "home")
    assert ("Agent loading error" in output) == rejected, output[-2000:]
    assert has_error(errors_by_file(project), ".gemini/agents/reviewer.md") == rejected
