"""Demo sources for partner_sync: a real-looking Odoo 17 database and an ACE/Partner Central database whose
opportunities are (partly) twins of the Odoo ones, plus the ground truth of which pairs are twins.

Entry point: ``partner_sync.dev.demo.seed.seed_demo``. See docs/demo_sources.md.
"""
