"""Rendering: one Jinja2 environment, view models, ``{path: text}`` out."""
