"""The wizard: questions as data, layered answers, questionary prompts.

``questions`` and ``answers`` are plain functions others use (generate,
batch); ``flow`` and ``prompts`` are the interactive part and import
questionary only when run.
"""

from .answers import layer, load_answers, parse_set, resolve_answers, validate_answers
from .questions import Question, questions_for

__all__ = ["Question", "layer", "load_answers", "parse_set", "questions_for", "resolve_answers", "validate_answers"]
