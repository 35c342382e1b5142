"""`agentscaffold status`: where a kit stands, for a new teammate and for CI.

It shows the kit's template version against the installed one, the kit files the team changed
or removed, the files the team owns, and the features not yet done. Telling a team edit from
template text needs the template's text for the recorded answers, so `status` renders the
recorded version (the render `check --drift` and `copier update` diff against) and imports
Copier; it costs about what `new` costs. Recorded hashes would be cheaper, but kits made by
plain Copier or by an older version have none. `check` stays fast and Copier-free; `status` is
asked for.

Exit codes: 0; with `--strict`, 1 when kit files are missing, the kit is older than the installed
template, or the kit could not be compared or its feature log read (CI should not pass what it
could not see); 2 when DEST holds no kit.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import typer

from scaffold.errors import UsageError
from scaffold.kit import ANSWERS_FILE, load_answers

DONE = "done"
UP_TO_DATE, BEHIND, AHEAD, OTHER_SOURCE, UNKNOWN = "current", "behind", "ahead", "other-source", "unknown"
POSITION_TEXT = {
    UP_TO_DATE: "up to date",
    BEHIND: "older than the installed template; run `agentscaffold update --defaults`",
    AHEAD: "newer than the installed agentscaffold; upgrade it (`pip install -U agentscaffold-kit`)",
    OTHER_SOURCE: "from another template source; compare with that source's tags",
    UNKNOWN: "not a release tag; versions not compared",
}


@dataclass
class KitStatus:
    template_version: str | None
    template_source: str | None
    installed_version: str
    position: str
    changed: list[dict] = field(default_factory=list)  # {"path", "line"}: the first line that differs
    missing: list[str] = field(default_factory=list)
    team_owned: list[str] = field(default_factory=list)
    compare_error: str | None = None
    features_in_flight: list[dict] = field(default_factory=list)
    features_done: int = 0
    features_error: str | None = None

    def problems(self) -> bool:
        """What `--strict` fails on; team edits are the team's right and never fail it."""
        return bool(self.missing or self.position == BEHIND or self.compare_error or self.features_error)


def run(dest: Path, as_json: bool, strict: bool) -> int:
    if not dest.is_dir():
        raise UsageError(f"DEST {dest} is not a folder" if dest.exists() else f"DEST {dest} does not exist")
    answers_path = dest / ANSWERS_FILE
    if not answers_path.is_file():
        raise UsageError(f"no agent kit in {dest} ({ANSWERS_FILE} is missing); create one with `agentscaffold new`")
    status = kit_status(dest, load_answers(answers_path))
    if as_json:
        typer.echo(json.dumps(asdict(status), indent=2, ensure_ascii=False))
    else:
        print_status(status)
    return 1 if strict and status.problems() else 0


def kit_status(dest: Path, answers: dict) -> KitStatus:
    from scaffold.bundle import CANONICAL_URL, bundle_ref

    recorded = str(answers["_commit"]) if answers.get("_commit") else None
    source = answers.get("_src_path")
    installed = bundle_ref()  # what `new` renders now: a release tag, or a development build's ref
    status = KitStatus(
        template_version=recorded,
        template_source=source,
        installed_version=installed,
        position=compare_versions(recorded, installed) if source == CANONICAL_URL else OTHER_SOURCE,
        team_owned=list(answers.get("team_owned") or []),
    )
    compare_with_template(dest, answers, status)
    read_features(dest, status)
    return status


DEV_BUILD = re.compile(r"-dev-g[0-9a-f]+$")


def compare_versions(recorded: str | None, installed: str) -> str:
    from packaging.version import InvalidVersion, Version

    if recorded == installed:  # the same release, or the same development build
        return UP_TO_DATE
    try:  # a development build (`v0.1.0-dev-gabc123`) compares as the release it builds on
        kit, ours = Version(DEV_BUILD.sub("", recorded or "")), Version(DEV_BUILD.sub("", installed))
    except InvalidVersion:  # a commit id or `v1.0.0-3-gabc1234`: not a release to compare
        return UNKNOWN
    return UP_TO_DATE if kit == ours else BEHIND if kit < ours else AHEAD


def compare_with_template(dest: Path, answers: dict, status: KitStatus) -> None:
    if not answers.get("_src_path"):
        status.compare_error = f"{ANSWERS_FILE} records no template source (_src_path)"
        return
    from scaffold.drift import template_differences

    try:
        differences = template_differences(dest, answers)
    except UsageError as error:  # an unreachable fork, a tag the template lacks: the rest still helps
        status.compare_error = str(error)
        return
    status.missing = [d.path for d in differences if d.line is None]
    status.changed = [{"path": d.path, "line": d.line} for d in differences if d.line is not None]


def read_features(dest: Path, status: KitStatus) -> None:
    from scaffold.features.store import FEATURE_LOG, FeatureStore

    try:
        feature_log = FeatureStore.open(dest).load(FEATURE_LOG)
    except UsageError as error:
        status.features_error = str(error)
        return
    for record in feature_log["features"]:
        if record["status"] == DONE:
            status.features_done += 1
        else:
            status.features_in_flight.append(record)


def print_status(status: KitStatus) -> None:
    version = status.template_version or "no recorded version"
    typer.echo(f"Kit template: {version} (installed: {status.installed_version}): {POSITION_TEXT[status.position]}")
    if status.position == OTHER_SOURCE:
        typer.echo(f"  source: {status.template_source}")
    if status.compare_error:
        typer.echo(f"Could not compare the kit with its template: {status.compare_error}")
    elif not status.changed and not status.missing:
        typer.echo("Every kit file is as the template wrote it.")
    _print_list("Changed by the team (first differing line)", [f"{c['path']}:{c['line']}" for c in status.changed])
    _print_list("Missing (the template renders them)", status.missing)
    _print_list("The team's own (never written by the kit)", status.team_owned)
    if status.features_error:
        typer.echo(f"Features: {status.features_error}")
        return
    from scaffold.commands.feature import feature_lines

    in_flight = feature_lines(status.features_in_flight)
    _print_list("Features in flight", in_flight)
    typer.echo(f"{status.features_done} feature{'s' if status.features_done != 1 else ''} done" + ("" if in_flight else ", none in flight"))


def _print_list(title: str, lines: list[str]) -> None:
    if not lines:
        return
    typer.echo(f"{title} ({len(lines)}):")
    for line in lines:
        typer.echo(f"  {line}")
