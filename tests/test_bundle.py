"""The history bundled in the wheel renders what the checkout's template renders.

Run in CI and before a release: if the bundle and the template disagree,
`copier update` would diff against the wrong base.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO_ROOT, kit_files
from scaffold.bundle import CANONICAL_URL, release_tag, rewrite_env

ANSWERS = ["--data", "stack=django", "--data", "database=postgresql", "--data", "project_name=bundle-check"]


def copier_copy(src: str, dest: Path, *extra: str, env: dict | None = None) -> dict[str, str]:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("copier")), "copy", "--defaults", "--quiet", *ANSWERS, *extra, src, str(dest)],
        capture_output=True, text=True, env=env,
    )
    assert result.returncode == 0, result.stderr
    files = kit_files(dest)
    files.pop(".copier-answers.yml")
    return files


def test_bundle_renders_the_same_files_as_the_checkout(built_wheel, tmp_path):
    bundle = tmp_path / "template.bundle"
    bundle.write_bytes(zipfile.ZipFile(built_wheel).read("scaffold/template.bundle"))
    tags = subprocess.run(["git", "bundle", "list-heads", str(bundle)], capture_output=True, text=True).stdout
    assert f"refs/tags/{release_tag()}" in tags

    from_bundle = copier_copy(CANONICAL_URL, tmp_path / "bundle", "--vcs-ref", release_tag(), env={**os.environ, **rewrite_env(bundle)})
    from_checkout = copier_copy(str(REPO_ROOT), tmp_path / "checkout")
    assert from_bundle == from_checkout
