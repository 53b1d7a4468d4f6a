"""Config-aware rewriting: only configuration files, only literals, only through
their format's parser; code is never opened; what cannot be rewritten is withheld."""

from __future__ import annotations

import ast
import codecs
import configparser
import hashlib
import json
import xml.etree.ElementTree as ET

import pytest
import yaml

from mta.plan.security import rewrite as rw
from mta.plan.security.configfiles import CODE, CONFIG, OTHER, classify
from mta.plan.security.configscan import WITHHELD, decode, scan_context, withheld_files

PEM = ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1pem7Qq9Zz0odd\n"
       "Zm9vYmFyYmF6cGVtcGVtcGVt\n-----END RSA PRIVATE KEY-----\n")


@pytest.mark.parametrize("path,kind,fmt", [
    ("usr/share/wordpress/wp-config.php", CODE, ""),
    ("usr/share/wordpress/wp-includes/class-phpass.php", CODE, ""),
    ("etc/wordpress/config-blog.example.com.php", CONFIG, "php"),
    ("var/www/html/wp-config.php", CONFIG, "php"),
    ("var/www/html/wp-includes/functions.php", CODE, ""),
    ("srv/app/package.json", CODE, ""),
    ("srv/app/package-lock.json", CODE, ""),
    ("srv/app/composer.lock", CODE, ""),
    ("srv/app/node_modules/cookie/index.js", CODE, ""),
    ("srv/app/node_modules/x/config.json", CODE, ""),
    ("srv/app/vendor/laravel/framework/config/database.php", CODE, ""),
    ("usr/lib/python3/dist-packages/django/conf/global_settings.py", CODE, ""),
    ("srv/app/venv/lib/python3.11/site-packages/x/settings.py", CODE, ""),
    ("srv/app/config.json", CONFIG, "json"),
    ("srv/site/mysite/settings.py", CONFIG, "python"),
    ("srv/site/mysite/views.py", CODE, ""),
    ("srv/app/.env", CONFIG, "env"),
    ("srv/app/config/database.yml", CONFIG, "yaml"),
    ("etc/myapp/app.ini", CONFIG, "ini"),
    ("opt/app/application.properties", CONFIG, "properties"),
    ("var/lib/tomcat10/webapps/shop/WEB-INF/web.xml", CONFIG, "xml"),
    ("var/lib/tomcat10/webapps/shop/WEB-INF/classes/log.xml", CODE, ""),
    ("var/lib/tomcat10/webapps/shop/WEB-INF/lib/x.jar", CODE, ""),
    ("var/lib/tomcat10/webapps/shop/META-INF/context.xml", CONFIG, "xml"),
    ("etc/tomcat10/server.xml", CONFIG, "xml"),
    ("srv/app/pom.xml", OTHER, ""),
    ("srv/app/README", OTHER, ""),
])
def test_classification_table(path, kind, fmt):
    c = classify(path)
    assert (c.kind, c.fmt) == (kind, fmt), c.why


CASES = {
    "json": ('{"db": {"password": "js\\"on-1", "host": "h"}, "private": true, "list": [{"token": "tok-2"}],'
             ' "url": "mysql://u:url-3@h/x"}', ["js\\\"on-1", "tok-2", "url-3"], json.loads),
    "yaml": ("a: 1\ndb:\n  password: \"ya\\\"ml-1\"\n  url: postgres://u:ya-2@h/db\ncert_key: |\n"
             + "".join("  " + ln + "\n" for ln in PEM.splitlines())
             + "x: &anchor\n  secret: >-\n    folded\n    ya-3\nref: *anchor\n---\n- api_token: ya-4\n",
             ["ya\\\"ml-1", "ya-2", "MIIEowIBAAKCAQEA1pem7Qq9Zz0odd", "ya-3", "ya-4"], lambda t: list(yaml.safe_load_all(t))),
    "php": ("<?php\n// 'password' => 'not-this'\ndefine('DB_PASSWORD', 'php&1');\ndefine( 'DB_USER', 'wp' );\n"
            "$cfg['db']['password'] = 'php\\'2';\n$greet = \"hi $name\";\n$pw = getenv('DB_PASSWORD') ?: 'php-3';\n"
            "$a = ['password' => 'php-4', 'type' => 'password'];\nclass C { const API_TOKEN = 'php-5'; }\n",
            ["php&1", "php\\'2", "php-3", "php-4", "php-5"], None),
    "python": ('import os\nDEBUG = False\nPASSWORD = "py-1"\nDATABASES = {"default": {"PASSWORD": \'py-2\', "HOST": "db"}}\n'
               'SECRET_KEY = os.environ.get("SECRET_KEY", "py-3")\nf = f"{PASSWORD}"\n', ["py-1", "py-2", "py-3"],
               ast.parse),
    "ini": ("[client]\nuser = bob\npassword = \"ini-1\"\n[x]\nurl=postgres://a:ini-2@h/db\n", ["ini-1", "ini-2"],
            lambda t: configparser.RawConfigParser(interpolation=None).read_string(t)),
    "properties": ("spring.datasource.password=sp $pw\\\\4\nspring.datasource.url=jdbc:x\n", ["sp $pw\\\\4"], None),
    "env": ("export DB_PASSWORD='env 1'\nSECRET_KEY=\"env\\\"2\"\nMODE=prod\nAPI_TOKEN=env-3 # c\n",
            ["env 1", "env\\\"2", "env-3"], None),
    "xml": ('<?xml version="1.0" encoding="UTF-8"?>\n<Context><Resource name="jdbc/x" username="u" password="x&amp;1"/>\n'
            '<param-name>db.password</param-name><param-value> xml-2 </param-value>\n'
            '<property name="secret" value="xml-3"/><password><![CDATA[xml-4]]></password></Context>\n',
            ["x&amp;1", "xml-2", "xml-3", "xml-4"], lambda t: ET.fromstring(t.split("?>", 1)[1])),
}


@pytest.mark.parametrize("fmt", sorted(CASES))
def test_rewrite_each_format(fmt):
    text, secrets, check = CASES[fmt]
    done = rw.rewrite(fmt, text)
    for s in secrets:
        assert s not in done.text, s
    assert "${MTA_SECRET_" in done.text
    if check:
        check(done.text)  # still parses with the format's standard parser
    # keys and structure stay; non-secret values too
    assert [lit.key for lit in rw.literals(fmt, done.text)] == [lit.key for lit in rw.literals(fmt, text)]
    # filling the placeholders with the values gives back the original, byte for byte
    filled = done.text
    for name, raw in done.found.items():
        filled = filled.replace("${" + name + "}", raw)
    assert filled == text


def test_references_and_non_secret_values_stay():
    text = '{"password": "${DB_PASSWORD}", "token": "{{ token }}", "type": "password", "private": "yes"}'
    assert rw.rewrite("json", text).text == text


def _tree(root, files):
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())


def test_scan_leaves_code_and_withholds_what_it_cannot_rewrite(tmp_path):
    big = "blob: " + "QUJD" * (700 << 10) + "\ndb:\n  password: big-secret-9\n"
    assert len(big) > 2 << 20
    files = {
        # code with secret-looking lines: never touched
        "srv/app/app.php": "<?php\n$password = wp_generate_password( 12, false );\n",
        "srv/app/lib/util.js": "const config = { password: 'code-pw' };\n",
        "srv/app/package.json": '{"name": "x", "private": true, "dependencies": {"cookie": "0.5.0"}}\n',
        "srv/app/node_modules/m/config.json": '{"password": "dep-pw"}\n',
        # configuration
        "srv/app/config.json": '{"db": {"password": "cfg-json-1"}}\n',
        "srv/app/broken.json": '{"password": "broken-2",\n',
        "srv/app/notes.yml": "plain: yes\n",
        "srv/app/big.yaml": big,
        "srv/app/utf16.ini": codecs.BOM_UTF16_LE + "[db]\npassword = utf16-secret-3\n".encode("utf-16-le"),
        "srv/app/pem-in-conf.yaml": "tls: true\n# " + PEM.replace("\n", "\n# "),
        # other
        "srv/app/keys/deploy.txt": "see below\n" + PEM,
        "srv/app/keys/store.jks": b"\xfe\xed\xfe\xed" + b"\0" * 64,
        "srv/app/README": "password = not a config file\n",
    }
    _tree(tmp_path, files)
    before = {rel: hashlib.sha256((tmp_path / rel).read_bytes()).hexdigest() for rel in files}
    scan = scan_context(tmp_path)
    for rel in ("srv/app/app.php", "srv/app/lib/util.js", "srv/app/package.json",
                "srv/app/node_modules/m/config.json", "srv/app/notes.yml", "srv/app/README"):
        assert hashlib.sha256((tmp_path / rel).read_bytes()).hexdigest() == before[rel], rel
    assert scan.files == ["srv/app/big.yaml", "srv/app/config.json"]
    withheld = {w.path: w.reason for w in scan.withheld}
    assert set(withheld) == {"srv/app/broken.json", "srv/app/pem-in-conf.yaml", "srv/app/keys/deploy.txt",
                             "srv/app/keys/store.jks", "srv/app/utf16.ini"}, withheld
    assert "UTF-16" in withheld["srv/app/utf16.ini"]
    assert "does not parse" in withheld["srv/app/broken.json"]
    assert {w.path for w in withheld_files(tmp_path)} == set(withheld)
    assert (tmp_path / WITHHELD).is_file()
    for p in tmp_path.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            for s in ("cfg-json-1", "broken-2", "utf16-secret-3", "MIIEowIBAAKCAQEA1pem7Qq9Zz0odd", "big-secret-9"):
                assert s.encode() not in data and s.encode("utf-16-le") not in data, (p, s)


def test_decode_utf16_and_32_without_bom():
    text = "password = x\n"
    for enc in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        assert decode(text.encode(enc)) == (text, enc)
    assert decode(b"\x89PNG\r\n\x1a\n\0\0\0") is None


def test_too_big_to_parse_is_streamed_and_withheld(tmp_path, monkeypatch):
    from mta.plan.security import configscan

    monkeypatch.setattr(configscan, "MAX_PARSE", 1 << 16)
    monkeypatch.setattr(configscan, "CHUNK", 1 << 14)
    clean = "".join(f"item_{i} = value {i}\n" for i in range(5_000))
    _tree(tmp_path, {"etc/app/clean.conf": clean, "etc/app/dirty.conf": clean + "dbpassword = stream-1\n" + clean,
                     "etc/app/one-line.conf": "x" * (300 << 10) + " password=stream-2\n"})
    scan = scan_context(tmp_path)
    assert {w.path for w in scan.withheld} == {"etc/app/dirty.conf", "etc/app/one-line.conf"}
    assert all("too big" in w.reason for w in scan.withheld)
    assert (tmp_path / "etc/app/clean.conf").read_text() == clean


def test_yaml_flow_collections_anchors_and_tags():
    text = ("a: &shared plain\nb: *shared\npassword: &pw !!str ya-anchor-1\nlist:\n"
            "  - {token: ya-flow-2, n: [1, 2]}\ndb_password: !vault |\n  ya-tagged-3\n")
    done = rw.rewrite("yaml", text)
    assert not any(s in done.text for s in ("ya-anchor-1", "ya-flow-2", "ya-tagged-3"))
    assert "&pw !!str ${MTA_SECRET_PASSWORD}" in done.text  # the anchor and tag stay
    assert "{token: '${MTA_SECRET_TOKEN}'" in done.text  # quoted inside a flow mapping
    filled = done.text
    for name, raw in done.found.items():
        filled = filled.replace("${" + name + "}", raw)
    loader = type("L", (yaml.SafeLoader,), {})
    loader.add_constructor("!vault", lambda ld, node: ld.construct_scalar(node))
    assert yaml.load(filled, Loader=loader) == yaml.load(text, Loader=loader)


def test_php_and_python_that_do_not_parse_are_withheld_when_they_hold_a_credential(tmp_path):
    _tree(tmp_path, {"etc/app/config.php": "<?php\ndefine('DB_PASSWORD', 'unterminated-1);\n",
                     "srv/site/settings.py": "PASSWORD = 'py-broken-2'\nif True\n",
                     "srv/site/local_settings.py": "DEBUG = (\n"})
    scan = scan_context(tmp_path)
    assert {w.path for w in scan.withheld} == {"etc/app/config.php", "srv/site/settings.py"}
    assert (tmp_path / "srv/site/local_settings.py").read_text() == "DEBUG = (\n"  # no credential: left


def test_web_server_directives():
    text = ('location ~ \\.php$ { fastcgi_pass unix:/run/php/php-fpm.sock; }\nauth_basic "Restricted";\n'
            "fastcgi_param DB_PASSWORD ngx-pw-1;\n<VirtualHost *:80>\n  AuthType Basic\n  AuthName \"Members\"\n"
            "  SetEnv DB_PASSWORD apache-pw-2\n</VirtualHost>\n")
    done = rw.rewrite("ini", text)
    assert "ngx-pw-1" not in done.text and "apache-pw-2" not in done.text
    assert "fastcgi_param DB_PASSWORD ${MTA_SECRET_DB_PASSWORD};" in done.text
    assert sorted(done.found.values()) == ["apache-pw-2", "ngx-pw-1"]
