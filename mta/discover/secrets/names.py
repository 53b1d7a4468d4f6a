"""Rule 1 of the secret detector: does a NAME say its value is a secret?

A name (env var, option, config key, property) is cut into parts: on every
character that is not a letter or digit, and between a lower-case letter or
digit and an upper-case one (``dbPassword`` -> DB, PASSWORD). Then, in order:

1. the whole name is on ``NOT_SECRET_NAMES`` -> not a secret;
2. the last part is a ``META_PARTS`` word (``SSL_KEY_FILE``, ``TOKEN_TTL``,
   ``AWS_ACCESS_KEY_ID``): the name is about a secret, not one -> not a secret;
3. a part is a ``SECRET_PARTS`` word (``LDAP_BIND_PW``, ``ADMIN_PIN``) or ends
   with a ``SECRET_SUFFIXES`` word (``dbpass``, ``PGPASS``, ``MYSQLPWD``,
   ``clientsecret``) -> a secret, unless that part is a ``NOT_SECRET_PARTS``
   word (``PASSENV``, ``BYPASS``, ``ASKPASS``) or the secret word is KEY
   right after PUBLIC/PUBLISHABLE (``PUBLIC_KEY``).

Nothing else: no substring search inside parts, so ``MONKEY``, ``KEYMAP``,
``TOKENIZERS_PARALLELISM`` and ``TOX_TESTENV_PASSENV`` stay plain.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: a part that IS one of these words makes the name secret
SECRET_PARTS = frozenset({
    "PASS", "PASSWORD", "PASSWORDS", "PASSWD", "PASSPHRASE", "PASSCODE", "PASSKEY", "PW", "PWD", "PIN",
    "SECRET", "SECRETS", "TOKEN", "TOKENS", "KEY", "KEYS", "CREDENTIAL", "CREDENTIALS", "CRED", "CREDS",
    "AUTH", "SALT", "PRIVATE", "APIKEY", "MASTERAUTH", "REQUIREPASS", "JWT", "DSN",
})
#: a part that ENDS with one of these is secret too (run-together names: dbpass, PGPASSWORD, clientSecret)
SECRET_SUFFIXES = ("PASS", "PASSWORD", "PASSWD", "PASSPHRASE", "PWD", "PW", "SECRET", "TOKEN", "APIKEY",
                   "SECRETKEY", "ACCESSKEY", "PRIVATEKEY", "AUTHKEY", "SESSIONKEY", "MASTERKEY", "SIGNINGKEY",
                   "ENCRYPTIONKEY", "LICENSEKEY", "CREDENTIALS", "AUTHTOKEN")
#: parts that end like a secret word but are not one
NOT_SECRET_PARTS = frozenset({
    "PASSENV", "BYPASS", "COMPASS", "SURPASS", "TRESPASS", "OVERPASS", "UNDERPASS", "MULTIPASS", "ASKPASS",
    "OLDPWD", "SPW", "TOKENIZER", "TOKENIZERS",
})
#: a last part naming something ABOUT a secret (where it lives, how it is used)
META_PARTS = frozenset({
    "FILE", "FILES", "PATH", "PATHS", "DIR", "DIRS", "DIRECTORY", "SOCK", "SOCKET", "LOCATION", "ID", "IDS",
    "NAME", "PREFIX", "SUFFIX", "TYPE", "SIZE", "LENGTH", "LEN", "BITS", "ALGORITHM", "ALGO", "ALG", "FORMAT",
    "MODE", "METHOD", "METHODS", "PROVIDER", "BACKEND", "URL", "URI", "ENDPOINT", "HOST", "PORT", "SERVER",
    "HEADER", "PARAM", "FIELD", "ENABLED", "ENABLE", "DISABLED", "DISABLE", "REQUIRED", "TIMEOUT", "TTL",
    "EXPIRY", "EXPIRES", "EXPIRATION", "LIFETIME", "AGE", "POLICY", "COUNT", "LIMIT", "RETRIES", "VERSION",
    "IP", "ADDR", "ADDRESS", "NETWORK", "SUBNET", "DOMAIN", "REALM", "SCOPE", "SCOPES", "ISSUER", "AUDIENCE",
    "USER", "USERNAME", "LOGIN", "COMMAND", "CMD", "PROGRAM", "HELPER", "STORE", "STRATEGY", "CLASS", "LEVEL",
    "MODEL", "HASHER", "HASHERS", "VALIDATOR", "VALIDATORS", "BACKENDS", "CLASSES", "HANDLER", "HANDLERS",
    "FUNCTION", "FUNC", "GENERATOR", "FACTORY", "MIDDLEWARE", "VIEW", "TEMPLATE",
    "CONSTRAINT", "BASIC",  # web.xml <auth-constraint>, nginx auth_basic "realm"
})
#: whole names that look secret but are not (locations, agents, shells, keyboard, image build args)
NOT_SECRET_NAMES = frozenset({
    "PWD", "OLDPWD", "KEYMAP", "KEYTABLE", "XKB_DEFAULT_LAYOUT", "TOX_TESTENV_PASSENV", "GPG_AGENT_INFO",
    "SSH_AUTH_SOCK", "XAUTHORITY", "GPG_KEY", "GPG_KEYS", "GPG_KEY_ID", "KEYSERVER", "HISTFILE",
    "PASSENGER_APP_ENV", "AUTH_SOCK", "KRB5CCNAME", "KRB5_KTNAME", "GIT_ASKPASS", "SSH_ASKPASS", "SUDO_ASKPASS",
    "PUBLIC_KEY", "PUBKEY",
})
_PUBLIC = frozenset({"PUBLIC", "PUB", "PUBLISHABLE"})
#: PASS right after these is "pass the request on" (nginx proxy_pass / fastcgi_pass, Apache ProxyPass)
_PASS_ON = frozenset({"PROXY", "FASTCGI", "UWSGI", "SCGI", "GRPC", "MEMCACHED", "AJP"})
#: values a weak word (auth, key, private …) often holds that are settings, not secrets
#: (Tomcat's auth="Container", pg_hba's md5, an HTTP scheme)
WEAK_PLAIN_VALUES = frozenset({
    "container", "application", "basic", "digest", "none", "md5", "scram-sha-256", "trust", "peer", "ident",
    "password", "ldap", "kerberos", "gssapi", "ntlm", "negotiate", "bearer", "oauth", "oauth2", "saml",
    "session", "token", "jwt", "required", "optional", "sufficient", "requisite", "internal", "external",
    "public", "private", "rsa", "ecdsa", "ed25519", "dsa", "hmac", "sha256", "sha512", "aes", "default",
})
#: secret words too weak to mask an absolute path (``--ssl-key /etc/ssl/x.key`` names a file)
WEAK_PARTS = frozenset({"KEY", "KEYS", "PRIVATE", "AUTH", "CRED", "CREDS", "CREDENTIAL", "CREDENTIALS", "PIN"})

MAX_NAME = 200
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")


def name_parts(name: str) -> list[str]:
    """``"spring.datasource.dbPassword"`` -> ``["SPRING", "DATASOURCE", "DB", "PASSWORD"]``."""
    return [p for p in _SPLIT.split(_CAMEL.sub("_", name).upper()) if p]


def _secret_part(part: str) -> bool:
    if part in NOT_SECRET_PARTS:
        return False
    return part in SECRET_PARTS or part.endswith(SECRET_SUFFIXES)


@lru_cache(maxsize=8192)
def secret_word(name: str) -> str:
    """The part that makes ``name`` a secret name, or ``""``."""
    if not name or len(name) > MAX_NAME or name.upper() in NOT_SECRET_NAMES:
        return ""
    parts = name_parts(name)
    if not parts or parts[-1] in META_PARTS:
        return ""
    for i, part in enumerate(parts):
        if _secret_part(part):
            if part in ("KEY", "KEYS") and i and parts[i - 1] in _PUBLIC:
                continue
            if part == "PASS" and i and parts[i - 1] in _PASS_ON:
                continue
            return part
    return ""


def key_looks_secret(key: str) -> bool:
    """True if the name alone says the value is a secret (DB_PASSWORD, apiKey, LDAP_BIND_PW, dbpass)."""
    return bool(secret_word(key))
