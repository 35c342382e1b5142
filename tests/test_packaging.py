"""Package metadata and the command's manners: declared imports, licence, URLs, -h, shell completion."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import REPO_ROOT, run_cli

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())


def imported_modules(paths) -> set[str]:
    found = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"scaffold", "__future__"}


def declared(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(text).name) for text in requirements}


def distributions_of(modules: set[str]) -> dict[str, set[str]]:
    owners = packages_distributions()
    return {module: {canonicalize_name(name) for name in owners.get(module, [])} for module in modules}


def test_every_module_the_package_imports_is_a_declared_dependency():
    runtime = declared(PYPROJECT["project"]["dependencies"])
    for module, owners in distributions_of(imported_modules((REPO_ROOT / "scaffold").rglob("*.py"))).items():
        assert owners & runtime, f"scaffold imports {module} ({', '.join(sorted(owners)) or 'not installed'}), which pyproject.toml does not declare"


def test_the_build_hook_imports_only_what_the_build_requires():
    build = declared(PYPROJECT["build-system"]["requires"])
    bundle_imports = imported_modules([REPO_ROOT / "hatch_build.py"]) | {"packaging"}  # bundle.py reads tags with packaging
    for module, owners in distributions_of(bundle_imports).items():
        assert owners & build, f"the build imports {module}, which build-system.requires does not declare"


def test_licence_and_urls():
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (REPO_ROOT / "LICENSE").read_text().startswith("MIT License")
    urls = PYPROJECT["project"]["urls"]
    assert {"Homepage", "Source", "Issues"} <= set(urls)
    from scaffold.bundle import CANONICAL_URL

    assert urls["Source"] == CANONICAL_URL  # where the canonical template lives, as kits record it
    canonical_in_ci = (REPO_ROOT / "templates/_partials/ci.jinja").read_text()
    assert f'"{CANONICAL_URL}"' in canonical_in_ci


@pytest.mark.parametrize("command", [[], ["new"], ["detect"], ["update"], ["check"]])
def test_minus_h_is_help_everywhere(command):
    result = run_cli(*command, "-h")
    assert result.returncode == 0, result.stderr
    assert "Usage: agentscaffold" in result.stdout and "--help" in result.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_script(shell):
    result = run_cli("--show-completion", shell)
    assert result.returncode == 0, result.stderr
    assert "agentscaffold" in result.stdout and "_AGENTSCAFFOLD_COMPLETE" in result.stdout.upper()
