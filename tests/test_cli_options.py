"""One option vocabulary: every command's --help, walked in-process.

A connect option (or -o/--out, -j/--parallel, --sample-seconds) that differs
between two commands in its names, short form or default fails here; so does
a short form reused for something else, and a command that connects without
the core connect options.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mta.cli import cli, main
from mta.commands import options

#: commands that reach a host, and the connect options each must take
CONNECTING = {
    "discover": set(options.CONNECT),
    "extract": set(options.CONNECT),
    "batch": {"identity", "user", "port", "sudo", "jump", "accept_new_host_key", "known_hosts"},
    "wizard": {"identity", "user", "port", "sudo", "jump", "accept_new_host_key", "known_hosts",
               "password_prompt", "no_agent"},
}
#: the same long flag with another meaning in a command that does not connect
OTHER_MEANING = {("verify", "--timeout")}


def _commands(group: click.Group = cli, prefix: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # commands load on first use
        cmd = group.get_command(ctx, name)
        path = (*prefix, name)
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, path)
        else:
            yield path, cmd


def _vocabulary() -> dict[str, tuple[tuple[str, ...], object]]:
    """long flag -> (all its declarations, default) as options.py defines them."""
    vocab = {}
    for name, (decls, kw) in {**options.CONNECT, **options.COMMON}.items():
        vocab[options.flag_of(name)] = (tuple(sorted(decls)), kw.get("default", False if kw.get("is_flag") else None))
    vocab["--out"] = (("--out", "-o"), None)
    return vocab


ALL = list(_commands())
assert len(ALL) > 10, "every command of mta, from cli.COMMANDS"


def _default(param: click.Option) -> object:
    """The declared default; click 8.2+ says UNSET where older ones said None."""
    d = param.default
    return None if d is None or type(d).__name__ == "Sentinel" else d


@pytest.mark.parametrize("path,cmd", ALL, ids=[" ".join(p) for p, _ in ALL])
def test_help_uses_the_one_vocabulary(path, cmd):
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    vocab = _vocabulary()
    shorts = {d: long for long, (decls, _) in vocab.items() for d in decls if not d.startswith("--")}
    for param in cmd.params:
        if not isinstance(param, click.Option) or param.hidden:
            continue
        decls = tuple(sorted(param.opts + param.secondary_opts))
        for d in decls:
            if d in shorts:
                assert shorts[d] in decls, f"mta {' '.join(path)}: {d} means {decls}, elsewhere {shorts[d]}"
        for long in (d for d in decls if d in vocab):
            if (path[-1], long) in OTHER_MEANING:
                continue
            want_decls, want_default = vocab[long]
            assert decls == want_decls, f"mta {' '.join(path)}: {long} is spelled {decls}, elsewhere {want_decls}"
            if long != "--out":  # required in some, a default directory in others
                assert _default(param) == want_default, (
                    f"mta {' '.join(path)}: {long} defaults to {_default(param)!r}, elsewhere {want_default!r}")
            assert long in result.output, f"mta {' '.join(path)} --help does not show {long}"


@pytest.mark.parametrize("name", sorted(CONNECTING))
def test_every_connecting_command_takes_the_connect_options(name):
    cmd = cli.get_command(click.Context(cli), name)
    have = {p.name for p in cmd.params if isinstance(p, click.Option)}
    assert CONNECTING[name] <= have, f"mta {name} lacks {sorted(CONNECTING[name] - have)}"


def test_old_spellings_still_work_with_one_note(tmp_path, capsys):
    script = tmp_path / "host.mta"
    script.write_text("")  # empty output: an error after the options were read
    main(["import", str(script), "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert err.count("--output is deprecated, use --out") == 1
    assert "Missing option" not in err


def test_out_is_still_required_where_it_was(tmp_path, capsys):
    assert main(["import", str(tmp_path / "x.mta")]) == 2
    assert "--out" in capsys.readouterr().err


def test_batch_flags_are_defaults_below_the_inventory(tmp_path):
    from mta.commands.batch import inventory_defaults
    from mta.inventory import load_inventory

    (tmp_path / "inv.yaml").write_text(textwrap.dedent("""\
        hosts:
          - {name: a, address: 10.0.0.1}
          - {name: b, address: 10.0.0.2, user: admin, port: 2200, sudo: false}
    """))
    given = {"identity": "keys/id", "user": "deploy", "port": 2222, "sudo": True, "jump": "bastion",
             "accept_new_host_key": True, "known_hosts": None, "sample_seconds": 2.0}
    inv = load_inventory(tmp_path / "inv.yaml", defaults=inventory_defaults(given))
    a, b = inv.targets
    assert (a.user, a.port, a.sudo, a.jump, a.accept_new_host_key) == ("deploy", 2222, True, "bastion", True)
    assert a.key == str(Path("keys/id").resolve())  # relative to where the command ran
    assert (b.user, b.port, b.sudo) == ("admin", 2200, False)  # the inventory's own settings win


def test_batch_accepts_the_old_host_key_flag(tmp_path, capsys):
    (tmp_path / "inv.yaml").write_text("hosts:\n  - {name: a, discovery: nowhere.yaml}\n")
    main(["batch", str(tmp_path / "inv.yaml"), "-o", str(tmp_path / "out"), "--accept-new-host-keys",
          "--workers", "1"])
    err = capsys.readouterr().err
    assert "--accept-new-host-keys is deprecated, use --accept-new-host-key" in err


def test_inventory_key_spelled_like_the_flag_old_one_noted(tmp_path, capsys):
    from mta.inventory import load_inventory

    (tmp_path / "new.yaml").write_text("all: {identity: keys/id}\nhosts: [10.0.0.1]\n")
    (tmp_path / "old.yaml").write_text("all: {key: keys/id}\nhosts: [10.0.0.1, 10.0.0.2]\n")
    (tmp_path / "old.csv").write_text("name,address,key\nweb,10.0.0.3,keys/id\n")
    new = load_inventory(tmp_path / "new.yaml")
    old = load_inventory(tmp_path / "old.yaml")
    csv = load_inventory(tmp_path / "old.csv")
    want = str(tmp_path / "keys" / "id")
    assert new.targets[0].key == old.targets[0].key == csv.targets[0].key == want
    assert new.notes == []
    assert len(old.notes) == 1 and "'key' is deprecated, write 'identity'" in old.notes[0]
    assert main(["inventory", "check", str(tmp_path / "old.yaml")]) == 1  # the key file is missing
    assert capsys.readouterr().err.count("'key' is deprecated") == 1
