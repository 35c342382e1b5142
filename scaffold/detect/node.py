"""Express services: found by the package.json that depends on `express`, read without running them.

Everything here comes from manifests, lockfiles, config files and a bounded set of source files. A
package.json is the strongest evidence a Node service has: a tool in `dependencies` is used at run
time, one in `devDependencies` only while building or testing, and the lockfile says which version
a range resolved to. Commands prefer the repo's own package scripts (`npm run migrate`) over a
tool's bare invocation, because the script carries the flags and env the team relies on.
"""

from __future__ import annotations

import heapq
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from scaffold.detect.commands import Command, RepoCommands, load_yaml
from scaffold.detect.model import Confidence, Evidence, Fact, Reading
from scaffold.detect.tree import RepoTree

# package.json files deeper than this are examples, fixtures or vendored packages, not services.
MAX_DEPTH = 3
SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
# Enough source files to find a router, a logger or a require( line; never the whole repo.
MAX_SOURCES = 400
# Folders of browser code, templates and build output, whose console.log or imports say nothing
# about the service.
NON_SERVICE = re.compile(r"/(?:public|static|assets|views|client|frontend|coverage|e2e)/")
# eslint.config.mjs, vitest.config.ts, .mocharc.js: tool configuration, not the service's code.
TOOL_CONFIG = re.compile(r"[\w-]+\.config\.[cm]?[jt]s|\.[\w-]+rc\.[cm]?js")
TEST_HELPER = re.compile(
    r"(?:^|/)(?:fixtures?|factories|utils|helpers|support|mocks?|__mocks__)/"
    r"|(?:^|/)(?:setup|jest\.|vitest\.|playwright\.)[^/]*$"
)
TEST_FILE = re.compile(r"(?:^|/)(?:__tests__|tests?|spec|specs)/.*\.[cm]?[jt]sx?$|\.(?:test|spec)\.[cm]?[jt]sx?$")
EXACT_VERSION = re.compile(r"=?v?(\d+\.\d+\.\d+(?:[-+][\w.]+)?)")
RANGE_MAJOR = re.compile(r"^\s*(?:\^|~|>=?|=)?\s*v?(\d+)(?:\.(\d+|x|\*))?")
NPM_PLACEHOLDER = re.compile(r"no test specified")
REQUIRE = re.compile(r"\brequire\(\s*['\"]")
IMPORT_OF = r"""(?:require\(\s*|from\s+|import\s+)['"]{}(?:/[\w/.-]*)?['"]"""
LTS_CODENAMES = {
    "argon": "4", "boron": "6", "carbon": "8", "dubnium": "10", "erbium": "12", "fermium": "14",
    "gallium": "16", "hydrogen": "18", "iron": "20", "jod": "22", "krypton": "24",
}

# How a senior engineer names each package in a label.
DISPLAY = {
    "express": "Express", "typescript": "TypeScript", "jest": "Jest", "vitest": "Vitest", "mocha": "Mocha",
    "ava": "AVA", "winston": "winston", "pino": "pino", "bunyan": "Bunyan", "joi": "Joi", "@hapi/joi": "Joi",
    "zod": "Zod", "express-validator": "express-validator", "yup": "Yup", "celebrate": "celebrate", "ajv": "Ajv",
    "class-validator": "class-validator", "@prisma/client": "Prisma", "prisma": "Prisma",
    "sequelize": "Sequelize", "typeorm": "TypeORM", "mongoose": "Mongoose", "knex": "Knex",
    "drizzle-orm": "Drizzle ORM", "@mikro-orm/core": "MikroORM", "objection": "Objection.js",
    "pg": "node-postgres (pg)", "mysql2": "mysql2", "mongodb": "MongoDB Node.js driver", "bullmq": "BullMQ",
    "bull": "Bull", "agenda": "Agenda", "bee-queue": "Bee-Queue", "ioredis": "ioredis", "redis": "node-redis",
    "memcached": "memcached", "memjs": "memjs", "eslint": "ESLint", "prettier": "Prettier",
    "@biomejs/biome": "Biome", "standard": "standard", "tslint": "TSLint", "swagger-jsdoc": "swagger-jsdoc",
    "tsoa": "tsoa", "@asteasolutions/zod-to-openapi": "zod-to-openapi",
    "express-openapi-validator": "express-openapi-validator", "swagger-ui-express": "swagger-ui-express",
    "sequelize-cli": "sequelize-cli", "node-pg-migrate": "node-pg-migrate", "migrate-mongo": "migrate-mongo",
    "drizzle-kit": "drizzle-kit", "dotenv": "dotenv", "envalid": "envalid", "config": "config", "pm2": "PM2",
}


@dataclass(frozen=True)
class Dep:
    """One dependency as declared: its range, whether it is dev-only, and the line declaring it."""

    name: str
    spec: str
    dev: bool
    evidence: Evidence


@dataclass
class Package:
    """A parsed package.json with the line of each key, for evidence."""

    path: str
    data: dict
    lines: list[str]

    @property
    def folder(self) -> str:
        return self.path.rpartition("/")[0]

    def deps(self, dev: bool = True) -> dict[str, Dep]:
        found: dict[str, Dep] = {}
        sections = ["dependencies", "peerDependencies", "optionalDependencies"] + (["devDependencies"] if dev else [])
        for section in sections:
            declared = self.data.get(section)
            if not isinstance(declared, dict):
                continue
            for name, spec in declared.items():
                if name not in found and isinstance(spec, str):
                    found[name] = Dep(name, spec, section == "devDependencies", self.evidence(section, name))
        return found

    def evidence(self, *keys: str) -> Evidence:
        line = self.key_lines.get(keys)
        if line is None and len(self.lines) == 1 and f'"{keys[-1]}"' in self.lines[0]:
            line = 1  # a one-line manifest: the line is the only line
        return Evidence(self.path, line)

    @cached_property
    def key_lines(self) -> dict[tuple[str, ...], int]:
        """The line of each key path (`("dependencies", "express")`) in pretty-printed JSON, found in
        one pass by brace depth, so `"type"` inside `"repository"` is not taken for the top-level one."""
        found: dict[tuple[str, ...], int] = {}
        stack: list[str] = []  # the key open at each depth ("" inside an array)
        for number, line in enumerate(self.lines, 1):
            for token in JSON_TOKEN.finditer(line):
                key, text = token.group(1), token.group(0)
                if key is not None:
                    stack[-1:] = [key]
                    found.setdefault(tuple(k for k in stack if k), number)
                elif text in "{[":
                    stack.append("")
                elif text in "}]":
                    stack[-2:] = [""]
        return found

    def get(self, *keys: str):
        value = self.data
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value


# A key, a string value (skipped, so braces inside strings do not count), or a bracket.
JSON_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:|"(?:[^"\\]|\\.)*"|[{}\[\]]')


def _package(tree: RepoTree, path: str) -> Package | None:
    text = tree.text(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return Package(path, data, text.splitlines()) if isinstance(data, dict) else None


def _is_package(tree: RepoTree, path: str) -> bool:
    """A package of its own (it declares dependencies or scripts), not a `{"type": "module"}` marker."""
    package = _package(tree, path)
    return bool(package and any(package.get(key) for key in ("dependencies", "devDependencies", "scripts")))


def _join(root: str, name: str) -> str:
    return f"{root}/{name}" if root else name


# -- candidates ------------------------------------------------------------------------------------
def candidates(tree: RepoTree) -> list[Fact]:
    """One Express service per package.json (up to MAX_DEPTH folders down) that needs express at run
    time. A workspace root does not itself depend on express; its api package does, and is found by
    the same walk, so the api folder becomes the root."""
    found = []
    shallow = tree.named("package.json", max_depth=MAX_DEPTH)
    for path in dict.fromkeys(shallow + _workspace_manifests(tree, shallow)):
        package = _package(tree, path)
        if package is None:
            continue
        dep = package.deps(dev=False).get("express")
        if dep is None:
            continue
        version = _label_version(tree, package, dep)
        found.append(Fact(
            "stack", "express", f"Express {version}".rstrip() if version else "Express", dep.evidence,
            Confidence.high, {"root": package.folder},
        ))
    return found


def _workspace_manifests(tree: RepoTree, manifests: list[str]) -> list[str]:
    """The package.json of every workspace a workspace root declares (npm/yarn `workspaces`, pnpm's
    pnpm-workspace.yaml), however deep: a declared workspace is part of the repo, not an example."""
    found: list[str] = []
    for path in manifests:
        base = path.rpartition("/")[0]
        package = _package(tree, path)
        globs = package.get("workspaces") if package else None
        if isinstance(globs, dict):
            globs = globs.get("packages")
        pnpm_file = _join(base, "pnpm-workspace.yaml")
        pnpm = load_yaml(tree, pnpm_file) if tree.exists(pnpm_file) else None
        if isinstance(pnpm, dict) and isinstance(pnpm.get("packages"), list):
            globs = list(globs or []) + pnpm["packages"]
        for glob in globs if isinstance(globs, list) else []:
            if isinstance(glob, str) and not glob.startswith("!"):
                pattern = _join(base, glob.removeprefix("./").strip("/"))
                found += tree.matching(f"{pattern}/package.json", under=base)
    return found


# -- versions --------------------------------------------------------------------------------------
def _major(spec: str) -> str | None:
    match = RANGE_MAJOR.match(spec)
    return match.group(1) if match else None


def _resolved(tree: RepoTree, package: Package, dep: Dep) -> str | None:
    """The full version a dependency runs at: its exact pin, else the lockfile's resolution of it."""
    if match := EXACT_VERSION.fullmatch(dep.spec.strip()):
        return match.group(1)
    major = _major(dep.spec)
    versions = _locked_versions(tree, package.folder, dep.name)
    fitting = [v for v in versions if major is None or v.split(".")[0] == major]
    if not fitting:
        return None
    return max(fitting, key=lambda v: tuple(int(p) for p in re.findall(r"\d+", v)[:3]))


def _label_version(tree: RepoTree, package: Package, dep: Dep) -> str:
    """The version to print in a label: major.minor of the resolved version, else the range's major."""
    full = _resolved(tree, package, dep)
    if full:
        return ".".join(full.split(".")[:2])
    return _major(dep.spec) or ""


LOCKFILES = ("pnpm-lock.yaml", "yarn.lock", "package-lock.json", "npm-shrinkwrap.json", "bun.lock", "bun.lockb")


def _lockfile(tree: RepoTree, folder: str) -> str | None:
    """The lockfile of the package in `folder`: its own, else the workspace root's above it."""
    parts = folder.split("/") if folder else []
    for depth in range(len(parts), -1, -1):
        base = "/".join(parts[:depth])
        for name in LOCKFILES:
            if tree.exists(_join(base, name)):
                return _join(base, name)
    return None


def _lock_text(tree: RepoTree, path: str) -> str:
    """A lockfile's text, read directly: lockfiles often pass the tree's 1 MiB limit."""
    try:
        data = (tree.path / path).read_bytes()
    except OSError:
        return ""
    return data.decode("utf-8", "replace") if len(data) < (64 << 20) and b"\0" not in data[:4096] else ""


# Resolved versions per lockfile, keyed by the file's identity on disk so that a changed or a
# different repo's lockfile is never answered from a stale index.
_LOCK_INDEX: dict[tuple[str, int, int], dict[str, set[str]]] = {}
YARN_ENTRY = re.compile(r'(?m)^"?((?:@[^@/\s"]+/)?[^@\s"]+)@[^\n]*:\n\s+version:?\s+"?([^"\s]+)')
PNPM_ENTRY = re.compile(r"""(?m)^\s+['"]?/?((?:@[^@/\s'"]+/)?[^@/\s'"]+)[@/](\d[^:('"\s]*)""")
BUN_ENTRY = re.compile(r'"((?:@[^@/"]+/)?[^@"/]+)@(\d[^"]*)"')


def _lock_index(tree: RepoTree, path: str) -> dict[str, set[str]]:
    """Every package name in a lockfile with the versions it resolved to, parsed once."""
    try:
        stat = (tree.path / path).stat()
    except OSError:
        return {}
    key = (str((tree.path / path).resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _LOCK_INDEX:
        _LOCK_INDEX[key] = _parse_lock(path, _lock_text(tree, path))
    return _LOCK_INDEX[key]


def _parse_lock(path: str, text: str) -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    if path.endswith(("package-lock.json", "npm-shrinkwrap.json")):
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        for key, entry in (data.get("packages") or {}).items():
            if "node_modules/" in key and isinstance(entry, dict) and isinstance(entry.get("version"), str):
                index.setdefault(key.rsplit("node_modules/", 1)[1], set()).add(entry["version"])
        pending = [data.get("dependencies") or {}]
        while pending:  # lockfile v1: nested "dependencies" objects
            for name, entry in pending.pop().items():
                if isinstance(entry, dict) and isinstance(entry.get("version"), str):
                    index.setdefault(name, set()).add(entry["version"])
                    pending.append(entry.get("dependencies") or {})
        return index
    pattern = YARN_ENTRY if path.endswith("yarn.lock") else PNPM_ENTRY if path.endswith(".yaml") else BUN_ENTRY
    for name, version in pattern.findall(text):
        index.setdefault(name, set()).add(version)
    return index


def _locked_versions(tree: RepoTree, folder: str, name: str) -> list[str]:
    path = _lockfile(tree, folder)
    if path is None or path.endswith(".lockb"):
        return []
    return sorted(v for v in _lock_index(tree, path).get(name, ()) if re.match(r"\d", v))


# -- the project -----------------------------------------------------------------------------------
@dataclass
class Project:
    """The service being read: its package.json, its files and the repo's commands."""

    tree: RepoTree
    root: str
    package: Package
    commands: RepoCommands
    notes: list[str] = field(default_factory=list)

    @cached_property
    def files(self) -> list[str]:
        """Files of this package: below the root, outside nested packages (a client/, a sibling app)."""
        prefix = f"{self.root}/" if self.root else ""
        own = [p for p in self.tree.files if p.startswith(prefix)]
        nested = tuple(
            p.removesuffix("package.json") for p in own
            if p.endswith("/package.json") and p != self.package.path and _is_package(self.tree, p)
        )
        return [p for p in own if not p.startswith(nested)] if nested else own

    def relative(self, path: str) -> str:
        return path[len(self.root) + 1:] if self.root else path

    @cached_property
    def code(self) -> list[tuple[str, str, bool]]:
        """(path, root-relative path, is a test) of every JS/TS file of the service, declarations and
        tool configs aside."""
        skip = len(self.root) + 1 if self.root else 0
        return [(p, p[skip:], _is_test(p[skip:])) for p in self.files
                if p.endswith(SOURCE_SUFFIXES) and not p.endswith(".d.ts")
                and not TOOL_CONFIG.fullmatch(p.rpartition("/")[2])]

    @cached_property
    def sources(self) -> list[str]:
        """A bounded set of the service's own code (no tests, no browser code), src/ first."""
        code = [(not rel.startswith("src/"), rel.count("/"), p) for p, rel, test in self.code
                if not test and not NON_SERVICE.search("/" + rel)]
        code.sort()
        return [p for _src, _depth, p in code[:MAX_SOURCES]]

    @cached_property
    def tests(self) -> list[str]:
        """Test files, without the helpers, fixtures and setup modules that sit beside them."""
        return [p for p, rel, test in self.code if test and not TEST_HELPER.search(rel)]

    @cached_property
    def deps(self) -> dict[str, Dep]:
        return self.package.deps()

    @cached_property
    def runtime(self) -> dict[str, Dep]:
        return self.package.deps(dev=False)

    def path(self, name: str) -> str:
        return _join(self.root, name)

    def first(self, *names: str) -> str | None:
        """The first of `names` (root-relative paths) that exists."""
        return next((self.path(n) for n in names if self.tree.exists(self.path(n))), None)

    def version(self, dep: Dep) -> str:
        return _label_version(self.tree, self.package, dep)

    def label(self, dep: Dep) -> str:
        version = self.version(dep)
        name = DISPLAY.get(dep.name, dep.name)
        return f"{name} {version}" if version else name

    @cached_property
    def scripts(self) -> dict[str, Command]:
        """This package's own scripts: a workspace root's scripts do not run from the service folder."""
        own = self.package.path
        return {c.name: c for c in self.commands.all if c.origin == "script" and c.evidence.path == own}

    def script_matching(self, pattern: re.Pattern[str], prefer: tuple[str, ...] = ()) -> Command | None:
        matching = [c for c in self.scripts.values() if pattern.search(c.text)]
        for name in prefer:
            for command in matching:
                if command.name == name:
                    return command
        return matching[0] if matching else None

    @cached_property
    def manager(self) -> str:
        """npm, yarn, pnpm or bun: the packageManager field, else the lockfile, else npm."""
        for package in (self.package, self.workspace_root):
            field_value = package.get("packageManager") if package else None
            if isinstance(field_value, str) and field_value.split("@")[0] in ("npm", "yarn", "pnpm", "bun"):
                return field_value.split("@")[0]
        lock = _lockfile(self.tree, self.root)
        if lock is None:
            return "npm"
        name = lock.rsplit("/", 1)[-1]
        return {"pnpm-lock.yaml": "pnpm", "yarn.lock": "yarn", "bun.lock": "bun", "bun.lockb": "bun"}.get(name, "npm")

    @cached_property
    def workspace_root(self) -> Package | None:
        """The nearest package.json above the root that declares workspaces (or pnpm's workspace file)."""
        parts = self.root.split("/") if self.root else []
        for depth in range(len(parts) - 1, -1, -1):
            base = "/".join(parts[:depth])
            package = _package(self.tree, _join(base, "package.json"))
            if package and (package.get("workspaces") or self.tree.exists(_join(base, "pnpm-workspace.yaml"))):
                return package
        return None

    def run(self, script: str) -> str:
        """How this repo runs a package script from the service folder."""
        if script in ("test", "start") and self.manager != "bun":
            return f"{self.manager} {script}"
        return {"npm": f"npm run {script}", "yarn": f"yarn {script}", "pnpm": f"pnpm {script}",
                "bun": f"bun run {script}"}[self.manager]

    def grep_first(self, pattern: re.Pattern[str], paths: list[str]) -> tuple[str, int] | None:
        for line, _match in self.tree.grep(pattern, paths):
            return line.path, line.number
        return None

    def importers(self, module: str) -> list[str]:
        """Source files that import `module` (require or ESM)."""
        pattern = re.compile(IMPORT_OF.format(re.escape(module)))
        return [p for p in self.sources if pattern.search(self.tree.text(p) or "")]


def _is_test(relative: str) -> bool:
    # The substring check first: the regex is the slow part on a repo of many thousand files.
    return ("test" in relative or "spec" in relative) and bool(TEST_FILE.search(relative))


def read(tree: RepoTree, root: str, stack: str, commands: RepoCommands) -> Reading:
    """The facts of the Express service whose package.json is in `root`."""
    package = _package(tree, _join(root, "package.json"))
    if package is None:
        return Reading()
    project = Project(tree, root, package, commands)
    reading = Reading(notes=project.notes)
    readers = (
        _language, _framework, _database, _orm, _migrations, _cache, _queue, _test, _logging, _validation,
        _api_docs, _package_manager, _lint, _container, _process, _settings,
    )
    for reader in readers:
        fact = reader(project)
        if fact is not None:
            reading.facts.append(fact)
    reading.exemplars = _exemplars(project, {fact.concern: fact for fact in reading.facts})
    return reading


# -- language --------------------------------------------------------------------------------------
def _language(project: Project) -> Fact | None:
    tsconfig = project.first("tsconfig.json")
    typescript = project.deps.get("typescript")
    ts_sources = any(p.endswith((".ts", ".mts", ".cts")) for p in project.sources)
    is_ts = bool((tsconfig or typescript) and ts_sources)
    if not is_ts and not any(p.endswith((".js", ".mjs", ".cjs")) for p in project.sources):
        return None
    details = {"typescript": "true" if is_ts else "false"}
    version = _node_version(project)
    if version:
        details["version"] = version
    module_system = _module_system(project, is_ts)
    if module_system:
        details["module_system"] = module_system
    node = f" on Node.js {version}" if version else ""
    if is_ts:
        evidence = typescript.evidence if typescript else Evidence(tsconfig)
        ts_version = project.version(typescript) if typescript else ""
        label = f"TypeScript {ts_version}".rstrip() + node
        return Fact("language", "typescript", label, evidence, Confidence.high, details)
    return Fact("language", "javascript", f"JavaScript{node}", Evidence(project.package.path), Confidence.high, details)


def _node_version(project: Project) -> str | None:
    """The Node version the service runs on, from the most specific declaration the repo has."""
    folders = _ancestors(project.root)
    for name in (".nvmrc", ".node-version"):
        for folder in folders:
            path = _join(folder, name)
            for line in project.tree.lines(path):
                value = line.text.strip().lstrip("v")
                if value and not value.startswith("#"):
                    value = LTS_CODENAMES.get(value.lower().removeprefix("lts/"), value)
                    return value if re.match(r"\d", value) else None
    for folder in folders:
        for line in project.tree.lines(_join(folder, ".tool-versions")):
            if match := re.match(r"\s*nodejs\s+v?(\d[\w.]*)", line.text):
                return match.group(1)
    dockerfile = project.first("Dockerfile")
    if dockerfile:
        for line in project.tree.lines(dockerfile):
            if match := re.match(r"\s*FROM\s+(?:--platform=\S+\s+)?(?:[\w.-]+/)*node:(\d+(?:\.\d+)*)", line.text, re.I):
                return match.group(1)
    ci = _ci_node_version(project)
    if ci:
        return ci
    engines = project.package.get("engines", "node")
    if isinstance(engines, str):
        return _engines_version(engines)
    return None


def _ancestors(root: str) -> list[str]:
    parts = root.split("/") if root else []
    return ["/".join(parts[:depth]) for depth in range(len(parts), -1, -1)]


def _ci_node_version(project: Project) -> str | None:
    """`node-version: 20` in a workflow (the lowest of a matrix: the code must run there too)."""
    paths = [p for p in project.tree.files if p.startswith(".github/workflows/") and p.endswith((".yml", ".yaml"))]
    paths += [p for p in (".gitlab-ci.yml", ".travis.yml", ".circleci/config.yml") if project.tree.exists(p)]
    found: list[str] = []
    for path in paths:
        text = project.tree.text(path) or ""
        for match in re.finditer(r"node[-_]version\s*:\s*\[([^\]]*)\]|node[-_]version\s*:\s*['\"]?(\d[\w.]*)", text):
            values = match.group(1).split(",") if match.group(1) is not None else [match.group(2)]
            found += [v.strip().strip("'\"").removesuffix(".x") for v in values]
        if path.endswith(".travis.yml"):
            data = load_yaml(project.tree, path)
            value = data.get("node_js") if isinstance(data, dict) else None
            found += [str(v) for v in (value if isinstance(value, list) else [value]) if v is not None]
        image = re.search(r"image:\s*['\"]?(?:[\w.-]+/)*node:(\d+(?:\.\d+)*)", text)
        if image:
            found.append(image.group(1))
    numeric = [v for v in found if re.fullmatch(r"\d+(?:\.\d+)*", v)]
    return min(numeric, key=lambda v: tuple(int(p) for p in v.split("."))) if numeric else None


def _engines_version(spec: str) -> str | None:
    """`engines.node` as a person would say it: "^20.0.0" is 20, ">=18" stays ">=18"."""
    spec = spec.strip()
    if match := re.fullmatch(r">=\s*v?(\d+)(\.[1-9]\d*)?(?:\.\d+)*", spec):
        return f">={match.group(1)}{match.group(2) or ''}"
    if match := re.fullmatch(r"[\^~]\s*v?(\d+)(?:\.(?:\d+|x|\*))*", spec):
        return match.group(1)
    if match := EXACT_VERSION.fullmatch(spec):
        return match.group(1)
    if match := re.fullmatch(r"v?(\d+)(?:\.(?:x|\*))*", spec):
        return match.group(1)
    return None


def _module_system(project: Project, is_ts: bool) -> str | None:
    kind = project.package.get("type")
    if kind in ("module", "commonjs"):
        return "esm" if kind == "module" else "commonjs"
    if project.sources and all(p.endswith((".mjs", ".mts")) for p in project.sources):
        return "esm"
    if is_ts or project.grep_first(REQUIRE, project.sources[:100]):
        # Without "type": "module" Node loads .js (and the JS that tsc or a bundler emits) as CommonJS.
        return "commonjs"
    return None


# -- framework ------------------------------------------------------------------------------------
def _framework(project: Project) -> Fact | None:
    dep = project.runtime.get("express")
    if dep is None:
        return None
    full = _resolved(project.tree, project.package, dep)
    version = full or _major(dep.spec) or ""
    details = {"version": version} if version else {}
    return Fact("framework", "express", project.label(dep), dep.evidence, Confidence.high, details)


# -- database and ORM -----------------------------------------------------------------------------
DRIVERS: dict[str, tuple[str, str]] = {
    "pg": ("postgresql", "pg"), "postgres": ("postgresql", "postgres"), "pg-promise": ("postgresql", "pg"),
    "@prisma/adapter-pg": ("postgresql", "pg"), "@mikro-orm/postgresql": ("postgresql", "pg"),
    "mysql2": ("mysql", "mysql2"), "mariadb": ("mysql", "mariadb"), "mysql": ("mysql", "mysql"),
    "@prisma/adapter-mariadb": ("mysql", "mariadb"), "@mikro-orm/mysql": ("mysql", "mysql2"),
    "mongodb": ("mongodb", "mongodb"), "mongoose": ("mongodb", "mongodb"), "@mikro-orm/mongodb": ("mongodb", "mongodb"),
    "sqlite3": ("sqlite", "sqlite3"), "better-sqlite3": ("sqlite", "better-sqlite3"),
    "@mikro-orm/sqlite": ("sqlite", "sqlite3"),
}
# A connection value (knex client, sequelize dialect, TypeORM type, URL scheme, Prisma provider).
DATABASE_OF = {
    "pg": "postgresql", "postgres": "postgresql", "postgresql": "postgresql", "mysql": "mysql", "mysql2": "mysql",
    "mariadb": "mysql", "sqlite": "sqlite", "sqlite3": "sqlite", "better-sqlite3": "sqlite", "file": "sqlite",
    "mongodb": "mongodb", "mongodb+srv": "mongodb",
}
DATABASE_LABEL = {"postgresql": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite", "mongodb": "MongoDB"}
ENV_EXAMPLES = (".env.example", ".env.sample", ".env.template", ".env.dist", "example.env", ".env.local.example")


def _database(project: Project) -> Fact | None:
    configured = _configured_database(project)
    drivers = {name: DRIVERS[name] for name in project.runtime if name in DRIVERS}
    databases = {db for db, _driver in drivers.values()}
    if configured:
        database, evidence = configured
        confidence = Confidence.high
    elif len(databases) == 1:
        database = databases.pop()
        evidence = next(project.runtime[n].evidence for n, (db, _d) in drivers.items() if db == database)
        confidence = Confidence.high
    else:
        from_env = _env_example_database(project)
        if from_env is None:
            if len(databases) > 1:
                names = ", ".join(sorted(drivers))
                project.notes.append(f"Several database drivers ({names}) and no config naming one.")
            return None
        database, evidence = from_env
        confidence = Confidence.medium
    details = {}
    driver = next((d for n, (db, d) in drivers.items() if db == database and not n.startswith("@")), None)
    driver = driver or next((d for _n, (db, d) in drivers.items() if db == database), None)
    if driver:
        details["driver"] = driver
    return Fact("database", database, DATABASE_LABEL[database], evidence, confidence, details)


def _prisma_schema(project: Project) -> str | None:
    configured = project.package.get("prisma", "schema")
    if isinstance(configured, str) and project.tree.exists(project.path(configured.removeprefix("./"))):
        return project.path(configured.removeprefix("./"))
    named = project.first("prisma/schema.prisma", "schema.prisma", "prisma/schema/schema.prisma")
    if named:
        return named
    return next((p for p in project.files if p.endswith(".prisma")), None)


def _configured_database(project: Project) -> tuple[str, Evidence] | None:
    """The database a config value names: Prisma's datasource provider, knexfile client, Sequelize
    dialect, TypeORM type or Drizzle dialect. Test-only SQLite entries lose to a server database."""
    tree = project.tree
    schema = _prisma_schema(project)
    if schema:
        in_datasource = False
        for line in tree.lines(schema):
            if re.match(r"\s*datasource\s+\w+\s*\{", line.text):
                in_datasource = True
            elif in_datasource and (match := re.match(r'\s*provider\s*=\s*"(\w+)"', line.text)):
                if match.group(1) in DATABASE_OF:
                    return DATABASE_OF[match.group(1)], Evidence(schema, line.number)
                return None
            elif in_datasource and line.text.strip().startswith("}"):
                in_datasource = False
    configs = [project.first(f"knexfile.{ext}") for ext in ("js", "ts", "cjs", "mjs")]
    configs += [project.first(n) for n in (
        "config/config.json", "config/database.json", "config/database.js", "src/config/database.js",
        "src/config/database.ts", "ormconfig.json", "ormconfig.js", "ormconfig.ts", "src/data-source.ts",
        "src/data-source.js", "data-source.ts", "src/db/data-source.ts", "drizzle.config.ts", "drizzle.config.js",
        "src/database/data-source.ts", "src/config/typeorm.ts", "src/db/index.ts", "src/db/index.js",
        "src/models/index.js", "models/index.js",
    )]
    pattern = re.compile(r"""["']?(?:client|dialect|type|driver)["']?\s*:\s*["']([\w+-]+)["']""")
    found: list[tuple[str, Evidence]] = []
    for line, match in tree.grep(pattern, [c for c in configs if c]):
        if match.group(1) in DATABASE_OF:
            found.append((DATABASE_OF[match.group(1)], Evidence(line.path, line.number)))
    servers = [f for f in found if f[0] != "sqlite"]
    return (servers or found or [None])[0]


def _env_example_database(project: Project) -> tuple[str, Evidence] | None:
    """DATABASE_URL's scheme (or TYPEORM_CONNECTION) in a committed .env example: documented, medium."""
    pattern = re.compile(
        r"(?m)^\s*(?:export\s+)?(?:[A-Z_]*(?:DATABASE|DB|MONGO|POSTGRES|PG|MYSQL)[A-Z_]*_UR[LI]\s*=\s*['\"]?([\w+]+)://"
        r"|TYPEORM_CONNECTION\s*=\s*['\"]?(\w+))"
    )
    paths = [p for p in (project.first(n) for n in ENV_EXAMPLES) if p]
    for line, match in project.tree.grep(pattern, paths):
        value = match.group(1) or match.group(2)
        if value in DATABASE_OF:
            return DATABASE_OF[value], Evidence(line.path, line.number)
    return None


ORMS = (
    ("prisma", ("@prisma/client",)), ("mikro-orm", ("@mikro-orm/core",)), ("typeorm", ("typeorm",)),
    ("sequelize", ("sequelize",)), ("drizzle", ("drizzle-orm",)), ("objection", ("objection",)),
    ("mongoose", ("mongoose",)), ("knex", ("knex",)),
)
PLAIN_DRIVERS = (("pg", "pg"), ("mysql2", "mysql2"), ("mongodb-driver", "mongodb"))


def _orm(project: Project) -> Fact | None:
    used = [(orm, project.runtime[name]) for orm, names in ORMS for name in names if name in project.runtime]
    if not used and "prisma" in project.deps and _prisma_schema(project):
        used = [("prisma", project.deps["prisma"])]
    if used:
        orm, dep = used[0]
        others = [project.label(d) for o, d in used[1:] if not (orm == "objection" and o == "knex")]
        if others:
            project.notes.append(f"Data access: {project.label(dep)}, and also {', '.join(others)}.")
        return Fact("orm", orm, project.label(dep), dep.evidence, Confidence.high)
    for orm, name in PLAIN_DRIVERS:
        if name in project.runtime:
            dep = project.runtime[name]
            return Fact("orm", orm, project.label(dep), dep.evidence, Confidence.high)
    return None


# -- migrations -----------------------------------------------------------------------------------
def _migrations(project: Project) -> Fact | None:
    for reader in (_prisma_migrate, _knex_migrations, _sequelize_migrations, _typeorm_migrations,
                   _simple_migrations):
        fact = reader(project)
        if fact is not None:
            return fact
    return None


def _from_scripts(project: Project, wanted: dict[str, str]) -> dict[str, str]:
    """Commands from this package's scripts, keyed by what they do: `{"apply": r"knex migrate:latest"}`."""
    found = {}
    for key, pattern in wanted.items():
        command = project.script_matching(re.compile(pattern))
        if command:
            run = project.run(command.name)
            if key == "create":
                # npm passes arguments to a script only after `--`; yarn, pnpm and bun pass them as is.
                run += f" {'-- ' if project.manager == 'npm' else ''}<name>"
            found[key] = run
    return found


def _latest_migration(project: Project, folder: str) -> str | None:
    prefix = folder.rstrip("/") + "/"
    inside = [p for p in project.files if p.startswith(prefix) and not p.endswith((".toml", ".gitkeep", ".md"))]
    return max(inside) if inside else None


def _prisma_migrate(project: Project) -> Fact | None:
    schema = _prisma_schema(project)
    if schema is None or not ({"prisma", "@prisma/client"} & project.deps.keys()):
        return None
    folder = f"{schema.rpartition('/')[0]}/migrations" if "/" in schema else "migrations"
    if schema.split("/")[-2:-1] == ["schema"]:  # the multi-file schema folder keeps migrations beside it
        folder = f"{schema.rsplit('/', 2)[0]}/migrations"
    latest = _latest_migration(project, folder)
    script = project.script_matching(re.compile(r"prisma\s+migrate"))
    if latest is None and script is None:
        return None
    # Prisma finds its schema at prisma/schema.prisma or where package.json's "prisma.schema" says.
    found_by_prisma = project.relative(schema) in ("prisma/schema.prisma", "schema.prisma") or bool(
        project.package.get("prisma", "schema"))
    flag = "" if found_by_prisma else f" --schema {project.relative(schema)}"
    details = {
        "create": f"npx prisma migrate dev --name <name>{flag}",
        "apply": f"npx prisma migrate deploy{flag}",
        "verify": f"npx prisma migrate status{flag}",
    }
    details |= _from_scripts(project, {"apply": r"prisma\s+migrate\s+deploy", "verify": r"prisma\s+migrate\s+status"})
    # Prisma has no down migrations; a rollback exists only when the repo wrote a script for it.
    rollback = project.script_matching(re.compile(r"migrate\s+(?:down|rollback)|rollback|migrate:down"))
    if rollback:
        details["rollback"] = project.run(rollback.name)
    else:
        project.notes.append("Prisma Migrate has no down migrations: roll back by writing a new migration.")
    evidence = Evidence(latest) if latest else script.evidence
    dep = project.deps.get("prisma") or project.deps["@prisma/client"]
    label = f"Prisma Migrate{_suffix(project, dep)}"
    return Fact("migrations", "prisma-migrate", label, evidence, Confidence.high, details)


def _suffix(project: Project, dep: Dep) -> str:
    version = project.version(dep)
    return f" {version}" if version else ""


def _knex_migrations(project: Project) -> Fact | None:
    if "knex" not in project.deps:
        return None
    knexfile = project.first("knexfile.js", "knexfile.ts", "knexfile.cjs", "knexfile.mjs")
    script = project.script_matching(re.compile(r"knex\s+migrate"))
    folder = _migrations_folder(project)
    if not (knexfile or script or folder):
        return None
    flag = ""
    if knexfile is None:
        # A knexfile elsewhere is named on the scripts' command line; the bare commands need it too.
        named = project.script_matching(re.compile(r"knex\s+migrate.*--knexfile[ =]\S+"))
        flag = " " + re.search(r"--knexfile[ =]\S+", named.text).group(0) if named else ""
    details = {
        "create": f"npx knex migrate:make <name>{flag}",
        "apply": f"npx knex migrate:latest{flag}",
        "rollback": f"npx knex migrate:rollback{flag}",
        "verify": f"npx knex migrate:status{flag}",
    }
    details |= _from_scripts(project, {
        "create": r"knex\s+migrate:make", "apply": r"knex\s+migrate:latest", "rollback": r"knex\s+migrate:rollback",
        "verify": r"knex\s+migrate:(?:status|list)",
    })
    evidence = Evidence(knexfile) if knexfile else (script.evidence if script else Evidence(folder))
    return Fact("migrations", "knex", "Knex migrations", evidence, Confidence.high, details)


def _migrations_folder(project: Project) -> str | None:
    """The first migrations folder of the service (`migrations/`, `db/migrations/`, `src/database/migrations/`)."""
    for path in project.files:
        if "migrations/" not in path:
            continue
        parts = project.relative(path).split("/")
        if "migrations" in parts[:-1]:
            return "/".join(path.split("/")[: path.split("/").index("migrations") + 1])
    return None


def _sequelize_migrations(project: Project) -> Fact | None:
    rc = project.first(".sequelizerc")
    dep = project.deps.get("sequelize-cli")
    if not (rc or dep):
        return None
    details = {
        "create": "npx sequelize-cli migration:generate --name <name>",
        "apply": "npx sequelize-cli db:migrate",
        "rollback": "npx sequelize-cli db:migrate:undo",
        "verify": "npx sequelize-cli db:migrate:status",
    }
    details |= _from_scripts(project, {
        "apply": r"sequelize(?:-cli)?\s+db:migrate(?!:)", "rollback": r"sequelize(?:-cli)?\s+db:migrate:undo",
        "verify": r"sequelize(?:-cli)?\s+db:migrate:status",
    })
    label = f"sequelize-cli{_suffix(project, dep)}" if dep else "sequelize-cli"
    return Fact("migrations", "sequelize-cli", label, dep.evidence if dep else Evidence(rc), Confidence.high, details)


def _typeorm_migrations(project: Project) -> Fact | None:
    """TypeORM's CLI needs the data source and, for TypeScript, a loader: only the repo's scripts
    say how it is run, so without them the fact carries no commands."""
    if "typeorm" not in project.runtime:
        return None
    folder = _migrations_folder(project)
    script = project.script_matching(re.compile(r"typeorm.*migration:"))
    if not (folder or script):
        return None
    details = _from_scripts(project, {
        "create": r"typeorm.*migration:(?:generate|create)", "apply": r"typeorm.*migration:run",
        "rollback": r"typeorm.*migration:revert", "verify": r"typeorm.*migration:show",
    })
    if not details:
        project.notes.append("TypeORM migrations exist but no package script runs them; commands not stated.")
    latest = _latest_migration(project, folder) if folder else None
    evidence = script.evidence if script else Evidence(latest or folder)
    return Fact("migrations", "typeorm", "TypeORM migrations", evidence,
                Confidence.high if script else Confidence.medium, details)


SIMPLE_MIGRATORS = {
    # id: (dep, create, apply, rollback, verify, script pattern)
    "node-pg-migrate": ("node-pg-migrate", "npx node-pg-migrate create <name>", "npx node-pg-migrate up",
                        "npx node-pg-migrate down", "", r"node-pg-migrate"),
    "migrate-mongo": ("migrate-mongo", "npx migrate-mongo create <name>", "npx migrate-mongo up",
                      "npx migrate-mongo down", "npx migrate-mongo status", r"migrate-mongo"),
    "drizzle-kit": ("drizzle-kit", "npx drizzle-kit generate --name <name>", "npx drizzle-kit migrate", "",
                    "npx drizzle-kit check", r"drizzle-kit"),
}


def _simple_migrations(project: Project) -> Fact | None:
    for migrator, (name, create, apply, rollback, verify, tool) in SIMPLE_MIGRATORS.items():
        dep = project.deps.get(name)
        if dep is None:
            continue
        commands = {"create": create, "apply": apply, "rollback": rollback, "verify": verify}
        details = {key: value for key, value in commands.items() if value}
        if migrator == "drizzle-kit":
            # drizzle-kit before 0.21 spelled these generate:pg / push:pg; its scripts say which it uses.
            version = _resolved(project.tree, project.package, dep) or ""
            if version and tuple(int(p) for p in version.split(".")[:2]) < (0, 21):
                details = {}
        # A script that runs the tool with its flags but no subcommand (`"migrate": "node-pg-migrate -m
        # db/migrations"`) is how the repo wants it run: the subcommands go after it.
        base = project.script_matching(re.compile(rf"(?:^|\s){tool}(?:\s+-\S+(?:\s+[^-\s]\S*)?)*\s*$"))
        if base and details:
            run = project.run(base.name) + (" --" if project.manager == "npm" else "")
            details = {key: f"{run} {value.split(' ', 2)[2]}" for key, value in details.items()}
        args = r"[^&|;]*\s"
        details |= _from_scripts(project, {
            "create": rf"{tool}\b{args}(?:create|generate)\b", "apply": rf"{tool}\b{args}(?:up|migrate)(?!\S)",
            "rollback": rf"{tool}\b{args}down\b", "verify": rf"{tool}\b{args}(?:status|check)\b",
        })
        return Fact("migrations", migrator, project.label(dep), dep.evidence, Confidence.high, details)
    return None


# -- cache and queue ------------------------------------------------------------------------------
def _cache(project: Project) -> Fact | None:
    for name, cache in (("ioredis", "redis"), ("redis", "redis"), ("@redis/client", "redis"),
                        ("memcached", "memcached"), ("memjs", "memcached")):
        dep = project.runtime.get(name)
        if dep:
            label = f"{'Redis' if cache == 'redis' else 'Memcached'} ({project.label(dep)})"
            return Fact("cache", cache, label, dep.evidence, Confidence.high, {"client": name})
    return None


QUEUES = (("bullmq", "redis"), ("bull", "redis"), ("bee-queue", "redis"), ("agenda", "mongodb"))


def _queue(project: Project) -> Fact | None:
    for name, broker in QUEUES:
        dep = project.runtime.get(name)
        if dep is None:
            continue
        details = {"broker": broker}
        worker = project.script_matching(re.compile(r"worker|queue|jobs?\b"), prefer=("worker", "start:worker"))
        worker = worker if worker and re.search(r"worker|queue|job", worker.name) else None
        if worker:
            details["worker"] = project.run(worker.name)
        else:
            procfile = next((c for c in project.commands.all if c.origin == "procfile" and "worker" in c.name), None)
            if procfile:
                details["worker"] = procfile.text
        return Fact("queue", name, project.label(dep), dep.evidence, Confidence.high, details)
    return None


# -- tests ----------------------------------------------------------------------------------------
RUNNERS = (("vitest", ("vitest",)), ("jest", ("jest", "ts-jest", "@jest/globals")), ("mocha", ("mocha",)),
           ("ava", ("ava",)))
BARE_RUN = {"vitest": "npx vitest run", "jest": "npx jest", "mocha": "npx mocha", "ava": "npx ava",
            "node-test": "node --test"}
RUNNER_CONFIGS = {
    "jest": ("jest.config.js", "jest.config.ts", "jest.config.cjs", "jest.config.mjs", "jest.config.json"),
    "vitest": ("vitest.config.ts", "vitest.config.js", "vitest.config.mts", "vitest.config.mjs"),
    "mocha": (".mocharc.js", ".mocharc.json", ".mocharc.yml", ".mocharc.yaml", ".mocharc.cjs"),
    "ava": ("ava.config.js", "ava.config.cjs", "ava.config.mjs"),
}


def _test(project: Project) -> Fact | None:
    script = project.scripts.get("test")
    placeholder = bool(script and NPM_PLACEHOLDER.search(script.text))
    if placeholder:
        project.notes.append('scripts.test is npm\'s placeholder ("no test specified"): the repo has no test command.')
        script = None
    runner, evidence = _runner(project, script)
    if runner is None:
        return None
    details: dict[str, str] = {}
    confidence = Confidence.high
    if script:
        details["run"] = project.run("test")
    elif not placeholder:
        make = project.commands.target("test")
        invocation = r"node\s+--test" if runner == "node-test" else rf"\b{runner}\b"
        ci = project.commands.find(re.compile(invocation), origins=("ci",))
        if make:
            details["run"] = "make test"
        elif ci:
            details["run"] = ci.text
        else:
            details["run"] = BARE_RUN[runner]
            confidence = Confidence.medium
    details |= _coverage(project, runner, script)
    if "supertest" in project.deps:
        details["http_client"] = "supertest"
    fixtures = _fixtures(project)
    if fixtures:
        details["fixtures"] = fixtures
    layout = _layout(project)
    if layout:
        details["layout"] = layout
    dep = next((project.deps[n] for r, names in RUNNERS if r == runner for n in names if n in project.deps), None)
    label = project.label(dep) if dep and dep.name == runner else DISPLAY.get(runner, "node:test")
    return Fact("test", runner, label, evidence, confidence, details)


def _runner(project: Project, script: Command | None) -> tuple[str | None, Evidence]:
    """The runner the test script names, else the one installed (a config file breaks a tie)."""
    if script:
        if re.search(r"\b(?:node|tsx)\b[^|&;]*\s--test\b", script.text):
            return "node-test", script.evidence
        for runner, names in RUNNERS:
            if any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", script.text) for n in names[:1]):
                return runner, script.evidence
    installed = [(r, project.deps[n]) for r, names in RUNNERS for n in names if n in project.deps]
    installed = list({r: d for r, d in reversed(installed)}.items())[::-1]
    if len(installed) > 1:
        configured = [(r, d) for r, d in installed
                      if project.first(*RUNNER_CONFIGS[r]) or (r == "jest" and project.package.get("jest"))]
        installed = configured or installed
        if len(installed) > 1:
            project.notes.append(f"Several test runners installed: {', '.join(r for r, _d in installed)}.")
    if installed:
        return installed[0][0], installed[0][1].evidence
    node_test = project.grep_first(re.compile(IMPORT_OF.format("node:test")), project.tests[:50])
    if node_test:
        return "node-test", Evidence(*node_test)
    return None, Evidence(project.package.path)


def _coverage(project: Project, runner: str, test_script: Command | None) -> dict[str, str]:
    details: dict[str, str] = {}
    pattern = re.compile(r"--coverage\b|(?:^|[\s;&|])(?:npx\s+)?(?:c8|nyc)\s")
    script = test_script if test_script and pattern.search(test_script.text) else project.script_matching(
        pattern, prefer=("coverage", "test:coverage", "test:cov", "cov", "test:ci"))
    if script:
        details["coverage_run"] = project.run(script.name)
    text = script.text if script else ""
    tool = "c8" if re.search(r"\bc8\b", text) else "nyc" if re.search(r"\bnyc\b", text) else ""
    if not tool and runner == "vitest":
        provider = next((n for n in ("@vitest/coverage-v8", "@vitest/coverage-istanbul") if n in project.deps), None)
        tool = f"vitest ({provider.rsplit('-', 1)[-1]})" if provider else ("vitest" if script else "")
    elif not tool and runner == "jest" and script:
        tool = "jest"
    if not tool and "c8" in project.deps:
        tool = "c8"
    elif not tool and "nyc" in project.deps:
        tool = "nyc"
    gate = _fail_under(project, runner, tool, text)
    if gate:
        details["fail_under"] = gate
        tool = tool or {"jest": "jest", "vitest": "vitest"}.get(runner, "")
    if tool:
        details["coverage_tool"] = tool
    return details


def _fail_under(project: Project, runner: str, tool: str, script_text: str) -> str | None:
    """The coverage gate on lines: Jest's coverageThreshold.global, Vitest's thresholds, c8/nyc config."""
    number = r"(\d+(?:\.\d+)?)"
    if tool in ("c8", "nyc"):
        if "--check-coverage" in script_text and (match := re.search(rf"--lines[ =]{number}", script_text)):
            return match.group(1)
        for name in (f".{tool}rc", f".{tool}rc.json", f".{tool}rc.yml", f".{tool}rc.yaml"):
            path = project.first(name)
            text = project.tree.text(path) if path else None
            if text and re.search(r"check-coverage['\"]?\s*:\s*true", text):
                match = re.search(rf"['\"]?lines['\"]?\s*:\s*{number}", text)
                if match:
                    return match.group(1)
        config = project.package.get(tool)
        if isinstance(config, dict) and config.get("check-coverage") and config.get("lines") is not None:
            return str(config["lines"])
    if runner == "jest":
        config = project.package.get("jest", "coverageThreshold", "global", "lines")
        if config is not None:
            return str(config)
        path = project.first(*RUNNER_CONFIGS["jest"])
        text = project.tree.text(path) if path else ""
        start = text.find("coverageThreshold") if text else -1
        gate = re.compile(rf"global['\"]?\s*:\s*\{{[^}}]*?['\"]?lines['\"]?\s*:\s*{number}")
        if start >= 0 and (match := gate.search(text[start:start + 600])):
            return match.group(1)
    if runner == "vitest":
        path = project.first(*RUNNER_CONFIGS["vitest"], "vite.config.ts", "vite.config.js", "vite.config.mts")
        text = project.tree.text(path) if path else ""
        start = text.find("coverage") if text else -1
        if start >= 0 and (match := re.search(rf"\blines['\"]?\s*:\s*{number}", text[start:start + 1200])):
            return match.group(1)
    return None


def _fixtures(project: Project) -> str:
    """Where test data comes from: fixture and factory modules, seed files, Prisma's seed script."""
    kinds = {"fixtures": "fixtures", "fixture": "fixtures", "factories": "factories", "factory": "factories",
             "seeds": "seeds", "seeders": "seeders", "seed": "seeds"}
    found: dict[str, str] = {}
    for path in project.files:
        if not ("fixture" in path or "factor" in path or "seed" in path):
            continue
        parts = project.relative(path).split("/")
        for index, part in enumerate(parts[:-1]):
            if part in kinds and path.endswith(SOURCE_SUFFIXES + (".json", ".sql")):
                found.setdefault(kinds[part], "/".join(parts[: index + 1]) + "/")
    described = [f"{kind} in {folder}" for kind, folder in found.items()]
    seed = project.package.get("prisma", "seed")
    script = re.search(r"[\w./-]+\.[cm]?[jt]s\b", seed) if isinstance(seed, str) else None
    if script:
        described.append(f"Prisma seed ({script.group(0)})")
    elif "seeds" not in found:
        seed_file = next((p for p in project.files
                          if "seed" in p and re.fullmatch(r"seeds?\.[cm]?[jt]s", p.rpartition("/")[2])), None)
        if seed_file:
            described.append(f"seed script {seed_file}")
    return "; ".join(described)


TEST_FOLDER = re.compile(r"(?:[^/]+/)*?(?:tests?|spec|specs|e2e)/")
TEST_SUFFIX = re.compile(r"\.(?:test|spec)\.[cm]?[jt]sx?$")


def _layout(project: Project) -> str:
    """Where tests live and how they are named: "tests/ (*.test.js)", "src/**/__tests__/ (*.spec.ts)"."""
    if not project.tests:
        return ""
    # An even sample is enough to say where most tests live, and bounded on a huge repo.
    sample = project.tests[:: max(1, len(project.tests) // 1000)]
    relative = [project.relative(p) for p in sample]
    folders = Counter(m.group(0) for p in relative if (m := TEST_FOLDER.match(p)))
    if any("/__tests__/" in f"/{p}" for p in relative):
        where = "__tests__/ folders"
    elif folders:
        where = min(folders, key=lambda folder: (-folders[folder], folder))
    else:
        where = "next to the sources"
    suffixes = Counter(m.group(0) for p in relative if (m := TEST_SUFFIX.search(p)))
    naming = f"*{min(suffixes, key=lambda suffix: (-suffixes[suffix], suffix))}" if suffixes else ""
    if where and naming:
        return f"{where} ({naming})"
    return where or naming


# -- logging, validation, API docs ----------------------------------------------------------------
def _logging(project: Project) -> Fact | None:
    http = next((n for n in ("pino-http", "express-pino-logger", "morgan", "express-winston")
                 if n in project.runtime), "")
    details = {"http": http} if http else {}
    for name in ("pino", "winston", "bunyan"):
        dep = project.runtime.get(name) or (project.runtime.get("pino-http") if name == "pino" else None)
        if dep is None:
            continue
        setup = _logger_module(project, name)
        if setup:
            details["setup"] = setup
        if details.get("http") == dep.name:
            details.pop("http")
        return Fact("logging", name, project.label(dep), dep.evidence, Confidence.high, details)
    console = project.grep_first(re.compile(r"\bconsole\.(?:log|info|warn|error|debug)\("), project.sources[:150])
    if console:
        return Fact("logging", "console", "console", Evidence(*console), Confidence.medium, details)
    if http:
        project.notes.append(f"{http} logs HTTP requests; no application logger was found.")
    return None


def _logger_module(project: Project, name: str) -> str | None:
    """The module that builds the logger: it imports the library and calls its factory."""
    factory = {
        "winston": r"createLogger\(|\bconfigure\(\s*\{|new\s+winston\.Logger",
        "pino": r"\bpino\(|pinoHttp\(|pino-http",
        "bunyan": r"createLogger\(",
    }[name]
    files = [p for p in project.importers(name) if re.search(factory, project.tree.text(p) or "")]
    files.sort(key=lambda p: ("log" not in p.rsplit("/", 1)[-1].lower(), p.count("/"), p))
    return files[0] if files else None


VALIDATORS = (("celebrate", "celebrate"), ("express-validator", "express-validator"), ("zod", "zod"),
              ("joi", "joi"), ("@hapi/joi", "joi"), ("yup", "yup"), ("class-validator", "class-validator"),
              ("ajv", "ajv"))


def _validation(project: Project) -> Fact | None:
    used = [(vid, project.runtime[name]) for name, vid in VALIDATORS if name in project.runtime]
    if not used:
        return None
    validator, dep = used[0]
    return Fact("validation", validator, project.label(dep), dep.evidence, Confidence.high)


def _api_docs(project: Project) -> Fact | None:
    ui = "swagger-ui-express" if "swagger-ui-express" in project.runtime else ""
    for name, docs in (("tsoa", "tsoa"), ("@asteasolutions/zod-to-openapi", "zod-to-openapi"),
                       ("swagger-jsdoc", "swagger-jsdoc"), ("express-openapi-validator", "express-openapi-validator")):
        dep = project.deps.get(name)
        if dep:
            label = project.label(dep) + (" + swagger-ui-express" if ui else "")
            return Fact("api_docs", docs, label, dep.evidence, Confidence.high, {"ui": ui} if ui else {})
    if ui:
        spec = next((p for p in project.files if ("openapi" in p or "swagger" in p)
                     and re.fullmatch(r"(?:openapi|swagger)\.(?:ya?ml|json)", p.rpartition("/")[2])
                     and project.relative(p).count("/") <= 3), None)
        if spec:
            return Fact("api_docs", "openapi-file", f"{project.relative(spec)} served by swagger-ui-express",
                        Evidence(spec), Confidence.high, {"spec": spec, "ui": ui})
    return None


# -- tooling --------------------------------------------------------------------------------------
def _package_manager(project: Project) -> Fact | None:
    manager = project.manager
    lock = _lockfile(project.tree, project.root)
    declared = next(((p, p.get("packageManager")) for p in (project.package, project.workspace_root)
                     if p and isinstance(p.get("packageManager"), str)), None)
    version = ""
    if declared and declared[1].startswith(manager + "@"):
        version = ".".join(declared[1].split("@", 1)[1].split("+")[0].split(".")[:2])
    if manager == "yarn" and not version:
        berry = lock and "__metadata:" in _lock_text(project.tree, lock)[:2000]
        version = "2+" if berry else "1" if lock else ""
    berry = manager == "yarn" and version and not version.startswith("1")
    install = {
        "npm": "npm ci" if lock and lock.endswith(("package-lock.json", "npm-shrinkwrap.json")) else "npm install",
        "yarn": "yarn install --immutable" if berry else "yarn install --frozen-lockfile",
        "pnpm": "pnpm install --frozen-lockfile", "bun": "bun install --frozen-lockfile",
    }[manager]
    if not lock and manager in ("yarn", "pnpm", "bun"):
        install = f"{manager} install"
    name = {"npm": "npm", "yarn": "Yarn", "pnpm": "pnpm", "bun": "Bun"}[manager]
    label = f"{name} {version}".rstrip() + (f" ({lock.rsplit('/', 1)[-1]})" if lock else "")
    if declared:
        evidence = declared[0].evidence("packageManager")
    elif lock:
        evidence = Evidence(lock)
    else:
        return Fact("package_manager", "npm", "npm (no lockfile)", Evidence(project.package.path), Confidence.low,
                    {"install": install})
    return Fact("package_manager", manager, label, evidence, Confidence.high, {"install": install})


ESLINT_CONFIGS = (
    "eslint.config.js", "eslint.config.mjs", "eslint.config.cjs", "eslint.config.ts", "eslint.config.mts",
    ".eslintrc.js", ".eslintrc.cjs", ".eslintrc.json", ".eslintrc.yml", ".eslintrc.yaml", ".eslintrc",
)


def _lint(project: Project) -> Fact | None:
    """Every linter and formatter the service uses; the fact's id is the main linter."""
    found: list[tuple[str, str, Evidence, dict[str, str]]] = []
    for folder in _ancestors(project.root):
        config = next((p for p in (_join(folder, n) for n in ESLINT_CONFIGS) if project.tree.exists(p)), None)
        if config:
            break
    else:
        config = project.package.evidence("eslintConfig").path if project.package.get("eslintConfig") else None
    if "eslint" in project.deps or config:
        dep = project.deps.get("eslint")
        found.append(("eslint", project.label(dep) if dep else "ESLint", Evidence(config) if config else dep.evidence,
                      {"config": config} if config else {}))
    biome = project.first("biome.json", "biome.jsonc")
    if "@biomejs/biome" in project.deps or biome:
        dep = project.deps.get("@biomejs/biome")
        found.append(("biome", project.label(dep) if dep else "Biome", Evidence(biome) if biome else dep.evidence, {}))
    for name, configs in (("standard", ()), ("tslint", ("tslint.json", "tslint.yaml")), ("prettier", ())):
        if name in project.deps:
            dep = project.deps[name]
            config = project.first(*configs)
            found.append((name, project.label(dep), Evidence(config) if config else dep.evidence,
                          {"config": config} if config else {}))
    if not found:
        return None
    main, _label, evidence, details = found[0]
    script = project.scripts.get("lint")
    if script and re.search(r"--fix\b|--write\b", script.text):
        checks = [project.scripts[n] for n in ("lint:check", "lint-check", "lint:ci", "check") if n in project.scripts]
        script = checks[0] if checks else script
    if script:
        details = details | {"run": project.run(script.name)}
    label = ", ".join(label for _id, label, _e, _d in found)
    return Fact("lint", main, label, evidence, Confidence.high, details)


@dataclass(frozen=True)
class Stage:
    """The final stage of a Dockerfile: its base image and the command the container runs."""

    base: str
    evidence: Evidence  # its FROM line
    cmd: str = ""
    cmd_evidence: Evidence | None = None


DOCKER_FROM = re.compile(r"\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.I)
DOCKER_CMD = re.compile(r"\s*(CMD|ENTRYPOINT)\s+(.+)", re.I)
NODE_COMMAND = re.compile(r"(?:node|tsx|ts-node)\b")


def _dockerfile_stage(project: Project) -> Stage | None:
    """The final stage, its base followed through `FROM builder` to the image that stage names."""
    path = project.first("Dockerfile")
    if path is None:
        return None
    aliases: dict[str, str] = {}
    stage: Stage | None = None
    entry = cmd = ""
    for line in project.tree.lines(path):
        if match := DOCKER_FROM.match(line.text):
            image = aliases.get(match.group(1).lower(), match.group(1))
            if match.group(2):
                aliases[match.group(2).lower()] = image
            stage, entry, cmd = Stage(image, Evidence(path, line.number)), "", ""
        elif stage and (match := DOCKER_CMD.match(line.text)):
            text = match.group(2).strip()
            if text.startswith("["):
                try:
                    text = " ".join(json.loads(text))
                except ValueError:
                    pass
            entry, cmd = (entry, text) if match.group(1).upper() == "CMD" else (text, cmd)
            command = " ".join(part for part in (entry, cmd) if part)
            stage = Stage(stage.base, stage.evidence, command, Evidence(path, line.number))
    return stage


def _container(project: Project) -> Fact | None:
    stage = _dockerfile_stage(project)
    if stage is None:
        return None
    details = {"base": stage.base} | ({"cmd": stage.cmd} if stage.cmd else {})
    return Fact("container", "docker", f"Docker ({stage.base})", stage.evidence, Confidence.high, details)


def _process(project: Project) -> Fact | None:
    """How the service is served: PM2, a Procfile, the image's CMD or the start script."""
    ecosystem = project.first(*(f"{folder}ecosystem.config.{ext}" for folder in ("", "config/", "deploy/")
                                for ext in ("js", "cjs", "json", "yml", "yaml")))
    start = project.scripts.get("start")
    stage = _dockerfile_stage(project)
    docker_cmd = _resolve_npm_start(project, stage.cmd) if stage and stage.cmd else ""
    config = {"config": ecosystem} if ecosystem else {}
    if start and re.search(r"\bpm2(?:-runtime)?\s", start.text):
        return Fact("process", "pm2", "PM2", start.evidence, Confidence.high, {"cmd": start.text} | config)
    if stage and re.match(r"pm2(?:-runtime)?\s", docker_cmd):
        return Fact("process", "pm2", "PM2", stage.cmd_evidence, Confidence.high, {"cmd": docker_cmd} | config)
    if ecosystem:
        command = f"pm2-runtime start {project.relative(ecosystem)}"
        return Fact("process", "pm2", "PM2", Evidence(ecosystem), Confidence.medium, {"cmd": command} | config)
    web = next((c for c in project.commands.all if c.origin == "procfile" and c.name == "web"
                and c.evidence.path == project.path("Procfile")), None)
    if web:
        return Fact("process", "procfile", f"Procfile: {web.text}", web.evidence, Confidence.high, {"cmd": web.text})
    if stage and NODE_COMMAND.match(docker_cmd):
        return Fact("process", "node", docker_cmd, stage.cmd_evidence, Confidence.high, {"cmd": stage.cmd})
    parts = [part.strip() for part in re.split(r"&&|;", start.text)] if start else []
    served = next((part for part in parts if NODE_COMMAND.match(part)), None)
    if start and served:
        return Fact("process", "node", served, start.evidence, Confidence.medium, {"cmd": project.run("start")})
    return None


def _resolve_npm_start(project: Project, cmd: str) -> str:
    """`npm start` in a CMD runs the start script: look through it to the real command."""
    start = project.scripts.get("start")
    if start and re.fullmatch(r"(?:npm|yarn|pnpm)\s+(?:run\s+)?start", cmd.strip()):
        return start.text
    return cmd


CONFIG_MODULES = (
    "src/config/index.ts", "src/config/index.js", "src/config/config.ts", "src/config/config.js",
    "src/config/env.ts", "src/config/env.js", "src/config.ts", "src/config.js", "src/env.ts", "src/env.js",
    "config/config.js", "config/index.js", "config/config.ts", "config/index.ts", "src/lib/env/index.ts",
    "src/utils/config.ts", "src/utils/config.js", "src/common/config.ts", "config.js", "config.ts",
)


def _settings(project: Project) -> Fact | None:
    """Where configuration comes from: an env schema (envalid), a config module, the `config`
    package, or dotenv loading a .env file."""
    tree = project.tree
    module = next((p for p in (project.first(n) for n in CONFIG_MODULES)
                   if p and "process.env" in (tree.text(p) or "")), None)
    loaders = [n for n in ("dotenv", "envalid", "convict", "env-var", "@t3-oss/env-core") if n in project.runtime]
    details = {"path": module} if module else {}
    if loaders:
        details["loader"] = ", ".join(loaders)
    if "envalid" in project.runtime:
        dep = project.runtime["envalid"]
        setup = module if module and "envalid" in (tree.text(module) or "") else None
        setup = setup or next(iter(project.importers("envalid")), None)
        return Fact("settings", "envalid", project.label(dep), dep.evidence, Confidence.high,
                    details | ({"path": setup} if setup else {}))
    if module:
        line = tree.first_line(module, re.compile(r"process\.env"))
        return Fact("settings", "config-module", module, Evidence(module, line.number if line else None),
                    Confidence.high, details)
    if "config" in project.runtime and project.first("config/default.json", "config/default.js", "config/default.yml",
                                                     "config/default.yaml", "config/default.ts"):
        dep = project.runtime["config"]
        return Fact("settings", "config-module", "config package (config/default.*)", dep.evidence, Confidence.high,
                    details | {"path": project.first("config/default.json", "config/default.js", "config/default.yml",
                                                     "config/default.yaml", "config/default.ts") or ""})
    builtin = re.compile(r"process\.loadEnvFile\(|--env-file(?:-if-exists)?[ =]")
    loaded = project.grep_first(builtin, project.sources[:150])
    start = next((c for c in project.scripts.values() if builtin.search(c.text)), None)
    if "dotenv" not in project.runtime and (loaded or start):
        evidence = Evidence(*loaded) if loaded else start.evidence
        return Fact("settings", "node-env-file", "Node's built-in env file loading", evidence, Confidence.high,
                    details | ({"path": evidence.path} if loaded else {}))
    if "dotenv" in project.runtime:
        dep = project.runtime["dotenv"]
        loads = re.compile(r"""dotenv['"]?\)?\.config\(|['"]dotenv/config['"]""")
        loaded = project.grep_first(loads, project.sources[:150])
        if loaded:
            details["path"] = loaded[0]
        return Fact("settings", "dotenv", project.label(dep), dep.evidence, Confidence.high, details)
    return None


# -- exemplars ------------------------------------------------------------------------------------
ROUTER = re.compile(r"\b(?:express\.)?Router\(\s*(?:\{[^)]*)?\)")
HANDLER = re.compile(r"""\.(?:get|post|put|patch|delete)\(\s*['"`]/""")


def _exemplars(project: Project, facts: dict[str, Fact]) -> dict[str, Evidence]:
    found: dict[str, Evidence] = {}
    test = _test_exemplar(project)
    if test:
        found["test"] = Evidence(test)
    router = _route_exemplar(project)
    if router:
        found["route"] = Evidence(router)
    model = _model_exemplar(project, facts.get("orm"))
    if model:
        found["model"] = Evidence(model)
    settings = facts.get("settings")
    if settings and settings.details.get("path") and project.tree.exists(settings.details["path"]):
        found["settings"] = Evidence(settings.details["path"])
    logging = facts.get("logging")
    if logging and logging.details.get("setup"):
        found["logging"] = Evidence(logging.details["setup"])
    migrations = facts.get("migrations")
    if migrations:
        folder = _migrations_folder(project)
        latest = _latest_migration(project, folder) if folder else None
        path = migrations.evidence.path
        if latest:
            found["migration"] = Evidence(latest)
        elif project.tree.exists(path) and path != project.package.path:
            found["migration"] = Evidence(path)
    return found


def _route_exemplar(project: Project) -> str | None:
    """A router file that declares handlers itself (not the one that only mounts the others), else a
    file of a routes/ or controllers/ folder (decorator controllers, handlers mounted in app.js)."""
    best, most = None, 0
    for path in project.sources:
        text = project.tree.text(path) or ""
        if not ROUTER.search(text):
            continue
        handlers = len(HANDLER.findall(text))
        if best is None or handlers > most:
            best, most = path, handlers
    if best:
        return best
    folder = re.compile(r"(?:^|/)(?:routes|routers|controllers|handlers)/[^/]+$")
    return next((p for p in sorted(project.sources, key=lambda p: (p.count("/"), p))
                 if folder.search(project.relative(p)) and not re.search(r"/index\.[cm]?[jt]s$", p)), None)


API_TEST_PATH = re.compile(r"integration|api|e2e|route")
HTTP_TEST = re.compile(r"supertest|\brequest\(\s*app\b")


def _test_exemplar(project: Project) -> str | None:
    """An API test (one that drives the app over HTTP) when there is one, else any test."""
    if not project.tests:
        return None
    ordered = heapq.nsmallest(60, project.tests, key=lambda p: (not API_TEST_PATH.search(p), p.count("/"), p))
    return next((p for p in ordered if HTTP_TEST.search(project.tree.text(p) or "")), ordered[0])


MODEL_PATTERNS = {
    "mongoose": r"mongoose\.model\(|\bmodel\(\s*['\"]|new\s+(?:mongoose\.)?Schema\(",
    "sequelize": r"sequelize\.define\(|extends\s+Model\b|\.init\(\s*\{",
    "typeorm": r"@Entity\(",
    "mikro-orm": r"@Entity\(",
    "objection": r"extends\s+Model\b",
    "drizzle": r"\b(?:pgTable|mysqlTable|sqliteTable)\(",
}


MODEL_PATH = re.compile(r"model|entit|schema|repositor", re.I)


def _model_exemplar(project: Project, orm: Fact | None) -> str | None:
    if orm is None:
        return None
    if orm.id == "prisma":
        return _prisma_schema(project)
    ordered = sorted(project.sources, key=lambda p: (not MODEL_PATH.search(p), p.count("/"), p))
    pattern = MODEL_PATTERNS.get(orm.id)
    if pattern:
        compiled = re.compile(pattern)
        return next((p for p in ordered if compiled.search(project.tree.text(p) or "")
                     and not p.endswith(("/index.js", "/index.ts"))), None)
    folder = re.compile(r"(?:^|/)(?:models|repositories|queries|db)/[^/]+$")
    return next((p for p in ordered if folder.search(project.relative(p))), None)
