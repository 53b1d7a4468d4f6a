"""Inventory formats: what each yields, and errors that name file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mta.cli import main
from mta.errors import InputError
from mta.inventory import load_inventory


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"))
    return p


def by_name(inv):
    return {t.name: t for t in inv.targets}


def raises_at(path: Path, line: int, *words: str):
    """Assert the InputError message starts with path:line and mentions words."""

    class _Ctx:
        def __enter__(self):
            self.cm = pytest.raises(InputError)
            self.info = self.cm.__enter__()
            return self.info

        def __exit__(self, *exc):
            handled = self.cm.__exit__(*exc)
            msg = self.info.value.message
            assert msg.startswith(f"{path}:{line}:"), msg
            for w in words:
                assert w in msg, msg
            return handled

    return _Ctx()


# ------------------------------------------------------------------ mta YAML


def test_own_yaml_layers_all_group_host(tmp_path):
    (tmp_path / "snap").mkdir()
    (tmp_path / "snap" / "discovery.yaml").write_text("host: x\n")
    p = write(tmp_path, "inv.yaml", """
        schema_version: 1
        all:
          user: deploy
          port: 2222
          answers: {targets.swarm: false, k8s.namespace: all}
        groups:
          web:
            key: keys/web
            answers:
              k8s: {namespace: web}
          prod:
            sudo: true
            answers: {k8s.ingress_host: shop.example.com}
        hosts:
          - name: web1
            address: 10.0.0.5
            groups: [web, prod]
            answers: {apps.tomcat.replicas: 2}
          - name: web2
            address: 10.0.0.6
            groups: [web]
            user: root
            port: 22
          - 10.0.0.9
          - name: legacy
            discovery: snap/discovery.yaml
        """)
    inv = load_inventory(p)
    assert inv.format == "mta"
    t = by_name(inv)
    assert list(t) == ["web1", "web2", "10.0.0.9", "legacy"]
    w1 = t["web1"]
    assert (w1.address, w1.port, w1.user, w1.sudo) == ("10.0.0.5", 2222, "deploy", True)
    assert w1.key == str(tmp_path / "keys" / "web")
    assert w1.groups == ("web", "prod")
    assert w1.answers == {
        "targets.swarm": False,
        "k8s.namespace": "web",
        "k8s.ingress_host": "shop.example.com",
        "apps.tomcat.replicas": 2,
    }
    assert (t["web2"].user, t["web2"].port, t["web2"].sudo) == ("root", 22, False)
    assert t["10.0.0.9"].address == "10.0.0.9" and t["10.0.0.9"].answers == {"targets.swarm": False,
                                                                                "k8s.namespace": "all"}
    legacy = t["legacy"]
    assert legacy.offline and legacy.address == ""
    assert legacy.discovery == str(tmp_path / "snap" / "discovery.yaml")
    assert w1.source == f"{p}:15" and legacy.source == f"{p}:25"


def test_own_yaml_unknown_field_points_at_line(tmp_path):
    p = write(tmp_path, "inv.yaml", """
        hosts:
          - name: a
            address: 10.0.0.1
          - name: b
            adress: 10.0.0.2
        """)
    with raises_at(p, 5, "host b", "adress", "unknown field"):
        load_inventory(p)


def test_own_yaml_bad_port_and_answer_id_point_at_line(tmp_path):
    p = write(tmp_path, "inv.yaml", """
        groups:
          web:
            port: 99999
        hosts: [a]
        """)
    with raises_at(p, 3, "group web", "port"):
        load_inventory(p)
    p = write(tmp_path, "inv2.yaml", """
        all:
          answers:
            k8s.namespace: x
            k8s.namspace: y
        hosts: [a]
        """)
    with raises_at(p, 2, "k8s.namspace"):
        load_inventory(p)


def test_own_yaml_undefined_group_and_duplicate_host(tmp_path):
    p = write(tmp_path, "inv.yaml", """
        hosts:
          - name: a
            groups: [nope]
        """)
    with raises_at(p, 3, "'nope'", "not defined"):
        load_inventory(p)
    p = write(tmp_path, "dup.yaml", """
        hosts:
          - name: a
          - name: b
          - name: a
            address: 10.1.1.1
        """)
    with raises_at(p, 4, "already defined", f"{p}:2"):
        load_inventory(p)


def test_malformed_yaml_and_not_an_inventory(tmp_path):
    p = write(tmp_path, "bad.yaml", """
        hosts:
          - name: a
           address: x
        """)
    with raises_at(p, 3, "malformed YAML"):
        load_inventory(p)
    p = write(tmp_path, "other.yaml", "- just\n- a list\n")
    with raises_at(p, 1, "not an inventory"):
        load_inventory(p)


def test_host_name_must_be_a_safe_directory_name(tmp_path):
    p = write(tmp_path, "inv.yaml", """
        hosts:
          - name: ../etc
            address: 10.0.0.1
        """)
    with raises_at(p, 2, "directory name"):
        load_inventory(p)


# ------------------------------------------------------------------ Ansible INI


def test_ansible_ini_groups_children_vars_ranges(tmp_path):
    p = write(tmp_path, "hosts", """
        # a comment
        bastion ansible_host=192.0.2.10 ansible_user=ops

        [web]
        web[01:03].example.com
        web-extra.example.com:2200 ansible_ssh_private_key_file=keys/extra mta_answers='{"apps.web.replicas": 3}'

        [db]
        db-[a:b] ansible_host=192.0.2.20

        [web:vars]
        ansible_user=www
        mta_answers={"k8s.namespace": "web"}

        [prod:children]
        web
        db

        [prod:vars]
        ansible_user=produser
        ansible_port=2222
        ansible_become=yes
        mta_deadline=120

        [db:vars]
        ansible_ssh_common_args='-o ProxyJump=ops@bastion.example.com:2222'

        [all:vars]
        ansible_port=22
        mta_answers={"targets.swarm": false}
        some_other_var=ignored
        """)
    inv = load_inventory(p)
    assert inv.format == "ansible-ini"
    t = by_name(inv)
    assert list(t) == ["bastion", "web01.example.com", "web02.example.com", "web03.example.com",
                       "web-extra.example.com", "db-a", "db-b"]
    b = t["bastion"]
    assert (b.address, b.user, b.port, b.sudo, b.groups) == ("192.0.2.10", "ops", 22, False, ())
    w = t["web02.example.com"]
    # web (depth 2) beats prod (depth 1) beats all
    assert (w.address, w.user, w.port, w.sudo, w.deadline) == ("web02.example.com", "www", 2222, True, 120)
    assert w.groups == ("prod", "web")
    assert w.answers == {"targets.swarm": False, "k8s.namespace": "web"}
    x = t["web-extra.example.com"]
    assert x.port == 2200 and x.key == str(tmp_path / "keys" / "extra")
    assert x.answers["apps.web.replicas"] == 3
    assert t["db-b"].address == "192.0.2.20" and t["db-b"].user == "produser"
    assert t["db-b"].jump == "ops@bastion.example.com:2222" and w.jump == ""
    assert x.source == f"{p}:6"


def test_ansible_ini_errors_point_at_line(tmp_path):
    p = write(tmp_path, "a.ini", """
        [web]
        w1 ansible_port=notaport
        """)
    with raises_at(p, 2, "host w1", "port"):
        load_inventory(p)
    p = write(tmp_path, "b.ini", """
        [web]
        w1

        [web:vars]
        mta_deadlin=3
        """)
    with raises_at(p, 5, "unknown mta variable", "mta_deadlin"):
        load_inventory(p)
    p = write(tmp_path, "c.ini", """
        [web
        w1
        """)
    with raises_at(p, 1, "missing ']'"):
        load_inventory(p)
    p = write(tmp_path, "d.ini", """
        [web]
        w1 novalue
        """)
    with raises_at(p, 2, "key=value"):
        load_inventory(p)


# ------------------------------------------------------------------ Ansible YAML


def test_ansible_yaml(tmp_path):
    p = write(tmp_path, "inv.yml", """
        all:
          vars:
            ansible_user: root
            mta_sample_seconds: 0
          hosts:
            solo:
              ansible_host: 127.0.0.2
              ansible_port: 2222
          children:
            web:
              vars:
                mta_answers: {k8s.namespace: web}
              hosts:
                w[1:3:2]:
                  mta_answers: {apps.nginx.replicas: 3}
                plain:
              children:
                canary:
                  hosts:
                    w1:
                      ansible_ssh_user: canary
        """)
    inv = load_inventory(p)
    assert inv.format == "ansible-yaml"
    t = by_name(inv)
    assert list(t) == ["solo", "w1", "w3", "plain"]
    assert (t["solo"].address, t["solo"].port, t["solo"].user) == ("127.0.0.2", 2222, "root")
    assert t["solo"].sample_seconds == 0
    assert t["w1"].user == "canary" and t["w1"].groups == ("web", "canary")
    assert t["w3"].answers == {"k8s.namespace": "web", "apps.nginx.replicas": 3}
    assert t["plain"].answers == {"k8s.namespace": "web"}


def test_ansible_yaml_errors_point_at_line(tmp_path):
    p = write(tmp_path, "inv.yml", """
        all:
          children:
            web:
              hosts:
                w1:
                  ansible_port: 70000
        """)
    with raises_at(p, 6, "host w1", "port"):
        load_inventory(p)
    p = write(tmp_path, "inv2.yml", """
        all:
          children:
            web:
              host:
                w1:
        """)
    with raises_at(p, 4, "unknown key 'host'"):
        load_inventory(p)


# ------------------------------------------------------------------ CSV


def test_csv(tmp_path):
    p = write(tmp_path, "fleet.csv", """
        name,address,port,user,key
        # staging hosts
        app1,10.0.0.1,2222,deploy,keys/id
        app2,10.0.0.2,,,
        ,10.0.0.3,,,
        """)
    inv = load_inventory(p)
    assert inv.format == "csv"
    t = by_name(inv)
    assert list(t) == ["app1", "app2", "10.0.0.3"]
    assert (t["app1"].port, t["app1"].user, t["app1"].key) == (2222, "deploy", str(tmp_path / "keys" / "id"))
    assert (t["app2"].port, t["app2"].user, t["app2"].key) == (22, "", "")
    assert t["app1"].source == f"{p}:3"



def test_csv_from_excel_with_a_byte_order_mark(tmp_path):
    """Excel's "CSV UTF-8 (Comma delimited)" starts the file with a BOM and ends lines with CRLF."""
    p = tmp_path / "fleet.csv"
    p.write_bytes("\ufeffname,address,user\r\napp1,10.0.0.1,deploy\r\napp2,10.0.0.2,\r\n".encode("utf-8"))
    inv = load_inventory(p)
    assert inv.format == "csv"
    t = by_name(inv)
    assert list(t) == ["app1", "app2"] and t["app1"].user == "deploy"
    p2 = tmp_path / "fleet"  # no extension: found by content despite the mark
    p2.write_bytes(p.read_bytes())
    assert load_inventory(p2).format == "csv"


def test_yaml_inventory_alias_bomb_is_refused(tmp_path):
    p = tmp_path / "hosts.yaml"
    p.write_text("x: &x [" + ",".join(["a"] * 1000) + "]\nhosts:\n" + "".join(f"  - {{name: h{i}, address: 10.0.0.1, tags: *x}}\n" for i in range(200)))
    with pytest.raises(InputError, match=r"hosts.yaml:\d+: YAML aliases expand"):
        load_inventory(p)

def test_csv_errors_point_at_line(tmp_path):
    p = write(tmp_path, "a.csv", """
        name,address,port
        a,10.0.0.1,22
        b,10.0.0.2,twenty-two
        """)
    with raises_at(p, 3, "host b", "port"):
        load_inventory(p)
    p = write(tmp_path, "b.csv", "name,addr\n")
    with raises_at(p, 1, "unknown CSV column 'addr'"):
        load_inventory(p)
    p = write(tmp_path, "c.csv", "name,address\na,1.2.3.4,extra\n")
    with raises_at(p, 2, "3 cells"):
        load_inventory(p)
    p = write(tmp_path, "d.csv", "name,address\na,10.0.0.1\na,10.0.0.2\n")
    with raises_at(p, 3, "already defined"):
        load_inventory(p)


# ------------------------------------------------------------------ the command


def test_inventory_check_prints_table(tmp_path, capsys):
    p = write(tmp_path, "fleet.csv", "name,address,port,user\napp1,10.0.0.1,2222,deploy\napp2,10.0.0.2,,\n")
    assert main(["inventory", "check", str(p)]) == 0
    out = capsys.readouterr().out
    assert "app1" in out and "deploy@10.0.0.1:2222" in out and "csv" in out
    assert "ok: 2 hosts (2 over SSH, 0 from discovery files)" in out


def test_inventory_check_error_exit_1_with_line(tmp_path, capsys):
    p = write(tmp_path, "inv.yaml", "hosts:\n  - name: a\n    discovery: missing/discovery.yaml\n")
    assert main(["inventory", "check", str(p)]) == 1
    err = capsys.readouterr().err
    assert f"mta: error: {p}:2: host 'a': discovery file" in err and "does not exist" in err
