"""Free text the user types stays literal: valid frontmatter, never a template."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT
from scaffold.kit import load_frontmatter

NASTY = {
    "project_name": "Acme: \"Orders\" #1 & 'more' *stars* !tag {{ evil }} {% if x %} café 中文 — ok?",
    "project_description": "Line one: with # hash\n---\nname: injected\n{{ 7 * 7 }} {% raw %} & *a !b\n\u00e9t\u00e9 🚀",
}
LEADING = ["*starred", "&anchor", "!tag", "- dash", "@at", ">folded", "|pipe", "%percent", "? question", "'quoted", '"dq', "[list]", "{map}", "`tick`"]


def agent_frontmatter(root: Path) -> dict:
    return load_frontmatter((root / ".claude/agents/backend-developer.md").read_text(encoding="utf-8"))


def assert_literal(root: Path, name: str, description: str) -> None:
    meta = agent_frontmatter(root)
    assert meta["name"] == "backend-developer"
    assert name in meta["description"]
    claude_md = (root / "CLAUDE.md").read_text(encoding="utf-8")
    assert claude_md.startswith(f"# {name}: Claude Code")
    assert description.strip() in claude_md
    assert yaml.safe_load((root / "agentscaffold.yml").read_text(encoding="utf-8"))["project"] == name


def test_nasty_free_text_through_the_cli(kit):
    root = kit(stack="go", **NASTY)
    assert_literal(root, NASTY["project_name"], NASTY["project_description"])


@pytest.mark.parametrize("prefix", LEADING)
def test_leading_yaml_indicators(kit, prefix):
    name = f"{prefix} svc: x"
    root = kit(stack="fastapi", project_name=name)
    assert agent_frontmatter(root)["description"].startswith(f"Backend developer for {name} (")


def test_nasty_free_text_through_plain_copier(tmp_path):
    dest = tmp_path / "plain"
    data = [arg for key, value in NASTY.items() for arg in ("--data", f"{key}={value}")]
    copier = Path(sys.executable).with_name("copier")
    result = subprocess.run(
        [str(copier), "copy", "--defaults", "--quiet", "--data", "stack=express", *data, str(REPO_ROOT), str(dest)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert_literal(dest, NASTY["project_name"], NASTY["project_description"])
