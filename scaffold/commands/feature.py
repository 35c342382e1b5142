"""`agentscaffold feature`: start a feature, move it, log its work, summarize the logs, list them.

The agents are told to work from these files; this command keeps them valid so an agent never
hand-edits JSON that a schema guards. Everything a command writes is checked against the kit's
schemas first, and nothing is written when any check fails. Statuses, kinds and levels come from
the kit's schemas, so a team that extends its schema extends the command.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
from pathlib import Path

import typer

from scaffold.errors import UsageError
from scaffold.features.ids import check_id, is_feature_id, next_id
from scaffold.features.store import (
    CONTRACT,
    FEATURE_LOG,
    FEATURES,
    IMPLEMENTATION_LOG,
    SUMMARY,
    TEMPLATE,
    FeatureStore,
    feature_folder,
    implementation_log,
    utc_now,
)
from scaffold.features.summary import Limits, build_summary, render
from scaffold.safety import CONTROL_CHARACTERS

FEATURE_LOG_SCHEMA = "feature-log.schema.json"
LOG_SCHEMA = "implementation-log.schema.json"
SUMMARY_SCHEMA = "implementation-log-summary.schema.json"
FEATURE_FIELDS = ("properties", "features", "items", "properties")
ENTRY_FIELDS = ("properties", "entries", "items", "properties")
TITLE_LIMIT = 100  # one line in every listing, like project_name
INITIAL_STATUS = "planned"
DONE = "done"
ROUTINE = "ROUTINE"
# The logging guidelines' checklist (docs/guides/logging-guidelines.md): a CHANGE is always
# `essential`, a DISCOVER `contextual`, and ROUTINE work is usually skipped, so it is never logged here.
LEVEL_FOR_KIND = {"CHANGE": "essential", "DISCOVER": "contextual"}
GUIDELINES = "docs/guides/logging-guidelines.md"
# The placeholders of docs/features/_template/api-contract.md that a new feature fills in.
TITLE_PLACEHOLDER = "{feature title}"
ID_PLACEHOLDER = "{feature_id}"


# -- feature new ---------------------------------------------------------------------------------


def run_new(dest: Path, title: str, requested_id: str | None, as_json: bool) -> None:
    store = FeatureStore.open(dest)
    title = clean_text(title, "TITLE", TITLE_LIMIT)
    pattern = store.schema_value(FEATURE_LOG_SCHEMA, *FEATURE_FIELDS, "id", "pattern")
    statuses = store.schema_value(FEATURE_LOG_SCHEMA, *FEATURE_FIELDS, "status", "enum")
    contract_template = store.read_text(f"{TEMPLATE}/{CONTRACT}")
    log_template = store.read_json(f"{TEMPLATE}/{IMPLEMENTATION_LOG}")
    if not isinstance(log_template, dict):
        raise UsageError(f"{TEMPLATE}/{IMPLEMENTATION_LOG} is not a JSON object; restore it with `agentscaffold update` or git")
    with store.locked():  # the id is allocated and claimed under one lock
        feature_log = store.load(FEATURE_LOG)
        taken = taken_ids(store, feature_log)
        if requested_id is not None:
            check_id(requested_id, pattern, taken)
        feature_id = requested_id or next_id(title, taken)
        folder = feature_folder(feature_id)
        paths = {"contract": f"{folder}/{CONTRACT}", "implementation_log": implementation_log(feature_id)}
        log = {**log_template, "feature_id": feature_id, "entries": []}
        status = INITIAL_STATUS if INITIAL_STATUS in statuses else statuses[0]
        feature_log["features"].append(
            {"id": feature_id, "title": title, "status": status, "contract": paths["contract"], "updated_at": utc_now()}
        )
        store.validate(paths["implementation_log"], log, existing=False)
        store.validate(FEATURE_LOG, feature_log, existing=False)
        store.prepare_writes(*paths.values(), FEATURE_LOG)
        store.make_folder(folder)
        try:
            store.write_text(paths["contract"], contract_template.replace(TITLE_PLACEHOLDER, title).replace(ID_PLACEHOLDER, feature_id))
            store.save(paths["implementation_log"], log)
            store.save(FEATURE_LOG, feature_log)
        except BaseException:  # all or nothing: no half-made feature folder is left behind
            shutil.rmtree(store.root / folder, ignore_errors=True)
            raise
    if as_json:
        typer.echo(json.dumps({"id": feature_id, "title": title, "status": status, "folder": folder, **paths, "feature_log": FEATURE_LOG}, indent=2))
        return
    typer.echo(f"Started feature {feature_id} ({status})")
    typer.echo(f"  contract:            {paths['contract']}")
    typer.echo(f"  implementation log:  {paths['implementation_log']}")
    typer.echo(f"  listed in:           {FEATURE_LOG}")


def taken_ids(store: FeatureStore, feature_log: dict) -> set[str]:
    """Every name in use: the folders under docs/features/ (a folder made by hand counts) and the logged ids."""
    folders = {path.name for path in (store.root / FEATURES).iterdir() if path.is_dir()}
    return folders | {feature["id"] for feature in feature_log["features"]}


# -- feature status ------------------------------------------------------------------------------


def run_status(dest: Path, feature_id: str, status: str) -> None:
    store = FeatureStore.open(dest)
    statuses = store.schema_value(FEATURE_LOG_SCHEMA, *FEATURE_FIELDS, "status", "enum")
    if status not in statuses:
        raise UsageError(f"STATUS {status!r} is not one of {', '.join(statuses)} (from {FEATURE_LOG_SCHEMA})")
    with store.locked():
        feature_log = store.load(FEATURE_LOG)
        record = find_feature(feature_log, feature_id)
        before = record["status"]
        if before == status:
            typer.echo(f"{feature_id} is already {status}; nothing changed")
            return
        record["status"] = status
        record["updated_at"] = utc_now()
        store.save(FEATURE_LOG, feature_log)
    typer.echo(f"{feature_id}: {before} -> {status}")


def find_feature(feature_log: dict, feature_id: str) -> dict:
    for record in feature_log["features"]:
        if record["id"] == feature_id:
            return record
    known = ", ".join(record["id"] for record in feature_log["features"]) or "none yet"
    raise UsageError(f"no feature {feature_id!r} in {FEATURE_LOG} (known: {known}); start one with `agentscaffold feature new \"Title\"`")


# -- feature log ---------------------------------------------------------------------------------


def run_log(
    dest: Path, feature_id: str, kind: str, summary: str, files: list[str], agent: str | None, level: str | None,
    follow_ups: list[str],
) -> int:
    """Append one entry; exit 0 also when a ROUTINE entry is skipped, as the guidelines say."""
    store = FeatureStore.open(dest)
    kinds = store.schema_value(LOG_SCHEMA, *ENTRY_FIELDS, "kind", "enum")
    levels = store.schema_value(LOG_SCHEMA, *ENTRY_FIELDS, "level", "enum")
    chosen_kind = kind.upper()
    if chosen_kind not in kinds:
        raise UsageError(f"--kind {kind!r} is not one of {', '.join(k.lower() for k in kinds)} (from {LOG_SCHEMA})")
    if level is not None and level not in levels:
        raise UsageError(f"--level {level!r} is not one of {', '.join(levels)} (from {LOG_SCHEMA})")
    relative = existing_log(store, feature_id)
    if chosen_kind == ROUTINE:
        typer.echo(f"Skipped: ROUTINE work is not logged ({GUIDELINES}: usually skip); nothing was written")
        return 0
    entry = {
        "timestamp": utc_now(),
        "agent": clean_text(agent or default_agent(), "--agent", TITLE_LIMIT),
        "kind": chosen_kind,
        "level": level or LEVEL_FOR_KIND.get(chosen_kind, levels[0]),
        "summary": clean_text(summary, "--summary", _max_length(store, "summary")),
    }
    if files:
        entry["files"] = repo_paths(store.root, files)
    if follow_ups:
        entry["follow_ups"] = [clean_text(text, "--follow-up", None) for text in follow_ups]
    with store.locked():
        log = store.load(relative)
        log["entries"].append(entry)
        feature_log = store.load(FEATURE_LOG)
        listed = next((record for record in feature_log["features"] if record["id"] == feature_id), None)
        if listed:
            listed["updated_at"] = entry["timestamp"]
        summary_document = summarize(store, {feature_id: log})
        store.validate(relative, log, existing=False)
        store.validate(FEATURE_LOG, feature_log, existing=False)
        store.validate(SUMMARY, summary_document, existing=False)
        store.prepare_writes(relative, FEATURE_LOG, SUMMARY)
        store.save(relative, log)
        if listed:
            store.save(FEATURE_LOG, feature_log)
        store.save(SUMMARY, summary_document)
    count = len(log["entries"])
    typer.echo(f"Logged {entry['kind']} ({entry['level']}) in {relative} (now {count} entr{'y' if count == 1 else 'ies'}); {SUMMARY} updated")
    return 0


def existing_log(store: FeatureStore, feature_id: str) -> str:
    """The implementation log of an existing feature; the id is checked before it becomes a path."""
    pattern = store.schema_value(FEATURE_LOG_SCHEMA, *FEATURE_FIELDS, "id", "pattern")
    if not is_feature_id(feature_id, pattern):
        raise UsageError(f"ID {feature_id!r} is not a feature id (lowercase letters, digits and hyphens)")
    if not (store.root / feature_folder(feature_id)).is_dir():
        raise UsageError(f"no feature {feature_id!r} ({feature_folder(feature_id)}/ does not exist); start it with `agentscaffold feature new \"Title\"`")
    return implementation_log(feature_id)


def _max_length(store: FeatureStore, field: str) -> int | None:
    properties = store.schema_value(LOG_SCHEMA, *ENTRY_FIELDS)
    return (properties.get(field) or {}).get("maxLength")


def default_agent() -> str:
    """Who wrote the entry when --agent is not given: the login name (agents pass their own name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user with no passwd entry and no LOGNAME
        return "unknown"


def repo_paths(root: Path, given: list[str]) -> list[str]:
    """--files as repo-relative paths (comma-separated or repeated); a path outside the repo is refused."""
    paths = []
    base = root.resolve()
    for value in given:
        for raw in (part.strip() for part in value.split(",")):
            if not raw:
                continue
            path = Path(raw)
            absolute = Path(os.path.normpath(path if path.is_absolute() else base / path))
            if not absolute.is_relative_to(base):
                raise UsageError(f"--files {raw}: outside the repo ({base}); give paths relative to the repo root")
            relative = absolute.relative_to(base).as_posix()
            if relative not in paths:
                paths.append(relative)
    return paths


# -- feature summarize ---------------------------------------------------------------------------


def run_summarize(dest: Path) -> None:
    store = FeatureStore.open(dest)
    with store.locked():
        document = summarize(store, {})
        store.prepare_writes(SUMMARY)
        store.save(SUMMARY, document)
    highlights = sum(len(feature["highlights"]) for feature in document["features"])
    size = len(render(document).encode("utf-8"))
    typer.echo(f"Wrote {SUMMARY}: {len(document['features'])} features, {highlights} highlights, {size:,} bytes (budget {limits(store).budget:,})")


def summarize(store: FeatureStore, changed: dict[str, dict]) -> dict:
    """The summary of every feature's implementation log, with `changed` logs in place of the files."""
    logs = {feature_id: store.load(implementation_log(feature_id)) for feature_id in logged_features(store) if feature_id not in changed}
    return build_summary(logs | changed, limits(store))


def logged_features(store: FeatureStore) -> list[str]:
    """Feature folders that hold an implementation log (not _template, not schemas)."""
    pattern = store.schema_value(FEATURE_LOG_SCHEMA, *FEATURE_FIELDS, "id", "pattern")
    return sorted(
        path.parent.name
        for path in (store.root / FEATURES).glob(f"*/{IMPLEMENTATION_LOG}")
        if is_feature_id(path.parent.name, pattern)
    )


def limits(store: FeatureStore) -> Limits:
    """Highlights per feature and their length, from the summary schema when it bounds them."""
    highlights = store.schema_value(SUMMARY_SCHEMA, *FEATURE_FIELDS, "highlights")
    return Limits(highlights=highlights.get("maxItems", 10), length=(highlights.get("items") or {}).get("maxLength", 300))


# -- feature list --------------------------------------------------------------------------------


def run_list(dest: Path, as_json: bool) -> None:
    store = FeatureStore.open(dest)
    feature_log = store.load(FEATURE_LOG)
    rows = []
    for record in feature_log["features"]:
        relative = implementation_log(record["id"])
        entries = len(store.load(relative)["entries"]) if store.exists(relative) else 0
        rows.append({**record, "entries": entries, "folder": feature_folder(record["id"])})
    if as_json:
        typer.echo(json.dumps({"features": rows}, indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo('No features yet; start one with `agentscaffold feature new "Title"`')
        return
    for line in feature_lines(rows):
        typer.echo(line)
    in_flight = sum(1 for row in rows if row["status"] != DONE)
    typer.echo(f"{len(rows)} feature{'' if len(rows) == 1 else 's'}, {in_flight} not done")


def feature_lines(records: list[dict]) -> list[str]:
    """One aligned line per feature: id, status, last update, (log entries,) title."""
    id_width = max((len(record["id"]) for record in records), default=0)
    status_width = max((len(record["status"]) for record in records), default=0)
    return [
        f"{record['id']:<{id_width}}  {record['status']:<{status_width}}  {record['updated_at'][:10]}  "
        + (f"{record['entries']:>3} {'entry  ' if record['entries'] == 1 else 'entries'}  " if "entries" in record else "")
        + record["title"]
        for record in records
    ]


# -- shared --------------------------------------------------------------------------------------


def clean_text(text: str, what: str, limit: int | None) -> str:
    """Free text on one line: whitespace runs become one space, control characters go (with a note)."""
    spaced = " ".join(text.split())
    cleaned = CONTROL_CHARACTERS.sub("", spaced)
    if cleaned != spaced:
        typer.echo(f"Note: {what}: removed {len(spaced) - len(cleaned)} control character(s)", err=True)
    if not cleaned.strip():
        raise UsageError(f"{what} must not be empty")
    if limit is not None and len(cleaned) > limit:
        raise UsageError(f"{what} is {len(cleaned)} characters; at most {limit} are allowed")
    return cleaned.strip()
