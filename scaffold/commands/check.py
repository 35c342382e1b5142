"""`agentscaffold check`: report what would make a kit fail silently, as the clients would.

Exit codes: 0 when no finding reaches `--fail-on` (errors by default), 1 when one does, 2 for a
usage error (and a folder with no agent files and no kit, so running it in the wrong folder does
not look like success). Rules can be switched off with `--ignore RULE` or in `agentscaffold.yml`:

    check:
      ignore: [cited-path]
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import typer
import yaml

from scaffold import __version__
from scaffold.checks import RULES, SAFE_LOADER, Finding, Kit, Severity, check_kit
from scaffold.errors import UsageError

STACK_FILE = "agentscaffold.yml"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.info: "note"}


def run(dest: Path, output_format: str, ignore: list[str], strict: bool, drift: bool, fail_on: str = "error") -> int:
    if not dest.is_dir():
        raise UsageError(f"DEST {dest} is not a folder" if dest.exists() else f"DEST {dest} does not exist")
    ignored = _ignored_rules(dest, ignore)
    kit = Kit(dest)
    if not kit.found:  # the wrong folder must not pass as a clean kit
        raise UsageError(f"no agent files or kit found in DEST {dest}; run check in the repo that holds the kit")
    findings = check_kit(kit, ignored)
    if (drift or strict) and "drift" not in ignored:
        from scaffold.drift import drift_findings

        severity = Severity.error if strict else Severity.info
        findings += [dataclasses.replace(f, severity=severity) for f in drift_findings(dest)]
    findings.sort(key=lambda f: (-f.severity, f.path, f.line, f.rule, f.message))
    threshold = Severity[fail_on]
    if output_format == "json":
        typer.echo(json.dumps(_as_json(findings), indent=2))
    elif output_format == "sarif":
        typer.echo(json.dumps(_as_sarif(findings), indent=2))
    else:
        _print_human(findings, threshold)
    return 1 if any(f.severity >= threshold for f in findings) else 0


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


def _counts(findings: list[Finding]) -> dict[str, int]:
    return {str(severity): sum(f.severity is severity for f in findings) for severity in sorted(Severity, reverse=True)}


def _as_json(findings: list[Finding]) -> dict:
    return {
        "findings": [f.as_dict() for f in findings],
        "summary": {**_counts(findings), "files": len({f.path for f in findings})},
    }


def _as_sarif(findings: list[Finding]) -> dict:
    """SARIF 2.1.0, the format code-scanning services annotate pull requests from."""
    rules = sorted({f.rule for f in findings})
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "agentscaffold",
                "version": __version__,
                "informationUri": "https://github.com/agentscaffold-kit/agentscaffold#checking-a-kit",
                "rules": [{"id": rule, "shortDescription": {"text": RULES[rule].summary}} for rule in rules],
            }},
            "results": [
                {
                    "ruleId": f.rule,
                    "ruleIndex": rules.index(f.rule),
                    "level": SARIF_LEVEL[f.severity],
                    "message": {"text": f.message},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": max(f.line, 1)},
                    }}],
                }
                for f in findings
            ],
        }],
    }


def _print_human(findings: list[Finding], threshold: Severity) -> None:
    for finding in findings:
        typer.echo(f"{finding.path}:{finding.line}: {finding.severity}: {finding.rule}: {finding.message}")
    if not findings:
        typer.echo("No findings")
        return
    counts = ", ".join(f"{n} {severity}{'s' if n != 1 and severity != 'info' else ''}" for severity, n in _counts(findings).items() if n)
    failing = sum(f.severity >= threshold for f in findings)
    verdict = f"; {failing} at or above {threshold}" if failing else f"; none at or above {threshold}"
    typer.echo(f"{counts} in {len({f.path for f in findings})} files{verdict}")
