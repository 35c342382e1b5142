"""`agentscaffold feature` as agents and users run it, on a real kit made by `agentscaffold new`.

Every file the command writes is checked with jsonschema (an independent validator, not the one
the CLI uses) against the kit's own schemas; every refusal is one line, exit 2, and leaves the
kit byte for byte as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest

from conftest import cli_command, copier_probe, run_cli
from test_hostile import drop_privileges, snapshot

FEATURES = Path("docs/features")
FEATURE_LOG = FEATURES / "feature-log.json"
SUMMARY = FEATURES / "implementation-log-summary.json"
SUMMARY_BUDGET = 16_000  # bytes; README "Feature workflow"


@pytest.fixture
def repo(kit, tmp_path) -> Path:
    """A private copy of a generated kit, so each test starts from `new`'s output."""
    return Path(shutil.copytree(kit(), tmp_path / "repo", symlinks=True))


def feature(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli("feature", *args, "--dest", str(repo))


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def refused(result: subprocess.CompletedProcess, *fragments: str) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("agentscaffold: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def load(repo: Path, relative: Path | str) -> dict:
    return json.loads((repo / relative).read_text(encoding="utf-8"))


def assert_valid(repo: Path, relative: Path | str) -> dict:
    """The file parses and matches the kit's schema for it, dates included."""
    name = Path(relative).name
    schema_name = {"feature-log.json": "feature-log", "implementation-log-summary.json": "implementation-log-summary"}.get(name, "implementation-log")
    schema = load(repo, FEATURES / "schemas" / f"{schema_name}.schema.json")
    document = load(repo, relative)
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
    return document


def test_new_allocates_the_next_id_and_creates_the_feature_from_the_kit_templates(repo):
    first = ok(feature(repo, "new", "Order checkout"))
    assert "001-order-checkout" in first.stdout
    second = json.loads(ok(feature(repo, "new", "Refunds: partial & full (v2)", "--json")).stdout)
    assert second == {
        "id": "002-refunds-partial-full-v2",
        "title": "Refunds: partial & full (v2)",
        "status": "planned",
        "folder": "docs/features/002-refunds-partial-full-v2",
        "contract": "docs/features/002-refunds-partial-full-v2/api-contract.md",
        "implementation_log": "docs/features/002-refunds-partial-full-v2/implementation-log.json",
        "feature_log": "docs/features/feature-log.json",
    }

    contract = (repo / second["contract"]).read_text(encoding="utf-8")
    assert contract.startswith("# API contract: Refunds: partial & full (v2)\n")
    assert "- Feature id: `002-refunds-partial-full-v2`" in contract
    assert "{feature title}" not in contract and "{feature_id}" not in contract
    template = (repo / FEATURES / "_template/api-contract.md").read_text(encoding="utf-8")
    assert contract.count("\n") == template.count("\n")  # the kit's own template, filled in, nothing else

    log = assert_valid(repo, second["implementation_log"])
    assert log == {"$schema": "../schemas/implementation-log.schema.json", "feature_id": "002-refunds-partial-full-v2", "entries": []}
    listed = assert_valid(repo, FEATURE_LOG)["features"]
    assert [(f["id"], f["status"], f["contract"]) for f in listed] == [
        ("001-order-checkout", "planned", "docs/features/001-order-checkout/api-contract.md"),
        ("002-refunds-partial-full-v2", "planned", "docs/features/002-refunds-partial-full-v2/api-contract.md"),
    ]
    check = run_cli("check", str(repo))  # the kit, features included, still passes its own check
    assert check.returncode == 0, check.stdout


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Crème brûlée ordering", "001-creme-brulee-ordering"),
        ("注文の確認", "001-feature"),  # no ASCII letters: the number still makes it unique
        ("Export every invoice of a customer as PDF, CSV and XLSX files", "001-export-every-invoice-of-a-customer-as"),
        ("  GET /api/v1/orders/{id}  ", "001-get-api-v1-orders-id"),
    ],
)
def test_slug_is_lowercase_ascii_hyphens_and_bounded(repo, title, expected):
    created = json.loads(ok(feature(repo, "new", title, "--json")).stdout)
    assert created["id"] == expected
    assert len(created["id"].split("-", 1)[1]) <= 40


def test_ids_count_hand_made_folders_and_taken_ids_are_refused(repo):
    (repo / FEATURES / "007-made-by-hand").mkdir()
    assert json.loads(ok(feature(repo, "new", "Next", "--json")).stdout)["id"] == "008-next"
    before = snapshot(repo)
    refused(feature(repo, "new", "Again", "--id", "008-next"), "008-next", "already exists")
    refused(feature(repo, "new", "Clash", "--id", "007-other"), "number 007 is already used by 007-made-by-hand")
    refused(feature(repo, "new", "Schemas", "--id", "schemas"), "already exists")
    refused(feature(repo, "new", "Bad", "--id", "Bad Id"), "--id 'Bad Id'", "lowercase")
    refused(feature(repo, "new", "Bad", "--id", "../escape"), "--id '../escape'")
    refused(feature(repo, "new", "   "), "TITLE must not be empty")
    refused(feature(repo, "new", "x" * 101), "at most 100")
    assert snapshot(repo) == before
    assert json.loads(ok(feature(repo, "new", "Chosen", "--id", "042-chosen", "--json")).stdout)["id"] == "042-chosen"
    assert json.loads(ok(feature(repo, "new", "After", "--json")).stdout)["id"] == "043-after"


def test_status_moves_through_the_schemas_statuses(repo):
    ok(feature(repo, "new", "Order checkout"))
    created_at = load(repo, FEATURE_LOG)["features"][0]["updated_at"]
    moved = ok(feature(repo, "status", "001-order-checkout", "in_progress"))
    assert moved.stdout.strip() == "001-order-checkout: planned -> in_progress"
    record = assert_valid(repo, FEATURE_LOG)["features"][0]
    assert record["status"] == "in_progress" and record["updated_at"] >= created_at

    before = snapshot(repo)
    refused(feature(repo, "status", "001-order-checkout", "shipped"), "'shipped'", "planned, in_progress, blocked, done")
    refused(feature(repo, "status", "999-nope", "done"), "no feature '999-nope'", "known: 001-order-checkout")
    assert snapshot(repo) == before
    assert "already in_progress" in ok(feature(repo, "status", "001-order-checkout", "in_progress")).stdout
    assert snapshot(repo) == before

    # The statuses are the kit's schema's, not a copy in the CLI: a team's new status works.
    schema_path = repo / FEATURES / "schemas/feature-log.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["properties"]["features"]["items"]["properties"]["status"]["enum"].append("in_review")
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    ok(feature(repo, "status", "001-order-checkout", "in_review"))
    assert assert_valid(repo, FEATURE_LOG)["features"][0]["status"] == "in_review"


def test_log_appends_entries_as_the_guidelines_classify_them(repo):
    ok(feature(repo, "new", "Order checkout"))
    log_path = FEATURES / "001-order-checkout/implementation-log.json"
    change = ok(feature(
        repo, "log", "001-order-checkout", "--kind", "change", "--agent", "backend-developer",
        "--summary", "Added POST /api/v1/orders;\nmigration 0007 adds orders.idempotency_key.",
        "--files", "orders/views.py,orders/migrations/0007_key.py", "--files", str(repo / "orders/views.py"),
        "--follow-up", "Expire idempotency keys after 24 h",
    ))
    assert "Logged CHANGE (essential)" in change.stdout
    ok(feature(repo, "log", "001-order-checkout", "--kind", "DISCOVER", "--agent", "tech-lead", "--summary", "The payment API retries webhooks for 3 days."))
    routine = ok(feature(repo, "log", "001-order-checkout", "--kind", "routine", "--summary", "Ran the suite; green."))
    assert "Skipped" in routine.stdout and "nothing was written" in routine.stdout

    entries = assert_valid(repo, log_path)["entries"]
    assert [(e["kind"], e["level"], e["agent"]) for e in entries] == [
        ("CHANGE", "essential", "backend-developer"), ("DISCOVER", "contextual", "tech-lead"),
    ]
    assert entries[0]["summary"] == "Added POST /api/v1/orders; migration 0007 adds orders.idempotency_key."
    assert entries[0]["files"] == ["orders/views.py", "orders/migrations/0007_key.py"]
    assert entries[0]["follow_ups"] == ["Expire idempotency keys after 24 h"]
    datetime.strptime(entries[1]["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
    assert assert_valid(repo, FEATURE_LOG)["features"][0]["updated_at"] == entries[1]["timestamp"]
    summary = assert_valid(repo, SUMMARY)["features"]
    assert [(s["feature_id"], s["entries"]) for s in summary] == [("001-order-checkout", 2)]
    assert summary[0]["highlights"][0].endswith("DISCOVER: The payment API retries webhooks for 3 days.")
    ok(feature(repo, "log", "001-order-checkout", "--kind", "discover", "--level", "essential", "--summary", "Webhooks arrive out of order."))
    assert load(repo, log_path)["entries"][-1]["level"] == "essential"


def test_bad_log_input_is_one_line_and_writes_nothing(repo):
    ok(feature(repo, "new", "Order checkout"))
    before = snapshot(repo)
    refused(feature(repo, "log", "001-order-checkout", "--kind", "fix", "--summary", "x"), "--kind 'fix'", "change, discover, routine")
    refused(feature(repo, "log", "001-order-checkout", "--kind", "change", "--summary", "x", "--level", "urgent"), "--level 'urgent'")
    refused(feature(repo, "log", "002-missing", "--kind", "change", "--summary", "x"), "no feature '002-missing'")
    refused(feature(repo, "log", "../../etc", "--kind", "change", "--summary", "x"), "not a feature id")
    refused(feature(repo, "log", "001-order-checkout", "--kind", "change", "--summary", "y" * 501), "--summary", "at most 500")
    refused(feature(repo, "log", "001-order-checkout", "--kind", "change", "--summary", " \n "), "--summary must not be empty")
    refused(feature(repo, "log", "001-order-checkout", "--kind", "change", "--summary", "x", "--files", "../outside.py"), "outside the repo")
    refused(run_cli("feature", "log", "001-order-checkout", "--summary", "x", "--dest", str(repo)), "--kind")
    assert snapshot(repo) == before


def test_a_permissive_team_schema_still_keeps_ids_inside_docs_features(repo):
    schema_path = repo / FEATURES / "schemas/feature-log.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["properties"]["features"]["items"]["properties"]["id"]["pattern"] = ".*"
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    before = snapshot(repo)
    refused(feature(repo, "new", "Escape", "--id", "../escape"), "--id '../escape'")
    refused(feature(repo, "new", "Hidden", "--id", ".hidden"), "--id '.hidden'")
    refused(feature(repo, "log", "../../docs", "--kind", "change", "--summary", "x"), "not a feature id")
    assert snapshot(repo) == before


def test_invalid_json_is_named_by_file_and_line_and_nothing_is_written(repo):
    ok(feature(repo, "new", "Order checkout"))
    (repo / FEATURE_LOG).write_text('{\n  "version": 1,\n  "features": [,]\n}\n', encoding="utf-8")
    before = snapshot(repo)
    refused(feature(repo, "new", "Refunds"), "docs/features/feature-log.json:3: not valid JSON")
    refused(feature(repo, "status", "001-order-checkout", "done"), "feature-log.json:3")
    refused(feature(repo, "list"), "feature-log.json:3")
    assert snapshot(repo) == before

    log_path = repo / FEATURES / "001-order-checkout/implementation-log.json"
    log_path.write_text('{"feature_id": "001-order-checkout",\n"entries": [\n{"kind": }\n]}', encoding="utf-8")
    before = snapshot(repo)
    refused(feature(repo, "summarize"), "docs/features/001-order-checkout/implementation-log.json:3: not valid JSON")
    assert snapshot(repo) == before


def test_a_file_that_breaks_its_schema_is_refused_not_rewritten(repo):
    ok(feature(repo, "new", "Order checkout"))
    document = load(repo, FEATURE_LOG)
    document["features"][0]["status"] = "shipped"
    (repo / FEATURE_LOG).write_text(json.dumps(document), encoding="utf-8")
    before = snapshot(repo)
    refused(feature(repo, "new", "Refunds"), "feature-log.json does not match feature-log.schema.json", "status")
    assert snapshot(repo) == before


def test_a_folder_without_a_kit_is_refused(tmp_path):
    refused(run_cli("feature", "list", "--dest", str(tmp_path)), "no agent kit", "docs/features/schemas/ is missing")
    refused(run_cli("feature", "new", "X", "--dest", str(tmp_path / "nowhere")), "does not exist")
    assert list(tmp_path.iterdir()) == []


def test_no_write_goes_through_a_symbolic_link(repo, tmp_path):
    ok(feature(repo, "new", "Order checkout"))
    outside = tmp_path / "outside.json"
    outside.write_text((repo / FEATURE_LOG).read_text(encoding="utf-8"), encoding="utf-8")
    (repo / FEATURE_LOG).unlink()
    (repo / FEATURE_LOG).symlink_to(outside)
    before, outside_before = snapshot(repo), outside.read_bytes()
    refused(feature(repo, "new", "Refunds"), "feature-log.json is a symbolic link")
    refused(feature(repo, "log", "001-order-checkout", "--kind", "change", "--summary", "x"), "symbolic link")
    assert snapshot(repo) == before and outside.read_bytes() == outside_before


def test_a_read_only_features_folder_is_one_line_and_untouched(repo):
    ok(feature(repo, "new", "Order checkout"))
    folder = repo / FEATURES / "001-order-checkout"
    folder.chmod(0o555)
    before = snapshot(repo)
    try:
        result = subprocess.run(
            [*cli_command(), "feature", "log", "001-order-checkout", "--kind", "change", "--summary", "x", "--dest", str(repo)],
            capture_output=True, text=True, timeout=120, preexec_fn=drop_privileges if os.geteuid() == 0 else None,
        )
        refused(result, "docs/features/001-order-checkout/ cannot be written (Permission denied); nothing was written")
        assert snapshot(repo) == before
    finally:
        folder.chmod(0o755)


def test_twenty_agents_logging_at_once_lose_nothing(repo):
    ok(feature(repo, "new", "Order checkout"))
    ok(feature(repo, "new", "Refunds"))
    processes = [
        subprocess.Popen(
            [*cli_command(), "feature", "log", ("001-order-checkout", "002-refunds")[n % 2], "--kind", "change",
             "--agent", f"agent-{n}", "--summary", f"Change number {n}", "--dest", str(repo)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for n in range(20)
    ]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, out + err
    agents = set()
    for feature_id in ("001-order-checkout", "002-refunds"):
        entries = assert_valid(repo, FEATURES / feature_id / "implementation-log.json")["entries"]
        assert len(entries) == 10
        agents |= {entry["agent"] for entry in entries}
    assert agents == {f"agent-{n}" for n in range(20)}
    summary = assert_valid(repo, SUMMARY)
    assert sorted((s["feature_id"], s["entries"]) for s in summary["features"]) == [("001-order-checkout", 10), ("002-refunds", 10)]
    assert not list((repo / FEATURES).rglob("*.tmp"))  # no temporary file left behind


def test_features_started_at_once_get_distinct_ids(repo):
    processes = [
        subprocess.Popen([*cli_command(), "feature", "new", f"Parallel {n}", "--json", "--dest", str(repo)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(8)
    ]
    ids = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        ids.append(json.loads(out)["id"].split("-", 1)[0])
    assert sorted(ids) == [f"{n:03d}" for n in range(1, 9)]
    assert len(assert_valid(repo, FEATURE_LOG)["features"]) == 8


def write_log(repo: Path, feature_id: str, entries: list[dict]) -> None:
    """An implementation log as agents would have left it over weeks (valid against the schema)."""
    folder = repo / FEATURES / feature_id
    folder.mkdir(exist_ok=True)
    document = {"$schema": "../schemas/implementation-log.schema.json", "feature_id": feature_id, "entries": entries}
    (folder / "implementation-log.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    assert_valid(repo, folder.relative_to(repo) / "implementation-log.json")


def entry(day: int, kind: str, summary: str, level: str | None = None) -> dict:
    levels = {"CHANGE": "essential", "DISCOVER": "contextual", "ROUTINE": "optional"}
    return {"timestamp": f"2026-03-{day:02d}T10:00:00Z", "agent": "backend-developer", "kind": kind, "level": level or levels[kind], "summary": summary}


def test_summarize_puts_essential_and_recent_work_first_within_the_budget(repo):
    # Sixty features of fifteen long entries: far more than the budget holds.
    for number in range(1, 61):
        day = 1 + number % 28
        entries = [entry(day, "CHANGE", f"feature {number} change {n} " + "x" * 400) for n in range(12)]
        entries.append(entry(day, "DISCOVER", f"feature {number} discovery " + "y" * 100))
        entries.append(entry(day, "CHANGE", f"feature {number} minor", level="optional"))
        entries.append(entry(day, "ROUTINE", f"feature {number} routine"))
        write_log(repo, f"{number:03d}-busy", entries)
    write_log(repo, "061-quiet", [])
    result = ok(feature(repo, "summarize"))
    text = (repo / SUMMARY).read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= SUMMARY_BUDGET, result.stdout
    assert f"{len(text.encode('utf-8')):,} bytes" in result.stdout
    summary = assert_valid(repo, SUMMARY)["features"]
    dates = [s["updated_at"] for s in summary]
    assert dates == sorted(dates, reverse=True)  # newest work first; the oldest features are left out
    assert summary[0]["updated_at"].startswith("2026-03-28") and len(summary) < 60
    assert "061-quiet" not in {s["feature_id"] for s in summary}  # nothing logged, nothing to summarize
    for item in summary:
        assert item["entries"] == 15
        assert item["highlights"], "every listed feature gets its best highlight"
        assert "DISCOVER" in item["highlights"][0]
        assert all(len(h) <= 300 for h in item["highlights"]) and len(item["highlights"]) <= 10
        assert not any("routine" in h or "minor" in h for h in item["highlights"])

    ok(feature(repo, "summarize"))
    assert (repo / SUMMARY).read_text(encoding="utf-8") == text  # deterministic: no diff without new work


def test_summarize_keeps_every_highlight_of_a_small_project(repo):
    write_log(repo, "001-orders", [
        entry(1, "CHANGE", "Added orders"), entry(2, "DISCOVER", "Gateway is slow"), entry(3, "CHANGE", "Renamed a field", level="contextual"),
        entry(4, "CHANGE", "Added cancel"),
    ])
    ok(feature(repo, "summarize"))
    [item] = assert_valid(repo, SUMMARY)["features"]
    assert item["entries"] == 4 and item["updated_at"] == "2026-03-04T10:00:00Z"
    # Discoveries rank with essential changes, newest first; a contextual change comes after them.
    assert item["highlights"] == [
        "2026-03-04 CHANGE: Added cancel", "2026-03-02 DISCOVER: Gateway is slow", "2026-03-01 CHANGE: Added orders",
        "2026-03-03 CHANGE: Renamed a field",
    ]


def test_list_shows_status_and_entries(repo):
    assert "No features yet" in ok(feature(repo, "list")).stdout
    ok(feature(repo, "new", "Order checkout"))
    ok(feature(repo, "new", "Refunds"))
    ok(feature(repo, "status", "002-refunds", "done"))
    ok(feature(repo, "log", "001-order-checkout", "--kind", "change", "--summary", "Added the endpoint"))
    human = ok(feature(repo, "list")).stdout.splitlines()
    assert human[0].split()[:2] == ["001-order-checkout", "planned"] and "1 entry " in human[0] and human[0].endswith("Order checkout")
    assert human[-1] == "2 features, 1 not done"
    listed = json.loads(ok(feature(repo, "list", "--json")).stdout)["features"]
    assert [(f["id"], f["status"], f["entries"], f["folder"]) for f in listed] == [
        ("001-order-checkout", "planned", 1, "docs/features/001-order-checkout"),
        ("002-refunds", "done", 0, "docs/features/002-refunds"),
    ]


def test_feature_commands_never_import_copier(repo):
    ok(feature(repo, "new", "Order checkout"))
    for args in (
        ["new", "Refunds"], ["status", "001-order-checkout", "in_progress"], ["list"], ["summarize"],
        ["log", "001-order-checkout", "--kind", "change", "--summary", "x"],
    ):
        imported, output = copier_probe("feature", *args, "--dest", str(repo))
        assert not imported and output.strip().endswith("CLEAN exit 0"), (args, output)


def test_help_lists_the_feature_commands():
    result = ok(run_cli("feature", "--help"))
    for command in ("new", "status", "log", "summarize", "list"):
        assert command in result.stdout
