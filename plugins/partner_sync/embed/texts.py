"""Which core tables are embedded, by which source's run, and where their texts are defined.

Each entity has two texts (seed: ``embedding_type``): ``identity`` (who the customer is: company, domain,
country) and ``context`` (for opportunities the project: title, description, use case, products; never stage
or owner, so a stage change does not re-embed), written as SQL in ``include/sql/search/texts/<table>.sql``
so the text is built where the data is and hashed there too.

The odoo run embeds Odoo opportunities and AWS accounts (both come from Odoo); the apn run embeds ACE
opportunities. Each run thus embeds exactly what its own transform just changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from partner_sync.sql_files import load_sql

EMBEDDING_TYPES = ("identity", "context")


@dataclass(frozen=True)
class Entity:
    """One embedded core table; ``table`` is also ``search.embeddings.source_table``."""

    table: str
    key: str  # core column whose text form is search.embeddings.source_id
    source: str  # the pipeline source whose embed stage keeps it current
    alias: str  # short name for `partner_sync search --entity`
    label_sql: str  # a short display label for search results

    def texts_sql(self, include_dir: Path) -> str:
        return load_sql(include_dir, f"search/texts/{self.table}")


ENTITIES: dict[str, Entity] = {
    "odoo_opportunities": Entity("odoo_opportunities", "source_id", "odoo", "odoo",
                                 "concat_ws(' / ', name, partner_name)"),
    "ace_opportunities": Entity("ace_opportunities", "source_id", "apn", "ace",
                                "concat_ws(' / ', name, account_name)"),
    "aws_accounts": Entity("aws_accounts", "account_id", "odoo", "aws",
                           "concat_ws(' / ', account_name, company_name)"),
}
ALIASES = {e.alias: e for e in ENTITIES.values()}


def entities_for_source(source_name: str) -> list[Entity]:
    """The entities a source's embed stage keeps current (empty for a source with no core tables)."""
    return [e for e in ENTITIES.values() if e.source == source_name]


def entity(name: str) -> Entity:
    """An entity by table name or alias (odoo, ace, aws)."""
    found = ENTITIES.get(name) or ALIASES.get(name)
    if found is None:
        raise ValueError(f"unknown entity {name!r}; one of {', '.join(ALIASES)} "
                         f"(tables {', '.join(ENTITIES)})")
    return found
