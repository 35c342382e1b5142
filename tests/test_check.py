"""`agentscaffold check`: each rule fires on a broken kit and is quiet once repaired."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO_ROOT, copier_probe, run_cli
from scaffold.checks import RULES

AGENT = ".claude/agents/backend-developer.md"
SEEDS = REPO_ROOT.parent / "shared" / "seeds"


@pytest.fixture
def clean_kit(kit, tmp_path) -> Path:
    """A private copy of a generated Django/MySQL kit, for breaking."""
    root = tmp_path / "kit"
    shutil.copytree(kit(stack="django", database="mysql", agents="backend-developer,qa-tester",
                        targets="claude,agents_md,opencode,gemini"), root)
    return root


def edit(path: Path, change: Callable[[str], str]) -> None:
    path.write_text(change(path.read_text()))


def findings(root: Path, *args: str) -> tuple[int, list[dict]]:
    result = run_cli("check", str(root), "--format", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)["findings"]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# Each rule, a way to break a generated kit that triggers it, and the severity it is reported with.
BREAKAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "file-size": (lambda r: edit(r / AGENT, lambda t: t + "\nFiller line for a big prompt.\n" * 40_000), "error"),
    "agent-frontmatter": (lambda r: edit(r / ".gemini/agents/qa-tester.md", lambda t: t.replace("name: qa-tester\n", "name: qa-tester\ndisplay_name: QA: tests\n", 1)), "error"),
    "yaml-portability": (lambda r: edit(r / AGENT, lambda t: re.sub(r"^description: .*$", "description: Use when: the API changes", t, count=1, flags=re.M)), "info"),
    "agent-required-key": (lambda r: edit(r / ".gemini/agents/qa-tester.md", lambda t: _drop_key(t, "description")), "error"),
    "agent-value": (lambda r: edit(r / AGENT, lambda t: t.replace("color: blue", "color: teal")), "warning"),
    "agent-tool": (lambda r: edit(r / AGENT, lambda t: t.replace("tools: Read,", "tools: Serach, Read, Grpe,", 1)), "warning"),
    "agent-unknown-key": (lambda r: edit(r / ".gemini/agents/qa-tester.md", lambda t: t.replace("name: qa-tester", "name: qa-tester\ncolor: green", 1)), "error"),
    "agent-duplicate-name": (lambda r: (r / ".claude/agents/backend-copy.md").write_text((r / AGENT).read_text()), "error"),
    "agent-empty-body": (lambda r: edit(r / ".opencode/agents/qa-tester.md", lambda t: t[: t.index("\n---\n", 4) + 5]), "warning"),
    "skill-frontmatter": (lambda r: write(r / ".agents/skills/deploy/SKILL.md", "---\nname: deploy\ndescription: [unclosed\n---\nDeploy.\n"), "error"),
    "skill-required-key": (lambda r: write(r / ".agents/skills/deploy/SKILL.md", "---\nname: deploy\n---\nDeploy.\n"), "error"),
    "skill-name": (lambda r: write(r / ".agents/skills/deploy/SKILL.md", "---\nname: Deploy_App\ndescription: Deploy the app.\n---\nDeploy.\n"), "error"),
    "skill-description": (lambda r: write(r / ".agents/skills/deploy/SKILL.md", f"---\nname: deploy\ndescription: {'x' * 1500}\n---\nDeploy.\n"), "error"),
    "command-arguments": (lambda r: write(r / ".gemini/commands/review.toml", 'description = "Review"\nprompt = "Review $ARGUMENTS"\n'), "warning"),
    "cited-path": (lambda r: edit(r / AGENT, lambda t: t + "\nRead `docs/context/backend/django-postgresql-best-practices.md` first.\n"), "warning"),
    "handoff": (lambda r: edit(r / AGENT, lambda t: t + "\nHand deployments to @devops-wizard.\n"), "warning"),
    "json-schema": (lambda r: (r / "docs/features/feature-log.json").write_text(
        json.dumps({"version": 1, "features": [{"id": "checkout", "title": "Checkout", "status": "finished", "updated_at": "2026-01-01T00:00:00Z"}]})), "error"),
    "env-example": (lambda r: edit(r / ".env.example", lambda t: t + "STRIPE_API_KEY=change-me\n"), "warning"),
    "jinja-leftover": (lambda r: edit(r / AGENT, lambda t: t + "\nFramework: {{techStack.backend.framework}}\n"), "warning"),
    "encoding": (lambda r: (r / "docs/guides/logging-guidelines.md").write_bytes(b"# Logging \xe9t\xe9 in Latin-1\n"), "warning"),
}


def _drop_key(text: str, key: str) -> str:
    return "\n".join(line for line in text.split("\n") if not line.startswith(f"{key}:"))


def test_every_rule_has_a_breakage_test():
    assert set(BREAKAGES) | {"drift"} == set(RULES)


@pytest.mark.parametrize("rule", sorted(BREAKAGES))
def test_rule_fires_and_repair_passes(clean_kit, rule):
    breakage, severity = BREAKAGES[rule]
    assert findings(clean_kit, "--fail-on", "info") == (0, [])
    saved = {p: p.read_bytes() for p in clean_kit.rglob("*") if p.is_file()}
    breakage(clean_kit)
    code, found = findings(clean_kit, "--fail-on", severity)
    assert code == 1
    assert (rule, severity) in {(f["rule"], f["severity"]) for f in found}, found
    if severity != "error":  # below the default threshold, so the kit still passes
        assert findings(clean_kit)[0] == 0
    for path in clean_kit.rglob("*"):  # repair: back to the generated kit
        if path.is_file() and path not in saved:
            path.unlink()
    for path, content in saved.items():
        path.write_bytes(content)
    assert findings(clean_kit, "--fail-on", "info") == (0, [])


def test_human_output_and_exit_codes(clean_kit):
    BREAKAGES["handoff"][0](clean_kit)
    result = run_cli("check", str(clean_kit))
    assert result.returncode == 0  # a dead handoff is a warning: the agent still loads
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{AGENT}:") and ": warning: handoff: hands off to @devops-wizard" in first
    assert result.stdout.splitlines()[-1] == "1 warning in 1 files; none at or above error"
    assert run_cli("check", str(clean_kit), "--fail-on", "warning").returncode == 1
    BREAKAGES["agent-duplicate-name"][0](clean_kit)  # a copy of the agent, its dead handoff included
    result = run_cli("check", str(clean_kit))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith(".claude/agents/backend-copy.md:1: error: agent-duplicate-name: ")
    assert result.stdout.splitlines()[-1] == "1 error, 2 warnings in 2 files; 1 at or above error"


def test_sarif_output_carries_rules_severities_and_locations(clean_kit):
    jsonschema = pytest.importorskip("jsonschema")
    BREAKAGES["agent-duplicate-name"][0](clean_kit)
    BREAKAGES["handoff"][0](clean_kit)
    result = run_cli("check", str(clean_kit), "--format", "sarif")
    assert result.returncode == 1
    sarif = json.loads(result.stdout)
    run = sarif["runs"][0]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rules == ["agent-duplicate-name", "handoff"]
    results = {(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]}
    assert results == {("agent-duplicate-name", "error", ".claude/agents/backend-copy.md"), ("handoff", "warning", AGENT)}
    assert all(rules[r["ruleIndex"]] == r["ruleId"] and r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in run["results"])
    jsonschema.validate(sarif, SARIF_SUBSET)


# The parts of the SARIF 2.1.0 schema that GitHub code scanning requires of an upload.
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["tool", "results"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {"type": "object", "required": ["name", "rules"]}}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["ruleId", "level", "message", "locations"],
                    "properties": {
                        "level": {"enum": ["error", "warning", "note", "none"]},
                        "message": {"type": "object", "required": ["text"]},
                        "locations": {"type": "array", "minItems": 1},
                    },
                }},
            },
        }},
    },
}


def test_ignore_by_flag_and_by_stack_file(clean_kit):
    BREAKAGES["agent-duplicate-name"][0](clean_kit)
    assert run_cli("check", str(clean_kit), "--ignore", "agent-duplicate-name").returncode == 0
    edit(clean_kit / "agentscaffold.yml", lambda t: t + "check:\n  ignore: [agent-duplicate-name]\n")
    assert run_cli("check", str(clean_kit)).returncode == 0
    edit(clean_kit / "agentscaffold.yml", lambda t: t.replace("ignore: [agent-duplicate-name]", "ignore: [nonsense]"))
    bad = run_cli("check", str(clean_kit))
    assert bad.returncode == 2 and "nonsense" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("args", "fragment"), [(["/nonexistent/kit"], "does not exist"), ([".", "--ignore", "no-such-rule"], "unknown rule 'no-such-rule'")])
def test_usage_errors(args, fragment, tmp_path):
    result = run_cli("check", *args, cwd=tmp_path)
    assert result.returncode == 2 and fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_drift_is_information_unless_strict(clean_kit):
    edit(clean_kit / "docs/guides/logging-guidelines.md", lambda t: t + "\nOur own addition.\n")
    (clean_kit / "docs/features/README.md").unlink()
    result = run_cli("check", str(clean_kit), "--drift", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    info = {(f["path"], f["rule"], f["severity"]) for f in json.loads(result.stdout)["findings"]}
    assert info == {("docs/guides/logging-guidelines.md", "drift", "info"), ("docs/features/README.md", "drift", "info")}
    strict = run_cli("check", str(clean_kit), "--strict", "--format", "json")
    assert strict.returncode == 1
    assert {(f["rule"], f["severity"]) for f in json.loads(strict.stdout)["findings"]} == {("drift", "error")}


def test_check_does_not_import_copier(clean_kit):
    imported, output = copier_probe("check", str(clean_kit))
    assert not imported and output.strip().endswith("CLEAN exit 0"), output


def test_seed_style_mistakes_are_caught(tmp_path):
    """The hand-written seeds: a Django/MySQL agent citing a PostgreSQL doc, dead handoffs, literal placeholders."""
    if not SEEDS.is_dir():
        pytest.skip(f"the seed agents are not beside this checkout ({SEEDS})")
    agents = tmp_path / ".claude" / "agents"
    agents.mkdir(parents=True)
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, agents / f"{seed.stem}.md")
    code, found = findings(tmp_path)
    assert code == 1
    messages = [(f["rule"], f["message"]) for f in found]
    assert ("cited-path", "cites context/backend/django-drf-postgresql-best-practices.md, which does not exist") in messages
    assert any(rule == "handoff" and "@qa-tester" in message for rule, message in messages)
    assert any(rule == "jinja-leftover" for rule, _ in messages)
    assert any(rule == "agent-duplicate-name" for rule, _ in messages)


def test_readme_rule_table_is_the_rules():
    readme = (REPO_ROOT / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| `") and line.count(" | ") == 3]
    table = {row.split("`")[1]: [cell.strip() for cell in row.strip("|").split(" | ")[1:]] for row in rows if row.split("`")[1] in RULES}
    assert table == {rule: [spec.severity, spec.summary, spec.example] for rule, spec in RULES.items()}
