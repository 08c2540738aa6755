"""The two lock files agree: the demo's runtime is the very one the tests run on."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)", re.MULTILINE)


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    return {_normal(name): version for name, version in PIN.findall(text)}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()


def _requirement_name(requirement: str) -> str:
    return _normal(re.split(r"[<>=!~;\s]", requirement, maxsplit=1)[0])


def test_every_runtime_pin_is_the_same_version_in_the_development_lock() -> None:
    runtime, development = _pins("requirements.lock"), _pins("requirements-dev.lock")

    differing = {
        name: (version, development.get(name))
        for name, version in runtime.items()
        if development.get(name) != version
    }

    assert runtime, "requirements.lock pins nothing"
    assert differing == {}


def test_the_runtime_lock_holds_every_dependency_and_no_development_tool() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _pins("requirements.lock")
    needed = {_requirement_name(r) for r in project["dependencies"]}
    tools = {_requirement_name(r) for r in project["optional-dependencies"]["dev"]}

    assert needed - runtime.keys() == set()
    assert tools & runtime.keys() == set()
