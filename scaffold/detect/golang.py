"""Go services: which go.mod modules serve HTTP, and what each one is built with.

Everything is read, nothing is built or run: `go.mod` (its requires and their pins, the `go` and
`toolchain` directives), the import blocks and a few patterns of a bounded sample of source files,
the repo's Makefile/justfile/Taskfile and CI commands, and config files (`.golangci.yml`,
`sqlc.yaml`, `atlas.hcl`, the Dockerfile). A require marked `// indirect` is a dependency of a
dependency: it counts only when the code imports it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property

from scaffold.detect.commands import Command, RepoCommands, load_yaml
from scaffold.detect.model import Confidence, Evidence, Fact, Reading
from scaffold.detect.tree import Line, RepoTree

# How deep a go.mod may sit: `backend/go.mod`, `services/api/go.mod`, `apps/x/server/go.mod`.
MAX_MODULE_DEPTH = 3
# Source files read for imports and patterns, shallowest first: enough for any one service.
MAX_SOURCES = 400
MAX_TESTS = 150
# Folders whose code is not the service: examples, fixtures, tooling.
NOT_SERVICE_DIRS = frozenset({"example", "examples", "_example", "_examples", "testdata", "tools", "hack", "scripts"})
TARGET_ORIGINS = ("make", "just", "task")

# Router modules (go.mod path prefix) -> (framework id, label).
FRAMEWORKS = {
    "github.com/gin-gonic/gin": ("gin", "gin"),
    "github.com/go-chi/chi": ("chi", "chi"),
    "github.com/labstack/echo": ("echo", "Echo"),
    "github.com/gofiber/fiber": ("fiber", "Fiber"),
    "github.com/gorilla/mux": ("gorilla-mux", "gorilla/mux"),
}
GRPC_GATEWAY = "github.com/grpc-ecosystem/grpc-gateway"
NET_HTTP_SERVE = re.compile(
    r"http\.ListenAndServe(?:TLS)?\(|http\.Server\s*\{|http\.NewServeMux\(\)|http\.HandleFunc\(|http\.Serve\("
)
GRPC_SERVE = re.compile(r"grpc\.NewServer\(")
PACKAGE_MAIN = re.compile(r"^package\s+main\s*$", re.M)
IMPORT_SPEC = re.compile(r'^\s*(?:[A-Za-z_.][A-Za-z0-9_]*\s+)?"([^"]+)"')

# Route registration per framework: where an agent adds an endpoint.
ROUTE_CALLS = {
    "gin": re.compile(r"\.(?:GET|POST|PUT|PATCH|DELETE|Group|Handle)\(\s*\""),
    "echo": re.compile(r"\.(?:GET|POST|PUT|PATCH|DELETE|Group|Add)\(\s*\""),
    "chi": re.compile(r"\.(?:Get|Post|Put|Patch|Delete|Route|Mount|Method|Handle|HandleFunc)\(\s*\""),
    "fiber": re.compile(r"\.(?:Get|Post|Put|Patch|Delete|Group|Add|All)\(\s*\""),
    "gorilla-mux": re.compile(r"\.(?:HandleFunc|Handle|PathPrefix|Path)\(\s*\""),
    "net-http": re.compile(r"\.(?:HandleFunc|Handle)\(\s*\"|http\.HandleFunc\(\s*\""),
}

# Database drivers, in order of preference: (import/module prefix, database, driver id).
DRIVERS = (
    ("github.com/jackc/pgx", "postgresql", "pgx"),
    ("github.com/lib/pq", "postgresql", "lib-pq"),
    ("gorm.io/driver/postgres", "postgresql", "pgx"),
    ("github.com/jinzhu/gorm/dialects/postgres", "postgresql", "lib-pq"),
    ("github.com/uptrace/bun/driver/pgdriver", "postgresql", "pgdriver"),
    ("github.com/go-sql-driver/mysql", "mysql", "go-sql-driver-mysql"),
    ("gorm.io/driver/mysql", "mysql", "go-sql-driver-mysql"),
    ("github.com/jinzhu/gorm/dialects/mysql", "mysql", "go-sql-driver-mysql"),
    ("github.com/mattn/go-sqlite3", "sqlite", "mattn-go-sqlite3"),
    ("modernc.org/sqlite", "sqlite", "modernc-sqlite"),
    ("gorm.io/driver/sqlite", "sqlite", "mattn-go-sqlite3"),
    ("github.com/glebarez/sqlite", "sqlite", "modernc-sqlite"),
    ("github.com/jinzhu/gorm/dialects/sqlite", "sqlite", "mattn-go-sqlite3"),
    ("go.mongodb.org/mongo-driver", "mongodb", "mongo-driver"),
)
DATABASE_LABELS = {"postgresql": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite", "mongodb": "MongoDB"}

LOGGERS = (  # (module prefix, id, label, the call that builds or configures the logger)
    ("go.uber.org/zap", "zap", "zap", re.compile(r"zap\.New(?:Production|Development|Example)?\(|zap\.Config\{|zapcore\.NewCore\(")),
    ("github.com/rs/zerolog", "zerolog", "zerolog", re.compile(r"zerolog\.New\(|zerolog\.SetGlobalLevel\(|log\.Logger\s*=\s*")),
    ("github.com/sirupsen/logrus", "logrus", "logrus", re.compile(r"logrus\.New\(\)|logrus\.Set(?:Formatter|Level|Output)\(")),
    ("log/slog", "slog", "log/slog", re.compile(r"slog\.New\(|slog\.SetDefault\(|slog\.New(?:JSON|Text)Handler\(")),
)
STDLIB_LOG_SETUP = re.compile(r"log\.Set(?:Flags|Output|Prefix)\(|log\.New\(")

SETTINGS = (  # (module prefix, id, label, the call that loads the settings)
    ("github.com/spf13/viper", "viper", "viper", re.compile(r"viper\.(?:ReadInConfig|SetConfigName|SetConfigFile|AutomaticEnv|Unmarshal)\(")),
    ("github.com/kelseyhightower/envconfig", "envconfig", "envconfig", re.compile(r"envconfig\.(?:Process|MustProcess)\(")),
    ("github.com/caarlos0/env", "caarlos0-env", "caarlos0/env", re.compile(r"\benv\.(?:Parse|ParseAs|ParseWithOptions)\w*[\[(]")),
    ("github.com/knadh/koanf", "koanf", "koanf", re.compile(r"koanf\.New\(|\.Load\(")),
    ("github.com/ilyakaznacheev/cleanenv", "cleanenv", "cleanenv", re.compile(r"cleanenv\.Read\w*\(")),
    ("github.com/go-ini/ini", "config-module", "go-ini", re.compile(r"ini\.Load\(")),
    ("gopkg.in/ini", "config-module", "go-ini", re.compile(r"ini\.Load\(")),
)
OS_GETENV = re.compile(r"os\.(?:Getenv|LookupEnv)\(")
CONFIG_DIRS = frozenset({"config", "configs", "conf", "settings", "cfg"})

GO_TEST = re.compile(r"(?:^|[\s;&|(])(?:go test|gotestsum|ginkgo)\b")
MIGRATE_TARGET_SKIP = re.compile(r"drop|force|reset|redo|fix|goto|seed", re.I)


# -- go.mod ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Require:
    path: str
    version: str
    line: int
    indirect: bool


@dataclass
class GoMod:
    """The parts of a go.mod that detection reads."""

    path: str
    module: str = ""
    module_line: int = 1
    go: str = ""
    go_line: int | None = None
    toolchain: str = ""
    toolchain_line: int | None = None
    requires: list[Require] = field(default_factory=list)
    tools: list[tuple[str, int]] = field(default_factory=list)

    def find(self, prefix: str, direct: bool = True) -> Require | None:
        """The require of `prefix` (any major version); with `direct`, not one marked `// indirect`."""
        return next((r for r in self.requires if _is_module(r.path, prefix) and not (direct and r.indirect)), None)


def parse_go_mod(tree: RepoTree, path: str) -> GoMod:
    mod = GoMod(path)
    block = ""
    for line in tree.lines(path):
        text = line.text.split("//", 1)[0].strip() if "// indirect" not in line.text else line.text.strip()
        if not text:
            continue
        if block:
            if text.startswith(")"):
                block = ""
            else:
                _mod_entry(mod, block, text, line.number)
            continue
        word, _, rest = text.partition(" ")
        rest = rest.strip()
        if rest == "(":
            block = word
        elif word == "module":
            mod.module, mod.module_line = rest.strip('"'), line.number
        elif word == "go":
            mod.go, mod.go_line = rest, line.number
        elif word == "toolchain":
            mod.toolchain, mod.toolchain_line = rest.removeprefix("go"), line.number
        elif word in ("require", "tool"):
            _mod_entry(mod, word, rest, line.number)
    return mod


def _mod_entry(mod: GoMod, block: str, text: str, number: int) -> None:
    if block == "require":
        parts = text.split()
        if len(parts) >= 2:
            mod.requires.append(Require(parts[0], parts[1], number, text.endswith("// indirect")))
    elif block == "tool":
        mod.tools.append((text.split()[0], number))


def _shown(name: str, version: str) -> str:
    """`name version` for a label; a pseudo-version (a commit pin) is no release anyone would name."""
    if not version or re.search(r"\d{14}-[0-9a-f]{12}", version):
        return name
    return f"{name} {version.removesuffix('+incompatible')}"


def _is_module(path: str, prefix: str) -> bool:
    """`github.com/go-chi/chi/v5` and `gopkg.in/go-playground/validator.v9` are versions of their prefix."""
    return path == prefix or path.startswith((prefix + "/", prefix + ".v"))


# -- one module and its sources ------------------------------------------------------------------
@dataclass
class Module:
    """A go.mod and the Go files that belong to it (not to a module nested below it)."""

    tree: RepoTree
    mod: GoMod
    nested: tuple[str, ...] = ()  # roots of other modules inside this one
    _parsed: dict[str, dict[str, Line]] = field(default_factory=dict, repr=False)

    @property
    def root(self) -> str:
        return _folder(self.mod.path)

    def rel(self, path: str) -> str:
        """`path` relative to the module root, as commands run from the root spell it."""
        return path[len(self.root) + 1:] if self.root else path

    @cached_property
    def go_files(self) -> list[str]:
        prefix = f"{self.root}/" if self.root else ""
        nested = tuple(f"{n}/" for n in self.nested)
        found = [p for p in self.tree.with_suffix(".go", under=self.root) if not p[len(prefix):].startswith(nested)]
        return sorted(found, key=lambda p: (p.count("/"), p))

    @cached_property
    def sources(self) -> list[str]:
        """Hand-written, non-test source files of the service, shallowest first, bounded."""
        return [p for p in self.go_files if not p.endswith("_test.go") and _hand_written(p)][:MAX_SOURCES]

    @cached_property
    def tests(self) -> list[str]:
        return [p for p in self.go_files if p.endswith("_test.go") and _hand_written(p)]

    def file_imports(self, path: str) -> dict[str, Line]:
        """The import paths of one file -> their lines, parsed once."""
        if path not in self._parsed:
            self._parsed[path] = _file_imports(self.tree, path)
        return self._parsed[path]

    def imports_of(self, paths: list[str]) -> dict[str, Line]:
        found: dict[str, Line] = {}
        for path in paths:
            for spec, line in self.file_imports(path).items():
                found.setdefault(spec, line)
        return found

    @cached_property
    def imports(self) -> dict[str, Line]:
        """Each import path of the sources -> its first import line."""
        return self.imports_of(self.sources)

    def imported(self, prefix: str) -> Line | None:
        return next((line for path, line in self.imports.items() if _is_module(path, prefix)), None)

    def importers(self, prefix: str) -> int:
        """How many source files import `prefix`."""
        return sum(1 for path in self.sources if any(_is_module(spec, prefix) for spec in self.file_imports(path)))

    def uses(self, prefix: str) -> Evidence | None:
        """Where the module shows it uses `prefix`: its direct require, else an import of it."""
        if require := self.mod.find(prefix):
            return Evidence(self.mod.path, require.line)
        if line := self.imported(prefix):
            return Evidence(line.path, line.number)
        return None

    def version(self, prefix: str) -> str:
        require = self.mod.find(prefix, direct=False)
        return require.version if require else ""

    def search(self, pattern: re.Pattern[str], paths: list[str] | None = None) -> Line | None:
        """The first line matching `pattern` in `paths` (the sources by default)."""
        for path in self.sources if paths is None else paths:
            if line := _first_match(self.tree, path, pattern):
                return line
        return None

    @cached_property
    def mains(self) -> list[str]:
        """One file per `package main` folder of the service: main.go, cmd/*, cmd/*/*."""
        folders: dict[str, list[str]] = {}
        for path in self.go_files:
            if path.endswith("_test.go") or not _hand_written(path):
                continue
            inner = self.rel(path)
            parts = inner.split("/")
            if any(part in NOT_SERVICE_DIRS for part in parts[:-1]):
                continue
            in_cmd = parts[0] == "cmd" and len(parts) <= 4
            if len(parts) == 1 or in_cmd or (parts[-1] == "main.go" and len(parts) <= 4):
                folders.setdefault(_folder(path), []).append(path)
        found = []
        for files in folders.values():
            first = next((p for p in files if p.endswith("/main.go") or p == "main.go"), files[0])
            if PACKAGE_MAIN.search(self.tree.text(first) or ""):
                found.append(first)
        return found


def _hand_written(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return not (
        name.endswith((".pb.go", ".pb.gw.go", "_gen.go", ".gen.go", "_mock.go", "_string.go"))
        or name.startswith(("mock_", "zz_generated"))
        or "/mocks/" in f"/{path}"
    )


IMPORTS_END = re.compile(r"^(?:func|type|var|const)\s", re.M)


def _file_imports(tree: RepoTree, path: str) -> dict[str, Line]:
    """The import specs of a Go file, read from its header only (imports precede any declaration)."""
    text = tree.text(path) or ""
    end = IMPORTS_END.search(text)
    found: dict[str, Line] = {}
    in_block = False
    for number, raw in enumerate(text[: end.start() if end else len(text)].splitlines(), start=1):
        text_line = raw.strip()
        spec = None
        if in_block:
            if text_line.startswith(")"):
                in_block = False
                continue
            spec = IMPORT_SPEC.match(text_line)
        elif text_line.startswith("import ("):
            in_block = True
        elif text_line.startswith("import "):
            spec = IMPORT_SPEC.match(text_line[len("import"):])
        if spec and spec.group(1) not in found:
            found[spec.group(1)] = Line(path, number, raw)
    return found


def _first_match(tree: RepoTree, path: str, pattern: re.Pattern[str]) -> Line | None:
    text = tree.text(path)
    if text is None:
        return None
    match = pattern.search(text)
    if not match:
        return None
    number = text.count("\n", 0, match.start()) + 1
    return Line(path, number, text.splitlines()[number - 1])


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _modules(tree: RepoTree) -> list[Module]:
    paths = [
        p for p in tree.named("go.mod", max_depth=MAX_MODULE_DEPTH)
        if not any(part in NOT_SERVICE_DIRS for part in p.split("/")[:-1])
    ]
    roots = [_folder(p) for p in paths]
    modules = []
    for path in paths:
        root = _folder(path)
        nested = tuple(r for r in roots if r != root and (not root or r.startswith(root + "/")))
        modules.append(Module(tree, parse_go_mod(tree, path), nested))
    return modules


# -- candidates ----------------------------------------------------------------------------------
def candidates(tree: RepoTree) -> list[Fact]:
    """A "go" stack fact per go.mod that is a service: a `package main` serving HTTP (or gRPC)."""
    facts = []
    for module in _modules(tree):
        if not module.mod.module or not module.mains:
            continue  # a library module: nothing to scaffold a service kit into
        serves = _server(module)
        details = {"root": module.root, "module": module.mod.module}
        if serves:
            label, evidence, confidence = serves
            facts.append(Fact("stack", "go", f"Go service ({label})", evidence, confidence, details))
        else:
            evidence = Evidence(module.mod.path, module.mod.module_line)
            facts.append(Fact("stack", "go", "Go command-line module (no HTTP server found)", evidence,
                              Confidence.low, details))
    return facts


def _server(module: Module) -> tuple[str, Evidence, Confidence] | None:
    """What serves requests: a router in go.mod, else net/http or gRPC server use in the main packages."""
    for prefix, (_, label) in FRAMEWORKS.items():
        if require := module.mod.find(prefix):
            return label, Evidence(module.mod.path, require.line), Confidence.high
    if require := module.mod.find(GRPC_GATEWAY):
        return "grpc-gateway", Evidence(module.mod.path, require.line), Confidence.high
    paths = _server_files(module)
    if line := module.search(NET_HTTP_SERVE, paths):
        return "net/http", Evidence(line.path, line.number), Confidence.high
    if line := module.search(GRPC_SERVE, paths):
        return "gRPC", Evidence(line.path, line.number), Confidence.medium
    return None


def _server_files(module: Module) -> list[str]:
    """The main packages' files and the files named like a server: where a server is started."""
    folders = {_folder(p) for p in module.mains}
    named = ("server.go", "http.go", "router.go", "routes.go", "api.go", "app.go", "main.go")
    return [p for p in module.sources if _folder(p) in folders or p.rsplit("/", 1)[-1] in named][:80]


# -- read ----------------------------------------------------------------------------------------
def read(tree: RepoTree, root: str, stack: str, commands: RepoCommands) -> Reading:
    """The facts of the Go module at `root`."""
    module = next((m for m in _modules(tree) if m.root == root), None)
    reading = Reading()
    if module is None:
        return reading
    framework = _framework(module, reading)
    database = _database(module, reading)
    orm = _orm(module, reading)
    facts = [
        _language(module),
        framework,
        database,
        orm,
        _migrations(module, commands, reading),
        _cache(module),
        _queue(module, commands, reading),
        _test(module, commands, reading),
        _logging(module, reading),
        _validation(module, framework),
        _api_docs(module, commands),
        _package_manager(module),
        _lint(module, commands),
    ]
    dockerfile = _dockerfile(module)
    facts += [_container(dockerfile), _process(commands, dockerfile), _settings(module, reading)]
    reading.facts = [fact for fact in facts if fact is not None]
    if framework and (route := _route_file(module, framework.id)):
        reading.exemplars["route"] = Evidence(route)
    return reading


def _language(module: Module) -> Fact:
    mod = module.mod
    details = {}
    if mod.toolchain:
        details["toolchain"] = mod.toolchain
    if mod.go:
        details["version"] = mod.go
        return Fact("language", "go", f"Go {mod.go}", Evidence(mod.path, mod.go_line), details=details)
    if mod.toolchain:
        details["version"] = mod.toolchain
        return Fact("language", "go", f"Go {mod.toolchain}", Evidence(mod.path, mod.toolchain_line), details=details)
    return Fact("language", "go", "Go", Evidence(mod.path, mod.module_line), Confidence.medium)


def _framework(module: Module, reading: Reading) -> Fact | None:
    """The router the code imports; net/http when only the standard library serves."""
    found = []
    for prefix, (ident, label) in FRAMEWORKS.items():
        line = module.imported(prefix)
        evidence = module.uses(prefix)
        if line or (evidence and module.mod.find(prefix)):
            version = module.version(prefix)
            details = {"version": version} if version else {}
            found.append(Fact("framework", ident, _shown(label, version), evidence or Evidence(line.path, line.number),
                              details=details))
    if len(found) > 1:
        # Several routers: the one the code imports in the most places is the service's.
        reading.notes.append("Several HTTP routers are required: " + ", ".join(f.label for f in found) + ".")
        prefixes = {ident: prefix for prefix, (ident, _) in FRAMEWORKS.items()}
        found.sort(key=lambda f: -module.importers(prefixes[f.id]))
    if found:
        return found[0]
    if line := module.search(NET_HTTP_SERVE, _server_files(module)):
        return Fact("framework", "net-http", "net/http (standard library)", Evidence(line.path, line.number))
    return None


def _route_file(module: Module, framework: str) -> str | None:
    """The file registering the most routes, a file named like a router winning ties."""
    pattern = ROUTE_CALLS.get(framework)
    if pattern is None:
        return None
    best, best_score = None, 0
    for path in module.sources:
        text = module.tree.text(path) or ""
        count = len(pattern.findall(text))
        if not count:
            continue
        score = count * 10 + (5 if "rout" in path.rsplit("/", 1)[-1] else 0)
        if score > best_score:
            best, best_score = path, score
    return best


def _database(module: Module, reading: Reading) -> Fact | None:
    found: dict[str, tuple[str, Evidence]] = {}
    for prefix, database, driver in DRIVERS:
        if database not in found and (evidence := module.uses(prefix)):
            found[database] = (driver, evidence)
    if not found:
        return None
    database, (driver, evidence) = next(iter(found.items()))
    confidence = Confidence.high
    if len(found) > 1:
        # The service supports several databases: the first is a preference, not a reading.
        reading.notes.append("Drivers for several databases are used: " + ", ".join(DATABASE_LABELS[d] for d in found) + ".")
        confidence = Confidence.medium
    return Fact("database", database, DATABASE_LABELS[database], evidence, confidence, {"driver": driver})


def _orm(module: Module, reading: Reading) -> Fact | None:
    """The data-access layer: an ORM or query builder, sqlc, pgx itself or database/sql."""
    for prefix, ident, label in (
        ("gorm.io/gorm", "gorm", "GORM"),
        ("github.com/jinzhu/gorm", "gorm", "GORM v1 (jinzhu/gorm)"),
        ("entgo.io/ent", "ent", "ent"),
        ("github.com/uptrace/bun", "bun", "bun"),
    ):
        if evidence := module.uses(prefix):
            version = module.version(prefix)
            _model_exemplar(module, reading, ident)
            shown = label if ident == "gorm" and "jinzhu" in prefix else _shown(label, version)
            return Fact("orm", ident, shown, evidence, details={"version": version} if version else {})
    if config := _sqlc_config(module):
        _model_exemplar(module, reading, "sqlc", config)
        return Fact("orm", "sqlc", "sqlc (generated queries)", Evidence(config))
    if evidence := module.uses("github.com/jmoiron/sqlx"):
        version = module.version("github.com/jmoiron/sqlx")
        _model_exemplar(module, reading, "sqlx")
        return Fact("orm", "sqlx", _shown("sqlx", version), evidence, details={"version": version} if version else {})
    direct = next((line for path, line in module.imports.items()
                   if re.fullmatch(r"github\.com/jackc/pgx(?:/v\d+)?(?:/pgxpool)?", path)), None)
    if direct:
        _model_exemplar(module, reading, "pgx")
        return Fact("orm", "pgx", "pgx (no ORM)", Evidence(direct.path, direct.number))
    if line := module.imported("database/sql"):
        _model_exemplar(module, reading, "database-sql")
        return Fact("orm", "database-sql", "database/sql (no ORM)", Evidence(line.path, line.number))
    return None


def _sqlc_config(module: Module) -> str | None:
    for folder in dict.fromkeys([module.root, ""]):
        for name in ("sqlc.yaml", "sqlc.yml", "sqlc.json"):
            path = f"{folder}/{name}" if folder else name
            if module.tree.exists(path):
                return path
    return None


MODEL_PATTERNS = {
    "gorm": re.compile(r"gorm\.Model\b|`[^`\n]*gorm:\""),
    "bun": re.compile(r"bun\.BaseModel\b"),
    "sqlx": re.compile(r"`[^`\n]*db:\""),
    "pgx": re.compile(r"\.(?:Query|QueryRow|Exec)\(\s*ctx\b"),
    "database-sql": re.compile(r"\.(?:Query|QueryRow|Exec)(?:Context)?\("),
}


def _model_exemplar(module: Module, reading: Reading, orm: str, config: str = "") -> None:
    """Where the data layer is written: models for an ORM, queries for sqlc, a repository otherwise."""
    tree = module.tree
    if orm == "ent":
        path = next((p for p in module.sources if "/ent/schema/" in f"/{p}"), None)
    elif orm == "sqlc":
        path = _sqlc_queries(tree, config)
    else:
        pattern = MODEL_PATTERNS[orm]
        sources = [p for p in module.sources if "migrat" not in p]
        preferred = [p for p in sources if re.search(r"model|entit|domain|repo|store|storage|db", p)]
        path = next((p for p in preferred if _first_match(tree, p, pattern)), None)
        if path is None:
            path = next((p for p in sources if _first_match(tree, p, pattern)), None)
    if path:
        reading.exemplars["model"] = Evidence(path)


def _sqlc_queries(tree: RepoTree, config: str) -> str | None:
    data = json.loads(tree.text(config) or "null") if config.endswith(".json") else load_yaml(tree, config)
    if not isinstance(data, dict):
        return None
    blocks = data.get("sql") or data.get("packages") or []
    base = _folder(config)
    for block in blocks if isinstance(blocks, list) else []:
        queries = block.get("queries") if isinstance(block, dict) else None
        for query in [queries] if isinstance(queries, str) else queries or []:
            path = f"{base}/{query}".strip("/").removeprefix("./").replace("/./", "/") if base else query.removeprefix("./")
            if tree.exists(path):
                return path
            inside = sorted(p for p in tree.files if p.startswith(path.rstrip("/") + "/") and p.endswith(".sql"))
            if inside:
                return inside[0]
    return None


# -- migrations ----------------------------------------------------------------------------------
MIGRATION_TOOLS = (  # (id, label, module prefix, command pattern)
    ("goose", "goose", "github.com/pressly/goose", re.compile(r"(?:^|[\s/;&])goose\s")),
    ("golang-migrate", "golang-migrate", "github.com/golang-migrate/migrate",
     re.compile(r"(?:^|[\s/;&])migrate\s+(?:create\b|.*-(?:path|source|database)\b)")),
    ("atlas", "Atlas", "ariga.io/atlas", re.compile(r"(?:^|[\s/;&])atlas\s+(?:migrate|schema)\b")),
    ("tern", "tern", "github.com/jackc/tern", re.compile(r"(?:^|[\s/;&])tern\s+(?:migrate|new|status)\b")),
    ("dbmate", "dbmate", "github.com/amacneil/dbmate", re.compile(r"(?:^|[\s/;&])dbmate\b")),
)
EMBED_MIGRATIONS = re.compile(r"^//go:embed\s+\S*migrat", re.M)
AUTO_MIGRATE = re.compile(r"\.AutoMigrate\(")
# A main package that runs the migration library with a verb from the command line.
WRAPPER_ARGS = re.compile(r"os\.Args|flag\.Args\(\)|flags\.Args\(\)|flag\.Arg\(")


def _migrations(module: Module, commands: RepoCommands, reading: Reading) -> Fact | None:
    tree = module.tree
    folder = _migrations_folder(module)
    if folder:
        files = sorted(p for p in tree.files if _folder(p) == folder)
        reading.exemplars["migration"] = Evidence(files[-1])
    embedded = module.search(EMBED_MIGRATIONS)
    for ident, label, prefix, pattern in MIGRATION_TOOLS:
        evidence = module.uses(prefix)
        command = commands.find(pattern)
        config = _atlas_config(module) if ident == "atlas" else None
        if not (evidence or command or config):
            continue
        version = module.version(prefix)
        details, from_repo = _migration_commands(module, commands, ident, pattern, folder, config)
        if embedded:
            details["embedded"] = f"{embedded.path}:{embedded.number}"
        if version:
            details["version"] = version
        evidence = evidence or (command.evidence if command else Evidence(config or module.mod.path))
        if module.search(AUTO_MIGRATE):
            reading.notes.append(f"The code also calls GORM AutoMigrate next to {label} migrations.")
        # The tool is certain; commands that are only the tool's convention are not the repo's word.
        confidence = Confidence.high if from_repo else Confidence.medium
        return Fact("migrations", ident, _shown(label, version), evidence, confidence, details)
    if line := module.search(AUTO_MIGRATE):
        # The schema follows the models at start-up: nothing to create, apply or roll back by hand.
        reading.exemplars["migration"] = Evidence(line.path)
        return Fact("migrations", "gorm-automigrate", "GORM AutoMigrate (schema synced at start-up)",
                    Evidence(line.path, line.number), details={"runs": f"{line.path}:{line.number}"})
    return None


def _migrations_folder(module: Module) -> str:
    """The shallowest folder of .sql files whose path names migrations."""
    prefix = f"{module.root}/" if module.root else ""
    folders = {_folder(p) for p in module.tree.files if p.endswith(".sql") and p.startswith(prefix)}
    named = sorted((f for f in folders if "migrat" in f.lower()), key=lambda f: (f.count("/"), f))
    return named[0] if named else ""


def _atlas_config(module: Module) -> str | None:
    for folder in dict.fromkeys([module.root, ""]):
        path = f"{folder}/atlas.hcl" if folder else "atlas.hcl"
        if module.tree.exists(path):
            return path
    return None


def _migration_commands(
    module: Module, commands: RepoCommands, tool: str, pattern: re.Pattern[str], folder: str, config: str | None
) -> tuple[dict[str, str], bool]:
    """create/apply/rollback/verify, and whether the repo itself says how to apply.

    The repo's targets win, then its own migrate program (`go run ./cmd/migrate up`), then the tool's
    CLI. Next to the repo's own commands the CLI fills only what needs no database URL (creating a
    file), unless the repo's command shows the URL it passes.
    """
    targets = _migration_targets(module, commands, tool, pattern)
    wrapper = _migration_wrapper(module, tool)
    wrapped = _wrapper_commands(module, tool, wrapper) if wrapper else {}
    database = _repo_database_flag(commands, pattern)
    cli = _cli_commands(module, tool, folder, config, database or '"$DATABASE_URL"')
    if not (targets or wrapped):
        return cli, False
    gaps = cli if database else {"create": cli["create"]}
    return gaps | wrapped | targets, "apply" in (targets | wrapped)


def _wrapper_commands(module: Module, tool: str, wrapper: str) -> dict[str, str]:
    """The verbs the repo's migrate program accepts: all of goose's, or the literals a hand-written one checks."""
    if tool == "goose":
        return {"apply": f"{wrapper} up", "rollback": f"{wrapper} down", "verify": f"{wrapper} status"}
    text = "".join(module.tree.text(p) or "" for p in _package_files(module, wrapper))
    verbs = {"apply": "up", "rollback": "down", "verify": "version"}
    return {key: f"{wrapper} {verb}" for key, verb in verbs.items() if f'"{verb}"' in text}


def _repo_database_flag(commands: RepoCommands, pattern: re.Pattern[str]) -> str:
    """The `-database` URL the repo's own migrate command passes, as a shell word, when it reads the environment.

    `$(PG_URL)` in a Makefile is an environment variable only when the Makefile does not define it.
    """
    for command in commands.all:
        if not pattern.search(command.text):
            continue
        match = re.search(r"-database[= ](\S+)", command.text)
        if not match:
            continue
        value = match.group(1).strip("'\"")
        names = re.findall(r"\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]", value)
        makefile = commands.tree.text(command.evidence.path) or "" if command.origin == "make" else ""
        if not names or any(re.search(rf"^\s*(?:export\s+)?{n}\s*[:?+]?=", makefile, re.M) for n in names):
            continue
        return '"' + re.sub(r"\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]", r"$\1", value) + '"'
    return ""


def _cli_commands(module: Module, tool: str, folder: str, config: str | None, database: str) -> dict[str, str]:
    """The tool's own invocations for the migrations folder found."""
    directory = module.rel(folder) if folder else "migrations"
    sequential = _sequential(module.tree, folder)
    if tool == "goose":
        return {"create": f"goose -dir {directory}{' -s' if sequential else ''} create <name> sql",
                "apply": f"goose -dir {directory} up", "rollback": f"goose -dir {directory} down",
                "verify": f"goose -dir {directory} status"}
    if tool == "golang-migrate":
        seq = f" -seq -digits {sequential}" if sequential and sequential != 6 else " -seq" if sequential else ""
        return {"create": f"migrate create -ext sql -dir {directory}{seq} <name>",
                "apply": f"migrate -path {directory} -database {database} up",
                "rollback": f"migrate -path {directory} -database {database} down 1",
                "verify": f"migrate -path {directory} -database {database} version"}
    if tool == "atlas":
        env = re.search(r'^\s*env\s+"([^"]+)"', module.tree.text(config) or "", re.M) if config else None
        folder_flag = f"--dir file://{directory}"
        target = f"--env {env.group(1)}" if env else f"{folder_flag} --url {database}"
        return {"create": f"atlas migrate new <name> {target if env else folder_flag}",
                "apply": f"atlas migrate apply {target}", "rollback": f"atlas migrate down {target}",
                "verify": f"atlas migrate status {target}"}
    if tool == "tern":
        return {"create": f"tern new -m {directory} <name>", "apply": f"tern migrate -m {directory}",
                "rollback": f"tern migrate -m {directory} -d -1", "verify": f"tern status -m {directory}"}
    flag = "" if directory == "db/migrations" else f" -d {directory}"
    return {"create": f"dbmate{flag} new <name>", "apply": f"dbmate{flag} up",
            "rollback": f"dbmate{flag} rollback", "verify": f"dbmate{flag} status"}


def _migration_targets(module: Module, commands: RepoCommands, tool: str, pattern: re.Pattern[str]) -> dict[str, str]:
    """The Make/just/Task targets that run the tool (or the repo's migrate program), by verb."""
    wrapper = _migration_wrapper(module, tool)
    runs_wrapper = re.compile(r"go run \.?/?" + re.escape(wrapper.removeprefix("go run ./")) + r"\b") if wrapper else None
    found: dict[str, str] = {}
    for command in commands.all:
        if command.origin not in TARGET_ORIGINS or not command.name:
            continue
        if not (pattern.search(command.text) or (runs_wrapper and runs_wrapper.search(command.text))):
            continue
        words = f"{command.name} {command.text}"
        if MIGRATE_TARGET_SKIP.search(command.name):
            continue
        if re.search(r"\b(?:create|new)\b", words) or command.name in ("migration", "new-migration"):
            key = "create"
        elif re.search(r"\b(?:down|rollback)\b", words) or command.name.endswith(("down", "rollback")):
            key = "rollback"
        elif re.search(r"\b(?:status|version|validate)\b", words):
            key = "verify"
        elif re.search(r"\bup\b", words) or command.name.endswith(("up", "migrate")):
            key = "apply"
        else:
            continue
        invocation = _invocation(command, module.root)
        if key == "create":
            invocation = _with_name_argument(invocation, command)
        found.setdefault(key, invocation)
    return found


def _with_name_argument(invocation: str, command: Command) -> str:
    """How the target takes the new migration's name: `make t <name>`, `make t name=<name>` or a prompt."""
    text = command.text
    if "MAKECMDGOALS" in text or command.origin == "just" and "{{" in text:
        return f"{invocation} <name>"
    for variable in re.findall(r"\$[({]\s*([A-Za-z_][A-Za-z0-9_]*)\s*[)}]", text):
        if "name" in variable.lower() or variable.lower() in ("n", "m", "migration", "title", "desc"):
            return f"{invocation} {variable}=<name>"
    return invocation


def _migration_wrapper(module: Module, tool: str) -> str:
    """`go run ./cmd/migrate` when a main package runs the tool's library with a verb from the command line."""
    prefix = {"goose": "github.com/pressly/goose", "golang-migrate": "github.com/golang-migrate/migrate"}.get(tool)
    if not prefix:
        return ""
    for main in module.mains:
        folder = _folder(main)
        if folder == module.root:
            continue
        files = _package_files(module, f"go run ./{module.rel(folder)}")
        imports = module.imports_of(files)
        if any(_is_module(path, prefix) for path in imports) and any(
            _first_match(module.tree, p, WRAPPER_ARGS) for p in files
        ):
            return f"go run ./{module.rel(folder)}"
    return ""


def _package_files(module: Module, wrapper: str) -> list[str]:
    folder = wrapper.removeprefix("go run ./")
    folder = f"{module.root}/{folder}" if module.root else folder
    return [p for p in module.sources if _folder(p) == folder]


def _sequential(tree: RepoTree, folder: str) -> int:
    """The digit count of sequential migration versions (000001_x.up.sql), 0 for timestamps or none."""
    names = [p.rsplit("/", 1)[-1] for p in tree.files if folder and _folder(p) == folder and p.endswith(".sql")]
    digits = [len(m.group(1)) for name in names if (m := re.match(r"(\d+)_", name))]
    return digits[0] if digits and all(d == digits[0] and d < 10 for d in digits) else 0


def _invocation(command: Command, root: str) -> str:
    """How to run `command` from the project root: its target when it has one, else its text."""
    if command.origin not in TARGET_ORIGINS or not command.name:
        text = command.text
        return text.split("&&", 1)[1].strip() if root and re.match(rf"cd\s+\.?/?{re.escape(root)}/?\s*&&", text) else text
    folder = _folder(command.evidence.path)
    if folder == root:
        return f"{command.origin} {command.name}"
    up = "/".join([".."] * (root.count("/") + 1))
    if command.origin == "make":
        return f"make -C {up} {command.name}"
    return f"cd {up} && {command.origin} {command.name}"


# -- cache and queue -----------------------------------------------------------------------------
def _cache(module: Module) -> Fact | None:
    for prefix, ident, label in (
        ("github.com/redis/go-redis", "redis", "go-redis"),
        ("github.com/go-redis/redis", "redis", "go-redis"),
        ("github.com/redis/rueidis", "redis", "rueidis"),
        ("github.com/gomodule/redigo", "redis", "redigo"),
        ("github.com/garyburd/redigo", "redis", "redigo"),
        ("github.com/bradfitz/gomemcache", "memcached", "gomemcache"),
    ):
        if evidence := module.uses(prefix):
            version = module.version(prefix)
            return Fact("cache", ident, _shown(label, version), evidence,
                        details={"version": version} if version else {})
    return None


def _queue(module: Module, commands: RepoCommands, reading: Reading) -> Fact | None:
    rabbit = next((e for p in ("github.com/rabbitmq/amqp091-go", "github.com/streadway/amqp") if (e := module.uses(p))), None)
    for prefix, ident, label, broker in (
        ("github.com/hibiken/asynq", "asynq", "asynq", "redis"),
        ("github.com/riverqueue/river", "river", "River", "postgresql"),
        ("github.com/RichardKnop/machinery", "machinery", "machinery", "rabbitmq" if rabbit else ""),
    ):
        evidence = module.uses(prefix)
        if not evidence:
            continue
        version = module.version(prefix)
        details = {"broker": broker} if broker else {}
        if worker := _worker(module, commands, prefix):
            details["worker"] = worker
        return Fact("queue", ident, _shown(label, version), evidence, details=details)
    if rabbit:
        reading.notes.append(f"A RabbitMQ client is used ({rabbit}) without a task-queue library.")
    return None


def _worker(module: Module, commands: RepoCommands, prefix: str) -> str:
    """The worker's start command: a Procfile entry, else the main package that imports the queue library."""
    procfile = next((c for c in commands.all if c.origin == "procfile" and "worker" in c.name), None)
    if procfile:
        return procfile.text
    for main in module.mains:
        folder = _folder(main)
        if folder == module.root or "work" not in folder.rsplit("/", 1)[-1]:
            continue
        files = [p for p in module.sources if _folder(p) == folder]
        if any(_is_module(path, prefix) for path in module.imports_of(files)):
            return f"go run ./{module.rel(folder)}"
    return ""


# -- tests ---------------------------------------------------------------------------------------
def _test(module: Module, commands: RepoCommands, reading: Reading) -> Fact | None:
    if not module.tests:
        return None
    command = _test_command(commands)
    details = {"layout": "*_test.go next to the code"}
    if command:
        details["run"] = _invocation(command, module.root)
        evidence, confidence = command.evidence, Confidence.high
    else:
        details["run"] = "go test ./..."
        evidence, confidence = Evidence(module.tests[0]), Confidence.medium
    coverage = _coverage_command(commands, command)
    if coverage:
        details["coverage_run"] = _invocation(coverage, module.root)
        details["coverage_tool"] = "go test -coverprofile (go tool cover)"
    if gate := _fail_under(module, commands):
        details["fail_under"] = gate
    fixtures = _fixtures(module)
    if fixtures:
        details["fixtures"] = ", ".join(fixtures)
    http = [p for p in module.tests[:MAX_TESTS] if "net/http/httptest" in module.file_imports(p)]
    if http:
        details["http_client"] = "net/http/httptest"
    testify = module.mod.find("github.com/stretchr/testify")
    label = "go test" + (f" with testify {testify.version}" if testify else "")
    exemplar = _test_exemplar(module, http)
    if exemplar:
        reading.exemplars["test"] = Evidence(exemplar)
    return Fact("test", "go-test", label, evidence, confidence, details)


def _test_command(commands: RepoCommands) -> Command | None:
    """The target (or else CI step) that runs the unit tests: `test`/`tests` beats integration or coverage."""
    def rank(command: Command) -> int:
        name = command.name.lower()
        if name in ("test", "tests", "unit", "unit-test", "unit-tests", "test-unit", "test:unit"):
            return 0
        return 2 if re.search(r"integration|e2e|cover|bench|docker|ci", name) else 1

    # A target named `test` is the repo's test command even when it calls a script that runs go test.
    targets = [c for c in commands.all if c.origin in TARGET_ORIGINS
               and (GO_TEST.search(c.text) or c.name in ("test", "tests"))]
    if targets:
        return sorted(targets, key=rank)[0]
    # A CI step counts when it tests every package, not one folder of a test matrix.
    return next((c for c in commands.all if c.origin == "ci" and GO_TEST.search(c.text) and " ./..." in f" {c.text}"
                 and not re.search(r"integration|e2e|-run\b", c.text)), None)


def _coverage_command(commands: RepoCommands, run: Command | None) -> Command | None:
    if run and _measures_coverage(commands, run):
        return run
    for command in commands.all:
        whole = command.origin in TARGET_ORIGINS or " ./..." in f" {command.text}"
        if command.origin in (*TARGET_ORIGINS, "ci") and whole and GO_TEST.search(command.text) \
                and _measures_coverage(commands, command):
            return command
    return None


def _measures_coverage(commands: RepoCommands, command: Command) -> bool:
    """`-coverprofile` in the command, or in a Makefile variable the command expands."""
    if "coverprofile" in command.text or "-cover " in f"{command.text} ":
        return True
    if command.origin != "make":
        return False
    variables = re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", command.text)
    text = commands.tree.text(command.evidence.path) or ""
    return any(re.search(rf"^{re.escape(v)}\s*[+:?]?=.*coverprofile", text, re.M) for v in variables)


def _fail_under(module: Module, commands: RepoCommands) -> str:
    """The coverage gate, only when the repo fails a build under a stated number."""
    for folder in dict.fromkeys([module.root, ""]):
        for name in (".testcoverage.yml", ".testcoverage.yaml"):
            path = f"{folder}/{name}" if folder else name
            data = load_yaml(module.tree, path) if module.tree.exists(path) else None
            threshold = data.get("threshold") if isinstance(data, dict) else None
            if isinstance(threshold, dict) and threshold.get("total") is not None:
                return str(threshold["total"])
    gate = re.compile(r"(?:--?(?:fail-under|threshold-total|min-coverage|coverage-threshold)[= ])(\d+(?:\.\d+)?)")
    for command in commands.all:
        if match := gate.search(command.text):
            return match.group(1)
    return ""


def _fixtures(module: Module) -> list[str]:
    found = []
    if module.search(re.compile(r"\bsuite\.Suite\b"), module.tests[:MAX_TESTS]):
        found.append("testify suites")
    if module.mod.find("github.com/testcontainers/testcontainers-go"):
        found.append("testcontainers-go")
    if module.mod.find("github.com/ory/dockertest"):
        found.append("dockertest")
    if module.mod.find("github.com/DATA-DOG/go-sqlmock") or module.mod.find("gopkg.in/DATA-DOG/go-sqlmock"):
        found.append("go-sqlmock")
    prefix = f"{module.root}/" if module.root else ""
    if any(p.startswith(prefix) and "/testdata/" in f"/{p}" and p.endswith(".golden") for p in module.tree.files):
        found.append("golden files in testdata/")
    return found


def _test_exemplar(module: Module, http: list[str]) -> str | None:
    """An HTTP handler test when there is one, else a test of the service's own code."""
    handlers = [p for p in http if re.search(r"handler|rest|api|http|route|controller|server", p)]
    return (handlers or http or module.tests or [None])[0]


# -- logging, validation, docs -------------------------------------------------------------------
def _logging(module: Module, reading: Reading) -> Fact | None:
    """The structured logger the code imports in most files; the stdlib `log` only when there is none."""
    counts = []
    for prefix, ident, label, setup in LOGGERS:
        line = module.imported(prefix)
        if not line:
            continue
        counts.append((module.importers(prefix), prefix, ident, label, setup, line))
    if counts:
        counts.sort(key=lambda c: -c[0])
        _, prefix, ident, label, setup, line = counts[0]
        version = module.version(prefix)
        evidence = module.uses(prefix) or Evidence(line.path, line.number)
        label = _shown(label, version)
    elif line := module.imported("log"):
        ident, label, setup, evidence = "go-log", "standard library log", STDLIB_LOG_SETUP, Evidence(line.path, line.number)
        version = ""
    else:
        return None
    details = {"version": version} if version else {}
    where = _logger_setup(module, setup)
    if where:
        details["setup"] = where
        reading.exemplars["logging"] = Evidence(where)
    return Fact("logging", ident, label, evidence, details=details)


def _logger_setup(module: Module, pattern: re.Pattern[str]) -> str:
    """The file that builds the logger: a logger package first, then the main packages, then any."""
    named = [p for p in module.sources if "log" in p.lower()]
    for paths in (named, module.mains, module.sources):
        if line := module.search(pattern, paths):
            return line.path
    return ""


def _validation(module: Module, framework: Fact | None) -> Fact | None:
    for prefix, ident, label in (
        ("github.com/go-playground/validator", "go-playground-validator", "go-playground/validator"),
        ("gopkg.in/go-playground/validator", "go-playground-validator", "go-playground/validator"),
        ("github.com/go-ozzo/ozzo-validation", "ozzo-validation", "ozzo-validation"),
        ("github.com/invopop/validation", "ozzo-validation", "ozzo-validation (invopop)"),
    ):
        if evidence := module.uses(prefix):
            require = module.mod.find(prefix, direct=False)
            version = require.version if require else ""
            major = re.search(r"validator\.(v\d+)$|/(v\d+)$", require.path if require else "")
            shown = version or (next(g for g in major.groups() if g) if major else "")
            return Fact("validation", ident, _shown(label, shown), evidence,
                        details={"version": version} if version else {})
    if framework and framework.id == "gin":
        # gin validates `binding:"..."` struct tags with go-playground/validator under the hood.
        if line := module.search(re.compile(r'binding:"[^"]*required')):
            return Fact("validation", "go-playground-validator", "gin binding tags (go-playground/validator)",
                        Evidence(line.path, line.number), Confidence.medium)
    return None


def _api_docs(module: Module, commands: RepoCommands) -> Fact | None:
    tree = module.tree
    swag = next((e for p in ("github.com/swaggo/swag", "github.com/swaggo/gin-swagger", "github.com/swaggo/echo-swagger",
                              "github.com/swaggo/http-swagger", "github.com/gofiber/swagger") if (e := module.uses(p))), None)
    swag_tool = next((line for path, line in module.mod.tools if path.startswith("github.com/swaggo/swag")), None)
    swag_command = commands.find(re.compile(r"\bswag init\b"))
    if swag or swag_tool or swag_command:
        details = {}
        spec = next((p for p in (f"{module.root}/docs/swagger.json" if module.root else "docs/swagger.json",)
                     if tree.exists(p)), "")
        if spec:
            details["spec"] = spec
        if swag_command:
            details["generate"] = _invocation(swag_command, module.root)
        version = module.version("github.com/swaggo/swag")
        evidence = swag or (Evidence(module.mod.path, swag_tool) if swag_tool else swag_command.evidence)
        return Fact("api_docs", "swaggo", _shown("swaggo/swag", version), evidence, details=details)
    for prefix, ident, label in (
        ("github.com/oapi-codegen/oapi-codegen", "oapi-codegen", "oapi-codegen"),
        ("github.com/deepmap/oapi-codegen", "oapi-codegen", "oapi-codegen"),
        ("github.com/ogen-go/ogen", "ogen", "ogen"),
    ):
        require = module.mod.find(prefix, direct=False)
        tool = next((line for path, line in module.mod.tools if path.startswith(prefix)), None)
        if require or tool:
            details = {}
            if ident == "oapi-codegen" and (config := _oapi_config(module)):
                details["config"] = config
            number = require.line if require else tool
            return Fact("api_docs", ident, _shown(label, require.version if require else ""),
                        Evidence(module.mod.path, number), details=details)
    prefix = f"{module.root}/" if module.root else ""
    spec = next((p for p in tree.files if p.startswith(prefix) and p.count("/") - prefix.count("/") <= 2
                 and re.fullmatch(r"(?:openapi|swagger)[\w.-]*\.(?:ya?ml|json)", p.rsplit("/", 1)[-1])), None)
    if spec:
        return Fact("api_docs", "openapi-file", f"OpenAPI document ({spec})", Evidence(spec), Confidence.medium,
                    {"spec": spec})
    return None


def _oapi_config(module: Module) -> str:
    """The oapi-codegen config file: a YAML with `package:` and `generate:` or `output:` keys."""
    prefix = f"{module.root}/" if module.root else ""
    for path in module.tree.files:
        if path.startswith(prefix) and path.endswith((".yaml", ".yml")) and re.search(r"oapi|codegen|cfg", path):
            data = load_yaml(module.tree, path)
            if isinstance(data, dict) and "package" in data and ("generate" in data or "output" in data):
                return path
    return ""


# -- tooling -------------------------------------------------------------------------------------
def _package_manager(module: Module) -> Fact:
    return Fact("package_manager", "go-modules", "Go modules", Evidence(module.mod.path, module.mod.module_line),
                details={"install": "go mod download"})


LINTERS = (  # (label, id, command pattern)
    ("golangci-lint", "golangci-lint", re.compile(r"\bgolangci-lint\b")),
    ("staticcheck", "staticcheck", re.compile(r"\bstaticcheck\b")),
    ("gofumpt", "gofmt", re.compile(r"\bgofumpt\b")),
    ("gofmt", "gofmt", re.compile(r"\bgofmt\b")),
    ("golint", "", re.compile(r"\bgolint\b")),
    ("revive", "", re.compile(r"\brevive\b")),
    ("go vet", "", re.compile(r"\bgo vet\b")),
)


def _lint(module: Module, commands: RepoCommands) -> Fact | None:
    tree = module.tree
    config = next((f"{folder}/{name}" if folder else name
                   for folder in dict.fromkeys([module.root, ""])
                   for name in (".golangci.yml", ".golangci.yaml", ".golangci.toml", ".golangci.json")
                   if tree.exists(f"{folder}/{name}" if folder else name)), None)
    workflows = [p for p in tree.files if p.startswith(".github/workflows/")]
    action = next((line for path in workflows if (line := tree.first_line(path, re.compile(r"golangci/golangci-lint-action")))), None)
    found: dict[str, tuple[str, Evidence]] = {}
    if config:
        found["golangci-lint"] = (f"golangci-lint (config v{_golangci_version(tree, config)})", Evidence(config))
    elif action:
        found["golangci-lint"] = ("golangci-lint", Evidence(action.path, action.number))
    if tree.exists(f"{module.root}/staticcheck.conf" if module.root else "staticcheck.conf"):
        found["staticcheck"] = ("staticcheck", Evidence(f"{module.root}/staticcheck.conf" if module.root else "staticcheck.conf"))
    lint_commands = [c for c in commands.all if c.origin in (*TARGET_ORIGINS, "ci")]
    for label, _, pattern in LINTERS:
        if label not in found and (command := next((c for c in lint_commands if pattern.search(c.text)), None)):
            found[label] = (label, command.evidence)
    ident = next((i for label, i, _ in LINTERS if i and label in found), "")
    if not ident:
        return None
    first = next(label for label, i, _ in LINTERS if i == ident and label in found)
    details = {}
    if config:
        details["config"] = config
        details["version"] = _golangci_version(tree, config)
    if run := _lint_command(commands, module.root):
        details["run"] = run
    elif "golangci-lint" in found:
        details["run"] = "golangci-lint run"
    label = ", ".join(text for text, _ in found.values())
    return Fact("lint", ident, label, found[first][1], details=details)


def _golangci_version(tree: RepoTree, config: str) -> str:
    """golangci-lint v2 configs declare `version: "2"`; older ones declare nothing."""
    text = tree.text(config) or ""
    return "2" if re.search(r"""^["']?version["']?\s*[:=]\s*["']?2\b""", text, re.M) else "1"


def _lint_command(commands: RepoCommands, root: str) -> str:
    tools = re.compile(r"\b(?:golangci-lint|staticcheck|gofmt|gofumpt|golint|revive|go vet)\b")
    targets = [c for c in commands.all if c.origin in TARGET_ORIGINS and tools.search(c.text)]
    named = [c for c in commands.all if c.origin in TARGET_ORIGINS and c.name == "lint"]
    named += [c for c in targets if "lint" in c.name.lower()] + targets
    if named:
        return _invocation(named[0], root)
    step = next((c for c in commands.all if c.origin == "ci" and tools.search(c.text)), None)
    return _invocation(step, root) if step else ""


# -- container, process, settings ----------------------------------------------------------------
FROM_LINE = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.I)
RUN_LINE = re.compile(r"^\s*(CMD|ENTRYPOINT)\s+(.*)$", re.I)


@dataclass(frozen=True)
class Dockerfile:
    """The final stage of a Dockerfile: its base image and the command it runs."""

    path: str
    base: str
    base_line: int
    command: str = ""
    command_line: int | None = None


def _dockerfile(module: Module) -> Dockerfile | None:
    path = next((f"{folder}/Dockerfile" if folder else "Dockerfile"
                 for folder in dict.fromkeys([module.root, ""])
                 if module.tree.exists(f"{folder}/Dockerfile" if folder else "Dockerfile")), None)
    if path is None:
        return None
    stages: list[tuple[str, str, int]] = []
    entry = cmd = ""
    command_line = None
    for line in module.tree.lines(path):
        if match := FROM_LINE.match(line.text):
            stages.append((match.group(1), (match.group(2) or "").lower(), line.number))
            entry = cmd = ""
            command_line = None
        elif match := RUN_LINE.match(line.text):
            value = _instruction(match.group(2))
            if match.group(1).upper() == "ENTRYPOINT":
                entry = value
            else:
                cmd = value
            command_line = line.number
    if not stages:
        return None
    image, _, number = stages[-1]
    # `FROM build AS final` builds on an earlier stage: its image is that stage's base.
    aliases = {alias: base for base, alias, _ in stages if alias}
    while image.lower() in aliases and aliases[image.lower()] != image:
        image = aliases.pop(image.lower())
    command = " ".join(part for part in (entry, cmd) if part)
    return Dockerfile(path, image, number, command, command_line)


def _container(dockerfile: Dockerfile | None) -> Fact | None:
    if dockerfile is None:
        return None
    details = {"base": dockerfile.base}
    if dockerfile.command:
        details["cmd"] = dockerfile.command
    return Fact("container", "docker", f"Docker ({dockerfile.base})", Evidence(dockerfile.path, dockerfile.base_line),
                details=details)


def _instruction(value: str) -> str:
    """A CMD/ENTRYPOINT in exec (JSON) or shell form, as a shell command."""
    value = value.strip()
    if value.startswith("["):
        try:
            parts = json.loads(value)
        except ValueError:
            return value
        if isinstance(parts, list):
            return " ".join(str(p) for p in parts)
    return value


def _process(commands: RepoCommands, dockerfile: Dockerfile | None) -> Fact | None:
    """A Procfile's web process, else the compiled binary the image runs."""
    web = next((c for c in commands.all if c.origin == "procfile" and c.name == "web"), None)
    if web:
        return Fact("process", "procfile", "Procfile web process", web.evidence, details={"cmd": web.text})
    if dockerfile and dockerfile.command:
        first = dockerfile.command.split()[0]
        if first.startswith(("/", "./")) and not first.endswith(("/sh", "/bash")):
            return Fact("process", "binary", f"compiled binary ({first})",
                        Evidence(dockerfile.path, dockerfile.command_line), details={"cmd": dockerfile.command})
    return None


def _settings(module: Module, reading: Reading) -> Fact | None:
    for prefix, ident, label, call in SETTINGS:
        evidence = module.uses(prefix)
        if not evidence:
            continue
        version = module.version(prefix)
        details = {"version": version} if version else {}
        config = [p for p in module.sources if _in_config_package(module, p)]
        line = module.search(call, config) or module.search(call)
        if line:
            details["path"] = line.path
            reading.exemplars["settings"] = Evidence(line.path)
        return Fact("settings", ident, _shown(label, version), evidence, details=details)
    config = [p for p in module.sources if _in_config_package(module, p)]
    if line := module.search(OS_GETENV, config):
        reading.exemplars["settings"] = Evidence(line.path)
        return Fact("settings", "os-getenv", f"os.Getenv in {_folder(line.path) or line.path}",
                    Evidence(line.path, line.number), details={"path": line.path})
    if line := module.search(OS_GETENV, module.mains):
        return Fact("settings", "os-getenv", "os.Getenv in the main package", Evidence(line.path, line.number),
                    Confidence.medium, {"path": line.path})
    return None


def _in_config_package(module: Module, path: str) -> bool:
    parts = module.rel(path).split("/")
    return any(part in CONFIG_DIRS for part in parts[:-1]) or parts[-1] in ("config.go", "settings.go", "env.go")
