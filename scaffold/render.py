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
    from copier import run_copy
    from copier.errors import CopierError
    from jinja2 import TemplateError

    with tempfile.TemporaryDirectory(prefix="agentscaffold-") as tmp:
        staging = Path(tmp) / "kit"
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
        yield staging


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


def install(staging: Path, dest: Path, force: bool) -> InstallReport:
    """Copy every rendered file into `dest`; existing files only with `force`."""
    report = InstallReport()
    for source in sorted(p for p in staging.rglob("*") if p.is_file()):
        relative = source.relative_to(staging).as_posix()
        target = dest / relative
        if target.exists():
            if target.is_file() and filecmp.cmp(source, target, shallow=False):
                report.unchanged.append(relative)
                continue
            if not force:
                report.kept.append(relative)
                continue
            report.overwritten.append(relative)
        else:
            report.created.append(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        shutil.copymode(source, target)
    return report
