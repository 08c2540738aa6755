"""The house rules of scripts/check can fail: a planted violation of each one is caught.

Each test copies the source, plants one import or call a rule forbids, and runs the real
checker on the copy; the checked-in tree itself passes them in scripts/check.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# Each contract of pyproject.toml: the file planted, the line appended to it, and what the
# report of the broken contract must name.
PLANTS = {
    "Layers only import downwards": (
        "domain/planted_layer.py",
        "import tracemes.services\n",
        ["tracemes.domain.planted_layer -> tracemes.services"],
    ),
    "Edges reach the database only through services": (
        "web/planted_store.py",
        "import tracemes.store\n",
        ["tracemes.web.planted_store -> tracemes.store"],
    ),
    "The domain is pure: no database, web, HTTP, PDF or spreadsheet package": (
        "domain/planted_io.py",
        "import sqlalchemy\n",
        ["tracemes.domain.planted_io -> sqlalchemy"],
    ),
    "Pages take from the API only its dependencies": (
        "web/planted_api.py",
        "from tracemes.api import items\n",
        ["tracemes.web.planted_api -> tracemes.api.items"],
    ),
    # shop_floor already imports inspection: the reverse import closes a cycle.
    "Services call each other without a cycle": (
        "services/inspection.py",
        "from tracemes.services import shop_floor  # noqa\n",
        [".shop_floor", ".inspection"],
    ),
}


def _copy(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(
        ROOT / "src" / "tracemes",
        tmp_path / "src" / "tracemes",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "translations"),
    )
    return tmp_path / "src" / "tracemes"


def _lint_imports(tmp_path: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    done = subprocess.run(
        [BIN / "lint-imports", "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout + done.stderr


@pytest.mark.skipif(not (BIN / "lint-imports").exists(), reason="import-linter not installed")
def test_every_import_contract_catches_its_planted_violation(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    kept = _lint_imports(tmp_path)
    for contract in PLANTS:
        assert f"{contract} KEPT" in kept, kept
    for path, line, _ in PLANTS.values():
        with (package / path).open("a") as planted:
            planted.write(line)

    report = _lint_imports(tmp_path).split("Broken contracts", 1)[-1]

    for contract, (_, _, named) in PLANTS.items():
        assert f"\n{contract}\n" in report, report
        section = report.split(f"\n{contract}\n", 1)[1]
        for other in PLANTS:
            section = section.split(f"\n{other}\n", 1)[0]
        for words in named:
            assert words in section, (contract, section)


@pytest.mark.skipif(not (BIN / "ruff").exists(), reason="ruff not installed")
@pytest.mark.parametrize(
    "call",
    [
        "from datetime import datetime, UTC\n\nNOW = datetime.now(UTC)\n",
        "from datetime import date\n\nTODAY = date.today()\n",
        "import time\n\nNOW = time.time()\n",
    ],
)
def test_the_domain_may_not_read_the_clock(tmp_path: Path, call: str) -> None:
    package = _copy(tmp_path)
    for where, banned in (("domain", True), ("services", False)):
        planted = package / where / "planted_clock.py"
        planted.write_text(f'"""A planted clock."""\n\n{call}')
        done = subprocess.run(
            [BIN / "ruff", "check", "--no-cache", planted],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert ("TID251" in done.stdout) is banned, (where, done.stdout)
