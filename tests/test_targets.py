"""The team, rendered for every AI tool from one source of prose."""

from __future__ import annotations

import json
import re

import pytest

from conftest import TEMPLATES, load_yaml, run_cli
from scaffold.checks import check_kit
from scaffold.kit import handoffs, load_frontmatter, split_frontmatter

TEAM = list(load_yaml(TEMPLATES / "_agents" / "team.yml"))
ALL_TARGETS = "claude,agents_md,copilot,cursor,opencode,gemini"
AGENT_FILES = {
    "claude": ".claude/agents/{}.md",
    "copilot": ".github/agents/{}.agent.md",
    "cursor": ".cursor/rules/{}.mdc",
    "opencode": ".opencode/agents/{}.md",
    "gemini": ".gemini/agents/{}.md",
}


@pytest.fixture(scope="module")
def full_kit(kit):
    return kit(stack="go", agents=",".join(TEAM), targets=ALL_TARGETS, mcp_servers="github,context7,sequential-thinking",
               agent_models="{code-reviewer: opus, qa-tester: haiku}")


def test_every_target_gets_every_agent(full_kit):
    for target, pattern in AGENT_FILES.items():
        found = {p.as_posix() for p in full_kit.glob(pattern.format("*"))}
        assert found == {(full_kit / pattern.format(agent)).as_posix() for agent in TEAM}, target
    for name in ("CLAUDE.md", "AGENTS.md", "GEMINI.md", ".github/copilot-instructions.md", ".mcp.json"):
        assert (full_kit / name).is_file(), name


def test_one_source_of_prose(full_kit):
    for agent in TEAM:
        bodies = {target: split_frontmatter((full_kit / pattern.format(agent)).read_text())[1] for target, pattern in AGENT_FILES.items()}
        assert len(set(bodies.values())) == 1, f"{agent}: bodies differ between {sorted(bodies)}"


def test_each_dialect_frontmatter(full_kit):
    for agent in TEAM:
        claude = load_frontmatter((full_kit / AGENT_FILES["claude"].format(agent)).read_text())
        assert list(claude) == ["name", "description", "tools", "model", "color"]
        opencode = load_frontmatter((full_kit / AGENT_FILES["opencode"].format(agent)).read_text())
        assert opencode["mode"] == "subagent" and isinstance(opencode["tools"], dict)
        assert all(isinstance(v, bool) for v in opencode["tools"].values())
        assert re.fullmatch(r"#[0-9A-F]{6}", opencode["color"])
        gemini = load_frontmatter((full_kit / AGENT_FILES["gemini"].format(agent)).read_text())
        assert set(gemini) <= {"name", "description", "tools"} and re.fullmatch(r"[a-z0-9_-]+", gemini["name"])
        copilot = load_frontmatter((full_kit / AGENT_FILES["copilot"].format(agent)).read_text())
        assert copilot["description"] and isinstance(copilot["tools"], list)
        cursor = load_frontmatter((full_kit / AGENT_FILES["cursor"].format(agent)).read_text())
        assert cursor["alwaysApply"] is False and cursor["description"]
    assert check_kit(full_kit) == []


def test_models_colors_and_least_privilege(full_kit):
    metas = {a: load_frontmatter((full_kit / AGENT_FILES["claude"].format(a)).read_text()) for a in TEAM}
    assert metas["code-reviewer"]["model"] == "opus" and metas["qa-tester"]["model"] == "haiku"
    assert metas["backend-developer"]["model"] == "inherit"
    assert len({m["color"] for m in metas.values()}) == len(TEAM)
    assert set(metas["code-reviewer"]["tools"].split(", ")) == {"Read", "Grep", "Glob"}
    reviewer_oc = load_frontmatter((full_kit / AGENT_FILES["opencode"].format("code-reviewer")).read_text())
    assert not any(reviewer_oc["tools"].values())
    reviewer_gemini = load_frontmatter((full_kit / AGENT_FILES["gemini"].format("code-reviewer")).read_text())
    assert not {"write_file", "replace", "run_shell_command"} & set(reviewer_gemini["tools"])
    opencode_qa = load_frontmatter((full_kit / AGENT_FILES["opencode"].format("qa-tester")).read_text())
    assert opencode_qa["model"] == "anthropic/claude-haiku-4-5"


def test_mcp_json_holds_only_env_references(full_kit):
    config = json.loads((full_kit / ".mcp.json").read_text())
    assert set(config["mcpServers"]) == {"github", "context7", "sequential-thinking"}
    text = (full_kit / ".mcp.json").read_text()
    assert "${GITHUB_PERSONAL_ACCESS_TOKEN}" in text
    assert not re.search(r"gh[pousr]_[0-9A-Za-z]{20,}", text)
    reviewer = (full_kit / AGENT_FILES["claude"].format("code-reviewer")).read_text()
    assert "## MCP servers" in reviewer and "`github`" in reviewer


def test_a_kit_without_qa_has_no_qa_anywhere(kit):
    root = kit(stack="express", agents="backend-developer,tech-lead,code-reviewer", targets=ALL_TARGETS)
    files = [p for p in root.rglob("*") if p.is_file()]
    assert not [p for p in files if "qa-tester" in p.name]
    assert not [p for p in files if "@qa-tester" in p.read_text(errors="replace")]
    mentions = {name for p in files if p.suffix in {".md", ".mdc"} for _, name in handoffs(p.read_text())}
    assert mentions <= {"backend-developer", "tech-lead", "code-reviewer"}
    assert check_kit(root) == []


def test_targets_choose_the_files(kit):
    root = kit(stack="fastapi", targets="opencode,gemini")
    assert not (root / "CLAUDE.md").exists() and not (root / "AGENTS.md").exists()
    assert (root / ".opencode/agents/backend-developer.md").is_file()
    gemini_md = (root / "GEMINI.md").read_text()
    assert "@./AGENTS.md" not in gemini_md and "## Rules for every agent" in gemini_md
    assert check_kit(root) == []


def test_every_target_folder_has_a_wrapper_for_every_agent():
    """Adding an agent or a target cannot silently miss a file."""
    for target in AGENT_FILES:
        folder = next(p for p in TEMPLATES.iterdir() if p.is_dir() and p.name.startswith(f"{{% if '{target}' in targets %}}"))
        wrappers = {re.search(r"'([a-z-]+)' in agents", p.name).group(1) for p in folder.rglob("*.jinja") if "in agents" in p.name}
        assert wrappers == set(TEAM), target
    memory = next((TEMPLATES / "docs").glob("*memory*"))
    assert {re.search(r"'([a-z-]+)' in agents", p.name).group(1) for p in memory.iterdir()} == set(TEAM)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--data", "agents=backend-developer,wizard"], ["agents", "'wizard'", "tech-lead", "frontend-developer"]),
        (["--data", "agents=tech-lead"], ["agents must include backend-developer"]),
        (["--data", "targets=claude,emacs"], ["targets", "'emacs'", "agents_md", "gemini"]),
        (["--data", "mcp_servers=slack"], ["mcp_servers", "'slack'", "github"]),
        (["--data", "agent_models={qa-tester: opus}", "--data", "agents=backend-developer"], ["agent_models", "qa-tester"]),
        (["--data", "agent_models={backend-developer: gpt-9}"], ["agent_models", "gpt-9", "inherit, sonnet, opus, haiku"]),
    ],
)
def test_bad_team_answers(tmp_path, args, fragments):
    dest = tmp_path / "out"
    result = run_cli("new", str(dest), "--defaults", *args)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr
    assert not dest.exists()
