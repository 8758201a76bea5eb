"""The hashed locks agree with pyproject.toml, so `make lock` is not forgotten.

A dependency added to (or narrowed in) pyproject.toml without rewriting the locks would
install from the old lock and be missing; these tests say which one and the command.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)")
HINT = "run `make lock` and commit requirements.lock and requirements-dev.lock"


def _pins(name: str) -> dict[str, tuple[str, str]]:
    """``{package: (version, the whole entry)}`` of one lock file."""
    text = (ROOT / name).read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text)
    pins = {}
    for entry in entries:
        match = _PIN.match(entry)
        if match:
            pins[canonicalize_name(match.group(1))] = (match.group(2), entry)
    return pins


def _declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    raw = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(line) for line in raw]


@pytest.mark.parametrize(
    ("lock", "extras"), [("requirements.lock", (None,)), ("requirements-dev.lock", (None, "dev"))]
)
def test_every_declared_dependency_is_locked_within_its_range(
    lock: str, extras: tuple[str | None, ...]
) -> None:
    pins = _pins(lock)
    environment = default_environment()
    for extra in extras:
        for requirement in _declared(extra):
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            locked = pins.get(canonicalize_name(requirement.name))
            assert locked is not None, f"{requirement.name} is not in {lock}: {HINT}"
            assert requirement.specifier.contains(locked[0], prereleases=True), (
                f"{lock} has {requirement.name}=={locked[0]}, outside {requirement}: {HINT}"
            )


def test_every_locked_package_is_pinned_with_hashes() -> None:
    for lock in ("requirements.lock", "requirements-dev.lock"):
        pins = _pins(lock)
        assert pins, lock
        for name, (_version, entry) in pins.items():
            assert "--hash=sha256:" in entry, f"{name} in {lock} has no hash: {HINT}"


def test_runtime_lock_is_the_dev_lock_s_runtime_part() -> None:
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    for name, (version, _entry) in runtime.items():
        assert name in dev, f"{name} is locked for the service but not for development: {HINT}"
        assert dev[name][0] == version, f"{name}: {version} vs {dev[name][0]}: {HINT}"
