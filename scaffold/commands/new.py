"""`agentscaffold new`: ask, render with Copier, place the kit without clobbering."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from scaffold.errors import UsageError
from scaffold.questions import Interview
from scaffold.render import InstallReport, check_destination, install, rendered_kit
from scaffold.template import TemplateSource


def parse_data(pairs: list[str]) -> dict[str, str]:
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--data expects KEY=VALUE, got {pair!r}")
        data[key.strip()] = value
    return data


def run(dest: Path, data: list[str], defaults: bool, template: str | None, vcs_ref: str | None, force: bool) -> None:
    given = parse_data(data)
    check_destination(dest)
    source = TemplateSource(template, vcs_ref) if template else TemplateSource.bundled(vcs_ref)
    interview = Interview(source.root, given, source.strict_undefined, context={"_folder_name": dest.resolve().name})
    interactive = not defaults and sys.stdin.isatty()
    if not defaults and not interactive and _unanswered(source, given):
        raise UsageError("stdin is not a terminal; pass --defaults (and --data KEY=VALUE for your choices)")
    if interactive:
        from scaffold.prompts import ask
    answers = interview.run(source.questions, ask if interactive else None)

    with rendered_kit(source, answers) as staging:
        report = install(staging, dest, force)
    _print_report(dest, report)


def _unanswered(source: TemplateSource, given: dict[str, str]) -> bool:
    return any(not q.is_computed and q.name not in given for q in source.questions)


def _print_report(dest: Path, report: InstallReport) -> None:
    written = len(report.created) + len(report.overwritten)
    typer.echo(f"Wrote {written} files to {dest}" + (f" ({len(report.overwritten)} overwritten)" if report.overwritten else ""))
    if report.unchanged:
        typer.echo(f"{len(report.unchanged)} files were already up to date")
    if report.kept:
        typer.echo("Left alone (they already exist; pass --force to overwrite):")
        for path in report.kept:
            typer.echo(f"  {path}")
