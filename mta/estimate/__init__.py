"""Assessment: rightsizing, consolidation (first-fit decreasing), cost and fit.

Pure functions over the typed models in ``mta.model``; nothing here reads or
writes files except ``settings`` (the user's settings and rules files).
"""

from .binpack import Item, first_fit_decreasing, lower_bound
from .cost import compute_savings
from .nodes import node_spec
from .rightsize import STRATEGIES, estimate_host, honour_plan, percentile
from .rules import RULES, evaluate_rules, fit_score, list_rules

__all__ = [
    "Item",
    "first_fit_decreasing",
    "lower_bound",
    "compute_savings",
    "node_spec",
    "STRATEGIES",
    "estimate_host",
    "honour_plan",
    "percentile",
    "RULES",
    "evaluate_rules",
    "fit_score",
    "list_rules",
]
