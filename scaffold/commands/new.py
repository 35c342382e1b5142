"""`agentscaffold new`: read the repo, ask, render with Copier, place the kit without clobbering.

The pipeline, each step a plain function: detect what the repo already uses; interview (detected
values pre-selected, `--data` above both); render into a staging folder; record the files the team
already owns and render again without them; install all or nothing; add the consented link blocks.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import typer

from scaffold import adopt
from scaffold.detect import RepoFacts, detect
from scaffold.errors import UsageError
from scaffold.kit import ANSWERS_FILE
from scaffold.questions import Interview, cast_bool
from scaffold.render import InstallReport, check_destination, install, render_into
from scaffold.template import TemplateSource

STACK_QUESTION = "stack"


def parse_data(pairs: list[str]) -> dict[str, str]:
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--data expects KEY=VALUE, got {pair!r}")
        if key.strip() in data:  # two answers to one question: which one was meant is not ours to guess
            raise UsageError(f"--data {key.strip()} is given twice; give each key once")
        data[key.strip()] = value
    return data


def run(
    dest: Path, data: list[str], defaults: bool, template: str | None, vcs_ref: str | None, force: bool,
    service: str | None = None,
) -> None:
    given = parse_data(data)
    check_destination(dest)
    refuse_existing_kit(dest)
    interactive = not defaults and sys.stdin is not None and sys.stdin.isatty()
    facts = detect(dest, given.get(STACK_QUESTION), service) if dest.is_dir() else RepoFacts()
    if service is not None and not facts.stacks:
        raise UsageError(f"--service {service}: no Django, FastAPI, Express or Go service found there")
    if problem := stack_problem(facts, given):
        if not interactive or len(facts.stacks) > 1 and STACK_QUESTION in given:
            raise UsageError(problem)
        typer.echo(problem, err=True)

    source = TemplateSource(template, vcs_ref) if template else TemplateSource.bundled(vcs_ref)
    interview = Interview(source.root, given, source.strict_undefined, context={"_folder_name": dest.resolve().name})
    learn_from(interview, facts, dest)
    interview.refine = lambda name, value: _redetect(interview, dest, name, value, facts, service)
    if not defaults and not interactive and _unanswered(source, given):
        raise UsageError("stdin is not a terminal; pass --defaults (and --data KEY=VALUE for your choices)")
    if interactive:
        from scaffold.prompts import ask
    answers = interview.run(source.questions, ask if interactive else None)
    for notice in interview.notices:
        typer.echo(f"Note: {notice}")

    with tempfile.TemporaryDirectory(prefix="agentscaffold-") as tmp:
        staging = render_into(source, answers, Path(tmp) / "kit")
        owned = [] if force else adopt.preexisting(staging, dest)
        blocks: list[adopt.LinkBlock] = []
        if owned:
            answers["team_owned"] = owned
            blocks = adopt.link_blocks(owned, answers.get("targets", []))
            if blocks:
                answers["link_guidance"] = _consent(blocks, given, interactive)
            staging = render_into(source, answers, Path(tmp) / "kit-without-team-files")
        report = install(staging, dest, force)
    linked = [block.path for block in blocks if answers.get("link_guidance") and block.apply(dest)]
    _print_report(dest, report, owned, blocks, linked, answers)
    if template and (warning := local_source_warning(template)):
        typer.echo(warning, err=True)


def local_source_warning(template: str) -> str | None:
    """A kit records its template source for every later update; a local path only works on this machine.

    Renovate's copier manager needs a git URL in `_src_path` to watch for new tags, and CI cannot
    install agentscaffold from a path, so the user hears it now rather than from a silent bot.
    """
    from scaffold.template import is_local_source

    if not is_local_source(template):
        return None
    return (
        f"Warning: the template is a local path ({template}), which is recorded in {ANSWERS_FILE}: Renovate cannot "
        "track this kit, and CI cannot install agentscaffold from it (a generated workflow stops until you pin a "
        "version). Pass the template's git URL to --template to record a source others can reach."
    )


def refuse_existing_kit(dest: Path) -> None:
    """A second `new` would mix two kits; changing answers is what `update --data` is for."""
    answers = dest / ANSWERS_FILE
    if not answers.is_file():
        return
    text = answers.read_text(encoding="utf-8", errors="replace")
    if "agentscaffold" in text or ("\nstack:" in text and "\ntargets:" in text):
        raise UsageError(
            f"{dest} already holds an agent kit ({ANSWERS_FILE}); change its answers with "
            "`agentscaffold update --data KEY=VALUE`, or refresh the repo facts with `agentscaffold update --redetect`"
        )
    raise UsageError(
        f"{dest / ANSWERS_FILE} belongs to another Copier template; the kit would need that file for its updates"
    )


def stack_problem(facts: RepoFacts, given: dict[str, str]) -> str | None:
    """One line when the repo does not tell which service the kit is for, or None."""
    if len(facts.stacks) > 1:
        found = ", ".join(f"{s.id} in {s.details.get('root') or '.'} ({s.evidence})" for s in facts.stacks)
        how = "pass --service FOLDER" if STACK_QUESTION in given else "pass --data stack=django|fastapi|express|go (and --service FOLDER)"
        return f"found {len(facts.stacks)} services in this repo: {found}; {how}"
    if STACK_QUESTION in given or not facts.code_files or facts.stacks:
        return None
    return (
        f"this repo has code ({facts.code_files} source files) but no Django, FastAPI, Express or Go service "
        "was recognised; pass --data stack=django|fastapi|express|go"
    )


def learn_from(interview: Interview, facts: RepoFacts, dest: Path) -> None:
    """Pre-select what the repo shows: its stack, database, cache, queue, and the recorded facts."""
    interview.detected = {}
    interview.evidence = {}
    if len(facts.stacks) != 1:
        return
    choices = {"database": _choices(interview, facts.stacks[0].id, "databases"),
               "task_queue": _choices(interview, facts.stacks[0].id, "task_queues") + ["none"],
               "cache": ["redis", "none"]}
    interview.detected = adopt.detected_defaults(facts, choices) | {"repo": adopt.repo_answer(facts, dest)}
    for name, value in interview.detected.items():
        if note := adopt.evidence_label(facts, name, value):
            interview.evidence[name] = note


def _redetect(interview: Interview, dest: Path, name: str, value: Any, facts: RepoFacts, service: str | None) -> None:
    """Once the stack is chosen, read that service's facts (the first reading may hold several)."""
    if name != STACK_QUESTION or facts.stack == value or not dest.is_dir():
        return
    chosen = detect(dest, value, service)
    learn_from(interview, chosen if chosen.stacks else RepoFacts(), dest)


def _choices(interview: Interview, stack: str, key: str) -> list[str]:
    import yaml

    profile = yaml.safe_load((interview.template_root / "templates" / "_stacks" / stack / "stack.yml").read_text(encoding="utf-8"))
    return list(profile.get(key, {}).get("choices", []))


def _consent(blocks: list[adopt.LinkBlock], given: dict[str, str], interactive: bool) -> bool:
    if "link_guidance" in given:
        return cast_bool(given["link_guidance"], "link_guidance")
    if not interactive:
        return False
    import questionary

    names = ", ".join(block.path for block in blocks)
    return bool(
        questionary.confirm(
            f"{names} already exist{'s' if len(blocks) == 1 else ''} and stay(s) yours. Add one marked, removable "
            "block that points the tool at the kit's guidance? The rest of the file is not touched.",
            default=True,
        ).unsafe_ask()
    )


def _unanswered(source: TemplateSource, given: dict[str, str]) -> bool:
    """Would a question need a prompt? Not one that is never asked, nor one asked only in a case
    decided after the interview (`link_guidance`, when the team owns an entry file)."""
    return any(
        not q.is_computed and q.ask is not False and q.when is True and q.name not in given for q in source.questions
    )


def _print_report(
    dest: Path, report: InstallReport, owned: list[str], blocks: list[adopt.LinkBlock], linked: list[str], answers: dict
) -> None:
    written = len(report.created) + len(report.overwritten)
    typer.echo(f"Wrote {written} files to {dest}" + (f" ({len(report.overwritten)} overwritten)" if report.overwritten else ""))
    if report.unchanged:
        typer.echo(f"{len(report.unchanged)} files were already up to date")
    if owned:
        typer.echo("Left alone, and recorded as the team's (no update will write or merge into them; --force overwrites):")
        for path in owned:
            typer.echo(f"  {path}")
    for path in linked:
        typer.echo(f"Added a marked block to {path} that points it at the kit's guidance; delete the block to unlink it.")
    for block in blocks:
        if block.path not in linked and not block.present(dest):
            how = "" if answers.get("link_guidance") else " (or rerun with --data link_guidance=true)"
            typer.echo(f"To let {block.path} reach the kit's guidance, add this block{how}:")
            for line in block.text.splitlines():
                typer.echo(f"    {line}")
    for folder in ignored_kit_folders(dest, report.created + report.overwritten):
        typer.echo(f"Warning: .gitignore hides {folder}; git will not see the kit files there. Un-ignore it before you commit.")
    for line in next_steps(dest, answers):
        typer.echo(line)


# How a user reaches the kit's agents in each target's tool, in one line (see the README's table).
HOW_TO_OPEN = {
    "claude": "Claude Code: run `claude`; ask for an agent by name (\"use the backend-developer agent to ...\"); `/agents` lists them",
    "agents_md": "Codex and other AGENTS.md readers: run `codex`; AGENTS.md is read at start",
    "copilot": "GitHub Copilot: pick an agent in Chat's agent list, or run `copilot --agent backend-developer`",
    "cursor": "Cursor: rules in .cursor/rules/ attach by description; @-mention one to attach it",
    "opencode": "OpenCode: run `opencode`; @-mention a subagent (@backend-developer)",
    "gemini": "Gemini CLI: run `gemini`; ask for an agent by name",
}


def next_steps(dest: Path, answers: dict) -> list[str]:
    """What was chosen, and the four steps from a fresh kit to a first feature."""
    services = [f"cache {answers['cache']}" if answers.get("cache", "none") != "none" else "",
                f"task queue {answers['task_queue']}" if answers.get("task_queue", "none") != "none" else ""]
    origin = "adopted: tailored to the tools read from this repo" if answers.get("repo") else "a new repo: the stack's recommended tools"
    targets = answers.get("targets") or []
    in_dest = "" if dest.resolve() == Path.cwd().resolve() else f" (cd {dest} first)"
    return [
        f"Kit: {answers.get('stack')} with {', '.join(filter(None, [answers.get('database'), *services]))}; {origin}",
        f"Tools: {', '.join(targets)}; agents: {', '.join(answers.get('agents') or [])}",
        f"Next steps{in_dest}:",
        "  1. Review the kit (`git status`) and commit it.",
        "  2. Open your tool:",
        *(f"       {HOW_TO_OPEN[target]}" for target in targets if target in HOW_TO_OPEN),
        f"  3. Start a first feature: {start_feature(targets)}",
        "  4. Keep the kit healthy: agentscaffold check",
        "The team, its skills and the workflow, for people: docs/agent-kit/README.md",
    ]


def start_feature(targets: list[str]) -> str:
    """The feature-start skill where the tool has a slash for it, and the CLI that works anywhere."""
    cli = 'agentscaffold feature new "Your first feature"'
    if "claude" in targets or "gemini" in targets:
        return f"/feature-start Your first feature (the skill), or {cli}"
    return cli


def ignored_kit_folders(dest: Path, written: list[str]) -> list[str]:
    """Top-level folders the kit wrote into that the repo's .gitignore hides."""
    probes = {path.split("/", 1)[0]: path for path in sorted(written, reverse=True) if "/" in path}
    if not probes or not (dest / ".git").exists():
        return []
    try:
        result = subprocess.run(
            ["git", "check-ignore", "--no-index", "--", *probes.values()], cwd=dest, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return []
    hidden = {line.strip() for line in result.stdout.splitlines()}
    return sorted(f"{top}/" for top, probe in probes.items() if probe in hidden)
