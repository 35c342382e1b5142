"""For any valid answers, `new` followed by `check` is clean; a sample loads in the real Claude Code.

Answers are drawn over every stack x database x agents x targets, with
arbitrary free text, through the real CLI.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients import claude_load_agents
from conftest import TEMPLATES, load_yaml, run_cli, stack_matrix
from scaffold.questions import CONTROL_CHARACTERS  # a name of control characters alone is empty, and refused

TEAM = list(load_yaml(TEMPLATES / "_agents" / "team.yml"))
TARGETS = ["claude", "agents_md", "copilot", "cursor", "opencode", "gemini"]
MATRIX = stack_matrix()
# Any character an argv can carry (no NUL, no lone surrogates).
FREE_TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
claude_probes = itertools.count()


@st.composite
def answers(draw) -> dict[str, str]:
    stack, database = draw(st.sampled_from(MATRIX))
    profile = load_yaml(TEMPLATES / "_stacks" / stack / "stack.yml")
    agents = ["backend-developer"] + draw(st.lists(st.sampled_from(TEAM[1:]), unique=True))
    name = draw(st.text(FREE_TEXT, min_size=1, max_size=40).filter(lambda s: CONTROL_CHARACTERS.sub("", s).strip() and "\n" not in s and "\r" not in s))
    return {
        "stack": stack,
        "database": database,
        "cache": draw(st.sampled_from(["redis", "none"])),
        "task_queue": draw(st.sampled_from(profile["task_queues"]["choices"])),
        "agents": ",".join(agents),
        "targets": ",".join(draw(st.lists(st.sampled_from(TARGETS), min_size=1, unique=True))),
        "mcp_servers": ",".join(draw(st.lists(st.sampled_from(["github", "context7", "sequential-thinking"]), unique=True))),
        "project_name": name,
        "project_description": draw(st.text(FREE_TEXT, max_size=120)),
        "tdd": draw(st.sampled_from(["true", "false"])),
        "contract_first": draw(st.sampled_from(["true", "false"])),
        "memory_protocol": draw(st.sampled_from(["true", "false"])),
        "stack_mode": draw(st.sampled_from(["strict", "flexible", "adaptive"])),
        "coverage_target": str(draw(st.integers(50, 100))),
        "default_model": draw(st.sampled_from(["inherit", "sonnet", "opus", "haiku"])),
    }


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=answers())
def test_new_then_check_is_clean(chosen):
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "repo"
        data = [arg for key, value in chosen.items() for arg in ("--data", f"{key}={value}")]
        created = run_cli("new", str(dest), "--defaults", *data)
        assert created.returncode == 0, created.stderr
        checked = run_cli("check", str(dest))
        assert checked.returncode == 0, checked.stdout + checked.stderr
        if "claude" in chosen["targets"] and next(claude_probes) % 4 == 0:
            loaded = claude_load_agents(dest, Path(tmp) / "home")
            assert set(chosen["agents"].split(",")) <= set(loaded.agents)
            assert loaded.diagnostics == []
