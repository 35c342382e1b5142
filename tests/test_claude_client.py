"""The real Claude Code client loads every generated agent, with no diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest

from clients import claude_load_agents
from conftest import stack_matrix
from test_frontmatter_free_text import NASTY


@pytest.mark.parametrize(("stack", "database"), stack_matrix())
def test_claude_loads_every_agent(kit, tmp_path, stack, database):
    root = kit(stack=stack, database=database)
    loaded = claude_load_agents(root, tmp_path / "home")
    expected = {path.stem for path in (root / ".claude/agents").glob("*.md")}
    assert expected and expected <= set(loaded.agents)
    assert loaded.diagnostics == []


def test_claude_loads_agents_whatever_the_free_text(kit, tmp_path):
    root = kit(stack="django", project_name=NASTY["project_name"], project_description=NASTY["project_description"])
    loaded = claude_load_agents(root, tmp_path / "home")
    assert loaded.diagnostics == []
    agent = loaded.agents["backend-developer"]
    assert NASTY["project_name"] in agent["description"]
