"""Python services: Django and FastAPI, read from manifests, lockfiles, settings and a bounded set of sources.

Nothing is imported or run. Dependencies come from every manifest a Python project may use
(requirements files, pyproject.toml in its PEP 621, Poetry and dependency-group forms, Pipfile,
setup.py/setup.cfg); versions come from a lockfile when there is one, else from an exact pin. Code is
read only where a fact lives (settings modules, conftest.py, a sample of tests and source files), so a
large repo costs a few dozen reads.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from scaffold.detect.commands import Command, RepoCommands, load_yaml
from scaffold.detect.model import Confidence, Evidence, Fact, Reading
from scaffold.detect.tree import Line, RepoTree

HIGH, MEDIUM = Confidence.high, Confidence.medium

# A service root deeper than this is a sub-project of something else.
MAX_ROOT_DEPTH = 3
# Folders whose manage.py or app belongs to tests, docs or a project template, not to a service.
NOT_A_SERVICE = frozenset({"tests", "test", "testing", "docs", "doc", "examples", "example", "samples", "sample",
                           "fixtures", "testproject", "test_project", "templates", "benchmarks"})
# How many source and test files a concern may read: enough to see the repo's habits, bounded for speed.
SOURCE_SAMPLE = 400
TEST_SAMPLE = 40

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;#]*)")
MANAGE_SETTINGS = re.compile(r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""")
FASTAPI_APP = re.compile(r"\bFastAPI\(")
DB_URL = re.compile(r"\b(postgres(?:ql)?|postgis|mysql|mariadb|sqlite|mongodb(?:\+srv)?)(?:\+(\w+))?://")
ENGINE = re.compile(r"""["']django(?:\.contrib\.gis)?\.db\.backends\.(\w+)["']""")


def _normalize(name: str) -> str:
    """PEP 503: `Django`, `django_filter` and `django.filter` name one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _join(root: str, name: str) -> str:
    return f"{root}/{name}" if root else name


def _relative(root: str, path: str) -> str:
    return path[len(root) + 1:] if root and path.startswith(root + "/") else path


def _first_line(tree: RepoTree, path: str, pattern: re.Pattern[str]) -> Line | None:
    """The first line matching `pattern`, after one search of the whole text to skip files without it."""
    text = tree.text(path)
    if not text or not re.compile(pattern.pattern, pattern.flags | re.M).search(text):
        return None
    return tree.first_line(path, pattern)


def _ancestors(root: str) -> list[str]:
    """`root` and every folder above it, up to the repo's top (""), nearest first."""
    found = [root]
    while root:
        root = _parent(root)
        found.append(root)
    return found


# -- dependencies ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dep:
    """One declared dependency: its normalized name, version spec and the line declaring it."""

    name: str
    spec: str
    evidence: Evidence
    dev: bool = False

    @property
    def pinned(self) -> str | None:
        """The version a pin states: exact for `==4.2.11` (or Poetry's bare `4.2.11`), the release series
        for a compatible pin (`~=4.2.0`, Poetry `^4.2`, `>=6.0,<6.1`: "4.2", "6.0"), else None."""
        spec = self.spec.replace(" ", "")
        if match := re.fullmatch(r"(==|===)?v?(\d+(?:\.\d+)*)", spec):
            return match.group(2)
        if match := re.fullmatch(r"(?:~=|\^|~|==)v?(\d+(?:\.\d+)*)(?:\.\*)?", spec):
            return _minor(match.group(1))
        # A range of one minor release names that release: `>=6.0,<6.1` is Django 6.0.
        low = re.search(r">=(\d+)\.(\d+)", spec)
        high = re.search(r"<(\d+)\.(\d+)(?:\.0)?(?:,|$)", spec)
        if low and high and low.group(1) == high.group(1) and int(high.group(2)) == int(low.group(2)) + 1:
            return f"{low.group(1)}.{low.group(2)}"
        return None

    @property
    def minimum(self) -> tuple[int, ...] | None:
        """The lowest version the spec allows, as numbers, when it states one."""
        match = re.search(r"(?:==|~=|>=|\^|~|^)v?(\d+(?:\.\d+)*)", self.spec.replace(" ", ""))
        return tuple(int(part) for part in match.group(1).split(".")) if match else None


DEV_FILE = re.compile(r"(dev|test|local|lint|ci|docs)", re.I)


def _dependency_files(tree: RepoTree, folder: str) -> list[str]:
    """The manifests declaring a folder's dependencies, runtime ones first."""
    prefix = f"{folder}/" if folder else ""
    found = []
    for name in ("pyproject.toml", "Pipfile", "setup.cfg", "setup.py"):
        if tree.exists(prefix + name):
            found.append(prefix + name)
    requirements = [
        p for p in tree.files
        if p.startswith(prefix) and p.endswith((".txt", ".in"))
        and (re.fullmatch(r"requirements[\w.-]*\.(txt|in)", p[len(prefix):])
             or re.fullmatch(r"requirements/(?:[\w.-]+/)?[\w.-]+\.(txt|in)", p[len(prefix):]))
    ]
    # Compiled .txt before hand-written .in, runtime files before dev ones.
    requirements.sort(key=lambda p: (bool(DEV_FILE.search(p.rsplit("/", 1)[-1])), p.endswith(".in"), p))
    return found + requirements


DECLARED_NAME = re.compile(r"""^[ \t]*["']?([A-Za-z0-9][A-Za-z0-9._-]*)""", re.M)


def _name_lines(tree: RepoTree, path: str) -> list[tuple[int, str]]:
    """(line, normalized name) for each line of a manifest that starts with a name: indexed once per file,
    so placing a hundred dependencies is one pass over the text, not a hundred."""
    text = tree.text(path) or ""
    return [(text.count("\n", 0, m.start()) + 1, _normalize(m.group(1))) for m in DECLARED_NAME.finditer(text)]


def _dep_line(index: list[tuple[int, str]], raw: str, after: int) -> int | None:
    name = _normalize(raw)
    return next((number for number, found in index if number > after and found == name), None)


def _line_of(tree: RepoTree, path: str, raw: str, after: int = 0) -> int | None:
    """The first line (after line `after`) that names `raw` outside a comment."""
    text = tree.text(path) or ""
    start = 0
    for _ in range(after):
        start = text.find("\n", start) + 1
        if not start:
            return None
    pattern = re.compile(rf"^(?![ \t]*#)[^\n]*?(?<![\w.-]){re.escape(raw)}(?![\w.-])", re.I | re.M)
    match = pattern.search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _section_line(tree: RepoTree, path: str, header: str) -> int:
    """The line of a TOML/INI section header, so a dependency is looked up inside its section."""
    line = _first_line(tree, path, re.compile(rf"^\s*\[{re.escape(header)}\]"))
    return line.number - 1 if line else 0


def _parse_requirement(text: str) -> tuple[str, str] | None:
    text = text.strip()
    if not text or text.startswith(("#", "-", "git+", "http:", "https:", "file:", ".")):
        return None
    match = REQUIREMENT.match(text)
    return (match.group(1), match.group(3).strip()) if match else None


def _read_dependencies(tree: RepoTree, path: str) -> list[Dep]:
    name = path.rsplit("/", 1)[-1]
    if name == "pyproject.toml":
        return _pyproject_dependencies(tree, path)
    if name == "Pipfile":
        return _toml_table_dependencies(tree, path, {"packages": False, "dev-packages": True})
    if name == "setup.cfg":
        return _setup_cfg_dependencies(tree, path)
    if name == "setup.py":
        return _setup_py_dependencies(tree, path)
    dev = bool(DEV_FILE.search(name))
    found = []
    for line in tree.lines(path):
        if parsed := _parse_requirement(line.text):
            found.append(Dep(_normalize(parsed[0]), parsed[1], Evidence(path, line.number), dev))
    return found


def _toml(tree: RepoTree, path: str) -> dict:
    try:
        return tomllib.loads(tree.text(path) or "")
    except tomllib.TOMLDecodeError:
        return {}


def _pep508_list(tree: RepoTree, path: str, items: object, dev: bool, after: int) -> list[Dep]:
    found = []
    index = _name_lines(tree, path) if items else []
    for item in items if isinstance(items, list) else []:
        parsed = _parse_requirement(item) if isinstance(item, str) else None
        if parsed:
            # An inline list (`dependencies = ["fastapi"]`) starts no line with the name: search for it.
            line = _dep_line(index, parsed[0], after) or _line_of(tree, path, parsed[0], after)
            found.append(Dep(_normalize(parsed[0]), parsed[1], Evidence(path, line), dev))
    return found


def _pyproject_dependencies(tree: RepoTree, path: str) -> list[Dep]:
    data = _toml(tree, path)
    project = data.get("project") or {}
    found = _pep508_list(tree, path, project.get("dependencies"), False, _section_line(tree, path, "project"))
    for extra in (project.get("optional-dependencies") or {}).values():
        found += _pep508_list(tree, path, extra, True, _section_line(tree, path, "project.optional-dependencies"))
    for group in (data.get("dependency-groups") or {}).values():
        found += _pep508_list(tree, path, group, True, _section_line(tree, path, "dependency-groups"))
    for group in ((data.get("tool") or {}).get("pdm") or {}).get("dev-dependencies", {}).values():
        found += _pep508_list(tree, path, group, True, _section_line(tree, path, "tool.pdm.dev-dependencies"))
    poetry = (data.get("tool") or {}).get("poetry") or {}
    tables = {"dependencies": False, "dev-dependencies": True}
    tables |= {f"group.{name}.dependencies": True for name in (poetry.get("group") or {})}
    for key, dev in tables.items():
        table: object = poetry
        for part in key.split("."):
            table = table.get(part, {}) if isinstance(table, dict) else {}
        found += _toml_table(tree, path, table, dev, _section_line(tree, path, f"tool.poetry.{key}"))
    return found


def _toml_table(tree: RepoTree, path: str, table: object, dev: bool, after: int) -> list[Dep]:
    """Poetry and Pipfile tables: `name = "^1.2"` or `name = {version = "^1.2", extras = [...]}`."""
    found = []
    index = _name_lines(tree, path) if table else []
    for raw, value in (table.items() if isinstance(table, dict) else []):
        if raw.lower() == "python":
            continue
        spec = value if isinstance(value, str) else (value.get("version", "") if isinstance(value, dict) else "")
        spec = "" if spec == "*" else spec
        found.append(Dep(_normalize(raw), spec, Evidence(path, _dep_line(index, raw, after)), dev))
    return found


def _toml_table_dependencies(tree: RepoTree, path: str, tables: dict[str, bool]) -> list[Dep]:
    data = _toml(tree, path)
    found = []
    for key, dev in tables.items():
        found += _toml_table(tree, path, data.get(key), dev, _section_line(tree, path, key))
    return found


def _setup_cfg_dependencies(tree: RepoTree, path: str) -> list[Dep]:
    found, inside = [], False
    for line in tree.lines(path):
        stripped = line.text.strip()
        if re.match(r"install_requires\s*=", stripped):
            inside = True
            stripped = stripped.partition("=")[2]
        elif inside and (not line.text[:1].isspace() or stripped.startswith("[")):
            inside = False
        if inside and (parsed := _parse_requirement(stripped)):
            found.append(Dep(_normalize(parsed[0]), parsed[1], Evidence(path, line.number)))
    return found


def _setup_py_dependencies(tree: RepoTree, path: str) -> list[Dep]:
    text = tree.text(path) or ""
    match = re.search(r"install_requires\s*=\s*\[(.*?)\]", text, re.S)
    if not match:
        return []
    first = text.count("\n", 0, match.start()) + 1
    found = []
    for offset, line in enumerate(match.group(0).splitlines()):
        for quoted in re.findall(r"""["']([^"']+)["']""", line):
            if parsed := _parse_requirement(quoted):
                found.append(Dep(_normalize(parsed[0]), parsed[1], Evidence(path, first + offset)))
    return found


def _dependencies_of(tree: RepoTree, folder: str) -> dict[str, Dep]:
    """Dependencies declared in one folder's own manifests (not its parents')."""
    found: dict[str, Dep] = {}
    for path in _dependency_files(tree, folder):
        for dep in _read_dependencies(tree, path):
            found.setdefault(dep.name, dep)
    return found


# -- lockfiles ---------------------------------------------------------------------------------------

LOCKFILES = {"uv.lock": "uv", "poetry.lock": "poetry", "Pipfile.lock": "pipenv", "pdm.lock": "pdm"}


def _lock_version(tree: RepoTree, path: str, name: str) -> tuple[str, Evidence] | None:
    """The version a lockfile resolved for `name`, with its line; None when the file does not list it."""
    text = tree.text(path)
    if not text:
        return None
    if path.endswith("Pipfile.lock"):
        match = re.search(rf'"{re.escape(name)}"\s*:\s*\{{[^{{}}]*?"version"\s*:\s*"==([^"]+)"', text, re.I)
    else:
        # uv, poetry and pdm write `name = "x"` then `version = "y"` at the top of each [[package]].
        pattern = re.escape(name).replace(r"\-", "[-_.]")
        match = re.search(rf'^name = "{pattern}"\r?\nversion = "([^"]+)"', text, re.M | re.I)
    if not match:
        return None
    return match.group(1), Evidence(path, text.count("\n", 0, match.start(1)) + 1)


# -- the service -------------------------------------------------------------------------------------


@dataclass
class Project:
    """One Python service: its root, what it declares and where its code lives."""

    tree: RepoTree
    root: str
    stack: str
    commands: RepoCommands
    notes: list[str] = field(default_factory=list)

    @cached_property
    def deps(self) -> dict[str, Dep]:
        """The root's dependencies, then those of the folders above it (a workspace's shared pins)."""
        found: dict[str, Dep] = {}
        for folder in _ancestors(self.root):
            for name, dep in _dependencies_of(self.tree, folder).items():
                found.setdefault(name, dep)
        return found

    @cached_property
    def lockfile(self) -> str | None:
        for folder in _ancestors(self.root):
            for name in LOCKFILES:
                if self.tree.exists(_join(folder, name)):
                    return _join(folder, name)
        return None

    def dep(self, *names: str) -> Dep | None:
        return next((self.deps[n] for n in names if n in self.deps), None)

    def version(self, name: str) -> tuple[str | None, Evidence | None]:
        """The version of a dependency: the lockfile's when it lists it, else the pin's."""
        if self.lockfile and (locked := _lock_version(self.tree, self.lockfile, name)):
            return locked
        dep = self.deps.get(name)
        if dep and dep.pinned:
            return dep.pinned, dep.evidence
        return None, dep.evidence if dep else None

    def labelled(self, title: str, *names: str) -> tuple[str, Evidence | None]:
        """'Celery 5.3.4' and where the version was read; the first of `names` the service declares."""
        name = next((n for n in names if n in self.deps), names[0])
        version, evidence = self.version(name)
        return (f"{title} {version}" if version else title), evidence

    def path(self, relative: str) -> str:
        return _join(self.root, relative)

    @cached_property
    def py_files(self) -> list[str]:
        prefix = f"{self.root}/" if self.root else ""
        excluded = tuple(f"{prefix}{d}/" for d in ("docs", "scripts"))
        return [p for p in self.tree.files if p.startswith(prefix) and p.endswith(".py") and "/migrations/" not in p
                and not p.startswith(excluded)]

    @cached_property
    def _tests_and_code(self) -> tuple[list[str], list[str]]:
        tests, code = [], []
        for path in self.py_files:
            (tests if _is_test_file(path) else code).append(path)
        return tests, code

    @cached_property
    def test_files(self) -> list[str]:
        return sorted(self._tests_and_code[0], key=lambda p: (p.count("/"), p))[:TEST_SAMPLE]

    @cached_property
    def sources(self) -> list[str]:
        """Non-test source files, shallowest first, bounded: where imports and app setup are read."""
        code = [p for p in self._tests_and_code[1] if not p.endswith("conftest.py")]
        return sorted(code, key=lambda p: (p.count("/"), p))[:SOURCE_SAMPLE]

    def grep(self, pattern: str, paths: Iterable[str] | None = None, every: bool = False) -> list[Line]:
        """The first line matching `pattern` in each file (every matching line with `every`), found by one
        search of each file's text: test files run to thousands of lines and most match early."""
        regex = re.compile(pattern, re.M)
        found = []
        for path in self.sources if paths is None else paths:
            text = self.tree.text(path)
            if not text:
                continue
            for match in regex.finditer(text) if every else filter(None, [regex.search(text)]):
                # `^\s*` may start on a blank line above: the line is where the matched text starts.
                at = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
                at = min(at, max(match.end() - 1, match.start()))
                begin = text.rfind("\n", 0, at) + 1
                end = text.find("\n", at)
                found.append(Line(path, text.count("\n", 0, begin) + 1, text[begin:end if end >= 0 else None]))
        return found

    def first(self, pattern: str, paths: Iterable[str] | None = None) -> Line | None:
        regex = re.compile(pattern, re.M)
        for path in self.sources if paths is None else paths:
            if (text := self.tree.text(path)) and regex.search(text):
                return self.grep(pattern, [path])[0]
        return None

    @cached_property
    def settings_module(self) -> tuple[str, Line] | None:
        """Django's settings module from manage.py's DJANGO_SETTINGS_MODULE default."""
        line = _first_line(self.tree, self.path("manage.py"), MANAGE_SETTINGS)
        return (MANAGE_SETTINGS.search(line.text).group(1), line) if line else None

    @cached_property
    def settings_package(self) -> list[str]:
        """The settings module manage.py names and, when it is one of a package of settings modules
        (`settings/base.py`, `local.py`, `production.py` star-importing each other), its siblings."""
        if not self.settings_module:
            return []
        base = self.path(self.settings_module[0].replace(".", "/"))
        chosen = next((c for c in (f"{base}.py", f"{base}/__init__.py") if self.tree.exists(c)), None)
        if not chosen:
            return []
        folder = _parent(chosen)
        siblings = [p for p in self.tree.files if _parent(p) == folder and p.endswith(".py")
                    and p != chosen and not p.endswith("/__init__.py")]
        names = "|".join(re.escape(s.rsplit("/", 1)[-1].removesuffix(".py")) for s in siblings + [chosen])
        star = re.compile(rf"^from\s+(?:\.|[\w.]+\.)({names})\s+import\s+\*", re.M)
        linked = folder.rsplit("/", 1)[-1] == "settings" or any(
            star.search(self.tree.text(p) or "") for p in siblings + [chosen])
        package = linked and self.tree.exists(f"{folder}/__init__.py") and bool(siblings)
        return [chosen] + (siblings if package else [])

    @cached_property
    def settings_files(self) -> list[str]:
        """Django settings modules: manage.py's and its package, then any settings.py or settings/ module."""
        found = self.settings_package + [
            p for p in self.py_files if p.rsplit("/", 1)[-1] == "settings.py" or "/settings/" in p]
        return list(dict.fromkeys(p for p in found if "/tests/" not in p))[:60]

    @cached_property
    def config_files(self) -> list[str]:
        """Where a service keeps its configuration: settings, config modules, env examples, compose."""
        names = {"settings.py", "config.py", "conf.py", "database.py", "db.py", "session.py", "env.py",
                 "celery.py", "worker.py", "main.py", "app.py"}
        code = [p for p in self.sources if p.rsplit("/", 1)[-1] in names and "/tests/" not in p]
        return list(dict.fromkeys(self.settings_files + code[:60]))

    @cached_property
    def env_examples(self) -> list[str]:
        names = (".env.example", ".env.sample", ".env.template", ".env.dist", "env.example", ".env")
        return [_join(folder, n) for folder in dict.fromkeys([self.root, ""]) for n in names
                if self.tree.exists(_join(folder, n))]

    @cached_property
    def compose_files(self) -> list[str]:
        names = ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml",
                 "docker-compose.override.yml", "compose.override.yml", "docker-compose.local.yml", "local.yml",
                 "docker-compose.dev.yml",
                 "docker-compose.prod.yml", "production.yml")
        return [_join(folder, n) for folder in dict.fromkeys([self.root, ""]) for n in names
                if self.tree.exists(_join(folder, n))]

    @cached_property
    def compose_commands(self) -> list[Command]:
        """Each compose service's `command:` line, named after its service."""
        found = []
        for path in self.compose_files:
            data = load_yaml(self.tree, path)
            services = data.get("services") if isinstance(data, dict) else None
            for name, service in (services or {}).items():
                command = service.get("command") if isinstance(service, dict) else None
                if isinstance(command, list):
                    command = " ".join(str(part) for part in command)
                if isinstance(command, str) and command.strip():
                    first = command.strip().splitlines()[0]
                    line = _line_of(self.tree, path, first.split()[0])
                    found.append(Command(command.strip(), Evidence(path, line), "compose", str(name)))
        return found

    @cached_property
    def runnable(self) -> list[Command]:
        """Every command the repo declares, the ones run without Docker first."""
        found = self.commands.all + self.compose_commands + self.script_commands
        return sorted(found, key=lambda c: bool(re.search(r"\bdocker(-compose)?\b|\bexec\b", c.text)))

    @cached_property
    def script_commands(self) -> list[Command]:
        """Lines of the repo's own shell scripts (`scripts/test.sh`), named by the script to run."""
        found = []
        for path in self.tree.files:
            folder = _parent(path)
            if folder not in (self.path("scripts"), self.path("bin")) or path.endswith(".py"):
                continue
            for line in self.tree.lines(path):
                text = line.text.strip()
                if text and not text.startswith(("#", "set ", "echo ")):
                    found.append(Command(text, Evidence(path, line.number), "shell", _relative(self.root, path)))
        return found

    def run_command(self, pattern: str, prefer: str = "") -> tuple[str, Command] | None:
        """How the repo runs a command matching `pattern`: a Make/just/task target or tox before the bare
        line, so flags and env the target sets are kept; within an origin, a target or script whose name
        contains `prefer` first (`lint.sh` before `format.sh`)."""
        regex = re.compile(pattern)
        installs = re.compile(r"\b(pip|uv|poetry|pipx)\s+(install|add)\b")
        # A Make target or tox env runs from the folder of its file: only the project root's are ours.
        local = [c for c in self.runnable
                 if c.origin not in ("make", "just", "task", "tox") or _parent(c.evidence.path) == self.root]
        for origin in ("make", "just", "task", "tox", "shell", "ci", "procfile", "compose"):
            matches = [c for c in local if c.origin == origin and regex.search(c.text) and not installs.search(c.text)]
            # The everyday run before an end-to-end, deploy or release workflow's.
            matches.sort(key=lambda c: (not (prefer and prefer in c.name),
                                        bool(re.search(r"e2e|deploy|release|publish|perf|bench|nightly|migration",
                                                       c.evidence.path)),
                                        not re.search(r"(^|/)(tests?|ci|main|checks?|build)\.ya?ml$", c.evidence.path)))
            if matches:
                return _invocation(matches[0]), matches[0]
        return None


def _invocation(command: Command) -> str:
    if command.origin in ("make", "just", "task"):
        return f"{command.origin} {command.name}"
    if command.origin == "tox":
        return "tox"
    if command.origin == "shell":
        return f"bash {command.name}"
    # A CI step may chain setup before the tool, or run it inside a container: keep the tool's command.
    text = command.text.split("&&")[-1].strip()
    return DOCKER_RUN.sub("", text)


# `docker compose run --rm web ` / `docker exec -it app `: the container part of a command run inside one.
DOCKER_RUN = re.compile(r"^docker(?:-compose|\s+compose)?\s+(?:-f\s+\S+\s+)*(?:exec|run)\s+"
                        r"(?:(?:-e|--env|-w|--workdir|-u|--user)\s+\S+\s+|-{1,2}[\w-]+\s+)*\S+\s+")


def _is_test_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "tests.py" or (
        ("/tests/" in f"/{path}" or "/test/" in f"/{path}") and name not in ("__init__.py", "conftest.py")
    )


# -- candidates --------------------------------------------------------------------------------------


def candidates(tree: RepoTree) -> list[Fact]:
    """A Django service per manage.py with Django declared; a FastAPI service per manifest declaring it."""
    _DECLARED.clear()
    found: list[Fact] = []
    django_roots: set[str] = set()
    for manage in tree.named("manage.py", max_depth=MAX_ROOT_DEPTH):
        root = _parent(manage)
        if not _service_folder(root) or not _first_line(tree, manage, re.compile(r"django|DJANGO_SETTINGS_MODULE")):
            continue
        dep = _declared(tree, root, "django")
        if dep:
            found.append(_stack("django", root, dep.evidence, HIGH))
        else:
            # Django itself is not declared where we can read it (a Docker-only install): manage.py still says it.
            line = _first_line(tree, manage, MANAGE_SETTINGS)
            found.append(_stack("django", root, Evidence(manage, line.number if line else None), MEDIUM))
        django_roots.add(root)
    found += _fastapi_candidates(tree, django_roots)
    return found


def _service_folder(root: str) -> bool:
    parts = root.split("/") if root else []
    return len(parts) <= MAX_ROOT_DEPTH and not any(p in NOT_A_SERVICE or "{{" in p for p in parts)


# Each folder's dependencies, read once while candidates are looked for (a folder may be asked about
# for Django and for FastAPI); cleared at each call, so it never outlives one repo.
_DECLARED: dict[str, dict[str, Dep]] = {}


def _folder_dependencies(tree: RepoTree, folder: str) -> dict[str, Dep]:
    if folder not in _DECLARED:
        _DECLARED[folder] = _dependencies_of(tree, folder)
    return _DECLARED[folder]


def _declared(tree: RepoTree, root: str, name: str) -> Dep | None:
    for folder in _ancestors(root):
        if dep := _folder_dependencies(tree, folder).get(name):
            return dep
    return None


def _stack(stack: str, root: str, evidence: Evidence, confidence: Confidence) -> Fact:
    label = {"django": "Django", "fastapi": "FastAPI"}[stack]
    return Fact("stack", stack, label, evidence, confidence, {"root": root})


def _fastapi_candidates(tree: RepoTree, django_roots: set[str]) -> list[Fact]:
    found = []
    manifests = [p for p in tree.files if p.count("/") <= MAX_ROOT_DEPTH
                 and re.fullmatch(r"(pyproject\.toml|Pipfile|setup\.py|setup\.cfg|requirements[\w.-]*\.(txt|in))",
                                  p.rsplit("/", 1)[-1])]
    manifests += [p for p in tree.files if p.count("/") <= MAX_ROOT_DEPTH + 1 and re.search(r"(^|/)requirements/", p)]
    roots = sorted({_parent(p.replace("/requirements/", "/").replace("requirements/", "")) if "requirements/" in p
                    else _parent(p) for p in manifests}, key=lambda r: (r.count("/"), r))
    for root in roots:
        if not _service_folder(root):
            continue
        dep = _folder_dependencies(tree, root).get("fastapi")
        if not dep:
            continue
        app = _fastapi_app(tree, root)
        # A Django project may list FastAPI for a side tool: it is a FastAPI service only if it builds an app.
        if root in django_roots and not app:
            continue
        found.append(_stack("fastapi", root, dep.evidence, HIGH))
    if not found:
        # No manifest names FastAPI (installed by a Dockerfile): an app built in code is still a service.
        entry_points = ("main.py", "app.py", "server.py", "api.py", "application.py", "asgi.py")
        for path in [p for p in tree.files if p.count("/") <= MAX_ROOT_DEPTH + 1
                     and p.rsplit("/", 1)[-1] in entry_points][:SOURCE_SAMPLE]:
            line = _first_line(tree, path, FASTAPI_APP)
            if line and _first_line(tree, path, re.compile(r"^\s*from fastapi import|^\s*import fastapi")):
                root = _package_root(tree, path)
                if _service_folder(root):
                    found.append(_stack("fastapi", root, Evidence(path, line.number), MEDIUM))
                    break
    return found


def _fastapi_app(tree: RepoTree, root: str) -> Line | None:
    prefix = f"{root}/" if root else ""
    paths = [p for p in tree.files if p.startswith(prefix) and p.endswith(".py") and "/tests/" not in p
             and p.rsplit("/", 1)[-1] in ("main.py", "app.py", "__init__.py", "server.py", "application.py", "api.py")]
    for path in sorted(paths, key=lambda p: (p.count("/"), p))[:60]:
        if line := _first_line(tree, path, FASTAPI_APP):
            return line
    return None


def _package_root(tree: RepoTree, path: str) -> str:
    """The folder above a file's top-level package: where `python -m` and imports start."""
    folder = _parent(path)
    while folder and tree.exists(f"{folder}/__init__.py"):
        folder = _parent(folder)
    return folder


# -- read --------------------------------------------------------------------------------------------


def read(tree: RepoTree, root: str, stack: str, commands: RepoCommands) -> Reading:
    project = Project(tree, root, stack, commands)
    readers = (
        _language, _framework, _database, _orm, _migrations, _cache, _queue, _test, _logging, _validation,
        _api_docs, _package_manager, _lint, _container, _process, _settings,
    )
    facts = [fact for reader in readers if (fact := reader(project))]
    return Reading(facts, _exemplars(project, {f.concern: f for f in facts}), project.notes)


def _fact(concern: str, id_: str, label: str, evidence: Evidence | Line | None, confidence: Confidence = HIGH,
          **details: str | None) -> Fact | None:
    if evidence is None:
        return None
    if isinstance(evidence, Line):
        evidence = Evidence(evidence.path, evidence.number)
    return Fact(concern, id_, label, evidence, confidence, {k: v for k, v in details.items() if v})


def _minor(version: str) -> str:
    match = re.match(r"(\d+)\.(\d+)", version)
    return f"{match.group(1)}.{match.group(2)}" if match else version


# -- language ----------------------------------------------------------------------------------------


def _language(p: Project) -> Fact | None:
    tree = p.tree
    for folder in _ancestors(p.root):
        path = _join(folder, ".python-version")
        line = _first_line(tree, path, re.compile(r"^\s*\d+\.\d+"))
        if line:
            return _python(line.text.strip(), line)
    for folder in _ancestors(p.root):
        path = _join(folder, "runtime.txt")
        if line := _first_line(tree, path, re.compile(r"python-(\d+\.\d+)")):
            return _python(line.text.strip().removeprefix("python-"), line)
    if found := _dockerfile(p):
        path, stages = found
        for line in stages[-1]:
            if match := re.match(r"\s*FROM\s+(?:--\S+\s+)?(?:\S*/)?python:(\d+\.\d+)", line.text, re.I):
                return _python(match.group(1), line)
    ci = re.compile(r"""python-version\s*:\s*["']?(\d+\.\d+)""")
    for path in [f for f in tree.files if f.startswith(".github/workflows/")] + [".gitlab-ci.yml"]:
        if line := _first_line(tree, path, ci):
            return _python(ci.search(line.text).group(1), line)
    for folder in _ancestors(p.root):
        path = _join(folder, "pyproject.toml")
        line = _first_line(tree, path, re.compile(r"""^\s*(requires-python|python)\s*=\s*["'][^"']*\d"""))
        if line and (match := re.search(r"(\d+\.\d+)", line.text)):
            return _python(match.group(1), line, floor=True)
    # No version anywhere: the manifest declaring the framework still shows the language.
    declared = p.deps.get(p.stack)
    manifest = declared.evidence.path if declared else p.path("manage.py")
    return _fact("language", "python", "Python", Evidence(manifest) if tree.exists(manifest) else None)


def _python(version: str, line: Line, floor: bool = False) -> Fact | None:
    minor = _minor(version)
    return _fact("language", "python", f"Python {minor}{'+' if floor else ''}", line, version=minor)


# -- framework ---------------------------------------------------------------------------------------


def _framework(p: Project) -> Fact | None:
    title = {"django": "Django", "fastapi": "FastAPI"}[p.stack]
    version, evidence = p.version(p.stack)
    if evidence is None:
        evidence = Evidence(p.path("manage.py")) if p.stack == "django" else _evidence(_fastapi_app(p.tree, p.root))
    label = f"{title} {version}" if version else title
    return _fact("framework", p.stack, label, evidence, version=version)


def _evidence(line: Line | None) -> Evidence | None:
    return Evidence(line.path, line.number) if line else None


# -- database ----------------------------------------------------------------------------------------

DATABASE_OF_SCHEME = {"postgres": "postgresql", "postgresql": "postgresql", "postgis": "postgresql",
                      "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite", "mongodb": "mongodb",
                      "mongodb+srv": "mongodb"}
DATABASE_OF_ENGINE = {"postgresql": "postgresql", "postgresql_psycopg2": "postgresql", "postgis": "postgresql",
                      "mysql": "mysql", "sqlite3": "sqlite", "spatialite": "sqlite", "oracle": "oracle"}
# Drivers by database, preferred first; each is a distribution name and the id the stack data uses.
DRIVERS = {
    "postgresql": [("asyncpg", "asyncpg"), ("psycopg", "psycopg"), ("psycopg-binary", "psycopg"),
                   ("psycopg-c", "psycopg"), ("psycopg2", "psycopg2"), ("psycopg2-binary", "psycopg2"),
                   ("pg8000", "pg8000")],
    "mysql": [("mysqlclient", "mysqlclient"), ("aiomysql", "aiomysql"), ("asyncmy", "asyncmy"),
              ("pymysql", "pymysql"), ("mysql-connector-python", "mysql-connector")],
    "sqlite": [("aiosqlite", "aiosqlite")],
    "mongodb": [("motor", "motor"), ("beanie", "motor"), ("odmantic", "motor"), ("pymongo", "pymongo"),
                ("mongoengine", "pymongo")],
}
DRIVER_OF_SCHEME = {"asyncpg": "asyncpg", "psycopg": "psycopg", "psycopg2": "psycopg2", "pg8000": "pg8000",
                    "aiomysql": "aiomysql", "asyncmy": "asyncmy", "pymysql": "pymysql", "mysqldb": "mysqlclient",
                    "aiosqlite": "aiosqlite", "pysqlite": "sqlite3"}
ASYNC_DRIVERS = {"asyncpg", "aiomysql", "asyncmy", "aiosqlite", "motor"}
DATABASE_LABEL = {"postgresql": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite", "mongodb": "MongoDB"}


def _database(p: Project) -> Fact | None:
    kind, evidence, scheme_driver = _database_kind(p)
    if not kind or kind not in DATABASE_LABEL:
        return None
    driver = scheme_driver or _driver(p, kind)
    if not driver and kind == "sqlite" and p.stack == "django":
        driver = "sqlite3"
    return _fact("database", kind, DATABASE_LABEL[kind], evidence, driver=driver)


def _database_kind(p: Project) -> tuple[str | None, Evidence | Line | None, str | None]:
    """The database the service talks to: Django's ENGINE, a URL scheme, else a driver dependency.

    A non-SQLite engine wins over SQLite, which settings often keep for tests or a local fallback."""
    if p.stack == "django":
        engines = p.grep(ENGINE.pattern, p.settings_files, every=True)
        kinds = [(DATABASE_OF_ENGINE.get(ENGINE.search(line.text).group(1)), line) for line in engines]
        kinds = [(k, line) for k, line in kinds if k]
        server = next(((k, line) for k, line in kinds if k != "sqlite"), None)
        if server:
            return server[0], server[1], None
        url = _database_url(p)
        if url:
            return url
        if kinds:
            return kinds[0][0], kinds[0][1], None
    else:
        url = _database_url(p)
        if url:
            return url
    for kind, drivers in DRIVERS.items():
        for name, _ in drivers:
            if dep := p.deps.get(name):
                return kind, dep.evidence, None
    return None, None, None


def _database_url(p: Project) -> tuple[str, Line, str | None] | None:
    """A database URL's scheme in settings, a config module, an env example or compose, non-SQLite first."""
    lines = p.grep(DB_URL.pattern, p.config_files + p.env_examples + p.compose_files + _alembic_ini(p)[:1], every=True)
    lines = [line for line in lines if not re.search(r"(BROKER|CELERY|REDIS|CACHE|TEST)", line.text, re.I)]
    found = []
    for line in lines:
        match = DB_URL.search(line.text)
        found.append((DATABASE_OF_SCHEME[match.group(1)], line, DRIVER_OF_SCHEME.get(match.group(2) or "")))
    found.sort(key=lambda item: item[0] == "sqlite")
    return found[0] if found else None


def _driver(p: Project, kind: str) -> str | None:
    drivers = [driver for name, driver in DRIVERS.get(kind, []) if name in p.deps]
    if not drivers:
        return None
    # An async ORM uses the async driver; Alembic or Django use the sync one next to it.
    if p.stack == "django" or not p.first(r"create_async_engine|AsyncSession|AsyncEngine"):
        sync = [d for d in drivers if d not in ASYNC_DRIVERS]
        return sync[0] if sync else drivers[0]
    return drivers[0]


# -- orm ---------------------------------------------------------------------------------------------


def _orm(p: Project) -> Fact | None:
    if p.stack == "django":
        line = p.first(r"^DATABASES\s*[:=]", p.settings_files)
        return _fact("orm", "django-orm", "Django ORM", line or Evidence(p.path("manage.py")))
    if "sqlmodel" in p.deps:
        label, evidence = p.labelled("SQLModel", "sqlmodel")
        return _fact("orm", "sqlmodel", label, evidence)
    for name, id_, title in (("tortoise-orm", "tortoise", "Tortoise ORM"), ("peewee", "peewee", "peewee")):
        if name in p.deps:
            label, evidence = p.labelled(title, name)
            return _fact("orm", id_, label, evidence)
    if "sqlalchemy" in p.deps or "flask-sqlalchemy" in p.deps:
        version, pin = p.version("sqlalchemy")
        engine = p.first(r"\bcreate_async_engine\(|\basync_sessionmaker\(|\bAsyncSession\b")
        asynchronous = engine is not None
        engine = engine or p.first(r"\bcreate_engine\(|\bsessionmaker\(")
        mode = "async" if asynchronous else "sync"
        title = f"SQLAlchemy {_minor(version)}" if version else "SQLAlchemy"
        return _fact("orm", "sqlalchemy-async" if asynchronous else "sqlalchemy", f"{title} ({mode})",
                     engine or pin, HIGH if engine else MEDIUM, version=version)
    return None


# -- migrations --------------------------------------------------------------------------------------


def _migrations(p: Project) -> Fact | None:
    if p.stack == "django":
        return _django_migrations(p)
    if alembic := _alembic_ini(p):
        return _alembic(p, alembic)
    if "aerich" in p.deps:
        line = _first_line(p.tree, p.path("pyproject.toml"), re.compile(r"^\[tool\.aerich\]"))
        label = p.labelled("Aerich", "aerich")[0]
        return _fact("migrations", "aerich", label, line or p.deps["aerich"].evidence,
                     create="aerich migrate --name <name>", apply="aerich upgrade", rollback="aerich downgrade")
    return None


def _django_migrations(p: Project) -> Fact | None:
    migrations = _django_migration_files(p)
    manage = _manage_prefix(p)
    evidence = Evidence(migrations[0]) if migrations else Evidence(p.path("manage.py"))
    details = {
        "create": f"{manage} makemigrations <app>",
        "apply": f"{manage} migrate",
        "rollback": f"{manage} migrate <app> <previous_migration>",
        "verify": f"{manage} makemigrations --check --dry-run",
    }
    # A target the repo keeps for these runs them with its own settings and env.
    for key, pattern in (("verify", r"makemigrations\b.*--check"), ("apply", r"manage(\.py)?\s+migrate\s*$"),
                         ("create", r"makemigrations\s*$")):
        found = p.run_command(pattern)
        if found and found[1].origin in ("make", "just", "task"):
            details[key] = found[0]
    return _fact("migrations", "django", "Django migrations", evidence,
                 HIGH if migrations else MEDIUM, **details)


def _django_migration_files(p: Project) -> list[str]:
    prefix = f"{p.root}/" if p.root else ""
    numbered = re.compile(r"/migrations/\d{4}_\w+\.py$")
    return [f for f in p.tree.files if "/migrations/" in f and f.startswith(prefix) and numbered.search(f)]


def _manage_prefix(p: Project) -> str:
    """How this repo invokes manage.py: `python manage.py`, `poetry run python manage.py`, `python -m manage`."""
    invocation = re.compile(
        r"((?:(?:uv|poetry|pipenv|pdm|hatch)\s+run\s+)?(?:python[\d.]*\s+(?:-m\s+manage|\S*manage\.py)|\./manage\.py))"
        r"\s+\w+")
    for command in p.runnable:
        segment = command.text.split("&&")[-1]
        if (match := invocation.search(segment)) and not re.search(r"docker|exec", segment[:match.start()]):
            prefix = match.group(1)
            if "/" in prefix.replace("./manage.py", ""):
                continue  # a path from another folder than the project root
            return prefix
    return "python manage.py"


def _alembic_ini(p: Project) -> list[str]:
    prefix = f"{p.root}/" if p.root else ""
    return [f for f in p.tree.named("alembic.ini", under=p.root, max_depth=2) if f.startswith(prefix)]


def _alembic(p: Project, configs: list[str]) -> Fact | None:
    config = configs[0]
    relative = _relative(p.root, config)
    flag = "" if relative == "alembic.ini" else f" -c {relative}"
    runner = "alembic"
    found = p.run_command(r"\balembic\s+(-c\s+\S+\s+)?upgrade\b")
    if found and (match := re.search(r"((?:uv|poetry|pipenv|pdm|hatch)\s+run\s+)alembic", found[1].text)):
        runner = f"{match.group(1)}alembic"
    cli = f"{runner}{flag}"
    line = _first_line(p.tree, config, re.compile(r"^\s*script_location\s*="))
    details = {
        "create": f'{cli} revision --autogenerate -m "<message>"',
        "apply": f"{cli} upgrade head",
        "rollback": f"{cli} downgrade -1",
        "config": config,
    }
    version, _ = p.version("alembic")
    floor = tuple(int(x) for x in re.findall(r"\d+", version)[:2]) if version else None
    floor = floor or (p.deps["alembic"].minimum if "alembic" in p.deps else None)
    # `alembic check` exists since 1.9: offer it only when the repo's Alembic has it.
    if floor and floor >= (1, 9):
        details["verify"] = f"{cli} check"
    label = p.labelled("Alembic", "alembic")[0]
    return _fact("migrations", "alembic", label, line or Evidence(config), **details)


# -- cache -------------------------------------------------------------------------------------------


def _cache(p: Project) -> Fact | None:
    if p.stack == "django":
        backend = p.first(
            r"""["'](django_redis\.cache\.RedisCache|django\.core\.cache\.backends\.(redis|memcached)\.\w+)""",
            p.settings_files)
        if backend:
            kind = "memcached" if "memcached" in backend.text else "redis"
            return _fact("cache", kind, {"redis": "Redis", "memcached": "Memcached"}[kind], backend)
        if dep := p.dep("django-redis"):
            return _fact("cache", "redis", "Redis (django-redis)", dep.evidence)
        return None
    for name in ("fastapi-cache2", "aiocache", "redis", "aioredis"):
        if dep := p.deps.get(name):
            used = p.first(r"^\s*(from|import)\s+(redis|aioredis|fastapi_cache|aiocache)\b")
            return _fact("cache", "redis", "Redis", used or dep.evidence, HIGH if used else MEDIUM)
    return None


# -- queue -------------------------------------------------------------------------------------------

QUEUES = (("celery", "celery", "Celery"), ("django-rq", "rq", "RQ"), ("rq", "rq", "RQ"),
          ("dramatiq", "dramatiq", "Dramatiq"), ("arq", "arq", "arq"), ("huey", "huey", "Huey"),
          ("taskiq", "taskiq", "Taskiq"))
WORKERS = {"celery": r"\bcelery\b.*\bworker\b", "rq": r"\brq(worker|\s+worker)\b|manage(\.py)?\s+rqworker",
           "dramatiq": r"\bdramatiq\s+\S", "arq": r"\barq\s+\S", "huey": r"run_huey|huey_consumer",
           "taskiq": r"\btaskiq\s+worker\b"}
BROKER_OF_SCHEME = {"redis": "redis", "rediss": "redis", "amqp": "rabbitmq", "amqps": "rabbitmq", "pyamqp": "rabbitmq",
                    "sqs": "sqs", "memory": "memory"}


def _queue(p: Project) -> Fact | None:
    for name, id_, title in QUEUES:
        dep = p.deps.get(name)
        if not dep:
            continue
        label, evidence = p.labelled(title, name)
        worker = p.run_command(WORKERS[id_])
        broker = _broker(p, id_)
        return _fact("queue", id_, label, evidence, broker=broker,
                     worker=_clean_worker(worker[1].text) if worker else None)
    return None


def _clean_worker(text: str) -> str:
    """The worker command itself, without env assignments or a shell chain before it."""
    text = text.split("&&")[-1].strip()
    return re.sub(r"^(?:[A-Z_]+=\S+\s+)+", "", text)


def _broker(p: Project, queue: str) -> str | None:
    if queue in ("rq", "arq", "huey"):
        return "redis"
    if queue == "dramatiq":
        line = p.first(r"\b(RedisBroker|RabbitmqBroker)\b")
        return ("redis" if "Redis" in line.text else "rabbitmq") if line else None
    if queue == "taskiq":
        line = p.first(r"\b(ListQueueBroker|RedisStreamBroker|AioPikaBroker|NatsBroker)\b")
        if not line:
            return None
        return "rabbitmq" if "AioPika" in line.text else "nats" if "Nats" in line.text else "redis"
    # An assignment or an env default (`CELERY_BROKER_URL = env("...", default="amqp://...")`), not a test
    # of the value (`if CELERY_BROKER_URL.startswith("sqs://")`).
    pattern = (r"(BROKER_URL|broker_url|broker)[\"']?\s*(=|:|,)[^\n]*?\b(redis|rediss|amqps?|pyamqp|sqs|memory)://")
    for line in p.grep(pattern, p.config_files + p.env_examples + p.compose_files):
        scheme = re.search(r"\b(redis|rediss|amqps?|pyamqp|sqs|memory)://", line.text).group(1)
        return BROKER_OF_SCHEME[scheme]
    if line := p.first(r"""(BROKER_URL|broker_url)\s*=\s*(?:\w+\.)?(?:REDIS_URL|.*redis)""", p.config_files):
        return "redis"
    return None


# -- test --------------------------------------------------------------------------------------------

DJANGO_TESTCASE = (r"^\s*class\s+\w+\(.*\b(TestCase|APITestCase|SimpleTestCase|TransactionTestCase|LiveServerTestCase|"
                   r"APISimpleTestCase)\b")
PYTEST_STYLE = r"^def test_\w*\(|^async def test_\w*\(|@pytest\.(fixture|mark)|^\s*import pytest"
PYTEST_RUN = r"(^|[\s/;(])(py\.test|pytest)(\s|$)|-m\s+pytest\b"
DJANGO_RUN = r"manage(\.py)?\s+test\b"
UNITTEST_RUN = r"-m\s+unittest\b"


def _test(p: Project) -> Fact | None:
    tests = p.test_files
    conftests = [f for f in p.py_files if f.endswith("conftest.py")][:20]
    pytest_config = _pytest_config(p)
    pytest_dep = p.dep("pytest", "pytest-django", "pytest-asyncio")
    pytest_style = p.grep(PYTEST_STYLE, tests)
    testcase = p.grep(DJANGO_TESTCASE, tests)
    django_classes = [line for line in testcase if p.stack == "django"
                      and _first_line(p.tree, line.path, re.compile(r"django\.test|rest_framework\.test"))]
    runs = {id_: p.run_command(pattern) for id_, pattern in
            (("pytest", PYTEST_RUN), ("django-test", DJANGO_RUN), ("unittest", UNITTEST_RUN))}
    runs = {id_: found for id_, found in runs.items() if found and (id_ != "django-test" or p.stack == "django")}
    if len(runs) == 1:
        chosen = next(iter(runs))
    elif (pytest_config or pytest_dep) and (pytest_style or conftests):
        chosen = "pytest"
    elif django_classes:
        chosen = "django-test"
    elif testcase:
        chosen = "unittest"
    elif pytest_config or pytest_dep:
        chosen = "pytest"
    else:
        return None
    run = runs.get(chosen)
    confidence = HIGH if run else MEDIUM
    if chosen == "pytest":
        label, evidence = p.labelled("pytest", "pytest")
        evidence = evidence or _evidence(pytest_config) or _evidence(pytest_style[0] if pytest_style else None)
        bare = "pytest"
    elif chosen == "django-test":
        label = "Django's test runner (unittest TestCase)"
        evidence = _evidence(django_classes[0]) if django_classes else run[1].evidence
        bare = f"{_manage_prefix(p)} test"
    else:
        label = "unittest"
        evidence = _evidence(testcase[0]) if testcase else run[1].evidence
        bare = "python -m unittest"
    if run and run[1].origin == "ci":
        evidence = run[1].evidence if evidence is None else evidence
    coverage = _coverage(p, pytest_config)
    return _fact("test", chosen, label, evidence, confidence, run=run[0] if run else bare,
                 layout=_test_layout(p, tests), fixtures=_test_fixtures(p, conftests, tests),
                 http_client=_http_client(p, tests + conftests), **coverage)


def _pytest_config(p: Project) -> Line | None:
    probes = (("pytest.ini", r"^\s*\[pytest\]"), ("pyproject.toml", r"^\s*\[tool\.pytest\.ini_options\]"),
              ("setup.cfg", r"^\s*\[tool:pytest\]"), ("tox.ini", r"^\s*\[pytest\]"))
    for name, pattern in probes:
        if line := _first_line(p.tree, p.path(name), re.compile(pattern)):
            return line
    return None


def _test_layout(p: Project, tests: list[str]) -> str | None:
    if not tests:
        return None
    relative = [_relative(p.root, t) for t in tests]
    if sum(r.startswith("tests/") for r in relative) * 2 >= len(relative):
        return "tests/"
    if any(r.endswith("/tests.py") for r in relative) and not any("/tests/" in r for r in relative):
        return "*/tests.py"
    if sum("/tests/" in r for r in relative) * 2 >= len(relative):
        return "<app>/tests/"
    return None


def _test_fixtures(p: Project, conftests: list[str], tests: list[str]) -> str | None:
    found = []
    if p.dep("factory-boy", "factory_boy"):
        found.append("factory_boy factories")
    if p.dep("model-bakery", "model-mommy"):
        found.append("model_bakery recipes")
    if p.grep(r"@pytest(_asyncio)?\.fixture", conftests):
        found.append("pytest fixtures in conftest.py")
    if p.stack == "django" and (p.grep(r"^\s+fixtures\s*=\s*\[", tests)
                                 or any("/fixtures/" in f and f.endswith(".json") and f.startswith(p.root)
                                        for f in p.tree.files)):
        found.append("Django fixtures (JSON)")
    return ", ".join(found) or None


HTTP_CLIENTS = (
    ("DRF APIClient", r"\bAPIClient\b|\bAPITestCase\b"),
    ("FastAPI TestClient", r"\bTestClient\b"),
    ("httpx.AsyncClient", r"\bAsyncClient\b"),
    ("Django test Client", r"self\.client\.(get|post|put|patch|delete)\(|from django\.test import .*\bClient\b|"
                           r"^\s*def test_\w+\(.*\bclient\b"),
)


def _http_client(p: Project, files: list[str]) -> str | None:
    counts = {name: len({line.path for line in p.grep(pattern, files)}) for name, pattern in HTTP_CLIENTS}
    if p.stack == "django":
        counts.pop("FastAPI TestClient")
    else:
        counts.pop("Django test Client")
        counts.pop("DRF APIClient")
    best = max(counts, key=lambda name: counts[name])
    return best if counts[best] else None


def _coverage(p: Project, pytest_config: Line | None) -> dict[str, str]:
    details: dict[str, str] = {}
    run = p.run_command(r"\bcoverage\s+run\b|--cov\b|--cov=")
    if run:
        details["coverage_run"] = run[0]
    if pytest_config and p.grep(r"--cov\b|--cov=", [pytest_config.path]):
        details.setdefault("coverage_run", p.run_command(PYTEST_RUN)[0] if p.run_command(PYTEST_RUN) else "pytest")
    uses_cov = p.dep("pytest-cov") and (run and "--cov" in run[1].text or pytest_config and
                                        p.grep(r"--cov", [pytest_config.path]))
    if uses_cov:
        details["coverage_tool"] = "pytest-cov"
    elif p.dep("coverage", "pytest-cov") or run:
        details["coverage_tool"] = "coverage.py"
    if fail_under := _fail_under(p):
        details["fail_under"] = fail_under
        details.setdefault("coverage_tool", "coverage.py")
    return details


def _fail_under(p: Project) -> str | None:
    sections = ((".coveragerc", r"\[report\]"), ("setup.cfg", r"\[coverage:report\]"),
                ("tox.ini", r"\[coverage:report\]"),
                ("pyproject.toml", r"\[tool\.coverage\.report\]"))
    for name, header in sections:
        inside = False
        for line in p.tree.lines(p.path(name)):
            if line.text.startswith("["):
                inside = bool(re.match(header, line.text))
            elif inside and (match := re.match(r"\s*fail_under\s*=\s*([\d.]+)", line.text)):
                return match.group(1)
    for path in [p.path(n) for n in ("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini")]:
        for line in p.grep(r"--cov-fail-under[= ](\d+)", [path]):
            return re.search(r"--cov-fail-under[= ](\d+)", line.text).group(1)
    for command in p.runnable:
        if match := re.search(r"--(?:cov-)?fail-under[= ](\d+)", command.text):
            return match.group(1)
    return None


# -- logging -----------------------------------------------------------------------------------------


def _logging(p: Project) -> Fact | None:
    for names, id_, title, configure in (
        (("structlog", "django-structlog"), "structlog", "structlog", r"structlog\.configure\("),
        (("loguru",), "loguru", "loguru", r"\blogger\.(add|remove|configure)\("),
    ):
        dep = p.dep(*names)
        if dep:
            label, evidence = p.labelled(title, *names)
            setup = p.first(configure, p.settings_files + p.sources)
            return _fact("logging", id_, label, evidence, setup=setup.path if setup else None)
    if p.stack == "django" and (line := p.first(r"^LOGGING\s*=", p.settings_files)):
        return _fact("logging", "stdlib-logging", "stdlib logging (LOGGING dict)", line, setup=line.path)
    if line := p.first(r"logging\.config\.dictConfig\(|logging\.basicConfig\(|\bdictConfig\("):
        return _fact("logging", "stdlib-logging", "stdlib logging", line, setup=line.path)
    if line := p.first(r"logging\.getLogger\("):
        return _fact("logging", "stdlib-logging", "stdlib logging", line, MEDIUM)
    return None


# -- validation and API docs -------------------------------------------------------------------------


def _validation(p: Project) -> Fact | None:
    if p.stack == "django":
        if p.dep("djangorestframework"):
            label, evidence = p.labelled("Django REST framework", "djangorestframework")
            return _fact("validation", "drf", label, evidence)
        if p.dep("django-ninja"):
            label, evidence = p.labelled("Django Ninja", "django-ninja")
            return _fact("validation", "django-ninja", label, evidence)
        if line := p.first(r"^\s*from django import forms|^\s*from django\.forms import"):
            return _fact("validation", "django-forms", "Django forms", line)
        return None
    if p.dep("marshmallow"):
        used = p.first(r"^\s*from marshmallow import|^\s*import marshmallow")
        if used:
            return _fact("validation", "marshmallow", p.labelled("marshmallow", "marshmallow")[0], used)
    version, evidence = p.version("pydantic")
    line = p.first(r"^\s*from pydantic import|^\s*import pydantic")
    label = f"Pydantic {version}" if version else "Pydantic"
    return _fact("validation", "pydantic", label, evidence or line or _evidence(_fastapi_app(p.tree, p.root)),
                 version=version)


def _api_docs(p: Project) -> Fact | None:
    for name, title in (("drf-spectacular", "drf-spectacular"), ("drf-yasg", "drf-yasg")):
        if p.dep(name):
            label, evidence = p.labelled(title, name)
            return _fact("api_docs", name, label, evidence)
    if p.stack == "fastapi":
        app = _fastapi_app(p.tree, p.root)
        if app and not p.first(r"openapi_url\s*=\s*None", [app.path]):
            return _fact("api_docs", "fastapi-openapi", "FastAPI OpenAPI (/docs)", app)
    return None


# -- package manager ---------------------------------------------------------------------------------


def _package_manager(p: Project) -> Fact | None:
    tool_install = {"uv": r"\buv\s+sync\b.*", "poetry": r"\bpoetry\s+install\b.*",
                    "pipenv": r"\bpipenv\s+(install|sync)\b.*",
                    "pdm": r"\bpdm\s+(install|sync)\b.*"}
    defaults = {"uv": "uv sync", "poetry": "poetry install", "pipenv": "pipenv install --dev", "pdm": "pdm install"}
    if lock := p.lockfile:
        tool = LOCKFILES[lock.rsplit("/", 1)[-1]]
        label = {"uv": "uv", "poetry": "Poetry", "pipenv": "Pipenv", "pdm": "PDM"}[tool]
        install = _install_command(p, tool_install[tool]) or defaults[tool]
        return _fact("package_manager", tool, f"{label} ({_relative(p.root, lock)})", Evidence(lock), install=install)
    pyproject = p.path("pyproject.toml")
    if line := _first_line(p.tree, pyproject, re.compile(r"^\[tool\.poetry\]")):
        return _fact("package_manager", "poetry", "Poetry", line, MEDIUM,
                     install=_install_command(p, tool_install["poetry"]) or "poetry install")
    requirements = [f for f in _dependency_files(p.tree, p.root) if f.endswith(".txt")]
    if requirements:
        install = _install_command(p, r"(?:\buv\s+|\bpython3?\s+-m\s+)?\bpip3?\s+install\b.*(-r|--requirement)\s*\S+")
        main = _relative(p.root, requirements[0])
        return _fact("package_manager", "pip", f"pip ({main})", Evidence(requirements[0]),
                     install=install or f"pip install -r {main}")
    if _first_line(p.tree, pyproject, re.compile(r"^\[project\]")):
        return _fact("package_manager", "pip", "pip (pyproject.toml)", Evidence(pyproject), MEDIUM,
                     install=_install_command(p, r"\bpip3?\s+install\b.*-e\s*\S+") or "pip install -e .")
    return None


def _install_command(p: Project, pattern: str) -> str | None:
    regex = re.compile(pattern)
    for command in p.runnable:
        if command.origin in ("ci", "make", "just", "task", "tox", "shell") and (match := regex.search(command.text)):
            return match.group(0).split("&&")[0].strip()
    return None


# -- lint --------------------------------------------------------------------------------------------

LINTERS = (
    ("ruff", (("ruff.toml", r"."), (".ruff.toml", r"."), ("pyproject.toml", r"^\[tool\.ruff")),
     r"astral-sh/ruff-pre-commit"),
    ("flake8", ((".flake8", r"^\[flake8\]"), ("setup.cfg", r"^\[flake8\]"), ("tox.ini", r"^\[flake8\]")),
     r"pycqa/flake8|/flake8\b"),
    ("black", (("pyproject.toml", r"^\[tool\.black\]"),), r"psf/black"),
    ("pylint", ((".pylintrc", r"."), ("pylintrc", r"."), ("pyproject.toml", r"^\[tool\.pylint")), r"pylint"),
    ("isort", ((".isort.cfg", r"."), ("pyproject.toml", r"^\[tool\.isort\]"), ("setup.cfg", r"^\[isort\]")),
     r"pycqa/isort|timothycrosley/isort"),
    ("mypy", (("mypy.ini", r"."), (".mypy.ini", r"."), ("pyproject.toml", r"^\[tool\.mypy\]"),
              ("setup.cfg", r"^\[mypy")),
     r"mirrors-mypy"),
)


def _lint(p: Project) -> Fact | None:
    found: list[tuple[str, Evidence | Line]] = []
    precommit = [f for f in (p.path(".pre-commit-config.yaml"), ".pre-commit-config.yaml") if p.tree.exists(f)]
    for tool, configs, hook in LINTERS:
        evidence: Evidence | Line | None = None
        for name, pattern in configs:
            if evidence := _first_line(p.tree, p.path(name), re.compile(pattern)):
                break
        if evidence is None and (dep := p.deps.get(tool)):
            evidence = dep.evidence
        if evidence is None and precommit:
            evidence = _first_line(p.tree, precommit[0], re.compile(rf"repo:.*({hook})|id:\s*{tool}\b"))
        if evidence is not None:
            found.append((tool, evidence))
    if not found:
        return None
    tools = [tool for tool, _ in found]
    run = None
    for target in ("lint", "check", "lint-server", "lint-backend"):
        command = p.commands.target(target)
        if command and _parent(command.evidence.path) == p.root:
            run = f"{command.origin} {target}"
            break
    # A checking run, not a formatter rewriting files.
    checks = (r"\bruff\s+check\b(?!.*--fix)|\bruff\s+format\b.*--check|\bflake8\b|\bpylint\b|\bmypy\b|"
              r"\b(black|isort)\b.*--(check|diff)|pre-commit\s+run")
    if not run and (command := p.run_command(checks, prefer="lint")):
        run = command[0]
    return _fact("lint", tools[0], ", ".join(tools), found[0][1], run=run, tools=",".join(tools))


# -- container and process ---------------------------------------------------------------------------


DOCKERFILE = re.compile(r"(^|/)([\w.-]*\.)?Dockerfile(\.[\w-]+)?$")


def _dockerfiles(p: Project) -> list[str]:
    """The service's Dockerfiles: its own `Dockerfile` first, then the repo's, then others, production first."""
    prefix = f"{p.root}/" if p.root else ""
    names = [p.path("Dockerfile")] + ([] if not p.root else ["Dockerfile"])
    others = [f for f in p.tree.files if "Dockerfile" in f and f.startswith(prefix)
              and f.count("/") <= p.root.count("/") + 3 and DOCKERFILE.search(f)]
    others.sort(key=lambda f: (not re.search(r"prod", f, re.I), f.count("/"), f))
    return [f for f in dict.fromkeys(names + others) if p.tree.exists(f)]


def _stages(p: Project, path: str) -> list[list[Line]]:
    """A Dockerfile's stages, each the list of its lines from its FROM."""
    stages: list[list[Line]] = []
    for line in p.tree.lines(path):
        if re.match(r"\s*FROM\s", line.text, re.I):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def _dockerfile(p: Project) -> tuple[str, list[list[Line]]] | None:
    for path in _dockerfiles(p):
        if stages := _stages(p, path):
            return path, stages
    return None


def _instruction(stage: list[Line], name: str) -> tuple[str, Line] | None:
    """The last `CMD`/`ENTRYPOINT` of a stage, continuation lines joined, JSON arrays as a shell line."""
    found = None
    for index, line in enumerate(stage):
        if re.match(rf"\s*{name}\s", line.text, re.I):
            text = line.text.strip()[len(name):].strip()
            follow = index
            while text.endswith("\\") and follow + 1 < len(stage):
                follow += 1
                text = text[:-1].rstrip() + " " + stage[follow].text.strip()
            if text.startswith("["):
                try:
                    text = " ".join(json.loads(text))
                except ValueError:
                    pass
            found = (text, line)
    return found


def _container(p: Project) -> Fact | None:
    found = _dockerfile(p)
    if not found:
        return None
    path, stages = found
    base_line = stages[-1][0]
    base = base_line.text.split()[-1] if " AS " not in base_line.text.upper() else \
        re.split(r"\s+as\s+", base_line.text.strip(), flags=re.I)[0].split()[-1]
    cmd = _instruction(stages[-1], "CMD") or _instruction(stages[-1], "ENTRYPOINT")
    return _fact("container", "docker", f"Docker ({base})", base_line, base=base, cmd=cmd[0] if cmd else None)


SERVERS = (("gunicorn", "Gunicorn"), ("uvicorn", "Uvicorn"), ("uwsgi", "uWSGI"), ("daphne", "Daphne"))
SERVER = re.compile(r"\b(gunicorn|uvicorn|uwsgi|daphne|fastapi\s+run)\b")


def _process(p: Project) -> Fact | None:
    candidates: list[tuple[str, Evidence]] = []
    for command in p.commands.all:
        if command.origin == "procfile" and command.name == "web":
            candidates.append((command.text, command.evidence))
    # The production image's command before a dev compose file's `--reload` server.
    for path in sorted(_dockerfiles(p), key=lambda f: not re.search(r"prod", f, re.I)):
        stages = _stages(p, path)
        cmd = stages and (_instruction(stages[-1], "CMD") or _instruction(stages[-1], "ENTRYPOINT"))
        if cmd:
            candidates.append((cmd[0], Evidence(cmd[1].path, cmd[1].number)))
    candidates += [(c.text, c.evidence) for c in p.compose_commands]
    candidates += [(c.text, c.evidence) for c in p.script_commands]
    candidates += [(line.text.strip(), Evidence(line.path, line.number))
                   for line in p.grep(r"^\s*(exec\s+)?(gunicorn|uvicorn|uwsgi|daphne)\s", _entrypoints(p))]
    for text, evidence in candidates:
        if match := SERVER.search(text):
            server = "uvicorn" if match.group(1).startswith("fastapi") else match.group(1)
            command = text[match.start():].split("&&")[0].strip()
            label = dict(SERVERS)[server] + (" (fastapi run)" if match.group(1).startswith("fastapi") else "")
            return _fact("process", server, label, evidence, cmd=command)
    for name, server in (("gunicorn.conf.py", "gunicorn"), ("gunicorn_conf.py", "gunicorn"), ("uwsgi.ini", "uwsgi")):
        if p.tree.exists(p.path(name)):
            return _fact("process", server, dict(SERVERS)[server], Evidence(p.path(name)), MEDIUM)
    return None


ENTRYPOINT_NAME = re.compile(r"(entrypoint|start|run|serve)[\w-]*(\.sh)?$")


def _entrypoints(p: Project) -> list[str]:
    prefix = f"{p.root}/" if p.root else ""
    depth = p.root.count("/") + 3
    return [f for f in p.tree.files if f.startswith(prefix) and not f.endswith(".py") and f.count("/") <= depth
            and ENTRYPOINT_NAME.search(f.rsplit("/", 1)[-1])][:20]


# -- settings ----------------------------------------------------------------------------------------


def _settings(p: Project) -> Fact | None:
    if p.stack == "django":
        return _django_settings(p)
    line = p.first(r"^\s*class\s+\w+\(.*\bBaseSettings\b")
    if line:
        return _fact("settings", "pydantic-settings", f"pydantic-settings ({_relative(p.root, line.path)})", line,
                     path=line.path, module=_module(p, line.path))
    for pattern, id_, title in ((r"^\s*from decouple import|^\s*import decouple", "decouple", "python-decouple"),
                                (r"^\s*from dynaconf import", "config-module", "Dynaconf"),
                                (r"^\s*from dotenv import|load_dotenv\(", "dotenv", "python-dotenv")):
        if line := p.first(pattern, p.config_files):
            return _fact("settings", id_, f"{title} ({_relative(p.root, line.path)})", line,
                         path=line.path, module=_module(p, line.path))
    if line := p.first(r"os\.(getenv|environ)", [f for f in p.config_files
                                                 if f.rsplit("/", 1)[-1] in ("config.py", "settings.py", "conf.py")]):
        return _fact("settings", "config-module", f"config module ({_relative(p.root, line.path)})", line, MEDIUM,
                     path=line.path, module=_module(p, line.path))
    return None


def _module(p: Project, path: str) -> str:
    """The dotted name code imports the module by: from its top package (`src/app/x.py` is `app.x`)."""
    start = _package_root(p.tree, path)
    return _relative(start, path).removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def _django_settings(p: Project) -> Fact | None:
    if not p.settings_module:
        return None
    module, line = p.settings_module
    package = p.settings_package
    path = package[0] if package else None
    if len(package) > 1:
        names = sorted(f.rsplit("/", 1)[-1].removesuffix(".py") for f in package)
        p.notes.append(f"Django settings are a package of {len(names)} modules ({', '.join(names)}) in "
                       f"{_parent(package[0])}/; manage.py defaults to {module}, "
                       "set DJANGO_SETTINGS_MODULE for the others.")
    id_ = "django-settings"
    environ = r"^\s*import environ\b|^\s*from environ import|^\s*env\s*=\s*environ\.Env\("
    if p.dep("django-environ") and (p.first(environ, p.settings_files) or p.first(environ)):
        id_ = "django-environ"
    elif p.dep("python-decouple") and p.first(r"^\s*from decouple import|^\s*import decouple", p.settings_files):
        id_ = "decouple"
    return _fact("settings", id_, module, line, module=module, path=path,
                 layout="package" if len(package) > 1 else "file")


# -- exemplars ---------------------------------------------------------------------------------------


def _exemplars(p: Project, facts: dict[str, Fact]) -> dict[str, Evidence]:
    found: dict[str, Evidence] = {}
    client = facts["test"].details.get("http_client") if "test" in facts else None
    client_pattern = dict(HTTP_CLIENTS).get(client or "", r"\bclient\b")
    # A test module itself (not a helper under tests/), one that drives the API when there is one.
    modules = [t for t in p.test_files if re.search(r"(^|/)(test_[^/]*|[^/]*_test|tests)\.py$", t)]
    api_tests = [line.path for line in p.grep(client_pattern, modules)]
    test = next(iter(api_tests + modules), None)
    if test:
        found["test"] = Evidence(test)
    if route := _route_file(p):
        found["route"] = Evidence(route)
    if model := _model_file(p):
        found["model"] = Evidence(model)
    if "settings" in facts and facts["settings"].details.get("path"):
        found["settings"] = Evidence(facts["settings"].details["path"])
    if "logging" in facts and facts["logging"].details.get("setup"):
        found["logging"] = Evidence(facts["logging"].details["setup"])
    if migration := _migration_file(p, facts.get("migrations")):
        found["migration"] = Evidence(migration)
    return {k: v for k, v in found.items() if p.tree.exists(v.path)}


def _route_file(p: Project) -> str | None:
    if p.stack == "django":
        names = ("views.py", "apis.py", "api.py", "viewsets.py")
        files = [f for f in p.sources
                 if f.rsplit("/", 1)[-1] in names or ("/views/" in f and not f.endswith("__init__.py"))]
        return next(iter(files), None)
    # A module declaring endpoints, in a routes/routers folder when the repo has one.
    lines = p.grep(r"^@\w+\.(get|post|put|patch|delete)\(")
    routers = [line.path for line in lines if re.search(r"/(routes|routers|endpoints|api|views)/", line.path)]
    return next(iter(routers or [line.path for line in lines]), None)


def _model_file(p: Project) -> str | None:
    pattern = {
        "django": r"\(\s*models\.Model\s*\)|\(.*\bModel\)",
    }.get(p.stack, r"table\s*=\s*True|\(\s*(Base|DeclarativeBase|Model|SQLModel|models\.Model)\s*[,)]|Mapped\[")
    files = [f for f in p.sources if re.search(r"(^|/)models(\.py$|/)", f)]
    hits = [line.path for line in p.grep(pattern, files)]
    return next(iter(hits), None)


def _migration_file(p: Project, fact: Fact | None) -> str | None:
    if not fact:
        return None
    if fact.id == "django":
        files = _django_migration_files(p)
    else:
        prefix = f"{p.root}/" if p.root else ""
        files = [f for f in p.tree.files
                 if f.startswith(prefix) and re.search(r"/(versions|migrations/models)/[^/]+\.py$", f)]
    return sorted(files)[-1] if files else None
