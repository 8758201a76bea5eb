"""Import rules between layers (DESIGN.md), checked with ast, and the task-name contract."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from moderation import jobs

ROOT = Path(__file__).resolve().parent.parent

#: module prefix -> prefixes it must not import.
FORBIDDEN = {
    "moderation.pipeline": [
        "flask",
        "sqlalchemy",
        "celery",
        "bleach",
        "nh3",
        "email_validator",
        "redis",
        "moderation.config",
        "moderation.errors",
        "moderation.models",
        "moderation.db",
        "moderation.services",
        "moderation.web",
        "moderation.jobs",
        "moderation.sanitize",
        "moderation.validation",
        "moderation.integrations",
        "workers",
    ],
    "moderation.config": ["moderation.", "flask", "sqlalchemy", "celery"],
    "moderation.errors": ["moderation.", "flask", "sqlalchemy", "celery"],
    "moderation.sanitize": [
        "flask",
        "sqlalchemy",
        "celery",
        "moderation.services",
        "moderation.web",
    ],
    "moderation.validation": [
        "flask",
        "sqlalchemy",
        "celery",
        "moderation.services",
        "moderation.web",
    ],
    "moderation.models": ["moderation.services", "moderation.web", "workers", "celery"],
    "moderation.db": ["moderation.services", "moderation.web", "workers", "celery"],
    "moderation.jobs": ["moderation.services", "moderation.web", "workers", "celery", "flask"],
    "moderation.integrations": [
        "flask",
        "moderation.models",
        "moderation.web",
        "workers",
        "moderation.services",
    ],
    "moderation.services": ["flask", "celery", "moderation.web", "workers"],
    "moderation.web": ["workers", "celery", "moderation.integrations"],
    "workers": ["moderation.web"],
}

#: Modules allowed to break one rule, and why.
EXCEPTIONS = {
    # The composition root is the one place that knows the concrete integrations.
    ("moderation.services.wiring", "moderation.integrations"),
}

#: The only importers of each third-party sanitizer / validator.
SOLE_IMPORTERS = {
    "nh3": "moderation.sanitize",
    "bleach": "moderation.sanitize",
    "email_validator": "moderation.validation",
}


def modules() -> list[tuple[str, Path]]:
    found = []
    for package in ("moderation", "workers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append((name, path))
    return found


def imports_of(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.rsplit(".", node.level)[0]
                names.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def violates(imported: str, forbidden: str) -> bool:
    if forbidden.endswith("."):
        return imported.startswith(forbidden)
    return imported == forbidden or imported.startswith(forbidden + ".")


@pytest.mark.parametrize(("module", "path"), modules(), ids=lambda v: str(v))
def test_module_respects_the_import_rules(module: str, path: Path) -> None:
    imported = imports_of(path, module)
    for prefix, forbidden_list in FORBIDDEN.items():
        if not (module == prefix or module.startswith(prefix + ".")):
            continue
        for forbidden in forbidden_list:
            if (module, forbidden) in EXCEPTIONS:
                continue
            bad = sorted(i for i in imported if violates(i, forbidden) and i != module)
            assert not bad, f"{module} must not import {forbidden}: {bad}"
    for library, owner in SOLE_IMPORTERS.items():
        if module != owner:
            assert not any(violates(i, library) for i in imported), (
                f"only {owner} may import {library}"
            )


def test_the_rules_can_fail() -> None:
    source = ROOT / "moderation" / "pipeline" / "rules.py"
    assert not any(violates(i, "flask") for i in imports_of(source, "moderation.pipeline.rules"))
    assert violates("flask.globals", "flask")
    assert violates("moderation.web", "moderation.")
    assert not violates("moderation_extra", "moderation")


def test_worker_tasks_match_the_published_names(tmp_path: Path) -> None:
    from moderation.config import Settings
    from workers.app import make_celery

    app = make_celery(Settings.from_env({"MODERATION_INSTANCE_DIR": str(tmp_path)}))
    registered = {name for name in app.tasks if not name.startswith("celery.")}
    assert registered == set(jobs.TASK_NAMES)
    assert set(jobs.TASK_QUEUES) == set(jobs.TASK_NAMES)
