"""Adopting a repo that has code, as a user runs it: `agentscaffold new . --defaults` and later updates.

Each fixture repo (tests/adopt_fixtures.py) uses options other than our defaults. The kit must name
the repo's own commands and libraries, document exactly the variables its code reads, cite only
paths that exist, mention none of our defaults the repo does not use, and never write or merge into
a file the team had before.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

import adopt_fixtures as fixtures
from conftest import copier_probe, git, kit_files, run_cli
from repos import write_repo

KIT_TEXT = (".claude/", ".agents/", "AGENTS.md", "CLAUDE.md", "docs/context/", "docs/guides/", "docs/agent-kit/", "agentscaffold.yml")


def adopt(tmp_path: Path, files: dict[str, str], *args: str) -> tuple[Path, subprocess.CompletedProcess]:
    repo = write_repo(tmp_path / "repo", files)
    result = run_cli("new", ".", "--defaults", *args, cwd=repo)
    return repo, result


def kit_text(repo: Path, before: dict[str, str]) -> str:
    """Every file the kit wrote, as one text (the team's files and the answers file excluded)."""
    return "\n".join(
        text for path, text in kit_files(repo).items()
        if path.startswith(KIT_TEXT) and before.get(path) != text
    )


def words(text: str, *terms: str) -> list[str]:
    return [term for term in terms if re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text, re.IGNORECASE)]


def answers(repo: Path) -> dict:
    return yaml.safe_load((repo / ".copier-answers.yml").read_text(encoding="utf-8"))


def documented_variables(repo: Path) -> set[str]:
    text = (repo / "docs/context/devops/configuration.md").read_text(encoding="utf-8")
    return set(re.findall(r"^### `([A-Z][A-Z0-9_]*)`", text, re.M))


CASES = {
    "django-unittest": (
        fixtures.DJANGO_UNITTEST,
        {"stack": "django", "database": "postgresql", "task_queue": "none", "cache": "none"},
        ["make test", "Django's test runner", "stdlib logging", "Django forms", "flake8", "polls/tests.py"],
        ["pytest", "structlog", "factory_boy", "drf-spectacular", "ruff", "uv sync", "Locust", "mysqlclient", "Celery",
         "psycopg 3", "pip-audit", "bandit"],
        {"DJANGO_SECRET_KEY", "DJANGO_DEBUG", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "LOG_LEVEL", "POSTGRES_DB",
         "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_HOST"},
    ),
    "fastapi-sync": (
        fixtures.FASTAPI_SYNC,
        {"stack": "fastapi", "database": "postgresql", "task_queue": "none", "cache": "none"},
        ["pytest -q", "TestClient", "alembic upgrade head", "SQLAlchemy 2.0 (sync)", "stdlib logging", "tests/test_notes.py"],
        ["structlog", "asyncpg", "uv sync", "ruff", "Locust", "Celery", "arq", "pytest-asyncio", "pip-audit"],
        {"NOTES_DATABASE_URL", "NOTES_LOG_LEVEL"},
    ),
    "express-commonjs": (
        fixtures.EXPRESS_COMMONJS,
        {"stack": "express", "database": "mongodb", "task_queue": "none", "cache": "none"},
        ["npm test", "Jest", "winston", "Joi", "Mongoose", "src/routes/orders.js"],
        ["Vitest", "pino", "Zod", "Prisma", "BullMQ", "TypeScript", "tsc", "zod-to-openapi", "Testcontainers"],
        {"PORT", "MONGODB_URL", "JWT_SECRET", "LOG_LEVEL"},
    ),
    "go-gin": (
        fixtures.GO_GIN,
        {"stack": "go", "database": "postgresql", "task_queue": "none", "cache": "none"},
        ["make test", "gin", "GORM", "zap", "internal/api/router_test.go"],
        ["chi", "sqlc", "goose", "slog", "asynq", "kin-openapi", "golangci-lint", "distroless"],
        {"DATABASE_URL", "PORT"},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_kit_describes_the_repo(tmp_path, case):
    files, expected_answers, named, absent, variables = CASES[case]
    repo, result = adopt(tmp_path, files)
    assert result.returncode == 0, result.stderr
    recorded = answers(repo)
    for key, value in expected_answers.items():
        assert recorded[key] == value, key
    assert recorded["stack_mode"] == "adaptive"
    assert recorded["repo"]["concerns"]["test"]["evidence"]

    before = {path: text for path, text in files.items()}
    text = kit_text(repo, before)
    assert not [term for term in named if term not in text], "the kit must name the repo's own tools and files"
    assert not words(text, *absent), "the kit must not mention defaults the repo does not use"
    assert documented_variables(repo) == variables

    check = run_cli("check", ".", cwd=repo)
    assert check.returncode == 0, check.stdout


def test_team_files_are_recorded_left_alone_and_never_merged_by_update(tmp_path):
    repo, result = adopt(tmp_path, fixtures.DJANGO_UNITTEST)
    assert result.returncode == 0, result.stderr
    assert "CLAUDE.md" in result.stdout and "@AGENTS.md" in result.stdout  # what to add, printed
    for path in ("CLAUDE.md", ".env.example", "docs/architecture.md"):
        assert (repo / path).read_text(encoding="utf-8") == fixtures_text(fixtures.DJANGO_UNITTEST[path])
    assert answers(repo)["team_owned"] == [".env.example", "CLAUDE.md"]
    additions = (repo / ".env.example.additions").read_text(encoding="utf-8")
    assert "DJANGO_SECRET_KEY" not in additions and "POSTGRES_HOST=localhost" in additions

    git("add", "-A", cwd=repo)
    git("commit", "-qm", "kit", cwd=repo)
    update = run_cli("update", ".", "--defaults", "--data", "targets=claude,agents_md,gemini", cwd=repo)
    assert update.returncode == 0, update.stderr
    assert (repo / "CLAUDE.md").read_text(encoding="utf-8") == fixtures_text(fixtures.DJANGO_UNITTEST["CLAUDE.md"])
    assert (repo / "GEMINI.md").is_file() and (repo / ".gemini/agents/backend-developer.md").is_file()

    again = run_cli("new", ".", "--defaults", cwd=repo)
    assert again.returncode == 2 and "agentscaffold update --data" in again.stderr


def test_consented_link_block_is_small_idempotent_and_removable(tmp_path):
    repo, result = adopt(tmp_path, fixtures.DJANGO_UNITTEST, "--data", "link_guidance=true")
    assert result.returncode == 0, result.stderr
    original = fixtures_text(fixtures.DJANGO_UNITTEST["CLAUDE.md"])
    linked = (repo / "CLAUDE.md").read_text(encoding="utf-8")
    assert linked.startswith(original)
    block = linked[len(original):]
    assert block.count("@AGENTS.md") == 1 and "agentscaffold:begin" in block and len(block.splitlines()) <= 4

    from scaffold.adopt import link_blocks

    for link in link_blocks(["CLAUDE.md"], ["claude", "agents_md"]):
        assert link.apply(repo) is False  # already there: nothing changes
    unlinked = re.sub(r"\n<!-- agentscaffold:begin.*?agentscaffold:end -->\n", "", linked, flags=re.S)
    assert unlinked == original


def test_team_owned_agents_md_gets_the_guidance_beside_it(tmp_path):
    files = {**fixtures.FASTAPI_SYNC, "AGENTS.md": "# Our agent rules\n"}
    repo, result = adopt(tmp_path, files, "--data", "link_guidance=true")
    assert result.returncode == 0, result.stderr
    guidance = repo / "docs/agent-kit/guidance.md"
    assert "alembic upgrade head" in guidance.read_text(encoding="utf-8")
    assert "@docs/agent-kit/guidance.md" in (repo / "CLAUDE.md").read_text(encoding="utf-8")
    ours = (repo / "AGENTS.md").read_text(encoding="utf-8")
    assert ours.startswith("# Our agent rules\n") and "`docs/agent-kit/guidance.md`" in ours


def test_a_monorepo_service_in_a_subfolder(tmp_path):
    repo, result = adopt(tmp_path, fixtures.MONOREPO)
    assert result.returncode == 0, result.stderr
    recorded = answers(repo)
    assert recorded["stack"] == "django" and recorded["repo"]["root"] == "backend"
    agents_md = (repo / "AGENTS.md").read_text(encoding="utf-8")
    assert "Run these from `backend/`." in agents_md and "`backend/polls/tests.py`" in agents_md
    for cited in re.findall(r"`(backend/[^`\s:]+)", agents_md):
        assert (repo / cited).exists(), cited


def test_two_services_are_reported_not_guessed(tmp_path):
    repo, result = adopt(tmp_path, fixtures.TWO_SERVICES)
    assert result.returncode == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert "express in gateway (gateway/package.json" in line and "fastapi in api (api/requirements.txt" in line
    assert "--data stack=" in line
    assert not (repo / ".copier-answers.yml").exists() and not (repo / ".claude").exists()

    chosen = run_cli("new", ".", "--defaults", "--data", "stack=fastapi", cwd=repo)
    assert chosen.returncode == 0, chosen.stderr
    assert answers(repo)["repo"]["root"] == "api"
    assert "Express" not in (repo / "AGENTS.md").read_text(encoding="utf-8")


def test_an_empty_repo_gets_the_stack_as_before(tmp_path):
    repo, result = adopt(tmp_path, fixtures.EMPTY)
    assert result.returncode == 0, result.stderr
    recorded = answers(repo)
    assert recorded["repo"] == {} and recorded["stack"] == "django" and recorded["stack_mode"] == "flexible"
    assert "pytest" in (repo / "AGENTS.md").read_text(encoding="utf-8")


def test_code_of_an_unknown_stack_needs_an_explicit_answer(tmp_path):
    repo, result = adopt(tmp_path, {"app.rb": "puts 'hi'\n", "Gemfile": "gem 'sinatra'\n"})
    assert result.returncode == 2 and "--data stack=" in result.stderr
    assert not (repo / ".claude").exists()


def test_gitignored_kit_folders_are_warned_about(tmp_path):
    repo, result = adopt(tmp_path, {**fixtures.GO_GIN, ".gitignore": ".claude/\n"})
    assert result.returncode == 0, result.stderr
    assert "Warning: .gitignore hides .claude/" in result.stdout


def test_redetect_refreshes_the_facts(tmp_path):
    repo, result = adopt(tmp_path, fixtures.DJANGO_UNITTEST)
    assert result.returncode == 0, result.stderr
    git("add", "-A", cwd=repo)
    git("commit", "-qm", "kit", cwd=repo)
    with (repo / "requirements.txt").open("a", encoding="utf-8") as handle:
        handle.write("celery==5.4.0\n")
    (repo / "polls/limits.py").write_text('import os\nLIMIT = os.environ.get("VOTE_LIMIT", "3")\n', encoding="utf-8")
    git("add", "-A", cwd=repo)
    git("commit", "-qm", "celery", cwd=repo)

    update = run_cli("update", ".", "--defaults", "--redetect", cwd=repo)
    assert update.returncode == 0, update.stderr
    assert "queue: none -> Celery 5.4.0" in update.stdout and "environment: + VOTE_LIMIT" in update.stdout
    assert "VOTE_LIMIT" in documented_variables(repo)
    assert "Celery 5.4.0" in (repo / "AGENTS.md").read_text(encoding="utf-8")


def test_changing_the_database_leaves_no_file_of_the_old_choice(tmp_path):
    repo, result = adopt(tmp_path, fixtures.EMPTY)
    assert result.returncode == 0, result.stderr
    git("add", "-A", cwd=repo)
    git("commit", "-qm", "kit", cwd=repo)
    update = run_cli("update", ".", "--defaults", "--data", "database=postgresql", cwd=repo)
    assert update.returncode == 0, update.stderr
    backend_docs = sorted(p.name for p in (repo / "docs/context/backend").iterdir())
    assert backend_docs == ["django-postgresql-best-practices.md"]
    assert "MySQL" not in (repo / "AGENTS.md").read_text(encoding="utf-8")


def fixtures_text(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).lstrip("\n")


def test_several_services_of_one_stack_are_picked_by_folder(tmp_path):
    files = {f"services/{name}/{path}": text for name in ("orders", "billing") for path, text in fixtures.GO_GIN.items()}
    repo, result = adopt(tmp_path, files)
    assert result.returncode == 2 and "go in services/billing" in result.stderr and "--service" in result.stderr
    chosen = run_cli("new", ".", "--defaults", "--service", "services/orders", cwd=repo)
    assert chosen.returncode == 0, chosen.stderr
    assert answers(repo)["repo"]["root"] == "services/orders"
    assert "`services/orders/internal/api/router_test.go`" in (repo / "AGENTS.md").read_text(encoding="utf-8")


def test_detect_reads_without_importing_copier(tmp_path):
    repo = write_repo(tmp_path / "repo", fixtures.GO_GIN)
    imported, output = copier_probe("detect", str(repo), "--format", "json")
    assert not imported, output
    assert '"id": "gin"' in output
