"""Where the Copier template is, and what its questions are.

The CLI asks the questions itself (stack first, then only the choices valid
for that stack) and hands Copier a complete set of answers. To do that
without importing Copier, it reads `copier.yml` with PyYAML and renders the
templated parts (defaults, choices, validators) with the same Jinja that
Copier uses, rooted at the same folder, so `include` of the stack data works
identically.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from scaffold.errors import UsageError
from scaffold.questions import Question

PACKAGE_DIR = Path(__file__).resolve().parent
CONFIG_NAMES = ("copier.yml", "copier.yaml")


def bundled_template_root() -> Path:
    """The template that ships with the package.

    A wheel carries it under `scaffold/template/`; a source checkout (an
    editable install, or tests run from the repo) is itself the template.
    """
    for root in (PACKAGE_DIR / "template", PACKAGE_DIR.parent):
        if any((root / name).is_file() for name in CONFIG_NAMES):
            return root
    raise UsageError("the bundled template is missing from this installation; reinstall agentscaffold")


def is_local_source(src: str) -> bool:
    return "://" not in src and not src.startswith(("git@", "gh:", "gl:")) and Path(src).expanduser().exists()


@dataclass(frozen=True)
class TemplateSource:
    """A Copier source as recorded in answers files, and how to read it.

    `src` is what Copier gets and records; `git_env` is git configuration
    Copier runs under (the bundle rewrite for the canonical URL); `local_root`
    is a folder holding the same `copier.yml`, when one is at hand.
    """

    src: str
    vcs_ref: str | None = None
    git_env: dict[str, str] = field(default_factory=dict)
    local_root: Path | None = None

    @classmethod
    def bundled(cls, vcs_ref: str | None = None) -> TemplateSource:
        """The template shipped in the package, recorded by its canonical URL.

        Without a `--vcs-ref`, it renders the bundle's own ref: the release tag, or in a
        development build the commit that holds the template this installation ships, so the
        kit always comes from the files in the package.
        """
        from scaffold.bundle import CANONICAL_URL, bundle_path, bundle_ref, rewrite_env

        return cls(CANONICAL_URL, vcs_ref or bundle_ref(), rewrite_env(bundle_path()), bundled_template_root() if not vcs_ref else None)

    @classmethod
    def recorded(cls, src: str, vcs_ref: str | None = None) -> TemplateSource:
        """A source read back from `.copier-answers.yml`; for the canonical URL, the installed
        template is the default version (what `new` would render now)."""
        from scaffold.bundle import CANONICAL_URL, bundle_path, bundle_ref, rewrite_env

        if src != CANONICAL_URL:
            return cls(src, vcs_ref)
        return cls(src, vcs_ref or bundle_ref(), rewrite_env(bundle_path()))

    @cached_property
    def root(self) -> Path:
        if self.local_root is not None:
            return self.local_root
        if is_local_source(self.src):
            root = Path(self.src).expanduser().resolve()
            if not any((root / name).is_file() for name in CONFIG_NAMES):
                raise UsageError(f"--template: {self.src} has no copier.yml")
            return root
        return self._clone()

    def _clone(self) -> Path:
        """Fetch a remote template once, to read its questions."""
        dest = Path(tempfile.mkdtemp(prefix="agentscaffold-template-"))
        atexit.register(shutil.rmtree, dest, ignore_errors=True)
        cmd = ["git", "clone", "--quiet", "--depth", "1"]
        if self.vcs_ref:
            cmd += ["--branch", self.vcs_ref]
        result = subprocess.run([*cmd, self.src, str(dest)], capture_output=True, text=True, env={**os.environ, **self.git_env})
        if result.returncode != 0:
            reason = (result.stderr.strip().splitlines() or ["git clone failed"])[-1]
            raise UsageError(f"--template: cannot fetch {self.src}: {reason}")
        return dest

    @cached_property
    def config(self) -> dict:
        path = next(self.root / name for name in CONFIG_NAMES if (self.root / name).is_file())
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}

    @property
    def strict_undefined(self) -> bool:
        return self.config.get("_envops", {}).get("undefined") == "jinja2.StrictUndefined"

    @cached_property
    def questions(self) -> list[Question]:
        return [
            Question.from_config(name, spec)
            for name, spec in self.config.items()
            if not name.startswith("_")
        ]
