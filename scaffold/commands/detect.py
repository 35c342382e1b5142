"""`agentscaffold detect`: print what a repo uses, with the file and line each fact was read from.

Reads the repo only: it runs none of its code, needs no network and writes nothing. The same facts
pre-select the answers of `agentscaffold new` and are recorded in the kit (the `repo` answer), which
`--format answer` prints as YAML for a plain `copier copy --data-file`.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
import yaml

from scaffold.adopt import repo_answer
from scaffold.detect import RepoFacts, detect
from scaffold.errors import UsageError


def run(dest: Path, output_format: str, stack: str | None, service: str | None) -> int:
    if not dest.is_dir():
        raise UsageError(f"DEST {dest} is not a folder" if dest.exists() else f"DEST {dest} does not exist")
    facts = detect(dest, stack, service)
    if (stack or service is not None) and not facts.stacks:
        what = " ".join(filter(None, [f"--stack {stack}" if stack else "", f"--service {service}" if service is not None else ""]))
        raise UsageError(f"{what}: no such service found in {dest}")
    if output_format == "json":
        typer.echo(json.dumps(facts.to_json(), indent=2))
    elif output_format == "answer":
        typer.echo(yaml.safe_dump({"repo": repo_answer(facts, dest)}, sort_keys=False, allow_unicode=True), nl=False)
    else:
        _print_human(facts)
    return 0


def _print_human(facts: RepoFacts) -> None:
    if not facts.stacks:
        typer.echo("No Django, FastAPI, Express or Go service found" + (" (the repo has code)" if facts.code_files else "") + ".")
        return
    if len(facts.stacks) > 1:
        found = ", ".join(f"{s.id} in {s.details.get('root') or '.'} ({s.evidence})" for s in facts.stacks)
        typer.echo(f"Found {len(facts.stacks)} services: {found}.")
        typer.echo("Pick one with --stack or --service FOLDER (the same for `agentscaffold new`, with --data stack=...).")
        return
    service = facts.stacks[0]
    typer.echo(f"Stack: {service.id} in {facts.root or '.'} ({service.evidence}, {service.confidence.value})")
    width = max((len(c) for c in facts.facts), default=0)
    for concern, fact in facts.facts.items():
        if concern == "stack":
            continue
        extras = "; ".join(f"{key}: {value}" for key, value in fact.details.items() if key != "root")
        typer.echo(f"  {concern:<{width}}  {fact.describe()}  [{fact.confidence.value}]" + (f"  {extras}" if extras else ""))
    if facts.env:
        typer.echo(f"Environment variables the code reads ({len(facts.env)}):")
        name_width = max(len(v.name) for v in facts.env)
        for var in facts.env:
            flags = " ".join(flag for flag, on in (("required", var.required), ("secret", var.secret)) if on)
            default = f"  default {var.default}" if var.default is not None and not var.secret else ""
            typer.echo(f"  {var.name:<{name_width}}  {var.evidence}  {flags}{default}".rstrip())
    if facts.exemplars:
        typer.echo("Files to model new work on:")
        for role, evidence in facts.exemplars.items():
            typer.echo(f"  {role}: {evidence}")
    for note in facts.notes:
        typer.echo(f"Note: {note}")
