"""Fixture repos written from a dict of files, modelled on the layouts of real services.

Each fixture is our own text: the shape (where manifests, settings, tests and env reads live) follows
public Django, FastAPI, Express and Go services; no file is copied from one.
"""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path


def write_repo(root: Path, files: dict[str, str], git: bool = True) -> Path:
    """Write `files` (path -> text, dedented) under `root`; optionally `git init` and commit them."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    if git:
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)
        subprocess.run(["git", "commit", "-q", "-m", "fixture"], cwd=root, check=True)
    return root
