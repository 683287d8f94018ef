"""Odoo <-> ACE matching: candidates with their evidence in search.similarity_cache, and its evaluation."""

from partner_sync.match.evaluate import EvalResult, TruthFileError, evaluate, load_ranked, read_truth
from partner_sync.match.run import DIRECTIONS, MatchReport, Weights, run_match

__all__ = ["DIRECTIONS", "EvalResult", "MatchReport", "TruthFileError", "Weights", "evaluate", "load_ranked",
           "read_truth", "run_match"]
