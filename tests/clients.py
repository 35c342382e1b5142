"""Real AI coding clients from npm, run offline against a generated kit.

`.ci/run` installs them into `.cache/npm-clients`; when they are missing and
npm is present, the first test that needs one installs it there. Only where
npm itself is missing do the tests skip, with that reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO_ROOT

CLIENTS_DIR = Path(os.environ.get("AGENTSCAFFOLD_NPM_CLIENTS", REPO_ROOT / ".cache" / "npm-clients"))
PACKAGES = {"claude": "@anthropic-ai/claude-code"}


def client_binary(name: str) -> str:
    local = CLIENTS_DIR / "node_modules" / ".bin" / name
    if local.exists():
        return str(local)
    if shutil.which("npm") is None:
        pytest.skip(f"npm is not installed, so the real {PACKAGES[name]} client cannot be installed")
    CLIENTS_DIR.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(CLIENTS_DIR), PACKAGES[name]],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0 and local.exists(), f"npm install {PACKAGES[name]} failed:\n{result.stderr[-2000:]}"
    return str(local)


@dataclass
class ClaudeLoad:
    agents: dict[str, dict]
    diagnostics: list[str]


def claude_load_agents(project: Path, home: Path) -> ClaudeLoad:
    """Ask the real Claude Code client, offline, which project agents it loaded.

    It answers an SDK `initialize` control request with every agent it
    loaded; files it dropped show up only in the debug log.
    """
    binary = client_binary("claude")
    home.mkdir(parents=True, exist_ok=True)
    log = home / "claude-debug.log"
    env = {
        **os.environ,
        "HOME": str(home),
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
    }
    request = {"type": "control_request", "request_id": "r1", "request": {"subtype": "initialize"}}
    result = subprocess.run(
        [binary, "-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose",
         "--setting-sources", "project", "--debug-file", str(log)],
        input=json.dumps(request) + "\n", cwd=project, env=env, capture_output=True, text=True, timeout=120,
    )
    response = next(
        (json.loads(line) for line in result.stdout.splitlines() if '"control_response"' in line), None
    )
    assert response is not None, f"no control_response from claude (exit {result.returncode}):\n{result.stderr[-2000:]}"
    agents = {agent["name"]: agent for agent in response["response"]["response"]["agents"]}
    agents_dir = str(project / ".claude" / "agents")
    log_lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    diagnostics = [
        line for line in log_lines
        if agents_dir in line and any(level in line for level in ("[WARN]", "[ERROR]", "Failed"))
    ]
    return ClaudeLoad(agents, diagnostics)
