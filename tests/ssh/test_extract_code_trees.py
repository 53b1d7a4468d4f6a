"""Real third-party code trees through ``mta extract`` over real SSH: no code file
changes, and no secret planted in their configuration reaches a build context.

The trees are Debian's own packages (``tests/support/debs.py``: downloaded
once, unpacked, never installed): WordPress with its /etc/wordpress settings,
an Express app whose node_modules are Debian's node-* modules, a Django site
beside Debian's python3-django, and Tomcat's examples webapp deployed under
/var/lib/tomcat10/webapps with a context.xml.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from mta.cli import main
from mta.extract import REPORT_NAME
from mta.io import dump_model, write_atomic
from mta.model import AppPlan, Build, ConfigFile, Extract, HostFacts, Plan
from mta.plan.security.configfiles import CODE, classify
from tests.support.debs import unpack

pytestmark = [pytest.mark.timeout(900)]

WORDPRESS = ["wordpress"]
NODE = ["node-express", "node-cookie", "node-body-parser", "node-debug", "node-ms", "node-qs", "node-send",
        "node-accepts"]
DJANGO = ["python3-django"]
TOMCAT = ["tomcat10-examples"]

PEM = ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQmkPEMbody7Yx\n"
       "AAAAC3NzaC1lZDI1NTE5AAAAIH6yX3oG0RcF4P5mkPEMtail\n-----END OPENSSH PRIVATE KEY-----\n")

#: marker -> where it is planted (each must appear in no file under OUT)
MARKERS = {
    "mkWpDbPw41": "/etc/wordpress/config-blog.example.com.php define('DB_PASSWORD')",
    "mkWpAuthKey42": "/etc/wordpress/config-blog.example.com.php define('AUTH_KEY')",
    "mkWpVarPw43": "/etc/wordpress/config-blog.example.com.php $db_password = \"...\"",
    "mkUtf16Pw44": "/etc/wordpress/mail.ini (UTF-16)",
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQmkPEMbody7Yx": "/etc/wordpress/tls-backup.txt (PEM in an odd file)",
    "mkExpSession45": "/srv/express-app/config/production.yaml (block scalar)",
    "mkExpDbPw46": "/srv/express-app/config/default.json",
    "mkExpBigPw47": "/srv/express-app/config/big.json (> 2 MiB)",
    "mkExpMongo48": "/srv/express-app/config/production.yaml (URL password)",
    "mkDjSecret49": "/srv/django-site/mysite/settings.py SECRET_KEY",
    "mkDjDbPw50": "/srv/django-site/mysite/settings.py DATABASES PASSWORD",
    "mkDjIniPw51": "/srv/django-site/mysite/db.ini password =",
    "mkTcCtxPw52": "/var/lib/tomcat10/webapps/examples/META-INF/context.xml password=",
    "mkTcPropPw53": "/var/lib/tomcat10/webapps/examples/WEB-INF/app.properties",
    "mkExpDotenv54": "/srv/express-app/.env",
    "mkWpDbpass55": "/etc/wordpress/config-blog.example.com.php $dbpass = \"...\"",
    "mkDjIniDbpass56": "/srv/django-site/mysite/db.ini dbpass =",
}


def _write(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


@pytest.fixture(scope="module")
def vm(tmp_path_factory) -> Path:
    """A VM root with the four apps, their configuration and the planted secrets."""
    root = tmp_path_factory.mktemp("vm")
    unpack(WORDPRESS + NODE + DJANGO + TOMCAT, root)
    # WordPress as Debian lays it out: code in /usr/share/wordpress, settings per site in /etc/wordpress
    _write(root / "etc/wordpress/config-blog.example.com.php",
           "<?php\ndefine('DB_NAME', 'wordpress');\ndefine('DB_USER', 'wp');\n"
           "define('DB_PASSWORD', 'mkWpDbPw41');\ndefine('DB_HOST', 'localhost');\n"
           "define('AUTH_KEY', 'mkWpAuthKey42');\n$db_password = \"mkWpVarPw43\";\n$dbpass = \"mkWpDbpass55\";\n"
           "define('WP_CONTENT_DIR', '/var/lib/wordpress/wp-content');\n?>\n")
    _write(root / "etc/wordpress/mail.ini",
           codecs.BOM_UTF16_LE + "[smtp]\nhost = mail\npassword = mkUtf16Pw44\n".encode("utf-16-le"))
    _write(root / "etc/wordpress/tls-backup.txt", "kept for the renewal script\n" + PEM)
    # Express: Debian's node modules as the app's node_modules, the app's own manifest and lock file
    app = root / "srv/express-app"
    shutil.copytree(root / "usr/share/nodejs", app / "node_modules", symlinks=True)
    _write(app / "package.json", json.dumps({"name": "shop", "version": "1.0.0", "private": True,
                                             "dependencies": {"express": "^4.18.2", "cookie": "0.5.0"}}, indent=2))
    _write(app / "package-lock.json", json.dumps({"name": "shop", "lockfileVersion": 3, "requires": True,
                                                  "packages": {"node_modules/cookie": {"version": "0.5.0"}}}, indent=2))
    _write(app / "app.js", "const express = require('express');\nconst password = process.env.DB_PASSWORD;\n"
                           "const app = express();\napp.get('/', (req, res) => res.send('ok'));\napp.listen(3000);\n")
    _write(app / ".env", "NODE_ENV=production\nSESSION_SECRET=mkExpDotenv54\n")
    _write(app / "config/default.json", json.dumps({"db": {"host": "db", "user": "shop", "password": "mkExpDbPw46"},
                                                    "private": True}, indent=2))
    _write(app / "config/production.yaml", "server:\n  port: 3000\nsession_secret: >-\n  mkExpSession45\n"
                                           "mongo:\n  url: mongodb://shop:mkExpMongo48@mongo:27017/shop\n")
    _write(app / "config/big.json", json.dumps({"assets": "QUJD" * (700 << 10), "db": {"password": "mkExpBigPw47"}}))
    # Django: Debian's python3-django plus a site using it
    site = root / "srv/django-site"
    _write(site / "manage.py", "#!/usr/bin/env python3\nimport os, sys\n"
                               "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n")
    _write(site / "mysite/__init__.py", "")
    _write(site / "mysite/settings.py",
           "from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\n"
           "SECRET_KEY = 'mkDjSecret49'\nDEBUG = False\nALLOWED_HOSTS = ['*']\n"
           "DATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.postgresql',\n"
           "        'NAME': 'site',\n        'USER': 'site',\n        'PASSWORD': 'mkDjDbPw50',\n    }\n}\n")
    _write(site / "mysite/urls.py", "from django.urls import path\nurlpatterns = []\n")
    _write(site / "mysite/db.ini", "[client]\nuser = site\npassword = mkDjIniPw51\ndbpass = mkDjIniDbpass56\n")
    # Tomcat: the examples webapp deployed where Tomcat serves it, with a context.xml holding a password
    webapp = root / "var/lib/tomcat10/webapps/examples"
    shutil.copytree(root / "usr/share/tomcat10-examples/examples", webapp, symlinks=True)
    _write(webapp / "META-INF/context.xml",
           '<?xml version="1.0" encoding="UTF-8"?>\n<Context>\n  <Resource name="jdbc/shop" auth="Container"'
           ' type="javax.sql.DataSource" username="shop" password="mkTcCtxPw52"\n'
           '            url="jdbc:postgresql://db/shop"/>\n</Context>\n')
    _write(webapp / "WEB-INF/app.properties", "db.user=shop\ndb.password=mkTcPropPw53\n")
    for dirpath, dirnames, _ in os.walk(root):
        os.chmod(dirpath, 0o755)
    return root


APPS = {
    "wordpress": ["/usr/share/wordpress", "/etc/wordpress"],
    "shop": ["/srv/express-app"],
    "site": ["/srv/django-site", "/usr/lib/python3/dist-packages/django"],
    "examples": ["/var/lib/tomcat10/webapps/examples"],
}
PLANTED_CONFIG = {"etc/wordpress/config-blog.example.com.php", "srv/express-app/.env", "etc/wordpress/mail.ini",
                  "etc/wordpress/tls-backup.txt", "srv/express-app/config/default.json",
                  "srv/express-app/config/production.yaml", "srv/express-app/config/big.json",
                  "srv/django-site/mysite/settings.py", "srv/django-site/mysite/db.ini",
                  "var/lib/tomcat10/webapps/examples/META-INF/context.xml",
                  "var/lib/tomcat10/webapps/examples/WEB-INF/app.properties"}


def _plan(root: Path) -> Plan:
    apps = []
    for name, paths in APPS.items():
        vm_paths = [str(root) + p for p in paths]
        files = [ConfigFile(source="context" + p, target=p, configmap=False) for p in vm_paths]
        apps.append(AppPlan(name=name, stack="generic", code_paths=vm_paths,
                            build=Build(base_image="debian:bookworm-slim", files=files),
                            extract=Extract(include=vm_paths, max_bytes=1 << 30)))
    return Plan(host="vm1", apps=apps)


def _regular_files(top: Path):
    for dirpath, _, filenames in os.walk(top):
        for f in filenames:
            p = Path(dirpath) / f
            if p.is_file() and not p.is_symlink():
                yield p


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.sshd
def test_code_trees_reach_the_context_byte_for_byte(sshd, vm, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(sshd.known_hosts))
    out = tmp_path / "out"
    host_dir = out / "hosts" / "vm1"
    write_atomic(host_dir / "plan.yaml", dump_model(_plan(vm)))
    write_atomic(host_dir / "discovery.yaml", dump_model(HostFacts(host="vm1", target=sshd.target(0))))
    rc = main(["extract", str(host_dir / "plan.yaml"), *sshd.cli_args()])
    cap = capsys.readouterr()
    assert rc == 0, cap.err

    changed, missing, compared = [], [], 0
    for name, paths in APPS.items():
        ctx = host_dir / "apps" / name / "context"
        for p in paths:
            for src in _regular_files(Path(str(vm) + p)):
                rel = str(src).lstrip("/")
                if rel.split(str(vm).lstrip("/") + "/", 1)[-1] in PLANTED_CONFIG:
                    continue
                dest = ctx / rel
                if not dest.exists():
                    missing.append(rel)
                elif _sha(dest) != _sha(src):
                    changed.append(rel)
                compared += 1
    assert compared > 4000
    assert changed == [], f"{len(changed)} code files changed: {changed[:10]}"
    # what is not copied is what the default excludes name (logs, caches) - never code
    assert [m for m in missing if classify(m).kind == CODE and "/cache/" not in m and not m.endswith(".log")] == []

    # no planted value anywhere under OUT (contexts, compose, k8s, README, plan), in UTF-8 or UTF-16
    leaks = []
    for f in _regular_files(out):
        data = f.read_bytes()
        for marker in MARKERS:
            if marker.encode() in data or marker.encode("utf-16-le") in data:
                leaks.append((str(f.relative_to(out)), MARKERS[marker]))
    assert leaks == []

    # what could not be rewritten is withheld, recorded, and mounted from a secret file
    record = json.loads((host_dir / "apps/wordpress/context" / REPORT_NAME).read_text())
    withheld = {w["path"].split("/etc/wordpress/")[-1] for w in record["withheld"]}
    assert {"tls-backup.txt", "mail.ini"} <= withheld  # a PEM in an odd file; UTF-16 the fill cannot edit
    compose = yaml.safe_load((host_dir / "compose.yaml").read_text())
    targets = {s["target"] for s in compose["services"]["wordpress"].get("secrets", [])}
    assert str(vm) + "/etc/wordpress/tls-backup.txt" in targets
    assert "etc/wordpress/tls-backup.txt" in (host_dir / "README.md").read_text()
    deployment = yaml.safe_load((host_dir / "k8s" / "wordpress-deployment.yaml").read_text())
    mounts = {m["mountPath"] for m in deployment["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]}
    assert str(vm) + "/etc/wordpress/tls-backup.txt" in mounts
    # rewritten configuration still parses and its placeholders are passed at start
    settings = host_dir / "apps/site/context" / (str(vm).lstrip("/") + "/srv/django-site/mysite/settings.py")
    assert "${MTA_SECRET_SECRET_KEY}" in settings.read_text()
    site_env = {s["target"] for s in compose["services"]["site"].get("secrets", [])}
    assert {"MTA_SECRET_SECRET_KEY", "MTA_SECRET_PASSWORD"} <= site_env
    # the image fills them at start: the plan gained the entrypoint shim, the shim the fill
    assert "mta-secrets-env" in (host_dir / "apps/site/Dockerfile").read_text()
    assert "mta_fill " in (host_dir / "apps/site/mta-secrets-env.sh").read_text()
