"""Recipes, one module per runtime family (see ``registry``): base image,
build stages, where code and config go in the image, which dirs the non-root
user must own.

Steps are shell text that a person reviews in plan.yaml; every discovered
value in them goes through ``shell.q``.
"""

from .registry import UID, Family, Recipe, claimed, families, family_of, naive_size, recipe, register

__all__ = ["UID", "Family", "Recipe", "claimed", "families", "family_of", "naive_size", "recipe", "register"]
