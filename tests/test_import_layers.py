"""The layers, enforced: ``lint-imports`` (import-linter) checks the contracts in pyproject.toml.

The engine never imports Airflow, configuration imports no source, dev tooling stays out of the engine and
the DAGs, and no two sibling modules import each other. Runs in ``make test``; CI fails on a broken contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "plugins" / "partner_sync"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
DEV = "dev"  # partner_sync.dev: demo data, the embedded server, the local Airflow


def _lint(project: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` on the package under ``project/plugins``, with that project's pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(project / "plugins"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=project, env=env, capture_output=True, text=True,
                          timeout=120)


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def _children(folder: Path) -> set[str]:
    """Modules and subpackages directly under ``folder``."""
    return ({p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
            | {p.name for p in folder.iterdir() if (p / "__init__.py").is_file()})


def test_import_contracts_hold():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_module_falls_under_the_contracts():
    """A new engine module must be listed in the contracts, or it would escape them unnoticed."""
    contracts = _contracts()
    engine = {m.removeprefix("partner_sync.") for m in contracts["engine-without-airflow"]["source_modules"]}
    children = _children(PACKAGE)
    wrappers = {"airflow"} | {m for m in children if m == "cli" or m.startswith("cli_")}  # they wrap the engine
    assert engine | wrappers == children
    kept_apart = set(contracts["dev-tooling-apart"]["source_modules"])
    airflow_side = {f"partner_sync.airflow.{m}" for m in _children(PACKAGE / "airflow")}
    assert airflow_side <= kept_apart
    assert {f"partner_sync.{m}" for m in engine - {DEV}} <= kept_apart
    assert contracts["dev-tooling-apart"]["forbidden_modules"] == [f"partner_sync.{DEV}"]


def test_a_broken_contract_fails_the_check(tmp_path):
    """The check is live: the same package with one forbidden import (pipeline -> Airflow) fails it."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(PACKAGE, tmp_path / "plugins" / "partner_sync", ignore=shutil.ignore_patterns("__pycache__"))
    pipeline = tmp_path / "plugins" / "partner_sync" / "pipeline.py"
    pipeline.write_text(pipeline.read_text() + "\n\ndef _airflow_version() -> str:\n"
                        "    import airflow\n\n    return airflow.__version__\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "partner_sync.pipeline -> airflow" in result.stdout
