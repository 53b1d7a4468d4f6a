"""Which copied files are configuration (rewritable) and which are code (never touched).

``mta extract`` copies an app's trees from the VM into a build context. Only
a file this table calls *configuration* may have its secret values turned
into ``${MTA_SECRET_X}`` placeholders, and only through the parser of its
format (``mta.plan.security.rewrite``). Everything else is application code or
data and reaches the image byte for byte.

The decision is made from the file's VM path alone (the context mirrors VM
paths), by the first rule of ``RULES`` that matches, so a reader can audit
it here: code trees first (a ``config.php`` inside ``vendor/`` is code),
then configuration by name and place, then code by extension. A path no
rule names is ``other``: copied as is, but scanned for private keys.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass
from typing import Optional

CODE, CONFIG, OTHER = "code", "config", "other"

#: Formats a configuration file can have; each has a parser in mta.plan.security.rewrite.
FORMATS = ("json", "yaml", "ini", "properties", "env", "xml", "php", "python", "keyvalue")


@dataclass(frozen=True)
class Rule:
    kind: str  # CODE, CONFIG or OTHER
    fmt: str  # the parser for CONFIG ("" otherwise)
    pattern: str  # a regex on the VM path without its leading "/"
    why: str

    def matches(self, path: str) -> bool:
        return _compiled(self.pattern).search(path) is not None


@dataclass(frozen=True)
class Classification:
    kind: str
    fmt: str
    why: str


def _r(kind: str, fmt: str, pattern: str, why: str) -> Rule:
    return Rule(kind, fmt, pattern, why)


def _glob(name: str) -> str:
    """A basename glob as a regex anchored on the last path part."""
    return r"(?:^|/)" + fnmatch.translate(name).replace(r"\Z", "").replace("(?s:", "(?:") + r"$"


_NOT_CONFIG_JSON = ("package.json", "package-lock.json", "npm-shrinkwrap.json", "composer.json", "composer.lock",
                    "bower.json", "tsconfig.json", "jsconfig.json", "manifest.json", "*.schema.json",
                    ".eslintrc.json", "*.map.json", "yarn.lock", "lerna.json", "deno.json", "angular.json",
                    "block.json", "theme.json", "*.min.json")

#: Read top to bottom; the first match decides.
RULES: list[Rule] = [
    # -- code trees: dependencies, packaged apps and build output are never rewritten
    _r(CODE, "", r"(?:^|/)(?:node_modules|bower_components|vendor|site-packages|dist-packages|\.git|\.svn|"
                 r"\.hg|__pycache__|\.venv|venv|gems|bundle/ruby)/", "a dependency or VCS tree"),
    _r(CODE, "", r"(?:^|/)WEB-INF/(?:lib|classes)/", "Java classes and jars of a webapp"),
    _r(CODE, "", r"(?:^|/)usr/(?:share|lib|lib64|libexec|bin|sbin|include)/", "a distro package's files (/usr)"),
    _r(CODE, "", r"^(?:bin|sbin|lib|lib64)/", "system binaries and libraries"),
    # -- configuration by name and place
    *[_r(CODE, "", _glob(n), "a package manifest or lock file (kept exact)") for n in _NOT_CONFIG_JSON],
    _r(CONFIG, "env", r"(?:^|/)\.env(?:\.[^/]*)?$", "a dotenv file"),
    _r(CONFIG, "env", _glob("*.env"), "an env file"),
    _r(CONFIG, "env", r"(?:^|/)etc/default/[^/]+$", "a service's defaults (sh assignments)"),
    _r(CONFIG, "env", r"(?:^|/)etc/sysconfig/[^/]+$", "a service's defaults (sh assignments)"),
    _r(CONFIG, "php", _glob("wp-config.php"), "WordPress settings"),
    _r(CONFIG, "php", _glob("LocalSettings.php"), "MediaWiki settings"),
    _r(CONFIG, "php", r"(?:^|/)(?:config|configuration|settings|settings\.local|local_settings|"
                      r"config\.inc|config\.local|parameters|database|db)\.php$", "a PHP app's settings file"),
    _r(CONFIG, "php", r"(?:^|/)config[-_.][^/]*\.php$", "a PHP settings file (config-<site>.php)"),
    _r(CONFIG, "php", r"(?:^|/)(?:config|conf|settings)/[^/]+\.php$", "a PHP settings directory"),
    _r(CONFIG, "php", r"(?:^|/)etc/.+\.php$", "PHP settings under /etc"),
    _r(CONFIG, "python", r"(?:^|/)(?:settings|local_settings|settings_local|production|prod|config|"
                         r"secrets|[^/]*_settings|settings_[^/]*)\.py$", "a Python app's settings module"),
    _r(CONFIG, "python", r"(?:^|/)settings/[^/]+\.py$", "a Python settings package"),
    _r(CONFIG, "json", _glob("*.json"), "JSON settings"),
    _r(CONFIG, "yaml", _glob("*.yml"), "YAML settings"),
    _r(CONFIG, "yaml", _glob("*.yaml"), "YAML settings"),
    _r(CONFIG, "ini", _glob("*.ini"), "INI settings"),
    _r(CONFIG, "ini", _glob("*.cnf"), "INI settings (MySQL style)"),
    _r(CONFIG, "ini", _glob("*.cfg"), "INI settings"),
    _r(CONFIG, "ini", _glob("*.conf"), "settings (key = value)"),
    _r(CONFIG, "ini", _glob("*.toml"), "TOML settings (key = value lines)"),
    _r(CONFIG, "properties", _glob("*.properties"), "Java properties"),
    _r(CONFIG, "xml", r"(?:^|/)WEB-INF/[^/]+\.xml$", "a webapp descriptor"),
    _r(CONFIG, "xml", r"(?:^|/)META-INF/context\.xml$", "a webapp's Tomcat context"),
    _r(CONFIG, "xml", r"(?:^|/)(?:context|server|tomcat-users|standalone|settings|web|hibernate\.cfg|"
                      r"persistence|applicationContext|log4j2?|logback)\.xml$", "a server or app descriptor"),
    _r(CONFIG, "xml", r"(?:^|/)(?:conf|config|etc)/(?:[^/]+/)*[^/]+\.xml$", "XML under a conf directory"),
    _r(CONFIG, "xml", r"(?:^|/)etc/.+\.xml$", "XML under /etc"),
    _r(CONFIG, "keyvalue", r"(?:^|/)etc/[^.]+$", "a settings file under /etc without an extension"),
    # -- code by extension (the app's own source)
    _r(CODE, "", r"\.(?:php\d?|phtml|inc|js|mjs|cjs|ts|tsx|jsx|py|pyi|rb|erb|java|class|jar|war|ear|go|"
                 r"rs|c|h|cc|cpp|hpp|cs|pl|pm|lua|sh|bash|css|scss|sass|less|html?|twig|tpl|vue|svelte|"
                 r"jsp|jspx|tag|groovy|kt|scala|clj|ex|exs|erl|hs|ml|r|swift|m|wasm|so|dll|a|o|pyc|pyo|"
                 r"mo|po|pot|svg|map)$", "source code, templates or compiled code"),
]

_cache: dict[str, "re.Pattern[str]"] = {}


def _compiled(pattern: str) -> "re.Pattern[str]":
    rx = _cache.get(pattern)
    if rx is None:
        rx = _cache[pattern] = re.compile(pattern, re.I if "WEB-INF" not in pattern else 0)
    return rx


_OTHER = Classification(OTHER, "", "no rule names it: copied as is, scanned for private keys")
#: (the rule's compiled search, its verdict) in RULES' order, built on first use
_table: list[tuple] = []


def _rules_table() -> list[tuple]:
    if not _table:
        _table.extend((_compiled(r.pattern).search, Classification(r.kind, r.fmt, r.why)) for r in RULES)
    return _table


def classify(vm_path: str) -> Classification:
    """CODE, CONFIG (with its format) or OTHER for a file at ``vm_path`` on the VM
    (called for every file of a context: the rules are compiled once)."""
    path = posixpath.normpath("/" + vm_path).lstrip("/")
    for search, verdict in _table or _rules_table():
        if search(path) is not None:
            return verdict
    return _OTHER


def config_format(vm_path: str) -> Optional[str]:
    """The parser for ``vm_path`` when it is configuration, else None."""
    c = classify(vm_path)
    return c.fmt if c.kind == CONFIG else None
