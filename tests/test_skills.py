"""The feature workflow as skills, in every tool's format, and the guide for the team.

Kits are rendered for every stack x database with every target, and for adopted fixture repos: the
implement skill names exactly the stack data's (or the detected) test, coverage and migration commands,
each skill's name matches its folder, frontmatter and TOML parse, no Jinja is left, every cited path
exists and nothing from another stack leaks in. The real clients then load the skills offline, and an
update carries a template improvement into a skill the team edited.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

import adopt_fixtures as fixtures
from clients import (
    claude_load_agents,
    codex_skills,
    copilot_skills,
    gemini_command_request,
    gemini_skills,
    opencode_skills,
)
from conftest import ALL_TARGETS, TEAM, TEMPLATES, git, kit_files, load_yaml, run_cli, stack_matrix
from repos import write_repo
from scaffold.kit import cited_paths, jinja_leftovers, load_frontmatter, path_exists, split_frontmatter
from test_kit_invariants import foreign_terms
from test_update import commit_all, kit_at_v1

SKILLS = sorted(path.name.removesuffix(".md.jinja") for path in (TEMPLATES / "_skills").glob("*.md.jinja"))
SKILL_DIRS = (".claude/skills", ".agents/skills", ".cursor/skills")
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Gemini CLI substitutes this placeholder in a command's prompt; it is the one `{{` a kit may hold.
GEMINI_ARGS = "{{args}}"
IMPLEMENT = "skills/feature-implement/SKILL.md"
NO_COMMAND = "command found in the repo (ask the user; do not invent one)"


def skill_files(root: Path) -> dict[str, str]:
    """Every skill and command file of the kit, path -> text."""
    return {
        name: text for name, text in kit_files(root).items()
        if name.startswith(SKILL_DIRS) or name.startswith(".gemini/commands/")
    }


def expected_commands(stack: str, database: str, coverage_target: int = 80) -> dict[str, str]:
    """The test, coverage and migration commands the stack data gives this stack and database."""
    profile = load_yaml(TEMPLATES / "_stacks" / stack / "stack.yml")
    migrations = profile["databases"]["options"][database].get("migrations") or profile["migrations"]
    test = profile["test"]
    return {
        "test": test["run"],
        "coverage": test["coverage_run"].replace("TARGET", str(coverage_target)),
        **{step: migrations[step] for step in ("create", "apply", "rollback", "verify")},
    }


@pytest.fixture(params=stack_matrix(), ids=lambda pair: "-".join(pair))
def every_target_kit(request, kit):
    stack, database = request.param
    return stack, database, kit(stack=stack, database=database, targets=ALL_TARGETS)


def test_each_tool_gets_every_skill_under_its_own_name(every_target_kit):
    *_, root = every_target_kit
    for folder in SKILL_DIRS:
        assert sorted(path.name for path in (root / folder).iterdir()) == SKILLS
        for name in SKILLS:
            meta = load_frontmatter((root / folder / name / "SKILL.md").read_text(encoding="utf-8"))
            assert meta["name"] == name and NAME.match(name) and len(name) <= 64
            assert isinstance(meta["description"], str) and 40 < len(meta["description"]) <= 1024
    assert sorted(path.stem for path in (root / ".gemini/commands").glob("*.toml")) == SKILLS


def test_one_source_in_each_tools_dialect(every_target_kit):
    """Claude Code takes `$ARGUMENTS` and an argument hint; a Gemini CLI command is TOML with `{{args}}`;
    the open SKILL.md format has name and description only. The procedure is the same text in each."""
    *_, root = every_target_kit
    for name in SKILLS:
        claude_meta_source, claude_body = split_frontmatter((root / ".claude/skills" / name / "SKILL.md").read_text())
        claude_meta = yaml.safe_load(claude_meta_source)
        assert set(claude_meta) == {"name", "description", "argument-hint"}
        assert claude_body.count("$ARGUMENTS") == 1
        shared = (root / ".agents/skills" / name / "SKILL.md").read_text()
        assert (root / ".cursor/skills" / name / "SKILL.md").read_text() == shared
        shared_meta_source, shared_body = split_frontmatter(shared)
        assert set(yaml.safe_load(shared_meta_source)) == {"name", "description"}
        assert "$ARGUMENTS" not in shared_body and "{{" not in shared_body
        command = tomllib.loads((root / ".gemini/commands" / f"{name}.toml").read_text())
        assert set(command) == {"description", "prompt"} and command["description"] == claude_meta["description"]
        assert command["prompt"].strip() == claude_body.replace("$ARGUMENTS", GEMINI_ARGS).strip()
        assert command["prompt"].count(GEMINI_ARGS) == 1


def test_implement_skill_names_the_stacks_own_commands(every_target_kit):
    stack, database, root = every_target_kit
    for folder in (".claude", ".agents", ".cursor"):
        skill = (root / folder / IMPLEMENT).read_text()
        for step, command in expected_commands(stack, database).items():
            assert f"`{command}`" in skill, f"{folder}: {step} command `{command}` missing"
        assert NO_COMMAND not in skill
    closing = (root / ".claude/skills/feature-close/SKILL.md").read_text()
    commands = expected_commands(stack, database)
    assert f"`{commands['coverage']}`" in closing and f"`{commands['verify']}`" in closing


def test_skills_cite_only_existing_paths_and_leave_no_jinja(every_target_kit):
    *_, root = every_target_kit
    files = skill_files(root) | {"docs/agent-kit/README.md": (root / "docs/agent-kit/README.md").read_text()}
    prompts = {name: tomllib.loads(text)["prompt"] for name, text in files.items() if name.endswith(".toml")}
    texts = {name: prompts.get(name, text) for name, text in files.items()}
    missing = [f"{name}:{c.line}: {c.path}" for name, text in texts.items() for c in cited_paths(text) if not path_exists(root, c.path)]
    assert not missing
    leftovers = {name: lines for name, text in files.items() if (lines := jinja_leftovers(text.replace(GEMINI_ARGS, "")))}
    assert leftovers == {}


def test_skills_mention_nothing_from_another_stack(every_target_kit):
    stack, database, root = every_target_kit
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(foreign_terms(stack, database)))) + r")(?![\w-])")
    files = skill_files(root) | {"docs/agent-kit/README.md": (root / "docs/agent-kit/README.md").read_text()}
    assert [f"{name}: {match}" for name, text in files.items() for match in set(pattern.findall(text))] == []


@pytest.mark.parametrize(
    ("targets", "folders"),
    [
        ("claude,agents_md", {".claude/skills", ".agents/skills"}),
        ("claude", {".claude/skills"}),
        ("copilot", {".agents/skills"}),
        ("opencode", {".agents/skills"}),
        ("cursor", {".cursor/skills"}),
        ("gemini", {".agents/skills", ".gemini/commands"}),
    ],
)
def test_skills_only_where_a_selected_tool_reads_them(kit, targets, folders):
    root = kit(stack="go", targets=targets)
    assert {folder for folder in (*SKILL_DIRS, ".gemini/commands") if (root / folder).exists()} == folders


def test_the_guide_covers_the_selected_agents_and_tools_only(kit):
    root = kit(stack="express", targets="claude,gemini", agents="backend-developer,qa-tester", check_hook="pre-commit")
    guide = (root / "docs/agent-kit/README.md").read_text()
    assert "`backend-developer`" in guide and "`qa-tester`" in guide
    assert not [agent for agent in TEAM if agent not in ("backend-developer", "qa-tester") and agent in guide]
    assert "### Claude Code" in guide and "### Gemini CLI" in guide
    assert not [tool for tool in ("Codex", "Copilot", "Cursor", "OpenCode") if tool in guide]
    assert "/feature-start Order checkout" in guide and "`.pre-commit-config.yaml`" in guide
    for step in ("**Start**", "**Contract**", "**Implement**", "**Record**", "**Close**", "agentscaffold check", "agentscaffold update"):
        assert step in guide
    assert not (root / "README.md").exists()  # the repo's own README is never the kit's


def test_the_guide_is_there_without_agents_md_and_guidance_md_keeps_its_condition(kit):
    root = kit(stack="fastapi", targets="cursor")
    assert sorted(path.name for path in (root / "docs/agent-kit").iterdir()) == ["README.md"]


ADOPTED = {
    "django-unittest": (fixtures.DJANGO_UNITTEST, "django", ["pytest", "factory_boy"]),
    "fastapi-sync": (fixtures.FASTAPI_SYNC, "fastapi", ["uv run", "asyncpg"]),
    "express-commonjs": (fixtures.EXPRESS_COMMONJS, "express", ["Vitest", "Prisma", "pnpm"]),
    "go-gin": (fixtures.GO_GIN, "go", ["goose", "sqlc", "gotestsum"]),
}


@pytest.mark.parametrize("case", sorted(ADOPTED))
def test_adopted_repo_skills_name_the_detected_commands(tmp_path, case):
    files, stack, our_defaults = ADOPTED[case]
    repo = write_repo(tmp_path / "repo", files)
    result = run_cli("new", ".", "--defaults", "--data", f"targets={ALL_TARGETS}", cwd=repo)
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert answers["stack"] == stack
    concerns = answers["repo"]["concerns"]
    test, migrations = concerns.get("test", {}), concerns.get("migrations", {})
    skill = (repo / ".agents" / IMPLEMENT).read_text()
    assert test.get("run") and f"`{test['run']}`" in skill
    if test.get("coverage_run"):
        assert f"`{test['coverage_run']}`" in skill
    else:
        assert f"Coverage: no coverage {NO_COMMAND}" in skill
    for step in ("create", "apply", "rollback", "verify"):
        if migrations.get(step):
            assert f"`{migrations[step]}`" in skill
        elif migrations:
            assert f"no {'create-migration' if step == 'create' else 'migration' if step == 'apply' else step} {NO_COMMAND}" in skill
    if not migrations:
        assert "No migration tool found in the repo" in skill
    kit_text = "\n".join(skill_files(repo).values()) + (repo / "docs/agent-kit/README.md").read_text()
    assert [term for term in our_defaults if re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", kit_text)] == []
    missing = [
        f"{name}: {c.path}" for name, text in skill_files(repo).items() if name.endswith(".md")
        for c in cited_paths(text) if not path_exists(repo, c.path)
    ]
    assert not missing


# -- the real clients, offline ------------------------------------------------------------------


def test_claude_lists_every_skill(team_kit, tmp_path):
    loaded = claude_load_agents(team_kit, tmp_path / "home")
    assert sorted(loaded.skills) == SKILLS
    for name, skill in loaded.skills.items():
        meta = load_frontmatter((team_kit / ".claude/skills" / name / "SKILL.md").read_text())
        assert skill["description"] == f"{meta['description']} (project)"
        assert skill["argumentHint"] == meta["argument-hint"]
    assert loaded.diagnostics == []


def test_codex_lists_every_skill(team_kit, tmp_path):
    listed = codex_skills(team_kit, tmp_path / "home")
    assert sorted(name for name in listed if name in SKILLS) == SKILLS
    for name in SKILLS:
        assert listed[name].endswith(f"{name}/SKILL.md)")


def test_opencode_loads_every_skill(team_kit, tmp_path):
    """OpenCode reads .claude/skills as well as .agents/skills: it keeps one copy of each name, which one
    varies from run to run, and warns about the other; anything else it logs about skills is a failure."""
    loaded, problems = opencode_skills(team_kit, tmp_path / "home")
    folders = {(team_kit / ".agents/skills").as_posix(), (team_kit / ".claude/skills").as_posix()}
    ours = {name: Path(location) for name, location in loaded.items() if name in SKILLS}
    assert sorted(ours) == SKILLS
    assert all(location.name == "SKILL.md" and location.parent.parent.as_posix() in folders for location in ours.values())
    assert [line for line in problems if "level=ERROR" in line or "duplicate skill name" not in line] == []


def test_copilot_loads_every_skill(team_kit, tmp_path):
    listed = copilot_skills(team_kit, tmp_path / "home")
    project = {name: skill for name, skill in listed.items() if skill["source"] == "project"}
    assert sorted(project) == SKILLS
    assert all(skill["enabled"] and skill["path"] == str(team_kit / ".agents/skills" / name) for name, skill in project.items())


def test_gemini_lists_every_skill(team_kit, tmp_path):
    output = gemini_skills(team_kit, tmp_path / "home")
    for name in SKILLS:
        assert f"{name} [Enabled]" in output
        assert str(team_kit / ".agents/skills" / name / "SKILL.md") in output


def test_gemini_runs_a_kit_command_with_its_argument(team_kit, tmp_path):
    """`/feature-start Order checkout` reaches the model as the command's prompt with the argument in it."""
    sent, output = gemini_command_request(team_kit, tmp_path / "home", "/feature-start Order checkout")
    assert "Failed to parse TOML" not in output and "FileCommandLoader" not in output, output[-3000:]
    assert "# Start a feature\n\nTitle: Order checkout (if this is empty" in sent, output[-3000:]


# -- update -----------------------------------------------------------------------------------------

TEAM_RULE = "\n## Team rule\n\nPair on every migration that touches the orders table.\n"


def test_update_improves_a_skill_and_keeps_the_teams_edit(tmp_path):
    template, project = kit_at_v1(tmp_path)
    for folder in (".claude", ".agents"):
        with (project / folder / IMPLEMENT).open("a") as handle:
            handle.write(TEAM_RULE)
    commit_all(project, "team edit")

    source = template / "templates/_skills/feature-implement.md.jinja"
    old = "7. If the contract turns out wrong, stop and propose the change; never ship a deviation."
    improved = "7. If the contract turns out wrong, stop and propose the change with the failing test (v2); never ship a deviation."
    assert old in source.read_text()
    source.write_text(source.read_text().replace(old, improved))
    commit_all(template, "v2")
    git("tag", "v2.0.0", cwd=template)

    result = run_cli("update", str(project), "--defaults")
    assert result.returncode == 0, result.stdout + result.stderr
    for folder in (".claude", ".agents"):
        text = (project / folder / IMPLEMENT).read_text()
        assert improved in text and old not in text
        assert text.endswith(TEAM_RULE)
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v2.0.0"
