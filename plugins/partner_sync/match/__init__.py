"""Odoo <-> ACE matching: candidates, calibrated probabilities, one-to-one assignment, decisions, evaluation."""

from partner_sync.match.evaluate import EvalResult, TruthFileError, evaluate, load_ranked, read_truth
from partner_sync.match.run import DIRECTIONS, MatchReport, run_match

__all__ = ["DIRECTIONS", "EvalResult", "MatchReport", "TruthFileError", "evaluate", "load_ranked", "read_truth",
           "run_match"]
