"""The template history in the wheel: what it holds, when a build refuses, and that it is reproducible.

The first test renders from the bundle in a real wheel of this checkout; the others build bundles
from small throwaway template repos with real git, the way the build hook does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import REPO_ROOT, git, kit_files
from scaffold.bundle import CANONICAL_URL, BuildRefused, create_bundle, rewrite_env

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
    wheel = zipfile.ZipFile(built_wheel)
    bundle = tmp_path / "template.bundle"
    bundle.write_bytes(wheel.read("scaffold/template.bundle"))
    ref = wheel.read("scaffold/template.ref").decode().strip()
    assert f"refs/tags/{ref}" in heads(bundle)

    from_bundle = copier_copy(CANONICAL_URL, tmp_path / "bundle", "--vcs-ref", ref, env={**os.environ, **rewrite_env(bundle)})
    from_checkout = copier_copy(str(REPO_ROOT), tmp_path / "checkout")
    assert from_bundle == from_checkout


def heads(bundle: Path) -> dict[str, str]:
    """ref name -> object id, as git reads the bundle."""
    listing = subprocess.run(["git", "bundle", "list-heads", str(bundle)], capture_output=True, text=True, check=True).stdout
    return {line.split(" ", 1)[1]: line.split(" ", 1)[0] for line in listing.splitlines()}


def write_template(repo: Path, text: str) -> None:
    (repo / "templates").mkdir(parents=True, exist_ok=True)
    (repo / "copier.yml").write_text("_subdirectory: templates\nname:\n  type: str\n  default: x\n")
    (repo / "templates" / "README.md.jinja").write_text(text)


def commit(repo: Path, message: str) -> None:
    git("add", "-A", cwd=repo)
    git("commit", "-qm", message, cwd=repo)


@pytest.fixture
def releases(tmp_path) -> Path:
    """A template repo with releases v1.0.0 and v1.1.0, and refs that are not releases."""
    repo = tmp_path / "template"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    write_template(repo, "one\n")
    commit(repo, "first")
    git("tag", "-a", "-m", "release", "v1.0.0", cwd=repo)
    git("branch", "feature-x", cwd=repo)
    git("tag", "deploy-7", cwd=repo)
    write_template(repo, "two\n")
    commit(repo, "second")
    git("tag", "v1.1.0", cwd=repo)
    git("tag", "v-latest", cwd=repo)
    write_template(repo, "three\n")
    commit(repo, "third")
    git("tag", "v2.0.0", cwd=repo)  # newer than the version being built: not in its bundle
    git("checkout", "-q", "v1.1.0", cwd=repo)
    return repo


def test_a_release_bundle_holds_the_release_tags_up_to_its_version_and_nothing_else(releases, tmp_path):
    out = tmp_path / "t.bundle"
    assert create_bundle(releases, out, "1.1.0") == "v1.1.0"
    assert sorted(heads(out)) == ["refs/tags/v1.0.0", "refs/tags/v1.1.0"]
    clone = tmp_path / "clone"
    git("clone", "-q", "--no-checkout", str(out), str(clone), cwd=tmp_path)
    git("checkout", "-q", "v1.0.0", cwd=clone)
    assert (clone / "templates/README.md.jinja").read_text() == "one\n"
    assert git("branch", "-a", cwd=clone).strip() == "* (HEAD detached at v1.0.0)"


def test_the_bundle_is_the_same_bytes_from_any_clone_of_the_same_history(releases, tmp_path):
    other = tmp_path / "other"
    git("clone", "-q", "--no-local", str(releases), str(other), cwd=tmp_path)
    git("checkout", "-q", "v1.1.0", cwd=other)
    git("gc", "-q", "--aggressive", cwd=other)  # a different pack layout must not change the bundle
    first, second, again = tmp_path / "1.bundle", tmp_path / "2.bundle", tmp_path / "3.bundle"
    create_bundle(releases, first, "1.1.0")
    create_bundle(other, second, "1.1.0")
    create_bundle(releases, again, "1.1.0")
    assert first.read_bytes() == second.read_bytes() == again.read_bytes()


@pytest.mark.parametrize("checkout", ["shallow", "archive", "no-tag", "edited"])
def test_a_checkout_without_the_whole_history_refuses_a_release_build(releases, tmp_path, checkout):
    source = tmp_path / checkout
    if checkout == "shallow":
        git("clone", "-q", "--depth", "1", "--branch", "v1.1.0", f"file://{releases}", str(source), cwd=tmp_path)
        reason = "shallow clone"
    elif checkout == "archive":
        archive = subprocess.run(["git", "archive", "v1.1.0"], cwd=releases, capture_output=True, check=True).stdout
        (tmp_path / "a.tar").write_bytes(archive)
        with tarfile.open(tmp_path / "a.tar") as tar:
            tar.extractall(source, filter="data")
        reason = "not a git clone"
    elif checkout == "no-tag":
        git("clone", "-q", "--no-tags", str(releases), str(source), cwd=tmp_path)
        reason = "no release tag v1.1.0"
    else:
        git("clone", "-q", str(releases), str(source), cwd=tmp_path)
        git("checkout", "-q", "v1.1.0", cwd=source)
        write_template(source, "edited after the tag\n")
        reason = "differs from release tag v1.1.0"
    with pytest.raises(BuildRefused, match=reason) as refused:
        create_bundle(source, tmp_path / "x.bundle", "1.1.0")
    assert "AGENTSCAFFOLD_DEV_BUILD=1" in str(refused.value)

    ref = create_bundle(source, tmp_path / "dev.bundle", "1.1.0", development=True)
    assert ref.startswith("v1.1.0-dev-g")
    clone = tmp_path / "dev-clone"
    git("clone", "-q", "--no-checkout", str(tmp_path / "dev.bundle"), str(clone), cwd=tmp_path)
    git("checkout", "-q", ref, cwd=clone)  # the development build renders exactly the files it ships
    assert (clone / "templates/README.md.jinja").read_text() == (source / "templates/README.md.jinja").read_text()


def test_a_development_commit_stays_resolvable_from_a_later_release(releases, tmp_path):
    """A kit made by a development build of a commit can update once a release contains that commit."""
    git("checkout", "-q", "-b", "work", "v1.1.0", cwd=releases)
    write_template(releases, "work in progress\n")
    commit(releases, "unreleased")
    dev_ref = create_bundle(releases, tmp_path / "dev.bundle", "1.2.0", development=True)
    head = git("rev-parse", "HEAD", cwd=releases).strip()
    assert dev_ref == f"v1.2.0-dev-g{head[:12]}"  # HEAD holds the shipped template: the real commit

    write_template(releases, "released\n")
    commit(releases, "release")
    git("tag", "v1.2.0", cwd=releases)
    create_bundle(releases, tmp_path / "release.bundle", "1.2.0")
    assert f"refs/tags/{dev_ref}" not in heads(tmp_path / "release.bundle")
    clone = tmp_path / "clone"
    git("clone", "-q", "--no-checkout", str(tmp_path / "release.bundle"), str(clone), cwd=tmp_path)
    assert git("rev-parse", f"{dev_ref}^{{commit}}", cwd=clone).strip() == head
