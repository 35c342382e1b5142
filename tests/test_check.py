"""`agentscaffold check`: each rule fires on a broken kit and is quiet once repaired."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO_ROOT, run_cli
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


BREAKAGES: dict[str, Callable[[Path], None]] = {
    "agent-frontmatter": lambda r: edit(r / AGENT, lambda t: t.replace("name: backend-developer\n", "name: backend-developer\ndescription2: a: b: c\n  - x\n", 1)),
    "agent-required-key": lambda r: edit(r / ".gemini/agents/qa-tester.md", lambda t: _drop_key(t, "description")),
    "agent-value": lambda r: edit(r / AGENT, lambda t: t.replace("color: blue", "color: teal")),
    "agent-unknown-key": lambda r: edit(r / ".gemini/agents/qa-tester.md", lambda t: t.replace("name: qa-tester", "name: qa-tester\ncolor: green", 1)),
    "agent-duplicate-name": lambda r: (r / ".claude/agents/backend-copy.md").write_text((r / AGENT).read_text()),
    "agent-empty-body": lambda r: edit(r / ".opencode/agents/qa-tester.md", lambda t: t[: t.index("\n---\n", 4) + 5]),
    "cited-path": lambda r: edit(r / AGENT, lambda t: t + "\nRead `docs/context/backend/django-postgresql-best-practices.md` first.\n"),
    "handoff": lambda r: edit(r / AGENT, lambda t: t + "\nHand deployments to @devops-wizard.\n"),
    "json-schema": lambda r: (r / "docs/features/feature-log.json").write_text(
        json.dumps({"version": 1, "features": [{"id": "checkout", "title": "Checkout", "status": "finished", "updated_at": "2026-01-01T00:00:00Z"}]})),
    "env-example": lambda r: edit(r / ".env.example", lambda t: t + "STRIPE_API_KEY=change-me\n"),
    "jinja-leftover": lambda r: edit(r / AGENT, lambda t: t + "\nFramework: {{techStack.backend.framework}}\n"),
    "encoding": lambda r: (r / "docs/guides/logging-guidelines.md").write_bytes(b"# Logging \xe9t\xe9 in Latin-1\n"),
}


def _drop_key(text: str, key: str) -> str:
    return "\n".join(line for line in text.split("\n") if not line.startswith(f"{key}:"))


def test_every_rule_has_a_breakage_test():
    assert set(BREAKAGES) | {"drift"} == set(RULES)


@pytest.mark.parametrize("rule", sorted(BREAKAGES))
def test_rule_fires_and_repair_passes(clean_kit, rule):
    assert findings(clean_kit) == (0, [])
    saved = {p: p.read_bytes() for p in clean_kit.rglob("*") if p.is_file()}
    BREAKAGES[rule](clean_kit)
    code, found = findings(clean_kit)
    assert code == 1
    assert rule in {f["rule"] for f in found}, found
    for path in clean_kit.rglob("*"):  # repair: back to the generated kit
        if path.is_file() and path not in saved:
            path.unlink()
    for path, content in saved.items():
        path.write_bytes(content)
    assert findings(clean_kit) == (0, [])


def test_human_output_and_exit_codes(clean_kit):
    BREAKAGES["handoff"](clean_kit)
    result = run_cli("check", str(clean_kit))
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{AGENT}:") and ": handoff: " in first
    assert result.stdout.splitlines()[-1] == "1 findings in 1 files"


def test_ignore_by_flag_and_by_stack_file(clean_kit):
    BREAKAGES["handoff"](clean_kit)
    assert run_cli("check", str(clean_kit), "--ignore", "handoff").returncode == 0
    edit(clean_kit / "agentscaffold.yml", lambda t: t + "check:\n  ignore: [handoff]\n")
    assert run_cli("check", str(clean_kit)).returncode == 0
    edit(clean_kit / "agentscaffold.yml", lambda t: t.replace("ignore: [handoff]", "ignore: [nonsense]"))
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
    info = {(f["path"], f["rule"]) for f in json.loads(result.stdout)["information"]}
    assert info == {("docs/guides/logging-guidelines.md", "drift"), ("docs/features/README.md", "drift")}
    strict = run_cli("check", str(clean_kit), "--strict", "--format", "json")
    assert strict.returncode == 1
    assert {f["rule"] for f in json.loads(strict.stdout)["findings"]} == {"drift"}


def test_check_does_not_import_copier(clean_kit):
    probe = (
        "import sys\n"
        "from scaffold.cli import main\n"
        f"sys.argv = ['agentscaffold', 'check', {str(clean_kit)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('IMPORTED' if any(m == 'copier' or m.startswith('copier.') for m in sys.modules) else 'CLEAN')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip().endswith("CLEAN"), result.stdout + result.stderr


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

