"""Hatch build hook: put the template's git history into the wheel.

See `scaffold/bundle.py` for why. The bundle is built from the checkout being
packaged, so it always contains the version being built.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class TemplateBundleHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        sys.path.insert(0, str(root))
        from scaffold.bundle import create_bundle

        out = Path(tempfile.mkdtemp(prefix="agentscaffold-wheel-")) / "template.bundle"
        create_bundle(root, out, self.metadata.version)
        build_data["force_include"][str(out)] = "scaffold/template.bundle"
