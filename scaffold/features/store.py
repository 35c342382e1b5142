"""A kit's feature files, read and written safely.

Every JSON write is validated against the kit's own schema (`docs/features/schemas/`, which the
team may have extended) before it lands, written to a temporary file in the same folder and
renamed over the old one (a reader never sees half a file), and refused if any component of its
path is a symbolic link. Read-modify-write sequences run under `locked()`, so two agents
appending at once both land.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.kit import FEATURES, SCHEMA_FOR
from scaffold.safety import refuse_unsafe_target

SCHEMAS = f"{FEATURES}/schemas"
FEATURE_LOG = f"{FEATURES}/feature-log.json"
SUMMARY = f"{FEATURES}/implementation-log-summary.json"
TEMPLATE = f"{FEATURES}/_template"
CONTRACT = "api-contract.md"
IMPLEMENTATION_LOG = "implementation-log.json"
RESTORE = "fix it, or restore it with `git checkout -- <file>`"


def utc_now() -> str:
    """The timestamp format the schemas and the logging guidelines use: UTC, seconds, `Z`."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def feature_folder(feature_id: str) -> str:
    return f"{FEATURES}/{feature_id}"


def implementation_log(feature_id: str) -> str:
    return f"{FEATURES}/{feature_id}/{IMPLEMENTATION_LOG}"


@dataclass
class FeatureStore:
    """The `docs/features/` folder of the kit in `root`. Paths are kit-relative, with `/`."""

    root: Path
    _validators: dict[str, Callable[[Any], Any]] = field(default_factory=dict, repr=False)
    _schemas: dict[str, dict] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, dest: Path) -> FeatureStore:
        """The store of the kit in DEST; one line and exit 2 for a folder that holds no kit."""
        if not dest.is_dir():
            raise UsageError(f"DEST {dest} is not a folder" if dest.exists() else f"DEST {dest} does not exist")
        if not (dest / SCHEMAS).is_dir():
            raise UsageError(
                f"no agent kit in {dest} ({SCHEMAS}/ is missing); run this in the repo that holds the kit, "
                "or create one with `agentscaffold new`"
            )
        return cls(dest)

    # -- schemas ---------------------------------------------------------------------------

    def schema(self, name: str) -> dict:
        """The kit's JSON Schema `name` (a file in docs/features/schemas/)."""
        if name not in self._schemas:
            relative = f"{SCHEMAS}/{name}"
            document = self.read_json(relative)
            if not isinstance(document, dict):
                raise UsageError(f"{relative} is not a JSON Schema (not an object); {RESTORE}")
            self._schemas[name] = document
        return self._schemas[name]

    def schema_value(self, name: str, *keys: str) -> Any:
        """A value inside schema `name` (the status enum, the id pattern), or one line saying it is gone."""
        value: Any = self.schema(name)
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                raise UsageError(f"{SCHEMAS}/{name} has no {'.'.join(keys)}; restore it with `agentscaffold update` or git")
            value = value[key]
        return value

    def validate(self, relative: str, document: Any, *, existing: bool) -> None:
        """Check `document` against its schema; an existing file and a change we made fail differently."""
        import fastjsonschema  # only commands that write pay for it

        name = SCHEMA_FOR[relative.rsplit("/", 1)[-1]]
        if name not in self._validators:
            try:
                self._validators[name] = fastjsonschema.compile(self.schema(name))
            except fastjsonschema.JsonSchemaDefinitionException as error:
                raise UsageError(f"{SCHEMAS}/{name} is not a valid JSON Schema: {error}") from None
        try:
            self._validators[name](document)
        except fastjsonschema.JsonSchemaException as error:
            if existing:
                raise UsageError(f"{relative} does not match {name}: {error.message}; {RESTORE}") from None
            raise UsageError(f"refused: {relative} would not match {name}: {error.message} (nothing was written)") from None

    # -- reading ---------------------------------------------------------------------------

    def exists(self, relative: str) -> bool:
        return (self.root / relative).exists()

    def read_json(self, relative: str) -> Any:
        """A JSON file of the kit; a missing, non-UTF-8 or malformed file is one line naming file:line."""
        path = self.root / relative
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"{relative} is missing; restore it with `agentscaffold update` or git") from None
        except UnicodeDecodeError as error:
            raise UsageError(f"{relative}: byte {error.start} is not UTF-8; {RESTORE}") from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise UsageError(f"{relative}:{error.lineno}: not valid JSON: {error.msg} (column {error.colno}); {RESTORE}") from None

    def load(self, relative: str) -> Any:
        """A feature file, parsed and checked against its schema."""
        document = self.read_json(relative)
        self.validate(relative, document, existing=True)
        return document

    def read_text(self, relative: str) -> str:
        try:
            return (self.root / relative).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"{relative} is missing; restore it with `agentscaffold update` or git") from None
        except UnicodeDecodeError as error:
            raise UsageError(f"{relative}: byte {error.start} is not UTF-8; {RESTORE}") from None

    # -- writing ---------------------------------------------------------------------------

    def save(self, relative: str, document: Any) -> None:
        """Validate, then write atomically. Call it only under `locked()` when the file is shared."""
        self.validate(relative, document, existing=False)
        self.write_text(relative, json.dumps(document, indent=2, ensure_ascii=False) + "\n")

    def write_text(self, relative: str, text: str) -> None:
        """Write beside the target and rename over it: a reader sees the old file or the new one."""
        refuse_unsafe_target(self.root, relative)
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, _mode_for(target))
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def prepare_writes(self, *relatives: str) -> None:
        """Check every target of a command before its first write, so a refusal writes nothing.

        No symbolic link on the way, and a real probe that each folder takes a new file (mode bits
        say little to root or on a read-only mount); the folder a new feature gets is probed
        through its nearest existing parent.
        """
        folders = set()
        for relative in relatives:
            refuse_unsafe_target(self.root, relative)
            folder = (self.root / relative).parent
            while not folder.exists():
                folder = folder.parent
            folders.add(folder)
        for folder in sorted(folders):
            try:
                handle, probe = tempfile.mkstemp(dir=folder, prefix=".agentscaffold-probe-")
            except OSError as error:
                shown = folder.relative_to(self.root).as_posix()
                raise UsageError(f"{shown}/ cannot be written ({error.strerror}); nothing was written") from None
            os.close(handle)
            os.unlink(probe)

    def make_folder(self, relative: str) -> None:
        """Create a new feature folder; it must not exist (the id was checked under the lock)."""
        refuse_unsafe_target(self.root, relative)
        (self.root / relative).mkdir()

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive lock on `docs/features/` for a read-modify-write.

        The lock is taken on the folder itself, so no lock file appears in the team's `git status`;
        flock locks are released by the kernel when the process ends, so a killed agent leaves no
        stale lock behind.
        """
        import fcntl

        descriptor = os.open(self.root / FEATURES, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)


def _mode_for(target: Path) -> int:
    """Keep an existing file's mode; give a new one the mode `open()` would (0666 less the umask)."""
    if target.exists():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
