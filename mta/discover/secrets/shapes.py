"""Rule 2 of the secret detector: does a VALUE look like a credential by its shape?

Each shape is a literal prefix followed by a bounded run of one character
class (linear time: a start is only tried where the prefix occurs, and each
try reads at most the bound):

=================  ==============================================================
PEM private key    ``-----BEGIN … PRIVATE KEY-----`` up to its ``-----END …-----``
AWS key id         ``AKIA``/``ASIA`` + 16 of ``[A-Z0-9]``; a 40-character secret key
                   (``[A-Za-z0-9/+]``) within 200 characters after it goes too
GitHub token       ``ghp_ gho_ ghs_ ghu_ ghr_`` + 36..255 alphanumerics; ``github_pat_`` + 22..255
Slack token        ``xoxa- xoxb- xoxp- xoxr-`` + 10..200 of ``[A-Za-z0-9-]``
JWT                ``eyJ…`` ``.`` ``eyJ…`` ``.`` signature (base64url parts, each <= 8 KiB)
Google API key     ``AIza`` + 35 of ``[A-Za-z0-9_-]``
=================  ==============================================================

And file kinds (``file_looks_secret``): key stores, credential files by name,
or a PEM private key anywhere in the text.
"""

from __future__ import annotations

import posixpath
import re
from typing import Optional

_PEM_BEGIN = "-----BEGIN "
_PEM_HEAD = re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]{0,40}-----")
_AWS_ID = re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])")
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_TOKENS = re.compile(
    r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])"
    r"|(?<![A-Za-z0-9-])xox[abpr]-[A-Za-z0-9-]{10,200}"
    r"|(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])"
)
_JWT = re.compile(r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{1,8192}\.eyJ[A-Za-z0-9_\-]{1,8192}\.[A-Za-z0-9_\-]{8,8192}")
_JWT_START = "eyJ"
MAX_PEM = 64 << 10


def _pem_spans(text: str, out: list) -> None:
    pos = text.find(_PEM_BEGIN)
    while pos >= 0:
        m = _PEM_HEAD.match(text, pos)
        if m:
            end = _PEM_END.search(text, m.end(), m.end() + MAX_PEM)
            stop = end.end() if end else min(len(text), m.end() + MAX_PEM)
            out.append((m.start(), stop))
            pos = text.find(_PEM_BEGIN, stop)
        else:
            pos = text.find(_PEM_BEGIN, pos + 1)


def _jwt_spans(text: str, out: list) -> None:
    """Three base64url runs joined by dots, the first two starting ``eyJ`` (a JSON object). The
    look-behind starts a try only where a run begins, so each run is read once."""
    out += [m.span() for m in _JWT.finditer(text)]


def shape_spans(text: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping (start, end) spans of credential-shaped values in ``text``."""
    spans: list[tuple[int, int]] = []
    if "-----BEGIN " in text:
        _pem_spans(text, spans)
    if "AKIA" in text or "ASIA" in text:
        for m in _AWS_ID.finditer(text):
            spans.append(m.span())
            s = _AWS_SECRET.search(text, m.end(), m.end() + 200)
            if s:
                spans.append(s.span())
    if "gh" in text or "xox" in text or "AIza" in text or "github_pat_" in text:
        spans += [m.span() for m in _TOKENS.finditer(text)]
    if _JWT_START in text:
        _jwt_spans(text, spans)
    if len(spans) < 2:
        return spans
    spans.sort()
    merged = [spans[0]]
    for a, b in spans[1:]:
        if a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def value_looks_secret(value: Optional[str]) -> bool:
    """True if ``value`` holds a credential recognisable by its shape alone (PEM key, AWS, GitHub,
    Slack, JWT, Google API key), whatever name it is stored under."""
    return bool(value) and bool(shape_spans(value))


def replace_spans(text: str, spans: list, marker: str) -> str:
    """``text`` with each (start, end) of ``spans`` (sorted, not overlapping) replaced by ``marker``."""
    if not spans:
        return text
    out, last = [], 0
    for a, b in spans:
        out.append(text[last:a])
        out.append(marker)
        last = b
    out.append(text[last:])
    return "".join(out)


def mask_shapes(text: str, marker: str) -> str:
    return replace_spans(text, shape_spans(text), marker)


#: credential stores by base name: their format IS a credential, whatever the content looks like
CREDENTIAL_FILE_NAMES = frozenset({
    ".netrc", "_netrc", ".pgpass", ".my.cnf", ".mylogin.cnf", "credentials", ".htpasswd", "htpasswd",
    "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".git-credentials", ".dockercfg", ".npmrc", ".pypirc",
    "shadow", "gshadow", "master.key", ".vault-token", "vault-token", "keystore", "truststore",
    # a framework's signing key alone in a file (Debian's redmine: /etc/redmine/<instance>/secret_key.txt)
    "secret_key.txt", "secret_key_base", "secret_token", "secret_token.txt",
})
#: key stores and private keys by suffix
CREDENTIAL_FILE_SUFFIXES = (".jks", ".keystore", ".truststore", ".p12", ".pfx", ".key", ".ppk", ".kdbx",
                            ".keytab", ".jceks", ".bcfks")
#: config files that usually hold a credential: secret when the content is unknown, else by content
LIKELY_SECRET_FILE_NAMES = frozenset({
    "credentials.json", "credentials.xml", "credentials.yml", "credentials.yaml", "secrets.yml",
    "secrets.yaml", "secrets.json", "tomcat-users.xml", "wp-config.php", ".env", "docker-config.json",
})
LIKELY_SECRET_FILE_SUFFIXES = (".pem", ".secret", ".secrets", ".credentials", ".env")
#: public halves and certificates are not secrets even when named like keys
NOT_SECRET_FILE_SUFFIXES = (".pub", ".crt", ".cer")


def has_private_key(text: str) -> bool:
    return "-----BEGIN " in text and bool(_PEM_HEAD.search(text))


def file_kind_secret(path: str) -> Optional[bool]:
    """By name alone: True (a credential store), False (a certificate / public key), None (ask the content)."""
    base = posixpath.basename(path or "").lower()
    if base.endswith(NOT_SECRET_FILE_SUFFIXES):
        return False
    if base in CREDENTIAL_FILE_NAMES or base.endswith(CREDENTIAL_FILE_SUFFIXES) \
            or base.startswith(("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")) and not base.endswith(".pub"):
        return True
    return None


def file_likely_secret(path: str) -> bool:
    base = posixpath.basename(path or "").lower()
    return base in LIKELY_SECRET_FILE_NAMES or base.endswith(LIKELY_SECRET_FILE_SUFFIXES) or base.startswith(".env.")
