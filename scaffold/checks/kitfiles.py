"""Rules for kits we generated: their feature logs and their configuration docs.

A repo with hand-written agents has no feature-log schemas or configuration reference to keep in
step, so these run only where `Kit.generated` says the kit is ours.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.checks.model import Finding, Severity
from scaffold.kit import ENV_LINE, FEATURES, SCHEMA_FOR

if TYPE_CHECKING:
    from scaffold.checks.files import Kit

ENV_ADDITIONS = ".env.example.additions"
CONFIG_DOC = "docs/context/devops/configuration.md"
CONFIG_NAME = re.compile(r"^(?:\|\s*|#{2,4}\s+)`([A-Za-z_][A-Za-z0-9_]*)`", re.M)


def check_json(kit: Kit) -> Iterator[Finding]:
    if not kit.generated:
        return
    features = kit.root / FEATURES
    if not features.is_dir():
        return
    import fastjsonschema  # only kits with feature logs pay for it

    validators: dict[Path, object] = {}
    for path in sorted(features.rglob("*.json")):
        if path.name not in SCHEMA_FOR or "schemas" in path.relative_to(features).parts:
            continue
        relative = kit.rel(path)
        try:
            document = json.loads(kit.read(path))
        except json.JSONDecodeError as error:
            yield Finding(relative, error.lineno, "json-schema", f"not valid JSON: {error.msg}", Severity.error)
            continue
        pointer = document.get("$schema") if isinstance(document, dict) else None
        schema_path = (path.parent / pointer) if isinstance(pointer, str) and not pointer.startswith("http") else features / "schemas" / SCHEMA_FOR[path.name]
        if not schema_path.is_file():
            yield Finding(relative, 1, "json-schema", f"its schema {kit.rel(schema_path) if schema_path.is_relative_to(kit.root) else schema_path} does not exist", Severity.error)
            continue
        if schema_path not in validators:
            try:
                validators[schema_path] = fastjsonschema.compile(json.loads(kit.read(schema_path)))
            except (ValueError, fastjsonschema.JsonSchemaDefinitionException) as error:
                shown = kit.rel(schema_path) if schema_path.is_relative_to(kit.root) else schema_path
                yield Finding(relative, 1, "json-schema", f"its schema {shown} is not a valid JSON Schema: {str(error).splitlines()[0]}", Severity.error)
                continue
        try:
            validators[schema_path](document)
        except fastjsonschema.JsonSchemaException as error:
            yield Finding(relative, 1, "json-schema", f"does not match {schema_path.name}: {error.message}", Severity.error)


def check_env(kit: Kit) -> Iterator[Finding]:
    if not kit.generated:
        return
    if ".env.example" in kit.team_owned:
        yield from check_env_additions(kit)
        return
    example, config = kit.root / ".env.example", kit.root / CONFIG_DOC
    if not example.is_file() and not config.is_file():
        return
    if not example.is_file():
        if CONFIG_NAME.search(kit.read(config)):  # variables documented, but nowhere to copy them from
            yield Finding(CONFIG_DOC, 1, "env-example", ".env.example is missing", Severity.warning)
        return
    if not config.is_file():
        yield Finding(".env.example", 1, "env-example", f"{CONFIG_DOC} is missing", Severity.warning)
        return
    in_example = {m.group(1): m for m in ENV_LINE.finditer(kit.read(example))}
    config_text = kit.read(config)
    documented = set(CONFIG_NAME.findall(config_text))
    for name, match in in_example.items():
        if name not in documented:
            line = kit.read(example)[: match.start()].count("\n") + 1
            yield Finding(".env.example", line, "env-example", f"{name} is not documented in {CONFIG_DOC}", Severity.warning)
    for name in sorted(documented - set(in_example)):
        line = config_text[: config_text.index(f"`{name}`")].count("\n") + 1
        yield Finding(CONFIG_DOC, line, "env-example", f"{name} is documented but missing from .env.example", Severity.warning)


def check_env_additions(kit: Kit) -> Iterator[Finding]:
    """With the team's own .env.example, every documented variable is there or in the kit's additions."""
    config = kit.root / CONFIG_DOC
    if not config.is_file():
        return
    listed: set[str] = set()
    for name in (".env.example", ENV_ADDITIONS):
        if (kit.root / name).is_file():
            listed |= set(ENV_LINE.findall(kit.read(kit.root / name)))
    config_text = kit.read(config)
    for name in sorted(set(CONFIG_NAME.findall(config_text)) - listed):
        line = config_text[: config_text.index(f"`{name}`")].count("\n") + 1
        yield Finding(CONFIG_DOC, line, "env-example", f"{name} is documented but neither .env.example nor {ENV_ADDITIONS} lists it", Severity.warning)


