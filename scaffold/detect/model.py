"""Typed facts about a repo, each with the evidence it was read from.

Detection never guesses silently: every fact names the file and line that
support it and how sure the reading is, so `agentscaffold detect` can show
its work and `new` can show "Django 5.2 (requirements.txt:3)" as a default.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class Confidence(str, Enum):
    """How directly a fact was read: a pin or an import is high; a folder name or a guess from a
    config value is medium; a convention with nothing better to go on is low."""

    high = "high"
    medium = "medium"
    low = "low"


@dataclass(frozen=True, order=True)
class Evidence:
    """Where a fact was read: a repo-relative POSIX path and, when it points at a line, the line."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Fact:
    """One concern's answer for this repo.

    `concern` names what is described (see CONCERNS); `id` is a word of that concern's vocabulary,
    shared with the stack data's `alternatives`, so the templates can look the option up; `label` is
    how a person would name it, with its version when a pin or lockfile gives one; `details` holds
    concern-specific strings (a command, a config path, a version) that the templates may print.
    """

    concern: str
    id: str
    label: str
    evidence: Evidence
    confidence: Confidence = Confidence.high
    details: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.label} ({self.evidence})"


@dataclass(frozen=True)
class EnvVar:
    """An environment variable the code reads, named exactly as read.

    `required` is True when the code has no fallback (`os.environ["X"]`, a settings field without a
    default, `.required()` in an env schema); `default` is the fallback when one is visible in code.
    """

    name: str
    evidence: Evidence
    default: str | None = None
    required: bool = False
    secret: bool = False
    # "code" (a call or subscript), "settings" (a settings class or env schema field), "example"
    # (only an .env example or compose file names it: documented, but not proven to be read).
    source: str = "code"


@dataclass
class Reading:
    """What an ecosystem module read of one service."""

    facts: list[Fact] = field(default_factory=list)
    exemplars: dict[str, Evidence] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# The concerns a repo answers, and the vocabulary ids each may take. The ids are shared with each
# stack's `stack.yml` (its default `ids:` and its `alternatives:`), so a new option is one word here,
# one reading in the ecosystem's detector and, where we have depth for it, one entry in the data.
CONCERNS: dict[str, str] = {
    "stack": "django | fastapi | express | go",
    "language": "python | javascript | typescript | go (details: version, module_system for Node)",
    "framework": "django | fastapi | express | net-http | chi | gin | echo | fiber | gorilla-mux",
    "database": "postgresql | mysql | sqlite | mongodb (details: driver)",
    "orm": "django-orm | sqlalchemy | sqlalchemy-async | sqlmodel | tortoise | peewee | prisma | sequelize | "
    "typeorm | mongoose | knex | drizzle | mikro-orm | objection | pg | mysql2 | mongodb-driver | gorm | sqlx | "
    "sqlc | pgx | database-sql | ent | bun",
    "migrations": "django | alembic | aerich | yoyo | prisma-migrate | knex | sequelize-cli | typeorm | "
    "node-pg-migrate | migrate-mongo | drizzle-kit | goose | golang-migrate | atlas | gorm-automigrate | "
    "tern | dbmate (details: create, apply, rollback, verify commands)",
    "cache": "redis | memcached",
    "queue": "celery | arq | rq | dramatiq | huey | taskiq | bullmq | bull | agenda | bee-queue | asynq | "
    "machinery | river (details: broker)",
    "test": "pytest | django-test | unittest | jest | vitest | mocha | node-test | ava | go-test "
    "(details: run, coverage_run, fixtures, http_client, coverage_tool, fail_under)",
    "logging": "structlog | stdlib-logging | loguru | winston | pino | bunyan | console | slog | zap | "
    "zerolog | logrus | go-log",
    "validation": "drf | django-forms | django-ninja | pydantic | marshmallow | joi | zod | "
    "express-validator | yup | celebrate | ajv | class-validator | go-playground-validator | ozzo-validation",
    "api_docs": "drf-spectacular | drf-yasg | fastapi-openapi | swagger-jsdoc | tsoa | zod-to-openapi | "
    "openapi-file | express-openapi-validator | swaggo | oapi-codegen | ogen",
    "package_manager": "uv | poetry | pipenv | pip | pdm | npm | yarn | pnpm | bun | go-modules "
    "(details: install command)",
    "lint": "ruff | flake8 | black | pylint | isort | mypy | eslint | biome | prettier | standard | "
    "tslint | golangci-lint | staticcheck | gofmt",
    "container": "docker (details: base image, cmd)",
    "process": "gunicorn | uvicorn | uwsgi | daphne | pm2 | node | procfile | binary",
    "settings": "django-settings | pydantic-settings | django-environ | decouple | dotenv | config-module | "
    "envalid | node-env-file | viper | envconfig | caarlos0-env | koanf | cleanenv | os-getenv",
}


@dataclass
class RepoFacts:
    """Everything detection read from one repo."""

    root: str = ""  # the project root, repo-relative; "" when the service is at the top
    stacks: list[Fact] = field(default_factory=list)  # every candidate stack found, best first
    facts: dict[str, Fact] = field(default_factory=dict)  # concern -> fact, for the chosen stack
    env: list[EnvVar] = field(default_factory=list)
    # Files an agent should model new work on: "test", "route", "model", "settings", "logging", ...
    exemplars: dict[str, Evidence] = field(default_factory=dict)
    # Things a user should know: several settings modules, a stack we have no data for, ...
    notes: list[str] = field(default_factory=list)
    # How many source files the repo has: a repo with code but no known stack is not an empty repo.
    code_files: int = 0

    @property
    def has_code(self) -> bool:
        return bool(self.stacks)

    @property
    def stack(self) -> str | None:
        """The stack, when exactly one candidate was found."""
        return self.stacks[0].id if len(self.stacks) == 1 else None

    def to_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, Enum):
                return value.value
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        return {
            "root": self.root,
            "stacks": [plain(asdict(f)) for f in self.stacks],
            "facts": {k: plain(asdict(f)) for k, f in self.facts.items()},
            "env": [plain(asdict(v)) for v in self.env],
            "exemplars": {k: str(v) for k, v in self.exemplars.items()},
            "notes": list(self.notes),
            "code_files": self.code_files,
        }
