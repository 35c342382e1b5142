"""Render a kit with Copier into a staging folder, then place it in DEST.

Rendering into a fresh folder first means a failure halfway writes nothing
into the user's repo, and it lets us decide file by file what to do with a
file that already exists: keep it (the default) or overwrite it (`--force`).
Copier never deletes or overwrites anything in DEST on its own here.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.bundle import git_environment
from scaffold.errors import UsageError
from scaffold.safety import refuse_unsafe_target
from scaffold.template import TemplateSource


@dataclass
class InstallReport:
    created: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


@contextmanager
def rendered_kit(source: TemplateSource, answers: dict[str, Any]) -> Iterator[Path]:
    """Yield a folder holding the kit Copier renders for `answers`."""
    with tempfile.TemporaryDirectory(prefix="agentscaffold-") as tmp:
        yield render_into(source, answers, Path(tmp) / "kit")


def render_into(source: TemplateSource, answers: dict[str, Any], staging: Path) -> Path:
    """Render the kit for `answers` into the new folder `staging`, and return it."""
    from copier import run_copy
    from copier.errors import CopierError
    from jinja2 import TemplateError
    from plumbum import ProcessExecutionError

    try:
        with git_environment(source.git_env):
            run_copy(
                source.src, staging, data=answers, defaults=True, overwrite=True, quiet=True, unsafe=False,
                vcs_ref=source.vcs_ref,
            )
    except CopierError as error:
        raise UsageError(f"copier: {error}") from None
    except TemplateError as error:  # a broken template (say, a fork's), not a crash of ours
        raise UsageError(f"template {source.src}: {type(error).__name__}: {error}") from None
    except ProcessExecutionError as error:  # git could not fetch or check out the template (a missing ref, say)
        raise UsageError(f"template {source.src} at {source.vcs_ref or 'its newest version'}: {git_reason(error)}") from None
    return staging


def git_reason(error) -> str:
    """The line of a failed git command that says why (`fatal: invalid reference: v9`)."""
    lines = [line.strip() for line in str(error.stderr or "").splitlines() if line.strip()]
    return next((line for line in reversed(lines) if line.startswith(("fatal:", "error:"))), lines[-1] if lines else "git failed")


def check_destination(dest: Path) -> None:
    """Refuse a DEST we could not write, before anything is rendered."""
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"DEST {dest} is a file, not a folder")
    existing = dest
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"DEST {dest}: {existing} is a file, not a folder")
    # A real probe: os.access trusts mode bits, which root and read-only
    # mounts (a CI container's /sys, say) make meaningless.
    try:
        handle, probe = tempfile.mkstemp(dir=existing, prefix=".agentscaffold-probe-")
    except OSError:
        raise UsageError(f"DEST {dest} is not writable") from None
    os.close(handle)
    os.unlink(probe)


def plan_install(staging: Path, dest: Path, force: bool) -> tuple[list[tuple[Path, Path]], InstallReport]:
    """Decide, file by file, what `install` will do, and refuse before anything is written.

    Every target is checked first: no component below DEST may be a symbolic link (a link could
    lead the write out of the repo, or onto a system file when run as root), a folder on the way
    must not be a file, and a file to overwrite must not be a folder.
    """
    report = InstallReport()
    writes: list[tuple[Path, Path]] = []
    for source in sorted(p for p in staging.rglob("*") if p.is_file()):
        relative = source.relative_to(staging).as_posix()
        target = dest / relative
        refuse_unsafe_target(dest, relative)
        if target.exists():
            if filecmp.cmp(source, target, shallow=False):
                report.unchanged.append(relative)
                continue
            if not force:
                report.kept.append(relative)
                continue
            report.overwritten.append(relative)
        else:
            report.created.append(relative)
        writes.append((source, target))
    return writes, report


def install(staging: Path, dest: Path, force: bool) -> InstallReport:
    """Copy the rendered kit into `dest`, all or nothing; existing files only with `force`.

    Each file is first written beside its target under a temporary name; only when every one has
    been written are they renamed into place. Any failure removes what was written, restores what
    was replaced and leaves DEST as it was.
    """
    writes, report = plan_install(staging, dest, force)
    made_dirs: list[Path] = []
    staged: list[tuple[Path, Path]] = []
    replaced: list[tuple[Path, bytes]] = []
    placed: list[Path] = []
    try:
        if writes and not dest.exists():
            missing = [folder for folder in (dest, *dest.parents) if not folder.exists()]
            for folder in reversed(missing):
                folder.mkdir()
                made_dirs.append(folder)
        for source, target in writes:
            for parent in reversed([p for p in target.relative_to(dest).parents if p != Path(".")]):
                folder = dest / parent
                if not folder.exists():
                    folder.mkdir()
                    made_dirs.append(folder)
            temporary = target.with_name(f".{target.name}.agentscaffold-tmp")
            shutil.copyfile(source, temporary)
            shutil.copymode(source, temporary)
            staged.append((temporary, target))
        for temporary, target in staged:
            if target.exists():
                replaced.append((target, target.read_bytes()))
            os.replace(temporary, target)
            placed.append(target)
    except OSError as error:
        _roll_back(staged, placed, replaced, made_dirs)
        where = Path(error.filename).relative_to(dest).as_posix() if error.filename and _inside(Path(error.filename), dest) else (error.filename or dest)
        raise UsageError(f"cannot write {where}: {error.strerror or error}; nothing was written") from None
    return report


def _roll_back(staged, placed, replaced, made_dirs) -> None:
    restored = {target: data for target, data in replaced}
    for temporary, _target in staged:
        temporary.unlink(missing_ok=True)
    for target in placed:
        if target in restored:
            target.write_bytes(restored[target])
        else:
            target.unlink(missing_ok=True)
    for folder in reversed(made_dirs):
        try:
            folder.rmdir()
        except OSError:
            pass


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True
