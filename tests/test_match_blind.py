"""The blind matching benchmark's invariants (evaluation data written independently of the matcher).

Only what must hold whatever the matcher's tuning: one-to-one truth, truth ids present in core after a build,
tags from the documented list, determinism per seed, seeds that share no customers. No quality targets here:
bench/blind_match.py reports those.
"""

from __future__ import annotations

import pytest

from partner_sync.database import Database
from partner_sync.dev.demo.blind_match import MAX_SEEDS, TAGS, build, generate
from test_embed import minilm, warehouse_settings  # noqa: F401


def _customer_names(bench) -> set[str]:
    return {n for c in bench.customers for n in (c.brand, c.roman, c.legal, c.legal_en)}


def test_generator_is_deterministic_and_seeds_share_no_customers():
    a, again, b = generate(120, 3), generate(120, 3), generate(120, 4)
    assert (a.odoo, a.ace, a.truth) == (again.odoo, again.ace, again.truth)
    assert (a.odoo, a.ace) != (b.odoo, b.ace)
    assert not _customer_names(a) & _customer_names(b)
    # within a seed, only lookalikes (unrelated firms, other country) reuse a trade name
    brands = [c.roman for c in a.customers if c.lookalike_of is None]
    assert len(brands) == len(set(brands))
    with pytest.raises(ValueError, match="seed must be in"):
        generate(10, MAX_SEEDS)


def test_truth_is_one_to_one_with_documented_tags_and_the_phenomena_occur():
    bench = generate(200, 17)
    odoo_ids, ace_ids = [o for o, _, _ in bench.truth], [a for _, a, _ in bench.truth]
    assert len(odoo_ids) == len(set(odoo_ids)) and len(ace_ids) == len(set(ace_ids))
    assert len({r["source_id"] for r in bench.odoo}) == len(bench.odoo)
    assert len({r["source_id"] for r in bench.ace}) == len(bench.ace)
    used = {t for _, _, tags in bench.truth for t in tags.split(";")}
    assert used <= set(TAGS), used - set(TAGS)
    for phenomenon in ("siblings", "programme_siblings", "name_script", "ace_foreign_lang", "ace_boilerplate",
                       "odoo_terse", "id_crm", "id_stale", "ace_rejected_dup", "account_mangled", "domain_junk",
                       "domain_alliance_lead", "odoo_reseller", "odoo_contact_person", "lookalike", "date_far"):
        assert phenomenon in used, phenomenon
    # noise on both sides: opportunities without a twin
    assert len(bench.odoo) - len(bench.truth) > 0.3 * len(bench.odoo)
    assert len(bench.ace) - len(bench.truth) > 0.15 * len(bench.ace)


@pytest.mark.slow
@pytest.mark.parametrize("generator", ["blind", "blind2"])
def test_build_loads_every_truth_id_into_core_and_refuses_a_used_warehouse(make_db, minilm, generator):  # noqa: F811
    """Both blind generators (evaluation only) load into an empty warehouse the same way."""
    from partner_sync.dev.demo import blind2_match

    build_one = build if generator == "blind" else blind2_match.build
    url = make_db(generator)
    settings = warehouse_settings(url)
    with Database.from_settings(settings) as db:
        bench = build_one(settings, db, customers=25, seed=9)
        with db.get_connection() as conn:
            odoo = {str(r[0]) for r in conn.execute("SELECT source_id FROM core.odoo_opportunities")}
            ace = {r[0] for r in conn.execute("SELECT source_id FROM core.ace_opportunities")}
        assert len(odoo) == len(bench.odoo) and len(ace) == len(bench.ace)
        assert bench.truth and all(o in odoo and a in ace for o, a, _ in bench.truth)
        with pytest.raises(ValueError, match="empty warehouse"):
            build_one(settings, db, customers=5, seed=10)
