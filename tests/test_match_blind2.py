"""The second blind matching benchmark's invariants (an APJ reseller-heavy partner, evaluation data only).

Only what must hold whatever the matcher's tuning: one-to-one truth, tags from the documented list, determinism
per seed, seeds that share no customers, the listed phenomena and noise on both sides (test_match_blind.py loads
both generators into core). No quality targets here: bench/blind2_match.py reports those.
"""

from __future__ import annotations

import re

import pytest

from partner_sync.dev.demo.blind2_match import MAX_SEEDS, TAGS, generate


def _customer_names(bench) -> set[str]:
    return {n for c in bench.customers for n in (c.roman, c.legal, c.native, c.trade, c.group) if n}


def test_generator_is_deterministic_and_seeds_share_no_customers():
    a, again, b = generate(150, 41), generate(150, 41), generate(150, 43)
    assert (a.odoo, a.ace, a.truth) == (again.odoo, again.ace, again.truth)
    assert (a.odoo, a.ace) != (b.odoo, b.ace)
    assert not _customer_names(a) & _customer_names(b)
    assert not {str(o["source_id"]) for o in a.odoo} & {str(o["source_id"]) for o in b.odoo}
    assert not {x["source_id"] for x in a.ace} & {x["source_id"] for x in b.ace}
    # within a seed only lookalikes (unrelated firms) and a group's subsidiaries reuse a root
    roots = [c.roman for c in a.customers if c.lookalike_of is None and c.group is None]
    assert len(roots) == len(set(roots))
    assert all(c.roman in roots for c in a.customers if c.lookalike_of is not None)
    with pytest.raises(ValueError, match="seed must be in"):
        generate(10, MAX_SEEDS)
    with pytest.raises(ValueError, match="customers must be in"):
        generate(10_000, 1)


@pytest.mark.parametrize("seed", [41, 43])
def test_truth_is_one_to_one_with_documented_tags_and_the_phenomena_occur(seed):
    bench = generate(200, seed)
    odoo_ids, ace_ids = [o for o, _, _ in bench.truth], [a for _, a, _ in bench.truth]
    assert len(odoo_ids) == len(set(odoo_ids)) and len(ace_ids) == len(set(ace_ids))
    odoo = {str(r["source_id"]): r for r in bench.odoo}
    ace = {r["source_id"]: r for r in bench.ace}
    assert len(odoo) == len(bench.odoo) and len(ace) == len(bench.ace)
    assert all(o in odoo and a in ace for o, a, _ in bench.truth)
    assert all(re.fullmatch(r"O[0-9]{1,19}", a) for a in ace)
    # every twin belongs to one customer on both sides
    assert all(bench.owner[f"odoo:{o}"] == bench.owner[f"ace:{a}"] for o, a, _ in bench.truth)
    used = {t for _, _, tags in bench.truth for t in tags.split(";")}
    assert used <= set(TAGS), used - set(TAGS)
    for phenomenon in ("siblings", "programme", "renewal_same_title", "group_member", "lookalike", "name_native",
                       "name_translit", "name_upper", "odoo_reseller", "odoo_contact_person", "odoo_migrated",
                       "odoo_dup", "odoo_native_title", "odoo_email_thread", "ace_native_title", "ace_rejected",
                       "ace_rejected_dup", "ace_closed_lost", "ace_masked", "aws_referral", "marketplace", "id_crm",
                       "id_crm_oldcrm", "id_odoo_ref", "account_one_side", "account_payer", "account_mangled",
                       "domain_junk", "domain_cctld", "domain_alliance_lead", "amount_local_ccy", "amount_zero",
                       "date_far"):
        assert phenomenon in used, phenomenon
    # noise on both sides: roughly half of each side has no twin
    assert 0.35 < 1 - len(bench.truth) / len(bench.odoo) < 0.75
    assert 0.25 < 1 - len(bench.truth) / len(bench.ace) < 0.65
    # the phenomena are in the rows, not only in the tags
    assert any(a["name"] == "Accept to View" and a["account_name"] == "Accept to View" for a in ace.values())
    assert any(a["status"] == "Rejected" and a["source_id"] not in ace_ids for a in ace.values())
    assert any(re.search(r"[\u3040-\u30ff\uac00-\ud7af\u0e00-\u0e7f\u0600-\u06ff\u0400-\u04ff\u4e00-\u9fff]",
                         o["partner_name"] or "") for o in odoo.values())
    assert any(o["description"] and o["description"].startswith("<p>") for o in odoo.values())
    assert any(o["aws_account_id"] and len(o["aws_account_id"]) == 11 for o in odoo.values()) or any(
        a["aws_account"] and len(a["aws_account"]) == 11 for a in ace.values())
    stale = [(o, a) for o, a, tags in bench.truth if "id_crm_stale" in tags.split(";")]
    assert all(not re.search(rf"(?<![0-9]){o}(?![0-9])", ace[a]["partner_crm_unique_identifier"]) for o, a in stale)
