"""The environment variables a service's code reads, read from its source without running it.

Each variable is named exactly as the process would look it up, with the first place it is read, the
fallback the code shows (never for a secret), whether the code fails without it and whether it looks
like a secret. Python is read with `ast` (only files a cheap substring test and a regex let through);
Node and Go with regexes over comment-free text plus a small bracket matcher for schema objects and
struct bodies. A name we cannot state (`os.getenv(name)`) is left out: a wrong name is worse than none.

Names that only an `.env` example or a compose file gives are stale or belong to other containers
(POSTGRES_PASSWORD is the database image's), so they are returned only when the code reads its
environment through a mechanism we cannot enumerate (viper's AutomaticEnv, a nested pydantic
delimiter, node-config, ...), and then with source "example".
"""

from __future__ import annotations

import ast
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

import yaml

from scaffold.detect.model import EnvVar, Evidence
from scaffold.detect.tree import MAX_READ_BYTES, RepoTree

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# -- secrets ---------------------------------------------------------------------------------------
SECRET_WORDS = ("SECRET", "PASSWORD", "PASSWD", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL", "DSN",
                "PASSPHRASE")
# Connection URLs of stores whose real values carry a user and password.
CREDENTIAL_URL = re.compile(r"(?:^|_)(?:DATABASE|DB|POSTGRES|POSTGRESQL|PG|MYSQL|MONGO|MONGODB|REDIS|AMQP|RABBITMQ|"
                            r"RMQ|BROKER)_(?:URL|URI|DSN)$")
# A last word that makes a secret-sounding name a duration, size or label: ACCESS_TOKEN_EXPIRE_MINUTES
# is a number a template may print, not a credential.
NOT_SECRET_LAST_WORD = frozenset({
    "EXPIRE", "EXPIRES", "EXPIRY", "EXPIRATION", "TTL", "LIFETIME", "MINUTES", "SECONDS", "HOURS", "DAYS", "AGE",
    "LENGTH", "ALGORITHM", "ALGO", "TIMEOUT", "HEADER", "ENABLED",
})
USER_PASS_AT = re.compile(r"://[^/\s:@]+:[^/\s@]+@")


def is_secret_name(name: str) -> bool:
    """Whether a variable's name says it holds a credential (a password, token, key or credentialed URL)."""
    upper = name.upper()
    if CREDENTIAL_URL.search(upper):
        return True
    if not any(word in upper.replace("TOKENIZ", "") for word in SECRET_WORDS):
        return False
    return upper.rsplit("_", 1)[-1] not in NOT_SECRET_LAST_WORD


def _is_secret(name: str, *values: str | None) -> bool:
    if is_secret_name(name):
        return True
    return name.upper().endswith(("_URL", "_URI")) and any(v and USER_PASS_AT.search(v) for v in values)


# -- which files -----------------------------------------------------------------------------------
SUFFIXES = {"python": (".py",), "node": (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"), "go": (".go",)}
# Folders and files whose code is not the running service: its tests, migrations, docs, examples,
# tool configs and bundles. One regex over the relative path: a 20,000-file repo is listed in milliseconds.
SKIPPED_PATH = re.compile(
    r"(?:^|/)(?:(?:tests|test|__tests__|testdata|e2e|spec|docs|examples|example|migrations|public|static)/"
    r"|(?:alembic|migrations)/(?:[^/\n]+/)*versions/"
    r"|(?:test_[^/\n]*\.py|[^/\n]*_test\.(?:py|go)|conftest\.py|tests?\.py|testing\.py|setup\.py"
    r"|noxfile\.py|[^/\n]*\.(?:test|spec)\.[^/.\n]+|[^/\n]*\.config\.[cm]?[jt]s|\.[\w-]+rc\.[cm]?js"
    r"|[gG]ulpfile\.[cm]?js|Gruntfile\.js|[^/\n]*\.min\.js|[^/\n]*\.d\.[cm]?ts)$)",
    re.M,
)
# Alembic's env.py under migrations/ configures the service's own database URL: read it.
ALEMBIC_ENV = re.compile(r"^(?:(?!tests?/)[^/]+/)*migrations/env\.py$")
# The cheap test a file's text must pass before any regex or parser runs on it.
PREFILTER = {
    "python": ("env", "Env", "ENV", "config", "Config", "Settings"),
    "node": ("process.env",),
    "go": ("Getenv", "LookupEnv", "env:\"", "env-", "envconfig", "viper", "koanf"),
}
# Build-time variables of frontend bundlers: never read by a backend process.
FRONTEND_PREFIXES = ("REACT_APP_", "NEXT_PUBLIC_", "VITE_", "NUXT_PUBLIC_", "EXPO_PUBLIC_", "GATSBY_")


def _source_files(tree: RepoTree, root: str, language: str) -> list[str]:
    prefix = f"{root.rstrip('/')}/" if root else ""
    suffixes = SUFFIXES[language]
    relative = [p[len(prefix):] for p in tree.files if p.endswith(suffixes) and p.startswith(prefix)]
    # One regex pass over all the paths joined, not one call per path: most paths are kept.
    joined = "\n".join(relative)
    skipped = set()
    for match in SKIPPED_PATH.finditer(joined):
        start = joined.rfind("\n", 0, match.start()) + 1
        end = joined.find("\n", match.end())
        line = joined[start:end if end >= 0 else len(joined)]
        if not ALEMBIC_ENV.search(line):
            skipped.add(line)
    return [prefix + p for p in relative if p not in skipped]


def _candidate_texts(tree: RepoTree, paths: Iterable[str], language: str) -> Iterator[tuple[str, str]]:
    """The texts of the files that mention a reading mechanism at all.

    The substring test runs on raw bytes read with one open/read/close (a Path-based read costs
    several times more, and most source files of a large repo read no variable); only the files that
    pass are read through the tree, which decodes them and keeps them for other detectors."""
    needles = re.compile("|".join(re.escape(needle) for needle in PREFILTER[language]).encode())
    base = os.fspath(tree.path) + "/"
    for path in paths:
        if _mentions(base + path, needles):
            text = tree.text(path)
            if text:
                yield path, text


READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)  # a link may lead out of the repo: never follow one


def _mentions(full_path: str, needles: re.Pattern[bytes]) -> bool:
    try:
        descriptor = os.open(full_path, READ_FLAGS)
    except OSError:
        return False
    try:
        data = os.read(descriptor, 16384)
        if len(data) == 16384:
            data += os.read(descriptor, MAX_READ_BYTES)
    except OSError:
        return False
    finally:
        os.close(descriptor)
    return needles.search(data) is not None


# -- one read --------------------------------------------------------------------------------------
@dataclass
class _Read:
    """One place a variable is read, before reads of the same name are merged."""

    name: str
    path: str
    line: int
    default: str | None = None
    required: bool = False
    source: str = "code"
    secret: bool = False  # the code's own type says so (pydantic SecretStr, a *Dsn type)


@dataclass
class _Found:
    reads: list[_Read] = field(default_factory=list)
    # The code reads its environment through something we cannot enumerate: trust the examples.
    opaque: bool = False


# -- public entry points ---------------------------------------------------------------------------
def read_env(tree: RepoTree, root: str, language: str) -> list[EnvVar]:
    """The variables the service at `root` reads, sorted by name, each once."""
    readers: dict[str, Callable[[RepoTree, list[str]], _Found]] = {
        "python": _python_reads, "node": _node_reads, "go": _go_reads,
    }
    if language not in readers:
        return []
    found = readers[language](tree, _source_files(tree, root, language))
    if language == "node":
        found.reads += _prisma_reads(tree, root)
    examples = example_values(tree, root)
    compose = _compose_values(tree, root)
    reads = sorted(
        (r for r in found.reads if NAME.fullmatch(r.name) and not r.name.startswith(FRONTEND_PREFIXES)),
        key=lambda r: (r.path, r.line),
    )
    merged: dict[str, EnvVar] = {}
    for read in reads:
        known = merged.get(read.name)
        if known is None:
            merged[read.name] = EnvVar(read.name, Evidence(read.path, read.line), read.default, read.required,
                                       read.secret, read.source)
            continue
        merged[read.name] = replace(
            known,
            required=known.required or read.required,
            default=known.default if known.default is not None else read.default,
            secret=known.secret or read.secret,
        )
    if found.opaque:
        for name, (_value, evidence) in {**compose, **examples}.items():
            if name not in merged and NAME.fullmatch(name):
                merged[name] = EnvVar(name, evidence, source="example")
    result = []
    for name in sorted(merged):
        var = merged[name]
        secret = var.secret or _is_secret(name, var.default, examples.get(name, ("",))[0],
                                          compose.get(name, ("",))[0])
        result.append(replace(var, secret=secret, default=None if secret else var.default))
    return result


EXAMPLE_NAMES = (".env.example", ".env.sample", ".env.template", "env.example", "example.env")
ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def _example_files(tree: RepoTree, root: str) -> list[str]:
    found = []
    for folder in dict.fromkeys([root.rstrip("/"), ""]):
        prefix = f"{folder}/" if folder else ""
        found += [f"{prefix}{name}" for name in EXAMPLE_NAMES if tree.exists(f"{prefix}{name}")]
        found += sorted(p for p in tree.files if p.endswith(".env.example") and p.startswith(prefix)
                        and "/" not in p[len(prefix):] and p[len(prefix):] != ".env.example")
    return found


def example_values(tree: RepoTree, root: str) -> dict[str, tuple[str, Evidence]]:
    """The values the repo's own `.env` example files give, name -> (value, where); the service's
    folder is read before the repo's top, and the first file that names a variable wins."""
    values: dict[str, tuple[str, Evidence]] = {}
    for path in _example_files(tree, root):
        for line in tree.lines(path):
            match = ENV_LINE.match(line.text)
            if match and match.group(1) not in values:
                values[match.group(1)] = (_env_file_value(match.group(2)), Evidence(path, line.number))
    return values


def _env_file_value(raw: str) -> str:
    if raw[:1] in ("'", '"'):
        end = raw.find(raw[0], 1)
        return raw[1:end] if end > 0 else raw[1:]
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


COMPOSE_FILE = re.compile(r"(?:docker-)?compose(?:\.[\w-]+)?\.ya?ml$")


def _compose_values(tree: RepoTree, root: str) -> dict[str, tuple[str, Evidence]]:
    """`environment:` of the compose services built from this service's folder (not the db's image)."""
    values: dict[str, tuple[str, Evidence]] = {}
    for folder in dict.fromkeys([root.rstrip("/"), ""]):
        prefix = f"{folder}/" if folder else ""
        paths = [p for p in tree.files if "compose" in p and p.startswith(prefix) and "/" not in p[len(prefix):]
                 and COMPOSE_FILE.match(p[len(prefix):])]
        for path in sorted(paths):
            for name, value in _compose_environment(tree, path, root):
                if name not in values:
                    values[name] = (value, Evidence(path, _line_of_key(tree, path, name)))
    return values


def _compose_environment(tree: RepoTree, path: str, root: str) -> list[tuple[str, str]]:
    try:
        data = yaml.safe_load(tree.text(path) or "")
    except yaml.YAMLError:
        return []
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return []
    built = [s for s in services.values() if isinstance(s, dict) and s.get("build") is not None]
    folder = posixpath.dirname(path)
    if root:
        ours = [s for s in built if _build_context(s, folder) == root.rstrip("/")]
        built = ours or (built if len(built) == 1 else [])
    pairs: list[tuple[str, str]] = []
    for service in built:
        environment = service.get("environment")
        if isinstance(environment, dict):
            pairs += [(str(k), "" if v is None else str(v)) for k, v in environment.items()]
        elif isinstance(environment, list):
            for item in environment:
                key, _, value = str(item).partition("=")
                pairs.append((key.strip(), value))
    return pairs


def _build_context(service: dict, folder: str) -> str:
    build = service.get("build")
    context = build.get("context", ".") if isinstance(build, dict) else str(build)
    joined = posixpath.normpath(posixpath.join(folder, str(context)))
    return "" if joined == "." else joined


def _line_of_key(tree: RepoTree, path: str, name: str) -> int | None:
    pattern = re.compile(rf"^\s*(?:-\s*)?['\"]?{re.escape(name)}['\"]?\s*[:=]|^\s*-\s*['\"]?{re.escape(name)}['\"]?\s*$")
    line = tree.first_line(path, pattern)
    return line.number if line else None


# -- Python ----------------------------------------------------------------------------------------
PY_GATE = re.compile(r"environ|getenv|BaseSettings|decouple|dynaconf|starlette\.config|"
                     r"\b(?:config|env|ENV|Env)\s*[.(]|(?i:get_?env\w*)\s*\(")
# django-environ and environs methods whose second positional argument is the default.
ENV_METHODS_DEFAULT_SECOND = frozenset({
    "str", "bool", "int", "float", "decimal", "json", "url", "db", "db_url", "cache", "cache_url", "email",
    "email_url", "search_url", "path", "date", "datetime", "timedelta", "uuid", "log_level", "get_value",
})
ENV_METHODS_CAST_SECOND = frozenset({"list", "tuple", "dict", "enum"})
# django-environ's URL readers that have a variable name of their own when called without one.
ENV_METHOD_DEFAULT_NAME = {"db": "DATABASE_URL", "db_url": "DATABASE_URL", "cache": "CACHE_URL",
                           "cache_url": "CACHE_URL", "email": "EMAIL_URL", "email_url": "EMAIL_URL",
                           "search_url": "SEARCH_URL"}
CAST_NAMES = frozenset({"bool", "int", "str", "float", "list", "tuple", "dict", "Csv", "json"})


@dataclass
class _PyModule:
    path: str
    tree: ast.Module


def _python_reads(tree: RepoTree, paths: list[str]) -> _Found:
    modules = []
    for path, text in _candidate_texts(tree, paths, "python"):
        if not PY_GATE.search(text):
            continue
        try:
            modules.append(_PyModule(path, ast.parse(text, filename=path)))
        except (SyntaxError, ValueError):
            continue  # Python 2 or a template: nothing we can read surely
    found = _Found()
    readers = _py_reader_objects(modules)
    wrappers = _py_wrappers(modules)
    for module in modules:
        found.reads += _PyFile(module, readers, wrappers).reads()
    settings, opaque = _py_settings(modules)
    found.reads += settings
    found.opaque = opaque or any(_imports(m.tree, "dynaconf") for m in modules)
    return found


def _imports(module: ast.Module, package: str) -> bool:
    for node in ast.walk(module):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == package for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == package:
            return True
    return False


def _py_reader_objects(modules: list[_PyModule]) -> dict[str, tuple[str, dict[str, tuple[bool, str | None]]]]:
    """Names bound to an env reader anywhere: name -> (style, scheme defaults).

    Styles: "environ" (django-environ / environs `Env()`), "decouple" (`config(name, default, cast)`),
    "starlette" (`Config(...)`, whose `config(name, cast, default)` takes the cast second)."""
    objects: dict[str, tuple[str, dict[str, tuple[bool, str | None]]]] = {}
    for module in modules:
        env_classes, decouple_classes, starlette = set(), set(), False
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ImportFrom):
                source = node.module or ""
                for alias in node.names:
                    bound = alias.asname or alias.name
                    if source in ("environ", "environs") and alias.name == "Env":
                        env_classes.add(bound)
                    elif source == "decouple" and alias.name == "config":
                        objects[bound] = ("decouple", {})
                    elif source == "decouple" and alias.name in ("AutoConfig", "Config"):
                        decouple_classes.add(bound)
                    elif source == "starlette.config" and alias.name == "Config":
                        starlette = True
        for node in ast.walk(module.tree):
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            callee = _dotted(node.value.func)
            style = None
            if callee in ("environ.Env", "environs.Env") or callee in env_classes:
                style = "environ"
            elif callee in ("decouple.AutoConfig", "decouple.Config") or callee in decouple_classes:
                style = "decouple"
            elif callee in ("Config", "starlette.config.Config") and starlette:
                style = "starlette"
            if style is None:
                continue
            scheme = _environ_scheme(node.value) if style == "environ" else {}
            for target in node.targets:
                if isinstance(target, ast.Name):
                    objects[target.id] = (style, scheme)
    return objects


def _environ_scheme(call: ast.Call) -> dict[str, tuple[bool, str | None]]:
    """`environ.Env(DEBUG=(bool, False))`: name -> (has a default, the default)."""
    scheme = {}
    for keyword in call.keywords:
        if keyword.arg and isinstance(keyword.value, ast.Tuple):
            items = keyword.value.elts
            scheme[keyword.arg] = (len(items) > 1, _py_literal(items[1]) if len(items) > 1 else None)
    return scheme


def _py_wrappers(modules: list[_PyModule]) -> dict[str, bool]:
    """Functions that read the variable named by their first parameter: name -> whether they take a default."""
    wrappers: dict[str, bool] = {}
    for module in modules:
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.FunctionDef) or not node.args.args:
                continue
            params = [a.arg for a in node.args.args]
            first = params[0] if params[0] not in ("self", "cls") else (params[1] if len(params) > 1 else None)
            if first is None:
                continue
            for inner in ast.walk(node):
                if _reads_param(inner, first):
                    wrappers[node.name] = len(params) - params.index(first) > 1
                    break
    return wrappers


def _reads_param(node: ast.AST, param: str) -> bool:
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == param:
        return _dotted(node.func) in ("os.getenv", "os.environ.get", "getenv", "environ.get")
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name) and node.slice.id == param:
        return _dotted(node.value) in ("os.environ", "environ")
    return False


class _PyFile:
    """The reads of one module: os, django-environ/environs, decouple, Starlette Config and wrappers."""

    def __init__(self, module: _PyModule, readers: dict, wrappers: dict[str, bool]):
        self.path = module.path
        self.module = module.tree
        self.os_names: set[str] = set()
        self.environ_names: set[str] = set()
        self.getenv_names: set[str] = set()
        imported: set[str] = set()
        star = False
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Import):
                self.os_names |= {a.asname or a.name for a in node.names if a.name == "os"}
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    bound = alias.asname or alias.name
                    star = star or alias.name == "*"
                    imported.add(bound)
                    if node.module == "os" and alias.name == "environ":
                        self.environ_names.add(bound)
                    elif node.module == "os" and alias.name == "getenv":
                        self.getenv_names.add(bound)
        defined = {t.id for n in ast.walk(module.tree) if isinstance(n, ast.Assign) for t in n.targets
                   if isinstance(t, ast.Name)}
        # A reader object counts where it is bound or imported (split Django settings import `env`).
        self.readers = {name: value for name, value in readers.items()
                        if name in defined or name in imported or (star and value[0] == "environ")}
        self.wrappers = {name: v for name, v in wrappers.items() if name not in self.readers}

    def reads(self) -> list[_Read]:
        found: list[_Read] = []
        fallbacks: dict[int, ast.expr] = {}
        for node in ast.walk(self.module):
            # `os.getenv("X") or "d"`: the right-hand side is the fallback.
            if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) == 2:
                fallbacks[id(node.values[0])] = node.values[1]
        for node in ast.walk(self.module):
            if isinstance(node, ast.Call):
                read = self._call(node)
                if read and id(node) in fallbacks and read.default is None and not read.required:
                    read.default = _py_literal(fallbacks[id(node)])
            elif isinstance(node, ast.Subscript):
                read = self._subscript(node)
            elif isinstance(node, ast.Compare):
                read = self._membership(node)
            else:
                read = None
            if read:
                found.append(read)
        return found

    def _is_environ(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.environ_names
        return (isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name)
                and node.value.id in self.os_names)

    def _read(self, name_node: ast.expr | None, default: ast.expr | None, has_default: bool,
              required: bool, name: str | None = None) -> _Read | None:
        if name is None:
            if not (isinstance(name_node, ast.Constant) and isinstance(name_node.value, str)):
                return None
            name = name_node.value
        line = name_node.lineno if name_node is not None else 0
        return _Read(name, self.path, line, _py_literal(default) if has_default and default is not None else None,
                     required and not has_default)

    def _call(self, node: ast.Call) -> _Read | None:
        func = node.func
        args, kwargs = node.args, {k.arg: k.value for k in node.keywords if k.arg}
        first = args[0] if args else None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.os_names \
                and func.attr == "getenv" or isinstance(func, ast.Name) and func.id in self.getenv_names:
            default = args[1] if len(args) > 1 else kwargs.get("default")
            return self._read(first, default, default is not None, False)
        if isinstance(func, ast.Attribute) and func.attr in ("get", "setdefault") and self._is_environ(func.value):
            default = args[1] if len(args) > 1 else kwargs.get("default")
            return self._read(first, default, default is not None, False)
        reader = self._reader(func)
        if reader:
            return self._reader_call(node, *reader)
        if isinstance(func, ast.Name) and func.id in self.wrappers and first is not None:
            takes_default = self.wrappers[func.id]
            default = (args[1] if len(args) > 1 else kwargs.get("default")) if takes_default else None
            return self._read(first, default, default is not None, False)
        return None

    def _reader(self, func: ast.expr) -> tuple[str, str | None, dict] | None:
        """(style, method, scheme) when `func` is `env(...)`, `env.str(...)` or `config(...)`."""
        if isinstance(func, ast.Name) and func.id in self.readers:
            style, scheme = self.readers[func.id]
            return style, None, scheme
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.readers:
            style, scheme = self.readers[func.value.id]
            if style == "environ" and func.attr in ENV_METHODS_DEFAULT_SECOND | ENV_METHODS_CAST_SECOND:
                return style, func.attr, scheme
        return None

    def _reader_call(self, node: ast.Call, style: str, method: str | None, scheme: dict) -> _Read | None:
        args, kwargs = node.args, {k.arg: k.value for k in node.keywords if k.arg}
        first = args[0] if args else kwargs.get("var") or kwargs.get("name") or kwargs.get("key")
        name = None
        if first is None:
            name = ENV_METHOD_DEFAULT_NAME.get(method or "")
            if name is None:
                return None
        second = args[1] if len(args) > 1 else None
        if style == "decouple" or method in ENV_METHODS_DEFAULT_SECOND:
            positional_default = second
        elif style == "environ" and method is None and second is not None and not _is_cast(second):
            positional_default = second  # environs' `env("X", "d")`; django-environ puts a cast there
        else:
            positional_default = None  # Starlette and django-environ `env("X", cast)`: a cast, not a default
        default = kwargs.get("default", positional_default)
        read = self._read(first, default, default is not None, True, name)
        if read is None:
            return None
        if first is None:
            read.line = node.lineno
        if read.required and read.name in scheme:
            has_default, value = scheme[read.name]
            read.required, read.default = not has_default, value
        return read

    def _subscript(self, node: ast.Subscript) -> _Read | None:
        if not isinstance(node.ctx, ast.Load) or not self._is_environ(node.value):
            return None
        return self._read(node.slice, None, False, True)

    def _membership(self, node: ast.Compare) -> _Read | None:
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)) and self._is_environ(node.comparators[0]):
            return self._read(node.left, None, False, False)
        return None


def _is_cast(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in CAST_NAMES or isinstance(node, ast.Call)


def _dotted(node: ast.expr) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _py_literal(node: ast.expr | None) -> str | None:
    """A fallback as the string a `.env` line would hold, when the code spells it as a constant."""
    if node is None:
        return None
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_py_literal(item) for item in node.elts]
        return None if any(i is None for i in items) else ",".join(items)  # type: ignore[arg-type]
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        value = _py_arithmetic(node)
    if value is None or isinstance(value, (dict, set, bytes, list, tuple)):
        return None
    return str(value)


def _py_arithmetic(node: ast.expr) -> int | float | None:
    """`60 * 24 * 8`: constant arithmetic a settings default often spells out."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
        left, right = _py_arithmetic(node.left), _py_arithmetic(node.right)
        if left is None or right is None:
            return None
        return left + right if isinstance(node.op, ast.Add) else left - right if isinstance(node.op, ast.Sub) \
            else left * right
    return None


# pydantic-settings -----------------------------------------------------------------------------
@dataclass
class _SettingsClass:
    path: str
    node: ast.ClassDef
    bases: list[str]
    prefix: str | None = None
    case_sensitive: bool | None = None
    nested_delimiter: bool = False


def _py_settings(modules: list[_PyModule]) -> tuple[list[_Read], bool]:
    """Fields of `BaseSettings` subclasses (also through a subclass of one), named as pydantic looks them up."""
    classes: dict[str, _SettingsClass] = {}
    for module in modules:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ClassDef):
                bases = [_dotted(b).rsplit(".", 1)[-1] for b in node.bases]
                classes.setdefault(node.name, _SettingsClass(module.path, node, bases))
    settings = {"BaseSettings"}
    models = {"BaseModel"}
    changed = True
    while changed:
        changed = False
        for name, cls in classes.items():
            for family in (settings, models):
                if name not in family and any(b in family for b in cls.bases):
                    family.add(name)
                    changed = True
    reads: list[_Read] = []
    opaque = False
    for name in sorted(settings - {"BaseSettings"}, key=lambda n: (classes[n].path, classes[n].node.lineno)):
        cls = classes[name]
        _settings_config(cls)
        prefix, case_sensitive = _inherited_config(cls, classes)
        opaque = opaque or cls.nested_delimiter
        for statement in cls.node.body:
            read = _settings_field(statement, cls.path, prefix, case_sensitive, settings | models)
            if read:
                reads.append(read)
    return reads, opaque


def _settings_config(cls: _SettingsClass) -> None:
    """`model_config = SettingsConfigDict(env_prefix=...)` or pydantic 1's inner `class Config`."""
    options: dict[str, ast.expr] = {}
    for statement in cls.node.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(t, ast.Name) and t.id == "model_config" for t in targets):
                value = statement.value
                if isinstance(value, ast.Call):
                    options |= {k.arg: k.value for k in value.keywords if k.arg}
                elif isinstance(value, ast.Dict):
                    options |= {k.value: v for k, v in zip(value.keys, value.values)
                                if isinstance(k, ast.Constant) and isinstance(k.value, str)}
        elif isinstance(statement, ast.ClassDef) and statement.name == "Config":
            for inner in statement.body:
                if isinstance(inner, ast.Assign):
                    options |= {t.id: inner.value for t in inner.targets if isinstance(t, ast.Name)}
    if "env_prefix" in options:
        cls.prefix = _py_literal(options["env_prefix"]) or ""
    if "case_sensitive" in options:
        cls.case_sensitive = _py_literal(options["case_sensitive"]) == "True"
    cls.nested_delimiter = "env_nested_delimiter" in options


def _inherited_config(cls: _SettingsClass, classes: dict[str, _SettingsClass]) -> tuple[str, bool]:
    prefix, case_sensitive = cls.prefix, cls.case_sensitive
    seen = {cls.node.name}
    parents = list(cls.bases)
    while parents and (prefix is None or case_sensitive is None):
        parent = classes.get(parents.pop(0))
        if parent is None or parent.node.name in seen:
            continue
        seen.add(parent.node.name)
        _settings_config(parent)
        prefix = parent.prefix if prefix is None else prefix
        case_sensitive = parent.case_sensitive if case_sensitive is None else case_sensitive
        parents += parent.bases
    return prefix or "", bool(case_sensitive)


def _settings_field(statement: ast.stmt, path: str, prefix: str, case_sensitive: bool,
                    model_names: set[str]) -> _Read | None:
    if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
        return None
    field_name = statement.target.id
    annotation = {n.id for n in ast.walk(statement.annotation) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(statement.annotation) if isinstance(n, ast.Attribute)}
    if field_name.startswith("_") or field_name == "model_config" or "ClassVar" in annotation:
        return None
    if annotation & model_names:
        return None  # a nested model: read through a delimiter we do not enumerate
    value = statement.value
    has_default, default, alias = value is not None, value, None
    if isinstance(value, ast.Call) and _dotted(value.func).rsplit(".", 1)[-1] == "Field":
        kwargs = {k.arg: k.value for k in value.keywords if k.arg}
        default = value.args[0] if value.args else kwargs.get("default")
        has_default = "default_factory" in kwargs or (
            default is not None and not (isinstance(default, ast.Constant) and default.value is Ellipsis))
        if not has_default:
            default = None
        for key in ("validation_alias", "alias", "env"):
            alias = alias or _alias_name(kwargs.get(key))
    name = alias or (prefix + field_name if case_sensitive else (prefix + field_name).upper())
    secret = any("Secret" in n or n.endswith("Dsn") for n in annotation)
    return _Read(name, path, statement.lineno, _py_literal(default) if has_default else None, not has_default,
                 "settings", secret)


def _alias_name(node: ast.expr | None) -> str | None:
    """`alias="X"`, `validation_alias=AliasChoices("X", "Y")` (the first), pydantic 1's `env=["X"]`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and node.args:
        return _alias_name(node.args[0])
    if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
        return _alias_name(node.elts[0])
    return None


# -- shared by Node and Go: comments out, brackets matched -----------------------------------------
C_TOKENS = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`", re.S)


def _strip_comments(text: str) -> str:
    """The text with comments blanked (newlines kept, so offsets give the same line numbers)."""
    def blank(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith(("//", "/*")):
            return re.sub(r"[^\n]", " ", token)
        return token
    return C_TOKENS.sub(blank, text)


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


STRING_TOKEN = re.compile(r"\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`", re.S)
CLOSING = {"(": ")", "[": "]", "{": "}"}


def _matching(text: str, start: int) -> int:
    """The offset of the bracket closing the one at `start`, skipping strings; -1 when unbalanced."""
    stack = []
    i = start
    while i < len(text):
        char = text[i]
        if char in "\"'`":
            match = STRING_TOKEN.match(text, i)
            i = match.end() if match else i + 1
            continue
        if char in CLOSING:
            stack.append(CLOSING[char])
        elif char in ")]}":
            if not stack or stack.pop() != char:
                return -1
            if not stack:
                return i
        i += 1
    return -1


def _top_level_entries(text: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    """The comma-separated entries of the bracketed span (start, end): (offset, entry text)."""
    i, entry_start = start + 1, start + 1
    while i < end:
        char = text[i]
        if char in "\"'`":
            match = STRING_TOKEN.match(text, i)
            i = match.end() if match else i + 1
            continue
        if char in CLOSING:
            close = _matching(text, i)
            i = close + 1 if close > 0 else end
            continue
        if char == ",":
            yield entry_start, text[entry_start:i]
            entry_start = i + 1
        i += 1
    if text[entry_start:end].strip():
        yield entry_start, text[entry_start:end]


def _js_literal(raw: str) -> str | None:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] in "\"'`" and raw[-1] == raw[0] and "${" not in raw:
        return raw[1:-1]
    if re.fullmatch(r"-?\d+(?:\.\d+)?|true|false", raw):
        return raw
    return None


# -- Node ------------------------------------------------------------------------------------------
JS_LITERAL = r"(?:\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|`[^`$]*`|-?\d+(?:\.\d+)?\b|true\b|false\b)"
NODE_READ = re.compile(r"\bprocess\.env(?:\.([A-Za-z_$][\w$]*)|\[\s*(['\"`])([^'\"`\]]+)\2\s*\])")
NODE_FALLBACK = re.compile(rf"\s*(?:\|\||\?\?)\s*({JS_LITERAL})")
NODE_ASSIGN = re.compile(r"\s*(?:=(?!=)|\+=|\?\?=|\|\|=)")
NODE_DESTRUCTURE = re.compile(r"\b(?:const|let|var)\s*\{([^{}]*)\}\s*=\s*process\.env\b")
NODE_SCHEMA = re.compile(r"\b(?:Joi|joi|z)\s*\.\s*object\s*\(\s*(?:\)\s*\.\s*keys\s*\(\s*)?\{")
NODE_CLEAN_ENV = re.compile(r"\bcleanEnv\s*\(\s*process\.env\s*,\s*\{")
NODE_VALIDATE = r"\.\s*(?:validate|parse|safeParse|parseAsync|safeParseAsync)\s*\(\s*process\.env\b"
NODE_OPAQUE = re.compile(r"require\(\s*['\"](?:config|nconf|convict)['\"]\s*\)|from\s+['\"](?:config|nconf|convict)['\"]")
PRISMA_ENV = re.compile(r"\benv\(\s*\"([^\"]+)\"\s*\)")
OBJECT_KEY = re.compile(r"\s*(?:(['\"])([^'\"]+)\1|([A-Za-z_$][\w$]*))\s*:\s*")


def _node_reads(tree: RepoTree, paths: list[str]) -> _Found:
    found = _Found()
    for path, raw in _candidate_texts(tree, paths, "node"):
        text = _strip_comments(raw)
        if "process.env" not in text:
            continue
        found.opaque = found.opaque or bool(NODE_OPAQUE.search(text))
        found.reads += _node_plain(path, text)
        found.reads += _node_destructured(path, text)
        found.reads += _node_schemas(path, text)
    return found


def _prisma_reads(tree: RepoTree, root: str) -> Iterator[_Read]:
    """`url = env("DATABASE_URL")` in a Prisma schema: the client fails to connect without it."""
    prefix = f"{root.rstrip('/')}/" if root else ""
    for path in tree.files:
        if path.endswith(".prisma") and path.startswith(prefix) and not SKIPPED_PATH.search(path[len(prefix):]):
            for line in tree.lines(path):
                for match in PRISMA_ENV.finditer(line.text.split("//", 1)[0]):
                    yield _Read(match.group(1), path, line.number, None, True, "settings")


def _node_plain(path: str, text: str) -> Iterator[_Read]:
    for match in NODE_READ.finditer(text):
        if NODE_ASSIGN.match(text, match.end()):
            continue  # a write: the process sets it, nobody has to
        name = match.group(1) or match.group(3)
        fallback = NODE_FALLBACK.match(text, match.end())
        default = _js_literal(fallback.group(1)) if fallback else None
        yield _Read(name, path, _line_at(text, match.start()), default)


def _node_destructured(path: str, text: str) -> Iterator[_Read]:
    for match in NODE_DESTRUCTURE.finditer(text):
        body_start = match.start(1)
        for offset, entry in _top_level_entries(text, body_start - 1, match.end(1)):
            name_part, _, default = entry.partition("=")
            name = name_part.split(":")[0].strip()
            if name.startswith("..."):
                continue
            line = _line_at(text, offset + len(entry) - len(entry.lstrip()))
            yield _Read(name, path, line, _js_literal(default) if default else None)


def _node_schemas(path: str, text: str) -> Iterator[_Read]:
    """Joi, zod and envalid schemas validated against `process.env`: each key a variable."""
    for match in NODE_CLEAN_ENV.finditer(text):
        yield from _schema_fields(path, text, match.end() - 1, "envalid")
    for match in NODE_SCHEMA.finditer(text):
        kind = "zod" if text[match.start()] == "z" else "joi"
        brace = match.end() - 1
        end = _matching(text, brace)
        if end < 0 or not _validated_against_env(text, match.start(), end):
            continue
        yield from _schema_fields(path, text, brace, kind)


def _validated_against_env(text: str, start: int, end: int) -> bool:
    statement_end = text.find(";", end)
    chain = text[end:statement_end if statement_end > 0 else len(text)]
    if re.search(NODE_VALIDATE, chain):
        return True
    declared = re.search(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*$", text[max(0, start - 200):start])
    if not declared:
        return False
    uses = rf"\b{re.escape(declared.group(1))}\b(?:\s*\.\s*\w+\s*\((?:[^()]|\([^()]*\))*\))*\s*{NODE_VALIDATE}"
    return re.search(uses, text) is not None


def _schema_fields(path: str, text: str, brace: int, kind: str) -> Iterator[_Read]:
    end = _matching(text, brace)
    if end < 0:
        return
    for offset, entry in _top_level_entries(text, brace, end):
        key = OBJECT_KEY.match(entry)
        if not key:
            continue
        name = key.group(2) or key.group(3)
        value = entry[key.end():]
        if re.match(r"\s*(?:Joi|joi|z)\s*\.\s*object\b", value):
            continue  # a nested object, not one variable
        default_match = re.search(rf"\.default\(\s*({JS_LITERAL})\s*\)|\bdefault\s*:\s*({JS_LITERAL})", value)
        has_default = bool(re.search(r"\.default\(|\bdefault\s*:", value))
        default = _js_literal(default_match.group(1) or default_match.group(2)) if default_match else None
        if kind == "joi":
            required = ".required()" in re.sub(r"\s+", "", value)
        elif kind == "zod":
            required = not has_default and not re.search(r"\.\s*(?:optional|nullish|catch)\s*\(", value)
        else:
            required = not has_default
        line = _line_at(text, offset + key.start(2 if key.group(2) else 3))
        yield _Read(name, path, line, default, required and not has_default, "settings")


# -- Go --------------------------------------------------------------------------------------------
GO_GETENV = re.compile(r"\bos\.Getenv\(\s*\"([^\"]*)\"\s*\)")
GO_LOOKUP = re.compile(r"\bos\.LookupEnv\(\s*\"([^\"]*)\"\s*\)")
GO_ASSIGNED = re.compile(r"(\w+)\s*(?:,\s*(\w+)\s*)?:?=\s*$")
GO_FAILS = re.compile(r"\blog\.(?:Fatal|Panic)\w*\(|\bpanic\(|\bos\.Exit\(|\breturn\b[^\n]*(?:\berr\b|Errorf|errors\.New"
                      r"|Error\()|\.Fatal\w*\(")
GO_STRING = r"\"((?:\\.|[^\"\\\n])*)\"|`([^`]*)`"
GO_TYPE = re.compile(r"\btype\s+(?:(\w+)\s+struct\s*\{|\()")
GO_GROUP_MEMBER = re.compile(r"\s*(\w+)\s+(?:(struct\s*\{)|[^\n]*)")
GO_TAG = re.compile(r"([\w-]+):\"((?:\\.|[^\"\\])*)\"")
GO_WRAPPER = re.compile(r"\bfunc\s+(\w+)\s*\(\s*(\w+)\s*(?:string)?\s*(?:,\s*(\w+)[^)]*)?\)[^{]*\{")
VIPER_DEFAULT = re.compile(r"\.SetDefault\(\s*\"([^\"]+)\"\s*,\s*(\"(?:\\.|[^\"\\\n])*\"|`[^`]*`|-?\d+(?:\.\d+)?|true|false)\s*\)")
GO_PRIMITIVES = frozenset({"string", "bool", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16",
                           "uint32", "uint64", "float32", "float64", "Duration", "Time", "URL", "byte", "rune"})


@dataclass
class _GoField:
    name: str  # "" for an embedded field
    type: str
    tags: dict[str, str]
    line: int
    nested: list[_GoField] | None = None  # an anonymous struct's own fields


@dataclass
class _GoStruct:
    name: str
    path: str
    fields: list[_GoField]


def _go_reads(tree: RepoTree, paths: list[str]) -> _Found:
    found = _Found()
    texts = [(path, _strip_comments(raw)) for path, raw in _candidate_texts(tree, paths, "go")]
    structs: dict[str, list[_GoStruct]] = {}
    wrappers: dict[str, bool] = {}
    for path, text in texts:
        if "struct" in text:
            for struct in _go_structs(path, text):
                structs.setdefault(struct.name, []).append(struct)
        for match in GO_WRAPPER.finditer(text):
            end = _matching(text, match.end() - 1)
            body = text[match.end():end]
            if re.search(rf"\bos\.(?:Getenv|LookupEnv)\(\s*{match.group(2)}\s*\)", body):
                wrappers[match.group(1)] = match.group(3) is not None
    viper = _ViperSetup.read(texts)
    found.opaque = viper.automatic or any("env.Provider(" in t for _, t in texts)
    for path, text in texts:
        found.reads += _go_calls(path, text, wrappers)
        found.reads += viper.reads(path, text)
        found.reads += _koanf_reads(path, text)
        if "envconfig.Process" in text or "envconfig.MustProcess" in text:
            reads, resolved = _envconfig_reads(path, text, structs)
            found.reads += reads
            found.opaque = found.opaque or not resolved
    found.reads += _go_tag_reads(structs)
    return found


def _go_calls(path: str, text: str, wrappers: dict[str, bool]) -> Iterator[_Read]:
    for pattern in (GO_GETENV, GO_LOOKUP):
        for match in pattern.finditer(text):
            required, default = _go_checked(text, match, pattern is GO_LOOKUP)
            yield _Read(match.group(1), path, _line_at(text, match.start()), default, required)
    for name, takes_default in wrappers.items():
        for match in re.finditer(rf"(?<![\w.]){re.escape(name)}\(\s*\"([^\"]*)\"\s*(?:,\s*([^,()]+?)\s*)?\)", text):
            default = _go_literal(match.group(2)) if takes_default and match.group(2) else None
            yield _Read(match.group(1), path, _line_at(text, match.start()), default)


def _go_checked(text: str, match: re.Match[str], lookup: bool) -> tuple[bool, str | None]:
    """(required, default) from the `if` that checks the read: a failing branch or an assigned fallback."""
    line_start = text.rfind("\n", 0, match.start()) + 1
    before = text[line_start:match.start()]
    assigned = GO_ASSIGNED.search(before)
    if assigned:
        value, ok = assigned.group(1), assigned.group(2)
        after = text[match.end():match.end() + 300]
        checks = [rf"{re.escape(value)}\s*==\s*\"\"", rf"len\(\s*{re.escape(value)}\s*\)\s*==\s*0"]
        if lookup and ok:
            checks.append(rf"!\s*{re.escape(ok)}\b")
        condition = re.search(rf"^\s*if\s+[^{{\n]*(?:{'|'.join(checks)})[^{{\n]*\{{", after, re.M)
        if not condition or after[:condition.start()].count("\n") > 2:
            return False, None
        block_start = match.end() + condition.end() - 1
    else:
        inline = re.match(r"\s*(?:==\s*\"\"|!=\s*\"\")", text[match.end():])
        if not (inline and re.search(r"\bif\s+[^{\n]*$", before)):
            return False, None
        block_start = text.find("{", match.end())
        if "!=" in inline.group(0):
            return False, None
    block_end = _matching(text, block_start)
    block = text[block_start:block_end]
    if assigned:
        fallback = re.search(rf"\b{re.escape(assigned.group(1))}\s*=\s*(?:{GO_STRING})", block)
        if fallback:
            return False, fallback.group(1) if fallback.group(1) is not None else fallback.group(2)
    return bool(GO_FAILS.search(block)), None


def _go_literal(raw: str) -> str | None:
    raw = raw.strip()
    match = re.fullmatch(GO_STRING, raw)
    if match:
        return match.group(1) if match.group(1) is not None else match.group(2)
    if re.fullmatch(r"-?\d+(?:\.\d+)?|true|false", raw):
        return raw
    return None


def _go_structs(path: str, text: str) -> Iterator[_GoStruct]:
    """Named struct types: `type X struct {...}` and the structs of a `type ( ... )` group."""
    for match in GO_TYPE.finditer(text):
        if match.group(1):
            fields = _go_fields(text, match.end() - 1)
            if fields is not None:
                yield _GoStruct(match.group(1), path, fields)
            continue
        end = _matching(text, match.end() - 1)
        i = match.end()
        while 0 < i < end:
            member = GO_GROUP_MEMBER.match(text, i)
            if not member:
                break
            if member.group(2):
                fields = _go_fields(text, member.end() - 1)
                if fields is not None:
                    yield _GoStruct(member.group(1), path, fields)
                close = _matching(text, member.end() - 1)
                i = close + 1 if close > 0 else end
            else:
                i = text.find("\n", member.end()) + 1


def _go_fields(text: str, brace: int) -> list[_GoField] | None:
    end = _matching(text, brace)
    if end < 0:
        return None
    fields: list[_GoField] = []
    i = brace + 1
    while i < end:
        newline = text.find("\n", i, end)
        line_end = newline if newline >= 0 else end
        line = text[i:line_end].strip()
        number = _line_at(text, i)
        nested = re.match(r"(\w+)\s+\*?struct\s*\{", line)
        if nested:
            inner_brace = i + text[i:line_end].index("{")
            inner_end = _matching(text, inner_brace)
            tail = text[inner_end + 1:text.find("\n", inner_end) if text.find("\n", inner_end) > 0 else end]
            fields.append(_GoField(nested.group(1), "", _go_tags(tail), number, _go_fields(text, inner_brace) or []))
            i = text.find("\n", inner_end) + 1 if text.find("\n", inner_end, end) >= 0 else end
            continue
        parts = re.match(r"(?:([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s+)?(\*?\[?\]?\*?[\w.]+(?:\[[^\]]*\][\w.]+)?)\s*(`[^`]*`)?",
                         line)
        if parts and line:
            names = [n.strip() for n in (parts.group(1) or "").split(",") if n.strip()] or [""]
            for name in names:
                fields.append(_GoField(name, parts.group(2), _go_tags(parts.group(3) or ""), number))
        i = line_end + 1
    return fields


def _go_tags(raw: str) -> dict[str, str]:
    return {key: value for key, value in GO_TAG.findall(raw)}


def _go_type_name(type_text: str) -> str:
    return type_text.lstrip("*[]").rsplit(".", 1)[-1]


def _go_tag_reads(structs: dict[str, list[_GoStruct]]) -> list[_Read]:
    """caarlos0/env (`env:"X,required" envDefault:"d"`), cleanenv (`env-default`, `env-required`) and
    sethvargo/go-envconfig (`env:"X, default=d"`) tags; `envPrefix` on a struct field prefixes its fields."""
    prefixes: dict[str, set[str]] = {}
    for group in structs.values():
        for struct in group:
            for item in _walk_fields(struct.fields):
                prefix = item.tags.get("envPrefix") or item.tags.get("env-prefix")
                if prefix and item.type:
                    prefixes.setdefault(_go_type_name(item.type), set()).add(prefix)
    reads = []
    for name, group in structs.items():
        for struct in group:
            for prefix in sorted(prefixes.get(name, {""})):
                reads += _tagged_fields(struct.path, struct.fields, prefix)
    return reads


def _walk_fields(fields: list[_GoField]) -> Iterator[_GoField]:
    for item in fields:
        yield item
        if item.nested:
            yield from _walk_fields(item.nested)


def _tagged_fields(path: str, fields: list[_GoField], prefix: str) -> Iterator[_Read]:
    for item in fields:
        if item.nested is not None:
            inner = item.tags.get("envPrefix") or item.tags.get("env-prefix") or ""
            yield from _tagged_fields(path, item.nested, prefix + inner)
            continue
        tag = item.tags.get("env")
        if not tag or tag == "-":
            continue
        name, *options = [part.strip() for part in tag.split(",")]
        default = item.tags.get("envDefault", item.tags.get("env-default"))
        for option in options:
            if option.startswith("default="):
                default = option.removeprefix("default=")
        required = bool({"required", "notEmpty"} & set(options)) or item.tags.get("env-required") == "true"
        if name:
            yield _Read(prefix + name, path, item.line, default, required and default is None, "settings")


def _envconfig_reads(path: str, text: str, structs: dict[str, list[_GoStruct]]) -> tuple[list[_Read], bool]:
    """kelseyhightower/envconfig: `Process("app", &cfg)` reads APP_<FIELD or envconfig tag>, nested structs
    adding their field name. Returns the reads and whether every call's struct was found."""
    reads: list[_Read] = []
    resolved = True
    for match in re.finditer(r"\benvconfig\.(?:Must)?Process\(\s*\"([^\"]*)\"\s*,\s*&?([\w]+)\s*\)", text):
        struct = _resolve_struct(path, text, match.group(2), structs)
        if struct is None:
            resolved = False
            continue
        reads += _envconfig_fields(struct.path, struct.fields, match.group(1).upper(), structs, depth=0)
    if re.search(r"\benvconfig\.(?:Must)?Process\(\s*\"[^\"]*\"\s*,\s*&?[\w]+\.", text):
        resolved = False
    return reads, resolved


def _resolve_struct(path: str, text: str, variable: str, structs: dict[str, list[_GoStruct]]) -> _GoStruct | None:
    v = re.escape(variable)
    patterns = (rf"\bvar\s+{v}\s+\*?([\w.]+)", rf"\b{v}\s*:?=\s*&?([\w.]+)\s*\{{", rf"\b{v}\s*:?=\s*new\(\s*([\w.]+)\s*\)",
                rf"\bvar\s+{v}\s*=\s*&?([\w.]+)\s*\{{", rf"\bvar\s+{v}\s*=\s*new\(\s*([\w.]+)\s*\)",
                rf"\(\s*{v}\s+\*?([\w.]+)\s*\)")
    for pattern in patterns:
        match = re.search(pattern, text)
        if match:
            return _struct_named(_go_type_name(match.group(1)), path, structs)
    return None


def _struct_named(name: str, near: str, structs: dict[str, list[_GoStruct]]) -> _GoStruct | None:
    group = structs.get(name, [])
    same_folder = [s for s in group if posixpath.dirname(s.path) == posixpath.dirname(near)]
    if len(same_folder) == 1:
        return same_folder[0]
    return group[0] if len(group) == 1 else None


def _split_words(name: str) -> str:
    return "_".join(re.findall(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|\d+|[A-Z]+", name))


def _envconfig_fields(path: str, fields: list[_GoField], prefix: str, structs: dict[str, list[_GoStruct]],
                      depth: int) -> Iterator[_Read]:
    for item in fields:
        if item.tags.get("ignored") == "true" or (item.name and not item.name[0].isupper()) or depth > 5:
            continue
        key = item.tags.get("envconfig") or (_split_words(item.name) if item.tags.get("split_words") == "true"
                                             else item.name)
        name = (f"{prefix}_{key}" if prefix and key else prefix or key).upper()
        nested = item.nested
        if nested is None and _go_type_name(item.type) not in GO_PRIMITIVES and not item.type.startswith(("[]", "map")):
            struct = _struct_named(_go_type_name(item.type), path, structs)
            nested = struct.fields if struct else None
        if nested is not None:
            # An embedded struct keeps the prefix; a named one adds its own name.
            yield from _envconfig_fields(path, nested, prefix if not item.name else name, structs, depth + 1)
            continue
        if not item.name:
            continue
        default = item.tags.get("default")
        yield _Read(name, path, item.line, default, item.tags.get("required") == "true" and default is None,
                    "settings")


@dataclass
class _ViperSetup:
    """viper's `AutomaticEnv` with `SetEnvPrefix` and a key replacer, read across the service."""

    automatic: bool = False
    prefix: str = ""
    replacements: list[tuple[str, str]] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, texts: list[tuple[str, str]]) -> _ViperSetup:
        setup = cls()
        for _path, text in texts:
            if "viper" not in text:
                continue
            setup.automatic = setup.automatic or ".AutomaticEnv()" in text
            if prefix := re.search(r"\.SetEnvPrefix\(\s*\"([^\"]*)\"", text):
                setup.prefix = setup.prefix or prefix.group(1)
            if replacer := re.search(r"\.SetEnvKeyReplacer\(\s*strings\.NewReplacer\(([^)]*)\)", text):
                pairs = re.findall(r"\"([^\"]*)\"", replacer.group(1))
                setup.replacements = list(zip(pairs[::2], pairs[1::2]))
            for key, value in VIPER_DEFAULT.findall(text):
                setup.defaults.setdefault(key.lower(), _go_literal(value) or "")
        return setup

    def env_name(self, key: str) -> str:
        for old, new in self.replacements:
            key = key.replace(old, new)
        return (f"{self.prefix}_{key}" if self.prefix else key).upper()

    def reads(self, path: str, text: str) -> Iterator[_Read]:
        if "viper" not in text and "BindEnv" not in text:
            return
        for match in re.finditer(r"\.BindEnv\(\s*\"([^\"]+)\"\s*((?:,\s*\"[^\"]+\"\s*)*)\)", text):
            names = re.findall(r"\"([^\"]+)\"", match.group(2)) or [self.env_name(match.group(1))]
            for name in names:
                yield _Read(name, path, _line_at(text, match.start()), self.defaults.get(match.group(1).lower()),
                            source="settings")
        if not self.automatic:
            return
        getter = r"\.(?:Get|GetString|GetBool|GetInt|GetInt32|GetInt64|GetUint|GetUint32|GetUint64|GetFloat64|" \
                 r"GetDuration|GetTime|GetStringSlice|GetIntSlice|GetStringMap|GetStringMapString|IsSet)"
        for match in re.finditer(rf"{getter}\(\s*\"([^\"]+)\"\s*\)", text):
            key = match.group(1)
            yield _Read(self.env_name(key), path, _line_at(text, match.start()), self.defaults.get(key.lower()),
                        source="settings")


def _koanf_reads(path: str, text: str) -> Iterator[_Read]:
    """koanf with `env.Provider("APP_", ".", ...)`: `k.String("db.host")` reads APP_DB_HOST."""
    provider = re.search(r"\benv\.Provider\(\s*\"([^\"]*)\"\s*,\s*\"([^\"]*)\"", text)
    if not provider or "koanf" not in text:
        return
    prefix, delimiter = provider.groups()
    instances = set(re.findall(r"\b(\w+)\s*(?::=|=)\s*koanf\.New\(", text))
    for instance in instances:
        for match in re.finditer(rf"\b{re.escape(instance)}\.(?:String|Int|Int64|Bool|Float64|Duration|Strings|Get|"
                                 rf"MustString|MustInt|MustBool|MustDuration)\(\s*\"([^\"]+)\"\s*\)", text):
            name = (prefix + match.group(1).replace(delimiter or ".", "_")).upper()
            yield _Read(name, path, _line_at(text, match.start()), source="settings")
