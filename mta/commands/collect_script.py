"""``mta collect-script``: the discovery probe as a standalone script.

For hosts mta cannot reach: the client runs it and sends back the output,
which ``mta import`` turns into discovery.yaml.
"""

from __future__ import annotations

import click

from ..discover.script import probe_script
from .options import option

HEADER = """\
# mta discovery script. Read-only: it changes nothing on this host, writes no
# file, needs no python. Run it (as root for a complete picture) with
#
#     sh collect.sh > "$(hostname).mta"
#
# and send back the .mta file. Then: mta import HOST.mta -o OUT
# It takes a few seconds{wait}; output is usually under 1 MB.
# Environment values that look secret are masked when imported, not here:
# treat the .mta file as confidential."""


@click.command("collect-script")
@option("sample_seconds", help="Sample CPU and memory for at least this long when sysstat history is absent "
                               "(0: over the script's own run, no wait).")
@click.option("--no-http-checks", is_flag=True, help="Do not GET / on the host's own listening ports.")
def command(sample_seconds: float, no_http_checks: bool) -> None:
    """Print the discovery probe as a standalone sh script (redirect to collect.sh)."""
    click.echo(
        probe_script(sample_seconds=sample_seconds, http_checks=not no_http_checks,
                     header=HEADER.format(wait=f" (at least {sample_seconds:g}: the CPU/memory sample)"
                                          if sample_seconds else "")),
        nl=False,
    )
