"""The template's git history, shipped inside the package as a bundle.

Copier can only update a project if it can check out the template version
the project was made from. A pip-installed package has no git history, so
the wheel carries one: a git bundle of every release tag (`v<version>`) up to
the version being built, with their history, and no other ref. The answers
file records the canonical URL; at run time git is told, through environment
configuration, to read that URL from the bundle. The same answers file then
works offline with `agentscaffold update` and online with plain `copier update`.

A release build needs a full clone whose tag `v<version>` holds exactly the
template being shipped; anything else (a shallow clone, a `git archive` tree,
commits or edits after the tag) would ship a wheel that renders one template
and updates from another, so the build refuses unless `AGENTSCAFFOLD_DEV_BUILD=1`
asks for a development build. A development build bundles the release tags
plus one commit holding the shipped template (HEAD itself when it holds it),
tagged `v<version>-dev-g<commit>`, which `new` records and `update` can check
out later from any release whose history contains that commit.

The sdist carries the bundle it made (and the ref it renders), so building a
wheel from the sdist needs no git.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scaffold import __version__

# A fork changes this to its own repository URL (and `project.urls` in pyproject.toml): it is what
# `new` records as `_src_path`, what plain Copier and Renovate fetch, and what the bundle stands in for.
CANONICAL_URL = "https://github.com/agentscaffold-kit/agentscaffold.git"
PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLE = PACKAGE_DIR / "template.bundle"
# The ref `new` renders from the bundle: the release tag, or a development build's tag.
BUNDLE_REF = PACKAGE_DIR / "template.ref"
TEMPLATE_PATHS = ("copier.yml", "templates")
DEV_BUILD_VARIABLE = "AGENTSCAFFOLD_DEV_BUILD"
# Development commits carry this date unless SOURCE_DATE_EPOCH says otherwise, so their ids
# (and the bundle, and the wheel) are the same on every build of the same tree.
FIXED_EPOCH = 315532800  # 1980-01-01, the earliest date a zip entry can hold
# A fixed identity and no signing: building a bundle must not depend on the builder's git config.
GIT_IDENTITY = ["-c", "user.name=agentscaffold", "-c", "user.email=release@agentscaffold.invalid", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"]


class BuildRefused(RuntimeError):
    """The checkout cannot give a release wheel the whole template history."""


@dataclass(frozen=True)
class BundleSpec:
    """What goes into a bundle: refs (full names) and the object each one names."""

    refs: dict[str, str]
    render_ref: str  # the ref `new` renders: `v<version>`, or a development build's `v<version>-dev-g<commit>`
    repo: Path  # the repository holding every object the refs reach


def release_tag(version: str = __version__) -> str:
    return f"v{version}"


def release_version(tag: str):
    """The PEP 440 version a release tag names, or None for any other tag."""
    from packaging.version import InvalidVersion, Version

    if not tag.startswith("v"):
        return None
    try:
        return Version(tag[1:])
    except InvalidVersion:
        return None


def _git(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(["git", *GIT_IDENTITY, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def development_allowed() -> bool:
    return os.environ.get(DEV_BUILD_VARIABLE, "").strip().lower() in {"1", "true", "yes"}


def create_bundle(checkout: Path, out: Path, version: str = __version__, development: bool = False) -> str:
    """Write the bundle of the template history to `out`; return the ref `new` renders.

    Raises BuildRefused when the checkout cannot make a release bundle and `development` is off.
    """
    with tempfile.TemporaryDirectory(prefix="agentscaffold-bundle-") as tmp:
        spec = plan_bundle(checkout, Path(tmp) / "work", version, development)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_bundle(spec, out)
    return spec.render_ref


def plan_bundle(checkout: Path, work: Path, version: str, development: bool) -> BundleSpec:
    """Decide the refs: every release tag up to `version`, and a development commit if needed.

    `work` is a scratch repository that borrows the checkout's objects (git alternates): the
    shipped template is hashed there, and a development commit is written there, never into
    the checkout.
    """
    from packaging.version import Version

    history = _full_history(checkout)
    _scratch_repo(work, history)
    shipped = _shipped_tree(checkout, work)
    tags = _release_tags(history, Version(version)) if history else {}
    tag = release_tag(version)
    if tag in tags and _template_listing(work, f"{tags[tag]}^{{tree}}") == _template_listing(work, shipped):
        return BundleSpec({f"refs/tags/{name}": oid for name, oid in tags.items()}, tag, history or work)
    if not development:
        raise BuildRefused(f"{_why_not_release(checkout, history, tags, tag)}; set {DEV_BUILD_VARIABLE}=1 for a development build")

    head = _head(history) if history else ""
    if head and _template_listing(work, f"{head}^{{tree}}") == _template_listing(work, shipped):
        commit = head  # a real commit: later releases that contain it can still check it out
    else:
        commit = _commit_tree(work, shipped, head)
    render_ref = development_ref(version, commit)
    refs = {f"refs/tags/{name}": oid for name, oid in tags.items()} | {f"refs/tags/{render_ref}": commit}
    return BundleSpec(refs, render_ref, work)


def development_ref(version: str, commit: str) -> str:
    """`v0.2.0-dev-g0123456789ab`: not a release (no PEP 440 version), and git resolves it to the
    commit by its `-g<hex>` suffix, as it does `git describe` names, in any clone that has it."""
    return f"{release_tag(version)}-dev-g{commit[:12]}"


def _full_history(checkout: Path) -> Path | None:
    """The checkout's git folder when it has the whole history, else None."""
    if not (checkout / ".git").exists():
        return None
    inside = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=checkout, capture_output=True, text=True)
    if inside.returncode != 0 or Path(inside.stdout.strip()).resolve() != checkout.resolve():
        return None
    if _git("rev-parse", "--is-shallow-repository", cwd=checkout).strip() == "true":
        return None
    return checkout


def _head(history: Path) -> str:
    """HEAD's commit id, or "" in a repository with no commit yet."""
    result = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD"], cwd=history, capture_output=True, text=True)
    return result.stdout.strip()


def _why_not_release(checkout: Path, history: Path | None, tags: dict[str, str], tag: str) -> str:
    if not (checkout / ".git").exists():
        return f"{checkout} is not a git clone (an sdist without scaffold/template.bundle, or a `git archive` tree), so the release history cannot be bundled"
    if history is None:
        return f"{checkout} is a shallow clone; fetch the whole history and the tags (`git fetch --unshallow --tags`)"
    if tag not in tags:
        return f"the checkout has no release tag {tag} (fetch the tags with `git fetch --tags`, or tag the release)"
    return f"the template differs from release tag {tag} (commits or edits to {' or '.join(TEMPLATE_PATHS)} after the tag)"


def _scratch_repo(work: Path, history: Path | None) -> None:
    work.mkdir(parents=True)
    _git("init", "--quiet", cwd=work)
    if history:
        objects = Path(_git("rev-parse", "--path-format=absolute", "--git-common-dir", cwd=history).strip()) / "objects"
        (work / ".git" / "objects" / "info" / "alternates").write_text(f"{objects}\n", encoding="utf-8")


def _shipped_tree(checkout: Path, work: Path) -> str:
    """The git tree of the template files exactly as the wheel ships them (tracked or not)."""
    env = {"GIT_INDEX_FILE": str(work / ".git" / "shipped-index"), "GIT_WORK_TREE": str(checkout), "GIT_DIR": str(work / ".git")}
    _git("add", "--force", "--", *TEMPLATE_PATHS, cwd=checkout, env=env)
    return _git("write-tree", cwd=checkout, env=env).strip()


def _template_listing(work: Path, tree: str) -> str:
    return _git("ls-tree", "-r", "--full-tree", tree, "--", *TEMPLATE_PATHS, cwd=work)


def _release_tags(history: Path, newest: object) -> dict[str, str]:
    """Release tags (`v` + a PEP 440 version) up to `newest`, oldest first, with the object each names."""
    found = []
    for line in _git("for-each-ref", "--format=%(objectname) %(refname:strip=2)", "refs/tags", cwd=history).splitlines():
        oid, name = line.split(" ", 1)
        version = release_version(name)
        if version is not None and version <= newest:
            found.append((version, name, oid))
    return {name: oid for _, name, oid in sorted(found)}


def _commit_tree(work: Path, tree: str, parent: str) -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", str(FIXED_EPOCH))
    date = f"@{epoch} +0000"
    env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    args = ["commit-tree", tree, "-m", "Development template"] + (["-p", parent] if parent else [])
    return _git(*args, cwd=work, env=env).strip()


def write_bundle(spec: BundleSpec, out: Path) -> None:
    """Write a v2 git bundle whose bytes depend only on the objects it holds.

    `git bundle create` reuses whatever deltas the repository's packs happen to hold and
    packs with several threads, so two clones of one tree give two different files. Here
    the pack is made afresh, on one thread, and the refs are listed in a fixed order.
    """
    ordered = sorted(spec.refs.items())
    header = "# v2 git bundle\n" + "".join(f"{oid} {name}\n" for name, oid in ordered) + "\n"
    pack = _pack(spec.repo, [oid for _, oid in ordered])
    with out.open("wb") as handle:
        handle.write(header.encode())
        handle.write(pack)


def _pack(repo: Path, tips: list[str]) -> bytes:
    result = subprocess.run(
        ["git", "-c", "pack.threads=1", "pack-objects", "--stdout", "--revs", "--no-reuse-delta", "--no-reuse-object", "--quiet"],
        cwd=repo, input="".join(f"{oid}\n" for oid in tips).encode(), capture_output=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"git pack-objects failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def bundle_path() -> Path:
    """The bundle in the wheel; in a source checkout, one built on first use."""
    return _installed_or_checkout_bundle()[0]


def bundle_ref() -> str:
    """The ref `new` renders: what the installed template is."""
    return _installed_or_checkout_bundle()[1]


_checkout_bundle: tuple[Path, str] | None = None


def _installed_or_checkout_bundle() -> tuple[Path, str]:
    """A wheel's bundle and ref; a source checkout builds a development bundle of its working template.

    A checkout is where the template is developed, so it renders its own working tree, cached
    per tree content so an edit to the template is seen at once.
    """
    global _checkout_bundle
    if BUNDLE.is_file() and BUNDLE_REF.is_file():
        return BUNDLE, BUNDLE_REF.read_text(encoding="utf-8").strip()
    if _checkout_bundle is None:
        checkout = PACKAGE_DIR.parent
        cached = Path(tempfile.gettempdir()) / f"agentscaffold-{__version__}-{_tree_id(checkout)}.bundle"
        ref_file = cached.with_suffix(".ref")
        if not (cached.is_file() and ref_file.is_file()):
            partial = cached.with_suffix(f".{os.getpid()}.tmp")
            ref = create_bundle(checkout, partial, development=True)
            partial_ref = ref_file.with_suffix(f".{os.getpid()}.reftmp")
            partial_ref.write_text(ref, encoding="utf-8")
            partial.replace(cached)
            partial_ref.replace(ref_file)
        _checkout_bundle = (cached, ref_file.read_text(encoding="utf-8").strip())
    return _checkout_bundle


def _tree_id(checkout: Path) -> str:
    """Changes whenever the checkout's template or its git history changes, so the cache stays true."""
    digest = hashlib.sha256()
    for path in sorted([checkout / "copier.yml", *(checkout / "templates").rglob("*")]):
        if path.is_file():
            digest.update(path.relative_to(checkout).as_posix().encode() + b"\0" + path.read_bytes())
    head = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=checkout, capture_output=True, text=True).stdout
    tags = subprocess.run(["git", "for-each-ref", "refs/tags"], cwd=checkout, capture_output=True, text=True).stdout
    digest.update(head.encode() + tags.encode())
    return digest.hexdigest()[:16]


def rewrite_env(bundle: Path = BUNDLE, url: str = CANONICAL_URL) -> dict[str, str]:
    """Git configuration, as environment variables, that reads `url` from `bundle`."""
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{bundle}.insteadOf",
        "GIT_CONFIG_VALUE_0": url,
    }


def copier_cache_env() -> dict[str, str]:
    """A private, temporary COPIER_CACHE_DIR when the user's cache cannot be written.

    Copier keeps a mirror of every remote template (the canonical URL included) in the user's
    cache folder; with a read-only HOME, or a cache folder we may not write, it would fail
    halfway. A temporary cache costs one local clone of the bundle, nothing more.
    """
    from platformdirs import user_cache_dir

    cache = Path(os.environ.get("COPIER_CACHE_DIR") or Path(user_cache_dir("copier", appauthor=False)) / "git")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=cache, prefix=".agentscaffold-probe-")
        os.close(handle)
        os.unlink(probe)
        return {}
    except OSError:
        private = tempfile.mkdtemp(prefix="agentscaffold-copier-cache-")
        atexit.register(shutil.rmtree, private, ignore_errors=True)
        return {"COPIER_CACHE_DIR": private}


@contextmanager
def git_environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment for git, including inside Copier, and a cache Copier can write.

    Copier runs git through plumbum, whose environment is a snapshot taken
    at import, so the values go into both `os.environ` and `plumbum.local.env`.
    """
    from plumbum import local

    values = {**values, **copier_cache_env()}
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        with local.env(**values):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
