"""The wizard: asks the plan's questions (``mta.plan.answers``) with
questionary prompts and writes the answers file that replays the run.

``flow`` and ``prompts`` are the interactive part and import questionary only
when run.
"""
