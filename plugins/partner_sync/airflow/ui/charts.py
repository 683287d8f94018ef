"""A check's trend as a small inline SVG: one bar per run, colour = verdict, height = share of rows that failed."""

from __future__ import annotations

from html import escape
from typing import Any

COLOURS = {"pass": "#2e7d32", "warn": "#ed6c02", "fail": "#c62828", "skip": "#9e9e9e"}
BAR, GAP, HEIGHT, MIN_BAR = 7, 2, 28, 4


def trend_svg(points: list[dict[str, Any]], runs: int = 30) -> str:
    """``points``: oldest first, each with result, checked, failed, at. Passing runs draw a short bar."""
    points = points[-runs:]
    width = max(1, len(points)) * (BAR + GAP)
    bars = []
    for i, p in enumerate(points):
        checked, failed = p.get("checked") or 0, p.get("failed") or 0
        share = failed / checked if checked else (1.0 if p["result"] == "fail" else 0.0)
        h = MIN_BAR if p["result"] in ("pass", "skip") else max(MIN_BAR + 2, round(HEIGHT * min(1.0, share)))
        title = f"{(p.get('at') or '')[:16].replace('T', ' ')} {p['result']}: {failed} of {checked} rows failed"
        bars.append(f'<rect x="{i * (BAR + GAP)}" y="{HEIGHT - h}" width="{BAR}" height="{h}" '
                    f'fill="{COLOURS.get(p["result"], "#9e9e9e")}"><title>{escape(title)}</title></rect>')
    passed = sum(1 for p in points if p["result"] == "pass")
    judged = sum(1 for p in points if p["result"] != "skip")
    label = f"{passed}/{judged} passed" if judged else "no runs"
    return (f'<svg class="trend" role="img" aria-label="trend: {label}" width="{width}" height="{HEIGHT}" '
            f'viewBox="0 0 {width} {HEIGHT}">{"".join(bars)}</svg>')
