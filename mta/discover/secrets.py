"""Recognising and masking secrets in discovered key/value data.

Used on process environments, systemd ``Environment=``, and env-style files
fetched from the VM, so a secret never reaches discovery.yaml. Shared with
other layers: keep ``looks_secret`` and ``mask_env`` stable.
"""

from __future__ import annotations

import re
from typing import Mapping, Optional

from ..model import SECRET_MARKER

# Words that make a key secret when they stand as a token of it (DB_PASS, api-key).
_SECRET_TOKENS = {
    "PASSWORD", "PASSWD", "PASS", "PWD", "SECRET", "SECRETS", "TOKEN", "KEY", "KEYS",
    "CREDENTIAL", "CREDENTIALS", "CREDS", "PRIVATE", "APIKEY", "AUTH", "SALT",
    "PASSPHRASE", "SIGNATURE", "COOKIE", "SESSIONKEY", "ACCESSKEY", "SECRETKEY",
}
# ...or appear anywhere in it (camelCase and run-together names: dbPassword, MYSQLPWD).
_SECRET_SUBSTRINGS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "APIKEY", "PRIVATEKEY", "PASSPHRASE")
# Keys that match the words but name no secret.
_NOT_SECRET_KEYS = {"PWD", "OLDPWD", "KEYMAP", "XKB_DEFAULT_LAYOUT", "GPG_KEY_ID", "HISTFILE"}
# A key naming where a secret lives (a path, a socket) is not itself a secret.
_LOCATION_TOKENS = {"FILE", "PATH", "DIR", "SOCK", "SOCKET", "LOCATION", "ID"}

_URL_CREDS = re.compile(r"(?P<pre>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*):(?P<pw>[^@/\s]+)@")
_INLINE_PW = re.compile(r"(?i)(?P<pre>\b(?:password|passwd|pwd)\s*=\s*)(?P<pw>[^;&\s\"'][^;&\s]*)")
# XML/HTML attributes and elements: password="x", <secret>x</secret> (Tomcat context.xml, JBoss)
_SECRET_WORD = r"[\w.\-]*(?:password|passwd|secret|token|credential|apikey|api-key|api_key)[\w.\-]*"
_ATTR = re.compile(rf"(?i)(?P<pre>\b{_SECRET_WORD}\s*=\s*)(?P<q>[\"'])(?P<pw>[^\"']*)(?P=q)")
_JSON = re.compile(rf"(?i)(?P<pre>(?P<kq>[\"']){_SECRET_WORD}(?P=kq)\s*:\s*)(?P<q>[\"'])(?P<pw>(?:\\.|(?!(?P=q)).)*)(?P=q)")
_ELEMENT = re.compile(rf"(?i)(?P<pre><(?P<tag>{_SECRET_WORD})(?:\s[^>]*)?>)(?P<pw>[^<]+)(?P<post></(?P=tag)\s*>)")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# PHP: define('DB_PASSWORD', 'x') (wp-config.php) and 'password' => 'x' (Laravel, Drupal, CodeIgniter);
# and Laravel's env('DB_PASSWORD', 'default'); the key decides (key_looks_secret), so AUTH_KEY / 'secret' count and 'host' does not
PHP_DEFINE = re.compile(r"""(?P<pre>\b(?:define|env)\(\s*(?P<kq>["'])(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?P=kq)\s*,\s*)"""
                        r"""(?P<q>["'])(?P<pw>(?:\\.|(?!(?P=q)).)*)(?P=q)""")
PHP_ARROW = re.compile(r"""(?P<pre>(?P<kq>["'])(?P<key>[A-Za-z_][\w.\-]*)(?P=kq)\s*=>\s*)"""
                       r"""(?P<q>["'])(?P<pw>(?:\\.|(?!(?P=q)).)*)(?P=q)""")

# PHP variables: $db_pass = 'x'; $cfg['db']['password'] = "x"; the last subscript (else the
# variable name) decides. An env lookup with a literal fallback may stand before the value.
_PHP_ENV_LOOKUP = r"""(?:getenv\(\s*["'](?P<ekey>\w+)["']\s*\)|\$_(?:ENV|SERVER)\[\s*["'](?P<ekey2>\w+)["']\s*\])"""
PHP_VAR = re.compile(r"""(?P<pre>\$(?P<var>[A-Za-z_]\w*)(?:\s*\[\s*["']?(?P<sub>[\w.\-]+)["']?\s*\])*\s*=\s*"""
                     rf"""(?:{_PHP_ENV_LOOKUP}\s*(?:\?:|\?\?)\s*)?)"""
                     r"""(?P<q>["'])(?P<pw>(?:\\.|(?!(?P=q)).)*)(?P=q)""")
# getenv('DB_PASSWORD') ?: 'fallback' anywhere (inside define(), an array, an argument)
PHP_ENV_DEFAULT = re.compile(rf"""(?P<pre>{_PHP_ENV_LOOKUP}\s*(?:\?:|\?\?)\s*)"""
                             r"""(?P<q>["'])(?P<pw>(?:\\.|(?!(?P=q)).)*)(?P=q)""")


def _tokens(key: str) -> list[str]:
    return [t for t in re.split(r"[^A-Za-z0-9]+", _CAMEL.sub("_", key).upper()) if t]


def key_looks_secret(key: str) -> bool:
    """True if the name alone says the value is a secret (DB_PASSWORD, apiKey)."""
    upper = key.upper()
    if upper in _NOT_SECRET_KEYS:
        return False
    tokens = _tokens(key)
    squashed = upper.replace("_", "")
    if (
        any(t in _SECRET_TOKENS for t in tokens)
        or any(s in squashed for s in _SECRET_SUBSTRINGS)
        or (squashed.endswith("PWD") and squashed != "OLDPWD")  # MYSQLPWD, DBPWD
    ):
        return not (set(tokens) & _LOCATION_TOKENS)
    return False


def has_url_credentials(value: str) -> bool:
    return bool(_URL_CREDS.search(value) or _INLINE_PW.search(value))


def looks_secret(key: str, value: str) -> bool:
    """True if ``value`` (under ``key``) is or holds a secret."""
    if not value or value == SECRET_MARKER:
        return False
    return key_looks_secret(key) or has_url_credentials(value)


def mask_value(key: str, value: str) -> str:
    """The value with its secret parts replaced by SECRET_MARKER.

    A secret key masks the whole value; credentials inside a URL or a
    connection string mask only the password."""
    if not value or value == SECRET_MARKER:
        return value
    if key_looks_secret(key):
        return SECRET_MARKER
    return mask_inline(value)


def mask_inline(text: str) -> str:
    """Mask only passwords embedded in URLs (scheme://user:pass@) and ``password=x`` pairs."""
    text = _URL_CREDS.sub(lambda m: f"{m.group('pre')}:{SECRET_MARKER}@", text)
    text = _ATTR.sub(lambda m: f"{m.group('pre')}{m.group('q')}{SECRET_MARKER if m.group('pw') else ''}{m.group('q')}", text)
    text = _JSON.sub(lambda m: f"{m.group('pre')}{m.group('q')}{SECRET_MARKER if m.group('pw') else ''}{m.group('q')}", text)
    text = _ELEMENT.sub(lambda m: f"{m.group('pre')}{SECRET_MARKER}{m.group('post')}", text)
    text = PHP_DEFINE.sub(_keyed, text)
    text = PHP_ARROW.sub(_keyed, text)
    text = PHP_ENV_DEFAULT.sub(_env_default, text)
    text = PHP_VAR.sub(_php_var, text)
    return _INLINE_PW.sub(lambda m: f"{m.group('pre')}{SECRET_MARKER}", text)


def _keyed(m: re.Match) -> str:
    if not m.group("pw") or not key_looks_secret(m.group("key")):
        return m.group(0)
    return f"{m.group('pre')}{m.group('q')}{SECRET_MARKER}{m.group('q')}"


def _masked(m: re.Match) -> str:
    return f"{m.group('pre')}{m.group('q')}{SECRET_MARKER}{m.group('q')}"


def _env_default(m: re.Match) -> str:
    key = m.group("ekey") or m.group("ekey2") or ""
    return _masked(m) if m.group("pw") and key_looks_secret(key) else m.group(0)


def _php_var(m: re.Match) -> str:
    keys = [m.group("sub") or m.group("var"), m.group("ekey") or "", m.group("ekey2") or ""]
    if not m.group("pw") or not any(k and key_looks_secret(k) for k in keys):
        return m.group(0)
    return _masked(m)


def mask_env(env: Mapping[str, str], memo: Optional[dict] = None) -> dict[str, str]:
    """A copy of ``env`` with secret values masked. ``memo`` (a dict the
    caller keeps for one host) skips pairs seen before: most processes
    inherit the same variables."""
    if memo is None:
        return {k: mask_value(k, v) for k, v in env.items()}
    out = {}
    for k, v in env.items():
        try:
            out[k] = memo[(k, v)]
        except KeyError:
            out[k] = memo[(k, v)] = mask_value(k, v)
    return out


_ASSIGN = re.compile(
    r"^(?P<lead>\s*(?:-\s+)?(?:export\s+|set\s+|setenv\s+)?(?P<kq>[\"']?))(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)(?P=kq)"
    r"(?P<sep>\s*[=:](?!>)\s*|\s+(?=\S))(?P<val>.*?)(?P<trail>,?\s*)$"
)


def mask_text(text: str) -> str:
    """Mask secrets in env-style or key/value text (KEY=value, key: value, export K=v).

    Lines are kept; only values change, so a person still sees which keys exist."""
    out = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        end = line[len(body):]
        m = _ASSIGN.match(body)
        if m and m.group("sep").strip() in ("=", ":") and key_looks_secret(m.group("key")) and m.group("val"):
            val = m.group("val")
            quote = val[0] if val[0] in "'\"" and val.endswith(val[0]) and len(val) > 1 else ""
            body = (f"{m.group('lead')}{m.group('key')}{m.group('kq')}{m.group('sep')}"
                    f"{quote}{SECRET_MARKER}{quote}{m.group('trail')}")
        else:
            body = mask_inline(body)
        out.append(body + end)
    return "".join(out)
