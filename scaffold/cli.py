"""The `agentscaffold` command line.

Only Typer is imported at start-up; each command imports its own module (and
Copier, where it needs it) when it runs, so `--help` stays fast.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError  # Typer vendors Click; pinned below 0.29

from scaffold import __version__
from scaffold.errors import UsageError

app = typer.Typer(
    # --install-completion / --show-completion for bash, zsh, fish and PowerShell; Typer resolves
    # the shell only when one of them is given, so --help does not pay for it.
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Render a stack-tailored team of AI coding agents, and the docs they rely on, into a repo.",
)


DEBUG_VARIABLE = "AGENTSCAFFOLD_DEBUG"
INTERRUPTED = 130
INTERNAL_ERROR = 3


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"agentscaffold {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help=f"Show the traceback of an internal error (or set {DEBUG_VARIABLE}=1).")
    ] = False,
) -> None:
    """agentscaffold: agent kits for Django, FastAPI, Express and Go backends."""
    if debug:
        os.environ[DEBUG_VARIABLE] = "1"


@app.command()
def new(
    dest: Annotated[Path, typer.Argument(help="Folder to write the kit into.")] = Path("."),
    data: Annotated[
        Optional[list[str]],
        typer.Option("--data", "-d", metavar="KEY=VALUE", help="Answer a question (repeatable)."),
    ] = None,
    defaults: Annotated[bool, typer.Option("--defaults", help="Take the default for every question not given.")] = False,
    template: Annotated[
        Optional[str], typer.Option("--template", metavar="SRC", help="Copier template: a path or git URL.")
    ] = None,
    vcs_ref: Annotated[Optional[str], typer.Option("--vcs-ref", help="Template git ref to use.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that already exist.")] = False,
    service: Annotated[
        Optional[str], typer.Option("--service", metavar="FOLDER", help="The service's folder, when the repo holds several.")
    ] = None,
) -> None:
    """Read DEST's code, ask about the backend stack, and write the agent kit into DEST."""
    from scaffold.commands import new as command

    command.run(dest, data or [], defaults, template, vcs_ref, force, service)


class DetectFormat(str, Enum):
    human = "human"
    json = "json"
    answer = "answer"


@app.command()
def detect(
    dest: Annotated[Path, typer.Argument(help="The repo to read.")] = Path("."),
    output_format: Annotated[
        DetectFormat, typer.Option("--format", help="Output: facts with evidence, JSON, or the `repo` Copier answer as YAML.")
    ] = DetectFormat.human,
    stack: Annotated[Optional[str], typer.Option("--stack", help="Read this stack's service when the repo holds several.")] = None,
    service: Annotated[
        Optional[str], typer.Option("--service", metavar="FOLDER", help="Read the service in this folder.")
    ] = None,
) -> None:
    """Print the stack, tools, commands and environment variables DEST uses, with evidence."""
    from scaffold.commands import detect as command

    raise typer.Exit(command.run(dest, output_format.value, stack, service))


class Conflict(str, Enum):
    inline = "inline"
    rej = "rej"


@app.command()
def update(
    dest: Annotated[Path, typer.Argument(help="The repo to update.")] = Path("."),
    vcs_ref: Annotated[Optional[str], typer.Option("--vcs-ref", help="Template version to update to (default: newest).")] = None,
    conflict: Annotated[Conflict, typer.Option("--conflict", help="How to leave conflicts: inline markers or .rej files.")] = Conflict.inline,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Reuse the recorded answers; take defaults for new questions.")
    ] = False,
    data: Annotated[
        Optional[list[str]],
        typer.Option("--data", "-d", metavar="KEY=VALUE", help="Change an answer (repeatable): a target, an agent, the database."),
    ] = None,
    redetect: Annotated[
        bool, typer.Option("--redetect", help="Read the repo's facts again and show what changed.")
    ] = False,
) -> None:
    """Merge template improvements into DEST, keeping the team's edits."""
    from scaffold.commands import update as command

    raise typer.Exit(command.run(dest, vcs_ref, conflict.value, defaults, data or [], redetect))


class OutputFormat(str, Enum):
    human = "human"
    json = "json"
    sarif = "sarif"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


@app.command()
def check(
    dest: Annotated[Path, typer.Argument(help="The repo to check.")] = Path("."),
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="Output: one line per finding, JSON, or SARIF for code-scanning annotations.")
    ] = OutputFormat.human,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 when a finding of this severity or higher is found.")
    ] = FailOn.error,
    ignore: Annotated[
        Optional[list[str]], typer.Option("--ignore", metavar="RULE", help="Switch a rule off (repeatable).")
    ] = None,
    drift: Annotated[bool, typer.Option("--drift", help="Compare with the template's render for the recorded answers.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Compare with the template too, and count drift as errors.")] = False,
) -> None:
    """Check DEST's agents, skills, commands and kit docs the way the AI clients read them."""
    from scaffold.commands import check as command

    raise typer.Exit(command.run(dest, output_format.value, ignore or [], strict, drift, fail_on.value))


feature_app = typer.Typer(
    no_args_is_help=True,
    help="Start a feature, move it through its statuses, log its work and summarize the logs (offline; never Copier).",
)
app.add_typer(feature_app, name="feature")
KitDest = Annotated[Path, typer.Option("--dest", help="The repo that holds the kit.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


@feature_app.command("new")
def feature_new(
    title: Annotated[str, typer.Argument(help="The feature's title, e.g. \"Order checkout\".")],
    feature_id: Annotated[
        Optional[str], typer.Option("--id", metavar="ID", help="Use this id instead of the next NNN-slug.")
    ] = None,
    as_json: AsJson = False,
    dest: KitDest = Path("."),
) -> None:
    """Create docs/features/<NNN-slug>/ (contract, implementation log) and list the feature as planned."""
    from scaffold.commands import feature as command

    command.run_new(dest, title, feature_id, as_json)


@feature_app.command("status")
def feature_status(
    feature_id: Annotated[str, typer.Argument(metavar="ID", help="The feature's id.")],
    status: Annotated[str, typer.Argument(metavar="STATUS", help="A status from feature-log.schema.json.")],
    dest: KitDest = Path("."),
) -> None:
    """Move a feature to STATUS (planned, in_progress, blocked, done in the shipped schema)."""
    from scaffold.commands import feature as command

    command.run_status(dest, feature_id, status)


@feature_app.command("log")
def feature_log(
    feature_id: Annotated[str, typer.Argument(metavar="ID", help="The feature's id.")],
    kind: Annotated[str, typer.Option("--kind", metavar="change|discover|routine", help="What happened; routine work is skipped.")],
    summary: Annotated[str, typer.Option("--summary", metavar="TEXT", help="The outcome: what exists now, where, and why.")],
    files: Annotated[
        Optional[list[str]], typer.Option("--files", metavar="PATH", help="Files it concerns, from the repo root (repeatable or comma-separated).")
    ] = None,
    follow_ups: Annotated[Optional[list[str]], typer.Option("--follow-up", metavar="TEXT", help="Work left for later (repeatable).")] = None,
    agent: Annotated[Optional[str], typer.Option("--agent", metavar="NAME", help="Who did it (default: your login name).")] = None,
    level: Annotated[
        Optional[str], typer.Option("--level", help="Override the guidelines' level: essential, contextual or optional.")
    ] = None,
    dest: KitDest = Path("."),
) -> None:
    """Append a CHANGE or DISCOVER entry to the feature's implementation log and refresh the summary."""
    from scaffold.commands import feature as command

    raise typer.Exit(command.run_log(dest, feature_id, kind, summary, files or [], agent, level, follow_ups or []))


@feature_app.command("summarize")
def feature_summarize(dest: KitDest = Path(".")) -> None:
    """Rebuild docs/features/implementation-log-summary.json from every implementation log, within its budget."""
    from scaffold.commands import feature as command

    command.run_summarize(dest)


@feature_app.command("list")
def feature_list(as_json: AsJson = False, dest: KitDest = Path(".")) -> None:
    """List the features with their status, last update and number of log entries."""
    from scaffold.commands import feature as command

    command.run_list(dest, as_json)


@app.command()
def status(
    dest: Annotated[Path, typer.Argument(help="The repo that holds the kit.")] = Path("."),
    as_json: AsJson = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when kit files are missing or the kit is behind the installed template.")
    ] = False,
) -> None:
    """Show the kit's template version, the kit files the team changed or removed, and the features in flight."""
    from scaffold.commands import status as command

    raise typer.Exit(command.run(dest, as_json, strict))


def main() -> None:
    """Run the CLI with the exit codes the README documents: 0, 1, 2, 3 and 130, never a traceback.

    Click's standalone mode would print "Aborted!" with exit 1 for end of input, and turn Ctrl-C
    into a silent exit 130, so the app runs without it and every ending is decided here.
    """
    try:
        code = app(standalone_mode=False)
    except UsageError as error:
        _fail(f"error: {error}", error.exit_code)
    except NoArgsIsHelpError as error:  # no command at all: the help is the answer
        error.show()
        sys.exit(error.exit_code)
    except ClickException as error:  # a bad option or argument: click's message, on one line
        _fail(f"error: {UsageError(error.format_message())} (see --help)", error.exit_code)
    except (typer.Abort, EOFError):  # end of input inside a prompt (Ctrl-D, a closed stdin)
        _fail("error: input ended before every question was answered; nothing was written", UsageError.exit_code)
    except KeyboardInterrupt:
        _fail("aborted; nothing was written", INTERRUPTED)
    except OSError as error:  # permissions, a file where a folder is needed, a name too long: the user's to fix
        where = f"{error.filename}: " if error.filename else ""
        _fail(f"error: {UsageError(f'{where}{error.strerror or error}')}", UsageError.exit_code)
    except Exception as error:
        if os.environ.get(DEBUG_VARIABLE) == "1":
            raise
        message = " ".join(f"{type(error).__name__}: {error}".split())
        _fail(f"internal error: {message} (rerun with {DEBUG_VARIABLE}=1 for the traceback)", INTERNAL_ERROR)
    # Click turns Ctrl-C into Exit(130) before it reaches us; no command of ours exits 130 itself.
    if code == INTERRUPTED:
        _fail("aborted; nothing was written", INTERRUPTED)
    sys.exit(code or 0)


def _fail(message: str, code: int) -> None:
    typer.echo(f"agentscaffold: {message}", err=True)
    sys.exit(code)
