"""How generated Python values become column values: money as Decimal, jsonb as JSON text, translated names.

Why: COPY writes text, so jsonb is serialised once here (unicode kept, keys sorted for stable output)
and monetary amounts are rounded to cents the way Odoo and ACE store them.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def money(x: float) -> Decimal:
    """Two-decimal Decimal (Odoo monetary / ACE currency amounts)."""
    return Decimal(f"{x:.2f}")


def jsonb(value: Any) -> str | None:
    """JSON text for a jsonb column (None stays SQL NULL)."""
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def translated(en: str | None, fr: str | None) -> str:
    """Odoo 16+ translated field {"en_US": ..., "fr_FR": ...}; either language may be missing."""
    out = {}
    if en is not None:
        out["en_US"] = en
    if fr is not None:
        out["fr_FR"] = fr
    return jsonb(out)
