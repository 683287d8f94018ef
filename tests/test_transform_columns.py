"""Transform upserts take their column lists from the ``rows`` CTE and the target's catalog: a new core column is
its migration plus one edit in the SELECT; a SELECT column the target lacks is a clear error."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from partner_sync.source_defs import load_source
from partner_sync.transform import TransformError, transform_target

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def env(demo_env):
    demo_env.run("odoo")
    return demo_env


def _include_with(tmp_path: Path, template: str, old: str, new: str) -> Path:
    include = tmp_path / "include"
    shutil.copytree(ROOT / "include", include)
    path = include / "sql" / "transform" / f"{template}.sql"
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))
    return include


def _target(name: str):
    return next(t for t in load_source(ROOT / "include", "odoo").transforms if t.template == name)


def _job(env) -> uuid.UUID:
    return env.query("SELECT job_id FROM ops.sync_jobs ORDER BY started_at DESC LIMIT 1")[0][0]


def test_a_new_core_column_is_one_edit_in_the_select(env, tmp_path):
    accounts = env.query("SELECT count(*) FROM core.aws_accounts")[0][0]
    assert accounts > 0
    env.execute(env.wh, "ALTER TABLE core.aws_accounts ADD COLUMN account_label text")  # its migration
    try:
        include = _include_with(tmp_path, "aws_accounts", "           acc.id AS source_id\n",
                                "           acc.name || ' (' || acc.account_id || ')' AS account_label,\n"
                                "           acc.id AS source_id\n")
        result = transform_target(env.settings.conn("warehouse_db"), include, _target("aws_accounts"),
                                  job_id=_job(env))
        assert result.mode == "rebuild" and result.updated == accounts and result.inserted == 0
        assert env.query("SELECT count(*) FROM core.aws_accounts "
                         "WHERE account_label = account_name || ' (' || account_id || ')'") == [(accounts,)]
        again = transform_target(env.settings.conn("warehouse_db"), include, _target("aws_accounts"),
                                 job_id=_job(env), full=True)
        assert (again.inserted, again.updated) == (0, 0)  # the generated comparison covers the new column too
    finally:
        env.execute(env.wh, "ALTER TABLE core.aws_accounts DROP COLUMN account_label")
        transform_target(env.settings.conn("warehouse_db"), ROOT / "include", _target("aws_accounts"),
                         job_id=_job(env))


def test_a_select_column_the_target_lacks_is_named(env, tmp_path):
    before = env.query("SELECT count(*), max(updated_at) FROM core.odoo_opportunities")
    include = _include_with(tmp_path, "odoo_opportunities", "           l.type AS lead_type, l.active,\n",
                            "           l.type AS lead_type, l.active, l.color AS lead_colour,\n")
    with pytest.raises(TransformError, match=r"lead_colour.*core\.odoo_opportunities.*migration"):
        transform_target(env.settings.conn("warehouse_db"), include, _target("odoo_opportunities"),
                         job_id=_job(env), full=True)
    assert env.query("SELECT count(*), max(updated_at) FROM core.odoo_opportunities") == before
