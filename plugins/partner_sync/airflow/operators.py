"""Operators for stages whose SQL a user wants to see in the Airflow UI (Rendered Template tab)."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator

from partner_sync.airflow.task_bodies import run_stage_in_task
from partner_sync.source_defs import SourceDef


class TransformOperator(BaseOperator):
    """The transform stage, its include/sql/transform templates rendered through Airflow's template fields.

    Rendering is Jinja (``{{ ds }}``, macros) on top of the engine's own named parameters, which pass through
    untouched; the engine then runs the rendered text (lineage hashes the rendered text).
    """

    template_fields = ("sql_templates",)
    template_ext = (".sql",)
    ui_color = "#e8f4ff"

    def __init__(self, *, source: SourceDef, sql_templates: dict[str, str], **kwargs: Any):
        super().__init__(**kwargs)
        self.source = source
        self.sql_templates = sql_templates

    def execute(self, context: Any) -> str:
        return run_stage_in_task(self.source, "transform", context, dict(self.sql_templates))
