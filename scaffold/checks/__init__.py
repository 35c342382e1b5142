"""The soundness rules of an agent kit, as findings with stable rule ids and severities.

Works on any kit, generated or hand-written, and agrees with the real clients about which files
they drop (errors), load with something ignored (warnings), or load fine (information at most).
Where things go:
- `model.py`: severities, findings, and `RULES` (the README's rule table);
- `reading.py`: how a client reads a frontmatter file (BOM, lenient fence, quote-and-retry);
- `dialects.py` and `vocabulary/`: each tool's agent format, and the names each client knows;
- `procedures.py`: skills and commands, per tool and folder;
- `files.py`: which files make up the kit; `agents.py`, `content.py`, `kitfiles.py`: the rules.
Nothing here imports Copier: drift, the one rule that renders the template, lives in
`scaffold.drift` and runs only when asked for.
"""

from __future__ import annotations

from pathlib import Path

from scaffold.checks.agents import check_agents
from scaffold.checks.content import check_encoding, check_jinja, check_references
from scaffold.checks.files import Kit
from scaffold.checks.kitfiles import check_env, check_json
from scaffold.checks.model import RULES, Finding, Severity
from scaffold.checks.procedures import check_procedures
from scaffold.checks.reading import SAFE_LOADER

__all__ = ["CHECKS", "RULES", "SAFE_LOADER", "Finding", "Kit", "Severity", "check_kit"]

# check_encoding last: it reports what the others read.
CHECKS = (check_agents, check_procedures, check_references, check_jinja, check_json, check_env, check_encoding)


def check_kit(kit: Kit | Path, ignore: frozenset[str] = frozenset()) -> list[Finding]:
    kit = kit if isinstance(kit, Kit) else Kit(kit)
    findings = [finding for check in CHECKS for finding in check(kit) if finding.rule not in ignore]
    return sorted(set(findings), key=lambda f: (f.path, f.line, f.rule, f.message))
