"""`agentscaffold check`: report what would make a kit fail silently.

Exit codes: 0 clean (information alone is clean), 1 findings, 2 usage error (and a folder
with no agent files and no kit, so running it in the wrong folder does not look like success).
Rules can be switched off with `--ignore RULE` or in `agentscaffold.yml`:

    check:
      ignore: [cited-path]
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
import yaml

from scaffold.checks import RULES, SAFE_LOADER, Finding, Kit, check_kit
from scaffold.errors import UsageError

STACK_FILE = "agentscaffold.yml"


def run(dest: Path, output_format: str, ignore: list[str], strict: bool, drift: bool) -> int:
    if not dest.is_dir():
        raise UsageError(f"DEST {dest} is not a folder" if dest.exists() else f"DEST {dest} does not exist")
    ignored = _ignored_rules(dest, ignore)
    kit = Kit(dest)
    if not kit.found:  # the wrong folder must not pass as a clean kit
        raise UsageError(f"no agent files or kit found in DEST {dest}; run check in the repo that holds the kit")
    findings = check_kit(kit, ignored)
    info: list[Finding] = []
    if (drift or strict) and "drift" not in ignored:
        from scaffold.drift import drift_findings

        (findings if strict else info).extend(drift_findings(dest))
    if output_format == "json":
        typer.echo(json.dumps(_as_json(findings, info), indent=2))
    else:
        _print_human(findings, info)
    return 1 if findings else 0


def _ignored_rules(dest: Path, ignore: list[str]) -> frozenset[str]:
    for rule in ignore:
        if rule not in RULES:
            raise UsageError(f"--ignore: unknown rule '{rule}'; valid rules: {', '.join(RULES)}")
    configured = []
    stack_file = dest / STACK_FILE
    if stack_file.is_file():
        try:
            config = yaml.load(stack_file.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
        except UnicodeDecodeError as error:
            raise UsageError(f"{STACK_FILE} is not UTF-8 text (byte {error.start})") from None
        except yaml.YAMLError as error:
            raise UsageError(f"{STACK_FILE} is not valid YAML: {str(error).splitlines()[0]}") from None
        section = config.get("check") or {} if isinstance(config, dict) else {}
        configured = section.get("ignore") or [] if isinstance(section, dict) else []
        for rule in configured:
            if rule not in RULES:
                raise UsageError(f"{STACK_FILE}: check.ignore has unknown rule '{rule}'; valid rules: {', '.join(RULES)}")
    return frozenset([*ignore, *configured])


def _as_json(findings: list[Finding], info: list[Finding]) -> dict:
    return {
        "findings": [f.as_dict() for f in findings],
        "information": [f.as_dict() for f in info],
        "summary": {"findings": len(findings), "information": len(info), "files": len({f.path for f in findings})},
    }


def _print_human(findings: list[Finding], info: list[Finding]) -> None:
    for finding in findings:
        typer.echo(f"{finding.path}:{finding.line}: {finding.rule}: {finding.message}")
    for finding in info:
        typer.echo(f"{finding.path}:{finding.line}: {finding.rule} (info): {finding.message}")
    if findings:
        typer.echo(f"{len(findings)} findings in {len({f.path for f in findings})} files")
    else:
        typer.echo("No findings" + (f" ({len(info)} informational)" if info else ""))
