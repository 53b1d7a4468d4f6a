"""The portfolio report: one Report model (``build``), several formats
(``formats``: html, md, csv, json, xlsx), written by ``write.write_report``.

Nothing is imported here: discover and batch use ``mta.report.collect`` (the
report cache) on every run, and the builder and the formats (xlsxwriter,
jinja2) would cost them a second of start-up.
"""
