"""`agentscaffold update`: Copier's three-way update, offline, with honest exit codes.

Copier renders the recorded version with the recorded answers, diffs it
against the repo (that diff is the team's edits), renders the new version
and re-applies the edits. We add what Copier leaves out: the template
history comes from the package's bundle when the recorded source is the
canonical URL, refusals come as one clear line, and remaining conflicts make
the exit code non-zero.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer

from scaffold.commands.new import parse_data
from scaffold.errors import UsageError
from scaffold.kit import ANSWERS_FILE, load_answers
from scaffold.template import TemplateSource

CONFLICT_MARKER = "<<<<<<< before updating"


def run(dest: Path, vcs_ref: str | None, conflict: str, defaults: bool, data: list[str], redetect: bool) -> int:
    repo = dest.resolve()
    answers = _recorded_answers(repo)
    if not defaults and (sys.stdin is None or not sys.stdin.isatty()):
        raise UsageError("stdin is not a terminal; pass --defaults to reuse the recorded answers")
    changes: dict[str, Any] = dict(parse_data(data))
    source = TemplateSource.recorded(answers["_src_path"], vcs_ref)
    if changes:
        _validate_changes(source, answers, changes)
    if redetect:
        changes["repo"] = _redetected(repo, answers)

    from scaffold.bundle import git_environment

    with git_environment(source.git_env):
        refs = _refs(source.src)
        current = str(answers["_commit"])
        _require_ref(refs, current, f"{ANSWERS_FILE} records _commit {current}", source.src)
        if vcs_ref:
            _require_ref(refs, vcs_ref, f"--vcs-ref {vcs_ref}", source.src)
        target = source.vcs_ref or _newest_tag(refs, source.src)  # the canonical source defaults to the installed template
        _refuse_downgrade(current, target)
        if target == current and not changes:
            typer.echo(f"Already at {current}; nothing to update.")
            return 0
        if changes:
            changes = _with_team_files(repo, source, answers, changes, current, target)
        _run_copier_update(repo, target, conflict, defaults, changes)

    conflicted = _conflicted_files(repo, conflict)
    if conflicted:
        typer.echo(f"Updated from {current} to {target} with conflicts in:")
        for path in conflicted:
            typer.echo(f"  {path}")
        how = "edit the files between the <<<<<<< and >>>>>>> markers" if conflict == "inline" else "apply or discard each .rej file, then delete it"
        typer.echo(f"Resolve them ({how}), then commit.")
        return 1
    what = f"from {current} to {target}" if target != current else f"at {current}"
    typer.echo(f"Updated {what}. Review with `git diff`, then commit.")
    return 0


def _validate_changes(source: TemplateSource, answers: dict, changes: dict[str, Any]) -> None:
    """Check changed answers the way `new` does, against the recorded ones, before Copier runs."""
    from scaffold.questions import Interview

    recorded = {k: v for k, v in answers.items() if not k.startswith("_") and k not in changes}
    interview = Interview(source.root, {k: str(v) for k, v in changes.items()}, source.strict_undefined)
    interview.detected = recorded
    chosen = interview.run(source.questions, None)
    changes.update({key: chosen[key] for key in changes if key in chosen})


def _redetected(repo: Path, answers: dict) -> dict:
    """The repo facts read again, with what changed since they were recorded."""
    from scaffold.adopt import repo_answer
    from scaffold.detect import detect

    fresh = repo_answer(detect(repo, answers.get("stack")), repo)
    before = (answers.get("repo") or {}).get("concerns", {})
    after = fresh.get("concerns", {})
    changed = False
    for concern in sorted(set(before) | set(after)):
        old, new = before.get(concern, {}).get("label"), after.get(concern, {}).get("label")
        if old != new:
            changed = True
            typer.echo(f"  {concern}: {old or 'none'} -> {new or 'none'}")
    old_env = {v["name"] for v in (answers.get("repo") or {}).get("env", [])}
    new_env = {v["name"] for v in fresh.get("env", [])}
    for name in sorted(new_env - old_env):
        changed = True
        typer.echo(f"  environment: + {name}")
    for name in sorted(old_env - new_env):
        changed = True
        typer.echo(f"  environment: - {name}")
    if not changed:
        typer.echo("The repo facts have not changed.")
    return fresh


def _with_team_files(repo: Path, source: TemplateSource, answers: dict, changes: dict, current: str, target: str) -> dict:
    """Record as the team's any file the changed answers would newly write over.

    A changed answer (a new target, agent or database) can make the kit write a path the team
    already has, say its own GEMINI.md. Copier would overwrite it; recording it in `team_owned`
    keeps it out of the render instead, as `new` does.
    """
    import tempfile

    from scaffold.render import render_into

    old_answers = {k: v for k, v in answers.items() if not k.startswith("_")}
    new_answers = old_answers | changes
    with tempfile.TemporaryDirectory(prefix="agentscaffold-") as tmp:
        before = _paths(render_into(TemplateSource.recorded(source.src, current), old_answers, Path(tmp) / "before"))
        after = _paths(render_into(TemplateSource.recorded(source.src, target), new_answers, Path(tmp) / "after"))
    owned = list(new_answers.get("team_owned") or [])
    owned += [path for path in sorted(after - before) if (repo / path).exists() and path not in owned]
    if owned != list(old_answers.get("team_owned") or []):
        changes = changes | {"team_owned": owned}
    return changes


def _paths(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)


def _recorded_answers(repo: Path) -> dict:
    if not repo.is_dir():
        raise UsageError(f"DEST {repo} is not a folder")
    if _git(repo, "rev-parse", "--is-inside-work-tree").returncode != 0:
        raise UsageError(f"{repo} is not a git repository; commit the kit to git before updating")
    path = repo / ANSWERS_FILE
    if not path.is_file():
        raise UsageError(f"{repo} has no {ANSWERS_FILE}; only a repo made by `agentscaffold new` or `copier copy` can be updated")
    if dirty := _git(repo, "--no-optional-locks", "status", "--porcelain").stdout.splitlines():  # reads; never rewrites the index
        raise UsageError(f"the work tree has uncommitted changes ({len(dirty)} paths); commit or stash them before updating")
    answers = load_answers(path)
    if not answers.get("_src_path") or not answers.get("_commit"):
        raise UsageError(f"{ANSWERS_FILE} records no template source or version (_src_path, _commit); cannot update")
    return answers


def _refs(src: str) -> set[str]:
    """The tag and branch names the template source has."""
    listing = subprocess.run(["git", "ls-remote", "--tags", "--heads", src], capture_output=True, text=True)
    if listing.returncode != 0:
        raise UsageError(f"cannot read template versions from {src}: {listing.stderr.strip().splitlines()[-1:]}")
    return {line.split("\t", 1)[-1].split("/", 2)[-1].removesuffix("^{}") for line in listing.stdout.splitlines()}


def _require_ref(refs: set[str], ref: str, what: str, src: str) -> None:
    """Refuse a ref the template does not have, before Copier fails on it halfway.

    A commit id, the `v1.0.0-3-gabc1234` that Copier records for an untagged commit, or a development
    build's `v1.1.0-dev-gabc1234abcd`, cannot be listed remotely (a later release holds the commit
    but not the tag); the checkout decides, and a commit the template lacks is one line, exit 2.
    """
    if ref in refs or re.fullmatch(r"[0-9a-f]{7,64}|.+-g[0-9a-f]{7,64}", ref):
        return
    raise UsageError(f"{what}, but the template at {src} has no such tag or branch")


def _newest_tag(refs: set[str], src: str) -> str:
    """The newest release tag; pre-releases (v3.0.0rc1) only when named with --vcs-ref, as Copier and Renovate do."""
    from packaging.version import InvalidVersion, Version

    versions = {}
    for tag in refs:
        try:
            version = Version(tag)
        except InvalidVersion:
            continue
        if not version.is_prerelease:
            versions[version] = tag
    if not versions:
        raise UsageError(f"the template at {src} has no release tags")
    return versions[max(versions)]


def _refuse_downgrade(current: str, target: str) -> None:
    from packaging.version import InvalidVersion, Version

    try:
        if Version(target) < Version(current):
            raise UsageError(f"refusing to downgrade the kit from {current} to {target}")
    except InvalidVersion:
        return  # a branch or commit: Copier decides


def _run_copier_update(repo: Path, target: str, conflict: str, defaults: bool, changes: dict[str, Any]) -> None:
    from copier import run_update
    from copier.errors import CopierError
    from plumbum import ProcessExecutionError

    from scaffold.render import git_reason

    try:
        run_update(
            str(repo), data=changes, vcs_ref=target, defaults=defaults, conflict=conflict, overwrite=True,
            skip_answered=True, quiet=True, unsafe=False,
        )
    except CopierError as error:
        raise UsageError(f"copier: {error}") from None
    except ProcessExecutionError as error:  # git could not check out a version (a commit the template lacks, say)
        raise UsageError(f"{ANSWERS_FILE}: the template cannot check out a version this update needs: {git_reason(error)}") from None


def _conflicted_files(repo: Path, conflict: str) -> list[str]:
    if conflict == "rej":
        listing = _git(repo, "status", "--porcelain", "--untracked-files=all").stdout.splitlines()
        return sorted(line[3:].removesuffix(".rej") for line in listing if line.endswith(".rej"))
    unmerged = {line.split("\t", 1)[1] for line in _git(repo, "ls-files", "-u").stdout.splitlines()}
    changed = _git(repo, "diff", "--name-only", "HEAD").stdout.splitlines()
    marked = {name for name in changed if _has_marker(repo / name)}
    return sorted(unmerged | marked)


def _has_marker(path: Path) -> bool:
    try:
        return CONFLICT_MARKER in path.read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, IsADirectoryError):
        return False
