"""Rules every write into a user's repo obeys, and the characters free text may not carry.

Light on purpose (no Jinja, no Copier): `new` and `update` place a rendered kit with them, and
`feature` writes the feature logs with them on every call an agent makes.
"""

from __future__ import annotations

import re
from pathlib import Path

from scaffold.errors import UsageError

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides and isolates:
# typed into free text they would reach every file the kit writes (and a terminal that shows it).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def refuse_unsafe_target(dest: Path, relative: str) -> None:
    """Refuse a write to DEST/relative that a symbolic link could divert, or a file/folder clash would break.

    No component below DEST may be a symbolic link (a link could lead the write out of the repo, or
    onto a system file when run as root), a folder on the way must not be a file, and the file to
    write must not be a folder.
    """
    current = dest
    parts = relative.split("/")
    for index, part in enumerate(parts):
        current = current / part
        shown = "/".join(parts[: index + 1])
        if current.is_symlink():
            raise UsageError(f"{shown} is a symbolic link; refusing to write through it (nothing was written)")
        if not current.exists():
            return
        last = index == len(parts) - 1
        if not last and not current.is_dir():
            raise UsageError(f"{shown} is a file, but the kit needs a folder there (nothing was written)")
        if last and current.is_dir():
            raise UsageError(f"{shown} is a folder, but the kit writes a file there (nothing was written)")
