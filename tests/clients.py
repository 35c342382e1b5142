"""Real AI coding clients from npm, run offline against a generated kit.

`.ci/run` installs them into `.cache/npm-clients`. When one is missing and
npm is present, the first test that needs it installs it there; only where
npm itself is missing, or the client cannot run on this machine, do the tests
skip, with that reason.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO_ROOT

CLIENTS_DIR = Path(os.environ.get("AGENTSCAFFOLD_NPM_CLIENTS", REPO_ROOT / ".cache" / "npm-clients"))
# The client versions the kit and `check` were measured on (scaffold/checks/vocabulary/ records
# them too). Clients change how they read files between releases, so the tests pin them; the
# README's test command installs exactly these.
PACKAGES = {
    "claude": ("@anthropic-ai/claude-code", "2.1.332"),
    "opencode": ("opencode-ai", "1.18.33"),
    "copilot": ("@github/copilot", "1.0.102"),
    "gemini": ("@google/gemini-cli", "0.61.0"),
    "codex": ("@openai/codex", "0.171.0"),
}


def installed_version(package: str) -> str | None:
    manifest = CLIENTS_DIR / "node_modules" / package / "package.json"
    return json.loads(manifest.read_text()).get("version") if manifest.is_file() else None


def client_binary(name: str) -> str:
    package, version = PACKAGES[name]
    local = CLIENTS_DIR / "node_modules" / ".bin" / name
    if not local.exists() or installed_version(package) != version:
        if shutil.which("npm") is None:
            pytest.skip(f"npm is not installed, so the real {package} client cannot be installed")
        CLIENTS_DIR.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(CLIENTS_DIR), f"{package}@{version}"],
            capture_output=True, text=True, timeout=900,
        )
        assert result.returncode == 0 and local.exists(), f"npm install {package}@{version} failed:\n{result.stderr[-2000:]}"
    probe = subprocess.run([str(local), "--version"], capture_output=True, text=True, timeout=120)
    if probe.returncode != 0:
        pytest.skip(f"{package} does not run on this machine: {(probe.stderr or probe.stdout).strip()[-300:]}")
    return str(local)


def client_env(home: Path, **extra: str) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"), "XDG_CACHE_HOME": str(home / ".cache"), **extra}


@dataclass
class ClaudeLoad:
    agents: dict[str, dict]
    diagnostics: list[str]
    # Project skills, as the slash commands Claude Code offers: name -> {description, argumentHint}.
    skills: dict[str, dict]


def claude_initialize(project: Path, home: Path) -> tuple[dict, list[str]]:
    """Claude Code answers an SDK `initialize` request with every agent, skill and command it loaded.

    Returns that answer and the client's debug log, the only place that names dropped files.
    """
    log = home / "claude-debug.log"
    request = {"type": "control_request", "request_id": "r1", "request": {"subtype": "initialize"}}
    result = subprocess.run(
        [client_binary("claude"), "-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose",
         "--setting-sources", "project", "--debug-file", str(log)],
        input=json.dumps(request) + "\n", cwd=project, capture_output=True, text=True, timeout=120,
        env=client_env(home, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1", DISABLE_AUTOUPDATER="1"),
    )
    response = next((json.loads(line) for line in result.stdout.split("\n") if '"control_response"' in line), None)
    assert response is not None, f"no control_response from claude (exit {result.returncode}):\n{result.stderr[-2000:]}"
    log_lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return response["response"]["response"], log_lines


def claude_load_agents(project: Path, home: Path) -> ClaudeLoad:
    """The agents and project skills Claude Code loaded, and its warnings and errors about their files.

    Project skills are the commands whose description Claude Code marks "(project)".
    """
    answer, log_lines = claude_initialize(project, home)
    agents = {agent["name"]: agent for agent in answer["agents"]}
    skills = {command["name"]: command for command in answer["commands"] if command["description"].endswith("(project)")}
    kit_dirs = (str(project / ".claude" / "agents"), str(project / ".claude" / "skills"))
    diagnostics = [line for line in log_lines if any(d in line for d in kit_dirs) and any(w in line for w in ("[WARN]", "[ERROR]", "Failed"))]
    return ClaudeLoad(agents, diagnostics, skills)


def claude_load_commands(project: Path, home: Path) -> tuple[dict[str, dict], list[str]]:
    """The project's skills and commands Claude Code lists (by name), and its log lines about them."""
    answer, log_lines = claude_initialize(project, home)
    listed = {command["name"]: command for command in answer["commands"] if command.get("description", "").endswith("(project)")}
    folder = str(project / ".claude")
    return listed, [line for line in log_lines if folder in line and ("[WARN]" in line or "[ERROR]" in line)]


def claude_memory_files(project: Path, home: Path) -> list[str]:
    """The memory files Claude Code loads (CLAUDE.md and every `@path` it imports), from its
    offline `/context` report, as paths relative to `project`."""
    result = subprocess.run(
        [client_binary("claude"), "-p", "/context", "--setting-sources", "project"], cwd=project, capture_output=True,
        text=True, timeout=120, env=client_env(home, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1", DISABLE_AUTOUPDATER="1"),
    )
    assert "### Memory Files" in result.stdout, f"no memory report from claude (exit {result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
    section = result.stdout.split("### Memory Files", 1)[1].split("\n### ", 1)[0]
    rows = [line.split("|")[2].strip() for line in section.splitlines() if line.startswith("| ") and "/" in line]
    return [Path(row).resolve().relative_to(project.resolve()).as_posix() for row in rows]


def opencode_agent_list(project: Path, home: Path) -> subprocess.CompletedProcess:
    """`opencode agent list`: exits non-zero and says 'Configuration is invalid' on any bad agent."""
    return subprocess.run([client_binary("opencode"), "agent", "list"], cwd=project, capture_output=True, text=True,
                          timeout=180, env=client_env(home))


def copilot_agent_names(project: Path, home: Path) -> list[str]:
    """Copilot lists the custom agents it loaded when asked for one that does not exist."""
    result = subprocess.run(
        [client_binary("copilot"), "--agent", "__none__", "-p", "x", "--trust-folder"],
        cwd=project, capture_output=True, text=True, timeout=180,
        # Offline: a local "provider" on a closed loopback port; nothing is ever sent.
        env=client_env(home, COPILOT_OFFLINE="true", COPILOT_PROVIDER_BASE_URL="http://127.0.0.1:9", COPILOT_MODEL="offline"),
    )
    output = result.stdout + result.stderr
    marker = "No such agent: __none__, available:"
    assert marker in output, output[-2000:]
    listed = output.split(marker, 1)[1].strip().splitlines()[0]
    return sorted(name.strip() for name in listed.split(",") if name.strip())


def gemini_startup(project: Path, home: Path) -> str:
    """Gemini CLI prints 'Agent loading error' at start-up; stop it at its first (failing) model call."""
    env = client_env(home, GEMINI_API_KEY="offline", GEMINI_CLI_TRUST_WORKSPACE="true",
                     HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="")
    process = subprocess.Popen([client_binary("gemini"), "-p", "x"], cwd=project, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, text=True)
    lines = []
    watchdog = threading.Timer(180, process.kill)  # a client that never reaches the network must not hang the suite
    watchdog.start()
    try:
        for line in process.stdout:
            lines.append(line)
            if "failed" in line.lower() and ("attempt" in line.lower() or "fetch" in line.lower()):
                break
    finally:
        watchdog.cancel()
        process.kill()
        process.wait(timeout=30)
    return "".join(lines)


def codex_prompt_input(project: Path, home: Path) -> str:
    """`codex debug prompt-input` prints the prompt, AGENTS.md chain included, offline."""
    codex_home = home / ".codex"
    codex_home.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([client_binary("codex"), "debug", "prompt-input", "x"], cwd=project, capture_output=True,
                            text=True, timeout=120, env=client_env(home, CODEX_HOME=str(codex_home)))
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout



def json_strings(value) -> list[str]:
    """Every string in a JSON document: the text a client put into its prompt."""
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [text for item in items for text in json_strings(item)]


def codex_skills(project: Path, home: Path) -> dict[str, str]:
    """The skills Codex puts in its prompt, each a line "- name: description (file: .../SKILL.md)"."""
    lines = "\n".join(json_strings(json.loads(codex_prompt_input(project, home)))).splitlines()
    return {line[2:].split(":", 1)[0]: line for line in lines if line.startswith("- ") and line.endswith("SKILL.md)")}


def opencode_skills(project: Path, home: Path) -> tuple[dict[str, str], list[str]]:
    """`opencode debug skill`: the skills it loaded (name -> location) and the WARN/ERROR lines it logged about them."""
    result = subprocess.run([client_binary("opencode"), "debug", "skill", "--print-logs", "--log-level", "WARN"], cwd=project,
                            capture_output=True, text=True, timeout=180, env=client_env(home))
    assert result.returncode == 0, result.stderr[-2000:]
    problems = [line for line in result.stderr.splitlines() if "skill" in line.lower()]
    return {skill["name"]: skill["location"] for skill in json.loads(result.stdout)}, problems


def copilot_skills(project: Path, home: Path) -> dict[str, dict]:
    """`copilot skill list --json`, offline: the skills Copilot found, name -> {source, path, enabled, ...}."""
    result = subprocess.run([client_binary("copilot"), "skill", "list", "--json"], cwd=project, capture_output=True,
                            text=True, timeout=180, env=client_env(home, COPILOT_OFFLINE="true"))
    assert result.returncode == 0, (result.stdout + result.stderr)[-2000:]
    return {skill["name"]: skill for skill in json.loads(result.stdout)}


def gemini_env(home: Path, **extra: str) -> dict[str, str]:
    return client_env(home, GEMINI_API_KEY="offline", GEMINI_CLI_TRUST_WORKSPACE="true", TMPDIR=str(home),
                      HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="127.0.0.1", **extra)


def gemini_skills(project: Path, home: Path) -> str:
    """`gemini skills list`: every skill Gemini CLI discovered, with its location."""
    result = subprocess.run([client_binary("gemini"), "skills", "list"], cwd=project, capture_output=True, text=True,
                            timeout=180, env=gemini_env(home), stdin=subprocess.DEVNULL)
    assert result.returncode == 0, (result.stdout + result.stderr)[-2000:]
    return result.stdout + result.stderr


def gemini_command_request(project: Path, home: Path, invocation: str) -> tuple[str, str]:
    """Run `gemini -p "/command args"` against a model endpoint on loopback that records each request and
    refuses it: the recorded requests show the prompt the custom command expanded to.

    Returns (the text of every request, the client's output).
    """
    requests: list[bytes] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            requests.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            body = b'{"error": {"code": 400, "message": "offline test endpoint", "status": "INVALID_ARGUMENT"}}'
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    settings = home / ".gemini" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"security": {"auth": {"selectedType": "gemini-api-key"}}}))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = gemini_env(home, GOOGLE_GEMINI_BASE_URL=f"http://127.0.0.1:{server.server_address[1]}")
        result = subprocess.run([client_binary("gemini"), "-p", invocation], cwd=project, capture_output=True, text=True,
                                timeout=300, env=env, stdin=subprocess.DEVNULL)
    finally:
        server.shutdown()
        server.server_close()
    return "\n".join(text for body in requests for text in json_strings(json.loads(body))), result.stdout + result.stderr
