"""Hatch build hook: put the template's git history into the sdist and the wheel.

See `scaffold/bundle.py` for why and what. The sdist carries the bundle it
made from the git checkout (and the ref `new` renders), so a wheel built from
the sdist needs no git and holds the same history. A checkout that cannot
give the history of every release tag fails the build with one message,
unless AGENTSCAFFOLD_DEV_BUILD=1 asks for a development build.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE_IN_PACKAGE = "scaffold/template.bundle"
REF_IN_PACKAGE = "scaffold/template.ref"


class TemplateBundleHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if version == "editable":  # an editable install renders the checkout's own template (bundle.py)
            return
        root = Path(self.root)
        # Both files are excluded from the package walk (pyproject.toml) and always added here, so a
        # wheel from the sdist and one from the git checkout list them in the same place: same bytes.
        if (root / BUNDLE_IN_PACKAGE).is_file() and (root / REF_IN_PACKAGE).is_file():
            bundle, ref_file = root / BUNDLE_IN_PACKAGE, root / REF_IN_PACKAGE  # an unpacked sdist
        else:
            bundle, ref_file = self._build_bundle(root)
        build_data["force_include"][str(bundle)] = BUNDLE_IN_PACKAGE
        build_data["force_include"][str(ref_file)] = REF_IN_PACKAGE

    def _build_bundle(self, root: Path) -> tuple[Path, Path]:
        sys.path.insert(0, str(root))
        from scaffold.bundle import BuildRefused, create_bundle, development_allowed

        out = Path(tempfile.mkdtemp(prefix="agentscaffold-build-"))
        try:
            ref = create_bundle(root, out / "template.bundle", self.metadata.version, development_allowed())
        except BuildRefused as refused:
            raise SystemExit(f"agentscaffold build refused: {refused}") from None
        (out / "template.ref").write_text(ref + "\n", encoding="utf-8")
        return out / "template.bundle", out / "template.ref"
