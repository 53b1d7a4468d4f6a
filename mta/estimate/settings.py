"""Settings and rules files, and settings fields as CLI options.

Layering: command-line option > settings file > built-in default. Each field
of ``Settings.rightsizing``, ``.node`` and ``.price`` is one option:
rightsizing fields keep their name (``--strategy``, ``--cpu-comfort``), the
others are prefixed with their section (``--node-cpu``, ``--price-vcpu-hour``).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from pydantic import ValidationError

from ..errors import InputError
from ..io import describe_validation_error, load_model
from ..model.estimate import CostSettings, NodeSettings, PriceSettings, RightsizingSettings, RulesFile, Settings
from .prices import price_table
from .rules import RULES

SECTIONS: dict[str, type] = {"rightsizing": RightsizingSettings, "node": NodeSettings, "price": PriceSettings}


@dataclass(frozen=True)
class OptionSpec:
    section: str
    field: str
    flag: str  # "--node-cpu"
    dest: str  # python identifier click uses
    type: Any  # float, int, str or a tuple of choices
    help: str


def option_specs() -> list[OptionSpec]:
    """One CLI option per settings field."""
    specs = []
    for section, model in SECTIONS.items():
        for name, info in model.model_fields.items():
            if name == "source":
                continue  # prose, belongs in the settings file
            flag = name.replace("_", "-")
            if section != "rightsizing":
                flag = f"{section}-{flag}"
            ann = info.annotation
            if typing.get_origin(ann) is typing.Literal:
                kind: Any = tuple(typing.get_args(ann))
            else:
                kind = ann if ann in (int, float, str) else str
            default = info.default
            specs.append(
                OptionSpec(section, name, f"--{flag}", flag.replace("-", "_"), kind,
                           f"{info.description or name} [default: {default}]")
            )
    return specs


def load_settings(path: Optional[Union[str, Path]] = None, overrides: Optional[dict[str, Any]] = None) -> Settings:
    """Settings from ``path`` (YAML) with ``{dest: value}`` CLI overrides on top."""
    settings = load_model(path, Settings) if path else Settings()
    if not overrides:
        return settings
    data = settings.model_dump()
    by_dest = {s.dest: s for s in option_specs()}
    for dest, value in overrides.items():
        if value is None:
            continue
        spec = by_dest[dest]
        data[spec.section][spec.field] = value
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise InputError(describe_validation_error("command-line options", exc)) from None


def load_costs(settings: Settings, path: Optional[Union[str, Path]] = None, **overrides: Optional[str]) -> Settings:
    """``settings`` with the costs file (``--costs``) and ``--cloud/--region/--family/--discount`` on top.

    The prices they pick are checked here, so a wrong region fails before any host is read."""
    costs = load_model(path, CostSettings) if path else settings.costs
    data = costs.model_dump()
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        costs = CostSettings.model_validate(data)
    except ValidationError as exc:
        raise InputError(describe_validation_error("command-line options", exc)) from None
    out = settings.model_copy(update={"costs": costs})
    price_table(out)
    return out


def load_rules(path: Optional[Union[str, Path]] = None) -> Optional[RulesFile]:
    """The rules file, checked against the known rule ids."""
    if not path:
        return None
    rules = load_model(path, RulesFile)
    unknown = sorted(set(rules.rules) - set(RULES))
    if unknown:
        raise InputError(
            f"{path}: unknown rule id {unknown[0]!r}",
            hint="`mta rules` lists the rule ids",
        )
    return rules
