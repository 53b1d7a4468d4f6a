"""Discovery's masking over the config formats issue #8 names: no value survives.

Masking itself belongs to mta.discover.secrets; these cases pin the formats
the security work depends on (placeholders reuse the same rules)."""

from __future__ import annotations

import pytest

from mta.discover.secrets import mask_text
from mta.plan.security.placeholders import placeholder_text

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
LARAVEL = ("    'password' => env('DB_PASSWORD', 'lv-s3cret-14'),\n    'key' => 'lv-s3cret-15',\n"
           "    'host' => env('DB_HOST', '127.0.0.1'),\n", ["lv-s3cret-14", "lv-s3cret-15"])
YAML_LIST = ("services:\n  db:\n    environment:\n      - MYSQL_ROOT_PASSWORD=yl-s3cret-16\n"
             "users:\n  - password: yl-s3cret-17\n    name: app\n", ["yl-s3cret-16", "yl-s3cret-17"])
JAVA_XML = ('<bean id="ds"><property name="url" value="jdbc:x"/></bean>\n<user name="a" password="jx-s3cret-18"/>\n'
            "<password>jx-s3cret-19</password>\n", ["jx-s3cret-18", "jx-s3cret-19"])
PHP_VARS = ("$db_host = getenv('DB_HOST') ?: '127.0.0.1';\n$db_pass = getenv('DB_PASSWORD') ?: 'pv-s3cret-20';\n"
            "$password = 'pv-s3cret-21';\n$cfg['db']['password'] = \"pv-s3cret-22\";\n"
            "define('DB_PASSWORD', getenv('DB_PASSWORD') ?: 'pv-s3cret-23');\n$t = $_ENV['API_TOKEN'] ?? 'pv-s3cret-24';\n",
            ["pv-s3cret-20", "pv-s3cret-21", "pv-s3cret-22", "pv-s3cret-23", "pv-s3cret-24"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_discovery_masks(name):
    text, values = CASES[name]
    masked = mask_text(text)
    assert not [v for v in values if v in masked]


@pytest.mark.parametrize("case", [PHP_DEFINE, PHP_ARRAY, LARAVEL, YAML_LIST, JAVA_XML, PHP_VARS],
                         ids=["wp-config define", "php array", "laravel config", "yaml lists", "java xml",
                              "php variables and getenv fallbacks"])
def test_discovery_masks_php(case):
    text, values = case
    masked = mask_text(text)
    assert not [v for v in values if v in masked]
    assert "127.0.0.1" in masked or "127.0.0.1" not in text, "a non-secret value stays readable"


def test_php_keeps_non_secret_keys():
    text = "define('DB_HOST', 'localhost');\n$c = ['driver' => 'mysql', 'token' => 't-1'];\n"
    assert mask_text(text) == ("define('DB_HOST', 'localhost');\n"
                               "$c = ['driver' => 'mysql', 'token' => '<redacted:secret>'];\n")


EXTRA = {"wp-config.php": PHP_DEFINE, "array.php": PHP_ARRAY, "laravel.php": LARAVEL, "config.php": PHP_VARS}


def test_php_variables_keep_non_secret_values():
    text = "$db_host = getenv('DB_HOST') ?: 'localhost';\n$db_user = 'shop';\n$title = 'Guestbook';\n"
    assert mask_text(text) == text


@pytest.mark.parametrize("name", sorted(CASES) + sorted(EXTRA))
def test_placeholders_cover_every_format(name):
    text, values = EXTRA.get(name) or CASES[name]
    new, found = placeholder_text(text)
    assert not [v for v in values if v in new]
    assert sorted(values) == sorted(v for v in found.values() if v in values)
