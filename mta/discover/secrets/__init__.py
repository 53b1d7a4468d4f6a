"""The one secret detector: names, values, files and command lines.

Every layer that must tell a secret from plain data asks this package:
discovery masks with it before anything is stored (process environments and
command lines, unit files, cron lines, fetched config files), the plan and
the wizard decide Secret vs plain env with ``looks_secret``, extract rewrites
config files with ``mask_text``'s rules. The rules live in four small tables
a reader can audit, one module each:

- ``names``  - which NAMES are secret (``key_looks_secret``);
- ``shapes`` - which VALUES are credentials by their shape (``value_looks_secret``)
  and which FILES are credential stores (``file_looks_secret``);
- ``text``   - where a secret value sits in free text (``mask_inline``, ``mask_text``);
- ``argv``   - which command-line ARGUMENTS are secrets (``mask_argv``).

Every scan is linear in its input (bounded quantifiers, literal anchors, no
regex retried from many positions); ``benchmarks/mask_throughput.py`` prints
the figures.
"""

from __future__ import annotations

import codecs
import re
from typing import Mapping, Optional, Union

from ...model import SECRET_MARKER
from .argv import MYSQL_CLIENTS, marker_names, mask_argv, mask_command_line
from .names import key_looks_secret, name_parts, secret_word
from .shapes import file_kind_secret, file_likely_secret, has_private_key, shape_spans, value_looks_secret
from .text import has_url_credentials, mask_inline, mask_text, plain_value, secret_spans

__all__ = [
    "SECRET_MARKER", "MYSQL_CLIENTS", "arg_env_name", "decode_text", "env_is_secret", "without_comments", "file_looks_secret", "has_url_credentials",
    "key_looks_secret", "looks_secret", "marker_names", "mask_argv", "mask_command_line", "mask_env", "mask_inline",
    "mask_file", "mask_text", "mask_value", "name_parts", "secret_spans", "secret_word", "shape_spans",
    "value_looks_secret",
]


def looks_secret(key: str, value: Optional[str]) -> bool:
    """True if ``value`` (under ``key``) is or holds a secret: a secret name with a literal value,
    URL credentials or a ``password=x`` pair inside it, or a credential-shaped value."""
    if not value or value == SECRET_MARKER:
        return False
    word = secret_word(key)
    if word and not plain_value(word, value):
        return True
    return has_url_credentials(value) or value_looks_secret(value)


def env_is_secret(name: str, value: Optional[str], flagged: object = None, *, guess: bool = True) -> bool:
    """The one rule for "is this environment variable a Secret?" (plan, recipes, wizard): discovery
    masked it (no value, or the marker inside), something flagged it, or (unless ``guess`` is off:
    the answers named the secrets) ``looks_secret`` says so."""
    return bool(flagged) or value is None or SECRET_MARKER in value or (guess and looks_secret(name, value))


def arg_env_name(name: str) -> str:
    """The environment variable a masked command-line argument is passed in, in generated
    artifacts: ``--db.password`` -> ``MTA_ARG_DB_PASSWORD`` (mask_argv's names, so the value read
    from the VM for ``--with-secret-values`` lands under the same key)."""
    core = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper() or "SECRET"
    return f"MTA_ARG_{core[:60]}"


def mask_value(key: str, value: str) -> str:
    """The value with its secret parts replaced by SECRET_MARKER.

    A secret key masks the whole value; credentials inside a URL, a connection
    string or a credential-shaped token mask only that part."""
    if not value or value == SECRET_MARKER:
        return value
    word = secret_word(key)
    if word and not plain_value(word, value):
        return SECRET_MARKER
    return mask_inline(value)


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


def file_looks_secret(path: str, text: Optional[str] = None) -> bool:
    """True if the file holds a credential.

    By kind, whatever the content: key stores (.jks .keystore .p12 .pfx), private keys (.key, id_rsa…),
    .netrc, .pgpass, .my.cnf, ``credentials``, .htpasswd. Otherwise by content when ``text`` is known:
    a PEM private key anywhere, a value discovery masked (SECRET_MARKER), or one ``mask_text`` would
    mask. With no text, names that usually hold one (wp-config.php, tomcat-users.xml, .env, *.pem)
    count. Certificates and public keys (.crt, .pub) never do."""
    kind = file_kind_secret(path)
    if text is None:
        return kind if kind is not None else file_likely_secret(path)
    if has_private_key(text):
        return True
    if kind is not None:
        return kind
    live = without_comments(text)
    return SECRET_MARKER in live or mask_text(live) != live


def mask_file(path: str, text: str) -> str:
    """What discovery keeps of a fetched file: a credential store by kind (.pgpass, a private key,
    a bare signing key such as secret_key.txt) is a secret as a whole, whatever its content looks
    like; any other file keeps its text with ``mask_text``'s secrets masked."""
    if file_kind_secret(path):
        return SECRET_MARKER + "\n"
    return mask_text(text)


_LINE_COMMENTS = ("#", ";", "//")


def _drop_blocks(text: str, start: str, end: str) -> str:
    out, pos = [], 0
    while True:
        a = text.find(start, pos)
        if a < 0:
            break
        b = text.find(end, a + len(start))
        out.append(text[pos:a])
        # keep the line breaks so nothing joins up
        out.append("\n" * text.count("\n", a, len(text) if b < 0 else b))
        if b < 0:
            return "".join(out)
        pos = b + len(end)
    out.append(text[pos:])
    return "".join(out)


def without_comments(text: str) -> str:
    """``text`` without comment lines (``#``, ``;``, ``//``) and ``<!-- -->`` / ``/* */``
    blocks: a credential in a comment (Tomcat's commented ``certificateKeystorePassword="changeit"``,
    php.ini's ``;odbc.default_pw =``) does not make a file a secret file."""
    if "<!--" in text:
        text = _drop_blocks(text, "<!--", "-->")
    if "/*" in text:
        text = _drop_blocks(text, "/*", "*/")
    return "".join(line for line in text.splitlines(keepends=True)
                   if not line.lstrip().startswith(_LINE_COMMENTS))


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: Union[bytes, str]) -> str:
    """Text of file content for scanning: UTF-32/16/8 by byte-order mark (also UTF-16 without
    one when every other byte is NUL), else UTF-8 with undecodable bytes replaced."""
    if isinstance(data, str):
        return data
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    head = data[:4096]
    if len(head) >= 4 and head.count(0) * 3 >= len(head):
        if head[1::2].count(0) >= len(head) // 2 * 0.9:
            return data.decode("utf-16-le", errors="replace")
        if head[0::2].count(0) >= len(head) // 2 * 0.9:
            return data.decode("utf-16-be", errors="replace")
    return data.decode("utf-8", errors="replace")
