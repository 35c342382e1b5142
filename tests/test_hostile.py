"""Hostile repos and broken inputs: one line, the right exit code, no traceback, DEST untouched.

Each case prepares a folder, runs the real CLI and checks the contract of the README's exit-code
table. A refusal (exit 2) must leave DEST byte for byte as it was: paths, bytes, modes and symlink
targets. Cases where permissions matter run without the capabilities that let root ignore them
(CI runs as root); a non-root user meets the permissions as they are.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import cli_command, git

# Linux capabilities that let root read, write and chmod whatever it likes.
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER = 1, 2, 3
PR_CAPBSET_DROP = 24


def drop_privileges() -> None:
    """In the child, before exec: drop the capabilities from the bounding set, so root's program
    meets the file modes like any user (the interpreter under /root stays readable to its owner)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def snapshot(root: Path) -> dict:
    """Every path below root with its mode and its bytes or link target; a missing root is None."""
    if not root.exists() and not root.is_symlink():
        return {}
    tree = {}
    for path in [root, *sorted(root.rglob("*"))]:
        info = path.lstat()
        key = path.relative_to(root).as_posix()
        if stat.S_ISLNK(info.st_mode):
            tree[key] = ("link", os.readlink(path))
        elif stat.S_ISDIR(info.st_mode):
            tree[key] = ("dir", stat.S_IMODE(info.st_mode))
        else:
            tree[key] = ("file", stat.S_IMODE(info.st_mode), path.read_bytes() if os.access(path, os.R_OK) else None)
    return tree


@dataclass
class Case:
    id: str
    args: list[str]  # "{dest}" and "{tmp}" are replaced
    code: int
    expect: str  # in the one stderr line (exit 2 or 3), or in stdout (exit 0 or 1)
    setup: Callable[[Path, Path], None] = lambda dest, tmp: None
    kit: bool = False  # DEST starts as a committed kit
    unprivileged: bool = False
    stdin: str = "devnull"  # or "closed"
    env: dict[str, str] = field(default_factory=dict)


def write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


def symlink(path: Path, target: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def outside(tmp: Path) -> Path:
    folder = tmp / "outside"
    folder.mkdir(exist_ok=True)
    write(folder / "system-file", "do not touch\n")
    return folder


def commit(dest: Path) -> None:
    git("add", "-A", cwd=dest)
    git("commit", "-qm", "change", cwd=dest)


def edit_answers(dest: Path, change: Callable[[str], str] | bytes) -> None:
    path = dest / ".copier-answers.yml"
    path.write_bytes(change if isinstance(change, bytes) else change(path.read_text()).encode())
    commit(dest)


D = "{dest}"
NEW = ["new", D, "--defaults"]

CASES = [
    # --- writes never escape DEST, never half a kit ------------------------------------------------
    Case("claude-dir-symlink-out", NEW, 2, ".claude is a symbolic link", lambda d, t: symlink(d / ".claude", outside(t))),
    Case("agent-file-symlink-force", [*NEW, "--force"], 2, ".claude/agents/backend-developer.md is a symbolic link",
         lambda d, t: symlink(d / ".claude/agents/backend-developer.md", outside(t) / "system-file")),
    # An entry file that is a link is the team's: left alone, never written through.
    Case("claude-md-symlink", NEW, 0, "Left alone", lambda d, t: symlink(d / "CLAUDE.md", outside(t) / "system-file")),
    Case("dangling-symlink", NEW, 0, "Left alone", lambda d, t: symlink(d / "AGENTS.md", t / "nowhere")),
    Case("docs-is-a-file", NEW, 2, "docs is a file", lambda d, t: write(d / "docs", "notes\n")),
    Case("agents-dir-is-a-file", NEW, 2, ".claude/agents is a file", lambda d, t: write(d / ".claude/agents", "x")),
    Case("claude-md-is-a-folder-force", [*NEW, "--force"], 2, "CLAUDE.md is a folder", lambda d, t: (d / "CLAUDE.md").mkdir(parents=True)),
    Case("docs-read-only", NEW, 2, "Permission denied",
         lambda d, t: (write(d / "docs/README.md", "ours\n"), (d / "docs").chmod(0o555)), unprivileged=True),
    Case("dest-read-only", NEW, 2, "not writable", lambda d, t: (d.mkdir(), d.chmod(0o555)), unprivileged=True),
    Case("dest-is-a-file", NEW, 2, "is a file", lambda d, t: write(d, "file\n")),
    Case("dest-below-a-file", ["new", "{dest}/sub", "--defaults"], 2, "is a file", lambda d, t: write(d, "file\n")),
    Case("dest-name-too-long", ["new", "{dest}/" + "n" * 300, "--defaults"], 2, "File name too long", lambda d, t: d.mkdir()),
    Case("second-new-in-a-kit", NEW, 2, "already holds an agent kit", kit=True),
    Case("other-templates-answers", NEW, 2, "belongs to another Copier template",
         lambda d, t: write(d / ".copier-answers.yml", "_src_path: gh:someone/else\nflavour: x\n")),
    # --- answers ---------------------------------------------------------------------------------
    Case("malformed-yaml-answer", [*NEW, "--data", "agent_models={a: ["], 2, "agent_models: not valid YAML"),
    Case("yaml-answer-not-a-map", [*NEW, "--data", "agent_models=[a]"], 2, "agent_models must be a map"),
    Case("broken-yaml-list", [*NEW, "--data", "agents=[a,"], 2, "agents: '[a' is not a valid choice"),
    Case("repeated-data-key", [*NEW, "--data", "stack=go", "--data", "stack=django"], 2, "--data stack is given twice"),
    Case("unknown-data-key", [*NEW, "--data", "colour=blue"], 2, "unknown --data key 'colour'"),
    Case("data-without-equals", [*NEW, "--data", "stack"], 2, "KEY=VALUE"),
    Case("bad-choice", [*NEW, "--data", "stack=rails"], 2, "stack: 'rails' is not a valid choice"),
    Case("not-a-number", [*NEW, "--data", "coverage_target=lots"], 2, "not a whole number"),
    Case("name-too-long", [*NEW, "--data", "project_name=" + "n" * 101], 2, "the limit is 100"),
    Case("description-too-long", [*NEW, "--data", "project_description=" + "d" * 2001], 2, "the limit is 2,000"),
    Case("multiline-name", [*NEW, "--data", "project_name=a\nb"], 2, "project_name must be one line"),
    Case("missing-vcs-ref", [*NEW, "--vcs-ref", "v9.9.9"], 2, "v9.9.9"),
    Case("template-without-copier-yml", [*NEW, "--template", "{tmp}"], 2, "has no copier.yml"),
    Case("template-unreachable", [*NEW, "--template", "/no/such/template.git"], 2, "cannot fetch"),
    Case("service-not-found", [*NEW, "--service", "nothing-here"], 2, "--service nothing-here"),
    Case("closed-stdin-no-defaults", ["new", D], 2, "stdin is not a terminal", stdin="closed"),
    Case("unknown-option", [*NEW, "--frobnicate"], 2, "No such option: --frobnicate"),
    Case("unknown-command", ["frobnicate"], 2, "No such command"),
    # --- inputs that work --------------------------------------------------------------------------
    Case("closed-stdin-defaults", NEW, 0, "Wrote", stdin="closed"),
    Case("trimmed-choice", [*NEW, "--data", "stack= go ", "--data", "targets= claude , agents_md "], 0, "Wrote"),
    Case("control-characters", [*NEW, "--data", "project_name=a\x1b[31mred\u202eevil\x07"], 0, "removed 3 control character(s)"),
    Case("unwritable-home", NEW, 0, "Wrote", lambda d, t: ((t / "home").mkdir(), (t / "home").chmod(0o555)),
         unprivileged=True, env={"HOME": "{tmp}/home", "COPIER_CACHE_DIR": "", "XDG_CACHE_HOME": ""}),
    # --- update -------------------------------------------------------------------------------------
    Case("update-no-kit", ["update", D, "--defaults"], 2, "has no .copier-answers.yml", lambda d, t: (d.mkdir(), git("init", "-q", cwd=d))),
    Case("update-answers-not-yaml", ["update", D, "--defaults"], 2, ".copier-answers.yml is not valid YAML",
         lambda d, t: edit_answers(d, lambda s: s + "\nbroken: [\n"), kit=True),
    Case("update-answers-not-utf8", ["update", D, "--defaults"], 2, ".copier-answers.yml is not UTF-8",
         lambda d, t: edit_answers(d, b"_commit: v0.1.0\n\xff\xfe\n"), kit=True),
    Case("update-answers-a-list", ["update", D, "--defaults"], 2, "does not hold a map",
         lambda d, t: edit_answers(d, b"- a\n- b\n"), kit=True),
    Case("update-missing-vcs-ref", ["update", D, "--defaults", "--vcs-ref", "v9.9.9"], 2, "--vcs-ref v9.9.9", kit=True),
    Case("update-commit-gone", ["update", D, "--defaults"], 2, "_commit v0.0.1",
         lambda d, t: edit_answers(d, lambda s: s.replace("_commit: v", "_commit: v0.0.1\n_old_commit: v")), kit=True),
    Case("update-dirty-tree", ["update", D, "--defaults"], 2, "uncommitted changes", lambda d, t: write(d / "CLAUDE.md", "edited\n"), kit=True),
    Case("update-closed-stdin", ["update", D], 2, "stdin is not a terminal", kit=True, stdin="closed"),
    Case("update-repeated-key", ["update", D, "--defaults", "--data", "cache=none", "--data", "cache=redis"], 2, "given twice", kit=True),
    Case("update-bad-yaml-answer", ["update", D, "--defaults", "--data", "agent_models={"], 2, "agent_models: not valid YAML", kit=True),
    # --- check --------------------------------------------------------------------------------------
    Case("check-empty-folder", ["check", D], 2, "no agent files or kit found", lambda d, t: d.mkdir()),
    Case("check-code-only", ["check", D], 2, "no agent files or kit found", lambda d, t: write(d / "app.py", "print(1)\n")),
    Case("check-missing-dest", ["check", D], 2, "does not exist"),
    Case("check-drift-answers-not-yaml", ["check", D, "--drift"], 2, ".copier-answers.yml is not valid YAML",
         lambda d, t: edit_answers(d, lambda s: s + "\n: : [\n"), kit=True),
    Case("check-stack-file-not-utf8", ["check", D], 2, "agentscaffold.yml is not UTF-8",
         lambda d, t: write(d / "agentscaffold.yml", b"project: caf\xe9\n"), kit=True),
    Case("check-stack-file-not-yaml", ["check", D], 2, "agentscaffold.yml is not valid YAML",
         lambda d, t: write(d / "agentscaffold.yml", "check: [\n"), kit=True),
    Case("check-agent-not-utf8", ["check", D, "--fail-on", "warning"], 1, "encoding",
         lambda d, t: write(d / ".claude/agents/latin1.md", b"---\nname: latin1\ndescription: caf\xe9\n---\nBody\n"), kit=True),
    Case("check-schema-not-json", ["check", D], 1, "is not a valid JSON Schema",
         lambda d, t: (write(d / "docs/features/not-json.txt", "<html>\n"),
                       write(d / "docs/features/feature-log.json", '{"$schema": "not-json.txt", "version": 1, "features": []}')), kit=True),
    Case("check-unreadable-agent", ["check", D], 2, "Permission denied",
         lambda d, t: (d / ".claude/agents/qa-tester.md").chmod(0o000), kit=True, unprivileged=True),
    Case("detect-missing-dest", ["detect", D], 2, "does not exist"),
]


@pytest.fixture(scope="session")
def committed_kit(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile-kit") / "kit"
    result = subprocess.run([*cli_command(), "new", str(root), "--defaults", "--data", "agents=backend-developer,qa-tester"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    git("init", "-q", cwd=root)
    commit(root)
    return root


def test_there_are_at_least_40_cases():
    assert len(CASES) >= 40 and len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile(case: Case, tmp_path: Path, committed_kit: Path):
    dest = tmp_path / "repo"
    if case.kit:
        shutil.copytree(committed_kit, dest, symlinks=True)
    case.setup(dest, tmp_path)
    if case.unprivileged:
        tmp_path.chmod(0o755)  # the files a user would own: readable, as before
    before, outside_before = snapshot(dest), snapshot(tmp_path / "outside")
    fill = {"{dest}": str(dest), "{tmp}": str(tmp_path)}
    args = [arg.replace("{dest}", fill["{dest}"]).replace("{tmp}", fill["{tmp}"]) for arg in case.args]
    env = {**os.environ, **{k: v.replace("{tmp}", str(tmp_path)) for k, v in case.env.items()}}
    env = {k: v for k, v in env.items() if v != ""}
    env.pop("AGENTSCAFFOLD_DEBUG", None)
    result = subprocess.run(
        [*cli_command(), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
        stdin=subprocess.DEVNULL if case.stdin == "devnull" else None,
        preexec_fn=_preexec(case), close_fds=True,
    )
    try:
        assert "Traceback" not in result.stderr + result.stdout, result.stderr
        assert result.returncode == case.code, result.stdout + result.stderr
        if case.code >= 2:
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("agentscaffold: "), result.stderr
            assert case.expect in lines[0], result.stderr
            assert snapshot(dest) == before, "DEST changed after a refusal"
        else:
            assert case.expect in result.stdout, result.stdout + result.stderr
        assert snapshot(tmp_path / "outside") == outside_before, "a write escaped DEST"
    finally:
        for path in [tmp_path, *tmp_path.rglob("*")]:  # let pytest clean up what the case locked
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)


def _preexec(case: Case):
    """The child: stdin closed when asked, and without root's permission bypass when asked."""

    def run() -> None:
        if case.stdin == "closed":
            os.close(0)
        if case.unprivileged and os.geteuid() == 0:
            drop_privileges()

    return run
