"""The template's git history, shipped inside the package as a bundle.

Copier can only update a project if it can check out the template version
the project was made from. A pip-installed package has no git history, so
the wheel carries one: a git bundle with a tag per release (`v<version>`).
The answers file records the canonical URL; at run time git is told, through
environment configuration, to read that URL from the bundle. The same
answers file then works offline with `agentscaffold update` and online with
plain `copier update`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scaffold import __version__

CANONICAL_URL = "https://github.com/agentscaffold-kit/agentscaffold.git"
BUNDLE = Path(__file__).resolve().parent / "template.bundle"
TEMPLATE_PATHS = ("copier.yml", "templates")
# A fixed identity and no signing: building a bundle must not depend on the
# builder's git config.
GIT_IDENTITY = ["-c", "user.name=agentscaffold", "-c", "user.email=release@agentscaffold.invalid", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"]


def release_tag(version: str = __version__) -> str:
    return f"v{version}"


def _git(*args: str, cwd: Path) -> str:
    result = subprocess.run(["git", *GIT_IDENTITY, *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def create_bundle(checkout: Path, out: Path, version: str = __version__) -> None:
    """Write a bundle of the template's history to `out`.

    Every release tag of the checkout is kept. When the current version has
    no tag yet (a development build), the checkout's template is committed
    on top of the history and tagged, so the bundle always holds the version
    being installed.
    """
    tag = release_tag(version)
    with tempfile.TemporaryDirectory(prefix="agentscaffold-bundle-") as tmp:
        repo = Path(tmp) / "template"
        if (checkout / ".git").exists():
            _git("clone", "--quiet", "--no-local", str(checkout), str(repo), cwd=Path(tmp))
        else:
            repo.mkdir()
            _git("init", "--quiet", cwd=repo)
        if tag not in _git("tag", "--list", cwd=repo).split():
            for name in TEMPLATE_PATHS:
                target = repo / name
                if target.is_dir():
                    shutil.rmtree(target)
                (shutil.copytree if (checkout / name).is_dir() else shutil.copy2)(checkout / name, target)
            _git("add", "--all", "--", *TEMPLATE_PATHS, cwd=repo)
            _git("commit", "--quiet", "--allow-empty", "-m", f"Template {tag}", cwd=repo)
            _git("tag", tag, cwd=repo)
        out.parent.mkdir(parents=True, exist_ok=True)
        _git("bundle", "create", "--quiet", str(out), "--all", cwd=repo)


def bundle_path() -> Path:
    """The bundle in the wheel; in a source checkout, one built on first use."""
    if BUNDLE.is_file():
        return BUNDLE
    checkout = BUNDLE.parent.parent
    cached = Path(tempfile.gettempdir()) / f"agentscaffold-{__version__}-{_tree_id(checkout)}.bundle"
    if not cached.is_file():
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        create_bundle(checkout, partial)
        partial.replace(cached)
    return cached


def _tree_id(checkout: Path) -> str:
    """Changes whenever the checkout's template changes, so the cache stays true."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted([checkout / "copier.yml", *(checkout / "templates").rglob("*")]):
        if path.is_file():
            digest.update(path.relative_to(checkout).as_posix().encode() + b"\0" + path.read_bytes())
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
