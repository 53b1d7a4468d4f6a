"""Command-time security: CVE matching of the SBOMs (``scan``, ``osv``,
``vercmp``), image SBOMs from a built image (``image_sbom``) and the secret
values re-read from a live host for operators (``secret_values``).

What is rendered with the artefacts is ``mta.render.security``; what the
plan decides (config placeholders, locks) is ``mta.plan.security``.
"""
