"""The invariants, for every stack x database and for answers that change the prose.

Every cited path exists, every handoff names an agent, nothing from another
stack or database leaks in, frontmatter is valid, no Jinja is left, JSON
parses and matches its schema, .env.example matches configuration.md, and no
secret is written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml
import pytest

from conftest import TEMPLATES, kit_files, load_yaml, stack_matrix
from scaffold.kit import cited_paths, handoffs, jinja_leftovers, load_frontmatter, path_exists

MATRIX = stack_matrix()
VARIANTS = [
    {"tdd": "false", "contract_first": "false", "memory_protocol": "false"},
    {"cache": "none", "task_queue": "none", "stack_mode": "strict", "default_model": "opus"},
    {"stack_mode": "adaptive", "coverage_target": "95"},
]
CLAUDE_TOOLS = {"Read", "Write", "Edit", "MultiEdit", "Bash", "Glob", "Grep", "WebFetch", "WebSearch", "TodoWrite", "NotebookEdit", "Task"}
CLAUDE_COLORS = {"red", "blue", "green", "yellow", "purple", "orange", "pink", "cyan"}
CLAUDE_MODELS = {"inherit", "sonnet", "opus", "haiku"}
SECRET_PATTERNS = [
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\b(?:sk|pk)_(?:live|test)_[0-9a-zA-Z]{10,}"),
    re.compile(r"\bgh[pousr]_[0-9A-Za-z]{20,}"),
    re.compile(r"\bxox[abpr]-[0-9A-Za-z-]{10,}"),
]


def stack_terms(stack: str) -> set[str]:
    return set(load_yaml(TEMPLATES / "_stacks" / stack / "stack.yml")["terms"])


def database_terms(database: str) -> set[str]:
    return set(load_yaml(TEMPLATES / "_databases" / database / "database.yml")["terms"])


def option_terms(stack: str) -> dict[str, set[str]]:
    options = load_yaml(TEMPLATES / "_stacks" / stack / "stack.yml")["databases"]["options"]
    return {database: set(option.get("terms", [])) for database, option in options.items()}


def foreign_terms(stack: str, database: str) -> set[str]:
    """Words of other stacks, other databases and this stack's other database drivers."""
    by_option = option_terms(stack)
    own = stack_terms(stack) - set().union(*by_option.values()) | database_terms(database) | by_option[database]
    stacks = {s for s, _ in MATRIX}
    databases = {d for _, d in MATRIX}
    others = set().union(*(stack_terms(s) for s in stacks - {stack}), *(database_terms(d) for d in databases - {database}))
    return (others | set().union(*by_option.values())) - own


def cases():
    for stack, database in MATRIX:
        yield pytest.param((stack, database, {}), id=f"{stack}-{database}")
    for index, variant in enumerate(VARIANTS):
        for stack in sorted({s for s, _ in MATRIX}):
            database = next(d for s, d in MATRIX if s == stack)
            yield pytest.param((stack, database, variant), id=f"{stack}-{database}-variant{index}")


@pytest.fixture(params=list(cases()))
def generated(request, kit):
    stack, database, variant = request.param
    root = kit(stack=stack, database=database, **variant)
    return stack, database, variant, root, kit_files(root)


def test_expected_files(generated):
    stack, database, variant, root, files = generated
    expected = {
        ".copier-answers.yml",
        ".claude/agents/backend-developer.md",
        "CLAUDE.md",
        "AGENTS.md",
        "agentscaffold.yml",
        ".env.example",
        "docs/context/devops/configuration.md",
        "docs/guides/logging-guidelines.md",
        "docs/features/feature-log.json",
        "docs/features/implementation-log-summary.json",
        "docs/features/_template/api-contract.md",
        "docs/features/_template/implementation-log.json",
        "docs/agent-kit/README.md",
        ".claude/skills/feature-implement/SKILL.md",
        ".agents/skills/feature-implement/SKILL.md",
        f"docs/context/backend/{stack}-{database}-best-practices.md",
        f"docs/context/testing/{stack}-testing-best-practices.md",
    }
    assert expected <= set(files)
    assert ".env" not in files
    assert ("docs/memory/backend-developer.md" in files) == (variant.get("memory_protocol") != "false")
    assert not [name for name in files if name.startswith(("_stacks", "_databases", "_agents"))]


def test_cited_paths_exist(generated):
    *_, root, files = generated
    missing = [
        f"{name}:{citation.line}: {citation.path}"
        for name, text in files.items()
        if name.endswith(".md")
        for citation in cited_paths(text)
        if not path_exists(root, citation.path)
    ]
    assert not missing


def test_handoffs_name_existing_agents(generated):
    *_, root, files = generated
    agents = {Path(name).stem for name in files if name.startswith(".claude/agents/")}
    unknown = [f"{name}:{line}: @{agent}" for name, text in files.items() for line, agent in handoffs(text) if agent not in agents]
    assert not unknown


def test_no_unrendered_jinja(generated):
    *_, files = generated
    assert {name: lines for name, text in files.items() if (lines := jinja_leftovers(text))} == {}


def test_nothing_from_another_stack_or_database(generated):
    stack, database, _, _, files = generated
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(foreign_terms(stack, database)))) + r")(?![\w-])")
    leaks = [f"{name}: {match}" for name, text in files.items() for match in set(pattern.findall(text))]
    assert not leaks


def test_claude_agent_frontmatter(generated):
    *_, variant, root, files = generated
    for name, text in files.items():
        if not name.startswith(".claude/agents/"):
            continue
        meta = load_frontmatter(text)
        assert meta["name"] == Path(name).stem
        assert isinstance(meta["description"], str) and len(meta["description"]) > 40
        assert {tool.strip() for tool in meta["tools"].split(",")} <= CLAUDE_TOOLS
        assert meta["model"] in CLAUDE_MODELS and meta["model"] == variant.get("default_model", "inherit")
        assert meta["color"] in CLAUDE_COLORS


def test_json_files_parse_and_match_their_schemas(generated):
    *_, root, files = generated
    for name, text in files.items():
        if not name.endswith(".json"):
            continue
        document = json.loads(text)
        if name.startswith("docs/features/") and "$schema" in document and "schemas/" not in name:
            schema_path = (root / name).parent / document["$schema"]
            schema = json.loads(schema_path.read_text())
            jsonschema.Draft7Validator.check_schema(schema)
            jsonschema.validate(document, schema, cls=jsonschema.Draft7Validator)


def test_env_example_matches_configuration(generated):
    stack, database, variant, root, files = generated
    env_lines = [line for line in files[".env.example"].splitlines() if line and not line.startswith("#")]
    env_names = [line.split("=", 1)[0] for line in env_lines]
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*=\S*", line) for line in env_lines), env_lines
    assert len(env_names) == len(set(env_names))
    documented = re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", files["docs/context/devops/configuration.md"], re.M)
    assert env_names == documented
    if variant.get("cache") == "none" and variant.get("task_queue") == "none":
        assert "REDIS_URL" not in env_names


def test_no_secrets_written(generated):
    stack, database, _, _, files = generated
    profile = load_yaml(TEMPLATES / "_stacks" / stack / "stack.yml")
    entries = profile["env"] + profile["databases"]["options"][database]["env"] + profile["cache"]["env"]
    for queue in profile["task_queues"]["options"].values():
        entries += queue["env"]
    for entry in entries:
        if entry.get("secret"):
            assert "change-me" in str(entry["example"]), entry["name"]
    hits = [f"{name}: {p.pattern}" for name, text in files.items() for p in SECRET_PATTERNS if p.search(text)]
    assert not hits


def test_answers_are_recorded(generated):
    stack, database, variant, _, files = generated
    answers = yaml.safe_load(files[".copier-answers.yml"])
    assert answers["stack"] == stack and answers["database"] == database
    for key, value in variant.items():
        assert str(answers[key]).lower() == value
    assert not {"stack_profile", "env_groups", "db"} & set(answers)


def test_agent_honours_the_answers(generated):
    stack, database, variant, _, files = generated
    agent = files[".claude/agents/backend-developer.md"]
    profile = load_yaml(TEMPLATES / "_stacks" / stack / "stack.yml")
    assert f"```{profile['code_lang']}" in agent
    assert ("red, green, refactor" in agent) == (variant.get("tdd") != "false")
    assert ("api-contract.md" in agent) == (variant.get("contract_first") != "false")
    assert ("docs/memory/backend-developer.md" in agent) == (variant.get("memory_protocol") != "false")
    assert f"{variant.get('coverage_target', '80')}%" in agent
    assert f"**{variant.get('stack_mode', 'flexible')}**" in agent
    assert "docs/context/devops/configuration.md" in agent.split("## Protected files")[0]


