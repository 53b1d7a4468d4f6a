"""``mta report OUT [OUT2 ...]``: the portfolio assessment in html, md, csv and json."""

from __future__ import annotations

from pathlib import Path

import click

from ..estimate.prices import CLOUDS
from ..estimate.settings import load_costs, load_rules, load_settings, option_specs
from ..report.formats import FORMATTERS
from ..report.write import write_report
from ..text import count


def _settings_options(fn):
    # Every settings field is an option (krr-style), so a one-off change needs
    # no settings file; the file still wins over built-in defaults.
    for spec in reversed(option_specs()):
        kind = click.Choice(spec.type) if isinstance(spec.type, tuple) else spec.type
        fn = click.option(spec.flag, spec.dest, type=kind, default=None, help=spec.help)(fn)
    return fn


@click.command("report")
@click.argument("outs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "formats", default="html,md,csv,json", show_default=True,
              help="Comma-separated formats: " + ", ".join(FORMATTERS) + ".")
@click.option("--settings", "settings_file", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML settings file (rightsizing, node, price); options override it. "
                   "Example: templates/report/settings.example.yaml.")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML rules file: switch rules off or change severities (see `mta rules`).")
@click.option("--costs", "costs_file", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML costs file: cloud, region, discount, storage, cluster fee, OS licences, operations, "
                   "day rate (`mta schema costs`; example: templates/report/costs.example.yaml).")
@click.option("--cloud", type=click.Choice(CLOUDS), default=None,
              help="Price the VMs and the nodes at this cloud's shipped list prices [default: gcp].")
@click.option("--region", default=None, help="Region of the price table (an unknown one lists the valid ones).")
@click.option("--family", default=None, help="Node family of the price table: m6i, m7i, Dsv5, Dv5, n2, e2.")
@click.option("--discount", default=None,
              help="Compute discount: none, a committed-use term the table ships (gcp: 1y, 3y) or a percentage (30%).")
@_settings_options
def command(outs: tuple[Path, ...], formats: str, settings_file: Path | None, rules_file: Path | None,
            costs_file: Path | None, cloud: str | None, region: str | None, family: str | None,
            discount: str | None, **overrides) -> None:
    """Assess the hosts under OUT (several OUTs merge) and write the report into the first OUT."""
    settings = load_settings(settings_file, overrides)
    settings = load_costs(settings, costs_file, cloud=cloud, region=region, family=family, discount=discount)
    rules = load_rules(rules_file)
    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    report, written = write_report(list(outs), chosen, settings, rules)
    s, c = report.savings, report.costs
    click.echo(
        f"{count(report.summary.hosts_assessed, 'host')} assessed, {report.summary.hosts_failed} failed, "
        f"{count(report.summary.apps, 'app')}; {count(s.before.machines, 'VM')} -> {count(s.after.machines, 'node')}; "
        f"{c.monthly_before:,.0f} -> {c.monthly_after:,.0f} {c.prices.currency}/month all costs "
        f"({c.prices.cloud} {c.prices.family}{' ' + c.prices.region if c.prices.region else ''})"
    )
    for path in written:
        click.echo(f"wrote {path}")
